"""The policy timeline: load and validate `policy_events.yaml`, select events, and mark them on charts.

Every event has an id, exact dates (announced, effective), the citizenships and regions it targets
and a primary-source URL (Federal Register, DHS, CBP or White House). `chart_layer` turns events
into Vega-Lite rule layers that any encounters chart can add.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import pandas as pd
import pycountry

from corridor import safeyaml
from corridor.errors import InputError, UsageError
from corridor.reference.calendar import add_months
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS

EVENTS_FILE = Path(__file__).with_name("policy_events.yaml")
Kind = Literal["restriction", "pathway", "enforcement", "parole_end"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
# Hosts of the primary sources a citation may point to.
PRIMARY_HOSTS = ("federalregister.gov", "dhs.gov", "cbp.gov", "whitehouse.gov", "archives.gov", "govinfo.gov")
_REQUIRED = ("id", "title", "kind", "announced", "effective", "citizenships", "regions", "source")


@dataclass(frozen=True)
class Source:
    """A primary-source citation; `checked` says whether its text was read for the dates."""

    publisher: str
    title: str
    url: str
    checked: bool


@dataclass(frozen=True)
class PolicyEvent:
    """One policy change: when it was announced and took effect, whom it targets, the source."""

    id: str
    title: str
    kind: str
    announced: dt.date
    effective: dt.date
    source: Source
    citizenships: tuple[str, ...] = ("all",)
    excluded: tuple[str, ...] = ()
    regions: tuple[str, ...] = ("all",)
    components: tuple[str, ...] = ("all",)
    demographics: tuple[str, ...] = ("all",)
    published: dt.date | None = None
    date_note: str = ""
    related: tuple[str, ...] = field(default=())

    @property
    def start_month(self) -> dt.date:
        """The first month the policy was in force for at least half of (day 1-15 -> that month)."""
        month = dt.date(self.effective.year, self.effective.month, 1)
        return month if self.effective.day <= 15 else add_months(month, 1)

    @property
    def all_citizenships(self) -> bool:
        return self.citizenships == ("all",)

    def targets(self, citizenship: str) -> bool:
        """Whether the policy applies to people of this citizenship."""
        if self.all_citizenships:
            return citizenship not in self.excluded
        return citizenship in self.citizenships

    def covers_region(self, region: str | None) -> bool:
        """Whether the policy applies in `region` (None = nationwide, which any policy touches)."""
        return region in (None, "nationwide") or "all" in self.regions or region in self.regions

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "announced": self.announced.isoformat(),
            "effective": self.effective.isoformat(),
            "published": self.published.isoformat() if self.published else None,
            "start_month": self.start_month.isoformat()[:7],
            "citizenships": ",".join(self.citizenships),
            "excluded": ",".join(self.excluded),
            "regions": ",".join(self.regions),
            "components": ",".join(self.components),
            "demographics": ",".join(self.demographics),
            "publisher": self.source.publisher,
            "source_title": self.source.title,
            "url": self.source.url,
            "source_checked": self.source.checked,
            "date_note": self.date_note,
        }


def _date(raw: object, name: str, event_id: str, path: Path) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    text = str(raw).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise InputError(path, f"event {event_id!r}: {name} {raw!r} is not a date YYYY-MM-DD", column=name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            path, f"event {event_id!r}: {name} {raw!r} is not a valid date", column=name
        ) from None


def _codes(
    raw: object, name: str, event_id: str, path: Path, allowed: Iterable[str] | None
) -> tuple[str, ...]:
    if raw is None:
        return ("all",)
    if raw == "all":
        return ("all",)
    if not isinstance(raw, list) or not raw:
        raise InputError(path, f"event {event_id!r}: {name} must be `all` or a non-empty list", column=name)
    values = tuple(str(v).strip() for v in raw)
    if allowed is None:  # ISO 3166 alpha-3
        for code in values:
            if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.countries.get(alpha_3=code) is None:
                raise InputError(
                    path, f"event {event_id!r}: {code!r} is not an ISO 3166 alpha-3 code", column=name
                )
    else:
        allowed = set(allowed)
        for code in values:
            if code not in allowed:
                raise InputError(
                    path,
                    f"event {event_id!r}: {name} {code!r} is not one of {', '.join(sorted(allowed))}",
                    column=name,
                )
    if len(set(values)) != len(values):
        raise InputError(path, f"event {event_id!r}: {name} lists a value twice", column=name)
    return values


def _url(raw: object, event_id: str, path: Path, column: str = "source.url") -> str:
    text = str(raw or "").strip()
    parsed = urlparse(text)
    host = parsed.hostname or ""
    if parsed.scheme != "https" or not host:
        raise InputError(path, f"event {event_id!r}: {column} {text!r} is not an https URL", column=column)
    if not any(host == h or host.endswith("." + h) for h in PRIMARY_HOSTS):
        raise InputError(
            path,
            f"event {event_id!r}: {column} host {host!r} is not a primary source "
            f"({', '.join(PRIMARY_HOSTS)})",
            column=column,
        )
    return text


def _event(raw: dict[str, Any], path: Path) -> PolicyEvent:
    event_id = str(raw.get("id", "")).strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", event_id):
        raise InputError(path, f"event id {raw.get('id')!r} is not a lower-case slug", column="id")
    missing = [k for k in _REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise InputError(path, f"event {event_id!r}: missing {', '.join(missing)}", column=missing[0])
    unknown = set(raw) - {
        *_REQUIRED,
        "published",
        "date_note",
        "excluded",
        "components",
        "demographics",
        "related",
    }
    if unknown:
        raise InputError(path, f"event {event_id!r}: unknown field(s) {', '.join(sorted(unknown))}")
    if raw["kind"] not in KINDS:
        raise InputError(path, f"event {event_id!r}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    announced = _date(raw["announced"], "announced", event_id, path)
    effective = _date(raw["effective"], "effective", event_id, path)
    published = _date(raw["published"], "published", event_id, path) if raw.get("published") else None
    if effective < announced:
        raise InputError(path, f"event {event_id!r}: effective {effective} is before announced {announced}")
    if not dt.date(2018, 1, 1) <= effective <= dt.date.today():
        raise InputError(path, f"event {event_id!r}: effective date {effective} is outside 2018..today")
    src = raw["source"]
    if not isinstance(src, dict):
        raise InputError(path, f"event {event_id!r}: source must have publisher, title, url, checked")
    for key in ("publisher", "title", "url"):
        if not str(src.get(key) or "").strip():
            raise InputError(path, f"event {event_id!r}: source.{key} is missing", column=f"source.{key}")
    if not isinstance(src.get("checked"), bool):
        raise InputError(
            path, f"event {event_id!r}: source.checked must be true or false", column="source.checked"
        )
    citizenships = _codes(raw["citizenships"], "citizenships", event_id, path, None)
    excluded = _codes(raw["excluded"], "excluded", event_id, path, None) if raw.get("excluded") else ()
    if excluded and citizenships != ("all",):
        raise InputError(path, f"event {event_id!r}: `excluded` only goes with citizenships: all")
    return PolicyEvent(
        id=event_id,
        title=str(raw["title"]).strip(),
        kind=str(raw["kind"]),
        announced=announced,
        effective=effective,
        published=published,
        date_note=" ".join(str(raw.get("date_note") or "").split()),
        citizenships=citizenships,
        excluded=excluded,
        regions=_codes(raw["regions"], "regions", event_id, path, [r for r in REGIONS if r != "nationwide"]),
        components=_codes(
            raw.get("components"), "components", event_id, path, [c for c in COMPONENTS if c != "all"]
        ),
        demographics=_codes(raw.get("demographics"), "demographics", event_id, path, DEMOGRAPHICS),
        source=Source(
            publisher=str(src["publisher"]).strip(),
            title=str(src["title"]).strip(),
            url=_url(src["url"], event_id, path),
            checked=bool(src["checked"]),
        ),
        related=tuple(_url(u, event_id, path, "related") for u in raw.get("related") or ()),
    )


def parse_events(path: Path) -> tuple[PolicyEvent, ...]:
    """Read and validate a policy-events YAML file; raise InputError naming the bad entry."""
    doc = safeyaml.load(path, dates_as_text=True)
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list) or not doc["events"]:
        raise InputError(path, "expected a top-level `events:` list")
    events = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["events"], start=1):
        if not isinstance(raw, dict):
            raise InputError(path, f"entry {i} is not a mapping", row=i)
        event = _event(raw, path)
        if event.id in seen:
            raise InputError(path, f"event id {event.id!r} is used twice", row=i, column="id")
        seen.add(event.id)
        events.append(event)
    return tuple(sorted(events, key=lambda e: (e.effective, e.id)))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[PolicyEvent, ...]:
    return parse_events(Path(path))


def load_events(path: str | Path | None = None) -> list[PolicyEvent]:
    """The curated timeline (or another file of the same schema), sorted by effective date."""
    return list(_load(str(Path(path) if path else EVENTS_FILE)))


def get_event(event_id: str, events: Sequence[PolicyEvent] | None = None) -> PolicyEvent:
    """The event with this id; UsageError listing the known ids otherwise."""
    pool = list(events) if events is not None else load_events()
    for event in pool:
        if event.id == event_id:
            return event
    raise UsageError(f"unknown policy id {event_id!r}; known: {', '.join(e.id for e in pool)}")


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"expected a date as YYYY-MM or YYYY-MM-DD, got {value!r}") from None


def select(
    events: Sequence[PolicyEvent],
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    region: str | None = None,
    citizenship: str | Sequence[str] | None = None,
) -> list[PolicyEvent]:
    """Events effective in [start, end] that apply in `region` and to any of `citizenship`."""
    lo, hi = _as_date(start), _as_date(end)
    if hi is not None and isinstance(end, str) and re.fullmatch(r"\d{4}-\d{2}", end.strip()):
        hi = add_months(hi, 1) - dt.timedelta(days=1)
    wanted = [citizenship] if isinstance(citizenship, str) else list(citizenship or [])
    out = []
    for e in events:
        if (lo and e.effective < lo) or (hi and e.effective > hi) or not e.covers_region(region):
            continue
        if wanted and not any(e.targets(c) for c in wanted):
            continue
        out.append(e)
    return out


@dataclass
class EventsResult:
    """The policy timeline as a result: tidy table, summary and a timeline chart."""

    events: list[PolicyEvent]

    def tidy(self) -> pd.DataFrame:
        cols = [
            "id",
            "effective",
            "announced",
            "start_month",
            "title",
            "citizenships",
            "regions",
            "publisher",
            "url",
        ]
        frame = pd.DataFrame([e.to_dict() for e in self.events])
        return frame[cols] if frame.empty is False else pd.DataFrame(columns=cols)

    def metadata(self) -> dict[str, Any]:
        return {
            "source": "Corridor policy timeline (src/corridor/reference/policy_events.yaml)",
            "events": [e.to_dict() for e in self.events],
            "note": "effective = the date the policy took effect; date_note says what each date is.",
        }

    def caption(self) -> str:
        if not self.events:
            return "No policy events match."
        first, last = self.events[0].effective, self.events[-1].effective
        return (
            f"{len(self.events)} US border policy events, {first}..{last}, each cited to a primary source "
            "(Federal Register, DHS, CBP or White House)."
        )

    def summary(self) -> str:
        lines = [self.caption()]
        lines += [f"  {e.effective}  {e.id:<32} {e.title}" for e in self.events]
        return "\n".join(lines)

    def chart(self) -> dict[str, Any]:
        """A Vega-Lite timeline: one tick a policy, by effective date."""
        values = [
            {"date": e.effective.isoformat(), "id": e.id, "title": e.title, "kind": e.kind}
            for e in self.events
        ]
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": "US border policy timeline", "subtitle": self.caption()},
            "data": {"values": values},
            "mark": {"type": "tick", "thickness": 2},
            "encoding": {
                "x": {"field": "date", "type": "temporal", "title": "effective date"},
                "y": {"field": "kind", "type": "nominal", "title": None},
                "tooltip": [{"field": "id"}, {"field": "title"}, {"field": "date", "type": "temporal"}],
            },
            "width": 600,
        }


def chart_layer(
    events: Sequence[PolicyEvent],
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    field: str = "month",
    labels: bool = True,
) -> list[dict[str, Any]]:
    """Vega-Lite layers marking each event in [start, end] as a dashed rule (plus a label).

    Add them to any chart whose x axis is the temporal field `field`:
    `{"layer": [base_layer, *chart_layer(events, "2019-10", "2025-11")]}`.
    """
    chosen = select(events, start=start, end=end)
    if not chosen:
        return []
    values = [
        {field: e.effective.isoformat(), "event": e.id, "title": e.title, "source": e.source.url}
        for e in chosen
    ]
    x = {"field": field, "type": "temporal"}
    rule = {
        "data": {"values": values},
        "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#7f7f7f", "opacity": 0.8},
        "encoding": {
            "x": x,
            "tooltip": [
                {"field": "event", "type": "nominal"},
                {"field": "title", "type": "nominal"},
                {"field": field, "type": "temporal", "title": "effective"},
                {"field": "source", "type": "nominal"},
            ],
        },
    }
    if not labels:
        return [rule]
    text = {
        "data": {"values": values},
        "mark": {
            "type": "text",
            "angle": 270,
            "align": "right",
            "baseline": "bottom",
            "dx": -4,
            "fontSize": 9,
            "color": "#555",
        },
        "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "event", "type": "nominal"}},
    }
    return [rule, text]

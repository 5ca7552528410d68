"""Vega-Lite chart specs shared by the web app and the report.

Every chart states its source and period in its subtitle, so a chart cut out of a page still
says where its numbers come from. Specs are plain dicts with the data inline (no URLs), which
vl-convert's JavaScript bundle renders offline.

Charts are for people: categories show their labels and keep one colour on every chart
(`reference.labels`), legends sit below the plot so it keeps the page's width, partial periods
are drawn lighter with a dashed outline and labelled, policy events are numbered markers with
one label per cluster (listed under the chart), and every spec carries a text description of
what it shows, its range and its latest value (`description`, read by screen readers).
`for_people` applies the same labels and colours to specs built elsewhere (analysis modules).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor import fmt
from corridor.jsonio import records
from corridor.reference import labels

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 720
EVENT_COLOUR = "#b22222"
# Events closer than this many days share one marker (their labels would print over each other).
CLUSTER_DAYS = 75
# Category columns whose values are ids with labels (and, for some, fixed colours).
CATEGORY_KINDS = ("demographic", "component", "region", "title", "sector", "citizenship", "iso3")
PARTIAL_OPACITY = 0.35


@dataclass(frozen=True)
class Mark:
    """One numbered marker on a time axis: the events that took effect close together."""

    date: dt.date
    number: int
    events: tuple[tuple[str, str, dt.date], ...] = field(default=())  # (id, title, effective)

    @property
    def label(self) -> str:
        return str(self.number)

    def text(self) -> str:
        """The marker's events as one line: 'Mar 2020: Title 42 order begins; ...'."""
        return "; ".join(f"{d:%b %Y}: {title}" for _, title, d in self.events)


def policy_marks(obs: Any) -> list[Mark]:
    """Policy events as numbered markers: events within `CLUSTER_DAYS` of each other share one
    marker, so labels never print over each other. Empty if the timeline is not available: the
    marks are decoration and must not break a chart."""
    try:
        result = obs.events()
    except Exception:
        return []
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "tidy", lambda: None)()
    if not isinstance(frame, pd.DataFrame) or frame.empty or not {"effective", "id"} <= set(frame):
        return []
    events: list[tuple[dt.date, str, str]] = []
    for row in frame.itertuples(index=False):
        stamp = pd.to_datetime(row.effective, errors="coerce")
        if pd.notna(stamp):
            title = str(getattr(row, "title", "") or labels.label("event", str(row.id)))
            events.append((stamp.date(), str(row.id), title))
    return cluster(events)


def cluster(events: Sequence[tuple[dt.date, str, str]]) -> list[Mark]:
    """(date, id, title) events grouped into numbered markers, in date order."""
    groups: list[list[tuple[dt.date, str, str]]] = []
    for event in sorted(events):
        if groups and (event[0] - groups[-1][0][0]).days <= CLUSTER_DAYS:
            groups[-1].append(event)
        else:
            groups.append([event])
    return [
        Mark(date=g[0][0], number=n, events=tuple((i, t, d) for d, i, t in g))
        for n, g in enumerate(groups, start=1)
    ]


def _subtitle(caption: str, width: int = 110) -> list[str]:
    return textwrap.wrap(caption, width) or [""]


def base(title: str, caption: str, *, width: int = WIDTH, height: int = 280) -> dict[str, Any]:
    """The frame every chart shares: title, source/period subtitle, size, legend below."""
    return {
        "$schema": SCHEMA,
        "title": {
            "text": title,
            "subtitle": _subtitle(caption),
            "anchor": "start",
            "subtitleFontSize": 10,
            "subtitleColor": "#555",
        },
        "width": width,
        "height": height,
        "config": {
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontWeight": "normal"},
            "legend": {"orient": "bottom", "direction": "horizontal", "columns": 3, "labelLimit": 240},
        },
    }


def _time_field(frame: pd.DataFrame) -> tuple[str, str, dict[str, Any]]:
    if "month" in frame.columns:
        return "month", "temporal", {"format": "%Y-%m"}
    for key in ("fiscal_year", "calendar_year", "year"):
        if key in frame.columns:
            return key, "ordinal", {}
    raise ValueError("frame has no time column")


def partial_periods(metadata: Mapping[str, Any] | None) -> dict[int, str]:
    """A flows answer's partial periods ("FY2026 (2 of 12 months)") as {2026: "2 of 12 months"}."""
    out: dict[int, str] = {}
    for text in (metadata or {}).get("partial_periods") or ():
        found = re.match(r"^(?:FY)?(\d{4}) \((.*)\)$", str(text))
        if found:
            out[int(found.group(1))] = found.group(2)
    return out


def category_labels(kind: str, codes: Sequence[Any]) -> dict[str, str]:
    """Each code of a category column -> the label people read (unique per code)."""
    out: dict[str, str] = {}
    for code in dict.fromkeys(str(c) for c in codes):
        if kind in ("citizenship", "iso3"):
            text = "Other countries" if code == "OTHER" else labels.label("citizenship", code)
        else:
            text = labels.label(kind, code)
        out[code] = text if text not in out.values() else f"{text} ({code})"
    return out


def colour_scale(kind: str, mapping: Mapping[str, str]) -> dict[str, Any]:
    """A Vega-Lite scale giving each category its one colour on every chart."""
    shown = list(mapping.items())
    return {
        "domain": [text for _, text in shown],
        "range": [labels.colour("citizenship" if kind == "iso3" else kind, code) for code, _ in shown],
    }


def series_chart(
    frame: pd.DataFrame,
    *,
    y: str = "encounters",
    color: str | None = None,
    title: str,
    caption: str,
    events: Sequence[Mark] = (),
    mark: str = "line",
    partial: Mapping[int, str] | None = None,
    y_title: str | None = None,
) -> dict[str, Any]:
    """A time series (line, or bars for years), optionally one line or bar stack per `color`
    group; partial years are lighter with a dashed outline and labelled."""
    x, xtype, axis = _time_field(frame)
    data = frame.copy()
    if x == "month":
        data[x] = pd.to_datetime(data[x]).dt.strftime("%Y-%m-%d")
    y_name = y_title or labels.column(y)
    month = x == "month"
    enc: dict[str, Any] = {
        "x": {"field": x, "type": xtype, "title": labels.column(x), "axis": axis},
        "y": {"field": y, "type": "quantitative", "title": y_name, "axis": {"format": "~s"}},
        "tooltip": [
            {"field": x, "type": xtype, "title": labels.column(x), **({"format": "%Y-%m"} if month else {})},
            {"field": y, "type": "quantitative", "title": y_name, "format": ","},
        ],
    }
    if color:
        mapping = category_labels(color, data[color].tolist())
        data[color] = data[color].astype(str).map(mapping)
        legend_title = labels.column("citizenship" if color == "iso3" else color)
        enc["color"] = {
            "field": color,
            "type": "nominal",
            "title": legend_title,
            "scale": colour_scale(color, mapping),
        }
        enc["tooltip"].insert(0, {"field": color, "type": "nominal", "title": legend_title})
    partial = {k: v for k, v in (partial or {}).items() if x != "month"}
    if partial:
        data["partial"] = [
            partial.get(int(v)) if pd.notna(v) else None for v in pd.to_numeric(data[x], errors="coerce")
        ]
        enc["opacity"] = {"condition": {"test": "datum.partial", "value": PARTIAL_OPACITY}, "value": 1}
        enc["tooltip"].append({"field": "partial", "type": "nominal", "title": "Partial period"})
        if mark == "bar":
            enc["strokeDash"] = {"condition": {"test": "datum.partial", "value": [3, 2]}, "value": [1, 0]}
            enc["stroke"] = {"condition": {"test": "datum.partial", "value": "#333"}, "value": None}
    main: dict[str, Any] = {"type": mark, "tooltip": True}
    if mark == "line":
        main["point"] = bool(x != "month")
    layer: list[dict[str, Any]] = [{"mark": main, "encoding": enc}]
    if partial and mark == "line":
        # A partial year must not read as a fall: the line stops at the last full year and the
        # partial value is a hollow, labelled point.
        layer[0]["transform"] = [{"filter": "!datum.partial"}]
        layer.append(
            {
                "transform": [{"filter": "datum.partial"}],
                "mark": {"type": "point", "filled": False, "size": 50, "tooltip": True},
                "encoding": {k: v for k, v in enc.items() if k != "opacity"},
            }
        )
    if partial and x in data:
        totals = data.groupby(x, sort=True)[y].sum(min_count=1)
        rows = [
            {x: k, y: float(v), "note": "partial"}
            for k, v in totals.items()
            if pd.notna(v) and int(k) in partial
        ]
        if rows:
            layer.append(
                {
                    "data": {"values": rows},
                    "mark": {"type": "text", "dy": -6, "fontSize": 10, "color": "#333", "baseline": "bottom"},
                    "encoding": {
                        "x": {"field": x, "type": xtype},
                        "y": {"field": y, "type": "quantitative"},
                        "text": {"field": "note"},
                    },
                }
            )
        caption += (
            " Lighter bars with a dashed outline are partial periods: "
            + "; ".join(f"{'FY' if x == 'fiscal_year' else ''}{k}: {v}" for k, v in sorted(partial.items()))
            + "."
        )
    shown_marks: list[Mark] = []
    if events and x == "month":
        first, last = data[x].min(), data[x].max()
        inside = [m for m in events if first <= m.date.isoformat() <= last]
        shown_marks = [Mark(date=m.date, number=n, events=m.events) for n, m in enumerate(inside, start=1)]
        if shown_marks:
            rows = [{"date": m.date.isoformat(), "label": m.label, "events": m.text()} for m in shown_marks]
            layer.append(
                {
                    "data": {"values": rows},
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": EVENT_COLOUR},
                    "encoding": {
                        "x": {"field": "date", "type": "temporal"},
                        "tooltip": [{"field": "events", "title": "Policy changes"}],
                    },
                }
            )
            layer.append(_event_labels(rows, "date"))
    spec = base(title, caption)
    spec["data"] = {"values": records(data)}
    spec["layer"] = layer
    spec["description"] = describe_series(data, x=x, y=y, color=color, title=title, y_name=y_name)
    if shown_marks:
        spec["usermeta"] = {"events": _listed(shown_marks)}
    return spec


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    caption: str,
    color: str | None = None,
    x_title: str | None = None,
) -> dict[str, Any]:
    """Horizontal bars of `y` by category `x` (sorted by value), optionally stacked by `color`."""
    data = frame.copy()
    if x in CATEGORY_KINDS:
        data[x] = data[x].astype(str).map(category_labels(x, data[x].tolist()))
    spec = base(title, caption, height=max(160, 18 * data[x].nunique()))
    x_name = x_title or labels.column(x)
    enc: dict[str, Any] = {
        "y": {"field": x, "type": "nominal", "sort": "-x", "title": x_name, "axis": {"labelLimit": 160}},
        "x": {"field": y, "type": "quantitative", "title": labels.column(y), "axis": {"format": "~s"}},
        "tooltip": [
            {"field": x, "title": x_name},
            {"field": y, "title": labels.column(y), "format": ","},
        ],
    }
    if color:
        mapping = category_labels(color, data[color].tolist())
        data[color] = data[color].astype(str).map(mapping)
        enc["color"] = {
            "field": color,
            "type": "nominal",
            "title": labels.column(color),
            "scale": colour_scale(color, mapping),
        }
    spec["data"] = {"values": records(data)}
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = enc
    top = data.sort_values(y, ascending=False).head(3)
    named = ", ".join(f"{r[x]} ({fmt.count(r[y])})" for _, r in top.iterrows())
    spec["description"] = (
        f"Bar chart: {title}. {len(data)} bars, largest first: {named}."
        if len(data)
        else f"Bar chart: {title}. No data."
    )
    return spec


def _when(value: Any, x: str) -> str:
    if x == "month":
        return pd.Timestamp(value).strftime("%b %Y")
    if x == "fiscal_year":
        return f"FY{int(value)}"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def describe_series(data: pd.DataFrame, *, x: str, y: str, color: str | None, title: str, y_name: str) -> str:
    """What a time-series chart shows, in words: its period, its range and its latest value."""
    values = data.dropna(subset=[y])
    if values.empty:
        return f"Chart: {title}. No values."
    first, last = values[x].min(), values[x].max()
    head = f"Chart: {title}. {y_name} from {_when(first, x)} to {_when(last, x)}"
    if color:
        totals = values.groupby(x)[y].sum()
        groups = values.groupby(color)[y].sum().sort_values(ascending=False)
        latest = values[values[x] == last].groupby(color)[y].sum()  # two rows may share a label
        parts = ", ".join(f"{g} {fmt.count(latest.get(g))}" for g in groups.index[:4] if g in latest)
        return (
            f"{head}, {len(groups)} groups. Totals range from {fmt.count(totals.min())} "
            f"({_when(totals.idxmin(), x)}) to {fmt.count(totals.max())} ({_when(totals.idxmax(), x)}). "
            f"Latest, {_when(last, x)}: {parts}."
        )
    series = values.set_index(x)[y]
    low, high = series.idxmin(), series.idxmax()
    return (
        f"{head}. Lowest {fmt.count(series.min())} ({_when(low, x)}), highest "
        f"{fmt.count(series.max())} ({_when(high, x)}); latest {fmt.count(series.iloc[-1])} "
        f"({_when(last, x)})."
    )


# --- specs from elsewhere, made readable -------------------------------------------------------


def _relabel_value(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """An id in a chart's data -> its label (plain words such as 'pending' stay as they are)."""
    if (
        isinstance(value, str)
        and (value in labels.SHORT_CODES or re.fullmatch(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)+", value))
        and value not in keep
    ):
        found = labels.lookup(value)
        if found:
            return found
    return value


def _expression_literals(node: Any) -> set[str]:
    """Quoted strings inside a spec's expressions (filters, tests): values that must not change."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("filter", "test", "calculate", "expr") and isinstance(value, str):
                out |= {a or b for a, b in re.findall(r"'([^']*)'|\"([^\"]*)\"", value)}
            elif key == "oneOf" and isinstance(value, list):
                out |= {str(v) for v in value}
            elif key == "equal" and isinstance(value, str):
                out.add(value)
            else:
                out |= _expression_literals(value)
    elif isinstance(node, list):
        for value in node:
            out |= _expression_literals(value)
    return out


def _walk_titles(node: Any, keep: frozenset[str] = frozenset()) -> Any:
    """Titles and axis titles anywhere in a spec, with ids replaced by labels."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "subtitle", "text") and isinstance(value, str):
                out[key] = labels.humanize(value) if key != "text" or "field" not in node else value
            elif key in ("title", "subtitle") and isinstance(value, list):
                out[key] = [labels.humanize(v) if isinstance(v, str) else v for v in value]
            elif key == "values" and isinstance(value, list):
                out[key] = [
                    {k: _relabel_value(v, keep) for k, v in row.items()} if isinstance(row, dict) else row
                    for row in value
                ]
            elif key == "field" and isinstance(value, str) and "title" not in node:
                out[key] = value
            else:
                out[key] = _walk_titles(value, keep)
        typed = node.get("type") in ("quantitative", "temporal", "nominal", "ordinal")
        if typed and "title" not in node and isinstance(node.get("field"), str):
            out["title"] = labels.column(node["field"])
        return out
    if isinstance(node, list):
        return [_walk_titles(v, keep) for v in node]
    return node


def for_people(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """Any chart spec with its ids shown as labels: category values, titles, axis and legend
    titles (the data keep their meaning; only the words change). Rotated event labels become
    numbered markers listed under the chart, long source lines are shortened to their source
    and period, each axis keeps one title, and legends go below the plot."""
    if spec is None:
        return None
    spec = _number_event_labels(spec)
    out = _walk_titles(spec, frozenset(_expression_literals(spec)))
    _quiet_decorations(out)
    _one_axis_title(out)
    _legend_labels(out)
    title = out.get("title")
    if isinstance(title, dict):
        sub = title.get("subtitle")
        text = " ".join(sub) if isinstance(sub, list) else str(sub or "")
        if len(text) > SUBTITLE_CHARS:
            title["subtitle"] = _subtitle(short_caption(text))
    config = out.setdefault("config", {})
    legend = config.setdefault("legend", {})
    legend.setdefault("orient", "bottom")
    legend.setdefault("direction", "horizontal")
    legend.setdefault("columns", 3)
    legend.setdefault("labelLimit", 240)
    if "description" not in out:
        out["description"] = describe_any(out)
    return out


SUBTITLE_CHARS = 330


def short_caption(text: str) -> str:
    """A long caption cut to what a chart must say: its first sentence, its period and its source
    (the source is what gets shortened when there is no room: the period never is)."""
    sentences = re.split(r"(?<=[.)])\s+(?=[A-Z])", text.strip())
    rest = sentences[1:]
    head = " ".join([sentences[0], *[t for t in rest if t.startswith("Period")][:1]])
    tail = " ".join([t for t in rest if t.startswith(("Source", "Sources", "Note: rounded"))][:2])
    room = 2 * SUBTITLE_CHARS - len(head) - 1
    if len(tail) > room:
        tail = tail[: max(room, 0)].rsplit(" ", 1)[0] + " …"
    return f"{head} {tail}".strip() + " (Full source line below the chart.)"


def _number_event_labels(spec: dict[str, Any]) -> dict[str, Any]:
    """Rotated event labels (ids printed along a time axis) -> numbered markers, one per cluster."""
    layers = spec.get("layer")
    if not isinstance(layers, list):
        return spec
    out_layers, marks = [], []
    for layer in layers:
        mark = layer.get("mark") if isinstance(layer, dict) else None
        enc = layer.get("encoding", {}) if isinstance(layer, dict) else {}
        rows = (layer.get("data") or {}).get("values") if isinstance(layer, dict) else None
        xf = (enc.get("x") or {}).get("field")
        tf = (enc.get("text") or {}).get("field")
        rotated = (
            isinstance(mark, dict) and mark.get("type") == "text" and mark.get("angle") in (90, 270, -90)
        )
        if not (rotated and xf and tf and rows):
            out_layers.append(layer)
            continue
        items = []
        for row in rows:
            stamp = pd.to_datetime(row.get(xf), errors="coerce")
            if pd.isna(stamp):
                continue
            code = str(row.get(tf))
            title = str(row.get("title") or labels.lookup(code) or labels.humanize(code))
            items.append((stamp.date(), code, title))
        marks = cluster(items)
        numbered = [{xf: m.date.isoformat(), "label": m.label, "events": m.text()} for m in marks]
        out_layers.append(_event_labels(numbered, xf))
    if not marks:
        return spec
    usermeta = {**(spec.get("usermeta") or {}), "events": _listed(marks)}
    return {**spec, "layer": out_layers, "usermeta": usermeta}


def _event_labels(rows: list[dict[str, Any]], x_field: str) -> dict[str, Any]:
    """The layer of numbered labels above a chart's policy-change rules (`rows`: date in `x_field`,
    `label`, `events`); one look for every chart that marks events."""
    return {
        "data": {"values": rows},
        "mark": {
            "type": "text",
            "align": "center",
            "baseline": "bottom",
            "dy": -2,
            "fontSize": 10,
            "fontWeight": "bold",
            "color": EVENT_COLOUR,
        },
        "encoding": {
            "x": {"field": x_field, "type": "temporal"},
            "y": {"value": 0},
            "text": {"field": "label"},
            "tooltip": [{"field": "events", "title": "Policy changes"}],
        },
    }


def _listed(marks: list[Mark]) -> list[dict[str, Any]]:
    """The numbered event marks as the spec's `usermeta.events` lists them."""
    return [{"number": m.number, "date": m.date.isoformat(), "text": m.text()} for m in marks]


def _quiet_decorations(node: Any) -> None:
    """Rules and text labels are decoration for screen readers (the chart's description and data
    table say what they mark): they get no ARIA role of their own."""
    if isinstance(node, dict):
        mark = node.get("mark")
        if isinstance(mark, str) and mark in ("rule", "text"):
            node["mark"] = {"type": mark, "aria": False}
        elif isinstance(mark, dict) and mark.get("type") in ("rule", "text"):
            mark.setdefault("aria", False)
        for value in node.values():
            _quiet_decorations(value)
    elif isinstance(node, list):
        for value in node:
            _quiet_decorations(value)


def _legend_labels(spec: dict[str, Any]) -> None:
    """Legends whose scale lists ids (`did`, `synthetic_control`) print their labels instead."""
    encodings = [spec.get("encoding")] + [
        layer.get("encoding") for layer in spec.get("layer", []) or [] if isinstance(layer, dict)
    ]
    inner = spec.get("spec")
    if isinstance(inner, dict):
        encodings.append(inner.get("encoding"))
        inner_layers = inner.get("layer", []) or []
        encodings += [layer.get("encoding") for layer in inner_layers if isinstance(layer, dict)]
    for enc in encodings:
        if not isinstance(enc, dict):
            continue
        for channel in ("color", "strokeDash", "shape", "fill"):
            node = enc.get(channel)
            if not isinstance(node, dict) or node.get("legend", {}) is None:
                continue
            domain = (node.get("scale") or {}).get("domain")
            if not isinstance(domain, list):
                domain = sorted(_values_of(spec, str(node.get("field", ""))))
            mapping = {v: labels.lookup(v) for v in domain if isinstance(v, str)}
            named = {k: v for k, v in mapping.items() if v and v != k}
            if not named:
                continue
            expr = "datum.label"
            for code, text in named.items():
                quoted = text.replace("\\", "\\\\").replace("'", "\\'")
                expr = f"datum.label == '{code}' ? '{quoted}' : ({expr})"
            legend = dict(node.get("legend") or {})
            legend.setdefault("labelExpr", expr)
            node["legend"] = legend


def _values_of(spec: dict[str, Any], name: str) -> set[str]:
    """Every string a field takes in a spec: from inline data, and from fold transforms."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("fold"), list):
                found.update(str(v) for v in node["fold"])
            values = node.get("values")
            if isinstance(values, list):
                found.update(
                    str(r[name]) for r in values if isinstance(r, dict) and isinstance(r.get(name), str)
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if name:
        walk(spec)
    return found


def _one_axis_title(spec: dict[str, Any]) -> None:
    """Layers share an axis: give every layer the first title found, so Vega prints one title."""
    layers = [layer for layer in spec.get("layer", []) or [] if isinstance(layer, dict)]
    for channel in ("x", "y"):
        encodings = [
            layer["encoding"][channel]
            for layer in layers
            if isinstance(layer.get("encoding", {}).get(channel), dict)
            and "field" in layer["encoding"][channel]
        ]
        titles = [e.get("title") for e in encodings if "title" in e]
        chosen = next((t for t in titles if t), titles[0] if titles else None)
        if len(encodings) > 1 and titles:
            for e in encodings:
                e["title"] = chosen


def _layers(spec: dict[str, Any]) -> list[tuple[dict[str, Any], pd.DataFrame | None]]:
    """Each encoding of a spec (its layers', a facet's panel's) with the data it draws: the
    layer's own values where it has them, else the chart's."""
    frame = data_frame(spec)
    out: list[tuple[dict[str, Any], pd.DataFrame | None]] = []
    for node in (spec, spec.get("spec")):
        if not isinstance(node, dict):
            continue
        for layer in [node, *(node.get("layer", []) or [])]:
            enc = layer.get("encoding") if isinstance(layer, dict) else None
            if not isinstance(enc, dict):
                continue
            values = (layer.get("data") or {}).get("values") if layer is not spec else None
            out.append((enc, pd.DataFrame(values) if values else frame))
    return out


def _ranged(enc: dict[str, Any], frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The (x, y) values one encoding draws, sorted by x; None if it does not plot a quantity."""
    x, y = enc.get("x") or {}, enc.get("y") or {}
    xf, yf = str(x.get("field") or ""), str(y.get("field") or "")
    if frame is None or xf not in frame or yf not in frame or y.get("type", "quantitative") != "quantitative":
        return None
    values = frame[[xf, yf]].copy()
    values[yf] = pd.to_numeric(values[yf], errors="coerce")
    values = values.dropna().sort_values(xf)
    return None if values.empty else values


def describe_any(spec: dict[str, Any]) -> str:
    """A text description of any spec: its title, what it plots over which period, its range and
    its latest value, read from its data (or its title and source when the data say too little).
    Lines and points come before bands (an interval's low edge is not the series), and a layer
    that continues the first one (a forecast after the history) is described after it."""
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    text = " ".join(text) if isinstance(text, list) else str(text or "Untitled chart")
    layers = _layers(spec)
    frame = data_frame(spec)
    encodings = [enc for enc, _ in layers]
    plotted = [(enc, v) for enc, f in layers if (v := _ranged(enc, f)) is not None]
    plotted.sort(key=lambda pair: "y2" in pair[0])  # bands last; otherwise the chart's order
    parts: list[str] = []
    for enc, values in plotted:
        x, y = enc.get("x") or {}, enc.get("y") or {}
        xf, yf = str(x["field"]), str(y["field"])
        temporal = x.get("type") == "temporal"

        def when(value: Any, temporal: bool = temporal, key: str = xf) -> str:
            return _when(value, "month") if temporal else _when(value, key)

        low, high = values.loc[values[yf].idxmin()], values.loc[values[yf].idxmax()]
        last = values.iloc[-1]
        span = f"from {when(values[xf].iloc[0])} to {when(last[xf])}"
        extent = (
            f"lowest {_number(low[yf])} ({when(low[xf])}), highest {_number(high[yf])} ({when(high[xf])})"
        )
        if not parts:
            name = str(y.get("title") or labels.column(yf))
            parts.append(f"{name} {span}; {extent}; last value {_number(last[yf])} ({when(last[xf])})")
            first_end, first_y = last[xf], yf
        elif yf != first_y and "y2" not in enc and values[xf].iloc[0] > first_end:
            parts.append(f"then {labels.column(yf).lower()} {span}; {extent}")
            break
    if parts:
        return f"Chart: {text}. " + "; ".join(parts) + "."
    for enc in encodings:  # a timeline: marks along a time axis, without values to range over
        if not isinstance(enc, dict) or frame is None:
            continue
        x = enc.get("x") or {}
        xf = str(x.get("field") or "")
        if xf in frame and x.get("type") == "temporal":
            dates = pd.to_datetime(frame[xf], errors="coerce").dropna().sort_values()
            if len(dates):
                yf = str((enc.get("y") or {}).get("field") or "")
                rows = f" in {frame[yf].nunique()} rows" if yf in frame else ""
                return (
                    f"Chart: {text}. {len(dates)} marks{rows} from {dates.iloc[0]:%b %Y} to "
                    f"{dates.iloc[-1]:%b %Y}; the data table lists each."
                )
    return f"Chart: {text}."


def _number(value: float) -> str:
    whole = abs(value) >= 100 or float(value).is_integer()
    return fmt.count(value) if whole else fmt.significant(value, 3)


def data_frame(spec: dict[str, Any] | None) -> pd.DataFrame | None:
    """The data a chart draws, as a table (the chart's text alternative); None if it has none."""
    if not spec:
        return None
    data = spec.get("data")
    rows = data.get("values") if isinstance(data, dict) else None
    if not rows:
        for layer in spec.get("layer", []) or []:
            values = (layer.get("data") or {}).get("values")
            if values and not (set(values[0]) <= {"date", "label", "events", "note"}):
                rows = values
                break
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    keep = [c for c in frame.columns if c not in ("partial",) or frame[c].notna().any()]
    return frame[keep]

"""One validation path for every web parameter: pydantic fields that parse with `corridor.params`.

The flows verb's model (`FlowsParams`) and every analysis verb's model (`corridor.web.verbs`)
are built from the field types below, so a country is read the same way (ISO3 code or English
name) on the flows page, in `/api/v1/forecast` and on the command line, and a bad value is a
422 whose sentence names the parameter. List parameters take repeated or comma-separated
values; every list has a maximum length and every number a range, both in the OpenAPI spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias
from urllib.parse import parse_qsl, urlencode

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from corridor import params as shared
from corridor.errors import UsageError
from corridor.flows import BY_KEYS
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES

if TYPE_CHECKING:  # the vocabularies are data; at run time they become Literal types (enums in OpenAPI)
    Region: TypeAlias = str
    Component: TypeAlias = str
    Demographic: TypeAlias = str
    Title: TypeAlias = str
    Sector: TypeAlias = str
    By: TypeAlias = str
else:
    Region = Literal[tuple(REGIONS)]
    Component = Literal[tuple(COMPONENTS)]
    Demographic = Literal[tuple(DEMOGRAPHICS)]
    Title = Literal[tuple(TITLES)]
    Sector = Literal[tuple(SECTORS)]
    By = Literal[tuple(BY_KEYS)]

MAX_ITEMS = 60  # values in one list parameter (more: 422)
MAX_TEXT = 200  # characters in one text value


def usage_as_value(parse: Callable[..., Any]) -> Callable[..., Any]:
    """A `corridor.params` parser as a pydantic validator: its UsageError becomes a field error."""

    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None

    return validate


def blank_to_none(value: Any) -> Any:
    """'' (an empty form field) and an empty repeat mean "not given"; repeated scalars keep the last."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def listed(parse: Callable[[Any], Sequence[str]]) -> Callable[[Any], Any]:
    """A list parser for pydantic: blank is an empty list (not given), else a list from `parse`."""

    def validate(value: Any) -> Any:
        out = list(parse(value))
        if len(out) > MAX_ITEMS:
            raise UsageError(f"at most {MAX_ITEMS} values, got {len(out)}")
        return out

    return usage_as_value(validate)


def plain_text(name: str) -> Callable[[Any], Any]:
    """An id or label typed by a person: no control characters and nothing that names a file."""

    def check(value: Any) -> Any:
        value = blank_to_none(value)
        if value is None:
            return None
        text = str(value)
        if re.search(r"[\x00-\x1f\x7f]", text):
            raise UsageError(f"{name}: control characters are not allowed")
        if re.search(r"[/\\]|^[~.]", text):
            raise UsageError(f"{name}: file paths are not accepted over the web; use an id")
        return text

    return usage_as_value(check)


def text_items(name: str) -> Callable[[Any], Any]:
    """A list of ids (comma-separated or repeated), each checked as `plain_text`."""
    one = plain_text(name)

    def parse(value: Any) -> list[str]:
        return [one(v) for v in shared.items(value)]

    return listed(parse)


def month_text(name: str) -> Callable[[Any], Any]:
    """A month as YYYY-MM (read by `corridor.params.month`, so every surface reads it alike)."""

    def parse(value: Any) -> Any:
        value = blank_to_none(value)
        month = shared.month(value, name)
        return None if month is None else f"{month:%Y-%m}"

    return usage_as_value(parse)


def country_text(name: str) -> Callable[[Any], Any]:
    """One country, by ISO3 code or English name, as its ISO3 code."""

    def parse(value: Any) -> Any:
        value = blank_to_none(value)
        return None if value is None else shared.country(str(value), name)

    return usage_as_value(parse)


def choice_of(allowed: Sequence[str], name: str) -> Callable[[Any], Any]:
    """One value among `allowed` (with a did-you-mean), blank is None."""

    def parse(value: Any) -> Any:
        value = blank_to_none(value)
        return None if value is None else shared.choice(str(value), allowed, name)

    return usage_as_value(parse)


def region_choice(value: Any) -> Any:
    """A border region; blank and `nationwide` mean every region (None)."""
    return usage_as_value(lambda v: shared.region(blank_to_none(v)))(value)


# Field types shared by the flows model and the verb models (the OpenAPI spec shows their enums).
def bounded_list(item: Any, max_items: int = MAX_ITEMS) -> Any:
    """A list of `item` of at most `max_items` values, or None (the maximum is in the spec)."""
    return Annotated[list[item], Field(max_length=max_items)] | None


# Spelled out as `bounded_list(str)` builds it, so that the aliases are static types.
Countries: TypeAlias = Annotated[
    Annotated[list[str], Field(max_length=MAX_ITEMS)] | None,
    BeforeValidator(listed(lambda v: shared.countries(v, "citizenship"))),
    Field(description="ISO 3166 alpha-3 codes or English country names"),
]
States: TypeAlias = Annotated[
    Annotated[list[str], Field(max_length=MAX_ITEMS)] | None,
    BeforeValidator(listed(shared.states)),
    Field(description="US state codes (two letters)"),
]


def choices_field(allowed: Sequence[str], name: str, *, keep_repeats: bool = False) -> Any:
    """A list field of values among `allowed`: an enum of items in the spec, read by corridor.params
    (repeats dropped, unless `keep_repeats`: then the verb itself says a value is given twice)."""
    item: Any = Literal[tuple(allowed)]  # type: ignore[valid-type]

    def parse(value: Any) -> Sequence[str]:
        if not keep_repeats:
            return shared.choices(value, allowed, name)
        return [shared.choice(v, allowed, name) for v in shared.items(value)]

    return Annotated[
        bounded_list(item, min(MAX_ITEMS, len(allowed) * (2 if keep_repeats else 1))),
        BeforeValidator(listed(parse)),
    ]


class FlowsParams(BaseModel):
    """`corridor flows` options: filters (empty = all), group-by keys and a period."""

    model_config = ConfigDict(extra="forbid")

    region: Annotated[Region | None, BeforeValidator(region_choice)] = Field(
        default=None, description="southwest | northern | coastal (default and `nationwide`: every region)"
    )
    component: Annotated[
        Component, BeforeValidator(lambda v: choice_of(COMPONENTS, "component")(v) or "all")
    ] = Field(default="all", description="all (Border Patrol + ports of entry) | usbp | ofo")
    citizenship: Countries = Field(
        default_factory=list, description="ISO 3166 alpha-3 codes (or OTHER) or English country names"
    )
    demographic: choices_field(tuple(DEMOGRAPHICS), "demographic") = Field(default_factory=list)  # type: ignore[valid-type]
    sector: choices_field(tuple(SECTORS), "sector") = Field(  # type: ignore[valid-type]
        default_factory=list, description="Border Patrol sector slugs"
    )
    title: choices_field(tuple(TITLES), "title") = Field(default_factory=list)  # type: ignore[valid-type]
    state: States = Field(default_factory=list, description="US state codes")
    since: Annotated[str | None, BeforeValidator(month_text("since"))] = Field(
        default=None, description="First month, YYYY-MM", examples=["2023-10"]
    )
    until: Annotated[str | None, BeforeValidator(month_text("until"))] = Field(
        default=None, description="Last month, YYYY-MM", examples=["2024-09"]
    )
    by: choices_field(BY_KEYS, "by", keep_repeats=True) = Field(  # type: ignore[valid-type]
        default_factory=list, description="Group-by keys (at most one of month, fiscal_year, calendar_year)"
    )

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Observatory.flows`."""
        return {
            "region": self.region,
            "component": self.component,
            "citizenship": list(self.citizenship or []),
            "demographic": list(self.demographic or []),
            "sector": list(self.sector or []),
            "title": list(self.title or []),
            "state": list(self.state or []),
            "since": self.since,
            "until": self.until,
            "by": list(self.by or []),
        }

    def key(self) -> tuple[Any, ...]:
        """A hashable key for the per-version answer cache."""
        return ("flows", *(tuple(v) if isinstance(v, list) else v for v in self.kwargs().values()))

    def query(self) -> str:
        """The query string that asks for these parameters (for links: CSV, API, page)."""
        pairs = [(k, ",".join(v) if isinstance(v, list) else v) for k, v in self.kwargs().items()]
        return urlencode(
            [(k, v) for k, v in pairs if v not in (None, "", []) and (k, v) != ("component", "all")]
        )

    def filters(self) -> dict[str, str]:
        """The filters as columns of a download: region and component always, the lists set."""
        out = {"region": self.region or "nationwide", "component": self.component}
        for name in ("citizenship", "demographic", "sector", "title", "state"):
            values = getattr(self, name) or []
            if values:
                out[name] = ",".join(values)
        return out


def form_values(raw: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Query-string lists -> model input (single values unwrapped, lists kept)."""
    lists = {"citizenship", "demographic", "sector", "title", "state", "by"}
    return {k: (list(v) if k in lists else v[-1]) for k, v in raw.items() if v}


def _error_text(e: Mapping[str, Any]) -> str:
    loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path")]
    name = loc[0] if loc else "request"
    kind = str(e.get("type", ""))
    if kind == "extra_forbidden":
        return f"{name} is not a parameter of this request (the OpenAPI spec at /openapi.json lists them)"
    if kind == "missing":
        return f"{name} is required"
    msg = re.sub(r"^(Value|Assertion) error, ", "", str(e.get("msg", "invalid")))
    if kind == "value_error":  # our parsers' sentences name the parameter and the value already
        return msg if msg.lower().startswith(name.lower().rstrip("_")) else f"{name}: {msg}"
    value = e.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) and len(str(value)) < 80 else ""
    return f"{name}: {msg}{shown}"


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """Pydantic/FastAPI validation errors as one sentence (one clause per parameter)."""
    return "; ".join(dict.fromkeys(_error_text(e) for e in errors)) or "the request is not valid"


def error_lines(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each validation error as its own line (the `details` of a 422)."""
    return list(dict.fromkeys(_error_text(e) for e in errors))


def validation_usage_error(errors: Sequence[Mapping[str, Any]]) -> UsageError:
    """Validation errors as the UsageError a page shows (one sentence; each error in `details`)."""
    return UsageError(describe_errors(errors), details=error_lines(errors))


def suggested_url(path: str, query: str | Mapping[str, Any], suggestion: Mapping[str, Any] | None) -> str:
    """The page (or API) URL that asks the suggested question: `query` with `suggestion` applied.

    A suggestion is parameter changes as a CorridorError carries them: a value sets the
    parameter, None drops it, `drop_by: key` removes a key from `by`, `by_time: key` swaps the
    time key of `by`. Dashboard pages link "try ..." hints here.
    """
    from corridor.flows import TIME_KEYS

    if isinstance(query, str):
        pairs: dict[str, list[str]] = {}
        for k, v in parse_qsl(query, keep_blank_values=False):
            pairs.setdefault(k, []).append(v)
    else:
        pairs = {k: [str(x) for x in (v if isinstance(v, list | tuple) else [v]) if x is not None]
                 for k, v in query.items()}  # fmt: skip
    by = [b for v in pairs.pop("by", []) for b in shared.items(v)]
    for key, value in (suggestion or {}).items():
        if key == "drop_by":
            by = [b for b in by if b != value]
        elif key == "by_time":
            by = [str(value), *[b for b in by if b not in TIME_KEYS]]
        elif value is None:
            pairs.pop(key, None)
        else:
            pairs[key] = [",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)]
    if by:
        pairs["by"] = [",".join(dict.fromkeys(by))]
    text = urlencode([(k, v) for k, vs in pairs.items() for v in vs if v != ""])
    return f"{path}?{text}" if text else path

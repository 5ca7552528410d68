"""The flows verb's parameters as one validated query model, shared by the page and the API.

Every value is checked against the vocabularies before a query runs, so a bad one is a clear
422 naming the parameter; list parameters take repeated or comma-separated values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

from corridor.flows import BY_KEYS
from corridor.reference.calendar import parse_month
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
Citizenship = Annotated[str, Field(pattern=r"^([A-Z]{3}|OTHER)$")]
State = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", examples=["2023-10"])]

MAX_ITEMS = 60


def _split(value: Any, *, upper: bool = False) -> Any:
    """Repeated and comma-separated values -> one flat list ('' and blanks dropped)."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    out = [t.strip() for v in items for t in str(v).split(",") if t.strip()]
    return [t.upper() for t in out] if upper else out


class FlowsParams(BaseModel):
    """`corridor flows` options: filters (empty = all), group-by keys and a period."""

    model_config = ConfigDict(extra="forbid")

    region: Region | None = Field(
        default=None, description="southwest | northern | coastal (default: nationwide)"
    )
    component: Component = Field(default="all", description="all | usbp | ofo")
    citizenship: list[Citizenship] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="ISO 3166 alpha-3 codes or OTHER"
    )
    demographic: list[Demographic] = Field(default_factory=list, max_length=MAX_ITEMS)
    sector: list[Sector] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Border Patrol sector slugs"
    )
    title: list[Title] = Field(default_factory=list, max_length=MAX_ITEMS)
    state: list[State] = Field(default_factory=list, max_length=MAX_ITEMS, description="US state codes")
    since: Month | None = Field(default=None, description="First month, YYYY-MM")
    until: Month | None = Field(default=None, description="Last month, YYYY-MM")
    by: list[By] = Field(default_factory=list, max_length=len(BY_KEYS), description="Group-by keys")

    @field_validator("region", "since", "until", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = value[-1] if value else None
        return None if value is None or str(value).strip() == "" else str(value).strip()

    @field_validator("component", mode="before")
    @classmethod
    def _blank_is_all(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = value[-1] if value else None
        return "all" if value is None or str(value).strip() == "" else str(value).strip()

    @field_validator("citizenship", "state", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return _split(value, upper=True)

    @field_validator("demographic", "sector", "title", "by", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("since", "until")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None:
            parse_month(value)  # raises ValueError -> a 422 naming the field
        return value

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Observatory.flows`."""
        return {
            "region": self.region,
            "component": self.component,
            "citizenship": self.citizenship,
            "demographic": self.demographic,
            "sector": self.sector,
            "title": self.title,
            "state": self.state,
            "since": self.since,
            "until": self.until,
            "by": self.by,
        }

    def key(self) -> tuple[Any, ...]:
        """A hashable key for the per-version answer cache."""
        return ("flows", *(tuple(v) if isinstance(v, list) else v for v in self.kwargs().values()))

    def query(self) -> str:
        """The query string that asks for these parameters (for links: CSV, API, page)."""
        from urllib.parse import urlencode

        pairs = [(k, ",".join(v) if isinstance(v, list) else v) for k, v in self.kwargs().items()]
        return urlencode([(k, v) for k, v in pairs if v not in (None, "", [])])


def form_values(raw: dict[str, list[str]]) -> dict[str, Any]:
    """Query-string lists -> model input (single values unwrapped, lists kept)."""
    lists = {"citizenship", "demographic", "sector", "title", "state", "by"}
    return {k: (v if k in lists else v[-1]) for k, v in raw.items() if v}


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """Pydantic/FastAPI validation errors as one readable line per parameter."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path")]
        name = loc[0] if loc else "request"
        msg = re.sub(r"^Value error, ", "", str(e.get("msg", "invalid")))
        value = e.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) and len(str(value)) < 80 else ""
        out.append(f"{name}: {msg}{shown}")
    return "; ".join(dict.fromkeys(out))

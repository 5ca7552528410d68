"""The one parameter module: how the CLI, the Python API and the web read what a user asks for.

Lists (`"CUB,HTI"`, `["CUB,HTI"]`, `["CUB", "HTI"]`), months (`YYYY-MM`), countries (ISO3 codes
or English names: "Guatemala", "gtm") and the encounter vocabularies are parsed here once, so the
same text means the same thing on every surface. A `Selection` carries the seven encounter filters
through the layers. Every bad value is a `UsageError` naming the parameter in plain words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from corridor.errors import UsageError
from corridor.reference.calendar import parse_month
from corridor.reference.sectors import SECTORS
from corridor.reference.sectors import US_STATES as STATE_NAMES
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES

Text = str | Sequence[str] | None
MAX_ITEMS = 200

# US states and territories as CBP's nationwide file names them (two-letter postal codes): the
# reference list's codes, which the sources map to as well.
US_STATES = frozenset(STATE_NAMES)


def items(value: Text | Iterable[Any]) -> tuple[str, ...]:
    """Repeated and comma-separated values as one flat tuple, blanks dropped, order kept."""
    if value is None:
        return ()
    raw = [value] if isinstance(value, str) else list(value)
    return tuple(t.strip() for v in raw for t in str(v).split(",") if t.strip())


def codes(value: Text, *, upper: bool = False) -> tuple[str, ...]:
    """`items`, optionally upper-cased (codes are case-insensitive)."""
    out = items(value)
    return tuple(v.upper() for v in out) if upper else out


def month(value: str | dt.date | None, name: str = "month") -> dt.date | None:
    """A month as the first day of that month; `None`/'' is None; bad text names the parameter."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    try:
        return parse_month(str(value))
    except ValueError:
        raise UsageError(
            f"{name} must be a month written YYYY-MM (for example 2023-10), not {value!r}"
        ) from None


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def choice(value: str | None, allowed: Iterable[str], name: str) -> str:
    """One value that must be among `allowed`."""
    allowed = list(allowed)
    text = "" if value is None else str(value).strip()
    if text not in allowed:
        raise UsageError(f"{name} {text!r} is not one of {', '.join(allowed)}{_suggest(text, allowed)}")
    return text


def choices(value: Text, allowed: Iterable[str], name: str) -> tuple[str, ...]:
    """A list of values that must each be among `allowed`, without repeats."""
    allowed = list(allowed)
    out = items(value)
    if len(out) > MAX_ITEMS:
        raise UsageError(f"{name}: at most {MAX_ITEMS} values")
    for v in out:
        if v not in allowed:
            raise UsageError(f"{name} {v!r} is not one of {', '.join(allowed)}{_suggest(v, allowed)}")
    return tuple(dict.fromkeys(out))


# Codes publishers use beside ISO 3166: unknown, Kosovo, former countries, a publisher's lump.
SPECIAL_CODES = ("OTHER", "UNK", "XKX", "SCG")


@functools.cache
def _country_names() -> dict[str, str]:
    """Lower-cased English names (and common short names) -> code, for the countries people type."""
    import pycountry

    from corridor.reference.countries import country_name

    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            text = getattr(c, attr, None)
            if text:
                out.setdefault(text.lower(), c.alpha_3)
        out.setdefault(country_name(c.alpha_3).lower(), c.alpha_3)
    for code in SPECIAL_CODES:
        out.setdefault(country_name(code).lower(), code)
    return out


@functools.cache
def _country_codes() -> frozenset[str]:
    """Every code accepted: ISO 3166 alpha-3, former countries, and the publishers' special codes."""
    import pycountry

    codes = {c.alpha_3 for c in pycountry.countries} | {c.alpha_3 for c in pycountry.historic_countries}
    return frozenset(codes | set(SPECIAL_CODES))


def country(value: str, name: str = "country") -> str:
    """One country as ISO3, from a code (any case) or an English name; `OTHER` stays `OTHER`."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    upper = text.upper()
    if upper in _country_codes() or (upper == "OTHER"):
        return upper
    names = _country_names()
    if text.lower() in names:
        return names[text.lower()]
    from corridor.reference.countries import country_name

    close = difflib.get_close_matches(text.lower(), list(names), n=2, cutoff=0.6)
    shown = dict.fromkeys(f"{country_name(names[c])} ({names[c]})" for c in close)
    hint = f" (did you mean {' or '.join(shown)}?)" if shown else ""
    raise UsageError(f"{name} {text!r} is not a country code (ISO 3166 alpha-3) or country name{hint}")


def countries(value: Text, name: str = "citizenship") -> tuple[str, ...]:
    """A list of countries as ISO3 codes (see `country`), without repeats."""
    out = items(value)
    if len(out) > MAX_ITEMS:
        raise UsageError(f"{name}: at most {MAX_ITEMS} values")
    return tuple(dict.fromkeys(country(v, name) for v in out))


def states(value: Text) -> tuple[str, ...]:
    """US state codes (two letters, any case)."""
    out = codes(value, upper=True)
    for v in out:
        if v not in US_STATES:
            raise UsageError(f"state {v!r} is not a US state code{_suggest(v, US_STATES)}")
    return tuple(dict.fromkeys(out))


def region(value: str | None) -> str | None:
    """A border region; none, '' and `nationwide` mean every region (nationwide)."""
    if value is None or str(value).strip() in ("", "nationwide"):
        return None
    return choice(str(value).strip(), [r for r in REGIONS if r != "nationwide"], "region")


@dataclass(frozen=True)
class Selection:
    """The seven encounter filters, validated: empty means all (nationwide, every component)."""

    region: str | None = None
    component: str = "all"
    citizenship: tuple[str, ...] = ()
    demographic: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    state: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        region: str | None = None,
        component: str | None = "all",
        citizenship: Text = None,
        demographic: Text = None,
        sector: Text = None,
        title: Text = None,
        state: Text = None,
    ) -> Selection:
        """Parse and validate filters from any surface (text, lists, comma-separated)."""
        return cls(
            region=globals()["region"](region),
            component=choice(component or "all", COMPONENTS, "component"),
            citizenship=countries(citizenship),
            demographic=choices(demographic, DEMOGRAPHICS, "demographic"),
            sector=choices(sector, SECTORS, "sector"),
            title=choices(title, TITLES, "title"),
            state=states(state),
        )

    def filters(self) -> dict[str, Any]:
        """The seven filters as they are held (tuples), by name; on a subclass, only these seven."""
        return {name: getattr(self, name) for name in FILTERS}

    def kwargs(self) -> dict[str, Any]:
        """The filters as keyword arguments (lists for the list filters)."""
        return {
            f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
            for f in dataclasses.fields(self)
        }

    def replace(self, **changes: Any) -> Selection:
        """A copy with some filters changed (and validated again)."""
        return Selection.parse(**{**self.kwargs(), **changes})


# The filters' names, as every surface spells its options and keywords.
FILTERS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Selection))

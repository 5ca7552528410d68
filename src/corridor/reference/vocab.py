"""The normalised vocabularies of DESIGN.md and the publisher labels mapped into them.

An unknown label raises `UnknownLabel`, which says which reference table to extend. A label that
is mapped by assumption rather than by a table entry (see `countries.closed_list`) is noted with
`note_assumed`; a sync collects the notes per dataset and `corridor status` lists them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass


class UnknownLabel(KeyError):
    """A publisher label no reference table maps; `hint` says where to add it."""

    def __init__(self, kind: str, raw: object, *, table: str, key: str, value: str) -> None:
        self.kind = kind
        self.raw = raw
        self.hint = f"to accept it, add the key {key!r} ({value}) to {table}"
        super().__init__(f"unknown {kind} label {raw!r}; {self.hint}")

    def __str__(self) -> str:  # KeyError would show the repr of its message
        return str(self.args[0])


@dataclass(frozen=True)
class AssumedMapping:
    """A label mapped by assumption (e.g. a name matched ignoring case), not by a table entry."""

    label: str
    code: str
    how: str  # e.g. "matched the ISO 3166 name 'Senegal' ignoring case"
    reference: str  # where an entry would make it exact

    def sentence(self, dataset: str) -> str:
        return (
            f"{dataset}: label {self.label!r} was mapped to {self.code} by assumption ({self.how}); "
            f"confirm it in {self.reference}."
        )


_ASSUMED: dict[tuple[str, str], AssumedMapping] = {}
_ASSUMED_LOCK = threading.Lock()


def note_assumed(mapping: AssumedMapping) -> None:
    """Record an assumed mapping made in this process (collected by `take_assumed`)."""
    with _ASSUMED_LOCK:
        _ASSUMED.setdefault((mapping.label, mapping.code), mapping)


def take_assumed() -> list[AssumedMapping]:
    """The assumed mappings noted since the last call (sorted), and forget them."""
    with _ASSUMED_LOCK:
        out = sorted(_ASSUMED.values(), key=lambda m: (m.label, m.code))
        _ASSUMED.clear()
    return out


DEMOGRAPHICS: dict[str, str] = {
    "single_adults": "Single adults",
    "family_units": "Individuals in family units",
    "uac": "Unaccompanied children",
    "accompanied_minors": "Accompanied minors",
}
COMPONENTS: dict[str, str] = {
    "usbp": "U.S. Border Patrol (between ports)",
    "ofo": "Office of Field Operations (ports of entry)",
    "all": "All encounters (Border Patrol + ports of entry)",
}
# CBP's nationwide files put air and sea ports with the coastal border under "Other"; Corridor
# keeps that group under `coastal` and labels it so.
REGIONS: dict[str, str] = {
    "southwest": "Southwest land border",
    "northern": "Northern land border",
    "coastal": "Coastal border and other (incl. air and sea ports)",
    "nationwide": "Nationwide",
}
# The keys a flows answer can be grouped by, time first; `flows` and the labels both read this list.
BY_KEYS: tuple[str, ...] = (
    "month",
    "fiscal_year",
    "calendar_year",
    "region",
    "component",
    "citizenship",
    "demographic",
    "sector",
    "title",
    "state",
)
TITLES: dict[str, str] = {
    "title8": "Title 8 (immigration law)",
    "title42": "Title 42 (public-health expulsions)",
}

_DEMOGRAPHIC_LABELS = {
    "single adults": "single_adults",
    "fmua": "family_units",
    "family unit individuals": "family_units",
    "uc / single minors": "uac",
    "uac": "uac",
    "unaccompanied children": "uac",
    "accompanied minors": "accompanied_minors",
}
_COMPONENT_LABELS = {
    "u.s. border patrol": "usbp",
    "office of field operations": "ofo",
}
_REGION_LABELS = {
    "southwest land border": "southwest",
    "northern land border": "northern",
    "coastal border": "coastal",
    "other": "coastal",
}
_TITLE_LABELS = {"title 8": "title8", "title 42": "title42"}


HERE = "src/corridor/reference/vocab.py"


def _lookup(table: dict[str, str], name: str, kind: str, raw: object, codes: Iterable[str]) -> str:
    key = str(raw).strip().lower()
    if key not in table:
        raise UnknownLabel(kind, raw, table=f"{name} in {HERE}", key=key, value=f"one of {', '.join(codes)}")
    return table[key]


def map_demographic(raw: object) -> str:
    """Publisher demographic label -> `single_adults|family_units|uac|accompanied_minors`."""
    return _lookup(_DEMOGRAPHIC_LABELS, "_DEMOGRAPHIC_LABELS", "demographic", raw, DEMOGRAPHICS)


def map_component(raw: object) -> str:
    """Publisher component label -> `usbp|ofo`."""
    return _lookup(_COMPONENT_LABELS, "_COMPONENT_LABELS", "component", raw, ("usbp", "ofo"))


def map_region(raw: object) -> str:
    """Publisher region label -> `southwest|northern|coastal`."""
    return _lookup(_REGION_LABELS, "_REGION_LABELS", "region", raw, ("southwest", "northern", "coastal"))


def map_title(raw: object) -> str:
    """Publisher title-of-authority label -> `title8|title42`."""
    return _lookup(_TITLE_LABELS, "_TITLE_LABELS", "title", raw, TITLES)


def label(dimension: str, code: str) -> str:
    """The human label of a normalised code, for tables and charts."""
    from corridor.reference.countries import country_name
    from corridor.reference.sectors import SECTORS

    if dimension == "citizenship":
        return country_name(code)
    if dimension == "sector":
        return SECTORS[code][0] if code in SECTORS else code
    table = {
        "demographic": DEMOGRAPHICS,
        "component": COMPONENTS,
        "region": REGIONS,
        "title": TITLES,
    }.get(dimension, {})
    return table.get(code, code)

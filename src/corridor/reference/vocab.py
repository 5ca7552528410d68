"""The normalised vocabularies of DESIGN.md and the publisher labels mapped into them."""

from __future__ import annotations

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


def _lookup(table: dict[str, str], kind: str, raw: object) -> str:
    key = str(raw).strip().lower()
    if key not in table:
        raise KeyError(f"unknown {kind} label {raw!r}")
    return table[key]


def map_demographic(raw: object) -> str:
    """Publisher demographic label -> `single_adults|family_units|uac|accompanied_minors`."""
    return _lookup(_DEMOGRAPHIC_LABELS, "demographic", raw)


def map_component(raw: object) -> str:
    """Publisher component label -> `usbp|ofo`."""
    return _lookup(_COMPONENT_LABELS, "component", raw)


def map_region(raw: object) -> str:
    """Publisher region label -> `southwest|northern|coastal`."""
    return _lookup(_REGION_LABELS, "region", raw)


def map_title(raw: object) -> str:
    """Publisher title-of-authority label -> `title8|title42`."""
    return _lookup(_TITLE_LABELS, "title", raw)


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

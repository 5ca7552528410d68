"""EM-DAT natural disasters by country-year as aggregated by Our World in Data (1900-2020), as
`owid_emdat.*` indicators.

A second, independent aggregation of EM-DAT: it reaches back before 2000 (e.g. Hurricane Mitch,
1998), which the primary `emdat` copy does not, and the two are cross-checked in the tests
where they overlap. Ids are distinct so that neither silently stands in for the other. Damages
are in thousand US$, as EM-DAT publishes them. OWID's per-100k and %-of-GDP rates are derived
with other data sets and are not loaded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference.countries import to_iso3
from corridor.sources._indicators import Indicator, IndicatorFile, Read, entity_columns, rows, year_span
from corridor.sources.base import (
    FileSpec,
    ceiling,
    check_unique,
    floats,
    read_csv,
    wide_values,
    year_column,
)

PAGE = "https://ourworldindata.org/natural-disasters"
LICENCE = (
    "OWID: CC BY 4.0; EM-DAT terms of use (CRED / UCLouvain) restrict redistribution and "
    "commercial use, check before sharing"
)
FILE = FileSpec(
    key="owid_emdat",
    max_rows=ceiling(5_570),
    mirror_path="disasters/owid_natural_disasters_emdat.csv",
    url=PAGE,
    publisher="EM-DAT, CRED / UCLouvain (aggregated by Our World in Data)",
    licence=LICENCE,
    published="2021-11-11",
)

# The publisher's column order, generated from its regular pattern (checked against the header).
_GROUPS = (
    "drought",
    "earthquake",
    "all_disasters",
    "volcanic",
    "flood",
    "mass_movement",
    "storm",
    "landslide",
    "fog",
    "wildfire",
    "temperature",
)
_MEASURES = (
    "deaths",
    "injured",
    "affected",
    "homeless",
    "total_affected",
    "reconstruction_costs",
    "insured_damages",
    "total_damages",
    "affected_rate_per_100k",
    "homeless_rate_per_100k",
)
_PCT_GDP = (
    "all_disasters",
    "drought",
    "earthquake",
    "temperature",
    "flood",
    "landslide",
    "mass_movement",
    "storm",
    "volcanic",
    "wildfire",
)
_RATES = (
    "all_disasters",
    "drought",
    "earthquake",
    "temperature",
    "flood",
    "fog",
    "glacial_lake",
    "landslide",
    "mass_movement",
    "storm",
    "volcanic",
    "wildfire",
)
COLUMNS = (
    "Entity",
    "Year",
    *(f"{m}_{g}" for g in _GROUPS for m in _MEASURES),
    *(f"{m}_glacial_lake" for m in _MEASURES[:8]),
    *(f"total_damages_pct_gdp_{g}" for g in _PCT_GDP),
    *(
        f"{m}_{g}"
        for m in ("deaths_rate_per_100k", "injured_rate_per_100k", "total_affected_rate_per_100k")
        for g in _RATES
    ),
    "total_damages_pct_gdp_glacial_lake",
)
TYPES = (*(g for g in _GROUPS if g != "all_disasters"), "glacial_lake")
NOTE = (
    "EM-DAT natural disasters aggregated by country-year by Our World in Data (2021 "
    "vintage), 1900-2020; a disaster counts in the year it started. Compare with the emdat.* "
    "ids (IOM gdidata copy, 2000-2021)."
)
# (OWID measure, Corridor suffix, name, unit); the last three are also loaded by type.
LOADED = (
    ("deaths", "deaths", "Deaths from disasters", "people"),
    ("total_affected", "affected", "People affected by disasters", "people"),
    ("total_damages", "damages_kusd", "Economic damages from disasters", "thousand US$"),
    ("injured", "injured", "People injured by disasters", "people"),
    ("homeless", "homeless", "People made homeless by disasters", "people"),
)


def _indicator(measure: str, suffix: str, name: str, unit: str, group: str) -> Indicator:
    if group == "all_disasters":
        return Indicator(
            f"owid_emdat.{suffix}",
            f"{name} (all natural types, OWID)",
            unit,
            f"OWID column {measure}_{group}. {NOTE}",
            PAGE,
        )
    label = group.replace("_", " ")
    return Indicator(
        f"owid_emdat.{suffix}_{group}",
        f"{name}: {label} (OWID)",
        unit,
        f"OWID column {measure}_{group}. {NOTE}",
        PAGE,
    )


INDICATORS = {
    f"{measure}_{group}": _indicator(measure, suffix, name, unit, group)
    for measure, suffix, name, unit in LOADED
    for group in (
        "all_disasters",
        *(TYPES if measure in ("deaths", "total_affected", "total_damages") else ()),
    )
}


def _entity(label: str) -> tuple[str, bool]:
    """OWID entity name -> (code, is_aggregate); 'World' is the only aggregate it carries."""
    if label == "World":
        return "WLD", True
    return to_iso3(label), False


def _read(path: Path, release: str) -> Read:
    """OWID's country-year EM-DAT table (one wide row per entity and year)."""
    t = read_csv(path, columns=COLUMNS)
    iso3, agg = entity_columns(t, "Entity", _entity, kind="country name")
    year = year_column(t, "Year")
    check_unique(t, pd.DataFrame({"iso3": iso3, "year": year}), ["iso3", "year"], "Year")
    matrix = wide_values(t, list(INDICATORS), floats)
    parts = [
        rows(ind, iso3, agg, year, pd.Series(matrix[:, j]), release, drop_missing=True)
        for j, ind in enumerate(INDICATORS.values())
    ]
    return Read(parts, len(t), year_span(year))


EMDAT_OWID = IndicatorFile(
    "emdat_owid",
    "EM-DAT natural disasters, OWID country-year aggregation (1900-2020)",
    FILE,
    tuple(INDICATORS.values()),
    _read,
)

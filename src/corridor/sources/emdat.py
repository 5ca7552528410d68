"""EM-DAT natural disasters by country x year x type (IOM gdidata copy, 2000-2021): events,
people affected, deaths and damages, all types summed (`emdat.affected`, ...) and by type
(`emdat.affected_storm`, ...).

Several rows can share a country, type and year (a finer split the copy did not keep); they are
summed. A measure left blank on every summed row stays NULL (not reported), never zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._indicators import Indicator, IndicatorFile, Read, entity_columns, rows, year_span
from corridor.sources.base import (
    CellError,
    FileSpec,
    ceiling,
    floats,
    ints,
    per_distinct,
    read_csv,
    year_column,
)

PAGE = "https://www.emdat.be"
LICENCE = (
    "EM-DAT terms of use (CRED / UCLouvain): non-commercial use; redistribution restricted, "
    "check before sharing"
)
COLUMNS = ("geo", "subgroup", "type", "t", "events", "affected", "deaths", "damages")
FILE = FileSpec(
    key="emdat",
    max_rows=ceiling(5_377),
    mirror_path="disasters/iom_gdidata_emdat_disaster.csv",
    url=PAGE,
    publisher="EM-DAT, CRED / UCLouvain (via IOM, R package gdidata)",
    licence=LICENCE,
)
# EM-DAT natural hazard types and their subgroup.
TYPES = {
    "animal incident": "biological",
    "epidemic": "biological",
    "infestation": "biological",
    "drought": "climatological",
    "glacial lake outburst flood": "climatological",
    "wildfire": "climatological",
    "impact": "extraterrestrial",
    "space weather": "extraterrestrial",
    "earthquake": "geophysical",
    "mass movement": "geophysical",
    "volcanic activity": "geophysical",
    "flood": "hydrological",
    "landslide": "hydrological",
    "wave action": "hydrological",
    "extreme temperature": "meteorological",
    "fog": "meteorological",
    "storm": "meteorological",
}
MEASURES = {
    "events": ("events", "Disaster events", "events", "Number of natural disaster events."),
    "affected": (
        "affected",
        "People affected by disasters",
        "people",
        "Total affected: people injured, made homeless or otherwise needing immediate assistance.",
    ),
    "deaths": ("deaths", "Deaths from disasters", "people", "Deaths and missing people."),
    "damages": (
        "damages_usd",
        "Economic damages from disasters",
        "US$",
        "Economic damages as documented by the gdidata copy ('economic damages in US dollars'); "
        "magnitudes suggest full US$, possibly inflation-adjusted, which is not confirmed.",
    ),
}
NOTE = (
    "EM-DAT natural disasters (2000-2021) as compiled by IOM gdidata; a disaster counts in the "
    "year it started. A NULL value means the events occurred but the measure was not reported."
)


def _slug(kind: str) -> str:
    return kind.replace(" ", "_")


def _indicator(measure: str, kind: str | None) -> Indicator:
    suffix, name, unit, desc = MEASURES[measure]
    if kind is None:
        return Indicator(
            f"emdat.{suffix}",
            f"{name} (all natural types)",
            unit,
            f"{desc} All natural hazard types summed. {NOTE}",
            PAGE,
        )
    return Indicator(
        f"emdat.{suffix}_{_slug(kind)}",
        f"{name}: {kind}",
        unit,
        f"{desc} Type: {kind} ({TYPES[kind]}). {NOTE}",
        PAGE,
    )


INDICATORS = {(m, k): _indicator(m, k) for m in MEASURES for k in (None, *TYPES)}


def _type(subgroup: str, kind: str) -> str:
    """A known natural hazard type, under its own subgroup."""
    if kind not in TYPES:
        raise CellError(f"unknown disaster type {kind!r}", "type")
    if TYPES[kind] != subgroup:
        raise CellError(f"type {kind!r} belongs to subgroup {TYPES[kind]!r}, found {subgroup!r}", "subgroup")
    return kind


def _read(path: Path, release: str) -> Read:
    """EM-DAT country x year x type totals; rows sharing a key are summed."""
    t = read_csv(path, columns=COLUMNS)
    iso3, agg = entity_columns(t, "geo")
    frame = pd.DataFrame(
        {
            "iso3": iso3,
            "is_aggregate": agg,
            "type": per_distinct(t, ("subgroup", "type"), _type),
            "year": year_column(t, "t"),
            "events": ints(t, "events").astype("float64"),
            "affected": ints(t, "affected", allow_blank=True).astype("float64"),
            "deaths": ints(t, "deaths", allow_blank=True).astype("float64"),
            "damages": floats(t, "damages"),
        }
    )
    bad = (frame["events"] < 1).to_numpy().nonzero()[0]
    if len(bad):
        raise t.error("a row must count at least one event", index=int(bad[0]), column="events")
    keys = ["iso3", "is_aggregate", "year"]
    by_type = frame.groupby([*keys, "type"], as_index=False)[list(MEASURES)].sum(min_count=1)
    total = frame.groupby(keys, as_index=False)[list(MEASURES)].sum(min_count=1)
    parts = []
    for (measure, kind), ind in INDICATORS.items():
        sub = total if kind is None else by_type[by_type["type"] == kind]
        if sub.empty:
            continue
        parts.append(rows(ind, sub["iso3"], sub["is_aggregate"], sub["year"], sub[measure], release))
    return Read(parts, len(t), year_span(frame["year"]))


EMDAT = IndicatorFile(
    "emdat", "EM-DAT natural disasters (2000-2021)", FILE, tuple(INDICATORS.values()), _read
)

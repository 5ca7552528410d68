"""Worldwide Governance Indicators (2024 update, long workbook): the six dimensions' estimates,
standard errors and percentile ranks as `wgi.*` indicators.

The publisher marks missing values with `..`; they are kept as NULL values, never filled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.sources._indicators import Indicator, IndicatorFile, Read, entity_columns, rows, year_span
from corridor.sources.base import (
    FileSpec,
    ceiling,
    check_unique,
    floats,
    mapped,
    open_workbook,
    read_sheet,
    year_column,
)

PAGE = "https://www.worldbank.org/en/publication/worldwide-governance-indicators"
LICENCE = "CC BY 4.0 (WGI terms)"
SHEET = "Sheet1"
COLUMNS = (
    "codeindyr",
    "code",
    "countryname",
    "year",
    "indicator",
    "estimate",
    "stddev",
    "nsource",
    "pctrank",
    "pctranklower",
    "pctrankupper",
)
MISSING = ("..", "")
FILE = FileSpec(
    key="wgi",
    max_rows=ceiling(32_101),
    mirror_path="governance/wgidataset.xlsx",
    url=PAGE,
    publisher="World Bank (Worldwide Governance Indicators)",
    licence=LICENCE,
)
DIMENSIONS = {
    "cc": ("control_of_corruption", "Control of Corruption"),
    "ge": ("government_effectiveness", "Government Effectiveness"),
    "pv": ("political_stability", "Political Stability and Absence of Violence/Terrorism"),
    "rl": ("rule_of_law", "Rule of Law"),
    "rq": ("regulatory_quality", "Regulatory Quality"),
    "va": ("voice_accountability", "Voice and Accountability"),
}
SCALE = "standard normal units (about -2.5 to 2.5)"


def _indicators(code: str) -> dict[str, Indicator]:
    slug, name = DIMENSIONS[code]
    base = f"wgi.{slug}"
    note = "WGI 2024 update (data to 2023); annual from 2002, before that 1996, 1998, 2000."
    return {
        "estimate": Indicator(
            base,
            f"{name}: estimate",
            SCALE,
            f"WGI {name} estimate; higher is better governance. {note}",
            PAGE,
        ),
        "stddev": Indicator(
            f"{base}_se",
            f"{name}: standard error",
            SCALE,
            f"Standard error of the WGI {name} estimate. {note}",
            PAGE,
        ),
        "pctrank": Indicator(
            f"{base}_pctrank",
            f"{name}: percentile rank",
            "percentile rank (0-100)",
            f"Percentile rank among all economies (0 lowest, 100 highest) of WGI {name}. {note}",
            PAGE,
        ),
    }


INDICATORS = {code: _indicators(code) for code in DIMENSIONS}


def _dimension(raw: str) -> str:
    if raw not in DIMENSIONS:
        raise KeyError(raw)
    return raw


def _read(path: Path, release: str) -> Read:
    """The WGI long workbook (one sheet, one row per economy x year x dimension)."""
    t = read_sheet(path, SHEET, columns=COLUMNS, workbook=open_workbook(path))
    iso3, agg = entity_columns(t, "code")
    year = year_column(t, "year")
    dim = mapped(t, "indicator", _dimension, "WGI dimension")
    expected = t.frame["code"].map(str).str.strip() + dim + year.astype(str)
    bad = np.flatnonzero(t.frame["codeindyr"].map(str).str.strip().to_numpy() != expected.to_numpy())
    if len(bad):
        raise t.error(
            f"key {t.frame['codeindyr'].iloc[bad[0]]!r} does not match code, dimension and year",
            index=int(bad[0]),
            column="codeindyr",
        )
    frame = pd.DataFrame({"iso3": iso3, "is_aggregate": agg, "dim": dim, "year": year})
    check_unique(t, frame, ["iso3", "dim", "year"], "codeindyr")
    for column in ("estimate", "stddev", "pctrank"):
        frame[column] = floats(t, column, blanks=MISSING)
    groups = frame.groupby("dim", sort=False).indices
    parts = [
        rows(ind, sub["iso3"], sub["is_aggregate"], sub["year"], sub[column], release)
        for code, inds in INDICATORS.items()
        if code in groups
        for sub in (frame.iloc[groups[code]],)
        for column, ind in inds.items()
    ]
    return Read(parts, len(t), year_span(year))


WGI = IndicatorFile(
    "wgi",
    "Worldwide Governance Indicators",
    FILE,
    tuple(ind for inds in INDICATORS.values() for ind in inds.values()),
    _read,
)

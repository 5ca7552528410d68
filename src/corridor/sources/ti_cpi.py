"""Transparency International's Corruption Perceptions Index, 2012-2024 score time series
(`CPI2024_GlobalResultsTrends.csv`): score, standard error, rank and number of sources.

The file is the publisher's Excel sheet saved as semicolon-separated text: a BOM, two title
lines, one wide row per country, and no newline after the last row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.errors import InputError
from corridor.sources._indicators import Indicator, IndicatorFile, Read, entity_columns, rows
from corridor.sources.base import (
    FileSpec,
    RawTable,
    ceiling,
    check_unique,
    floats,
    ints,
    read_csv,
    wide_values,
)

PAGE = "https://www.transparency.org/en/cpi/2024"
LICENCE = "CC BY-ND 4.0 (Transparency International); redistribute unmodified"
TITLE = "Corruption Perceptions Index 2024"
FIRST, LAST = 2012, 2024
RANKED_FROM = 2017  # no rank column before 2017
REGIONS = {"AME", "AP", "ECA", "MENA", "SSA", "WE/EU"}
FILE = FileSpec(
    key="cpi",
    max_rows=ceiling(183),
    mirror_path="governance/CPI2024_GlobalResultsTrends.csv",
    url=PAGE,
    publisher="Transparency International",
    licence=LICENCE,
    published="2025-02-11",
)


def _year_columns(year: int) -> dict[str, str]:
    """The publisher's column names for one year (it capitalises 'Score' in 2012-2013)."""
    score = f"CPI Score {year}" if year <= 2013 else f"CPI score {year}"
    cols = {"score": score}
    if year >= RANKED_FROM:
        cols["rank"] = f"Rank {year}"
    cols["sources"] = f"Sources {year}"
    cols["se"] = f"Standard error {year}"
    return cols


YEARS = tuple(range(LAST, FIRST - 1, -1))
COLUMNS = (
    "Country / Territory",
    "ISO3",
    "Region",
    *(c for y in YEARS for c in _year_columns(y).values()),
)
CPI_NOTE = (
    "Scores from 2012 on are comparable over time (CPI methodology revised in 2012). Only "
    "countries and territories assessed in a year have a value."
)
INDICATORS = {
    "score": Indicator(
        "ti.cpi",
        "Corruption Perceptions Index score",
        "score 0-100 (100 = very clean)",
        f"Perceived public-sector corruption, 0 (highly corrupt) to 100 (very clean). {CPI_NOTE}",
        PAGE,
    ),
    "se": Indicator(
        "ti.cpi_se",
        "Corruption Perceptions Index: standard error",
        "score points",
        f"Standard error of the CPI score. {CPI_NOTE}",
        PAGE,
    ),
    "rank": Indicator(
        "ti.cpi_rank",
        "Corruption Perceptions Index: rank",
        "rank (1 = cleanest)",
        "Rank among the countries assessed that year (ties share a rank); published from 2017 only.",
        PAGE,
    ),
    "sources": Indicator(
        "ti.cpi_sources",
        "Corruption Perceptions Index: number of sources",
        "sources",
        f"Number of data sources behind the CPI score. {CPI_NOTE}",
        PAGE,
    ),
}


def _check_title(path: Path) -> None:
    """The first title line names the edition, so an older or newer file is not misread."""
    first = path.read_bytes()[:200].decode("utf-8-sig", errors="replace")
    if not first.startswith(TITLE):
        raise InputError(path, f"expected the title {TITLE!r} on the first line", row=1)


def _check_complete(t: RawTable, cells: dict[str, pd.Series], year: int) -> None:
    """A year's score, sources and standard error are all present or all blank (a truncated
    row leaves the last of them empty)."""
    present = {k: v.notna() for k, v in cells.items()}
    score = present["score"]
    for k, p in present.items():
        bad = (p != score).to_numpy().nonzero()[0]
        if len(bad):
            column = _year_columns(year)[k]
            raise t.error(
                f"CPI score {year} and {column} must be both present or both blank",
                index=int(bad[0]),
                column=column,
            )


def _read(path: Path, release: str) -> Read:
    """The CPI 2024 'Global Results & Trends' score time series."""
    _check_title(path)
    t = read_csv(path, columns=COLUMNS, sep=";", skiprows=2, require_final_newline=False)
    iso3, agg = entity_columns(t, "ISO3")
    check_unique(t, pd.DataFrame({"iso3": iso3}), ["iso3"], "ISO3")
    for i, region in enumerate(t.frame["Region"].tolist()):
        if str(region).strip() not in REGIONS:
            raise t.error(f"unknown CPI region {region!r}", index=i, column="Region")
    kinds = {y: _year_columns(y) for y in YEARS}
    real = [c for y in YEARS for k, c in kinds[y].items() if k in ("score", "se")]
    whole = [c for y in YEARS for k, c in kinds[y].items() if k in ("rank", "sources")]
    values = dict(zip(real, wide_values(t, real, floats).T, strict=True))
    counts = wide_values(t, whole, lambda tb, c: ints(tb, c, allow_blank=True))
    values.update(zip(whole, counts.T, strict=True))
    parts = []
    for year in YEARS:
        cells = {kind: pd.Series(values[column]) for kind, column in kinds[year].items()}
        _check_complete(t, cells, year)
        keep = cells["score"].notna().to_numpy()
        years = pd.Series(year, index=iso3.index)[keep]
        parts += [
            rows(INDICATORS[k], iso3[keep], agg[keep], years, v[keep], release) for k, v in cells.items()
        ]
    return Read(parts, len(t), (str(FIRST), str(LAST)))


TI_CPI = IndicatorFile(
    "ti_cpi",
    "Transparency International Corruption Perceptions Index",
    FILE,
    tuple(INDICATORS.values()),
    _read,
)

"""Fund for Peace Fragile States Index (IOM gdidata long copy): the total score, the rank and
the 12 sub-indicators as `fsi.*` indicators.

Each row repeats the country-year's rank and total beside one sub-indicator. The repeated
values must agree, and the sub-indicators must add up to the total (to the publisher's
rounding). The 'Change from Previous Year' rows (2019-2020 only) are derivable from the totals
and are checked for a number but not loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.sources._indicators import (
    Indicator,
    IndicatorFile,
    Read,
    entity_columns,
    grouped,
    rows,
    year_span,
)
from corridor.sources.base import (
    CellError,
    FileSpec,
    RawTable,
    ceiling,
    check_unique,
    floats,
    ints,
    per_distinct,
    read_csv,
    year_column,
)

PAGE = "https://fragilestatesindex.org/"
LICENCE = "Not stated by the mirror; Fund for Peace terms (free use with attribution, non-commercial)"
COLUMNS = ("geo", "t", "rank", "total", "code", "indicator", "v")
CHANGE = "Change from Previous Year"
SUM_TOLERANCE = 0.25  # the publisher rounds each score to 0.1
FILE = FileSpec(
    key="fsi",
    max_rows=ceiling(38_397),
    mirror_path="governance/iom_gdidata_fsi.csv",
    url=PAGE,
    publisher="The Fund for Peace (via IOM, R package gdidata)",
    licence=LICENCE,
    published="2024-05-15",
)
SUB = {
    "C1": ("security_apparatus", "security apparatus"),
    "C2": ("factionalized_elites", "factionalized elites"),
    "C3": ("group_grievance", "group grievance"),
    "E1": ("economy", "economy"),
    "E2": ("economic_inequality", "economic inequality"),
    "E3": ("human_flight", "human flight and brain drain"),
    "P1": ("state_legitimacy", "state legitimacy"),
    "P2": ("public_services", "public services"),
    "P3": ("human_rights", "human rights"),
    "S1": ("demographic_pressures", "demographic pressures"),
    "S2": ("refugees_idps", "refugees and idps"),
    "X1": ("external_intervention", "external intervention"),
}
SCALE = "score 0-10 (10 = most fragile)"
SUB_INDICATORS = {
    code: Indicator(
        f"fsi.{slug}",
        f"Fragile States Index {code}: {label}",
        SCALE,
        f"FSI sub-indicator {code} ({label}), 0 (most stable) to 10 (most fragile).",
        PAGE,
    )
    for code, (slug, label) in SUB.items()
}
TOTAL = Indicator(
    "fsi.total",
    "Fragile States Index: total score",
    "score 0-120 (120 = most fragile)",
    "Sum of the 12 FSI sub-indicators, 0 (most stable) to 120 (most fragile).",
    PAGE,
)
RANK = Indicator(
    "fsi.rank",
    "Fragile States Index: rank",
    "rank (1 = most fragile)",
    "Rank among the countries assessed that year, 1 = most fragile (ties share a rank).",
    PAGE,
)


def _label(code: str, label: str) -> str:
    """A row's code must be a known sub-indicator (or the change row) with its own label."""
    if code == CHANGE:
        if label:
            raise CellError(f"unexpected label {label!r} on a change row", "indicator")
    elif code not in SUB:
        raise CellError(f"unknown FSI indicator code {code!r}", "code")
    elif label != SUB[code][1]:
        raise CellError(f"code {code} should be labelled {SUB[code][1]!r}, found {label!r}", "indicator")
    return code


def _check_repeats(t: RawTable, frame: pd.DataFrame, column: str) -> None:
    """Rank and total repeat on every row of a country-year: they must agree."""
    first = frame.groupby(["iso3", "year"])[column].transform("first")
    same = (frame[column] == first) | (frame[column].isna() & first.isna())
    bad = (~same).to_numpy().nonzero()[0]
    if len(bad):
        raise t.error(
            f"{column} differs from the country-year's first row",
            index=int(bad[0]),
            column=column,
        )


def _read(path: Path, release: str) -> Read:
    """The FSI long table: 12 sub-indicators per country-year, with rank and total."""
    t = read_csv(path, columns=COLUMNS)
    code = pd.Series(per_distinct(t, ("code", "indicator"), _label), dtype=object)
    iso3, agg = entity_columns(t, "geo")
    frame = pd.DataFrame(
        {
            "iso3": iso3,
            "is_aggregate": agg,
            "year": year_column(t, "t"),
            "rank": ints(t, "rank", allow_blank=True).astype("float64"),
            "total": floats(t, "total", blanks=()),
            "code": code,
            "v": floats(t, "v", blanks=()),
        }
    )
    check_unique(t, frame, ["iso3", "year", "code"], "code")
    _check_repeats(t, frame, "rank")
    _check_repeats(t, frame, "total")
    subs = frame[frame["code"] != CHANGE]
    _check_sums(t, subs)
    parts = grouped(subs, "code", SUB_INDICATORS, "v", release)
    firsts = subs.drop_duplicates(["iso3", "year"])
    for ind, column in ((TOTAL, "total"), (RANK, "rank")):
        part = rows(
            ind,
            firsts["iso3"],
            firsts["is_aggregate"],
            firsts["year"],
            firsts[column],
            release,
            drop_missing=column == "rank",
        )
        parts.append(part)
    return Read(parts, len(t), year_span(frame["year"]))


def _check_sums(t: RawTable, subs: pd.DataFrame) -> None:
    """Every country-year has all 12 sub-indicators, summing to its total."""
    g = subs.groupby(["iso3", "year"], sort=False)
    n = g["v"].transform("size")
    gap = (g["v"].transform("sum") - subs["total"]).abs()
    for bad, message in (
        (n != len(SUB), "a country-year lacks some of the 12 sub-indicators"),
        (gap > SUM_TOLERANCE, "the 12 sub-indicators do not add up to the total"),
    ):
        hit = np.flatnonzero(bad.to_numpy())
        if len(hit):
            pos = subs.index[hit[0]]
            raise t.error(message, index=int(pos), column="total")


FSI = IndicatorFile("fsi", "Fragile States Index", FILE, (TOTAL, RANK, *SUB_INDICATORS.values()), _read)

"""Parsing shared by CBP's CSV releases. The readers moved to `base` (where ARCHITECTURE.md
keeps every reader); the names stay importable here.

The CBP encounter CSVs (southwest by component, nationwide by state) share one layout: fiscal
year and month, a few labelled dimensions, one count. `read_cube_csv` reads any of them from a
table of its dimensions; `cbp_file` describes one release as CBP publishes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from corridor.reference import map_demographic, map_title
from corridor.reference.countries import cbp_citizenship
from corridor.sources.base import (
    FileSpec,
    RawTable,
    ceiling,
    check_fiscal_years,
    check_months_contiguous,
    check_unique,
    fiscal_year_column,
    int_column,
    map_column,
    month_column,
    read_csv,
)

# Fiscal years any DHS/CBP table here can hold; outside them a cell is damaged, not data.
FIRST_FY, LAST_FY = 1990, 2100
CBP = "U.S. Customs and Border Protection"

__all__ = [
    "FIRST_FY",
    "LAST_FY",
    "cbp_file",
    "check_fiscal_years",
    "fiscal_year_column",
    "month_column",
    "read_cube_csv",
]

# A cube dimension read from the file: (column, label mapper, what the labels are).
Dimension = tuple[str, Callable[[Any], Any], str]
# The dimensions both encounter CSVs label alike (citizenship: alike but for its column's name).
DEMOGRAPHIC: Dimension = ("Demographic", map_demographic, "demographic")
TITLE: Dimension = ("Title of Authority", map_title, "title of authority")


def citizenship(column: str) -> Dimension:
    """The citizenship dimension, read from `column` ("Citizenship Grouping" in the southwest file)."""
    return (column, cbp_citizenship, "citizenship")


def cbp_file(key: str, url: str, *, rows: int, first_fy: int, published: str) -> FileSpec:
    """One CBP CSV release (`rows` data rows as published), mirrored under cbp/ by its name."""
    return FileSpec(
        key=key,
        max_rows=ceiling(rows),
        first_fy=first_fy,
        mirror_path=f"cbp/{url.rsplit('/', 1)[1]}",
        url=url,
        publisher=CBP,
        published=published,
    )


def read_cube_csv(
    path: Path,
    release_id: str,
    columns: tuple[str, ...],
    dims: Mapping[str, Dimension],
    check: Callable[[RawTable, pd.DataFrame], None],
) -> tuple[pd.DataFrame, tuple[dt.date, dt.date]]:
    """Cube rows (month, the dimensions, encounters) of one CBP encounter CSV and its (first,
    last) month; `check` adds the file's own checks before the key and the months are checked."""
    t = read_csv(path, columns=columns)
    fy = fiscal_year_column(t, "Fiscal Year")
    frame = pd.DataFrame(
        {
            "month": month_column(t, fy, "Month (abbv)"),
            **{name: map_column(t, column, mapper, kind) for name, (column, mapper, kind) in dims.items()},
            "encounters": int_column(t, "Encounter Count"),
        }
    )
    check(t, frame)
    check_unique(t, frame, ["month", *dims], "Month (abbv)")
    first, last = check_months_contiguous(t, frame["month"], "Month (abbv)")
    frame["release_id"] = release_id
    return frame, (first, last)

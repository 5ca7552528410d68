"""A checked reader for the country tables of the DHS OHSS *Yearbook of Immigration Statistics*
workbooks (refugee arrivals by nationality, Table 14; lawful permanent residents by country of
birth, Table 3), shared by the `refugee_admissions` and `lpr` sources.

Layout: "Return to Table of Contents", a blank row, "Table N.", the title, a blank row, then the
header `Region and country of ... | 2014 | ... | 2023`. A `REGION` block (a `Total` row and one
row per region) and a `COUNTRY` block (`Total` again, one row per country, `All other countries`
and `Unknown`) follow, then footnotes. Cells are rounded to the nearest ten by OHSS ("totals may
not sum due to rounding"); `D` (withheld to protect privacy), `X` (not applicable) and `-`
(none) are the publisher's codes: they stay missing with their code kept, never read as 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor.sources._cells import cell_text, rounded_count
from corridor.sources._context_common import country_code, is_aggregate
from corridor.sources.base import MAX_WHOLE, RawTable, open_workbook, table_from_rows

CODES = {"D": "suppressed", "X": "not_applicable", "-": "none"}
OHSS_YEARBOOK_PUBLISHER = (
    "DHS Office of Homeland Security Statistics (Yearbook of Immigration Statistics 2023)"
)


def with_totals(frame: pd.DataFrame, totals: dict[int, int], *, label: str, value: str) -> pd.DataFrame:
    """The published Total rows appended as iso3 'ALL' (an aggregate: never sum it with the rest)."""
    rows = pd.DataFrame(
        {
            "fiscal_year": pd.Series(list(totals), dtype="int32"),
            label: "Total",
            "iso3": "ALL",
            value: pd.array(list(totals.values()), dtype="Int64"),
            "code": "",
            "rounded": True,
            "is_aggregate": True,
        }
    )
    out = pd.concat([frame, rows], ignore_index=True)
    for col in (label, "iso3", "code"):
        out[col] = out[col].astype("str")
    return out


def by_country(table: YearbookTable, *, label: str, value: str) -> pd.DataFrame:
    """A yearbook table's stored rows: fiscal year, the printed `label`, iso3, the count as
    `value` (rounded to 10, NULL where coded), its code and flags, then the published Totals."""
    f = table.frame
    frame = pd.DataFrame(
        {
            "fiscal_year": f["year"].astype("int32"),
            label: f["label"].astype("str"),
            "iso3": f["iso3"].astype("str"),
            value: f["value"],
            "code": f["code"].astype("str"),
            "rounded": True,
        }
    )
    frame["is_aggregate"] = is_aggregate(frame["iso3"]).to_numpy()
    return with_totals(frame, table.totals, label=label, value=value)


def country_frame(
    path: Path,
    release: str,
    sheet: str,
    *,
    title: str,
    label: str,
    years: tuple[int, ...],
    names: dict[str, str],
    column: str,
    value: str,
) -> tuple[pd.DataFrame, int]:
    """One yearbook country table read (`read_yearbook_table`, printed names mapped by `names`)
    into its stored rows (`by_country`: `column` and `value`) of `release`, and the number of
    printed rows it read."""
    table = read_yearbook_table(
        path,
        sheet,
        title=title,
        label=label,
        years=years,
        mapper=lambda s: country_code(s, names),
        workbook=open_workbook(path),
    )
    frame = by_country(table, label=column, value=value)
    frame["release_id"] = release
    return frame, int(table.frame["row"].nunique())


@dataclass
class YearbookTable:
    """One parsed table: long rows per country x year, and the published totals."""

    table: RawTable
    frame: pd.DataFrame  # label, iso3, year, value (Int64, NULL where coded), code, row
    totals: dict[int, int]  # year -> the COUNTRY block's Total
    region_totals: dict[int, int]  # year -> the REGION block's Total


def sheet_rows(path: Path, sheet: str, workbook: Any) -> list[list[Any]]:
    """Every row of a sheet as calamine reads it; a damaged or missing sheet is an InputError.

    (A generic reader: candidate to move into `sources/base.py`.)
    """
    from corridor.errors import InputError

    if sheet not in list(workbook.sheet_names):
        raise InputError(path, f"sheet {sheet!r} is missing", sheet=sheet)
    try:
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for damaged sheets
        raise InputError(path, f"sheet cannot be read: {exc}", sheet=sheet) from None
    if not rows:
        raise InputError(path, "sheet is empty", sheet=sheet)
    return rows


def fast_counts(cells: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Whole non-negative counts and a blank mask, vectorised, when every cell is a real number
    or blank (None, '' or NaN); None otherwise, so that a cell-by-cell reader names the bad cell."""
    blank = np.fromiter((c is None or c == "" for c in cells), dtype=bool, count=len(cells))
    numbers = [0.0 if b else c for c, b in zip(cells, blank, strict=True)]
    if any(type(c) is not float and type(c) is not int for c in numbers):
        return None
    arr = np.asarray(numbers, dtype=np.float64)
    blank |= np.isnan(arr)
    arr = np.where(blank, 0.0, arr)
    if (
        not np.isfinite(arr).all()
        or (arr < 0).any()
        or (arr > MAX_WHOLE).any()
        or (arr != np.round(arr)).any()
    ):
        return None
    return arr.astype(np.int64), blank


def _blank(value: Any) -> bool:
    """A cell calamine reads as empty: None, NaN, or text of only whitespace."""
    if value is None or value == "":
        return True
    if isinstance(value, float):
        return value != value
    return isinstance(value, str) and not value.strip()


def read_yearbook_table(
    path: Path,
    sheet: str,
    *,
    title: str,
    label: str,
    years: tuple[int, ...],
    mapper: Callable[[str], str],
    workbook: Any,
) -> YearbookTable:
    """Read one yearbook country table; every check raises InputError with sheet, row and column."""
    from corridor.errors import InputError

    header = [label, *(str(y) for y in years)]
    rows = sheet_rows(path, sheet, workbook)
    t = table_from_rows(path, sheet, rows, columns=header, header_row=6)
    found_title = cell_text(rows[3][0]) if len(rows) > 3 and rows[3] else ""
    if found_title != title:
        raise InputError(path, f"expected the title {title!r}, found {found_title!r}", row=4, sheet=sheet)
    labels = [cell_text(v) for v in t.frame[label].tolist()]
    values, codes, blank = _cells(t, header[1:])
    block = ""
    region_total: int | None = None
    total_pos: int | None = None
    region_rows: list[int] = []
    country_rows: list[int] = []
    end = len(labels)
    for i, text in enumerate(labels):
        empty = bool(blank[i].all())
        if text in ("REGION", "COUNTRY"):
            if not empty:
                raise t.error(f"block heading {text!r} has values", index=i, column=header[1])
            expected = "REGION" if block == "" else "COUNTRY"
            if text != expected:
                raise t.error(f"expected the {expected} block, found {text!r}", index=i, column=label)
            block = text
            continue
        if block == "":
            raise t.error(f"row {text!r} before the REGION block", index=i, column=label)
        if empty:  # footnotes: text in the first column only; nothing may follow but more text
            if block != "COUNTRY" or not country_rows:
                raise t.error(f"row {text!r} has no values", index=i, column=header[1])
            end = i
            break
        if blank[i].any():
            j = int(np.flatnonzero(blank[i])[0])
            raise t.error("empty cell where a count is required", index=i, column=header[j + 1])
        if text == "Total":
            if block == "REGION":
                if region_total is not None:
                    raise t.error("a second Total in the REGION block", index=i, column=label)
                region_total = i
            else:
                if total_pos is not None:
                    raise t.error("a second Total in the COUNTRY block", index=i, column=label)
                total_pos = i
            continue
        (region_rows if block == "REGION" else country_rows).append(i)
    for i in range(end, len(labels)):
        if not blank[i].all():
            raise t.error("values after the footnotes", index=i, column=header[1 + int(np.argmin(blank[i]))])
    if region_total is None or total_pos is None or not country_rows:
        raise t.error("the table lacks its REGION Total, COUNTRY Total or country rows", column=label)
    for j, year in enumerate(years):
        col = header[j + 1]
        for at in (region_total, total_pos):
            if codes[at, j]:
                raise t.error(f"the Total for {year} is coded {codes[at, j]!r}", index=at, column=col)
        if values[region_total, j] != values[total_pos, j]:
            raise t.error(
                f"the COUNTRY Total {values[total_pos, j]:,} differs from the REGION Total "
                f"{values[region_total, j]:,}",
                index=total_pos,
                column=col,
            )
        for group, name in ((region_rows, "regions"), (country_rows, "countries")):
            parts = int(values[group, j].sum())
            coded = int((codes[group, j] != "").sum())
            # Rounding to 10: each part is off by at most 5; a withheld cell hides an unknown count.
            slack = 5 * (len(group) + 1) + (10**9 if coded else 0)
            if abs(parts - int(values[total_pos, j])) > slack:
                raise t.error(
                    f"Total {int(values[total_pos, j]):,} for {year} but its {name} sum to {parts:,}",
                    index=total_pos,
                    column=col,
                )
    iso: list[str] = []
    for i in country_rows:
        name = re.sub(r"(?<=[a-z)])\d+$", "", labels[i])  # footnote digits: 'All other countries1'
        try:
            iso.append(mapper(name))
        except (KeyError, ValueError):
            raise t.error(f"unknown country {labels[i]!r}", index=i, column=label) from None
    check = pd.Series(iso)
    if check.duplicated().any():
        i = country_rows[int(np.flatnonzero(check.duplicated().to_numpy())[0])]
        raise t.error(f"country {labels[i]!r} appears twice", index=i, column=label)
    n, k = len(country_rows), len(years)
    pos = np.array(country_rows)
    flat_codes = codes[pos].reshape(-1)
    frame = pd.DataFrame(
        {
            "label": np.repeat([re.sub(r"(?<=[a-z)])\d+$", "", labels[i]) for i in country_rows], k),
            "iso3": np.repeat(iso, k),
            "year": np.tile(np.array(years, dtype=np.int32), n),
            "value": pd.arrays.IntegerArray(values[pos].reshape(-1), flat_codes != ""),
            "code": flat_codes.astype(str),
            "row": np.repeat(pos, k),
        }
    )
    totals = {y: int(values[total_pos, j]) for j, y in enumerate(years)}
    region_totals = {y: int(values[region_total, j]) for j, y in enumerate(years)}
    return YearbookTable(t, frame, totals, region_totals)


def _cells(t: RawTable, columns: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts (multiples of 10), the publisher's codes, and a mask of blank cells."""
    n = len(t.frame)
    values = np.zeros((n, len(columns)), dtype=np.int64)
    codes = np.full((n, len(columns)), "", dtype=object)
    blank = np.zeros((n, len(columns)), dtype=bool)
    for j, col in enumerate(columns):
        for i, raw in enumerate(t.frame[col].tolist()):
            if isinstance(raw, bool):
                raise t.error(f"expected a count, found {raw!r}", index=i, column=col)
            if isinstance(raw, int | float) and raw == raw:
                values[i, j] = rounded_count(t, raw, i, col)
                continue
            text = cell_text(raw)
            if text == "":
                blank[i, j] = True
                continue
            if text in CODES:
                codes[i, j] = text
                continue
            raise t.error(
                f"expected a count or one of {', '.join(CODES)}, found {raw!r}", index=i, column=col
            )
    return values, codes, blank

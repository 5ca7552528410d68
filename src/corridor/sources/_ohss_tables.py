"""A checked reader for the sheets of the DHS OHSS *Immigration Enforcement and Legal Processes
Monthly Tables* workbook, shared by the outcomes, credible-fear and detention sources.

Every data sheet has the same shape: row 1 "Return to Table of Contents", row 2 a title, one or
two header rows (a group row above the first column of each block, then the column labels with
footnote digits), then per fiscal year a `Total` row followed by the month rows October ...
September; the last year is labelled `YYYY YTD`. Footnotes follow the data. Cells are rounded to
10; `X` means not applicable and `NA` not available. The reader validates all of this and the
`Total` rows against their months; it never guesses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor.reference.calendar import month_of_fy
from corridor.sources._cbp_common import FIRST_FY, LAST_FY
from corridor.sources._cells import cell_text, rounded_count
from corridor.sources.base import (
    FileSpec,
    RawTable,
    first_fiscal_year,
    month_limit,
    read_sheet,
    sheet_cells,
)

MONTH_NAMES = (
    "October",
    "November",
    "December",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
)
CODES = {"X": "not_applicable", "NA": "not_available"}
OHSS_PUBLISHER = "DHS Office of Homeland Security Statistics"
OHSS_FILE = "2024_1206_ohss_immigration-enforcement-and-legal-processes-tables-august-2024.xlsx"
OHSS_PATH = f"outcomes/{OHSS_FILE}"
OHSS_URL = f"https://ohss.dhs.gov/sites/default/files/2024-12/{OHSS_FILE}"


def ohss_file(key: str, *, max_rows: int | None = None, first_fy: int | None = None) -> FileSpec:
    """The August 2024 OHSS monthly tables workbook, as one source's file: several sources read
    it, each under its own key and with its own plausibility bounds."""
    return FileSpec(
        key=key,
        mirror_path=OHSS_PATH,
        url=OHSS_URL,
        publisher=OHSS_PUBLISHER,
        published="2024-12-06",
        max_rows=max_rows,
        first_fy=first_fy,
    )


@dataclass(frozen=True)
class Block:
    """A group of columns under one group label (empty for one-header-row sheets)."""

    group: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class SheetSpec:
    """The expected layout of one sheet: its blocks in order and how many header rows it has."""

    name: str
    blocks: tuple[Block, ...]
    header_rows: int = 2
    total_column: str | None = None  # per block: this column must equal the sum of the others
    parts_at_most_total: bool = False  # the block's other columns may sum to less (unknowns)


@dataclass
class SheetData:
    """One parsed sheet: a long frame plus the table used to point at rows."""

    table: RawTable
    frame: pd.DataFrame  # month, fiscal_year, block, column, value (Int64), code, row (position)
    first: dt.date
    last: dt.date
    totals: pd.DataFrame  # the published Total rows: fiscal_year, ytd, block, column, value, code


def period_rows(data: SheetData, *, annual: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sheet's month rows (or, `annual`, its published fiscal-year Total rows), and a new
    frame of their period columns (month, fiscal_year; or fiscal_year, ytd) to build on."""
    f = data.totals if annual else data.frame
    frame = pd.DataFrame({"fiscal_year": f["fiscal_year"].astype("int32")})
    if annual:
        frame["ytd"] = f["ytd"].astype(bool)
    else:
        frame.insert(0, "month", f["month"])
    return f, frame


def _strip_note(label: str) -> str:
    """'T8 repatriations1' -> 'T8 repatriations' (footnote digits glued to the label)."""
    return re.sub(r"(?<=[A-Za-z)])\d+$", "", label.strip())


def read_ohss_sheet(path: Path, spec: SheetSpec, workbook: Any) -> SheetData:
    """Read and validate one OHSS sheet into long form (months only; Total rows are checked).

    Block columns are given exactly as printed (with footnote digits); the long frame carries
    them without the digits.
    """
    header_row = 2 + spec.header_rows
    printed = [c for b in spec.blocks for c in b.columns]
    rows = sheet_cells(path, spec.name, workbook=workbook)  # read once, for both header rows
    if spec.header_rows == 2:
        groups = ["", ""]
        for block in spec.blocks:
            groups += [block.group] + [""] * (len(block.columns) - 1)
        read_sheet(path, spec.name, columns=groups, header_row=3, rows=rows)
    table = read_sheet(
        path, spec.name, columns=["Fiscal Year", "Month", *printed], header_row=header_row, rows=rows
    )
    return _parse_body(table, spec, printed)


def _parse_body(t: RawTable, spec: SheetSpec, labels: list[str]) -> SheetData:
    """Walk the Total/month rows, forward-filling the fiscal year; stop at the footnotes."""
    fy_cells = t.frame.iloc[:, 0].tolist()
    month_cells = t.frame.iloc[:, 1].tolist()
    years: list[int] = []
    months: list[dt.date] = []
    positions: list[int] = []
    totals: dict[int, int] = {}  # fiscal year -> position of its Total row
    current: int | None = None
    expected_month = 0
    ytd_seen = False
    end = len(t.frame)
    series_start = max(FIRST_FY, first_fiscal_year(t.path))
    limit, why = month_limit(t.path)
    for i, (fy_raw, month_raw) in enumerate(zip(fy_cells, month_cells, strict=True)):
        label = cell_text(month_raw)
        fy_text = cell_text(fy_raw)
        if label == "":
            # A footnote row: text in column A only. Everything after the data must be footnotes.
            if current is None:
                raise t.error("no data rows before the footnotes", index=i, column="Month")
            others = [cell_text(v) for v in t.frame.iloc[i, 2:].tolist()]
            if any(others):
                raise t.error("row has values but no month label", index=i, column="Month")
            end = i
            break
        if label == "Total":
            if ytd_seen:
                raise t.error(f"fiscal year {fy_text!r} after the YTD year", index=i, column="Fiscal Year")
            m = re.fullmatch(r"(\d{4})( YTD)?", fy_text)
            if not m:
                raise t.error(f"expected a fiscal year, found {fy_raw!r}", index=i, column="Fiscal Year")
            year = int(m.group(1))
            if not FIRST_FY <= year <= LAST_FY:
                raise t.error(f"implausible fiscal year {fy_text!r}", index=i, column="Fiscal Year")
            if year < series_start:
                raise t.error(
                    f"fiscal year {year} is before this series starts (FY{series_start})",
                    index=i,
                    column="Fiscal Year",
                )
            if current is not None:
                if year != current + 1:
                    raise t.error(
                        f"fiscal year {year} follows {current}; years must be consecutive",
                        index=i,
                        column="Fiscal Year",
                    )
                if expected_month != 12:
                    raise t.error(
                        f"fiscal year {current} has {expected_month} months, expected 12",
                        index=i,
                        column="Month",
                    )
            ytd_seen = m.group(2) is not None
            current, expected_month = year, 0
            totals[year] = i
            continue
        if current is None:
            raise t.error("month row before the first Total row", index=i, column="Month")
        if fy_text:
            raise t.error(f"fiscal year {fy_raw!r} on a month row", index=i, column="Fiscal Year")
        if expected_month >= 12 or label != MONTH_NAMES[expected_month]:
            want = MONTH_NAMES[expected_month] if expected_month < 12 else "a new fiscal year"
            raise t.error(f"expected {want}, found {month_raw!r}", index=i, column="Month")
        month = month_of_fy(current, label)
        if month > limit:
            raise t.error(
                f"month {month:%Y-%m} is after {why}; a published file cannot hold it",
                index=i,
                column="Month",
            )
        years.append(current)
        months.append(month)
        positions.append(i)
        expected_month += 1
    else:
        raise t.error("no footnotes after the data; the sheet looks truncated", index=end - 1)
    if current is None or not positions:
        raise t.error("sheet has no month rows", column="Month")
    if not ytd_seen and expected_month != 12:
        raise t.error(f"fiscal year {current} has {expected_month} months", column="Month")
    if ytd_seen and expected_month == 0:
        raise t.error(f"YTD year {current} has no months", column="Month")

    values, codes = _values(t, labels, end)
    _check_totals(t, spec, labels, values, codes, years, positions, totals)
    _check_blocks(t, spec, values, codes, positions)
    pos = np.array(positions)
    block_of = [b.group for b in spec.blocks for _ in b.columns]
    column_of = [_strip_note(c) for b in spec.blocks for c in b.columns]
    frame = _long(values[pos], codes[pos], block_of, column_of)
    frame.insert(0, "month", np.tile(np.array(months, dtype=object), len(column_of)))
    frame.insert(1, "fiscal_year", np.tile(np.array(years, dtype=np.int32), len(column_of)))
    frame["row"] = np.tile(pos, len(column_of))
    tot_years = list(totals)
    tot_pos = np.array([totals[y] for y in tot_years])
    total_frame = _long(values[tot_pos], codes[tot_pos], block_of, column_of)
    total_frame.insert(0, "fiscal_year", np.tile(np.array(tot_years, dtype=np.int32), len(column_of)))
    total_frame.insert(
        1, "ytd", np.tile(np.array([ytd_seen and y == current for y in tot_years]), len(column_of))
    )
    return SheetData(table=t, frame=frame, first=months[0], last=months[-1], totals=total_frame)


def _long(values: np.ndarray, codes: np.ndarray, block_of: list[str], column_of: list[str]) -> pd.DataFrame:
    """Rows x columns -> long (column-major): block, column, value (Int64, NULL where coded), code."""
    n = values.shape[0]
    flat_codes = codes.T.reshape(-1)
    mask = flat_codes != ""
    return pd.DataFrame(
        {
            "block": np.repeat(np.array(block_of, dtype=object), n),
            "column": np.repeat(np.array(column_of, dtype=object), n),
            "value": pd.arrays.IntegerArray(values.T.reshape(-1).astype(np.int64), mask),
            "code": flat_codes.astype(str),
        }
    )


def _values(t: RawTable, labels: list[str], end: int) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (multiples of 10) and the X / NA codes, for every data row before `end`."""
    n = len(t.frame)
    values = np.zeros((n, len(labels)), dtype=np.int64)
    codes = np.full((n, len(labels)), "", dtype=object)
    for j, col in enumerate(labels):
        cells = t.frame.iloc[:, 2 + j].tolist()
        for i in range(end):
            raw = cells[i]
            if isinstance(raw, float) and not np.isnan(raw):
                values[i, j] = rounded_count(t, raw, i, col)
                continue
            text = cell_text(raw)
            if text in CODES:
                codes[i, j] = text
                continue
            raise t.error(f"expected a count, 'X' or 'NA', found {raw!r}", index=i, column=col)
    return values, codes


def _check_totals(
    t: RawTable,
    spec: SheetSpec,
    labels: list[str],
    values: np.ndarray,
    codes: np.ndarray,
    years: list[int],
    positions: list[int],
    totals: dict[int, int],
) -> None:
    """Each Total row must equal the sum of its months, within the rounding to 10."""
    year_arr = np.array(years)
    pos_arr = np.array(positions)
    for year, trow in totals.items():
        rows = pos_arr[year_arr == year]
        for j, col in enumerate(labels):
            if codes[trow, j]:
                continue
            month_codes = codes[rows, j]
            if (month_codes != "").any():
                continue
            total = int(values[trow, j])
            parts = int(values[rows, j].sum())
            if abs(total - parts) > 5 * (len(rows) + 1):
                raise t.error(
                    f"FY{year} Total {total:,} but its months sum to {parts:,}", index=trow, column=col
                )


def _check_blocks(
    t: RawTable, spec: SheetSpec, values: np.ndarray, codes: np.ndarray, positions: list[int]
) -> None:
    """Within a block, the total column must equal (or bound) the sum of the other columns."""
    if spec.total_column is None:
        return
    start = 0
    for block in spec.blocks:
        idx = list(range(start, start + len(block.columns)))
        start += len(block.columns)
        if spec.total_column not in block.columns:
            continue
        k = idx[block.columns.index(spec.total_column)]
        others = [j for j in idx if j != k]
        for i in positions:
            total = int(values[i, k])
            # Rounding to 10 plus a 2% allowance: OHSS's own Feb 2019 OFO row is 140 short.
            tol = 5 * len(block.columns) + 0.02 * total
            parts = int(sum(values[i, j] for j in others))
            too_big = parts > total + tol
            too_small = not spec.parts_at_most_total and parts < total - tol
            if too_big or too_small:
                raise t.error(
                    f"{block.group or 'row'}: {spec.total_column} {total:,} but its parts sum to {parts:,}",
                    index=i,
                    column=spec.total_column,
                )


def check_same(a: SheetData, b: SheetData, block_a: str, block_b: str) -> None:
    """Two sheets repeat one block (e.g. the CBP total): their values must be identical."""
    fa = a.frame[a.frame["block"] == block_a].reset_index(drop=True)
    fb = b.frame[b.frame["block"] == block_b].reset_index(drop=True)
    merged = fa.merge(fb, on=["month", "column"], how="outer", suffixes=("_a", "_b"), indicator=True)
    bad = merged[
        (merged["_merge"] != "both") | (merged["value_a"].fillna(-1) != merged["value_b"].fillna(-1))
    ]
    if len(bad):
        first = bad.iloc[0]
        row = int(first["row_b"]) if pd.notna(first.get("row_b")) else 0
        raise b.table.error(
            f"{block_b} {first['column']} for {first['month']:%Y-%m} differs from sheet {a.table.sheet!r}",
            index=row,
            column=str(first["column"]),
        )

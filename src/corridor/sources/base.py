"""The source interface and the checked readers every source module uses.

A source module declares its official files (`FileSpec`) and turns them into tidy frames
(`Parsed`). Readers here raise `InputError` naming the file, row and column of the first
problem, so that no source has to invent its own error wording.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from corridor.errors import InputError

Grain = Literal["month", "fiscal_year"]


@dataclass(frozen=True)
class FileSpec:
    """One official file: where it lives online and in a mirror folder, and who publishes it."""

    key: str
    mirror_path: str
    url: str
    publisher: str
    licence: str = "US government work, public domain (17 U.S.C. 105)"
    published: str | None = None  # release date (YYYY-MM-DD) where the publisher states it
    max_bytes: int = 200_000_000


@dataclass(frozen=True)
class CubeSpec:
    """An encounter cube: one publisher's grain (dimensions, period, exact or rounded)."""

    id: str
    title: str
    table: str
    grain: Grain
    dims: tuple[str, ...]
    fixed: dict[str, str]
    rounded: bool
    schemes: dict[str, str] = field(default_factory=dict)
    dim_since: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Coverage:
    """The months (inclusive) for which one file feeds one cube."""

    cube: str
    file_key: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class TableSpec:
    """A non-cube table a source writes (indicators, sector statistics, ...)."""

    name: str
    description: str
    append_to: str | None = None  # shared long table this frame is appended to (e.g. indicators)


@dataclass
class Parsed:
    """What a source's parse returns: frames to load, cubes they form, and per-file facts."""

    frames: dict[str, pd.DataFrame]
    cubes: list[CubeSpec] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # file key -> data rows read
    periods: dict[str, tuple[str, str]] = field(default_factory=dict)  # file key -> (from, to)
    tables: list[TableSpec] = field(default_factory=list)


class Source(Protocol):
    """A dataset Corridor can sync: its official files and how to parse them."""

    id: str
    title: str
    files: tuple[FileSpec, ...]

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        """Parse and validate the files (keyed by FileSpec.key); `releases` gives release ids."""
        ...


# ---------------------------------------------------------------------------------------------
# Checked tables


@dataclass
class RawTable:
    """Cells as read (strings for CSV, typed values for Excel) plus each row's number in the file."""

    path: Path
    frame: pd.DataFrame
    rownums: list[int]
    sheet: str | None = None

    def error(self, message: str, *, index: int | None = None, column: str | None = None) -> InputError:
        row = self.rownums[index] if index is not None else None
        return InputError(self.path, message, row=row, column=column, sheet=self.sheet)

    def __len__(self) -> int:
        return len(self.frame)


def read_csv(
    path: Path,
    *,
    columns: Sequence[str],
    sep: str = ",",
    skiprows: int = 0,
    require_final_newline: bool = True,
    encoding: str = "utf-8-sig",
    extra_columns: Literal["forbid", "ignore_blank"] = "forbid",
) -> RawTable:
    """Read a delimited file whose header must equal `columns`; all cells stay text."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(
            path,
            f"file is empty; expected a header row starting {columns[0]!r}",
            row=skiprows + 1,
            column=columns[0],
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding} text ({exc.reason})", row=line) from None
    lines = text.splitlines()
    header_line = skiprows + 1
    if len(lines) < header_line:
        raise InputError(path, "file ends before its header row", row=len(lines))
    if require_final_newline and not text.endswith(("\n", "\r")):
        raise InputError(
            path,
            "the last line is not terminated; the file looks truncated",
            row=len(lines),
        )
    header_cells = next(csv.reader([lines[skiprows]], delimiter=sep), [])
    header = [h.strip() for h in header_cells]
    width = len(columns)
    if extra_columns == "ignore_blank":
        while len(header) > width and header[-1] in ("",):
            header.pop()
    for i, expected in enumerate(columns):
        found = header[i] if i < len(header) else None
        if found != expected:
            raise InputError(
                path,
                f"expected header {expected!r}, found {found!r}; the publisher's layout changed",
                row=header_line,
                column=expected,
            )
    if len(header) > width and extra_columns == "forbid":
        raise InputError(
            path, f"unexpected extra column {header[width]!r}", row=header_line, column=header[width]
        )
    ncols = max(len(header_cells), width)
    body_text = "\n".join(lines[skiprows + 1 :])
    if not body_text.strip():
        raise InputError(path, "file has a header but no data rows", row=header_line + 1)
    try:
        raw = pd.read_csv(
            io.StringIO(body_text),
            sep=sep,
            header=None,
            names=list(range(ncols)),
            dtype=object,  # Python str cells (no inference), as the column readers expect
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        if m := re.search(r"line (\d+), saw (\d+)", str(exc)):  # line: 1-based within the body
            row = header_line + int(m.group(1))
            raise InputError(
                path, f"row has too many fields ({m.group(2)} fields, expected {width})", row=row
            ) from None
        if m := re.search(r"EOF inside string starting at row (\d+)", str(exc)):  # row: 0-based
            row = header_line + 1 + int(m.group(1))
            raise InputError(path, "a quoted field is never closed (unbalanced '\"')", row=row) from None
        raise InputError(path, f"not readable as delimited text ({exc})", row=header_line + 1) from None
    rownums_all = np.arange(header_line + 1, header_line + 1 + len(raw))
    blank = _blank_rows(raw)
    raw = raw[~blank]
    rownums = rownums_all[~blank]
    if raw.empty:
        raise InputError(path, "file has a header but no data rows", row=header_line + 1)
    short = raw.iloc[:, :width].isna()
    if short.to_numpy().any():
        pos = int(short.any(axis=1).to_numpy().nonzero()[0][0])
        col = int(short.iloc[pos].to_numpy().nonzero()[0][0])
        raise InputError(
            path,
            f"row has {col} fields, expected {width} (truncated line?)",
            row=int(rownums[pos]),
            column=columns[col],
        )
    if ncols > width and extra_columns == "forbid":
        extra = raw.iloc[:, width:].fillna("").apply(lambda c: c.str.strip() != "").any(axis=1)
        if extra.any():
            pos = int(extra.to_numpy().nonzero()[0][0])
            raise InputError(path, f"row has more than {width} fields", row=int(rownums[pos]))
    frame = raw.iloc[:, :width].copy()
    frame.columns = list(columns)
    frame = frame.reset_index(drop=True).astype(object)
    return RawTable(path=path, frame=frame, rownums=[int(r) for r in rownums])


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is missing or whitespace (blank lines, lines of bare delimiters).

    Column by column, only rows still blank so far are looked at, so on real files the scan
    ends after the first column or two.
    """
    blank = np.ones(len(raw), dtype=bool)
    for col in raw.columns:
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = raw[col].to_numpy(dtype=object)[rows]
        empty = [not isinstance(c, str) or not c.strip() for c in cells]
        blank[rows[~np.asarray(empty, dtype=bool)]] = False
    return blank


def read_sheet(
    path: Path,
    sheet: str,
    *,
    columns: Sequence[str],
    header_row: int = 1,
    workbook: Any = None,
) -> RawTable:
    """Read one Excel sheet with calamine; the header (at `header_row`, 1-based) must match."""
    wb = workbook if workbook is not None else open_workbook(path)
    names = list(wb.sheet_names)
    if sheet not in names:
        raise InputError(path, f"sheet {sheet!r} is missing (found: {', '.join(names)})", sheet=sheet)
    try:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for damaged sheets
        raise InputError(path, f"sheet cannot be read: {exc}", sheet=sheet) from None
    if len(rows) < header_row:
        raise InputError(path, "sheet is empty", sheet=sheet)
    header = [_cell_text(c) for c in rows[header_row - 1]]
    for i, expected in enumerate(columns):
        found = header[i] if i < len(header) else None
        if found != expected:
            raise InputError(
                path,
                f"expected header {expected!r}, found {found!r}; the publisher's layout changed",
                row=header_row,
                column=expected,
                sheet=sheet,
            )
    width = len(columns)
    body, rownums = [], []
    for offset, row in enumerate(rows[header_row:], start=header_row + 1):
        cells = list(row[:width]) + [""] * (width - len(row))
        if all(_cell_text(c) == "" for c in cells):
            continue
        body.append(cells)
        rownums.append(offset)
    if not body:
        raise InputError(path, "sheet has a header but no data rows", sheet=sheet, row=header_row + 1)
    frame = pd.DataFrame(body, columns=list(columns), dtype=object)
    return RawTable(path=path, frame=frame, rownums=rownums, sheet=sheet)


# Caps against decompression bombs: the largest real workbook unpacks to a few tens of MB.
MAX_UNPACKED_BYTES = 400_000_000
MAX_PACK_RATIO = 200
# Cells of one sheet, counted from its first to its last cell: calamine lays a sheet out as one
# dense block. The largest real sheet (WGI) spans 0.35M cells.
MAX_SHEET_CELLS = 10_000_000
# Parquet: the real files have one row group and a footer of a few KB.
MAX_PARQUET_FOOTER = 4 * 2**20
MAX_ROW_GROUPS = 10_000


def guard_zip(path: Path) -> None:
    """Refuse an .xlsx (a zip) that would unpack to more than the caps allow."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, f"not a readable Excel workbook ({exc})") from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_PACK_RATIO:
        raise InputError(
            path,
            f"workbook would unpack to {unpacked:,} bytes from {packed:,} "
            f"(ratio {unpacked / packed:.0f}); refused as a possible decompression bomb "
            f"(caps: {MAX_UNPACKED_BYTES:,} bytes, ratio {MAX_PACK_RATIO})",
        )


# In sheet XML only <row> has an r attribute of bare digits (a cell's has letters); the literal
# prefix keeps the scans fast, and any other attribute ending in r can only raise the bound.
_ROW_ATTR = re.compile(rb'r="(\d+)"')
_WIDE_REF = re.compile(rb'r="([A-Z]{2,})\d')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def guard_sheets(path: Path) -> None:
    """Refuse a workbook with a sheet whose cells span more than MAX_SHEET_CELLS.

    calamine allocates a sheet as one block from its first to its last cell and aborts the
    process (it cannot raise) when that fails: one stray cell at XFD1048576 asks for 0.5 TB.
    The extent is bounded from the XML first, in a few fast scans: the last row is below 10**d,
    d being the digits of the last <row r=...> (unless a cell reference has more digits), and the
    widest column comes from the references with two or more letters. Only a bound over the cap
    is refined by reading every reference.
    """
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                data = zf.read(info)
                top = max((int(r) for r in _ROW_ATTR.findall(data)), default=0)
                digits = len(str(top))
                tall = re.findall(rb'r="[A-Z]{1,3}(\d{%d,})"' % (digits + 1), data)
                rows = max([10**digits - 1, *(int(r) for r in tall)])
                cols = max([26, *(_column_number(c) for c in set(_WIDE_REF.findall(data)))])
                if rows * cols > MAX_SHEET_CELLS:  # the bound is loose: count exactly
                    refs = re.findall(rb'r="([A-Z]{1,3})(\d+)"', data)
                    rows = max([top, *(int(r) for _, r in refs)])
                    cols = max([1, *(_column_number(c) for c in {c for c, _ in refs})])
                if rows * cols > MAX_SHEET_CELLS:
                    raise InputError(
                        path,
                        f"worksheet {name} spans {rows:,} rows x {cols:,} columns; refused "
                        f"(cap {MAX_SHEET_CELLS:,} cells)",
                    )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError) as exc:
        raise InputError(path, f"not a readable Excel workbook ({exc})") from None


def guard_parquet(path: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a Parquet file whose metadata or declared uncompressed size exceeds the caps."""
    import pyarrow.parquet as pq

    # The footer's length sits just before the closing magic. Parsing a huge footer (say, one
    # row group per row) takes minutes and gigabytes before pyarrow can raise; check it first.
    with path.open("rb") as fh:
        end = fh.seek(0, 2)
        fh.seek(max(0, end - 8))
        tail = fh.read(8)
    if len(tail) == 8 and tail[4:] == b"PAR1":
        footer = int.from_bytes(tail[:4], "little")
        if footer > MAX_PARQUET_FOOTER:
            raise InputError(
                path, f"Parquet metadata of {footer:,} bytes (cap {MAX_PARQUET_FOOTER:,}); refused"
            )
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    if meta.num_row_groups > MAX_ROW_GROUPS:
        raise InputError(
            path, f"{meta.num_row_groups:,} row groups (cap {MAX_ROW_GROUPS:,}); refused as damaged"
        )
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > max_bytes:
        raise InputError(path, f"Parquet data would unpack to {size:,} bytes (cap {max_bytes:,}); refused")


def open_workbook(path: Path) -> Any:
    """Open an .xlsx with calamine, turning a damaged or non-Excel file into an InputError."""
    from python_calamine import CalamineWorkbook

    data = path.read_bytes()
    if not data:
        raise InputError(path, "file is empty; expected an Excel workbook", row=1)
    guard_zip(path)
    guard_sheets(path)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise InputError(path, f"not a readable Excel workbook ({exc})") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def distinct(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`(codes, uniques)` with `values == uniques[codes]`; a missing cell gets the last code.

    Columns repeat a few labels or small counts many times, so checks and conversions run once
    per distinct value and are spread back to the rows with `np.take` (see `_texts`).
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, np.append(np.asarray(uniques, dtype=object), None)


def _distinct_texts(table: RawTable, column: str) -> tuple[np.ndarray, pd.Series]:
    """A column as codes into its distinct cells' stripped texts (missing -> '')."""
    codes, uniques = distinct(table.frame[column])
    return codes, pd.Series([_cell_text(u) for u in uniques], dtype=object)


def _texts(table: RawTable, column: str) -> pd.Series:
    """A column's cells as stripped text, computing `_cell_text` once per distinct value."""
    codes, texts = _distinct_texts(table, column)
    return pd.Series(texts.to_numpy()[codes], index=table.frame.index, dtype=object)


# The largest whole number a float64 holds exactly: a larger "count" is a damaged cell.
MAX_WHOLE = 2**53


def _first_bad(mask: pd.Series | np.ndarray) -> int | None:
    arr = np.asarray(mask, dtype=bool)
    return int(arr.nonzero()[0][0]) if arr.any() else None


def _first_row(bad: pd.Series | np.ndarray, codes: np.ndarray) -> int | None:
    """The first row whose distinct value is flagged in `bad`."""
    return _first_bad(np.asarray(bad, dtype=bool)[codes])


def int_column(
    table: RawTable,
    column: str,
    *,
    allow_blank: bool = False,
    nonnegative: bool = True,
    blanks: Sequence[str] = ("",),
) -> pd.Series:
    """Whole numbers from a column; the first bad cell raises with its row and column.

    With `allow_blank`, cells equal to one of `blanks` (e.g. 'NA') become missing values.
    Checks run once per distinct cell; the first offending row is then located.
    """
    codes, text = _distinct_texts(table, column)
    blank = text.isin(list(blanks)) | (text == "")
    if not allow_blank and (i := _first_row(blank, codes)) is not None:
        raise table.error("empty cell where a count is required", index=i, column=column)
    number = pd.to_numeric(text.str.replace(",", "", regex=False).where(~blank), errors="coerce")
    finite = np.isfinite(number.to_numpy(dtype="float64", na_value=np.nan))
    bad = (number.isna() & ~blank) | (number.notna() & (~finite | (number != np.floor(number.fillna(0)))))
    if (i := _first_row(bad, codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a whole number, found {raw!r}", index=i, column=column)
    if (i := _first_row(number.abs() > MAX_WHOLE, codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"number {raw!r} is too large for a count", index=i, column=column)
    if nonnegative and (i := _first_row(number < 0, codes)) is not None:
        raise table.error(f"negative count {table.frame[column].iloc[i]!r}", index=i, column=column)
    values = pd.Series(number.to_numpy(dtype="float64", na_value=np.nan)[codes], index=table.frame.index)
    if allow_blank:
        return values.round().astype("Int64")
    return values.round().astype("int64")


def float_column(table: RawTable, column: str, *, blanks: Sequence[str] = ("",)) -> pd.Series:
    """Real numbers from a column; listed blank markers become missing, anything else raises."""
    codes, text = _distinct_texts(table, column)
    blank = text.isin(list(blanks)) | (text == "")
    number = pd.to_numeric(text.str.replace(",", "", regex=False).where(~blank), errors="coerce")
    if (i := _first_row(number.isna() & ~blank, codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a number, found {raw!r}", index=i, column=column)
    values = number.to_numpy(dtype="float64", na_value=np.nan)
    if (i := _first_row(np.isinf(values), codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a finite number, found {raw!r}", index=i, column=column)
    return pd.Series(values[codes], index=table.frame.index, dtype="float64")


def map_column(table: RawTable, column: str, mapper: Callable[[Any], Any], kind: str) -> pd.Series:
    """Apply a label mapper to a column; an unknown label raises with its row and column."""
    codes, text = _distinct_texts(table, column)
    mapped = np.empty(len(text), dtype=object)
    done: dict[str, Any] = {}
    used = np.bincount(codes, minlength=len(text)) > 0  # the missing-cell slot may be unused
    for j, key in enumerate(text):
        if not used[j]:
            continue
        if key not in done:
            try:
                done[key] = mapper(key)
            except (KeyError, ValueError):
                i = _first_bad(codes == j)  # by code: numpy compares "\x00" equal to ""
                raw = table.frame[column].iloc[i]  # type: ignore[call-overload]
                raise table.error(f"unknown {kind} {raw!r}", index=i, column=column) from None
        mapped[j] = done[key]
    return pd.Series(mapped[codes], index=table.frame.index, dtype=object)


def check_unique(table: RawTable, frame: pd.DataFrame, keys: Sequence[str], column: str) -> None:
    """Raise on the first row whose key repeats an earlier row (e.g. a duplicated month)."""
    if not frame.duplicated(subset=list(keys)).any():
        return
    seen: dict[tuple[Any, ...], int] = {}
    for pos, key in enumerate(frame[list(keys)].itertuples(index=False, name=None)):
        if key in seen:
            values = ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))
            raise table.error(
                f"duplicate row ({values}) repeats row {table.rownums[seen[key]]}",
                index=pos,
                column=column,
            )
        seen[key] = pos


def check_months_contiguous(table: RawTable, months: pd.Series, column: str) -> tuple[dt.date, dt.date]:
    """The first and last month; raise if a month inside that span has no rows at all."""
    from corridor.reference.calendar import month_range

    present = set(months.tolist())
    first, last = min(present), max(present)
    for m in month_range(first, last):
        if m not in present:
            # Point at the first row after the gap, where a reader would look for it.
            after = months[months > m]
            idx = int(after.index[0]) if len(after) else len(months) - 1
            raise table.error(
                f"month {m:%Y-%m} is missing between {first:%Y-%m} and {last:%Y-%m}",
                index=idx,
                column=column,
            )
    return first, last

"""The source interface and the checked readers every source module uses.

A source module declares its official files (`FileSpec`) and turns them into tidy frames
(`Parsed`). Readers here (CSV, Excel sheets, Parquet, and the column readers over them) raise
`InputError` naming the file, row and column of the first problem, so that no source has to
invent its own error wording.

The readers also refuse what cannot be true of a published file (see "Plausibility"): a month
after today or after the file's publication date, a fiscal year before its series starts, a
state code outside the reference list, and more rows than the file's ceiling (checked before
the rows are parsed). A sync tells the readers each file's settings with `file_rules`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import os
import re
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.vocab import UnknownLabel

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
    # Plausibility (see `file_rules`): the most data rows any one table of the file (a CSV, a
    # Parquet file, one sheet) may have, set from the published file with a margin (None: the
    # default ceiling); and the first fiscal year of the publisher's series.
    max_rows: int | None = None
    first_fy: int | None = None


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
    # Labels mapped by assumption while parsing (filled in by the sync; see reference.vocab).
    assumed: list[Any] = field(default_factory=list)


class Source(Protocol):
    """A dataset Corridor can sync: its official files and how to parse them.

    The attributes are read-only: a sync reads them and never assigns them, so a source may
    declare them as plain class attributes (`files = (A, B)` is a `tuple[FileSpec, FileSpec]`).
    """

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def files(self) -> tuple[FileSpec, ...]: ...

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        """Parse and validate the files (keyed by FileSpec.key); `releases` gives release ids."""
        ...


# ---------------------------------------------------------------------------------------------
# Plausibility: per-file settings and the checks every reader applies

# Rows of one table when a file declares no ceiling: above every real file (the largest, UWCHR's
# daily headcount, has 1.0 M rows), so that only a source's own `max_rows` is a tight bound.
DEFAULT_MAX_ROWS = 5_000_000
# Fiscal years any table can hold whatever its series (the DHS/CBP tables start after 1990; the
# historical Border Patrol series in 1925).
FIRST_FY, LAST_FY = 1900, 2100

# A republished file may grow (a new fiscal year, new countries); three times its published size
# allows that and still refuses a file ten times larger before it is parsed.
ROW_MARGIN = 3


def ceiling(published_rows: int) -> int:
    """A `FileSpec.max_rows` from the rows of the published file: ROW_MARGIN times as many,
    rounded up to two significant digits, and at least 100."""
    raw = max(100, ROW_MARGIN * published_rows)
    step = 10 ** max(0, len(str(raw)) - 2)
    return -(-raw // step) * step


_RULES: dict[str, FileSpec] = {}
_RULES_LOCK = threading.Lock()


def _key(path: str | Path) -> str:
    return os.path.abspath(path)


@contextlib.contextmanager
def file_rules(paths: dict[str, Path], specs: Sequence[FileSpec]) -> Iterator[None]:
    """While a source parses `paths` (keyed like `specs`), the readers apply each file's
    settings: its row ceiling, publication date and first fiscal year."""
    by_key = {s.key: s for s in specs}
    entries = {_key(path): by_key[key] for key, path in paths.items() if key in by_key}
    with _RULES_LOCK:
        _RULES.update(entries)
    try:
        yield
    finally:
        with _RULES_LOCK:
            for k in entries:
                _RULES.pop(k, None)


def rules_for(path: str | Path) -> FileSpec | None:
    """The settings of the file being parsed at `path` (None outside a sync)."""
    return _RULES.get(_key(path))


def today() -> dt.date:
    """Today's date (UTC): no published file holds data for a later month."""
    return dt.datetime.now(dt.UTC).date()


def row_ceiling(path: str | Path) -> int:
    """The most data rows one table of this file may have."""
    spec = rules_for(path)
    return spec.max_rows if spec is not None and spec.max_rows else DEFAULT_MAX_ROWS


def check_row_count(path: Path, rows: int, *, first_row: int = 1, sheet: str | None = None) -> None:
    """Refuse a table of `rows` data rows over the file's ceiling, before its cells are parsed."""
    ceiling_rows = row_ceiling(path)
    if rows > ceiling_rows:
        spec = rules_for(path)
        why = (
            f"{ROW_MARGIN} times its published size"
            if spec is not None and spec.max_rows
            else "the default for files that declare none"
        )
        raise InputError(
            path,
            f"{rows:,} data rows, over this file's ceiling of {ceiling_rows:,} ({why}); refused before "
            "parsing (a file this much larger needs a reviewed FileSpec.max_rows)",
            row=first_row + ceiling_rows,
            sheet=sheet,
        )


def month_limit(path: str | Path) -> tuple[dt.date, str]:
    """The last day a file can hold data for, and why: today, or its publication date."""
    limit, why = today(), "today"
    spec = rules_for(path)
    if spec is not None and spec.published:
        published = dt.date.fromisoformat(spec.published)
        if published < limit:
            limit, why = published, f"the file's publication date {spec.published}"
    return limit, why


def first_fiscal_year(path: str | Path) -> int:
    """The first fiscal year the file's series covers (FIRST_FY if it declares none)."""
    spec = rules_for(path)
    return spec.first_fy if spec is not None and spec.first_fy else FIRST_FY


def _fy_start(fy: int) -> dt.date:
    return dt.date(fy - 1, 10, 1)


def _extremes(values: pd.Series) -> tuple[Any, Any]:
    """(min, max) of a column of dates, missing values ignored; (None, None) if all missing."""
    present = values.dropna()
    if present.empty:
        return None, None
    return present.min(), present.max()


def check_months(table: Any, months: pd.Series | np.ndarray, column: str) -> None:
    """Refuse a month (first day) after today or after the file's publication date, or before
    the start of its series' first fiscal year. `table` is any reader table with `error`/`path`."""
    values = pd.Series(np.asarray(months, dtype=object))
    earliest, latest = _extremes(values)
    if latest is None:
        return
    limit, why = month_limit(table.path)
    first_fy = first_fiscal_year(table.path)
    if latest > limit:  # locate the first offending row only when there is one
        i = first_true([m is not None and m == m and m > limit for m in values])
        raise table.error(
            f"month {values.iloc[i]:%Y-%m} is after {why}; a published file cannot hold it",
            index=i,
            column=column,
        )
    if earliest < _fy_start(first_fy):
        i = first_true([m is not None and m == m and m < _fy_start(first_fy) for m in values])
        raise table.error(
            f"month {values.iloc[i]:%Y-%m} is before this series starts (FY{first_fy})",
            index=i,
            column=column,
        )


def check_dates(table: Any, dates: pd.Series, column: str) -> None:
    """Refuse a date after today (an observation cannot be dated in the future)."""
    values = pd.Series(dates).reset_index(drop=True)
    _, latest = _extremes(values)
    now = today()
    if latest is None or latest <= now:
        return
    i = first_true([d is not None and d == d and d > now for d in values.tolist()])
    raise table.error(
        f"date {values.iloc[i]} is after today; a published file cannot hold it", index=i, column=column
    )


def check_fiscal_years(table: Any, years: pd.Series, column: str, *, low: int = 1990) -> pd.Series:
    """`years` unchanged if each lies from the series' first fiscal year to the fiscal year of
    today (or of the file's publication date); else raise at the first implausible one. Outside
    a sync, years before `low` (1990 for the DHS/CBP tables) or after LAST_FY are refused."""
    from corridor.reference.calendar import fiscal_year

    limit, why = month_limit(table.path)
    first, last = first_fiscal_year(table.path), min(fiscal_year(limit), LAST_FY)
    values = np.asarray(years, dtype="int64")
    bad = (values < low) | (values > LAST_FY)
    if bad.any():
        i = _first(bad)
        raise table.error(f"implausible fiscal year {values[i]}", index=i, column=column)
    if (values < first).any():
        i = _first(values < first)
        raise table.error(
            f"fiscal year {values[i]} is before this series starts (FY{first})", index=i, column=column
        )
    if (values > last).any():
        i = _first(values > last)
        raise table.error(
            f"fiscal year {values[i]} begins after {why}; a published file cannot hold it",
            index=i,
            column=column,
        )
    return years


def unknown_label(kind: str, raw: object, exc: BaseException) -> str:
    """The message for a label no mapper knows, with where to add it when the mapper says."""
    hint = f"; {exc.hint}" if isinstance(exc, UnknownLabel) else ""
    return f"unknown {kind} {raw!r}{hint}"


def first_true(mask: np.ndarray | pd.Series) -> int:
    """Position of the first True in a boolean mask (the row an error points at)."""
    return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])


_first = first_true


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
    # Lines after the header bound the data rows: refuse an oversized file before parsing it.
    lines_after_header = data.count(b"\n") - skiprows - 1 + (not data.endswith(b"\n"))
    check_row_count(path, lines_after_header, first_row=skiprows + 2)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding} text ({exc.reason})", row=line) from None
    # Rows end at \n, \r\n or \r only: str.splitlines() also breaks at U+0085, U+2028, form feeds
    # and other characters a publisher's text cell may hold, which would split one row in two.
    # The text is not split into a list of lines: the header is found by its offset, and the
    # body passed on as one slice (what joining the lines after the header would give).
    norm = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    nlines = norm.count("\n") + (not norm.endswith("\n"))  # a final newline ends the last line
    header_line = skiprows + 1
    if nlines < header_line:
        raise InputError(path, "file ends before its header row", row=nlines)
    if require_final_newline and not text.endswith(("\n", "\r")):
        raise InputError(
            path,
            "the last line is not terminated; the file looks truncated",
            row=nlines,
        )
    start = 0
    for _ in range(skiprows):
        start = norm.index("\n", start) + 1
    end = norm.find("\n", start)
    header_text = norm[start:] if end < 0 else norm[start:end]
    header_cells = next(csv.reader([header_text], delimiter=sep), [])
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
    body_text = "" if end < 0 else norm[end + 1 : len(norm) - norm.endswith("\n")]
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
    rownums = np.arange(header_line + 1, header_line + 1 + len(raw))
    blank = _blank_rows(raw)
    if blank.any():
        raw = raw[~blank].reset_index(drop=True)
        rownums = rownums[~blank]
    if raw.empty:
        raise InputError(path, "file has a header but no data rows", row=header_line + 1)
    # A short line leaves its last fields missing (NaN; an empty field reads as ''), so a row is
    # short exactly when its last expected field is missing.
    short = raw[width - 1].isna().to_numpy()
    if short.any():
        pos = int(short.nonzero()[0][0])
        col = int(raw.iloc[pos, :width].isna().to_numpy().nonzero()[0][0])
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
    frame = raw.iloc[:, :width] if ncols > width else raw
    frame = frame.set_axis(list(columns), axis=1).astype(object)
    return RawTable(path=path, frame=frame, rownums=rownums.tolist())


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
        # Each distinct cell is tested once: columns repeat a few values many times.
        codes, uniques = pd.factorize(raw[col].to_numpy(dtype=object)[rows], use_na_sentinel=True)
        empty = np.fromiter(
            (not isinstance(c, str) or not c.strip() for c in uniques), dtype=bool, count=len(uniques)
        )
        filled = ~np.append(empty, True)[codes]  # code -1 (missing) -> the last slot: empty
        blank[rows[filled]] = False
    return blank


def read_sheet(
    path: Path,
    sheet: str,
    *,
    columns: Sequence[str],
    header_row: int = 1,
    workbook: Any = None,
    rows: list[list[Any]] | None = None,
) -> RawTable:
    """Read one Excel sheet with calamine; the header (at `header_row`, 1-based) must match.

    `rows` (from `sheet_cells`) reuses one read of the sheet, e.g. to check two header rows.
    """
    if rows is None:
        rows = sheet_cells(path, sheet, workbook=workbook)
    return table_from_rows(path, sheet, rows, columns=columns, header_row=header_row)


def table_from_rows(
    path: Path, sheet: str, rows: list[list[Any]], *, columns: Sequence[str], header_row: int = 1
) -> RawTable:
    """A sheet's rows (as calamine reads them) as a table: the header (1-based row) must equal
    `columns`; blank rows are dropped and the others keep their row numbers in the file."""
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
    body = rows[header_row:]
    if body and min(map(len, body)) < width:  # calamine's rows are as wide as the sheet: rare
        body = [list(r) + [""] * (width - len(r)) for r in body]
    # One frame built at once, blank rows then dropped column by column (see `_blank_sheet_rows`):
    # a Python test per row took most of the time of reading a large sheet.
    raw = pd.DataFrame(body, dtype=object).iloc[:, :width] if body else pd.DataFrame()
    blank = _blank_sheet_rows(raw)
    if blank.all():
        raise InputError(path, "sheet has a header but no data rows", sheet=sheet, row=header_row + 1)
    keep = np.flatnonzero(~blank)
    frame = raw.iloc[keep].reset_index(drop=True)
    frame.columns = list(columns)
    rownums = (keep + header_row + 1).tolist()
    return RawTable(path=path, frame=frame, rownums=rownums, sheet=sheet)


def sheet_cells(path: Path, sheet: str, *, workbook: Any = None) -> list[list[Any]]:
    """Every row of one Excel sheet as calamine reads it; a missing or damaged sheet raises."""
    wb = workbook if workbook is not None else open_workbook(path)
    names = list(wb.sheet_names)
    if sheet not in names:
        raise InputError(path, f"sheet {sheet!r} is missing (found: {', '.join(names)})", sheet=sheet)
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for damaged sheets
        raise InputError(path, f"sheet cannot be read: {exc}", sheet=sheet) from None


def _blank_cell(value: Any) -> bool:
    """True where `_cell_text(value)` is '' (None, NaN, or whitespace text)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, float) and math.isnan(value))


def _blank_sheet_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows of a sheet whose every cell is blank; only rows still blank are looked at in the next
    column, so on real sheets the scan ends after a column or two."""
    blank = np.ones(len(raw), dtype=bool)
    for j in range(raw.shape[1]):
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        # Each distinct cell is tested once (columns repeat a few labels); a missing cell (None or
        # NaN: calamine gives no other missing value) takes the factorize sentinel, -1.
        codes, uniques = pd.factorize(raw.iloc[:, j].to_numpy(dtype=object)[rows], use_na_sentinel=True)
        filled = np.fromiter((not _blank_cell(c) for c in uniques), dtype=bool, count=len(uniques))
        blank[rows[np.append(filled, False)[codes]]] = False
    return blank


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
_ANY_REF = re.compile(rb'r="[A-Z]{0,3}(\d+)"')
_LETTERS = {n: re.compile(rb'r="[A-Z]{%d,}\d' % n) for n in (2, 3)}


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _above(n: int) -> re.Pattern[bytes]:
    """A row or cell reference whose row number is written larger than `n` (more digits, or as
    many digits and greater at the first digit that differs)."""
    digits = str(n)
    alts = [rf"\d{{{len(digits) + 1},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = len(digits) - i - 1
            alts.append(digits[:i] + f"[{int(ch) + 1}-9]" + (rf"\d{{{rest}}}" if rest else ""))
    return re.compile(rb'r="[A-Z]{0,3}(?:' + "|".join(alts).encode() + rb')"')


def _extent_bound(data: bytes) -> tuple[int, int]:
    """(rows, columns) that no cell of a sheet's XML lies beyond, from a few scans that build no
    lists: the last reference in the file gives the last row N (rows are written in order), one
    scan checks that no reference is written larger, and one or two look for references of two or
    three letters (columns <= Z, ZZ or XFD). Out of order: (10**8, 16384), to measure exactly."""
    at = data.rfind(b' r="')
    last = _ANY_REF.match(data, at + 1) if at >= 0 else None
    top = int(last.group(1)) if last else 0
    if _above(top).search(data):
        return 10**8, 16_384
    cols = 26 if not _LETTERS[2].search(data) else 16_384 if _LETTERS[3].search(data) else 702
    return top, cols


def _extent_exact(data: bytes) -> tuple[int, int]:
    """(last row, last column) over every row and cell reference of a sheet's XML."""
    rows = max((int(r) for r in _ROW_ATTR.findall(data)), default=0)
    refs = re.findall(rb'r="([A-Z]{1,3})(\d+)"', data)
    rows = max([rows, *(int(r) for _, r in refs)])
    cols = max([1, *(_column_number(c) for c in {c for c, _ in refs})])
    return rows, cols


def guard_sheets(path: Path) -> None:
    """Refuse a workbook with a sheet whose cells span more than MAX_SHEET_CELLS, or with more
    rows than the file's ceiling.

    calamine allocates a sheet as one block from its first to its last cell and aborts the
    process (it cannot raise) when that fails: one stray cell at XFD1048576 asks for 0.5 TB.
    The extent is bounded from the XML first (`_extent_bound`, a few scans that build nothing);
    only a sheet over a cap by that bound (or written out of order) is measured exactly,
    reference by reference.
    """
    import zipfile
    import zlib

    ceiling_rows = row_ceiling(path)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                data = zf.read(info)
                rows, cols = _extent_bound(data)
                if rows * cols > MAX_SHEET_CELLS or rows > ceiling_rows:
                    rows, cols = _extent_exact(data)
                if rows * cols > MAX_SHEET_CELLS:
                    raise InputError(
                        path,
                        f"worksheet {name} spans {rows:,} rows x {cols:,} columns; refused "
                        f"(cap {MAX_SHEET_CELLS:,} cells)",
                    )
                check_row_count(path, rows, sheet=name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError) as exc:
        raise InputError(path, f"not a readable Excel workbook ({exc})") from None


def guard_parquet(path: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Any:
    """Refuse a Parquet file whose metadata or declared uncompressed size exceeds the caps; the
    opened `pyarrow.parquet.ParquetFile` otherwise (its footer already read, to read the rows)."""
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
        pf = pq.ParquetFile(path)
        meta = pf.metadata
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    if meta.num_row_groups > MAX_ROW_GROUPS:
        raise InputError(
            path, f"{meta.num_row_groups:,} row groups (cap {MAX_ROW_GROUPS:,}); refused as damaged"
        )
    check_row_count(path, meta.num_rows)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > max_bytes:
        raise InputError(path, f"Parquet data would unpack to {size:,} bytes (cap {max_bytes:,}); refused")
    return pf


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
    per distinct value and are spread back to the rows by indexing with the codes.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = np.asarray(uniques, dtype=object)  # the last slot (None) is the missing cell's
    return codes, table


def _distinct_texts(table: RawTable, column: str) -> tuple[np.ndarray, pd.Series]:
    """A column as codes into its distinct cells' stripped texts (missing -> '')."""
    codes, uniques = distinct(table.frame[column])
    return codes, pd.Series([_cell_text(u) for u in uniques], dtype=object)


# The largest whole number a float64 holds exactly: a larger "count" is a damaged cell.
MAX_WHOLE = 2**53


def _first_bad(mask: pd.Series | np.ndarray) -> int | None:
    arr = np.asarray(mask, dtype=bool)
    return int(arr.nonzero()[0][0]) if arr.any() else None


def _first_row(bad: pd.Series | np.ndarray, codes: np.ndarray) -> int | None:
    """The first row whose distinct value is flagged in `bad`."""
    return _first_bad(np.asarray(bad, dtype=bool)[codes])


def _numbers(text: pd.Series, blanks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(blank, number) for distinct texts: which are blank markers, and each one's value as
    `pd.to_numeric` reads it without thousands separators (NaN if blank or unreadable). Plain
    arrays: these run once per column, and pandas' per-call overhead dominated small columns."""
    markers = {*blanks, ""}
    cells = text.tolist()
    blank = np.fromiter((t in markers for t in cells), dtype=bool, count=len(cells))
    cleaned = np.array(
        [None if b else t.replace(",", "") for t, b in zip(cells, blank, strict=True)], dtype=object
    )
    return blank, pd.to_numeric(cleaned, errors="coerce")


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
    blank, number = _numbers(text, blanks)
    if not allow_blank and (i := _first_row(blank, codes)) is not None:
        raise table.error("empty cell where a count is required", index=i, column=column)
    floats = number.astype("float64")
    missing = np.isnan(floats)
    finite = np.isfinite(floats)
    bad = (missing & ~blank) | (~missing & (~finite | (floats != np.floor(np.where(missing, 0, floats)))))
    if (i := _first_row(bad, codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a whole number, found {raw!r}", index=i, column=column)
    # In the number's own type: an int64 just over 2**53 is too large, though it would round to
    # 2**53 as a float.
    if (i := _first_row(~missing & (np.abs(number) > MAX_WHOLE), codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"number {raw!r} is too large for a count", index=i, column=column)
    if nonnegative and (i := _first_row(~missing & (number < 0), codes)) is not None:
        raise table.error(f"negative count {table.frame[column].iloc[i]!r}", index=i, column=column)
    values = pd.Series(floats[codes], index=table.frame.index)
    if allow_blank:
        return values.round().astype("Int64")
    return values.round().astype("int64")


def float_column(table: RawTable, column: str, *, blanks: Sequence[str] = ("",)) -> pd.Series:
    """Real numbers from a column; listed blank markers become missing, anything else raises."""
    codes, text = _distinct_texts(table, column)
    blank, number = _numbers(text, blanks)
    values = number.astype("float64")
    if (i := _first_row(np.isnan(values) & ~blank, codes)) is not None:
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a number, found {raw!r}", index=i, column=column)
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
            except (KeyError, ValueError) as exc:
                i = _first_bad(codes == j)  # by code: numpy compares "\x00" equal to ""
                raw = table.frame[column].iloc[i]  # type: ignore[call-overload]
                raise table.error(unknown_label(kind, raw, exc), index=i, column=column) from None
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

    check_months(table, months, column)
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


# ---------------------------------------------------------------------------------------------
# Fiscal-year and month columns (DHS/CBP tables), US state codes


def fiscal_year_column(table: RawTable, column: str) -> pd.Series:
    """'2024' or '2026 (FYTD)' -> 2024/2026; anything else raises with its row."""
    codes, uniques = distinct(table.frame[column])
    extracted = pd.Series(uniques).astype(str).str.extract(r"^\s*(\d{4})(?:\s*\(FYTD\))?\s*$")[0]
    bad = extracted.isna().to_numpy()[codes]
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a fiscal year such as 2024, found {raw!r}", index=i, column=column)
    years = extracted.fillna("0").astype("int64").to_numpy()[codes]
    return check_fiscal_years(table, pd.Series(years, index=table.frame.index), column)


def month_column(table: RawTable, fy: pd.Series, column: str) -> pd.Series:
    """Fiscal year + month label ('OCT', '01 October') -> first day of the calendar month."""
    from corridor.reference.calendar import month_of_fy

    labels = table.frame[column].astype(str).to_numpy(dtype=object)
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([fy.to_numpy(), labels]))
    months = np.empty(len(pairs), dtype=object)
    for j, (year, label) in enumerate(pairs):
        try:
            months[j] = month_of_fy(int(year), label)
        except ValueError:
            i = int(np.flatnonzero(codes == j)[0])
            raw = table.frame[column].iloc[i]
            raise table.error(f"unknown month {raw!r}", index=i, column=column) from None
    out = pd.Series(months[codes], index=table.frame.index, dtype=object)
    check_months(table, out, column)
    return out


def state_column(table: RawTable, column: str) -> pd.Series:
    """US state or territory codes, from the reference list only (`reference.sectors.US_STATES`)."""
    from corridor.reference.sectors import state_code

    return map_column(table, column, state_code, "US state code")


# ---------------------------------------------------------------------------------------------
# Delimited-text helpers (on top of read_csv)
#
# The `*_fast` column readers are for the 100k-row CSVs (partner_aid), where the readers above,
# which clean every cell through Python, cost a few tenths of a second per column. Each checks
# the whole column vectorised and, on anything irregular, hands the column to the checked
# reader, which raises its own error (or accepts a harmless irregularity such as a thousands
# separator). Results and errors are therefore the checked reader's own.


class Located(Protocol):
    """A checked table (CSV `RawTable` or `ParquetTable`) that can point at a row."""

    def error(self, message: str, *, index: int | None = None, column: str | None = None) -> InputError: ...


def check_range(
    table: Located, values: pd.Series, column: str, low: float, high: float, what: str = "year"
) -> None:
    """Raise on the first value outside [low, high] (e.g. an implausible year)."""
    bad = ((values < low) | (values > high)).to_numpy()
    if bad.any():
        i = _first(bad)
        raise table.error(f"implausible {what} {values.iloc[i]}", index=i, column=column)


def _arrow_floats(table: RawTable, column: str) -> np.ndarray | None:
    """A text column's cells, stripped, as Arrow casts them to float64; None if any cell is not
    text or does not cast (an empty cell, '1,000'): the checked reader then decides."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pc.utf8_trim_whitespace(pa.array(table.frame[column].to_numpy(dtype=object), type=pa.string()))
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def int_column_fast(table: RawTable, column: str) -> pd.Series:
    """`int_column` (no blanks, non-negative), column-at-once; a column with any cell that is not
    a plain whole number goes to it."""
    values = _arrow_floats(table, column)
    if (
        values is None
        or not bool(np.isfinite(values).all())
        or bool((values < 0).any())
        or bool((values > MAX_WHOLE).any())
        or bool((values % 1 != 0).any())
    ):
        return int_column(table, column)
    return pd.Series(values, index=table.frame.index).astype("int64")


def float_column_fast(table: RawTable, column: str) -> pd.Series:
    """`float_column` with no blank markers, column-at-once; a column with any cell that is not a
    plain finite number goes to it."""
    values = _arrow_floats(table, column)
    if values is None or not bool(np.isfinite(values).all()):
        return float_column(table, column, blanks=())
    return pd.Series(values, index=table.frame.index, dtype="float64")


def map_column_fast(table: RawTable, column: str, mapper: Callable[[Any], Any], kind: str) -> pd.Series:
    """`map_column`, mapping each distinct cell once (`mapped`); an unknown label goes to it."""
    return mapped(table, column, mapper, kind)


def text_column(table: RawTable, column: str) -> pd.Series:
    """A column's cells as stripped text ('' where missing), stripped once per distinct cell."""
    codes, text = _distinct_texts(table, column)
    return pd.Series(text.to_numpy(dtype=object)[codes], index=table.frame.index, dtype="str")


def date_column(table: RawTable, column: str, *, first_of_month: bool = False) -> pd.Series:
    """ISO dates (YYYY-MM-DD) from a CSV column -> `datetime.date`; anything else raises."""
    cache: dict[str, dt.date] = {}
    out: list[dt.date] = []
    for i, raw in enumerate(table.frame[column].tolist()):
        key = str(raw).strip()
        if key not in cache:
            value = _as_date(key) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key) else None
            if value is None or (first_of_month and value.day != 1):
                what = "the first day of a month (YYYY-MM-01)" if first_of_month else "a date YYYY-MM-DD"
                raise table.error(f"expected {what}, found {raw!r}", index=i, column=column)
            cache[key] = value
        out.append(cache[key])
    series = pd.Series(out, index=table.frame.index, dtype=object)
    check_dates(table, series, column)
    return series


def choice_column(table: RawTable, column: str, allowed: Collection[str]) -> pd.Series:
    """A label that must be one of `allowed` (after stripping)."""
    out: list[str] = []
    for i, raw in enumerate(table.frame[column].tolist()):
        text = str(raw).strip()
        if text not in allowed:
            raise table.error(f"unknown value {raw!r}", index=i, column=column)
        out.append(text)
    return pd.Series(out, index=table.frame.index, dtype="str")


def _as_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Column-at-once readers for the large indicator files
#
# `floats`, `ints` and `mapped` give what `float_column`, `int_column` and `map_column` give,
# computed column-at-once (an Arrow cast; one mapper call per distinct label). As soon as a
# column holds anything irregular they hand it to the checked reader, which raises with its
# usual wording, row and column. They exist for speed: the indicator files hold ~1M cells.


class CellError(Exception):
    """Raised by a `per_distinct` check: what is wrong, and in which column."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def per_distinct(table: RawTable, columns: Sequence[str], check: Callable[..., object]) -> np.ndarray:
    """`check(*cells)` once per distinct combination of the columns' (stripped) cells, its
    result spread back to every row. A CellError is reported at the first row carrying that
    combination, with the column the check names."""
    frame = table.frame[list(columns)]
    codes = frame.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()
    firsts = frame.drop_duplicates(list(columns))
    results = np.empty(len(firsts), dtype=object)
    for k, (pos, *cells) in enumerate(firsts.itertuples(index=True, name=None)):
        try:
            results[k] = check(*(_cell_text(c) for c in cells))
        except CellError as err:
            raise table.error(err.message, index=int(pos), column=err.column) from None
    return results[codes]


def mapped(table: RawTable, column: str, mapper: Callable[[str], object], kind: str) -> pd.Series:
    """`map_column` with one mapper call per distinct cell."""
    codes, uniques = pd.factorize(table.frame[column].to_numpy(dtype=object), use_na_sentinel=False)
    out = np.empty(len(uniques), dtype=object)
    try:
        for i, raw in enumerate(uniques):
            out[i] = mapper(_cell_text(raw))
    except (KeyError, ValueError):
        return map_column(table, column, mapper, kind)  # raises at the first bad row
    return pd.Series(out[codes], index=table.frame.index, dtype=object)


def _fast_floats(table: RawTable, column: str, blanks: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """The column as floats (blank markers and empty cells -> NaN) and which cells were empty;
    None if any cell is not plain text or a number that parses."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = table.frame[column].to_numpy(dtype=object)
    blank = {*blanks, ""}
    try:
        text = pc.utf8_trim_whitespace(pa.array(cells, type=pa.string()))
        empty = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
        skip = pc.is_in(text, value_set=pa.array(sorted(blank), type=pa.string()))
        cleaned = pc.if_else(skip, pa.scalar(None, type=pa.string()), text)
        return pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False), empty
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    out = np.empty(len(cells), dtype="float64")  # Excel cells: floats, or text such as '..'
    empty = np.zeros(len(cells), dtype=bool)
    try:
        for i, cell in enumerate(cells):
            if type(cell) is float and cell == cell:
                out[i] = cell
            else:
                text = _cell_text(cell)
                empty[i] = text == ""
                out[i] = math.nan if text in blank else float(text)
    except (TypeError, ValueError):
        return None
    return out, empty


def floats(table: RawTable, column: str, *, blanks: Sequence[str] = ("",)) -> pd.Series:
    """`float_column`, column-at-once; an irregular column defers to it to raise.

    Unless `blanks` lists "", an empty cell is an error (a required number is missing).
    """
    fast = _fast_floats(table, column, blanks)
    if fast is None or bool(np.isinf(fast[0]).any()):
        values = float_column(table, column, blanks=blanks).to_numpy()
        empty = table.frame[column].map(_cell_text).to_numpy() == ""
    else:
        values, empty = fast
    if "" not in blanks and empty.any():
        raise table.error(
            "empty cell where a number is required", index=int(np.flatnonzero(empty)[0]), column=column
        )
    return pd.Series(values, index=table.frame.index, dtype="float64")


def ints(table: RawTable, column: str, *, allow_blank: bool = False, nonnegative: bool = True) -> pd.Series:
    """`int_column`, column-at-once; an irregular column defers to it to raise."""
    fast = _fast_floats(table, column, ())
    values = None if fast is None else fast[0]
    if (
        values is None
        or (not allow_blank and bool(np.isnan(values).any()))
        or bool(np.isinf(values).any())
        or bool((np.abs(np.nan_to_num(values)) > MAX_WHOLE).any())
        or bool((np.nan_to_num(values) % 1 != 0).any())
        or (nonnegative and bool((values < 0).any()))
    ):
        return int_column(table, column, allow_blank=allow_blank, nonnegative=nonnegative)
    return pd.Series(values, index=table.frame.index).astype("Int64" if allow_blank else "int64")


def year_column(table: RawTable, column: str, *, low: int = 1800, high: int = 2100) -> pd.Series:
    """Calendar years (`ints`) within [low, high]; an implausible one raises at its row."""
    years = ints(table, column)
    bad = ((years < low) | (years > high)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise table.error(f"implausible year {years.iloc[i]}", index=i, column=column)
    return years


def wide_values(
    table: RawTable,
    columns: Sequence[str],
    convert: Callable[[RawTable, str], pd.Series],
) -> np.ndarray:
    """Many same-typed columns converted in one call (rows x columns, float64).

    `convert` is a checked reader such as `float_column`. The columns are stacked into one, so a
    wide table costs one conversion instead of one per column; if a cell is bad, the columns
    are converted one by one so the error names its own row and column.
    """
    cells = table.frame[list(columns)].to_numpy(dtype=object)
    stacked = RawTable(
        path=table.path,
        frame=pd.DataFrame({"cell": cells.ravel(order="F")}, dtype=object),
        rownums=list(table.rownums) * len(columns),
        sheet=table.sheet,
    )
    try:
        values = convert(stacked, "cell")
    except InputError:
        for column in columns:
            convert(table, column)
        raise
    return values.astype("float64").to_numpy().reshape(len(columns), len(table)).T


# ---------------------------------------------------------------------------------------------
# Parquet files and their columns (row numbers are 1-based data rows: there is no header line)


@dataclass
class ParquetTable:
    """A Parquet file read whole; errors name the 1-based data row and the column."""

    path: Path
    frame: pd.DataFrame

    def error(self, message: str, *, index: int | None = None, column: str | None = None) -> InputError:
        row = index + 1 if index is not None else None
        return InputError(self.path, message, row=row, column=column)

    def __len__(self) -> int:
        return len(self.frame)


def read_parquet(path: Path, *, columns: Sequence[str], skip: Collection[str] = ()) -> ParquetTable:
    """Read a Parquet file whose columns must equal `columns` (names and order); columns in
    `skip` are checked by name but not loaded (e.g. free-text names the source does not keep)."""
    if path.stat().st_size == 0:
        raise InputError(path, "file is empty")
    # One open for the guard, the schema and the rows (`ParquetFile.read`, not `read_table`,
    # whose dataset layer costs an import and a second open per file).
    pf = guard_parquet(path)
    try:
        found = list(pf.schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    for i, expected in enumerate(columns):
        got = found[i] if i < len(found) else None
        if got != expected:
            raise InputError(
                path,
                f"expected column {expected!r}, found {got!r}; the publisher's layout changed",
                column=expected,
            )
    if len(found) > len(columns):
        extra = found[len(columns)]
        raise InputError(path, f"unexpected extra column {extra!r}", column=extra)
    try:
        table = pf.read(columns=[c for c in columns if c not in skip])
    except Exception as exc:
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    if table.num_rows == 0:
        raise InputError(path, "file has no data rows")
    try:
        frame = table.to_pandas()
    except Exception as exc:  # e.g. pandas metadata naming a type the column no longer has
        raise InputError(path, f"column does not convert ({exc})", column=_unconvertible(table)) from None
    frame.index = pd.RangeIndex(len(frame))
    return ParquetTable(path=path, frame=frame)


def read_parquet_typed(path: Path, columns: Sequence[tuple[str, str]]) -> ParquetTable:
    """Read a Parquet file whose columns must be exactly `columns` ((name, 'text'|'number'|'date'));
    dates stay Arrow-backed. Damage is reported at data row 1."""
    import pyarrow as pa

    if path.stat().st_size == 0:
        raise InputError(path, "file is empty; expected a Parquet file", row=1)
    pf = guard_parquet(path)
    try:
        table = pf.read()
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(path, f"not a readable Parquet file ({exc})", row=1) from None
    names = table.column_names
    for i, (name, kind) in enumerate(columns):
        found = names[i] if i < len(names) else None
        if found != name:
            raise InputError(
                path, f"expected column {name!r}, found {found!r}; the layout changed", row=1, column=name
            )
        typ = table.schema.field(name).type
        ok = {
            "text": pa.types.is_string(typ) or pa.types.is_large_string(typ),
            "number": pa.types.is_integer(typ) or pa.types.is_floating(typ),
            "date": pa.types.is_date(typ),
        }[kind]
        if not ok:
            raise InputError(path, f"expected {kind} values, found {typ}", row=1, column=name)
    if len(names) > len(columns):
        raise InputError(
            path, f"unexpected extra column {names[len(columns)]!r}", row=1, column=names[len(columns)]
        )
    if table.num_rows == 0:
        raise InputError(path, "file has no data rows", row=1)
    # Dates stay Arrow-backed: fast to compare, and DuckDB stores them as DATE.
    try:
        frame = table.to_pandas(types_mapper={pa.date32(): pd.ArrowDtype(pa.date32())}.get)
    except Exception as exc:  # e.g. pandas metadata naming a type the column no longer has
        raise InputError(path, f"columns do not convert to a table ({exc})", row=1) from None
    return ParquetTable(path, frame)


def _unconvertible(table: Any) -> str | None:
    """The first column that fails `to_pandas` on its own (with the file's pandas metadata)."""
    for name in table.column_names:
        try:
            table.select([name]).to_pandas()
        except Exception:
            return str(name)
    return None


def pq_count(
    t: ParquetTable, column: str, *, allow_null: bool = False, nonnegative: bool = True
) -> pd.Series:
    """Whole numbers from a numeric column (Int64 if nulls are allowed, else int64)."""
    raw = t.frame[column]
    if not (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)):
        bad = (pd.to_numeric(raw, errors="coerce").isna() & raw.notna()).to_numpy()
        where = _first(bad) if bad.any() else None
        found = f"{raw.iloc[where]!r}" if where is not None else f"{raw.dtype} values"
        raise t.error(f"expected a number, found {found}", index=where, column=column)
    values = raw.astype("float64").to_numpy()
    null = np.isnan(values)
    if null.any() and not allow_null:
        raise t.error("empty cell where a count is required", index=_first(null), column=column)
    finite = np.where(null, 0.0, values)
    bad = ~np.isfinite(finite) | (finite != np.round(finite))
    if bad.any():
        i = _first(bad)
        raise t.error(f"expected a whole number, found {values[i]!r}", index=i, column=column)
    if (np.abs(finite) > MAX_WHOLE).any():
        i = _first(np.abs(finite) > MAX_WHOLE)
        raise t.error(f"number {values[i]!r} is too large for a count", index=i, column=column)
    if nonnegative and (finite < 0).any():
        i = _first(finite < 0)
        raise t.error(f"negative count {values[i]!r}", index=i, column=column)
    if allow_null:
        out = pd.array(finite.astype("int64"), dtype="Int64")
        out[null] = pd.NA
        return pd.Series(out, index=t.frame.index)
    return pd.Series(finite.astype("int64"), index=t.frame.index)


def pq_float(t: ParquetTable, column: str, *, low: float, high: float) -> pd.Series:
    """Real numbers within [low, high] (e.g. longitudes); null or out of range raises."""
    raw = t.frame[column]
    if not (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)):
        bad = (pd.to_numeric(raw, errors="coerce").isna() & raw.notna()).to_numpy()
        where = _first(bad) if bad.any() else None
        found = f"{raw.iloc[where]!r}" if where is not None else f"{raw.dtype} values"
        raise t.error(f"expected a number, found {found}", index=where, column=column)
    values = raw.to_numpy(dtype="float64")
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    if bad.any():
        i = _first(bad)
        raise t.error(f"expected a number in [{low}, {high}], found {values[i]!r}", index=i, column=column)
    return pd.Series(values, index=t.frame.index)


def _pq_distinct(t: ParquetTable, column: str) -> tuple[np.ndarray, list[str | None], list[Any]]:
    """Codes into the column's distinct values: (codes, stripped text or None, raw values)."""
    codes, uniques = pd.factorize(t.frame[column], use_na_sentinel=True)
    raw = list(uniques)
    return codes, [str(u).strip() or None for u in raw], raw


def _pq_expand(
    t: ParquetTable, column: str, codes: np.ndarray, values: list[Any], raw: list[Any], text: bool
) -> pd.Series:
    """Per-row values from per-distinct values; the column itself when nothing changed."""
    if values == raw and not (codes == -1).any() and pd.api.types.is_string_dtype(t.frame[column]):
        return t.frame[column]
    if text and all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
        cat = pd.Categorical.from_codes(codes, categories=values)
        return pd.Series(cat).astype("str")
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = None  # code -1 (null) -> None
    out = pd.Series(table[codes])
    return out.astype("str") if text else out


def pq_text(
    t: ParquetTable,
    column: str,
    *,
    allowed: Collection[str] | None = None,
    allow_blank: bool = False,
) -> pd.Series:
    """Text cells, stripped; blank raises unless allowed; values must be in `allowed` if given."""
    codes, values, raw = _pq_distinct(t, column)
    blank = [k for k, v in enumerate(values) if v is None]
    if not allow_blank and ((codes == -1).any() or blank):
        mask = (codes == -1) | np.isin(codes, blank)
        raise t.error("empty cell", index=_first(mask), column=column)
    for k, value in enumerate(values):
        if value is None:
            continue
        if allowed is not None and value not in allowed:
            raise t.error(f"unexpected value {value!r}", index=_first(codes == k), column=column)
    return _pq_expand(t, column, codes, values, raw, text=True)


def pq_map(t: ParquetTable, column: str, mapper: Callable[[str], Any], kind: str) -> pd.Series:
    """Map each distinct label once; an unknown (or blank) label raises with its first row."""
    codes, values, raw = _pq_distinct(t, column)
    if (codes == -1).any():
        raise t.error("empty cell", index=_first(codes == -1), column=column)
    mapped = []
    for k, value in enumerate(values):
        try:
            mapped.append(mapper(value if value is not None else ""))
        except (KeyError, ValueError) as exc:
            raise t.error(unknown_label(kind, value, exc), index=_first(codes == k), column=column) from None
    text = all(isinstance(v, str) for v in mapped)
    return _pq_expand(t, column, codes, mapped, raw, text=text)


def pq_date(t: ParquetTable, column: str, *, first_of_month: bool = False) -> pd.Series:
    """Dates stored as date objects or ISO text -> `datetime.date` values."""
    out: list[dt.date] = []
    cache: dict[Any, dt.date] = {}
    for i, raw in enumerate(t.frame[column].tolist()):
        if raw not in cache:
            value = _as_date(raw)
            if value is None or (first_of_month and value.day != 1):
                what = "the first day of a month" if first_of_month else "a date"
                raise t.error(f"expected {what}, found {raw!r}", index=i, column=column)
            cache[raw] = value
        out.append(cache[raw])
    series = pd.Series(out, index=t.frame.index, dtype=object)
    check_dates(t, series, column)
    return series


def pq_unique(t: ParquetTable, frame: pd.DataFrame, keys: Sequence[str], column: str) -> None:
    """Raise on the first row whose key repeats an earlier row."""
    dup = frame.duplicated(subset=list(keys)).to_numpy()
    if dup.any():
        i = _first(dup)
        values = ", ".join(f"{k}={frame[k].iloc[i]}" for k in keys)
        raise t.error(f"duplicate row ({values})", index=i, column=column)


def arrow_days(series: pd.Series) -> np.ndarray:
    """Arrow-backed dates -> days since 1970 (int64)."""
    import pyarrow as pa

    return pa.array(series).cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


def pq_numbers(
    t: ParquetTable, column: str, *, nullable: bool = False, whole: bool = False, negative: bool = False
) -> pd.Series:
    """Numbers from a numeric column: non-negative unless `negative`, whole if `whole`, null only
    if `nullable`; the first bad cell raises."""
    values = t.frame[column].to_numpy(dtype="float64", na_value=np.nan)
    null = np.isnan(values)
    if null.any() and not nullable:
        raise t.error("empty cell where a number is required", index=_first(null), column=column)
    bad = ~null & (
        (~negative & (values < 0))
        | ~np.isfinite(values)
        | (whole & ((values != np.round(values)) | (np.abs(values) > MAX_WHOLE)))
    )
    if bad.any():
        i = _first(bad)
        raise t.error(
            f"expected a non-negative {'count' if whole else 'number'}, found {values[i]!r}",
            index=i,
            column=column,
        )
    return pd.Series(values, index=t.frame.index)


def pq_labels(
    t: ParquetTable, column: str, mapping: dict[str, str], kind: str, *, null: str | None = None
) -> pd.Series:
    """Labels mapped through `mapping` (empty cells become `null`, refused if it is None)."""
    raw = t.frame[column]
    out = {}
    for value in raw.dropna().unique().tolist():
        if value not in mapping:
            raise t.error(f"unknown {kind} {value!r}", index=_first((raw == value).to_numpy()), column=column)
        out[value] = mapping[value]
    if raw.isna().any() and null is None:
        raise t.error(f"empty {kind}", index=_first(raw.isna().to_numpy()), column=column)
    mapped = raw.map(out)
    return mapped.where(raw.notna(), null).astype(str)


def pq_months_of_fiscal_year(t: ParquetTable, frame: pd.DataFrame) -> pd.Series:
    """The `date` column (first days of months), each inside the row's `fiscal_year` of `frame`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = pa.array(t.frame["date"])
    day = pc.day(dates).to_numpy(zero_copy_only=False)
    if (day != 1).any():
        i = _first(day != 1)
        raise t.error(
            f"expected the first day of a month, found {t.frame['date'].iloc[i]}", index=i, column="date"
        )
    fy = pc.year(dates).to_numpy(zero_copy_only=False) + (
        pc.month(dates).to_numpy(zero_copy_only=False) >= 10
    )
    bad = fy != frame["fiscal_year"].to_numpy()
    if bad.any():
        i = _first(bad)
        raise t.error(
            f"month {t.frame['date'].iloc[i]} is outside fiscal year {frame['fiscal_year'].iloc[i]}",
            index=i,
            column="date",
        )
    return t.frame["date"]

"""Helpers shared by the context sources: checked Parquet columns, country codes, indicators.

`base.py` has checked readers for CSV and Excel only; the Parquet helpers here give the same
guarantee (an `InputError` naming file, row and column) for the `.parquet` mirrors. Row numbers
in Parquet errors are 1-based data rows (there is no header line).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference import to_iso3
from corridor.sources.base import MAX_WHOLE, RawTable, float_column, guard_parquet, int_column, map_column

# Codes that publishers in this domain use and `to_iso3` does not know. Applied before to_iso3;
# every other label still goes through it, so an unknown label raises. The targets follow the
# vocabulary of `corridor.reference.countries` (ISO 3166-1, ISO 3166-3 for former countries,
# XKX, CHI, AB9, TIB, STL, UNK, OTHER), so that the same entity has one code in every table.
EXTRA_CODES: dict[str, str] = {
    "OOO": "UNK",  # IOM gdidata: "Unknown" (its country list, iom_gdidata_countrynames.csv)
    "UNK": "UNK",  # unknown (UNHCR)
    "XXA": "STL",  # stateless (UNHCR writes the ICAO 9303 code)
    "STL": "STL",  # stateless (IOM gdidata)
    "TIB": "TIB",  # Tibetan / Tibet (UNHCR, IOM gdidata)
    "XKX": "XKX",  # Kosovo
    "AB9": "AB9",  # Abyei Area (IDMC), disputed between Sudan and South Sudan
    "XCX": "CHI",  # Channel Islands (UN DESA via IOM; the World Bank's code is CHI)
    # Former countries keep their ISO 3166-3 codes; Zaire is today's DR Congo.
    "ANT": "ANT",  # Netherlands Antilles
    "CSK": "CSK",  # Czechoslovakia
    "DDR": "DDR",  # German Democratic Republic
    "SCG": "SCG",  # Serbia and Montenegro
    "SUN": "SUN",  # USSR
    "YUG": "YUG",  # Yugoslavia
    "ZAR": "COD",  # Zaire
}

# Codes that stand for no single place: the publisher's lump, unknown origin, stateless people.
# They are flagged `is_aggregate` so that country panels can leave them out.
NON_COUNTRY: frozenset[str] = frozenset({"OTHER", "UNK", "STL"})


def country_code(label: object, extra: dict[str, str] | None = None) -> str:
    """A publisher's country label -> ISO3 (or one of EXTRA_CODES); KeyError if unknown."""
    text = re.sub(r"\s+", " ", str(label)).strip()
    for table in (extra or {}, EXTRA_CODES):
        if text in table:
            return table[text]
        if text.upper() in table:
            return table[text.upper()]
    return to_iso3(text)


def is_aggregate(codes: pd.Series) -> pd.Series:
    """True where a code is not a single country (see NON_COUNTRY)."""
    return codes.isin(NON_COUNTRY).astype(bool)


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


# ---------------------------------------------------------------------------------------------
# Parquet


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
    import pyarrow.parquet as pq

    if path.stat().st_size == 0:
        raise InputError(path, "file is empty")
    guard_parquet(path)
    try:
        found = list(pq.read_schema(path).names)
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
        table = pq.read_table(path, columns=[c for c in columns if c not in skip])
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


def _unconvertible(table: Any) -> str | None:
    """The first column that fails `to_pandas` on its own (with the file's pandas metadata)."""
    for name in table.column_names:
        try:
            table.select([name]).to_pandas()
        except Exception:
            return str(name)
    return None


def _first(mask: np.ndarray | pd.Series) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


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


def _distinct(t: ParquetTable, column: str) -> tuple[np.ndarray, list[str | None], list[Any]]:
    """Codes into the column's distinct values: (codes, stripped text or None, raw values)."""
    codes, uniques = pd.factorize(t.frame[column], use_na_sentinel=True)
    raw = list(uniques)
    return codes, [str(u).strip() or None for u in raw], raw


def _expand(
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
    codes, values, raw = _distinct(t, column)
    blank = [k for k, v in enumerate(values) if v is None]
    if not allow_blank and ((codes == -1).any() or blank):
        mask = (codes == -1) | np.isin(codes, blank)
        raise t.error("empty cell", index=_first(mask), column=column)
    for k, value in enumerate(values):
        if value is None:
            continue
        if allowed is not None and value not in allowed:
            raise t.error(f"unexpected value {value!r}", index=_first(codes == k), column=column)
    return _expand(t, column, codes, values, raw, text=True)


def pq_map(t: ParquetTable, column: str, mapper: Callable[[str], Any], kind: str) -> pd.Series:
    """Map each distinct label once; an unknown (or blank) label raises with its first row."""
    codes, values, raw = _distinct(t, column)
    if (codes == -1).any():
        raise t.error("empty cell", index=_first(codes == -1), column=column)
    mapped = []
    for k, value in enumerate(values):
        try:
            mapped.append(mapper(value if value is not None else ""))
        except (KeyError, ValueError):
            raise t.error(f"unknown {kind} {value!r}", index=_first(codes == k), column=column) from None
    text = all(isinstance(v, str) for v in mapped)
    return _expand(t, column, codes, mapped, raw, text=text)


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
    return pd.Series(out, index=t.frame.index, dtype=object)


def pq_unique(t: ParquetTable, frame: pd.DataFrame, keys: Sequence[str], column: str) -> None:
    """Raise on the first row whose key repeats an earlier row."""
    dup = frame.duplicated(subset=list(keys)).to_numpy()
    if dup.any():
        i = _first(dup)
        values = ", ".join(f"{k}={frame[k].iloc[i]}" for k in keys)
        raise t.error(f"duplicate row ({values})", index=i, column=column)


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
# CSV helpers (on top of base.read_csv)
#
# The `*_fast` column readers are for the 100k-row CSVs (partner_aid), where base's readers,
# which clean every cell through Python, cost a few tenths of a second per column. Each checks
# the whole column vectorised and, on anything irregular, hands the column to the base reader,
# which raises its own error (or accepts a harmless irregularity such as a thousands
# separator). Results and errors are therefore base's own.


def _numbers(table: RawTable, column: str) -> pd.Series | None:
    """The column as float64, or None if any cell is not a plain finite number."""
    text = table.frame[column].astype("str").str.strip()
    try:
        nums = text.astype("float64")
    except (ValueError, TypeError):
        return None
    return None if nums.isna().any() or np.isinf(nums.to_numpy()).any() else nums


def int_column_fast(table: RawTable, column: str) -> pd.Series:
    """`base.int_column` (no blanks, non-negative), vectorised; irregular cells go to base."""
    nums = _numbers(table, column)
    if nums is None or (nums % 1 != 0).any() or (nums < 0).any() or (nums > MAX_WHOLE).any():
        return int_column(table, column)
    return nums.astype("int64")


def float_column_fast(table: RawTable, column: str) -> pd.Series:
    """`base.float_column` with no blank markers, vectorised; irregular cells go to base."""
    nums = _numbers(table, column)
    return float_column(table, column, blanks=()) if nums is None else nums


def map_column_fast(table: RawTable, column: str, mapper: Callable[[Any], Any], kind: str) -> pd.Series:
    """`base.map_column`, mapping each distinct label once; an unknown label goes to base."""
    text = table.frame[column].astype("str").str.strip()
    mapping: dict[str, Any] = {}
    for value in text.unique().tolist():
        try:
            mapping[value] = mapper(value)
        except (KeyError, ValueError):
            return map_column(table, column, mapper, kind)
    return text.map(mapping).astype(object)


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
    return pd.Series(out, index=table.frame.index, dtype=object)


def choice_column(table: RawTable, column: str, allowed: Collection[str]) -> pd.Series:
    """A label that must be one of `allowed` (after stripping)."""
    out: list[str] = []
    for i, raw in enumerate(table.frame[column].tolist()):
        text = str(raw).strip()
        if text not in allowed:
            raise table.error(f"unknown value {raw!r}", index=i, column=column)
        out.append(text)
    return pd.Series(out, index=table.frame.index, dtype="str")


# ---------------------------------------------------------------------------------------------
# Indicators

INDICATOR_COLUMNS = ("iso3", "is_aggregate", "year", "indicator", "value", "unit", "source", "release_id")
CATALOG_COLUMNS = ("indicator", "name", "description", "unit", "source", "url", "licence")


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator's catalog entry."""

    id: str
    name: str
    description: str
    unit: str
    url: str
    licence: str


def indicator_rows(
    defn: IndicatorDef, iso3: pd.Series, year: pd.Series, value: pd.Series, source: str, release: str
) -> pd.DataFrame:
    """Rows for the shared `indicators` view, with its exact columns and types."""
    codes = pd.Series(iso3.to_numpy(), dtype="str")
    frame = pd.DataFrame(
        {
            "iso3": codes,
            "is_aggregate": is_aggregate(codes).to_numpy(),
            "year": pd.Series(year.to_numpy()).astype("int32"),
            "indicator": defn.id,
            "value": pd.Series(value.to_numpy()).astype("float64"),
            "unit": defn.unit,
            "source": source,
            "release_id": release,
        }
    )
    for col in ("indicator", "unit", "source", "release_id"):
        frame[col] = frame[col].astype("str")
    return frame[list(INDICATOR_COLUMNS)]


def catalog_frame(defs: Sequence[IndicatorDef], source: str) -> pd.DataFrame:
    """Rows for the shared `indicator_catalog` view."""
    return pd.DataFrame(
        [(d.id, d.name, d.description, d.unit, source, d.url, d.licence) for d in defs],
        columns=list(CATALOG_COLUMNS),
    ).astype("str")

"""Shared by the root-cause indicator sources: the long `indicators` frame, its catalog, and
entity-code columns.

Every indicator source returns two frames: `ind_<dataset>` (appended to the `indicators` view)
and `cat_<dataset>` (appended to `indicator_catalog`). Building both here keeps their columns,
types and invariants (one value per iso3 x year x indicator, one catalog row per id) identical
across datasets.

Missing values: a wide file's empty cell is not an observation and yields no row; a long file's
row whose value is marked missing (WGI `..`, EM-DAT blanks) yields a row with a NULL value.

`floats`, `ints` and `mapped` give what `base.float_column`, `base.int_column` and
`base.map_column` give, computed column-at-once (an Arrow cast; one mapper call per distinct
label). As soon as a column holds anything irregular they hand it to the base reader, which
raises with its usual wording, row and column. They exist for speed: these files hold ~1M
cells, and the base readers' per-cell Python work cost over a second per sync.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from corridor.errors import InputError
from corridor.reference.countries import canonical_code
from corridor.sources.base import (
    MAX_WHOLE,
    Parsed,
    RawTable,
    TableSpec,
    float_column,
    int_column,
    map_column,
)

INDICATOR_COLUMNS = (
    "iso3",
    "is_aggregate",
    "year",
    "indicator",
    "value",
    "unit",
    "source",
    "release_id",
)
CATALOG_COLUMNS = ("indicator", "name", "description", "unit", "source", "url", "licence")


@dataclass(frozen=True)
class Indicator:
    """One indicator id as it appears in the catalog."""

    id: str
    name: str
    unit: str
    description: str
    url: str


def tables(dataset: str, title: str) -> list[TableSpec]:
    """The two TableSpecs an indicator source registers."""
    return [
        TableSpec(name=f"ind_{dataset}", description=f"{title}: values", append_to="indicators"),
        TableSpec(
            name=f"cat_{dataset}",
            description=f"{title}: indicator definitions",
            append_to="indicator_catalog",
        ),
    ]


@dataclass
class Part:
    """The rows of one indicator: aligned arrays plus the values shared by every row."""

    indicator: Indicator
    release_id: str
    iso3: np.ndarray
    is_aggregate: np.ndarray
    year: np.ndarray
    value: np.ndarray


def rows(
    ind: Indicator,
    iso3: pd.Series,
    is_aggregate: pd.Series,
    year: pd.Series,
    value: pd.Series,
    release_id: str,
    *,
    drop_missing: bool = False,
) -> Part:
    """Long rows of one indicator (aligned Series in, one row per element out)."""
    part = Part(
        ind,
        release_id,
        np.asarray(iso3, dtype=object),
        np.asarray(is_aggregate, dtype=bool),
        np.asarray(year, dtype="int64"),
        np.asarray(value.astype("float64"), dtype="float64"),
    )
    if drop_missing:
        keep = ~np.isnan(part.value)
        part.iso3, part.is_aggregate = part.iso3[keep], part.is_aggregate[keep]
        part.year, part.value = part.year[keep], part.value[keep]
    return part


def _check_unique(part: Part, source: str) -> None:
    """One value per (iso3, year) within an indicator; a breach is a parser bug (file-level
    duplicates are reported earlier, with their row), so it raises RuntimeError."""
    codes, _ = pd.factorize(part.iso3)
    key = codes.astype("int64") * 100_000 + part.year
    if len(np.unique(key)) != len(key):
        uniq, counts = np.unique(key, return_counts=True)
        first = int(np.flatnonzero(np.isin(key, uniq[counts > 1]))[0])
        raise RuntimeError(
            f"{source}: two values for {part.iso3[first]} {part.year[first]} {part.indicator.id}"
        )


def indicator_frame(parts: Iterable[Part], source: str) -> pd.DataFrame:
    """Concatenate parts into the `indicators` layout with fixed column types."""
    merged: dict[str, Part] = {}
    for p in parts:
        if p.indicator.id not in merged:
            merged[p.indicator.id] = p
            continue
        m = merged[p.indicator.id]
        if (m.indicator, m.release_id) != (p.indicator, p.release_id):
            raise RuntimeError(f"{source}: {p.indicator.id} is defined twice")
        merged[p.indicator.id] = Part(
            m.indicator,
            m.release_id,
            *(
                np.concatenate([a, b])
                for a, b in zip(
                    (m.iso3, m.is_aggregate, m.year, m.value),
                    (p.iso3, p.is_aggregate, p.year, p.value),
                    strict=True,
                )
            ),
        )
    parts = [p for p in merged.values() if len(p.value)]
    ids = [p.indicator.id for p in parts]
    for p in parts:
        _check_unique(p, source)
    sizes = [len(p.value) for p in parts]

    def repeat(values: list[str]) -> pd.Series:
        return pd.Series(np.repeat(np.array(values, dtype=object), sizes), dtype=object)

    return pd.DataFrame(
        {
            "iso3": pd.Series(np.concatenate([p.iso3 for p in parts]), dtype=object),
            "is_aggregate": np.concatenate([p.is_aggregate for p in parts]),
            "year": np.concatenate([p.year for p in parts]).astype("int32"),
            "indicator": repeat(ids),
            "value": np.concatenate([p.value for p in parts]),
            "unit": repeat([p.indicator.unit for p in parts]),
            "source": pd.Series(np.full(sum(sizes), source, dtype=object), dtype=object),
            "release_id": repeat([p.release_id for p in parts]),
        },
        columns=list(INDICATOR_COLUMNS),
    )


def catalog_frame(indicators: Iterable[Indicator], source: str, licence: str) -> pd.DataFrame:
    """One catalog row per indicator id."""
    inds = list(indicators)
    ids = [i.id for i in inds]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"{source}: duplicate indicator ids in its catalog")
    return pd.DataFrame(
        {
            "indicator": ids,
            "name": [i.name for i in inds],
            "description": [i.description for i in inds],
            "unit": [i.unit for i in inds],
            "source": source,
            "url": [i.url for i in inds],
            "licence": licence,
        },
        columns=list(CATALOG_COLUMNS),
    ).astype(object)


def finish(
    out: Parsed,
    source: str,
    parts: Iterable[Part],
    indicators: Iterable[Indicator],
    licence: str,
) -> None:
    """Put a source's `ind_` and `cat_` frames into `out`; the catalog lists the ids that
    have rows (types with no event, say, get no catalog entry)."""
    frame = indicator_frame(parts, source)
    present = set(frame["indicator"].unique())
    out.frames[f"ind_{source}"] = frame
    out.frames[f"cat_{source}"] = catalog_frame([i for i in indicators if i.id in present], source, licence)


def entity_columns(
    table: RawTable,
    column: str,
    resolve: Callable[[str], tuple[str, bool]] | None = None,
    kind: str = "country code",
) -> tuple[pd.Series, pd.Series]:
    """(iso3, is_aggregate) from a code column; an unknown code raises with row and column.

    `resolve` maps a publisher code to (Corridor code, is_aggregate) or raises KeyError; the
    default accepts country codes only (`reference.countries.canonical_code`).
    """
    resolver = resolve or (lambda code: (canonical_code(code), False))
    pairs = mapped(table, column, resolver, kind)
    iso3 = pd.Series([p[0] for p in pairs], index=table.frame.index, dtype=object)
    agg = pd.Series([p[1] for p in pairs], index=table.frame.index, dtype=bool)
    return iso3, agg


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


def _cell_text(value: object) -> str:
    """A cell as the base readers see it (mirrors `base._cell_text`)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def mapped(table: RawTable, column: str, mapper: Callable[[str], object], kind: str) -> pd.Series:
    """`base.map_column` with one mapper call per distinct cell."""
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
    """`base.float_column`, column-at-once; an irregular column defers to it to raise.

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
    """`base.int_column`, column-at-once; an irregular column defers to it to raise."""
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

    `convert` is a base reader such as `float_column`. The columns are stacked into one, so a
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


def year_span(years: pd.Series) -> tuple[str, str]:
    """(first, last) year as text, for a release's period."""
    values = np.asarray(years, dtype="int64")
    return str(values.min()), str(values.max())

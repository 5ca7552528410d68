"""Shared by the root-cause indicator sources: the long `indicators` frame, its catalog, and
entity-code columns.

Every indicator source returns two frames: `ind_<dataset>` (appended to the `indicators` view)
and `cat_<dataset>` (appended to `indicator_catalog`). Building both here keeps their columns,
types and invariants (one value per iso3 x year x indicator, one catalog row per id) identical
across datasets.

Missing values: a wide file's empty cell is not an observation and yields no row; a long file's
row whose value is marked missing (WGI `..`, EM-DAT blanks) yields a row with a NULL value.

The column-at-once readers these sources use (`floats`, `ints`, `mapped`, `year_column`,
`per_distinct`, `wide_values`) live in `base` with every other reader; their names stay
importable from here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from corridor.reference.countries import canonical_code
from corridor.sources.base import (
    CellError,
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    floats,
    ints,
    mapped,
    per_distinct,
    wide_values,
    year_column,
)

# The readers are base's; importable from here too, for the modules written against this one.
__all__ = [
    "CATALOG_COLUMNS",
    "INDICATOR_COLUMNS",
    "CellError",
    "Indicator",
    "IndicatorFile",
    "Part",
    "Read",
    "catalog_frame",
    "entity_columns",
    "finish",
    "floats",
    "grouped",
    "indicator_frame",
    "ints",
    "mapped",
    "per_distinct",
    "rows",
    "tables",
    "wide_values",
    "year_column",
    "year_span",
]

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
K = TypeVar("K", bound=Hashable)

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


def year_span(years: pd.Series) -> tuple[str, str]:
    """(first, last) year as text, for a release's period."""
    values = np.asarray(years, dtype="int64")
    return str(values.min()), str(values.max())


def grouped(
    frame: pd.DataFrame,
    by: str | list[str],
    indicators: Mapping[K, Indicator | None],
    value: str,
    release_id: str,
) -> list[Part]:
    """One part per indicator of `indicators` (keyed by the values of `by`) from the rows of
    `frame` (columns iso3, is_aggregate, year and `value`); keys with no rows, or no indicator,
    give none."""
    groups = frame.groupby(by, sort=False).indices
    return [
        rows(ind, sub["iso3"], sub["is_aggregate"], sub["year"], sub[value], release_id)
        for key, ind in indicators.items()
        if ind is not None and key in groups
        for sub in (frame.iloc[groups[key]],)
    ]


@dataclass(frozen=True)
class Read:
    """What an indicator file's reader returns: the parts, the file's data rows and its period."""

    parts: list[Part]
    rows: int
    period: tuple[str, str]


@dataclass(frozen=True)
class IndicatorFile:
    """A source of indicators read from one file.

    Its `read(path, release_id)` checks the file and returns the parts; the `ind_`/`cat_` frames
    and the file's facts are built here, the same way for every such source.
    """

    id: str
    title: str
    file: FileSpec  # its licence is the catalog's
    indicators: tuple[Indicator, ...]
    read: Callable[[Path, str], Read]

    @property
    def files(self) -> tuple[FileSpec, ...]:
        return (self.file,)

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={}, tables=tables(self.id, self.title))
        got = self.read(paths[self.file.key], releases[self.file.key])
        finish(out, self.id, got.parts, self.indicators, self.file.licence)
        out.rows[self.file.key] = got.rows
        out.periods[self.file.key] = got.period
        return out

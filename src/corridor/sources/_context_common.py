"""Helpers shared by the context sources: country codes and indicator rows.

The checked Parquet and column readers these sources use live in `base` (as every reader does);
their names stay importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from corridor.reference import to_iso3
from corridor.sources._indicators import CATALOG_COLUMNS, INDICATOR_COLUMNS, Indicator, catalog_frame
from corridor.sources.base import (
    Located,
    ParquetTable,
    Parsed,
    TableSpec,
    check_range,
    choice_column,
    date_column,
    float_column_fast,
    guard_parquet,
    int_column_fast,
    map_column_fast,
    pq_count,
    pq_date,
    pq_float,
    pq_map,
    pq_text,
    pq_unique,
    read_parquet,
)

__all__ = [
    "CATALOG_COLUMNS",
    "EXTRA_CODES",
    "INDICATOR_COLUMNS",
    "NON_COUNTRY",
    "Indicator",
    "IndicatorTables",
    "Located",
    "ParquetTable",
    "catalog_frame",
    "check_range",
    "choice_column",
    "country_code",
    "date_column",
    "float_column_fast",
    "guard_parquet",
    "indicator_rows",
    "int_column_fast",
    "is_aggregate",
    "map_column_fast",
    "pq_count",
    "pq_date",
    "pq_float",
    "pq_map",
    "pq_text",
    "pq_unique",
    "read_parquet",
    "store_yearly",
    "summed_rows",
]

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


# ---------------------------------------------------------------------------------------------
# Parquet


# ---------------------------------------------------------------------------------------------
# CSV helpers (on top of base.read_csv)
#
# The `*_fast` column readers are for the 100k-row CSVs (partner_aid), where base's readers,
# which clean every cell through Python, cost a few tenths of a second per column. Each checks
# the whole column vectorised and, on anything irregular, hands the column to the base reader,
# which raises its own error (or accepts a harmless irregularity such as a thousands
# separator). Results and errors are therefore base's own.


# ---------------------------------------------------------------------------------------------
# Indicators

# The columns of the shared views are `_indicators`' (one layout for every indicator source).


def indicator_rows(
    defn: Indicator, iso3: pd.Series, year: pd.Series, value: pd.Series, source: str, release: str
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


def summed_rows(
    defn: Indicator, frame: pd.DataFrame, code: str, year: str, value: str, source: str, release: str
) -> pd.DataFrame:
    """Indicator rows of `value` summed over the rows of `frame` that share a (code, year)."""
    sums = frame.groupby([code, year], as_index=False)[value].sum()
    return indicator_rows(defn, sums[code], sums[year], sums[value], source, release)


@dataclass(frozen=True)
class IndicatorTables:
    """A context source's `ind_<dataset>` and `cat_<dataset>` tables, which the sync appends to
    the shared `indicators` and `indicator_catalog` views: named, described and built one way."""

    dataset: str
    description: str
    licence: str  # of every indicator the dataset defines
    defs: tuple[Indicator, ...]

    @property
    def specs(self) -> list[TableSpec]:
        """The two TableSpecs, values first."""
        return [
            TableSpec(name=f"ind_{self.dataset}", description=self.description, append_to="indicators"),
            TableSpec(
                name=f"cat_{self.dataset}", description=self.description, append_to="indicator_catalog"
            ),
        ]

    def frames(self, parts: Sequence[pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """The indicator rows (`parts`, each from `indicator_rows`) and the catalog, by table name."""
        return {
            f"ind_{self.dataset}": pd.concat(parts, ignore_index=True),
            f"cat_{self.dataset}": catalog_frame(self.defs, self.dataset, self.licence).astype("str"),
        }

    def add(self, out: Parsed, parts: Sequence[pd.DataFrame]) -> None:
        """Put both tables into `out`."""
        out.frames.update(self.frames(parts))
        out.tables += self.specs


def store_yearly(
    out: Parsed, spec: TableSpec, frame: pd.DataFrame, key: str, rows: int, release: str
) -> None:
    """Put a table with a `year` column into `out`, stamped with its release, with its file's
    data rows and year span."""
    frame["release_id"] = release
    out.frames[spec.name] = frame
    out.tables.append(spec)
    out.rows[key] = rows
    out.periods[key] = (str(frame["year"].min()), str(frame["year"].max()))

"""World Bank WDI: the API bulk CSVs (GDP per capita PPP, population, inflation, homicide rate)
and the poverty headcount long files, as `wdi.*` indicators.

The Metadata_Country file says which codes are economies (non-empty Region) and which are the
Bank's aggregates (regions, income groups); aggregates are kept and flagged, never mixed in.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.countries import canonical_code
from corridor.sources._indicators import (
    Indicator,
    Part,
    entity_columns,
    finish,
    rows,
    tables,
    year_span,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    RawTable,
    ceiling,
    check_unique,
    floats,
    read_csv,
    wide_values,
    year_column,
)

WB_PUBLISHER = "World Bank (World Development Indicators)"
WB_LICENCE = "CC BY 4.0 (World Bank open data terms)"
WB_FIXED = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
WB_SKIPROWS = 4
META_COLUMNS = ("Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName")
POVERTY_COLUMNS = (
    "year",
    "entity_code",
    "entity_name",
    "indicator_code",
    "value",
    "indicator_name",
)
# Codes in the API files that the metadata file does not list; none is an economy.
WB_UNLISTED = {"INX": "Not classified"}


def wb_url(code: str) -> str:
    return f"https://data.worldbank.org/indicator/{code}"


@dataclass(frozen=True)
class WbSeries:
    """One WDI series: its file, the code its rows must carry, and its Corridor indicator."""

    key: str
    path: str
    code: str
    published: str
    indicator: Indicator
    label: str = ""  # poverty files: the exact indicator_name (guards the 2025 PPP revision)


def _ind(id_: str, name: str, unit: str, code: str, note: str = "") -> Indicator:
    desc = f"{name}. WDI series {code}." + (f" {note}" if note else "")
    return Indicator(id_, name, unit, desc, wb_url(code))


API_SERIES = (
    WbSeries(
        "gdp_pc_ppp",
        "worldbank/API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_20423.csv",
        "NY.GDP.PCAP.PP.KD",
        "2025-07-01",
        _ind(
            "wdi.gdp_pc_ppp",
            "GDP per capita, PPP (constant 2021 international $)",
            "constant 2021 international $",
            "NY.GDP.PCAP.PP.KD",
        ),
    ),
    WbSeries(
        "gdp_pc_ppp_current",
        "worldbank/API_NY.GDP.PCAP.PP.CD_DS2_en_csv_v2_216039.csv",
        "NY.GDP.PCAP.PP.CD",
        "2025-10-07",
        _ind(
            "wdi.gdp_pc_ppp_current",
            "GDP per capita, PPP (current international $)",
            "current international $",
            "NY.GDP.PCAP.PP.CD",
        ),
    ),
    WbSeries(
        "population",
        "worldbank/API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv",
        "SP.POP.TOTL",
        "2025-10-07",
        _ind("wdi.population", "Population, total", "people", "SP.POP.TOTL"),
    ),
    WbSeries(
        "inflation",
        "worldbank/API_FP.CPI.TOTL.ZG_DS2_en_csv_v2_122376.csv",
        "FP.CPI.TOTL.ZG",
        "2025-07-01",
        _ind(
            "wdi.inflation",
            "Inflation, consumer prices (annual %)",
            "% per year",
            "FP.CPI.TOTL.ZG",
        ),
    ),
    WbSeries(
        "homicide",
        "worldbank/API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv",
        "VC.IHR.PSRC.P5",
        "2026-02-24",
        _ind(
            "wdi.homicide_rate",
            "Intentional homicides (per 100,000 people)",
            "per 100,000 people",
            "VC.IHR.PSRC.P5",
            "Source: UNODC International Homicide Statistics. Read from the World Bank's "
            "Spanish-language export, joined on ISO3 codes.",
        ),
    ),
)

_POV = "Poverty headcount ratio at {} (% of population)"
POVERTY_NOTE = (
    "Survey years only. June 2025 revision of the international poverty lines (2021 PPP); "
    "older copies of SI.POV.DDAY meant $2.15 a day (2017 PPP)."
)
POVERTY_SERIES = tuple(
    WbSeries(
        key,
        f"worldbank/poverty/{code}.csv",
        code,
        "2025-06-17",
        _ind(
            id_,
            _POV.format(line),
            "% of population",
            code,
            POVERTY_NOTE if "PPP" in line else "Survey years only; national poverty lines.",
        ),
        _POV.format(line),
    )
    for key, code, id_, line in (
        ("poverty_300", "SI.POV.DDAY", "wdi.poverty_300", "$3.00 a day (2021 PPP)"),
        ("poverty_420", "SI.POV.LMIC", "wdi.poverty_420", "$4.20 a day (2021 PPP)"),
        ("poverty_830", "SI.POV.UMIC", "wdi.poverty_830", "$8.30 a day (2021 PPP)"),
        ("poverty_national", "SI.POV.NAHC", "wdi.poverty_national", "national poverty lines"),
    )
)
META = FileSpec(
    key="country_metadata",
    max_rows=ceiling(278),
    mirror_path="worldbank/Metadata_Country_API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_20423.csv",
    url=wb_url("NY.GDP.PCAP.PP.KD"),
    publisher=WB_PUBLISHER,
    licence=WB_LICENCE,
    published="2025-07-01",
)


# Lines of each published file (one per economy or aggregate; per year in the long ones).
PUBLISHED_ROWS = {"poverty_300": 2_858, "poverty_420": 2_858, "poverty_830": 2_858, "poverty_national": 1_051}


def _spec(s: WbSeries) -> FileSpec:
    return FileSpec(
        key=s.key,
        mirror_path=s.path,
        url=wb_url(s.code),
        publisher=WB_PUBLISHER,
        licence=WB_LICENCE,
        published=s.published,
        max_rows=ceiling(PUBLISHED_ROWS.get(s.key, 271)),
    )


# ---------------------------------------------------------------------------------------------
# Readers shared with the `countries` source


def wb_year_columns(path: Path) -> tuple[str, ...]:
    """The year columns of a WB API CSV header (line 5): consecutive years from 1960."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty", row=WB_SKIPROWS + 1, column=WB_FIXED[0])
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid utf-8 text ({exc.reason})", row=line) from None
    if len(lines) <= WB_SKIPROWS:
        raise InputError(path, "file ends before its header row", row=len(lines))
    header = [h.strip() for h in next(csv.reader(io.StringIO(lines[WB_SKIPROWS])), [])]
    rest = header[len(WB_FIXED) :]
    while rest and rest[-1] == "":
        rest.pop()
    if not rest:
        raise InputError(path, "no year columns in the header", row=WB_SKIPROWS + 1)
    for i, cell in enumerate(rest):
        expected = str(1960 + i)
        if cell != expected:
            raise InputError(
                path,
                f"expected year column {expected!r}, found {cell!r}; the layout changed",
                row=WB_SKIPROWS + 1,
                column=expected,
            )
    return tuple(rest)


def read_wb_wide(path: Path, code: str) -> tuple[RawTable, tuple[str, ...]]:
    """A WB API bulk CSV (one series, all economies): checked header, codes unique."""
    years = wb_year_columns(path)
    t = read_csv(
        path,
        columns=(*WB_FIXED, *years),
        skiprows=WB_SKIPROWS,
        extra_columns="ignore_blank",
    )
    for i, found in enumerate(t.frame["Indicator Code"].tolist()):
        if str(found).strip() != code:
            raise t.error(f"expected indicator {code}, found {found!r}", index=i, column="Indicator Code")
    check_unique(t, t.frame, ["Country Code"], "Country Code")
    return t, years


def _check_quotes_closed(path: Path) -> None:
    """The metadata notes are quoted and span lines; a cut file leaves a quote open, which
    the CSV parser would report without a row. Report it here, at the last line."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if text.strip() and text.count('"') % 2:
        raise InputError(
            path,
            "a quoted field is not closed; the file looks truncated or damaged",
            row=len(text.splitlines()),
        )


def read_wb_metadata(path: Path) -> tuple[RawTable, dict[str, tuple[str, bool]]]:
    """The Metadata_Country file -> {WB code: (Corridor code, is_aggregate)}.

    An economy's code must be a known country code; an aggregate keeps the Bank's code.
    """
    _check_quotes_closed(path)
    t = read_csv(path, columns=META_COLUMNS, extra_columns="ignore_blank")
    check_unique(t, t.frame, ["Country Code"], "Country Code")
    out: dict[str, tuple[str, bool]] = {}
    for i, (code, region) in enumerate(
        zip(t.frame["Country Code"].tolist(), t.frame["Region"].tolist(), strict=True)
    ):
        code = str(code).strip()
        if not re.fullmatch(r"[A-Z0-9]{3}", code):
            raise t.error(f"not a World Bank code: {code!r}", index=i, column="Country Code")
        if str(region).strip():
            try:
                out[code] = (canonical_code(code), False)
            except KeyError:
                raise t.error(f"unknown country code {code!r}", index=i, column="Country Code") from None
        else:
            out[code] = (code, True)
    for code in WB_UNLISTED:
        out.setdefault(code, (code, True))
    return t, out


def wb_wide_long(t: RawTable, years: tuple[str, ...], known: dict[str, tuple[str, bool]]) -> pd.DataFrame:
    """Non-empty cells of a WB wide table as (iso3, is_aggregate, year, value).

    `known` maps WB codes to (Corridor code, is_aggregate); a code it lacks raises.
    """
    iso3, agg = entity_columns(t, "Country Code", known.__getitem__)
    matrix = wide_values(t, years, floats)
    r, c = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame(
        {
            "iso3": iso3.to_numpy()[r],
            "is_aggregate": agg.to_numpy()[r],
            "year": np.asarray([int(y) for y in years], dtype="int64")[c],
            "value": matrix[r, c],
        }
    )


# ---------------------------------------------------------------------------------------------


class WdiSource:
    """WDI API bulk CSVs plus the poverty long files; aggregates flagged via the metadata."""

    id = "wdi"
    title = "World Bank WDI: income, population, inflation, homicide, poverty"
    files: tuple[FileSpec, ...] = (META, *(_spec(s) for s in API_SERIES), *(_spec(s) for s in POVERTY_SERIES))

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={}, tables=tables(self.id, self.title))
        meta, known = read_wb_metadata(paths[META.key])
        out.rows[META.key] = len(meta)
        parts = []
        for s in API_SERIES:
            t, years = read_wb_wide(paths[s.key], s.code)
            long = wb_wide_long(t, years, known)
            parts.append(
                rows(
                    s.indicator,
                    long["iso3"],
                    long["is_aggregate"],
                    long["year"],
                    long["value"],
                    releases[s.key],
                )
            )
            out.rows[s.key] = len(t)
            out.periods[s.key] = year_span(long["year"])
        for s in POVERTY_SERIES:
            parts.append(self._poverty(paths[s.key], s, known, releases[s.key], out))
        finish(out, self.id, parts, [s.indicator for s in (*API_SERIES, *POVERTY_SERIES)], WB_LICENCE)
        return out

    def _poverty(
        self,
        path: Path,
        s: WbSeries,
        known: dict[str, tuple[str, bool]],
        release: str,
        out: Parsed,
    ) -> Part:
        t = read_csv(path, columns=POVERTY_COLUMNS)
        for col, expected in (("indicator_code", s.code), ("indicator_name", s.label)):
            cells = t.frame[col]
            bad = np.flatnonzero(cells.str.strip().to_numpy() != expected)
            if len(bad):
                raise t.error(
                    f"expected {expected!r}, found {cells.iloc[bad[0]]!r} (a different series or "
                    "poverty-line vintage)",
                    index=int(bad[0]),
                    column=col,
                )
        iso3, agg = entity_columns(t, "entity_code", known.__getitem__)
        year = year_column(t, "year")
        value = floats(t, "value")
        check_unique(t, pd.DataFrame({"iso3": iso3, "year": year}), ["iso3", "year"], "year")
        out.rows[s.key] = len(t)
        out.periods[s.key] = year_span(year)
        return rows(s.indicator, iso3, agg, year, value, release)

"""UNHCR Refugee Population Statistics: asylum applications and decisions, year-end populations.

Applications and decisions are counted either in persons (`P`) or in cases (`C`), depending on
the asylum country and year (e.g. the USA counts some applications in cases). The tables keep
both, flagged; the indicators sum persons only and say so, so the two units never mix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    is_aggregate,
    store_yearly,
    summed_rows,
)
from corridor.sources._files import release_files
from corridor.sources.base import (
    ParquetTable,
    Parsed,
    TableSpec,
    check_range,
    check_unique,
    pq_count,
    pq_map,
    pq_text,
    pq_unique,
    read_csv,
    read_parquet,
)

ID = "unhcr"
URL = "https://www.unhcr.org/refugee-statistics/"
LICENCE = "CC BY 4.0"
PUBLISHER = "UNHCR (R package `refugees` 2025.12.1, Global Trends 2025 release)"

LOCATION = ("year", "coo_name", "coo", "coo_iso", "coa_name", "coa", "coa_iso")
NAMES = ("coo_name", "coa_name")  # display names; unhcr_countries.csv has them
POP_COUNTS = (
    "refugees",
    "asylum_seekers",
    "returned_refugees",
    "idps",
    "returned_idps",
    "stateless",
    "ooc",
    "oip",
    "hst",
)
POP_COLUMNS = (*LOCATION, *POP_COUNTS)
APP_COLUMNS = (*LOCATION, "procedure_type", "app_type", "dec_level", "app_pc", "applied")
DEC_COUNTS = ("dec_recognized", "dec_other", "dec_rejected", "dec_closed", "dec_total")
DEC_COLUMNS = (*LOCATION, "procedure_type", "dec_level", "dec_pc", *DEC_COUNTS)
COUNTRY_COLUMNS = (
    "iso_code",
    "unhcr_code",
    "name",
    "unhcr_region",
    "unsd_region",
    "unsd_subregion",
    "unsd_imregion",
)

# Code lists of UNHCR's data documentation; a code outside them raises.
PROCEDURE_TYPES = {"G", "U", "J"}  # government, UNHCR, joint
APP_TYPES = {"N", "V", "A", "R", "NR", "J", "NA", "RA", "FA", "SP"}
DEC_LEVELS = {"FI", "AR", "RA", "FA", "EO", "IN", "JR", "NA", "TA", "SP", "CA", "BL", "TP", "TR"}
UNITS = {"P": "persons", "C": "cases"}
# The code list writes Unknown as XXX where the data files write UNK.
COUNTRY_LIST_CODES = {"XXX": "UNK"}

POPULATION = TableSpec(
    name="refugee_population",
    description=(
        "UNHCR year-end populations by origin x asylum country (persons): refugees, asylum "
        "seekers, returned refugees, IDPs, returned IDPs, stateless, others of concern (ooc), "
        "other people in need of international protection (oip, from 2018; NULL before), "
        "host community (hst)."
    ),
)
APPLICATIONS = TableSpec(
    name="asylum_applications",
    description=(
        "UNHCR asylum applications lodged by year x origin x asylum country x procedure type "
        "(G government, U UNHCR, J joint) x application type x decision level. `unit` says "
        "whether `applied` counts persons or cases (UNHCR's app_pc P/C): never sum across units."
    ),
)
DECISIONS = TableSpec(
    name="asylum_decisions",
    description=(
        "UNHCR asylum decisions by year x origin x asylum country x procedure x decision level: "
        "recognized, complementary protection (other), rejected, otherwise closed, total. "
        "`unit` is persons or cases (UNHCR's dec_pc). Totals are as published; in some rows they differ "
        "from the sum of the parts."
    ),
)
COUNTRIES = TableSpec(
    name="unhcr_countries",
    description="UNHCR country code list: UNHCR code, ISO3, name, UNHCR and UN SDG regions.",
)

_PERSONS_NOTE = (
    "Counted in persons only: rows UNHCR reports in cases (app_pc = C; unit = 'cases' in "
    "table asylum_applications) are left out, not converted. All procedure and application types "
    "(new, repeat, appeal, ...) are included, as in UNHCR's 'applications lodged'."
)
APPS_IN_MEX = Indicator(
    id="unhcr.asylum_apps_in_mex",
    name="Asylum applications lodged in Mexico, by origin",
    description="Asylum applications lodged in Mexico by nationals of the country, per year "
    "(UNHCR; a proxy for COMAR's statistics). " + _PERSONS_NOTE,
    unit="persons",
    url=URL,
)
APPS_IN_CRI = Indicator(
    id="unhcr.asylum_apps_in_cri",
    name="Asylum applications lodged in Costa Rica, by origin",
    description="Asylum applications lodged in Costa Rica by nationals of the country, per year "
    "(UNHCR). Costa Rica reported cases, not persons, in 2000-2004, so those years are absent. "
    + _PERSONS_NOTE,
    unit="persons",
    url=URL,
)
REFUGEES_FROM = Indicator(
    id="unhcr.refugees_from",
    name="Refugees, asylum seekers and others in need of protection from the country",
    description="Year-end stock of refugees + asylum seekers + other people in need of "
    "international protection (oip, reported from 2018) originating from the country, summed "
    "over all asylum countries (UNHCR).",
    unit="persons",
    url=URL,
)
REFUGEES_IN = Indicator(
    id="unhcr.refugees_in",
    name="Refugees, asylum seekers and others in need of protection hosted by the country",
    description="Year-end stock of refugees + asylum seekers + oip hosted by the country as "
    "asylum country, summed over all origins (UNHCR).",
    unit="persons",
    url=URL,
)
IND = IndicatorTables(ID, "UNHCR indicators", LICENCE, (APPS_IN_MEX, APPS_IN_CRI, REFUGEES_FROM, REFUGEES_IN))


class UnhcrSource:
    """UNHCR asylum applications, decisions and year-end populations (2000-2025 / 1951-2025)."""

    id = ID
    title = "UNHCR refugee population statistics"
    files = release_files(
        (
            ("population", "unhcr/unhcr_population.parquet", 138_893),
            ("asylum_applications", "unhcr/unhcr_asylum_applications.parquet", 120_597),
            ("asylum_decisions", "unhcr/unhcr_asylum_decisions.parquet", 113_929),
            ("countries", "unhcr/unhcr_countries.csv", 233),
        ),
        url="https://github.com/PopulationStatistics/refugees",
        publisher=PUBLISHER,
        licence=LICENCE,
        published="2025-12-01",
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        countries = self._countries(paths["countries"], releases["countries"], out)
        pop = self._population(paths["population"], releases["population"], countries, out)
        apps = self._applications(
            paths["asylum_applications"], releases["asylum_applications"], countries, out
        )
        self._decisions(paths["asylum_decisions"], releases["asylum_decisions"], countries, out)
        parts = [
            _apps_in(apps, "MEX", APPS_IN_MEX, releases["asylum_applications"]),
            _apps_in(apps, "CRI", APPS_IN_CRI, releases["asylum_applications"]),
            _stock(pop, "origin_iso3", REFUGEES_FROM, releases["population"]),
            _stock(pop, "asylum_iso3", REFUGEES_IN, releases["population"]),
        ]
        IND.add(out, parts)
        return out

    def _countries(self, path: Path, release: str, out: Parsed) -> dict[str, str | None]:
        """The code list; returns UNHCR code -> ISO3 (None where the list gives none)."""
        t = read_csv(path, columns=COUNTRY_COLUMNS)
        frame = t.frame.apply(lambda s: s.str.strip())
        check_unique(t, frame, ["unhcr_code"], "unhcr_code")
        iso: list[str | None] = []
        for i, raw in enumerate(frame["iso_code"].tolist()):
            if raw == "":
                iso.append(None)
                continue
            try:
                iso.append(country_code(raw, COUNTRY_LIST_CODES))
            except KeyError:
                raise t.error(f"unknown country code {raw!r}", index=i, column="iso_code") from None
        for i, code in enumerate(frame["unhcr_code"].tolist()):
            if not code.isalpha() or not 2 <= len(code) <= 4:
                raise t.error(f"bad UNHCR code {code!r}", index=i, column="unhcr_code")
        table = pd.DataFrame(
            {
                "unhcr_code": frame["unhcr_code"],
                "iso3": pd.Series(iso, dtype="str"),
                **{c: frame[c].where(frame[c] != "", None).astype("str") for c in COUNTRY_COLUMNS[2:]},
            }
        )
        table["release_id"] = release
        out.frames[COUNTRIES.name] = table
        out.tables.append(COUNTRIES)
        out.rows["countries"] = len(t)
        return dict(zip(table["unhcr_code"], iso, strict=True))

    def _places(self, t: ParquetTable, countries: dict[str, str | None]) -> pd.DataFrame:
        """Year, origin and asylum ISO3 of each row, checked against the UNHCR code list."""
        year = pq_count(t, "year")
        check_range(t, year, "year", 1950, 2100)
        cols = {"year": year.astype("int32")}
        for side, name in (("coo", "origin_iso3"), ("coa", "asylum_iso3")):
            code = pq_text(t, side, allowed=set(countries))
            iso = pq_map(t, f"{side}_iso", country_code, "country code")
            pairs = pd.DataFrame({"code": code, "iso": iso}).drop_duplicates()
            repeated = pairs["code"].duplicated(keep=False)
            for code_value, iso_value, twice in zip(pairs["code"], pairs["iso"], repeated, strict=True):
                listed = countries[code_value]
                if twice or (listed is not None and listed != iso_value):
                    i = int(((code == code_value) & (iso == iso_value)).to_numpy().nonzero()[0][0])
                    expected = "one ISO3 code" if twice else repr(listed)
                    raise t.error(
                        f"UNHCR code {code_value!r} has ISO3 {iso_value!r}; expected {expected} "
                        "(unhcr_countries.csv)",
                        index=i,
                        column=f"{side}_iso",
                    )
            cols[name] = iso.astype("str")
            cols[name.replace("iso3", "is_aggregate")] = is_aggregate(iso)
            cols[f"_{side}"] = code
        return pd.DataFrame(cols)

    def _population(
        self, path: Path, release: str, countries: dict[str, str | None], out: Parsed
    ) -> pd.DataFrame:
        t = read_parquet(path, columns=POP_COLUMNS, skip=NAMES)
        frame = self._places(t, countries)
        pq_unique(t, frame, ["year", "_coo", "_coa"], "coa")
        for col in POP_COUNTS:
            frame[col] = pq_count(t, col, allow_null=col == "oip")
        frame = frame.drop(columns=["_coo", "_coa"])
        store_yearly(out, POPULATION, frame, "population", len(t), release)
        return frame

    def _applications(
        self, path: Path, release: str, countries: dict[str, str | None], out: Parsed
    ) -> pd.DataFrame:
        t = read_parquet(path, columns=APP_COLUMNS, skip=NAMES)
        frame = self._places(t, countries)
        frame["procedure_type"] = pq_text(t, "procedure_type", allowed=PROCEDURE_TYPES)
        frame["app_type"] = pq_text(t, "app_type", allowed=APP_TYPES)
        frame["dec_level"] = pq_text(t, "dec_level", allowed=DEC_LEVELS)
        frame["unit"] = pq_text(t, "app_pc", allowed=set(UNITS)).map(UNITS).astype("str")
        keys = ["year", "_coo", "_coa", "procedure_type", "app_type", "dec_level", "unit"]
        pq_unique(t, frame, keys, "app_pc")
        frame["applied"] = pq_count(t, "applied")
        frame = frame.drop(columns=["_coo", "_coa"])
        store_yearly(out, APPLICATIONS, frame, "asylum_applications", len(t), release)
        return frame

    def _decisions(self, path: Path, release: str, countries: dict[str, str | None], out: Parsed) -> None:
        t = read_parquet(path, columns=DEC_COLUMNS, skip=NAMES)
        frame = self._places(t, countries)
        frame["procedure_type"] = pq_text(t, "procedure_type", allowed=PROCEDURE_TYPES)
        frame["dec_level"] = pq_text(t, "dec_level", allowed=DEC_LEVELS)
        frame["unit"] = pq_text(t, "dec_pc", allowed=set(UNITS)).map(UNITS).astype("str")
        keys = ["year", "_coo", "_coa", "procedure_type", "dec_level", "unit"]
        pq_unique(t, frame, keys, "dec_pc")
        names = {
            "dec_recognized": "recognized",
            "dec_other": "complementary",
            "dec_rejected": "rejected",
            "dec_closed": "closed",
            "dec_total": "total",
        }
        for col, name in names.items():
            frame[name] = pq_count(t, col)
        frame = frame.drop(columns=["_coo", "_coa"])
        store_yearly(out, DECISIONS, frame, "asylum_decisions", len(t), release)


def _apps_in(apps: pd.DataFrame, asylum: str, defn: Indicator, release: str) -> pd.DataFrame:
    """Applications lodged in one asylum country by origin-year, persons only."""
    rows = apps[(apps["asylum_iso3"] == asylum) & (apps["unit"] == "persons")]
    return summed_rows(defn, rows, "origin_iso3", "year", "applied", ID, release)


def _stock(pop: pd.DataFrame, by: str, defn: Indicator, release: str) -> pd.DataFrame:
    """Refugees + asylum seekers + oip by origin (or asylum) country and year."""
    total = pop["refugees"] + pop["asylum_seekers"] + pop["oip"].fillna(0)
    rows = pd.DataFrame({"iso3": pop[by], "year": pop["year"], "v": total})
    return summed_rows(defn, rows, "iso3", "year", "v", ID, release)

"""Femicides (ECLAC Gender Equality Observatory, CEPALSTAT indicator 2780): the number of women
aged 15 and over killed for gender reasons, as each country's law defines femicide or feminicide,
by country and calendar year.

Two workbooks: the data export (sheet `datos`: year, country name in Spanish, count) and its
metadata export, which must describe indicator 2780 in absolute numbers and names each country's
national source. National sources differ (Guatemala: judiciary and public prosecutor; Honduras:
the IUDPAS-UNAH observatory; El Salvador: attorney general), so each country is comparable with
itself over time, not with other countries. Counts only: a rate per 100,000 women is derived by
Corridor where World Bank female population is loaded (see `corridor.indicators.femicide_rate`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.errors import InputError
from corridor.sources._context_common import Indicator, IndicatorTables, indicator_rows
from corridor.sources._files import release_files
from corridor.sources.base import (
    Parsed,
    TableSpec,
    check_unique,
    int_column,
    map_column,
    open_workbook,
    read_sheet,
)

ID = "femicides"
URL = "https://statistics.cepal.org/portal/cepalstat/dashboard.html?indicator_id=2780&lang=en"
LICENCE = "CEPALSTAT terms: reuse with attribution (ECLAC, United Nations)"
INDICATOR_ID = 2780
FIRST_YEAR, LAST_YEAR = 2000, 2030
COLUMNS = ("Años__ESTANDAR", "País__ESTANDAR", "Número de femicidios o feminicidios")
# CEPALSTAT's Spanish country names -> ISO3 (unknown names raise).
COUNTRIES = {
    "Anguila": "AIA",
    "Argentina": "ARG",
    "Belice": "BLZ",
    "Bolivia (Estado Plurinacional de)": "BOL",
    "Brasil": "BRA",
    "Chile": "CHL",
    "Colombia": "COL",
    "Costa Rica": "CRI",
    "Cuba": "CUB",
    "Dominica": "DMA",
    "Ecuador": "ECU",
    "El Salvador": "SLV",
    "Granada": "GRD",
    "Guatemala": "GTM",
    "Guyana": "GUY",
    "Honduras": "HND",
    "Islas Vírgenes Británicas": "VGB",
    "Jamaica": "JAM",
    "México": "MEX",
    "Nicaragua": "NIC",
    "Panamá": "PAN",
    "Paraguay": "PRY",
    "Perú": "PER",
    "Puerto Rico": "PRI",
    "República Dominicana": "DOM",
    "Saint Kitts y Nevis": "KNA",
    "San Vicente y las Granadinas": "VCT",
    "Santa Lucía": "LCA",
    "Suriname": "SUR",
    "Trinidad y Tabago": "TTO",
    "Uruguay": "URY",
    "Venezuela (República Bolivariana de)": "VEN",
}

FEMICIDES = TableSpec(
    name="femicides",
    description=(
        "Femicides (women aged 15+ killed for gender reasons, as each national law defines it) by "
        "country and calendar year, ECLAC CEPALSTAT indicator 2780 (exported 2023-06-27). Counts; "
        "national sources differ (`national_source`, from ECLAC's metadata; NULL where it names none), "
        "so compare each country with itself, not across countries."
    ),
)
COUNT = Indicator(
    id="eclac.femicides",
    name="Femicides or feminicides (count)",
    description="Women aged 15 and over killed for gender reasons, as the national law defines "
    "femicide or feminicide (ECLAC Gender Equality Observatory, CEPALSTAT 2780). National sources "
    "and definitions differ: compare a country with itself over time.",
    unit="women killed (count)",
    url=URL,
)
IND = IndicatorTables(ID, "Femicides (ECLAC)", LICENCE, (COUNT,))


class FemicidesSource:
    """ECLAC femicide counts by country and year, with the metadata that identifies them."""

    id = ID
    title = "Femicides by country and year (ECLAC Gender Equality Observatory, CEPALSTAT 2780)"
    # The export and its metadata: one release, published together.
    files = release_files(
        (
            ("data", "gender_violence/cepalstat_2780_femicides_20230627.xlsx", None),
            ("metadata", "gender_violence/cepalstat_2780_femicides_metadata_20230627.xlsx", None),
        ),
        url=URL,
        publisher="UN Economic Commission for Latin America and the Caribbean (ECLAC), CEPALSTAT",
        licence=LICENCE,
        published="2023-06-27",
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        sources = _metadata(paths["metadata"])
        t = read_sheet(paths["data"], "datos", columns=COLUMNS, header_row=1)
        year = int_column(t, COLUMNS[0])
        bad = (year < FIRST_YEAR) | (year > LAST_YEAR)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise t.error(f"implausible year {int(year.iloc[i])}", index=i, column=COLUMNS[0])
        iso = map_column(t, COLUMNS[1], lambda s: COUNTRIES[s], "country")
        frame = pd.DataFrame(
            {
                "year": year.astype("int32"),
                "country": t.frame[COLUMNS[1]].map(lambda v: str(v).strip()).astype("str"),
                "iso3": iso.astype("str"),
                "femicides": int_column(t, COLUMNS[2]),
            }
        )
        check_unique(t, frame, ["iso3", "year"], COLUMNS[0])
        frame = frame.sort_values(["iso3", "year"], ignore_index=True)
        named = dict(zip(sources["iso3"], sources["national_source"], strict=True))
        frame["national_source"] = frame["iso3"].map(named).astype("str")
        frame.loc[~frame["iso3"].isin(named.keys()), "national_source"] = None
        frame["release_id"] = releases["data"]
        indicators = indicator_rows(
            COUNT, frame["iso3"], frame["year"], frame["femicides"], ID, releases["data"]
        )
        return Parsed(
            frames={FEMICIDES.name: frame, **IND.frames([indicators])},
            tables=[FEMICIDES, *IND.specs],
            rows={"data": len(t), "metadata": len(sources)},
            periods={
                "data": (str(frame["year"].min()), str(frame["year"].max())),
                "metadata": (str(frame["year"].min()), str(frame["year"].max())),
            },
        )


def _metadata(path: Path) -> pd.DataFrame:
    """Check that the metadata describe indicator 2780 in absolute numbers; read the national sources."""
    wb = open_workbook(path)
    meta = read_sheet(path, "metadatos", columns=("metadata", "value"), header_row=1, workbook=wb)
    fields = {
        str(k).strip(): (i, v) for i, (k, v) in enumerate(meta.frame.itertuples(index=False, name=None))
    }
    for key, expected in (("indicator_id", str(INDICATOR_ID)), ("unit", "Número absoluto")):
        if key not in fields:
            raise meta.error(f"no {key!r} row in the metadata", column="metadata")
        i, value = fields[key]
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        if text != expected:
            raise meta.error(f"{key} is {text!r}, expected {expected!r}", index=i, column="value")
    src = read_sheet(
        path,
        "fuentes",
        columns=("id", "organization_name", "description", "organization_url", "organization_acronym"),
        header_row=1,
        workbook=wb,
    )
    iso = map_column(src, "organization_acronym", lambda s: COUNTRIES[s], "country")
    out = pd.DataFrame(
        {
            "country": src.frame["organization_acronym"].map(lambda v: str(v).strip()).astype("str"),
            "iso3": iso.astype("str"),
            "national_source": src.frame["description"].map(lambda v: " ".join(str(v).split())).astype("str"),
        }
    )
    if (out["national_source"] == "").any():
        i = int((out["national_source"] == "").to_numpy().nonzero()[0][0])
        raise src.error("empty national source", index=i, column="description")
    check_unique(src, out, ["iso3"], "organization_acronym")
    if out.empty:
        raise InputError(path, "no national sources listed", sheet="fuentes")
    return out

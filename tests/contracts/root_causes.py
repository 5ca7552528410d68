"""Source contracts for the root-cause indicator datasets and the country reference.

Every raw figure is computed here with plain pandas straight from the published file (never with
Corridor's parsers) and compared with SQL on the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.contracts import BadInput, Check, Contract

WB = "worldbank"
WB_GDP = f"{WB}/API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_20423.csv"
WB_POP = f"{WB}/API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv"
WB_HOMICIDE = f"{WB}/API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv"
WB_META = f"{WB}/Metadata_Country_API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_20423.csv"


def _wb_wide(data: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(data / name, skiprows=4)
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")]


def _wb_economies(data: Path) -> set[str]:
    meta = pd.read_csv(data / WB_META)
    return set(meta.loc[meta["Region"].notna(), "Country Code"])


def _wb_aggregates(data: Path) -> set[str]:
    meta = pd.read_csv(data / WB_META)
    return set(meta.loc[meta["Region"].isna(), "Country Code"])


def _gdp_economies_2024(data: Path) -> float:
    gdp = _wb_wide(data, WB_GDP)
    return float(gdp.loc[gdp["Country Code"].isin(_wb_economies(data)), "2024"].sum())


def _population_cells(data: Path) -> float:
    pop = _wb_wide(data, WB_POP)
    years = [c for c in pop.columns if c.isdigit()]
    return float(pop[years].notna().sum().sum())


def _homicide_aggregate_cells(data: Path) -> float:
    hom = _wb_wide(data, WB_HOMICIDE)
    years = [c for c in hom.columns if c.isdigit()]
    agg = ~hom["Country Code"].isin(_wb_economies(data))  # aggregates and 'not classified'
    return float(hom.loc[agg, years].notna().sum().sum())


def _poverty(data: Path, code: str) -> pd.DataFrame:
    return pd.read_csv(data / WB / "poverty" / f"{code}.csv")


def _gdidata_wdi(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / WB / "iom_gdidata_wdi.csv")


def _remittances_pct_gdp(data: Path, iso3: str, year: int) -> float:
    w = _gdidata_wdi(data)
    sel = w[(w["geo"] == iso3) & (w["t"] == year)].set_index("var")["v"]
    return float(sel["remin"] / sel["gdp"] * 100)


def _wgi(data: Path) -> pd.DataFrame:
    return pd.read_excel(data / "governance" / "wgidataset.xlsx", sheet_name="Sheet1", engine="calamine")


def _wgi_present(data: Path, dim: str) -> float:
    w = _wgi(data)
    return float(((w["indicator"] == dim) & (w["estimate"] != "..")).sum())


def _wgi_sum(data: Path, dim: str, year: int, column: str) -> float:
    w = _wgi(data)
    sel = w[(w["indicator"] == dim) & (w["year"] == year) & (w[column] != "..")]
    return float(pd.to_numeric(sel[column]).sum())


def _wgi_value(data: Path, iso3: str, dim: str, year: int) -> float:
    w = _wgi(data)
    sel = w[(w["code"] == iso3) & (w["indicator"] == dim) & (w["year"] == year)]
    return float(sel["estimate"].iloc[0])


def _wgi_missing(data: Path) -> float:
    return float((_wgi(data)["estimate"] == "..").sum())


def _cpi(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "governance" / "CPI2024_GlobalResultsTrends.csv", sep=";", skiprows=2)


def _cpi_scored(data: Path) -> float:
    cpi = _cpi(data)
    return float(cpi[[c for c in cpi.columns if c.lower().startswith("cpi score")]].notna().sum().sum())


def _fsi(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "governance" / "iom_gdidata_fsi.csv")


def _fsi_total(data: Path, year: int) -> float:
    f = _fsi(data)
    return float(f[f["t"] == year].drop_duplicates(["geo", "t"])["total"].sum())


def _emdat(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "disasters" / "iom_gdidata_emdat_disaster.csv")


def _owid(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "disasters" / "owid_natural_disasters_emdat.csv")


def _aid(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "aid" / "us_foreign_aid_country.csv", dtype={"Fiscal Year": str})


def _aid_sum(data: Path, kind: str, fiscal_year: str | None = None) -> float:
    a = _aid(data)
    sel = a["Transaction Type Name"] == kind
    if fiscal_year is not None:
        sel &= a["Fiscal Year"] == fiscal_year
    return float(a.loc[sel, "current_amount"].sum())


def _countrynames(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "iom_gdidata_countrynames.csv")


def _spanish_economies(data: Path) -> float:
    hom = _wb_wide(data, WB_HOMICIDE)
    named = hom["Country Name"].notna() & hom["Country Code"].isin(_wb_economies(data))
    return float(named.sum())


WGI_DIMENSIONS = (
    "control_of_corruption",
    "government_effectiveness",
    "political_stability",
    "regulatory_quality",
    "rule_of_law",
    "voice_accountability",
)
IND = "SELECT {agg}(value) FROM indicators WHERE indicator = '{id}'"

CONTRACTS: list[Contract] = [
    Contract(
        "countries",
        checks=(
            Check(
                "sum of UN M49 codes",
                lambda d: float(_countrynames(d)["m49"].sum()),
                "SELECT sum(m49) FROM countries",
            ),
            Check(
                "World Bank aggregates (+ 'not classified')",
                lambda d: float(len(_wb_aggregates(d)) + 1),
                "SELECT count(*) FROM countries WHERE is_aggregate",
            ),
            Check(
                "economies with a Spanish name",
                _spanish_economies,
                "SELECT count(*) FROM countries WHERE name_es IS NOT NULL AND NOT is_aggregate",
            ),
        ),
        bad_inputs=(
            BadInput("iom_countrynames", header="iso3", number_column="m49"),
            BadInput("country_metadata", header="Region"),
        ),
    ),
    Contract(
        "wdi",
        checks=(
            Check(
                "GDP pc PPP 2024, economies",
                _gdp_economies_2024,
                "SELECT sum(value) FROM indicators WHERE indicator = 'wdi.gdp_pc_ppp' AND year = 2024 "
                "AND NOT is_aggregate",
                tolerance=1e-3,
            ),
            Check(
                "population cells (economies and aggregates)",
                _population_cells,
                IND.format(agg="count", id="wdi.population"),
            ),
            Check(
                "homicide cells of aggregates",
                _homicide_aggregate_cells,
                "SELECT count(*) FROM indicators WHERE indicator = 'wdi.homicide_rate' AND is_aggregate",
            ),
            Check(
                "poverty at $3.00, all rows",
                lambda d: float(_poverty(d, "SI.POV.DDAY")["value"].sum()),
                IND.format(agg="sum", id="wdi.poverty_300"),
                tolerance=1e-6,
            ),
            Check(
                "poverty at national lines, rows",
                lambda d: float(len(_poverty(d, "SI.POV.NAHC"))),
                IND.format(agg="count", id="wdi.poverty_national"),
            ),
        ),
        bad_inputs=(
            BadInput("gdp_pc_ppp", header="Country Code", number_column="2020", skiprows=4),
            BadInput("poverty_300", header="entity_code", number_column="value"),
        ),
    ),
    Contract(
        "iom_wdi",
        checks=(
            Check(
                "remittances received, rows",
                lambda d: float((_gdidata_wdi(d)["var"] == "remin").sum()),
                IND.format(agg="count", id="wdi.remittances_usd"),
            ),
            Check(
                "unemployment, sum",
                lambda d: float(_gdidata_wdi(d).query("var == 'unem'")["v"].sum()),
                IND.format(agg="sum", id="wdi.unemployment"),
                tolerance=1e-6,
            ),
            Check(
                "remittances % of GDP, GTM 2023",
                lambda d: _remittances_pct_gdp(d, "GTM", 2023),
                "SELECT value FROM indicators WHERE indicator = 'wdi.remittances_pct_gdp' "
                "AND iso3 = 'GTM' AND year = 2023",
                tolerance=1e-9,
            ),
        ),
        bad_inputs=(BadInput("wdi_long", header="var", number_column="v"),),
    ),
    Contract(
        "wgi",
        checks=(
            Check(
                "control of corruption, estimates present",
                lambda d: _wgi_present(d, "cc"),
                IND.format(agg="count", id="wgi.control_of_corruption"),
            ),
            Check(
                "rule of law 2023, sum of standard errors",
                lambda d: _wgi_sum(d, "rl", 2023, "stddev"),
                "SELECT sum(value) FROM indicators WHERE indicator = 'wgi.rule_of_law_se' AND year = 2023",
                tolerance=1e-6,
            ),
            Check(
                "Guatemala control of corruption 2023",
                lambda d: _wgi_value(d, "GTM", "cc", 2023),
                "SELECT value FROM indicators WHERE indicator = 'wgi.control_of_corruption' "
                "AND iso3 = 'GTM' AND year = 2023",
                tolerance=1e-9,
            ),
            Check(
                "'..' kept as NULL estimates",
                _wgi_missing,
                "SELECT count(*) FROM indicators WHERE value IS NULL AND indicator IN ("
                + ", ".join(f"'wgi.{d}'" for d in WGI_DIMENSIONS)
                + ")",
            ),
        ),
        bad_inputs=(BadInput("wgi", sheet="Sheet1", header="code", number_column="estimate"),),
    ),
    Contract(
        "ti_cpi",
        checks=(
            Check(
                "2024 scores, sum",
                lambda d: float(_cpi(d)["CPI score 2024"].sum()),
                "SELECT sum(value) FROM indicators WHERE indicator = 'ti.cpi' AND year = 2024",
            ),
            Check("scored country-years", _cpi_scored, IND.format(agg="count", id="ti.cpi")),
            Check(
                "2024 standard errors, sum",
                lambda d: float(_cpi(d)["Standard error 2024"].sum()),
                "SELECT sum(value) FROM indicators WHERE indicator = 'ti.cpi_se' AND year = 2024",
                tolerance=1e-6,
            ),
        ),
        bad_inputs=(BadInput("cpi", header="ISO3", number_column="CPI score 2024", skiprows=2, sep=";"),),
    ),
    Contract(
        "fsi",
        checks=(
            Check(
                "2023 totals, sum",
                lambda d: _fsi_total(d, 2023),
                "SELECT sum(value) FROM indicators WHERE indicator = 'fsi.total' AND year = 2023",
                tolerance=1e-6,
            ),
            Check(
                "C1 security apparatus, rows",
                lambda d: float((_fsi(d)["code"] == "C1").sum()),
                IND.format(agg="count", id="fsi.security_apparatus"),
            ),
            Check(
                "E3 human flight, sum",
                lambda d: float(_fsi(d).query("code == 'E3'")["v"].sum()),
                IND.format(agg="sum", id="fsi.human_flight"),
                tolerance=1e-6,
            ),
        ),
        bad_inputs=(BadInput("fsi", header="code", number_column="v"),),
    ),
    Contract(
        "emdat",
        checks=(
            Check(
                "people affected, all rows summed",
                lambda d: float(_emdat(d)["affected"].sum()),
                IND.format(agg="sum", id="emdat.affected"),
            ),
            Check(
                "storm deaths, all rows summed",
                lambda d: float(_emdat(d).query("type == 'storm'")["deaths"].sum()),
                IND.format(agg="sum", id="emdat.deaths_storm"),
            ),
            Check(
                "events",
                lambda d: float(_emdat(d)["events"].sum()),
                IND.format(agg="sum", id="emdat.events"),
            ),
        ),
        # Rows sharing country, type and year are legitimate (they are summed): no duplicate case.
        bad_inputs=(BadInput("emdat", header="type", number_column="affected", duplicate=False),),
    ),
    Contract(
        "emdat_owid",
        checks=(
            Check(
                "deaths, all entities and years",
                lambda d: float(_owid(d)["deaths_all_disasters"].sum()),
                IND.format(agg="sum", id="owid_emdat.deaths"),
            ),
            Check(
                "country-years with people affected",
                lambda d: float(_owid(d)["total_affected_all_disasters"].notna().sum()),
                IND.format(agg="count", id="owid_emdat.affected"),
            ),
        ),
        bad_inputs=(BadInput("owid_emdat", header="Entity", number_column="deaths_all_disasters"),),
    ),
    Contract(
        "us_aid",
        checks=(
            Check(
                "disbursements FY2024",
                lambda d: _aid_sum(d, "Disbursements", "2024"),
                "SELECT sum(value) FROM indicators WHERE indicator = 'aid.us_disbursed' AND year = 2024",
            ),
            Check(
                "obligations, all years with the transition quarter",
                lambda d: _aid_sum(d, "Obligations"),
                "SELECT sum(value) FROM indicators WHERE indicator IN ('aid.us_obligated', "
                "'aid.us_obligated_tq')",
            ),
            Check(
                "rows",
                lambda d: float(len(_aid(d))),
                "SELECT count(*) FROM indicators WHERE source = 'us_aid'",
            ),
        ),
        bad_inputs=(BadInput("country_summary", header="Fiscal Year", number_column="current_amount"),),
    ),
]

"""Source contracts for the context datasets (asylum, stocks, displacement, food, transit, missing
migrants, courts, partner aid).

Every raw figure is computed here with plain pandas straight from the mirror file (never with
Corridor's parsers) and compared with SQL on the warehouse. Bad-input cases are declared for the
CSV files; the Parquet files are damaged in tests/test_context_parquet_inputs.py, because the
shared damage helpers handle CSV and Excel only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.contracts import BadInput, Check, Contract

UNHCR = "unhcr"
TRANSIT = "transit"


def _pq(data: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data / name)


def _csv(data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data / name, keep_default_na=False, na_values=[""])


# --- UNHCR ------------------------------------------------------------------------------------


def _apps(data: Path) -> pd.DataFrame:
    return _pq(data, f"{UNHCR}/unhcr_asylum_applications.parquet")


def _pop(data: Path) -> pd.DataFrame:
    return _pq(data, f"{UNHCR}/unhcr_population.parquet")


def _mex_2023_persons(data: Path) -> float:
    a = _apps(data)
    sel = (a["coa_iso"] == "MEX") & (a["year"] == 2023) & (a["app_pc"] == "P")
    return float(a.loc[sel, "applied"].sum())


def _refugees_from_ven_2024(data: Path) -> float:
    p = _pop(data)
    p = p[(p["coo_iso"] == "VEN") & (p["year"] == 2024)]
    return float((p["refugees"] + p["asylum_seekers"] + p["oip"].fillna(0)).sum())


# --- transit ----------------------------------------------------------------------------------


def _transit(data: Path, name: str) -> pd.DataFrame:
    frame = _csv(data, f"{TRANSIT}/iom_gdidata_{name}.csv")
    frame["t"] = pd.to_datetime(frame["t"])
    return frame


def _darien_monthly_2023(data: Path) -> float:
    d = _transit(data, "irreg_darien_nat")
    return float(d.loc[d["t"].dt.year == 2023, "n"].sum())


def _darien_annual(data: Path) -> float:
    d = _transit(data, "irreg_darien_nat")
    return float(d.loc[d["t"].dt.year <= 2019, "n"].sum())


def _mmp(data: Path) -> pd.DataFrame:
    return _pq(data, f"{TRANSIT}/iom_gdidata_iom_mmp.parquet")


def _mmp_central_america_2023(data: Path) -> float:
    m = _mmp(data)
    sel = (m["route"] == "Central American Route") & (m["m"].astype(str).str[:4] == "2023")
    return float(m.loc[sel, "dead"].sum())


# --- EOIR -------------------------------------------------------------------------------------

EOIR_2026 = "eoir/eoir_annual_pending_new_completions_fy2016-fy2026q2.csv"
EOIR_2021 = "court/eoir_adjudication_stats_fy2008-fy2020_apr2021.csv"
EOIR_ASYLUM = "court/eoir_asylum_decisions_by_nationality_fy2018-fy2021ytd.csv"


def _asylum(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / EOIR_ASYLUM)


def _asylum_fy2021_full_denials(data: Path) -> float:
    a = _asylum(data)
    return float(a.loc[a["generated_my"] == "2021-10-19", "denials"].sum())


def _asylum_rows_after_dedup(data: Path) -> float:
    a = _asylum(data).drop(columns=["Unnamed: 0"])
    return float(len(a.drop_duplicates()))


# --- partner aid ------------------------------------------------------------------------------

DAC2A = "partner_aid/oecd_dac2a_bilateral_net_oda_1992-2024.csv"
AIDDATA = "partner_aid/aiddata_v2_flows_donor_recipient_year.csv"


def _dac(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / DAC2A, keep_default_na=False, na_values=[""])


def _hnd_2022_excl_usa(data: Path) -> float:
    d = _dac(data)
    sel = (d["b_iso3"] == "HND") & (d["year"] == 2022) & (d["a_iso3"] != "USA")
    return float(d.loc[sel, "oda_value"].sum())


def _aiddata_complete_years(data: Path) -> float:
    a = pd.read_csv(data / AIDDATA, keep_default_na=False)
    return float(a.loc[a["date"] <= 2009, "sum_amount_usd_constant"].sum())


CONTRACTS: list[Contract] = [
    Contract(
        "unhcr",
        checks=(
            Check(
                "applications, all rows",
                lambda d: float(_apps(d)["applied"].sum()),
                "SELECT sum(applied) FROM asylum_applications",
            ),
            Check(
                "applications counted in cases",
                lambda d: float(_apps(d).query("app_pc == 'C'")["applied"].sum()),
                "SELECT sum(applied) FROM asylum_applications WHERE unit = 'cases'",
            ),
            Check(
                "Mexico 2023, persons (indicator)",
                _mex_2023_persons,
                "SELECT sum(value) FROM indicators "
                "WHERE indicator = 'unhcr.asylum_apps_in_mex' AND year = 2023",
            ),
            Check(
                "decisions total",
                lambda d: float(_pq(d, f"{UNHCR}/unhcr_asylum_decisions.parquet")["dec_total"].sum()),
                "SELECT sum(total) FROM asylum_decisions",
            ),
            Check(
                "refugees + asylum seekers + oip from Venezuela, 2024 (indicator)",
                _refugees_from_ven_2024,
                "SELECT value FROM indicators WHERE indicator = 'unhcr.refugees_from' "
                "AND iso3 = 'VEN' AND year = 2024",
            ),
            Check(
                "population rows",
                lambda d: float(len(_pop(d))),
                "SELECT count(*) FROM refugee_population",
            ),
        ),
        bad_inputs=(
            BadInput("countries", header="unhcr_code"),
            BadInput("population", header="coa_iso", number_column="refugees"),
            BadInput("asylum_applications", header="app_pc", number_column="applied"),
            BadInput("asylum_decisions", header="dec_pc", number_column="dec_total"),
        ),
    ),
    Contract(
        "undesa_stocks",
        checks=(
            Check(
                "all migrants, all years",
                lambda d: float(_pq(d, "migrant_stocks/iom_gdidata_undesa_stocks.parquet")["n"].sum()),
                "SELECT sum(migrants) FROM migrant_stocks",
            ),
            Check(
                "Guatemala-born in the USA, 2024 (indicator)",
                lambda d: float(
                    _pq(d, "migrant_stocks/iom_gdidata_undesa_stocks.parquet")
                    .query("geo == 'USA' and `from` == 'GTM' and t == 2024")["n"]
                    .sum()
                ),
                "SELECT value FROM indicators WHERE indicator = 'undesa.stock_in_usa' "
                "AND iso3 = 'GTM' AND year = 2024",
            ),
        ),
        bad_inputs=(BadInput("stocks", header="from", number_column="n"),),
    ),
    Contract(
        "idmc",
        checks=(
            Check(
                "conflict displacements, all years (indicator)",
                lambda d: float(
                    _csv(d, "displacement/iom_gdidata_idmc_flows.csv").query("cause == 'conflict'")["n"].sum()
                ),
                "SELECT sum(value) FROM indicators WHERE indicator = 'idmc.new_displacements_conflict'",
            ),
            Check(
                "Honduras 2020 disaster displacements (indicator)",
                lambda d: float(
                    _csv(d, "displacement/iom_gdidata_idmc_flows.csv")
                    .query("geo == 'HND' and t == 2020 and cause != 'conflict'")["n"]
                    .sum()
                ),
                "SELECT value FROM indicators WHERE indicator = 'idmc.new_displacements_disaster' "
                "AND iso3 = 'HND' AND year = 2020",
            ),
            Check(
                "IDP stocks, end 2024",
                lambda d: float(_csv(d, "displacement/iom_gdidata_idmc_stocks.csv")["n"].sum()),
                "SELECT sum(idps) FROM idp_stocks",
            ),
        ),
        bad_inputs=(
            BadInput("flows", header="cause", number_column="n"),
            BadInput("stocks", header="age", number_column="n"),
        ),
    ),
    Contract(
        "wfp",
        checks=(
            Check(
                "people, all days",
                lambda d: float(_csv(d, "food/wfp_hungermap_food_security_national.csv")["value"].sum()),
                "SELECT sum(people) FROM food_security",
            ),
            Check(
                "Guatemala days",
                lambda d: float(
                    (_csv(d, "food/wfp_hungermap_food_security_national.csv")["iso3_code"] == "GTM").sum()
                ),
                "SELECT count(*) FROM food_security WHERE iso3 = 'GTM'",
            ),
        ),
        bad_inputs=(BadInput("national", header="iso3_code", number_column="value"),),
    ),
    Contract(
        "transit",
        checks=(
            Check(
                "Darién 2023 by nationality",
                _darien_monthly_2023,
                "SELECT sum(n) FROM transit_monthly WHERE series = 'darien' "
                "AND breakdown = 'nationality' AND year(month) = 2023",
            ),
            Check(
                "Darién annual rows 2010-2019",
                _darien_annual,
                "SELECT sum(n) FROM transit_annual WHERE series = 'darien'",
            ),
            Check(
                "Mexico expulsions, all months",
                lambda d: float(_transit(d, "irreg_mexico_exp")["n"].sum()),
                "SELECT sum(n) FROM transit_monthly WHERE series = 'mexico_expelled'",
            ),
            Check(
                "Guatemalans returned, all months",
                lambda d: float(_transit(d, "irreg_guatemala")["n"].sum()),
                "SELECT sum(n) FROM transit_monthly WHERE series = 'guatemala_returned'",
            ),
            Check(
                "Honduras by nationality equals the total file",
                lambda d: float(_transit(d, "irreg_honduras_nat")["n"].sum()),
                "SELECT sum(n) FROM transit_monthly WHERE series = 'honduras_arrivals' "
                "AND breakdown = 'total' AND month >= DATE '2018-01-01'",
            ),
        ),
        bad_inputs=tuple(
            BadInput(key, header=header, number_column="n")
            for key, header in (
                ("darien_nat", "nat"),
                ("darien_dmg", "demog"),
                ("mexico_nat", "nat"),
                ("mexico_dmg", "age"),
                ("mexico_exp", "type"),
                ("honduras", "n"),
                ("honduras_nat", "nat"),
                ("honduras_dmg", "demog"),
                ("guatemala", "origin"),
            )
        ),
    ),
    Contract(
        "missing_migrants",
        checks=(
            Check(
                "dead or missing, all records",
                lambda d: float(_mmp(d)["dead"].sum()),
                "SELECT sum(dead_missing) FROM missing_migrants WHERE counted",
            ),
            Check(
                "Central American Route 2023 (monthly table)",
                _mmp_central_america_2023,
                "SELECT sum(dead_missing) FROM missing_migrants_monthly "
                "WHERE route = 'Central American Route' AND year(month) = 2023",
            ),
            Check(
                "records with survivors",
                lambda d: float(_mmp(d)["surv"].notna().sum()),
                "SELECT count(survivors) FROM missing_migrants",
            ),
        ),
        # MMP records carry no id, and identical records are legitimate (one body each).
        bad_inputs=(BadInput("incidents", header="route", number_column="dead", duplicate=False),),
    ),
    Contract(
        "eoir",
        checks=(
            Check(
                "completions FY2016-FY2026 (2026 definition)",
                lambda d: float(pd.read_csv(d / EOIR_2026)["Completions"].sum()),
                "SELECT sum(completions) FROM court_caseload WHERE definition = 'eoir_2026'",
            ),
            Check(
                "pending FY2008-FY2020 (2021 definition)",
                lambda d: float(pd.read_csv(d / EOIR_2021)["pending_end_of_fy"].sum()),
                "SELECT sum(pending) FROM court_caseload WHERE definition = 'eoir_2021'",
            ),
            Check(
                "FY2021 full-year denials",
                _asylum_fy2021_full_denials,
                "SELECT sum(denials) FROM court_asylum_decisions WHERE fiscal_year = 2021 AND is_full_year",
            ),
            Check(
                "rows once exact repeats are dropped",
                _asylum_rows_after_dedup,
                "SELECT count(*) FROM court_asylum_decisions",
            ),
        ),
        bad_inputs=(
            BadInput("caseload_2026", header="Pending", number_column="Completions"),
            BadInput("caseload_2021", header="total_completions", number_column="pending_end_of_fy"),
            BadInput("asylum_by_nationality", header="denials", number_column="grants"),
        ),
    ),
    Contract(
        "partner_aid",
        checks=(
            Check(
                "net ODA, all rows",
                lambda d: float(_dac(d)["oda_value"].sum()),
                "SELECT sum(net_oda_usd_m) FROM oda_bilateral",
                tolerance=1e-6,
            ),
            Check(
                "Honduras 2022 without the USA (indicator)",
                _hnd_2022_excl_usa,
                "SELECT value FROM indicators WHERE indicator = 'oda.net_bilateral_excl_usa' "
                "AND iso3 = 'HND' AND year = 2022",
                tolerance=1e-9,
            ),
            Check(
                "AidData commitments to 2009",
                _aiddata_complete_years,
                "SELECT sum(commitments_usd_constant) FROM aiddata_commitments WHERE NOT incomplete",
            ),
        ),
        bad_inputs=(
            BadInput("dac2a", header="b_iso3", number_column="oda_value"),
            BadInput("aiddata", header="count", number_column="sum_amount_usd_constant"),
        ),
    ),
]

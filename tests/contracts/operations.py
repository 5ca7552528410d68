"""Source contracts for the operations datasets; raw figures are read with plain pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.contracts import BadInput, Check, Contract

OHSS = "outcomes/2024_1206_ohss_immigration-enforcement-and-legal-processes-tables-august-2024.xlsx"
OIS = "outcomes/dhs_ois_credible_fear_top15_nationalities_fy2016-fy2021.csv"
USCIS_LATER = "outcomes/uscis_cf_rf_semimonthly/Congressional-Semi-Monthly-Report-11-01-20-to-11-15-21.xlsx"
DDP = "detention/ddp_ice_detention_stats"
UWCHR = "detention/uwchr_ice_detention_headcount_by_facility_daily_fy12-fy24ytd.parquet"


def _sheet(data: Path, sheet: str, header_row: int) -> pd.DataFrame:
    """A sheet's month rows (Total rows and footnotes dropped); duplicate labels get .1, .2 ..."""
    frame = pd.read_excel(data / OHSS, sheet_name=sheet, header=header_row - 1, engine="calamine")
    months = frame["Month"].astype(str)
    return frame[months.isin(pd.Series(pd.date_range("2000-01", periods=12, freq="MS").strftime("%B")))]


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace({"X": None, "NA": None}), errors="coerce").fillna(0)


def _fy_total(data: Path, sheet: str, header_row: int, column: str, fy: int) -> float:
    frame = pd.read_excel(data / OHSS, sheet_name=sheet, header=header_row - 1, engine="calamine")
    rows = frame[(frame["Month"] == "Total") & (frame["Fiscal Year"].astype(str).str[:4] == str(fy))]
    return float(_num(rows[column]).iloc[0])


def _ois_completed(data: Path, fy: int) -> float:
    frame = pd.read_csv(data / OIS, skiprows=3, header=None, encoding="utf-8-sig", dtype=str)
    years = [2021, 2020, 2019, 2018, 2017, 2016]
    col = 1 + 4 * years.index(fy)
    row = frame[frame[0].str.strip() == "TOTAL"]
    return float(row[col].str.replace(",", "").str.strip().iloc[0])


def _uscis_receipts(data: Path) -> float:
    frame = pd.read_excel(data / USCIS_LATER, header=None, engine="calamine")
    row = frame[frame[1] == "Case Receipts"].iloc[0]  # first block: all credible fear cases
    return float(pd.to_numeric(row.iloc[3:].replace("-", 0)).sum())


def _ddp(data: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data / DDP / f"{name}.parquet")


def _adp_fy2019(data: Path) -> float:
    frame = _ddp(data, "adp-by-agency-criminality")
    sel = (frame["agency"] == "Average") & (frame["pull_date"].astype(str) == "2019-10-07")
    return float(frame.loc[sel, "adp_fy_ytd"].iloc[0])


def _uwchr_fy2019(data: Path) -> float:
    frame = pd.read_parquet(data / UWCHR)
    dates = pd.to_datetime(frame["date"])
    sel = (dates >= "2018-10-01") & (dates <= "2019-09-30")
    return float(frame[sel].groupby("date")["n"].sum().mean())


CONTRACTS: list[Contract] = [
    Contract(
        "ohss_outcomes",
        checks=(
            Check(
                "SW T8 repatriations, all months",
                lambda d: float(_num(_sheet(d, "CBP SWB Book-Outs by Agency", 4)["T8 repatriations1"]).sum()),
                "SELECT sum(events) FROM border_outcomes WHERE agency='all' AND demographic='all' "
                "AND citizenship='ALL' AND outcome='t8_repatriation'",
            ),
            Check(
                "family-unit USBP releases, all months",
                # columns repeat per block: Total, Single Adults (.1), Family Unit Individuals (.2)
                lambda d: float(_num(_sheet(d, "CBP SWB Book-Outs by Family", 4)["USBP Releases6.2"]).sum()),
                "SELECT sum(events) FROM border_outcomes WHERE demographic='family_units' "
                "AND outcome='usbp_release'",
            ),
            Check(
                "OFO single adults encounters",
                # blocks: Total CBP, USBP (.1), OFO (.2)
                lambda d: float(
                    _num(_sheet(d, "SWB Encounters by Family Status", 4)["Single Adults1.2"]).sum()
                ),
                "SELECT sum(encounters) FROM border_encounters WHERE agency='ofo' "
                "AND demographic='single_adults'",
            ),
            Check(
                "published FY2021 Title 42 expulsions",
                lambda d: _fy_total(d, "CBP SWB Book-Outs by Agency", 4, "T42 expulsions2", 2021),
                "SELECT events FROM border_outcomes_fy WHERE fiscal_year=2021 AND agency='all' "
                "AND demographic='all' AND citizenship='ALL' AND outcome='t42_expulsion'",
            ),
            Check(
                "expedited removals, all months",
                lambda d: float(_num(_sheet(d, "DHS Repats by Type", 4)["Expedited Removals"]).sum()),
                "SELECT sum(events) FROM dhs_repatriations WHERE type='expedited_removals'",
            ),
        ),
        bad_inputs=(BadInput("aug2024", sheet="CBP SWB Book-Outs by Family"),),
    ),
    Contract(
        "credible_fear",
        checks=(
            Check(
                "nationwide CF completions, all months",
                lambda d: float(_num(_sheet(d, "Nationwide CF by Result", 3)["Total"]).sum()),
                "SELECT sum(cases) FROM credible_fear WHERE scope='nationwide' AND stage='completed' "
                "AND result='all'",
            ),
            Check(
                "SW CF referrals, all citizenships and months",
                lambda d: float(
                    _sheet(d, "SWB CF Filed by Citp", 3).iloc[:, 2:].apply(_num).to_numpy().sum()
                ),
                "SELECT sum(cases) FROM credible_fear WHERE scope='southwest' AND stage='referred'",
            ),
            Check(
                "OIS TOTAL completed FY2019",
                lambda d: _ois_completed(d, 2019),
                "SELECT cases FROM credible_fear_nationality_fy WHERE fiscal_year=2019 "
                "AND citizenship='ALL' AND measure='completed'",
            ),
            Check(
                "USCIS later edition: CF receipts, 25 half-months",
                _uscis_receipts,
                "SELECT sum(cases) FROM fear_screenings_semimonthly WHERE edition='uscis_2020_11' "
                "AND fear_type='credible' AND block='all' AND measure='receipts'",
            ),
        ),
        bad_inputs=(BadInput("ois_nationality", header="Completed", number_column="Completed", skiprows=3),),
    ),
    Contract(
        "ice_detention",
        checks=(
            Check(
                "ADP FY2019, year-end edition",
                _adp_fy2019,
                "SELECT adp_fytd FROM detention_adp WHERE pull_date = DATE '2019-10-07' AND agency='all' "
                "AND criminality='all' LIMIT 1",
                tolerance=1e-6,
            ),
            Check(
                "removals, all editions",
                lambda d: float(_ddp(d, "removals")["removals"].sum()),
                "SELECT sum(removals_fytd) FROM detention_removals",
            ),
            Check(
                "UWCHR national headcount, FY2019 mean",
                _uwchr_fy2019,
                "SELECT avg(detained) FROM detention_headcount_daily WHERE fiscal_year=2019",
                tolerance=1e-6,
            ),
            Check(
                "ICE book-ins (OHSS), all months",
                lambda d: float(_num(_sheet(d, "ICE Book-Ins by Arrest Agency", 3)["Total"]).sum()),
                "SELECT sum(events) FROM ice_enforcement WHERE measure='book_ins' AND arresting_agency='all'",
            ),
        ),
        bad_inputs=(BadInput("ohss_aug2024", sheet="ICE Book-Ins by Arrest Agency"),),
    ),
]

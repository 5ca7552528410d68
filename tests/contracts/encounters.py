"""Source contracts for the encounter datasets; raw figures are read with plain pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.contracts import BadInput, Check, Contract

CBP = "cbp"
HIST = "cbp/usbp_historical"


def _state(data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data / CBP / name)


def _fy(frame: pd.DataFrame) -> pd.Series:
    return frame["Fiscal Year"].astype(str).str[:4].astype(int)


def _state_total(data: Path) -> float:
    old = _state(data, "nationwide-encounters-fy20-fy23-state.csv")
    new = _state(data, "nationwide-encounters-fy23-fy26-nov-state.csv")
    # The newer release replaces the older one from FY2023 on.
    return float(old.loc[_fy(old) < 2023, "Encounter Count"].sum() + new["Encounter Count"].sum())


def _state_sw_fy2021(data: Path) -> float:
    old = _state(data, "nationwide-encounters-fy20-fy23-state.csv")
    sel = (_fy(old) == 2021) & (old["Land Border Region"] == "Southwest Land Border")
    return float(old.loc[sel, "Encounter Count"].sum())


def _sbo(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / CBP / "sbo-encounters-fy22-fy25-aug.csv")


def _ohss(data: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(
        data / CBP / "ohss-khsm-encounters-usbp-fy25m11.xlsx", sheet_name=sheet, engine="calamine"
    )


def _psv(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / HIST / "usbp_monthly_encounters_by_sector_fy2000-fy2020.psv.csv", sep="|")


def _kaplan(data: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data / HIST / name)


CONTRACTS: list[Contract] = [
    Contract(
        "cbp_state",
        checks=(
            Check(
                "all current rows",
                _state_total,
                "SELECT sum(encounters) FROM cube_cbp_state WHERE is_current",
            ),
            Check(
                "southwest FY2021",
                _state_sw_fy2021,
                "SELECT sum(encounters) FROM cube_cbp_state WHERE is_current AND region='southwest' "
                "AND month BETWEEN DATE '2020-10-01' AND DATE '2021-09-01'",
            ),
            Check(
                "rows of the older release",
                lambda d: float(len(_state(d, "nationwide-encounters-fy20-fy23-state.csv"))),
                "SELECT count(*) FROM cube_cbp_state WHERE release_id LIKE 'cbp_state/fy20-fy23@%'",
            ),
        ),
        bad_inputs=(BadInput("fy23-fy26-nov", header="Citizenship", number_column="Encounter Count"),),
    ),
    Contract(
        "cbp_sbo",
        checks=(
            Check(
                "total",
                lambda d: float(_sbo(d)["Encounter Count"].sum()),
                "SELECT sum(encounters) FROM cube_cbp_sbo",
            ),
            Check(
                "Border Patrol total",
                lambda d: float(_sbo(d).query("Component == 'U.S. Border Patrol'")["Encounter Count"].sum()),
                "SELECT sum(encounters) FROM cube_cbp_sbo WHERE component='usbp'",
            ),
        ),
        bad_inputs=(BadInput("fy22-fy25-aug", header="Component", number_column="Encounter Count"),),
    ),
    Contract(
        "ohss_usbp",
        checks=(
            Check(
                "monthly count",
                lambda d: float(_ohss(d, "Monthly Count")["Quantity"].sum()),
                "SELECT sum(encounters) FROM cube_ohss_m_count",
            ),
            Check(
                "monthly region x citizenship",
                lambda d: float(_ohss(d, "Monthly Rgn and Citp")["Quantity"].sum()),
                "SELECT sum(encounters) FROM cube_ohss_m_rgn_citp",
            ),
            Check(
                "annual sector rows",
                lambda d: float(len(_ohss(d, "Annual Sector"))),
                "SELECT count(*) FROM cube_ohss_a_sector",
            ),
        ),
        bad_inputs=(
            BadInput("fy25m11", sheet="Monthly Rgn and Citp", header="Citizenship", number_column="Quantity"),
        ),
    ),
    Contract(
        "usbp_historical",
        checks=(
            Check(
                "southwest monthly",
                lambda d: float(_psv(d)["southwest_border"].sum()),
                "SELECT sum(encounters) FROM cube_usbp_sector_monthly WHERE region='southwest'",
            ),
            Check(
                "all monthly",
                lambda d: float(_psv(d)["monthly_total"].sum()),
                "SELECT sum(encounters) FROM cube_usbp_sector_monthly",
            ),
            Check(
                "southwest annual sectors",
                lambda d: float(
                    _kaplan(d, "kaplan_southwest_border_apprehensions_1960_2019.csv")
                    .query("sector != 'southwest border'")["total_apprehensions"]
                    .sum()
                ),
                "SELECT sum(encounters) FROM cube_usbp_sw_annual",
            ),
            Check(
                "nationwide annual",
                lambda d: float(
                    _kaplan(d, "kaplan_nationwide_total_apprehensions_1925_2019.csv")[
                        "total_apprehensions"
                    ].sum()
                ),
                "SELECT sum(encounters) FROM cube_usbp_nationwide_annual",
            ),
            Check(
                "deaths, sectors only",
                lambda d: float(
                    _kaplan(d, "kaplan_southwest_border_deaths_1998_2019.csv")
                    .query("sector != 'southwest border'")["deaths"]
                    .sum()
                ),
                "SELECT sum(value) FROM usbp_sector_stats "
                "WHERE file_key='sw_deaths' AND metric='deaths' AND NOT is_aggregate",
            ),
        ),
        bad_inputs=(
            BadInput("monthly_by_sector", header="tucson", number_column="tucson", sep="|"),
            BadInput("sw_annual", header="total_apprehensions", number_column="total_apprehensions"),
        ),
    ),
]

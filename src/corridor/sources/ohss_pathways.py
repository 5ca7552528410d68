"""Lawful pathways in the DHS OHSS monthly tables (the workbook `ohss_outcomes` also reads): paroles
under the CHNV processes and CBP One appointments, by month and nationality, FY2023 - Aug 2024.

Both sheets have one header row (`Fiscal Year | Month | Total | <nationalities>`) and the OHSS
layout the shared reader checks (a `Total` row per fiscal year, then October ... September, the
last year `2024 YTD`, footnotes after). Every count is rounded to 10 by OHSS (flagged
`rounded`); `X` = not applicable (months before a process began: Venezuela's parole process from
18 Oct 2022, Cuba's, Haiti's and Nicaragua's from 6 Jan 2023; CBP One appointments from 12 Jan
2023) stays NULL with its code, never 0. A separate dataset from `ohss_outcomes`, so that a
warehouse synced before these sheets were read picks them up on its next sync.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import to_iso3
from corridor.sources._context_common import Indicator, IndicatorTables, indicator_rows
from corridor.sources._ohss_tables import (
    OHSS_URL,
    Block,
    SheetData,
    SheetSpec,
    ohss_file,
    read_ohss_sheet,
)
from corridor.sources.base import Parsed, TableSpec, open_workbook
from corridor.sources.ohss_outcomes import label_map

ID = "ohss_pathways"
CHNV = SheetSpec(
    "CHNV Paroles",
    (Block("", ("Total", "Cuba", "Haiti", "Nicaragua", "Venezuela")),),
    header_rows=1,
    total_column="Total",
)
CBP_ONE_COLUMNS = (
    "Total", "Cuba", "Venezuela", "Haiti", "Mexico", "Honduras", "Colombia", "Guatemala",
    "El Salvador", "Russia", "Ecuador", "Other",
)  # fmt: skip
CBP_ONE = SheetSpec(
    "CBP One Appointments", (Block("", CBP_ONE_COLUMNS),), header_rows=1, total_column="Total"
)
NATIONALITIES = {"Total": "ALL", "Other": "OTHER"}

CHNV_TABLE = TableSpec(
    "chnv_paroles",
    "Confirmed paroles under the CHNV processes (Cuba, Haiti, Nicaragua, Venezuela) by month of "
    "parole and nationality, OHSS monthly tables, Oct 2022 - Aug 2024 (citizenship 'ALL' = total). "
    "Rounded to 10 (`rounded`); NULL with code 'X' = not applicable (before the process began).",
)
CHNV_FY_TABLE = TableSpec(
    "chnv_paroles_fy",
    "The fiscal-year Total rows OHSS prints for CHNV paroles; `ytd` marks FY2024 (to August).",
)
CBP_ONE_TABLE = TableSpec(
    "cbp_one_appointments",
    "CBP One appointments processed at southwest border ports of entry by month and nationality of "
    "the appointment holder, OHSS monthly tables, FY2023 - Aug 2024 (citizenship 'ALL' = total, "
    "OTHER includes unknown). Appointments, not people. Rounded to 10 (`rounded`); NULL with code "
    "'X' before the app took appointments (12 January 2023).",
)
CBP_ONE_FY_TABLE = TableSpec(
    "cbp_one_appointments_fy",
    "The fiscal-year Total rows OHSS prints for CBP One appointments; `ytd` marks FY2024 (to August).",
)
PUBLIC = "US government work, public domain (17 U.S.C. 105)"
CHNV_FY = Indicator(
    id="ohss.chnv_paroles_fy",
    name="Paroles under the CHNV processes, by nationality (fiscal year)",
    description="Confirmed paroles under the processes for Cubans, Haitians, Nicaraguans and "
    "Venezuelans (Venezuela from Oct 2022, the others from Jan 2023), per complete US fiscal year "
    "(year = FY). DHS OHSS monthly tables; rounded to 10.",
    unit="paroles, rounded to 10",
    url=OHSS_URL,
)
CBP_ONE_FY = Indicator(
    id="ohss.cbp_one_appointments_fy",
    name="CBP One appointments processed at southwest ports, by nationality (fiscal year)",
    description="Appointments made with the CBP One app and processed at southwest land ports of "
    "entry (from 12 Jan 2023), by nationality of the holder, per complete US fiscal year (year = FY). "
    "DHS OHSS monthly tables; rounded to 10. Appointments, not people.",
    unit="appointments, rounded to 10",
    url=OHSS_URL,
)
IND = IndicatorTables(ID, "CHNV paroles and CBP One appointments", PUBLIC, (CHNV_FY, CBP_ONE_FY))


def _nationality(label: str) -> str:
    return NATIONALITIES.get(label) or to_iso3(label)


def _pathway(data: SheetData, measure: str, release: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Months and published fiscal-year totals of one pathway sheet, long by citizenship."""
    f, t = data.frame, data.totals
    months = pd.DataFrame(
        {
            "month": f["month"],
            "fiscal_year": f["fiscal_year"].astype("int32"),
            "citizenship": label_map(data, f, "column", _nationality, "nationality"),
            measure: f["value"].array,
            "code": f["code"].astype(str).to_numpy(),
            "rounded": True,
            "release_id": release,
        }
    )
    totals = pd.DataFrame(
        {
            "fiscal_year": t["fiscal_year"].astype("int32"),
            "ytd": t["ytd"].astype(bool),
            "citizenship": label_map(data, t, "column", _nationality, "nationality").to_numpy(),
            measure: t["value"].array,
            "code": t["code"].astype(str).to_numpy(),
            "rounded": True,
            "release_id": release,
        }
    )
    return months, totals


def _indicators(totals: pd.DataFrame, measure: str, defn: Indicator, release: str) -> pd.DataFrame:
    """Complete fiscal years only, one row per nationality (the 'ALL' total is not a country)."""
    rows = totals[~totals["ytd"] & totals[measure].notna() & (totals["citizenship"] != "ALL")]
    values = rows[measure].astype("float64")
    return indicator_rows(defn, rows["citizenship"], rows["fiscal_year"], values, ID, release)


class OhssPathwaysSource:
    """CHNV paroles and CBP One appointments, from the OHSS monthly tables workbook."""

    id = ID
    title = "DHS OHSS monthly tables: CHNV paroles and CBP One appointments (FY2023-Aug 2024)"
    files = (ohss_file("aug2024"),)

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        path, release = paths["aug2024"], releases["aug2024"]
        wb = open_workbook(path)
        chnv = read_ohss_sheet(path, CHNV, wb)
        cbp_one = read_ohss_sheet(path, CBP_ONE, wb)
        chnv_months, chnv_fy = _pathway(chnv, "paroles", release)
        one_months, one_fy = _pathway(cbp_one, "appointments", release)
        indicators = [
            _indicators(chnv_fy, "paroles", CHNV_FY, release),
            _indicators(one_fy, "appointments", CBP_ONE_FY, release),
        ]
        first = min(chnv.first, cbp_one.first)
        last = max(chnv.last, cbp_one.last)
        return Parsed(
            frames={
                CHNV_TABLE.name: chnv_months,
                CHNV_FY_TABLE.name: chnv_fy,
                CBP_ONE_TABLE.name: one_months,
                CBP_ONE_FY_TABLE.name: one_fy,
                **IND.frames(indicators),
            },
            tables=[CHNV_TABLE, CHNV_FY_TABLE, CBP_ONE_TABLE, CBP_ONE_FY_TABLE, *IND.specs],
            rows={"aug2024": len(chnv.table) + len(cbp_one.table)},
            periods={"aug2024": (f"{first:%Y-%m}", f"{last:%Y-%m}")},
        )

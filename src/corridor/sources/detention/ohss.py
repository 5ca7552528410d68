"""The ICE sheets of the DHS OHSS monthly enforcement workbook: book-ins and book-outs by arresting
agency (and reason), removals and returns, ERO arrests by citizenship; FY2014/FY2018 - Aug 2024,
rounded to 10."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import to_iso3
from corridor.sources._ohss_tables import (
    Block,
    SheetData,
    SheetSpec,
    ohss_file,
    period_rows,
    read_ohss_sheet,
)
from corridor.sources.base import Parsed, TableSpec, open_workbook
from corridor.sources.ohss_outcomes import label_map

KEY = "ohss_aug2024"
FILE = ohss_file(KEY, max_rows=480, first_fy=2014)

_REASONS = (
    "Total",
    "Removal Book-out1",
    "Order of Supervision2",
    "Bonded Out3",
    "Order of Recognizance4",
    "Paroled5",
    "Relief6",
    "Other7",
)


def _by_arrest_agency(sheet: str) -> SheetSpec:
    """A sheet of one row of months per arresting agency: Total, CBP, ICE."""
    return SheetSpec(sheet, (Block("", ("Total", "CBP", "ICE")),), header_rows=1, total_column="Total")


OHSS_SHEETS = {
    "book_ins": _by_arrest_agency("ICE Book-Ins by Arrest Agency"),
    "book_outs": SheetSpec(
        "ICE Book-Outs by Arrest Agency",
        (Block("Total", _REASONS), Block("CBP", _REASONS), Block("ICE", _REASONS)),
        total_column="Total",
    ),
    "removals_returns": _by_arrest_agency("ICE ERO R&R by Arrest Agcy"),
    "ero_arrests": SheetSpec(
        "ERO Arrests by Citizenship",
        (
            Block(
                "",
                (
                    "Total",
                    "Mexico",
                    "Guatemala",
                    "Honduras",
                    "Nicaragua",
                    "Venezuela",
                    "Ecuador",
                    "Colombia",
                    "El Salvador",
                    "Cuba",
                    "Dominican Republic",
                    "Other",
                ),
            ),
        ),
        header_rows=1,
        total_column="Total",
    ),
}
AGENCY = {"Total": "all", "": "all", "CBP": "cbp", "ICE": "ice"}
REASON = {
    "Total": "all",
    "Removal Book-out": "removal",
    "Order of Supervision": "order_of_supervision",
    "Bonded Out": "bonded_out",
    "Order of Recognizance": "order_of_recognizance",
    "Paroled": "paroled",
    "Relief": "relief",
    "Other": "other",
}

TABLES = (
    TableSpec(
        "ice_enforcement",
        "ICE enforcement by month from the OHSS monthly tables (rounded to 10): measure book_ins "
        "(detention book-ins), book_outs (by reason), removals_returns, ero_arrests, by initial "
        "arresting agency / reason / citizenship ('all' where not broken down).",
    ),
    TableSpec("ice_enforcement_fy", "The published fiscal-year Total rows of the same sheets."),
)


def parse(path: Path, release: str, out: Parsed) -> None:
    """The four ICE sheets -> `ice_enforcement` (months) and `ice_enforcement_fy` (Total rows)."""
    wb = open_workbook(path)
    monthly: list[pd.DataFrame] = []
    annual: list[pd.DataFrame] = []
    rows = 0
    for measure, spec in OHSS_SHEETS.items():
        data = read_ohss_sheet(path, spec, wb)
        rows += len(data.table)
        for annual_rows in (False, True):
            (annual if annual_rows else monthly).append(
                _ohss_rows(data, measure, release, annual=annual_rows)
            )
    out.frames["ice_enforcement"] = pd.concat(monthly, ignore_index=True)
    out.frames["ice_enforcement_fy"] = pd.concat(annual, ignore_index=True)
    months = out.frames["ice_enforcement"]["month"]
    out.rows[KEY] = rows
    out.periods[KEY] = (f"{min(months):%Y-%m}", f"{max(months):%Y-%m}")


def _ohss_rows(data: SheetData, measure: str, release: str, *, annual: bool) -> pd.DataFrame:
    f, frame = period_rows(data, annual=annual)
    frame["measure"] = measure
    if measure == "book_outs":
        frame["arresting_agency"] = label_map(data, f, "block", AGENCY, "arresting agency").to_numpy()
        frame["reason"] = label_map(data, f, "column", REASON, "book-out reason").to_numpy()
        frame["citizenship"] = "ALL"
    elif measure == "ero_arrests":
        frame["arresting_agency"] = "ice"
        frame["reason"] = "all"
        frame["citizenship"] = label_map(
            data, f, "column", lambda s: "ALL" if s == "Total" else to_iso3(s), "citizenship"
        ).to_numpy()
    else:
        frame["arresting_agency"] = label_map(data, f, "column", AGENCY, "arresting agency").to_numpy()
        frame["reason"] = "all"
        frame["citizenship"] = "ALL"
    frame["events"] = f["value"].array
    frame["release_id"] = release
    return frame

"""DHS OHSS monthly tables, FY2014 - Aug 2024: what happened after southwest border encounters
(book-outs by agency, family status and citizenship), SW encounters by agency x family status,
and DHS repatriations by type. Every count is rounded to 10 by OHSS; `X` (not applicable) and
`NA` (not available) stay missing with their code kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import to_iso3
from corridor.sources._ohss_tables import (
    Block,
    SheetData,
    SheetSpec,
    check_same,
    ohss_file,
    period_rows,
    read_ohss_sheet,
)
from corridor.sources.base import Parsed, TableSpec, ceiling, open_workbook

T8 = "T8 repatriations1"
T42 = "T42 expulsions2"
MPP = "Migrant Protection Protocols3"
ICE = "Transfers to ICE4"
HHS = "Transfers to HHS5"
REL = "USBP Releases6"
OFO = "OFO Paroles7"
OTH = "Other outcomes8"
TOTAL = "Total Encounters"
ALL_OUT = (TOTAL, T8, T42, MPP, ICE, HHS, REL, OFO, OTH)
ADULT_OUT = (TOTAL, T8, T42, MPP, ICE, REL, OFO, OTH)

# OHSS column label (footnote digits stripped) -> outcome id
OUTCOMES = {
    "Total Encounters": "encounters",
    "T8 repatriations": "t8_repatriation",
    "T42 expulsions": "t42_expulsion",
    "Migrant Protection Protocols": "mpp",
    "Transfers to ICE": "transfer_ice",
    "Transfers to HHS": "transfer_hhs",
    "USBP Releases": "usbp_release",
    "OFO Paroles": "ofo_parole",
    "Other outcomes": "other",
}
AGENCIES = {"Total CBP": "all", "USBP": "usbp", "OFO": "ofo"}
DEMOGRAPHICS = {
    "Total Encounters": "all",
    "Total": "all",
    "Single Adults": "single_adults",
    "Family Unit Individuals": "family_units",
    "Unaccompanied Children/Single Minors": "uac",
    "Accompanied Minors (OFO)": "accompanied_minors",
}
CITIZENSHIPS = {"Others": "OTHER"}

BY_AGENCY = SheetSpec(
    "CBP SWB Book-Outs by Agency",
    (
        Block("Total CBP", ALL_OUT),
        Block("USBP", (TOTAL, T8, T42, MPP, ICE, HHS, REL, OTH)),
        Block("OFO", (TOTAL, T8, T42, MPP, ICE, HHS, OFO, OTH)),
    ),
    total_column=TOTAL,
)
BY_FAMILY = SheetSpec(
    "CBP SWB Book-Outs by Family",
    (
        Block("Total Encounters", ALL_OUT),
        Block("Single Adults", ADULT_OUT),
        Block("Family Unit Individuals", ADULT_OUT),
        Block("Unaccompanied Children/Single Minors", (TOTAL, T8, T42, HHS)),
    ),
    total_column=TOTAL,
)
_NO_MPP = (TOTAL, T8, T42, ICE, HHS, REL, OFO, OTH)
BY_CITIZENSHIP = SheetSpec(
    "CBP SWB Book-Outs by Citp",
    (
        Block("Total Encounters", ALL_OUT),
        Block("Mexico", _NO_MPP),
        Block("Venezuela", ALL_OUT),
        Block("Guatemala", ALL_OUT),
        Block("Honduras", ALL_OUT),
        Block("Cuba", ALL_OUT),
        Block("Colombia", ALL_OUT),
        Block("Ecuador", ALL_OUT),
        Block("Haiti", _NO_MPP),
        Block("El Salvador", ALL_OUT),
        Block("China, People's Republic", _NO_MPP),
        Block("Others", ALL_OUT),
    ),
    total_column=TOTAL,
)
_FAM = ("Single Adults1", "Family Unit Individuals2", "Unaccompanied Children/Single Minors3")
ENCOUNTERS = SheetSpec(
    "SWB Encounters by Family Status",
    (
        Block("Total CBP", ("Total", *_FAM, "Accompanied Minors (OFO)4")),
        Block("USBP", ("Total", *_FAM)),
        Block("OFO", ("Total", *_FAM, "Accompanied Minors (OFO)4")),
    ),
    total_column="Total",
    parts_at_most_total=True,  # "total includes encounters with unknown family status"
)
REPATRIATIONS = SheetSpec(
    "DHS Repats by Type",
    (
        Block(
            "Total Repatriations",
            (
                "Total Repatriations3",
                "Total Title 8 Repatriations4",
                "Title 8 Enforcement Repatriations5",
                "Title 42 Expulsions6",
            ),
        ),
        Block(
            "DHS Removals1",
            ("Total Removals", "Expedited Removals", "Reinstatements of Removal Orders", "Other Removals"),
        ),
        Block(
            "DHS Enforcement Returns2",
            (
                "Total Enforcement Returns",
                "Withdrawals7",
                "Voluntary Returns",
                "Voluntary Departures",
                "Other Enforcement Returns8",
            ),
        ),
        Block(
            "DHS Administrative Returns2",
            ("Total Administrative Returns", "Withdrawals9", "Crew Members Detained"),
        ),
    ),
)
REPAT_TYPES = {
    ("Total Repatriations", "Total Repatriations"): "total",
    ("Total Repatriations", "Total Title 8 Repatriations"): "title8_total",
    ("Total Repatriations", "Title 8 Enforcement Repatriations"): "title8_enforcement",
    ("Total Repatriations", "Title 42 Expulsions"): "title42_expulsions",
    ("DHS Removals1", "Total Removals"): "removals",
    ("DHS Removals1", "Expedited Removals"): "expedited_removals",
    ("DHS Removals1", "Reinstatements of Removal Orders"): "reinstatements",
    ("DHS Removals1", "Other Removals"): "other_removals",
    ("DHS Enforcement Returns2", "Total Enforcement Returns"): "enforcement_returns",
    ("DHS Enforcement Returns2", "Withdrawals"): "enforcement_withdrawals",
    ("DHS Enforcement Returns2", "Voluntary Returns"): "voluntary_returns",
    ("DHS Enforcement Returns2", "Voluntary Departures"): "voluntary_departures",
    ("DHS Enforcement Returns2", "Other Enforcement Returns"): "other_enforcement_returns",
    ("DHS Administrative Returns2", "Total Administrative Returns"): "administrative_returns",
    ("DHS Administrative Returns2", "Withdrawals"): "administrative_withdrawals",
    ("DHS Administrative Returns2", "Crew Members Detained"): "crew_members_detained",
}

OUTCOMES_TABLE = TableSpec(
    "border_outcomes",
    "Outcomes (book-outs) of southwest border encounters by month, from the OHSS monthly tables: "
    "one row per agency x family status x citizenship x outcome ('all' where not broken down). "
    "Events, not people; rounded to 10; assigned to the encounter month. NULL events with "
    "code 'X' = not applicable (e.g. Title 42 outside Mar 2020 - May 2023).",
)
OUTCOMES_FY_TABLE = TableSpec(
    "border_outcomes_fy",
    "The fiscal-year Total rows OHSS prints for the same breakdowns (published totals, which can "
    "differ by rounding from the sum of the rounded months); `ytd` marks FY2024 through August.",
)
ENCOUNTERS_TABLE = TableSpec(
    "border_encounters",
    "Southwest border encounters by month x agency (all/usbp/ofo) x family status, OHSS monthly "
    "tables (rounded to 10; 'all' includes unknown family status; NULL with code 'NA' = not collected).",
)
REPATRIATIONS_TABLE = TableSpec(
    "dhs_repatriations",
    "DHS repatriations by type and month (removals, returns, Title 42 expulsions), OHSS monthly "
    "tables, rounded to 10; NULL with code 'X' = not applicable.",
)


def _citizenship(label: str) -> str:
    return CITIZENSHIPS.get(label) or to_iso3(label)


REPATRIATIONS_FY_TABLE = TableSpec(
    "dhs_repatriations_fy", "The published fiscal-year Total rows of DHS repatriations by type."
)


def label_map(data: SheetData, frame: pd.DataFrame, column: str, mapping, kind: str) -> pd.Series:
    """Map a block/column label through `mapping` (a dict or callable); unknown labels raise."""
    out = {}
    for label in frame[column].unique().tolist():
        try:
            out[label] = mapping(label) if callable(mapping) else mapping[label]
        except (KeyError, ValueError):
            first = data.frame.index[data.frame[column] == label]
            index = int(data.frame.loc[first[0], "row"]) if len(first) else None
            raise data.table.error(f"unknown {kind} {label!r}", index=index) from None
    return frame[column].map(out).astype(str)


def _outcome_rows(
    data: SheetData, dim: str, mapping, kind: str, release: str, *, annual: bool
) -> pd.DataFrame:
    f, frame = period_rows(data, annual=annual)
    frame["agency"] = "all"
    frame["demographic"] = "all"
    frame["citizenship"] = "ALL"
    frame[dim] = label_map(data, f, "block", mapping, kind).to_numpy()
    frame["outcome"] = label_map(data, f, "column", OUTCOMES, "outcome").to_numpy()
    frame["events"] = f["value"].array
    frame["code"] = f["code"].astype(str).to_numpy()
    frame["release_id"] = release
    return frame


def _citizenship_block(label: str) -> str:
    return "ALL" if label == TOTAL else _citizenship(label)


def _outcomes(agency: SheetData, family: SheetData, citp: SheetData, release: str, *, annual: bool):
    a = _outcome_rows(agency, "agency", AGENCIES, "agency", release, annual=annual)
    f = _outcome_rows(family, "demographic", DEMOGRAPHICS, "family status", release, annual=annual)
    c = _outcome_rows(citp, "citizenship", _citizenship_block, "citizenship", release, annual=annual)
    # The CBP total block repeats in all three sheets (checked identical): keep it once.
    return pd.concat([a, f[f["demographic"] != "all"], c[c["citizenship"] != "ALL"]], ignore_index=True)


class OhssOutcomesSource:
    """Book-outs of SW border encounters, SW encounters by family status, DHS repatriations."""

    id = "ohss_outcomes"
    title = "DHS OHSS enforcement monthly tables: SW border outcomes and repatriations (FY2014-Aug 2024)"
    files = (ohss_file("aug2024", max_rows=ceiling(159), first_fy=2014),)

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        path = paths["aug2024"]
        release = releases["aug2024"]
        wb = open_workbook(path)
        agency = read_ohss_sheet(path, BY_AGENCY, wb)
        family = read_ohss_sheet(path, BY_FAMILY, wb)
        citp = read_ohss_sheet(path, BY_CITIZENSHIP, wb)
        check_same(agency, family, "Total CBP", "Total Encounters")
        check_same(agency, citp, "Total CBP", "Total Encounters")
        outcomes = _outcomes(agency, family, citp, release, annual=False)
        outcomes_fy = _outcomes(agency, family, citp, release, annual=True)
        enc = read_ohss_sheet(path, ENCOUNTERS, wb)
        check_totals_agree(agency, enc)
        encounters = pd.DataFrame(
            {
                "month": enc.frame["month"],
                "fiscal_year": enc.frame["fiscal_year"].astype("int32"),
                "agency": label_map(enc, enc.frame, "block", AGENCIES, "agency"),
                "demographic": label_map(enc, enc.frame, "column", DEMOGRAPHICS, "family status"),
                "encounters": enc.frame["value"],
                "code": enc.frame["code"].astype(str),
                "release_id": release,
            }
        )
        rep = read_ohss_sheet(path, REPATRIATIONS, wb)
        keys = list(zip(rep.frame["block"], rep.frame["column"], strict=True))
        repatriations = pd.DataFrame(
            {
                "month": rep.frame["month"],
                "fiscal_year": rep.frame["fiscal_year"].astype("int32"),
                "type": [REPAT_TYPES[k] for k in keys],
                "events": rep.frame["value"],
                "code": rep.frame["code"].astype(str),
                "release_id": release,
            }
        )
        rep_keys = list(zip(rep.totals["block"], rep.totals["column"], strict=True))
        repatriations_fy = pd.DataFrame(
            {
                "fiscal_year": rep.totals["fiscal_year"].astype("int32"),
                "ytd": rep.totals["ytd"].astype(bool),
                "type": [REPAT_TYPES[k] for k in rep_keys],
                "events": rep.totals["value"].array,
                "code": rep.totals["code"].astype(str),
                "release_id": release,
            }
        )
        first, last = agency.first, agency.last
        for other in (family, citp, enc, rep):
            if (other.first, other.last) != (first, last):
                raise other.table.error(
                    f"sheet covers {other.first:%Y-%m}..{other.last:%Y-%m}, "
                    f"the book-outs {first:%Y-%m}..{last:%Y-%m}",
                    column="Month",
                )
        n_rows = sum(len(d.table) for d in (agency, family, citp, enc, rep))
        return Parsed(
            frames={
                OUTCOMES_TABLE.name: outcomes,
                OUTCOMES_FY_TABLE.name: outcomes_fy,
                ENCOUNTERS_TABLE.name: encounters,
                REPATRIATIONS_TABLE.name: repatriations,
                REPATRIATIONS_FY_TABLE.name: repatriations_fy,
            },
            tables=[
                OUTCOMES_TABLE,
                OUTCOMES_FY_TABLE,
                ENCOUNTERS_TABLE,
                REPATRIATIONS_TABLE,
                REPATRIATIONS_FY_TABLE,
            ],
            rows={"aug2024": n_rows},
            periods={"aug2024": (f"{first:%Y-%m}", f"{last:%Y-%m}")},
        )


def check_totals_agree(agency: SheetData, enc: SheetData) -> None:
    """The encounters sheet's agency totals must equal the book-outs' Total Encounters."""
    a = agency.frame[agency.frame["column"] == "Total Encounters"][["month", "block", "value"]]
    e = enc.frame[enc.frame["column"] == "Total"][["month", "block", "value", "row"]]
    merged = e.merge(a, on=["month", "block"], how="left", suffixes=("", "_bookouts"))
    bad = merged[merged["value"] != merged["value_bookouts"]]
    if len(bad):
        row = bad.iloc[0]
        raise enc.table.error(
            f"{row['block']} total {int(row['value']):,} for {row['month']:%Y-%m} differs from "
            f"the book-outs sheet ({int(row['value_bookouts']):,})",
            index=int(row["row"]),
            column="Total",
        )

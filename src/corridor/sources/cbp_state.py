"""CBP Nationwide Encounters, 'by state' releases: month x region x state x demographic x
citizenship x title, all components (Border Patrol + ports of entry), exact counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import map_region
from corridor.reference.sectors import state_code
from corridor.sources._cbp_common import DEMOGRAPHIC, TITLE, cbp_file, citizenship, read_cube_csv
from corridor.sources.base import Coverage, CubeSpec, Parsed, RawTable

COLUMNS = (
    "Fiscal Year",
    "Month Grouping",
    "Month (abbv)",
    "Land Border Region",
    "State",
    "Demographic",
    "Citizenship",
    "Title of Authority",
    "Encounter Count",
)
PAGE = "https://www.cbp.gov/document/stats/nationwide-encounters"
DIMS = {
    "region": ("Land Border Region", map_region, "land border region"),
    "state": ("State", state_code, "US state code"),
    "demographic": DEMOGRAPHIC,
    "citizenship": citizenship("Citizenship"),
    "title": TITLE,
}

CUBE = CubeSpec(
    id="cbp_state",
    title="CBP Nationwide Encounters by state (all components)",
    table="cube_cbp_state",
    grain="month",
    dims=("region", "state", "demographic", "citizenship", "title"),
    fixed={"component": "all"},
    rounded=False,
    schemes={"citizenship": "cbp22", "demographic": "cbp4"},
    note="USBP apprehensions + OFO inadmissibles + Title 42 expulsions; events, not people.",
)


def _check_grouping(t: RawTable, frame: pd.DataFrame) -> None:
    """'Month Grouping' is FYTD or Remaining on every row."""
    grouping = t.frame["Month Grouping"].astype(str).str.strip()
    bad = ~grouping.isin(["FYTD", "Remaining"]).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raw = t.frame["Month Grouping"].iloc[i]
        raise t.error(f"unknown month grouping {raw!r}", index=i, column="Month Grouping")


class CbpStateSource:
    """Both 'by state' releases; the newer release wins where they overlap (FY2023)."""

    id = "cbp_state"
    title = "CBP Nationwide Encounters (by state)"
    files = (
        cbp_file(
            "fy20-fy23",
            "https://www.cbp.gov/sites/default/files/assets/documents/2023-Nov/nationwide-encounters-fy20-fy23-state.csv",
            rows=42_533,
            first_fy=2020,
            published="2023-11-14",
        ),
        cbp_file(
            "fy23-fy26-nov",
            "https://www.cbp.gov/sites/default/files/2025-12/nationwide-encounters-fy23-fy26-nov-state.csv",
            rows=37_162,
            first_fy=2023,
            published="2025-12-16",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        frames, coverage, rows, periods = [], [], {}, {}
        for spec in self.files:
            frame, (first, last) = read_cube_csv(
                paths[spec.key], releases[spec.key], COLUMNS, DIMS, _check_grouping
            )
            frames.append(frame)
            coverage.append(Coverage(CUBE.id, spec.key, first, last))
            rows[spec.key] = len(frame)
            periods[spec.key] = (f"{first:%Y-%m}", f"{last:%Y-%m}")
        return Parsed(
            frames={CUBE.table: pd.concat(frames, ignore_index=True)},
            cubes=[CUBE],
            coverage=coverage,
            rows=rows,
            periods=periods,
        )

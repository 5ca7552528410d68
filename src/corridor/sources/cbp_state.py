"""CBP Nationwide Encounters, 'by state' releases: month x region x state x demographic x
citizenship x title, all components (Border Patrol + ports of entry), exact counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import map_demographic, map_region, map_title
from corridor.reference.countries import cbp_citizenship
from corridor.sources.base import (
    Coverage,
    CubeSpec,
    FileSpec,
    Parsed,
    ceiling,
    check_months_contiguous,
    check_unique,
    fiscal_year_column,
    int_column,
    map_column,
    month_column,
    read_csv,
    state_column,
)

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


def parse_state_file(path: Path, release_id: str) -> tuple[pd.DataFrame, tuple]:
    """One nationwide 'by state' CSV -> cube rows and its (first, last) month."""
    t = read_csv(path, columns=COLUMNS)
    fy = fiscal_year_column(t, "Fiscal Year")
    frame = pd.DataFrame(
        {
            "month": month_column(t, fy, "Month (abbv)"),
            "region": map_column(t, "Land Border Region", map_region, "land border region"),
            "state": state_column(t, "State"),
            "demographic": map_column(t, "Demographic", map_demographic, "demographic"),
            "citizenship": map_column(t, "Citizenship", cbp_citizenship, "citizenship"),
            "title": map_column(t, "Title of Authority", map_title, "title of authority"),
            "encounters": int_column(t, "Encounter Count"),
        }
    )
    grouping = t.frame["Month Grouping"].astype(str).str.strip()
    bad = ~grouping.isin(["FYTD", "Remaining"]).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raw = t.frame["Month Grouping"].iloc[i]
        raise t.error(f"unknown month grouping {raw!r}", index=i, column="Month Grouping")
    check_unique(
        t, frame, ["month", "region", "state", "demographic", "citizenship", "title"], "Month (abbv)"
    )
    first, last = check_months_contiguous(t, frame["month"], "Month (abbv)")
    frame["release_id"] = release_id
    return frame, (first, last)


class CbpStateSource:
    """Both 'by state' releases; the newer release wins where they overlap (FY2023)."""

    id = "cbp_state"
    title = "CBP Nationwide Encounters (by state)"
    files = (
        FileSpec(
            key="fy20-fy23",
            max_rows=ceiling(42_533),
            first_fy=2020,
            mirror_path="cbp/nationwide-encounters-fy20-fy23-state.csv",
            url="https://www.cbp.gov/sites/default/files/assets/documents/2023-Nov/nationwide-encounters-fy20-fy23-state.csv",
            publisher="U.S. Customs and Border Protection",
            published="2023-11-14",
        ),
        FileSpec(
            key="fy23-fy26-nov",
            max_rows=ceiling(37_162),
            first_fy=2023,
            mirror_path="cbp/nationwide-encounters-fy23-fy26-nov-state.csv",
            url="https://www.cbp.gov/sites/default/files/2025-12/nationwide-encounters-fy23-fy26-nov-state.csv",
            publisher="U.S. Customs and Border Protection",
            published="2025-12-16",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        frames, coverage, rows, periods = [], [], {}, {}
        for spec in self.files:
            frame, (first, last) = parse_state_file(paths[spec.key], releases[spec.key])
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

"""CBP Southwest Land Border Encounters: month x component x demographic x coarse
citizenship x title, exact counts, southwest border only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import map_component, map_demographic, map_title
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
)

COLUMNS = (
    "Fiscal Year",
    "Month Grouping",
    "Month (abbv)",
    "Component",
    "Demographic",
    "Citizenship Grouping",
    "Title of Authority",
    "Encounter Type",
    "Encounter Count",
)
ENCOUNTER_TYPES = {
    ("usbp", "title8"): "Apprehensions",
    ("ofo", "title8"): "Inadmissibles",
    ("usbp", "title42"): "Expulsions",
    ("ofo", "title42"): "Expulsions",
}

CUBE = CubeSpec(
    id="cbp_sbo",
    title="CBP Southwest Land Border Encounters by component",
    table="cube_cbp_sbo",
    grain="month",
    dims=("component", "demographic", "citizenship", "title"),
    fixed={"region": "southwest"},
    rounded=False,
    schemes={"citizenship": "sbo5", "demographic": "cbp4"},
    note="Citizenship only as El Salvador, Guatemala, Honduras, Mexico and Other.",
)


class CbpSboSource:
    """The southwest file, the only exact source that splits Border Patrol from ports of entry."""

    id = "cbp_sbo"
    title = "CBP Southwest Land Border Encounters (by component)"
    files = (
        FileSpec(
            key="fy22-fy25-aug",
            max_rows=ceiling(1_937),
            first_fy=2022,
            mirror_path="cbp/sbo-encounters-fy22-fy25-aug.csv",
            url="https://www.cbp.gov/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv",
            publisher="U.S. Customs and Border Protection",
            published="2025-09-16",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        spec = self.files[0]
        t = read_csv(paths[spec.key], columns=COLUMNS)
        fy = fiscal_year_column(t, "Fiscal Year")
        frame = pd.DataFrame(
            {
                "month": month_column(t, fy, "Month (abbv)"),
                "component": map_column(t, "Component", map_component, "component"),
                "demographic": map_column(t, "Demographic", map_demographic, "demographic"),
                "citizenship": map_column(t, "Citizenship Grouping", cbp_citizenship, "citizenship"),
                "title": map_column(t, "Title of Authority", map_title, "title of authority"),
                "encounters": int_column(t, "Encounter Count"),
            }
        )
        types = t.frame["Encounter Type"].astype(str).str.strip()
        for i, (comp, title, kind) in enumerate(zip(frame["component"], frame["title"], types, strict=True)):
            expected = ENCOUNTER_TYPES[(comp, title)]
            if not kind.startswith(expected):
                raise t.error(
                    f"encounter type {kind!r} does not fit {comp}/{title} (expected {expected})",
                    index=i,
                    column="Encounter Type",
                )
        keys = ["month", "component", "demographic", "citizenship", "title"]
        check_unique(t, frame, keys, "Month (abbv)")
        first, last = check_months_contiguous(t, frame["month"], "Month (abbv)")
        frame["release_id"] = releases[spec.key]
        return Parsed(
            frames={CUBE.table: frame},
            cubes=[CUBE],
            coverage=[Coverage(CUBE.id, spec.key, first, last)],
            rows={spec.key: len(frame)},
            periods={spec.key: (f"{first:%Y-%m}", f"{last:%Y-%m}")},
        )

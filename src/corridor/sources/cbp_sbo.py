"""CBP Southwest Land Border Encounters: month x component x demographic x coarse
citizenship x title, exact counts, southwest border only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.reference import map_component
from corridor.sources._cbp_common import DEMOGRAPHIC, TITLE, cbp_file, citizenship, read_cube_csv
from corridor.sources.base import Coverage, CubeSpec, Parsed, RawTable

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
DIMS = {
    "component": ("Component", map_component, "component"),
    "demographic": DEMOGRAPHIC,
    "citizenship": citizenship("Citizenship Grouping"),
    "title": TITLE,
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


def _check_types(t: RawTable, frame: pd.DataFrame) -> None:
    """Each row's encounter type is the one its component and title imply."""
    types = t.frame["Encounter Type"].astype(str).str.strip()
    for i, (comp, title, kind) in enumerate(zip(frame["component"], frame["title"], types, strict=True)):
        expected = ENCOUNTER_TYPES[(comp, title)]
        if not kind.startswith(expected):
            raise t.error(
                f"encounter type {kind!r} does not fit {comp}/{title} (expected {expected})",
                index=i,
                column="Encounter Type",
            )


class CbpSboSource:
    """The southwest file, the only exact source that splits Border Patrol from ports of entry."""

    id = "cbp_sbo"
    title = "CBP Southwest Land Border Encounters (by component)"
    files = (
        cbp_file(
            "fy22-fy25-aug",
            "https://www.cbp.gov/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv",
            rows=1_937,
            first_fy=2022,
            published="2025-09-16",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        spec = self.files[0]
        frame, (first, last) = read_cube_csv(paths[spec.key], releases[spec.key], COLUMNS, DIMS, _check_types)
        return Parsed(
            frames={CUBE.table: frame},
            cubes=[CUBE],
            coverage=[Coverage(CUBE.id, spec.key, first, last)],
            rows={spec.key: len(frame)},
            periods={spec.key: (f"{first:%Y-%m}", f"{last:%Y-%m}")},
        )

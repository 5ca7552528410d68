"""IDMC Global Internal Displacement Database: new displacements per year and end-2024 stocks.

New displacements are movements, not people: one person displaced twice in a year counts twice.
Disaster displacements are published per hazard; the indicator sums the hazards.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    is_aggregate,
    store_yearly,
    summed_rows,
)
from corridor.sources._files import release_files
from corridor.sources.base import (
    Parsed,
    TableSpec,
    check_range,
    check_unique,
    choice_column,
    int_column,
    map_column,
    read_csv,
)

ID = "idmc"
URL = "https://www.internal-displacement.org/database/displacement-data"
LICENCE = "Not stated (IDMC terms of use); mirror iom/gdidata is MIT"
HAZARDS = {
    "drought",
    "earthquake",
    "erosion",
    "extreme temperature",
    "flood",
    "mass movement",
    "storm",
    "volcanic activity",
    "wave action",
    "wildfire",
}
SEXES = {"female", "male", "unknown"}
AGES = {"0-4", "5-11", "12-17", "18-59", "60+", "unknown"}

FLOWS = TableSpec(
    name="idp_new_displacements",
    description=(
        "IDMC new internal displacements per calendar year by cause (conflict, or disaster with "
        "its hazard). Movements, not people."
    ),
)
STOCKS = TableSpec(
    name="idp_stocks",
    description="IDMC people living in internal displacement at year end, by cause x sex x age.",
)

CONFLICT = Indicator(
    id="idmc.new_displacements_conflict",
    name="New internal displacements, conflict and violence",
    description="Internal displacements recorded in the year due to armed conflict, communal "
    "and criminal violence (IDMC GIDD). Movements, not people.",
    unit="displacements",
    url=URL,
)
DISASTER = Indicator(
    id="idmc.new_displacements_disaster",
    name="New internal displacements, disasters",
    description="Internal displacements recorded in the year due to natural hazards (sum of "
    "IDMC's hazards: flood, storm, earthquake, drought, ...). Movements, not people.",
    unit="displacements",
    url=URL,
)
IND = IndicatorTables(ID, "IDMC indicators", LICENCE, (CONFLICT, DISASTER))


class IdmcSource:
    """IDMC new displacements (2008-2023) and IDP stocks (end-2024)."""

    id = ID
    title = "IDMC internal displacement"
    files = release_files(
        (
            ("flows", "displacement/iom_gdidata_idmc_flows.csv", 4_072),
            ("stocks", "displacement/iom_gdidata_idmc_stocks.csv", 1_542),
        ),
        url=URL,
        publisher="Internal Displacement Monitoring Centre (via IOM gdidata)",
        licence=LICENCE,
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        flows = self._flows(paths["flows"], releases["flows"], out)
        self._stocks(paths["stocks"], releases["stocks"], out)
        parts = [
            summed_rows(
                defn, flows[flows["cause"] == cause], "iso3", "year", "displacements", ID, releases["flows"]
            )
            for defn, cause in ((CONFLICT, "conflict"), (DISASTER, "disaster"))
        ]
        IND.add(out, parts)
        return out

    def _flows(self, path: Path, release: str, out: Parsed) -> pd.DataFrame:
        t = read_csv(path, columns=("geo", "t", "cause", "n"))
        iso3 = map_column(t, "geo", country_code, "country code").astype("str")
        label = choice_column(t, "cause", HAZARDS | {"conflict"})
        frame = pd.DataFrame(
            {
                "iso3": iso3,
                "is_aggregate": is_aggregate(iso3),
                "year": int_column(t, "t").astype("int32"),
                "cause": label.where(label == "conflict", "disaster").astype("str"),
                "hazard": label.where(label != "conflict", None),
                "displacements": int_column(t, "n"),
            }
        )
        check_unique(t, frame, ["iso3", "year", "cause", "hazard"], "cause")
        check_range(t, frame["year"], "t", 2000, 2100)
        store_yearly(out, FLOWS, frame, "flows", len(t), release)
        return frame

    def _stocks(self, path: Path, release: str, out: Parsed) -> None:
        t = read_csv(path, columns=("geo", "t", "cause", "sex", "age", "n"))
        iso3 = map_column(t, "geo", country_code, "country code").astype("str")
        frame = pd.DataFrame(
            {
                "iso3": iso3,
                "is_aggregate": is_aggregate(iso3),
                "year": int_column(t, "t").astype("int32"),
                "cause": choice_column(t, "cause", {"conflict", "disaster"}),
                "sex": choice_column(t, "sex", SEXES),
                "age": choice_column(t, "age", AGES),
                "idps": int_column(t, "n"),
            }
        )
        check_unique(t, frame, ["iso3", "year", "cause", "sex", "age"], "age")
        check_range(t, frame["year"], "t", 2000, 2100)
        store_yearly(out, STOCKS, frame, "stocks", len(t), release)

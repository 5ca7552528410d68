"""WFP HungerMap LIVE: daily people with insufficient food consumption, national estimates.

Coverage is short and uneven: about three months per country (only Mar-Jun 2025 for GTM, HND,
SLV and HTI), so the series is context, not a panel variable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    country_code,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    TableSpec,
    ceiling,
    check_unique,
    choice_column,
    date_column,
    int_column,
    map_column,
    read_csv,
)

ID = "wfp"
COLUMNS = (
    "date",
    "value",
    "value_upper",
    "value_lower",
    "iso3_code",
    "country_name",
    "indicator_name",
    "source",
)
INDICATORS = {"people with insufficient food consumption": "insufficient_food_consumption"}

FOOD = TableSpec(
    name="food_security",
    description=(
        "WFP HungerMap LIVE, national, daily: people with insufficient food consumption (FCS), "
        "with the model's lower and upper bounds. Nowcasts, not survey counts."
    ),
)


class WfpSource:
    """WFP HungerMap LIVE national food security (2021-10 to 2025-06, 84 countries)."""

    id = ID
    title = "WFP HungerMap LIVE food security"
    files: tuple[FileSpec, ...] = (
        FileSpec(
            key="national",
            max_rows=ceiling(7_797),
            mirror_path="food/wfp_hungermap_food_security_national.csv",
            url="https://hungermap.wfp.org/",
            publisher="World Food Programme (via ONEcampaign/canva-workshop)",
            licence="Not stated (WFP terms of use)",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        t = read_csv(paths["national"], columns=COLUMNS)
        choice_column(t, "source", {"World Food Programme"})
        frame = pd.DataFrame(
            {
                "date": date_column(t, "date"),
                "iso3": map_column(t, "iso3_code", country_code, "country code").astype("str"),
                "indicator": choice_column(t, "indicator_name", set(INDICATORS)).map(INDICATORS),
                "people": int_column(t, "value"),
                "people_lower": int_column(t, "value_lower"),
                "people_upper": int_column(t, "value_upper"),
            }
        )
        check_unique(t, frame, ["iso3", "indicator", "date"], "date")
        bad = (frame["people_lower"] > frame["people"]) | (frame["people"] > frame["people_upper"])
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise t.error("value is outside [value_lower, value_upper]", index=i, column="value")
        frame["indicator"] = frame["indicator"].astype("str")
        frame["release_id"] = releases["national"]
        first, last = min(frame["date"]), max(frame["date"])
        return Parsed(
            frames={FOOD.name: frame},
            tables=[FOOD],
            rows={"national": len(t)},
            periods={"national": (first.isoformat(), last.isoformat())},
        )

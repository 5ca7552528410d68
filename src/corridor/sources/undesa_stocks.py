"""UN DESA International Migrant Stock 2024: migrants by destination x origin x sex, mid-year.

A missing origin-sex row means UN DESA had too little data to estimate it, not zero; only a
published 0 is a definite absence. Counts are persons living in the destination on 1 July.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    is_aggregate,
    summed_rows,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    TableSpec,
    ceiling,
    pq_count,
    pq_map,
    pq_text,
    pq_unique,
    read_parquet,
)

ID = "undesa_stocks"
URL = "https://www.un.org/development/desa/pd/content/international-migrant-stock"
LICENCE = "Not stated (UN terms of use); mirror iom/gdidata is MIT"
COLUMNS = ("geo", "t", "from", "sex", "n", "type_b", "type_c", "type_r", "type_i")
YEARS = {1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024}

STOCKS = TableSpec(
    name="migrant_stocks",
    description=(
        "UN DESA International Migrant Stock 2024: persons living in a destination country on "
        "1 July, by origin and sex. Flags: basis_foreign_born / basis_citizenship (what the "
        "destination's statistics count), includes_refugees, imputed (no data; UN DESA's model)."
    ),
)

STOCK_IN_USA = Indicator(
    id="undesa.stock_in_usa",
    name="Migrants born in the country living in the USA",
    description="International migrants from the country living in the United States on 1 July "
    "(both sexes; UN DESA International Migrant Stock 2024; the USA counts the foreign-born). "
    "Years 1990-2020 every five years, then 2024.",
    unit="persons",
    url=URL,
)
STOCK_ABROAD = Indicator(
    id="undesa.stock_abroad",
    name="Migrants from the country living abroad",
    description="International migrants from the country living in any other country or area on "
    "1 July (both sexes, summed over destinations; UN DESA International Migrant Stock 2024).",
    unit="persons",
    url=URL,
)
IND = IndicatorTables(ID, "UN DESA migrant stock indicators", LICENCE, (STOCK_IN_USA, STOCK_ABROAD))


class UndesaStocksSource:
    """UN DESA migrant stocks (1990-2024), destination x origin x sex."""

    id = ID
    title = "UN DESA International Migrant Stock 2024"
    files: tuple[FileSpec, ...] = (
        FileSpec(
            key="stocks",
            max_rows=ceiling(153_296),
            mirror_path="migrant_stocks/iom_gdidata_undesa_stocks.parquet",
            url=URL,
            publisher="UN DESA Population Division (via IOM gdidata)",
            licence=LICENCE,
            published="2024-01-27",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        release = releases["stocks"]
        t = read_parquet(paths["stocks"], columns=COLUMNS)
        year = pq_count(t, "t")
        bad = ~year.isin(YEARS)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise t.error(f"unexpected year {year.iloc[i]} (expected {sorted(YEARS)})", index=i, column="t")
        dest = pq_map(t, "geo", country_code, "country code").astype("str")
        origin = pq_map(t, "from", country_code, "country code").astype("str")
        frame = pd.DataFrame(
            {
                "year": year.astype("int32"),
                "destination_iso3": dest,
                "destination_is_aggregate": is_aggregate(dest),
                "origin_iso3": origin,
                "origin_is_aggregate": is_aggregate(origin),
                "sex": pq_text(t, "sex", allowed={"female", "male"}),
                "migrants": pq_count(t, "n"),
            }
        )
        flags = {
            "type_b": "basis_foreign_born",
            "type_c": "basis_citizenship",
            "type_r": "includes_refugees",
            "type_i": "imputed",
        }
        for col, name in flags.items():
            value = pq_count(t, col)
            bad = ~value.isin((0, 1))
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                raise t.error(f"expected a 0/1 flag, found {value.iloc[i]}", index=i, column=col)
            frame[name] = value.astype(bool)
        pq_unique(t, frame, ["year", "destination_iso3", "origin_iso3", "sex"], "sex")
        frame["release_id"] = release

        in_usa = frame[frame["destination_iso3"] == "USA"]
        abroad = frame[frame["destination_iso3"] != frame["origin_iso3"]]
        indicators = [
            summed_rows(STOCK_IN_USA, in_usa, "origin_iso3", "year", "migrants", ID, release),
            summed_rows(STOCK_ABROAD, abroad, "origin_iso3", "year", "migrants", ID, release),
        ]
        return Parsed(
            frames={STOCKS.name: frame, **IND.frames(indicators)},
            tables=[STOCKS, *IND.specs],
            rows={"stocks": len(t)},
            periods={"stocks": (str(year.min()), str(year.max()))},
        )

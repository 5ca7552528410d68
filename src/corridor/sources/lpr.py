"""Lawful permanent residents (green cards) by country of birth, FY2014-FY2023: DHS OHSS
*Yearbook of Immigration Statistics 2023*, Table 3.

Rounded to 10 by OHSS (flagged `rounded`); the `Total` row appears twice (REGION and COUNTRY
blocks) and the two must agree; the countries must sum to the total within rounding. `D`, `X` and
`-` cells stay missing with their code, never 0. Counts are people who obtained LPR status in the
fiscal year (new arrivals and adjustments of status).
"""

from __future__ import annotations

from pathlib import Path

from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    indicator_rows,
)
from corridor.sources._ohss_yearbook import OHSS_YEARBOOK_PUBLISHER, country_frame
from corridor.sources.base import FileSpec, Parsed, TableSpec

ID = "lpr"
URL = "https://ohss.dhs.gov/topics/immigration/yearbook/2023"
YEARS = tuple(range(2014, 2024))
TITLE = (
    "PERSONS OBTAINING LAWFUL PERMANENT RESIDENT STATUS BY REGION AND COUNTRY OF BIRTH: "
    "FISCAL YEARS 2014 TO 2023"
)
# OHSS country-of-birth labels that `to_iso3` does not know.
BIRTH_COUNTRIES = {
    "Curacao": "CUW",
    "Korea, North": "PRK",
    "Macau": "MAC",
    "Netherlands Antilles (former)": "ANT",
    "Saint Martin (French)": "MAF",
    "Sint Maarten": "SXM",
    "Congo, Democratic Republic": "COD",
    "Congo, Republic": "COG",
    "All other countries": "OTHER",
    "Unknown": "UNK",
}

LPR = TableSpec(
    name="lpr_by_birth_fy",
    description=(
        "Persons obtaining lawful permanent resident status per fiscal year by country of birth, "
        "DHS OHSS Yearbook 2023 Table 3, FY2014-FY2023. Rounded to 10 by OHSS (`rounded`); `code` "
        "keeps D/X/- where OHSS withheld a count (value NULL, never 0). OTHER = countries with fewer "
        "than 10 in every year; iso3 'ALL' = the published Total (an aggregate: do not add it to the rest)."
    ),
)
LPR_FY = Indicator(
    id="ohss.lpr_by_birth_fy",
    name="Persons obtaining lawful permanent resident status, by country of birth (fiscal year)",
    description="New lawful permanent residents (green cards: arrivals and adjustments of status) born "
    "in the country, per US federal fiscal year (year = FY). DHS OHSS Yearbook 2023, Table 3; rounded "
    "to 10 by OHSS.",
    unit="persons, rounded to 10",
    url=URL,
)
IND = IndicatorTables(
    ID, "Lawful permanent residents by birth", "US government work, public domain (17 U.S.C. 105)", (LPR_FY,)
)


class LprSource:
    """OHSS yearbook Table 3: new lawful permanent residents by country of birth."""

    id = ID
    title = "Lawful permanent residents by country of birth (DHS OHSS yearbook, FY2014-FY2023)"
    files = (
        FileSpec(
            key="table3",
            mirror_path="pathways/2024_0906_ohss_yearbook_lawful_permanent_residents_fy2023_0.xlsx",
            url=URL,
            publisher=OHSS_YEARBOOK_PUBLISHER,
            published="2024-09-06",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        path, release = paths["table3"], releases["table3"]
        frame, rows = country_frame(
            path,
            release,
            "Table 3",
            title=TITLE,
            label="Region and country of birth",
            years=YEARS,
            names=BIRTH_COUNTRIES,
            column="country_of_birth",
            value="persons",
        )
        known = frame[frame["persons"].notna() & ~frame["is_aggregate"]]
        indicators = indicator_rows(
            LPR_FY, known["iso3"], known["fiscal_year"], known["persons"].astype("float64"), ID, release
        )
        return Parsed(
            frames={LPR.name: frame, **IND.frames([indicators])},
            tables=[LPR, *IND.specs],
            rows={"table3": rows},
            periods={"table3": (f"FY{YEARS[0]}", f"FY{YEARS[-1]}")},
        )

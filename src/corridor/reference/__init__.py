"""Reference data: normalised vocabularies, countries, border sectors, the fiscal calendar.

Every label a publisher uses is mapped here once; unknown labels raise instead of passing through.
"""

from corridor.reference.calendar import fiscal_year, fy_months, month_floor, parse_month
from corridor.reference.countries import country_name, to_iso3
from corridor.reference.sectors import SECTORS, sector_region, sector_slug
from corridor.reference.vocab import (
    COMPONENTS,
    DEMOGRAPHICS,
    REGIONS,
    TITLES,
    label,
    map_component,
    map_demographic,
    map_region,
    map_title,
)

__all__ = [
    "COMPONENTS",
    "DEMOGRAPHICS",
    "REGIONS",
    "SECTORS",
    "TITLES",
    "country_name",
    "fiscal_year",
    "fy_months",
    "label",
    "map_component",
    "map_demographic",
    "map_region",
    "map_title",
    "month_floor",
    "parse_month",
    "sector_region",
    "sector_slug",
    "to_iso3",
]

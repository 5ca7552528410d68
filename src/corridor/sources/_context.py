"""Context datasets (asylum, migrant stocks, displacement, food, transit, missing migrants, courts)."""

from corridor.sources.base import Source

CONTEXT: tuple[Source, ...] = ()

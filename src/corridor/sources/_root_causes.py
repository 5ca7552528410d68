"""Root-cause indicators (World Bank, governance, disasters, aid)."""

from corridor.sources.base import Source

ROOT_CAUSES: tuple[Source, ...] = ()

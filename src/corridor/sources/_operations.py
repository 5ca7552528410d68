"""Processing-pathway datasets (OHSS outcomes, credible fear, detention).

The EOIR caseload and asylum decisions (`eoir`) are registered with the context datasets.
"""

from corridor.sources.base import Source
from corridor.sources.credible_fear import CredibleFearSource
from corridor.sources.detention import DetentionSource
from corridor.sources.ohss_outcomes import OhssOutcomesSource

OPERATIONS: tuple[Source, ...] = (OhssOutcomesSource(), CredibleFearSource(), DetentionSource())

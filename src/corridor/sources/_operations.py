"""Processing-pathway datasets (OHSS outcomes, credible fear, detention, court backlog)."""

from corridor.sources.base import Source

OPERATIONS: tuple[Source, ...] = ()

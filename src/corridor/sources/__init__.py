"""The registry of datasets Corridor syncs: one module a dataset, registered once.

Registrations are grouped by domain, one small file each, so that work on one domain never
edits another's list: `_encounters.py`, `_root_causes.py`, `_context.py`, `_operations.py`,
`_pathways.py`.
"""

from __future__ import annotations

from corridor.errors import UsageError
from corridor.sources._context import CONTEXT
from corridor.sources._encounters import ENCOUNTERS
from corridor.sources._operations import OPERATIONS
from corridor.sources._pathways import PATHWAYS
from corridor.sources._root_causes import ROOT_CAUSES
from corridor.sources.base import CubeSpec, FileSpec, Parsed, Source

SOURCES: dict[str, Source] = {s.id: s for s in (*ENCOUNTERS, *ROOT_CAUSES, *CONTEXT, *OPERATIONS, *PATHWAYS)}


def get(dataset: str) -> Source:
    """The registered source with id `dataset`."""
    if dataset not in SOURCES:
        raise UsageError(f"unknown dataset {dataset!r}; known: {', '.join(SOURCES)}")
    return SOURCES[dataset]


__all__ = ["SOURCES", "CubeSpec", "FileSpec", "Parsed", "Source", "get"]

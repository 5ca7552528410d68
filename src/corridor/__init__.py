"""Corridor: an open observatory for migration flows, their root causes, and what works.

import corridor
obs = corridor.open()            # the warehouse at $CORRIDOR_DB or ./corridor.duckdb
obs.flows(region="southwest", by="fiscal_year").tidy()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, InputError, NoCubeError, UsageError

if TYPE_CHECKING:
    from corridor.flows import FlowsRequest, FlowsResult
    from corridor.ingest import SyncReport, sync
    from corridor.observatory import Observatory, open

__version__ = "0.1.0"

# The rest of the API is imported on first use (PEP 562), so that `corridor sync` and other
# commands that need one area do not import every other area first (~0.2 CPU-s per process).
_LAZY = {
    "FlowsRequest": "corridor.flows",
    "FlowsResult": "corridor.flows",
    "SyncReport": "corridor.ingest",
    "sync": "corridor.ingest",
    "Observatory": "corridor.observatory",
    "open": "corridor.observatory",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")


__all__ = [
    "CorridorError",
    "FlowsRequest",
    "FlowsResult",
    "InputError",
    "NoCubeError",
    "Observatory",
    "SyncReport",
    "UsageError",
    "__version__",
    "open",
    "sync",
]

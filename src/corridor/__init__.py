"""Corridor: an open observatory for migration flows, their root causes, and what works.

import corridor
obs = corridor.open()            # the warehouse at $CORRIDOR_DB or ./corridor.duckdb
obs.flows(region="southwest", by="fiscal_year").tidy()
"""

from corridor.errors import CorridorError, InputError, NoCubeError, UsageError
from corridor.flows import FlowsRequest, FlowsResult
from corridor.ingest import SyncReport, sync
from corridor.observatory import Observatory, open

__version__ = "0.1.0"

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

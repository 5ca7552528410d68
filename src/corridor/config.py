"""Settings: where the warehouse lives, where the mirror is, where downloads are cached.

Precedence: explicit argument, then environment variable, then default.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "corridor.duckdb"


def warehouse_path(db: str | Path | None = None) -> Path:
    """The DuckDB file: `db`, else $CORRIDOR_DB, else ./corridor.duckdb."""
    if db is not None:
        return Path(db)
    return Path(os.environ.get("CORRIDOR_DB", DEFAULT_DB))


def mirror_dir(mirror: str | Path | None = None) -> Path | None:
    """The local folder holding official files (`--mirror`, else $CORRIDOR_MIRROR), or None."""
    if mirror is not None:
        return Path(mirror)
    env = os.environ.get("CORRIDOR_MIRROR")
    return Path(env) if env else None


def cache_dir() -> Path:
    """Where downloaded files are kept between syncs ($CORRIDOR_CACHE or ./.corridor-cache)."""
    return Path(os.environ.get("CORRIDOR_CACHE", ".corridor-cache"))


def download_base() -> str | None:
    """Optional URL prefix that replaces official hosts (for a private mirror or tests)."""
    return os.environ.get("CORRIDOR_DOWNLOAD_BASE") or None

"""Shared fixtures: the real data folder beside the checkout, and one synced warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import corridor
from corridor import ingest


def data_dir() -> Path:
    """../shared/data relative to the repository (or $CORRIDOR_TEST_DATA)."""
    env = os.environ.get("CORRIDOR_TEST_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        raise RuntimeError(f"real data folder not found at {path}; set CORRIDOR_TEST_DATA")
    return path


@pytest.fixture(scope="session")
def data() -> Path:
    return data_dir()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """A warehouse synced once from the whole real mirror."""
    db = tmp_path_factory.mktemp("wh") / "corridor.duckdb"
    ingest.sync(db=db, mirror=data)
    return db


@pytest.fixture(scope="session")
def obs(warehouse: Path) -> corridor.Observatory:
    o = corridor.open(warehouse)
    yield o
    o.close()

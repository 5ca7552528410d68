"""Shared fixtures: the real data folder beside the checkout, and one synced warehouse per run.

Under pytest-xdist (`make test` runs `pytest -n auto`) every worker process is its own pytest
session, so a session fixture would sync once per worker. The warehouse is instead synced once
per *run* into a folder all workers share (the parent of their temporary folders), under a file
lock: the first worker to ask syncs, the others wait and reuse it. Tests open it read-only; a
test that needs to write copies it first (a check at the end of the session fails if the shared
file changed).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

import corridor
from corridor import ingest


def data_dir() -> Path:
    """../shared/data relative to the repository (or $CORRIDOR_TEST_DATA)."""
    env = os.environ.get("CORRIDOR_TEST_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        raise RuntimeError(f"real data folder not found at {path}; set CORRIDOR_TEST_DATA")
    return path


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder shared by every xdist worker of this run (this session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@pytest.fixture(scope="session")
def data() -> Path:
    return data_dir()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[Path]:
    """A warehouse synced once per run from the whole real mirror, shared read-only by all workers."""
    root = run_dir(tmp_path_factory) / "shared-warehouse"
    db, done = root / "corridor.duckdb", root / "synced.sha256"
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / "sync.lock")):
        if not done.exists():
            ingest.sync(db=db, mirror=data)
            done.write_text(_digest(db))
    synced = done.read_text()
    yield db
    assert _digest(db) == synced, f"a test wrote into the shared warehouse {db}; copy it first"


@pytest.fixture(scope="session")
def obs(warehouse: Path) -> Iterator[corridor.Observatory]:
    o = corridor.open(warehouse)
    yield o
    o.close()

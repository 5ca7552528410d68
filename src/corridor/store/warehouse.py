"""Warehouse file handling: schema, read-only connections, and copy-then-rename writes."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from corridor.errors import WarehouseError

SCHEMA_VERSION = "1"

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS releases (
        release_id VARCHAR PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        file_key VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        rows BIGINT,
        period_start VARCHAR,
        period_end VARCHAR,
        loaded_at TIMESTAMP NOT NULL,
        publisher VARCHAR,
        url VARCHAR,
        licence VARCHAR,
        published VARCHAR,
        is_current BOOLEAN NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS datasets (
        dataset VARCHAR PRIMARY KEY,
        title VARCHAR,
        synced_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS dataset_tables (
        dataset VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        description VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS cubes (
        cube_id VARCHAR PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        title VARCHAR,
        table_name VARCHAR NOT NULL,
        grain VARCHAR NOT NULL,
        dims VARCHAR NOT NULL,
        fixed VARCHAR NOT NULL,
        rounded BOOLEAN NOT NULL,
        schemes VARCHAR NOT NULL,
        dim_since VARCHAR NOT NULL,
        note VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS cube_coverage (
        cube_id VARCHAR NOT NULL,
        release_id VARCHAR NOT NULL,
        start_month DATE NOT NULL,
        end_month DATE NOT NULL
    )""",
]


class Warehouse:
    """A warehouse file path with safe read and write access."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection; raises WarehouseError if there is no warehouse yet."""
        if not self.path.exists():
            raise WarehouseError(f"no warehouse at {self.path}; run `corridor sync --mirror DIR` first")
        # duckdb.connect(path) would hand back a database instance this process already has open
        # for that path, i.e. the file as it was before a sync renamed a new one over it;
        # attaching into a fresh in-memory instance always opens the file as it is now.
        con = duckdb.connect(":memory:")
        try:
            quoted = str(self.path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
            con.execute("USE warehouse")
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"cannot open warehouse {self.path}: {exc}") from None
        return con

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection to a private copy; on success the copy replaces the warehouse.

        Any exception (or a kill) before the rename leaves the live file untouched.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clean_stale()
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        if self.path.exists():
            shutil.copyfile(self.path, tmp)
        con = duckdb.connect(str(tmp))
        ok = False
        try:
            for stmt in SCHEMA:
                con.execute(stmt)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            ok = True
        finally:
            con.close()
            if not ok:
                _unlink(tmp)
                _unlink(Path(f"{tmp}.wal"))
        _fsync(tmp)
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def clean_stale(self) -> None:
        """Remove copies left by a sync that was killed before it could rename its copy."""
        for stale in self.path.parent.glob(f"{self.path.name}.tmp-*"):
            pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
            if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
                continue
            _unlink(stale)


def open_read(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Shortcut: a read-only connection to the warehouse at `path`."""
    return Warehouse(path).connect()


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

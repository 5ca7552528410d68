"""Warehouse file handling: schema, read-only connections, and copy-then-rename writes."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from corridor.errors import WarehouseError

SCHEMA_VERSION = "1"
# A DuckDB file carries these bytes at offset 8 of its first block.
DUCKDB_MAGIC = b"DUCK"
HEADER_BYTES = 16

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
    # The parser version (`ingest.parser_version`: a digest of the code and libraries a source's
    # parse depends on) each dataset was last parsed with: a dataset whose files are unchanged is
    # parsed again when this differs, so a fix to a reader reaches the warehouse.
    """CREATE TABLE IF NOT EXISTS dataset_parsers (
        dataset VARCHAR PRIMARY KEY,
        parser_version VARCHAR NOT NULL
    )""",
    # Labels a sync mapped by assumption (e.g. a country name matched ignoring case) rather than
    # by an entry of a reference table: `corridor status` lists them until the table has one.
    """CREATE TABLE IF NOT EXISTS assumed_mappings (
        dataset VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        how VARCHAR NOT NULL,
        reference VARCHAR NOT NULL
    )""",
]


class WarehouseBusy(WarehouseError):
    """Another sync holds the writer lock of this warehouse (the CLI exits with code 3)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        super().__init__(f"another sync is writing this warehouse (pid {pid if pid else 'unknown'})")


class Warehouse:
    """A warehouse file path with safe read and write access."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def target(self) -> Path:
        """The file a sync writes: the path itself, or the file a symlinked path points to (a
        symlink is written through, never replaced by a plain file)."""
        return Path(os.path.realpath(self.path))

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

    def check_writable(self) -> None:
        """Refuse a `--db` that is a folder or a file that is not a DuckDB database: a sync would
        replace it (say, a text file given by mistake) with a warehouse."""
        target = self.target
        if target.is_dir():
            raise WarehouseError(f"{self.path} is a folder, not a warehouse file; pass a file path to --db")
        if not target.exists():
            return
        try:
            with target.open("rb") as fh:
                head = fh.read(HEADER_BYTES)
        except OSError as exc:
            raise WarehouseError(f"cannot read {self.path} ({exc.strerror}); nothing was written") from None
        if head and head[8:12] != DUCKDB_MAGIC:
            raise WarehouseError(
                f"{self.path} is not a DuckDB warehouse; refusing to overwrite it (choose another --db)"
            )

    @contextlib.contextmanager
    def lock(
        self, *, wait: bool = False, waiting: Callable[[int | None], None] | None = None
    ) -> Iterator[None]:
        """Hold the writer lock (an OS lock on a file beside the warehouse) for the block.

        Only syncs take it; readers never do. Without `wait`, a lock held by another sync raises
        WarehouseBusy at once; with `wait`, this blocks until it is free (`waiting(pid)` is called
        once first). The OS releases the lock when its holder exits, however it exits.
        """
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        lock_path = target.with_name(f"{target.name}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _lock_holder(fd)
                if not wait:
                    raise WarehouseBusy(holder) from None
                if waiting is not None:
                    waiting(holder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection to a private copy; on success the copy replaces the warehouse.

        Any exception (or a kill) before the rename leaves the live file untouched, and the copy
        is removed on every exit path this process lives through (a SIGTERM included, see
        `ingest.sync`); one left by a killed process is removed by the next sync.

        The copy is private, so the rename alone makes the write atomic: statements commit as
        they run (no enclosing transaction), and DuckDB compresses and writes each table while
        the sync is still parsing others, instead of all of them in one commit at the end. One
        DuckDB thread: a sync's parse workers already use the cores.
        """
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.check_writable()
        self.clean_stale()
        tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        con: duckdb.DuckDBPyConnection | None = None
        done = False
        try:
            if target.exists():
                shutil.copyfile(target, tmp)
            con = duckdb.connect(str(tmp), config={"threads": 1})
            for stmt in SCHEMA:
                con.execute(stmt)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
            yield con
            con.execute("CHECKPOINT")
            con.close()
            con = None
            _fsync(tmp)
            os.replace(tmp, target)
            done = True
            _fsync_dir(target.parent)
        finally:
            if con is not None:
                with contextlib.suppress(Exception):  # a fatal DuckDB error may fail the close too
                    con.close()
            if not done:
                _unlink(tmp)
                _unlink(Path(f"{tmp}.wal"))

    def clean_stale(self) -> None:
        """Remove copies (and their WAL files) left by syncs that died before renaming them."""
        target = self.target
        for stale in target.parent.glob(f"{glob.escape(target.name)}.tmp-*"):
            pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
            if pid.isdigit() and pid_alive(int(pid)) and int(pid) != os.getpid():
                continue
            _unlink(stale)


def assumed_mappings(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str, str]]:
    """(dataset, label, code, how, reference) of every label the loaded datasets mapped by
    assumption; empty for a warehouse written before the table existed."""
    # Ask the catalogue first: a missing table would otherwise be looked up among this module's
    # Python names (DuckDB's replacement scan) and fail on this very function, not as missing.
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'assumed_mappings' AND schema_name = 'main'"
    ).fetchone()
    if not found or not found[0]:
        return []
    return con.execute(
        "SELECT dataset, label, code, how, reference FROM main.assumed_mappings ORDER BY dataset, label"
    ).fetchall()


def open_read(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Shortcut: a read-only connection to the warehouse at `path`."""
    return Warehouse(path).connect()


def _lock_holder(fd: int) -> int | None:
    """The pid the lock holder wrote into the lock file (None if not written yet)."""
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip() or "x")
    return None


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (one of another user counts as alive)."""
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

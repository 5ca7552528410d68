"""The warehouse as the web app sees it: one open version at a time, reopened after a sync.

A sync writes a copy of the warehouse and renames it over the old file. Each request leases
the version that is current when it starts and uses it to the end, so it sees one whole state;
a version that a newer file replaced is closed when its last lease ends. Per version we keep one
Observatory (with its cube metadata loaded once), a pool of cursors for concurrent requests and
a cache of finished answers: bounded by entries and by (estimated) bytes, least recently used out
first, computed once when identical requests arrive together, and dropped with its version, so a
new sync never serves an answer of the old file.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from corridor.errors import WarehouseError
from corridor.observatory import Observatory

FileKey = tuple[int, int, int, int]


class Cancelled(Exception):
    """A computation given up because the request that started it timed out (a 503 if it
    reaches anyone). Requests that were waiting for the same answer compute it again."""


def file_key(path: Path) -> FileKey | None:
    """What identifies one state of the file: device, inode, mtime and size (None if missing)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now.

    `duckdb.connect(path)` would hand back the database instance already open for that path
    (the file before the sync); attaching into a fresh in-memory instance opens the new file.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql_text(str(path))}' AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from None
    return con


def open_observatory(path: Path, obs_class: type = Observatory) -> Any:
    """An Observatory on the file at `path` as it is now, with its cube metadata loaded."""
    obs = obs_class(path)
    # Observatory opened the path through DuckDB's instance cache, which may still hold the
    # file as it was before the sync; swap in a connection to the file as it is now.
    obs.con.close()
    obs.con = _connect(path)
    if hasattr(obs, "_cubes"):
        obs._cubes = None
    obs.cubes  # noqa: B018 - load the cube metadata once per version
    return obs


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


STALE: FileKey = (0, 0, 0, 0)
CACHE_BYTES = 256 * 1024 * 1024  # default bound on the memory one version's answers may hold
OPAQUE = 10_000  # what an object we cannot look inside is assumed to hold
SAMPLE = 200  # long containers are weighed from this many items, scaled up


def weight(value: Any) -> int:
    """Roughly how many bytes a cached answer holds in memory.

    Bytes and text exactly; frames by their columns (strings included); the nested plain data of
    chart specs, metadata and page contexts by their containers and leaves (long ones from a
    sample); dataclasses (Shown, FlowsResult) by their fields. Objects reached twice count once.
    """
    return _weigh(value, set(), 0)


def _weigh(value: Any, seen: set[int], depth: int) -> int:
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, bytes | str | int | float):
        return sys.getsizeof(value)
    if id(value) in seen or depth > 30:
        return 0
    seen.add(id(value))
    if hasattr(value, "memory_usage") and hasattr(value, "dtypes"):  # a DataFrame or Series
        usage = value.memory_usage(deep=True)
        return int(usage.sum() if hasattr(usage, "sum") else usage)
    if isinstance(value, dict):
        items: list[Any] = [x for kv in value.items() for x in kv]
        return sys.getsizeof(value) + _weigh_items(items, seen, depth)
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + _weigh_items(list(value), seen, depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [getattr(value, f.name, None) for f in dataclasses.fields(value)]
        return sys.getsizeof(value) + _weigh_items(fields, seen, depth)
    if hasattr(value, "nbytes") and hasattr(value, "dtype"):  # a numpy array or scalar
        return int(value.nbytes) + 100
    if hasattr(value, "__dict__"):  # an object we do not look inside (it may share a connection)
        return OPAQUE
    return sys.getsizeof(value)  # dates, decimals and other small leaves


def _weigh_items(items: list[Any], seen: set[int], depth: int) -> int:
    if len(items) <= SAMPLE:
        return sum(_weigh(v, seen, depth + 1) for v in items)
    step = len(items) / SAMPLE
    sample = sum(_weigh(items[int(i * step)], seen, depth + 1) for i in range(SAMPLE))
    return int(sample * len(items) / SAMPLE)


@dataclass(eq=False)
class Flight:
    """One answer being computed: requests for the same key wait for it instead of recomputing."""

    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


@dataclass(eq=False)
class Version:
    """One state of the warehouse file, open read-only, with its cursors and cached answers."""

    number: int
    key: FileKey
    obs: Observatory
    cache_size: int = 256  # at most this many answers (0: no cache, and no sharing of answers)
    cache_max_bytes: int = CACHE_BYTES  # and at most this many bytes of them (by `weight`)
    leases: int = 0
    retired: bool = False
    idle: list[Observatory] = field(default_factory=list)
    cache: OrderedDict[Any, tuple[Any, int]] = field(default_factory=OrderedDict)
    cache_bytes: int = 0
    flights: dict[Any, Flight] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tag(self) -> str:
        """A short id of this state, sent as a header and shown in the footer."""
        return f"{self.number}-{self.key[1]:x}-{self.key[2] // 1_000_000:x}"

    def clone(self) -> Observatory:
        """An Observatory sharing this version's cube metadata, on its own cursor (thread-safe use)."""
        twin = copy.copy(self.obs)
        cursor = self.obs.con.cursor()
        cursor.execute("USE warehouse")
        twin.con = cursor
        return twin

    def cached(
        self, key: Any, compute: Callable[[], Any], *, keep: Callable[[Any], bool] | None = None
    ) -> Any:
        """The answer for `key` in this version, computed once (the data cannot change).

        Requests that ask for `key` while it is being computed wait for that computation and share
        its answer (or its error). `keep` can refuse to hold an answer (a very large one); an
        answer heavier than a quarter of the byte bound is not held either. Holding one evicts the
        least recently used answers until both bounds hold.
        """
        while True:
            with self.lock:
                entry = self.cache.get(key)
                if entry is not None:
                    self.cache.move_to_end(key)
                    return entry[0]
                flight = self.flights.get(key)
                leader = flight is None
                if flight is None and self.cache_size > 0:
                    flight = self.flights[key] = Flight()
            if leader:
                break
            assert flight is not None
            flight.done.wait()
            if isinstance(flight.error, Cancelled):
                continue  # the leader's request gave up, not ours: compute it ourselves
            if flight.error is not None:
                raise flight.error
            return flight.value
        if flight is None:  # caching is off: every request computes its own answer
            return compute()
        try:
            flight.value = compute()
            self._hold(key, flight.value, keep)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self.lock:
                self.flights.pop(key, None)
            flight.done.set()
        return flight.value

    def peek(self, key: Any) -> Any:
        """The cached answer for `key` in this version, or None (nothing is computed)."""
        with self.lock:
            entry = self.cache.get(key)
            if entry is None:
                return None
            self.cache.move_to_end(key)
            return entry[0]

    def _hold(self, key: Any, value: Any, keep: Callable[[Any], bool] | None) -> None:
        """Keep `value` under `key` (unless refused or too heavy), then evict down to both bounds."""
        if keep is not None and not keep(value):
            return
        size = weight(value)
        if size > self.cache_max_bytes // 4:
            return
        with self.lock:
            if key not in self.cache:
                self.cache[key] = (value, size)
                self.cache_bytes += size
            while self.cache and (
                len(self.cache) > self.cache_size or self.cache_bytes > self.cache_max_bytes
            ):
                _, (_, dropped) = self.cache.popitem(last=False)
                self.cache_bytes -= dropped

    def close(self) -> None:
        for twin in self.idle:
            with contextlib.suppress(duckdb.Error):
                twin.con.close()
        self.idle.clear()
        with self.lock:  # free the old answers now, not when the last reference goes
            self.cache.clear()
            self.cache_bytes = 0
        with contextlib.suppress(duckdb.Error):
            self.obs.con.close()


class WarehouseState:
    """The app's handle on the warehouse file: leases the current version to each request."""

    def __init__(
        self,
        path: str | Path,
        *,
        cache_size: int = 256,
        cache_bytes: int = CACHE_BYTES,
        obs_class: type = Observatory,
    ) -> None:
        self.path = Path(path).resolve()
        self.obs_class = obs_class
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self._lock = threading.Lock()  # guards _current and every version's lease count
        self._open_lock = threading.Lock()  # one thread opens a new version at a time
        self._current: Version | None = None
        self._opened = 0

    def _open(self, key: FileKey) -> Version:
        obs = open_observatory(self.path, self.obs_class)
        self._opened += 1
        return Version(
            number=self._opened,
            key=key,
            obs=obs,
            cache_size=self.cache_size,
            cache_max_bytes=self.cache_bytes,
        )

    def _acquire(self) -> Version:
        key = file_key(self.path)
        with self._lock:
            cur = self._current
            if cur is not None and (key is None or cur.key == key):
                cur.leases += 1  # unchanged, or the file is gone mid-sync: answer from what is open
                return cur
        if key is None:
            raise WarehouseError(f"no warehouse at {self.path}; run `corridor sync --mirror DIR` first")
        if not self._open_lock.acquire(blocking=cur is None):
            with self._lock:  # another request is opening the new file: keep using the old one
                self._current.leases += 1  # type: ignore[union-attr]
                return self._current  # type: ignore[return-value]
        try:
            with self._lock:
                cur = self._current
                if cur is not None and cur.key == key:
                    cur.leases += 1
                    return cur
            try:
                new = self._open(key)
            except WarehouseError:
                if cur is None:
                    raise
                with self._lock:  # an unreadable new file: keep answering from the old one
                    cur.leases += 1
                    return cur
            if file_key(self.path) != key:
                new.key = STALE  # replaced again while we opened it: the next request reopens
            with self._lock:
                old, self._current = self._current, new
                new.leases += 1
                drop = old is not None and old.leases == 0
                if old is not None:
                    old.retired = True
            if drop:
                old.close()  # type: ignore[union-attr]
            return new
        finally:
            self._open_lock.release()

    def _release(self, version: Version) -> None:
        with self._lock:
            version.leases -= 1
            drop = version.retired and version.leases == 0
        if drop:
            version.close()

    def hit(self, key: Any) -> tuple[Version, Any] | None:
        """A cached answer of the current version, without a lease or a thread (None on a miss).

        Cheap enough for the event loop: one stat of the file and a dictionary lookup.
        """
        fkey = file_key(self.path)
        with self._lock:
            cur = self._current
        if cur is None or (fkey is not None and cur.key != fkey):
            return None
        with cur.lock:
            if key not in cur.cache:
                return None
            cur.cache.move_to_end(key)
            return cur, cur.cache[key][0]

    def current(self) -> Version:
        """The version for the file as it is now (opening it if the file changed), not leased."""
        version = self._acquire()
        self._release(version)
        return version

    @contextlib.contextmanager
    def lease(self) -> Iterator[tuple[Version, Observatory]]:
        """The current version and an Observatory on its own cursor, for the whole of one request."""
        version = self._acquire()
        twin: Observatory | None = None
        try:
            with version.lock:
                twin = version.idle.pop() if version.idle else None
            if twin is None:
                twin = version.clone()
            yield version, twin
        finally:
            if twin is not None:
                with version.lock:
                    version.idle.append(twin)
            self._release(version)

    def close(self) -> None:
        """Close the open version (at shutdown)."""
        with self._lock:
            cur, self._current = self._current, None
        if cur is not None:
            cur.close()

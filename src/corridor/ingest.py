"""Sync: fetch -> parse -> validate -> load, atomic and idempotent, with provenance.

One sync at a time: a sync holds the warehouse's writer lock from start to finish (a second one
waits, or fails at once with `WarehouseBusy`); readers never take it. Each selected file is
fetched and checksummed before its dataset is parsed. A dataset whose files all match the
checksums already loaded, and whose parser is unchanged (`parser_version`: its code and the
reading libraries), is skipped.
Changed datasets are parsed and validated (in worker processes when asked; each reader applies
its file's plausibility rules, see `sources.base.file_rules`) and loaded, as each is
ready, into a private copy of the warehouse; the copy is renamed over the original only after
every dataset has loaded and every file, read again once its parse ended, still had the checksum
it was fetched with (see `store`). So a sync lands whole or not at all, and a failure (a full
disk, a worker killed for memory, SIGTERM, Ctrl-C) ends in one `CorridorError` sentence with the
warehouse unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import functools
import gc
import glob
import hashlib
import importlib.metadata
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.pandas_compat  # every parse converts frames: loaded once, before the workers fork

from corridor import config, fetch
from corridor.errors import CorridorError, FetchError, InputError, UsageError, WarehouseError
from corridor.processes import die_with_parent
from corridor.reference.vocab import AssumedMapping, take_assumed
from corridor.sources import SOURCES, Source
from corridor.sources.base import Coverage, CubeSpec, Parsed, file_rules
from corridor.store import Warehouse
from corridor.store.warehouse import pid_alive

Progress = Callable[[str, str, int, int], None]  # (dataset, stage, done, total)
Job = tuple[Source, dict[str, Path], dict[str, str]]  # (source, file paths, release ids) by file key
MAX_WORKERS = 4


@dataclass
class DatasetResult:
    """What a sync did to one dataset."""

    dataset: str
    title: str
    status: str  # "loaded" | "unchanged"
    rows: int
    period: tuple[str, str] | None
    files: list[str] = field(default_factory=list)


@dataclass
class SyncReport:
    """The outcome of one sync."""

    db: Path
    results: list[DatasetResult]
    # Per dataset loaded now, the labels it mapped by assumption (also in `corridor status`).
    assumed: dict[str, list[AssumedMapping]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(r.status == "loaded" for r in self.results)

    @property
    def warnings(self) -> list[str]:
        """One plain sentence per assumed mapping."""
        return [m.sentence(d) for d, ms in self.assumed.items() for m in ms]


class SyncTerminated(BaseException):
    """Raised in a sync when the process receives SIGTERM, so its temporary copy is removed."""


def release_id(dataset: str, file_key: str, sha256: str) -> str:
    return f"{dataset}/{file_key}@{sha256[:12]}"


def _loaded(wh: Warehouse) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """The current files' checksums ((dataset, file key) -> sha256) and each dataset's parser
    version, as loaded; empty for a new warehouse (or one written before versions were kept)."""
    if not wh.exists():
        return {}, {}
    try:
        con = wh.connect()
    except Exception:
        return {}, {}
    rows: list[tuple[str, str, str]] = []
    versions: list[tuple[str, str]] = []
    try:
        rows = con.execute("SELECT dataset, file_key, sha256 FROM releases WHERE is_current").fetchall()
        versions = con.execute("SELECT dataset, parser_version FROM dataset_parsers").fetchall()
    except duckdb.Error:
        pass
    finally:
        con.close()
    return {(d, k): s for d, k, s in rows}, dict(versions)


# What a parse depends on besides its files: the reading libraries (a new pandas or calamine may
# read a cell differently), and the corridor modules its source module imports, followed from module
# to module (imports inside functions included), with the data files beside them.
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(corridor[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+(corridor[\w.]*)", re.M)
_PACKAGE_ROOT = Path(__file__).resolve().parent  # src/corridor


@functools.cache
def _module_file(name: str) -> Path | None:
    """The file of corridor module `name` (a package's __init__.py), or None."""
    parts = name.split(".")[1:]
    base = _PACKAGE_ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _imported_files(path: Path) -> frozenset[Path]:
    """The corridor module files `path` imports directly (`from pkg import module` included)."""
    text = path.read_text(encoding="utf-8")
    found = {f for m in _PLAIN_IMPORT.finditer(text) if (f := _module_file(m.group(1))) is not None}
    for m in _FROM_IMPORT.finditer(text):
        module = m.group(1)
        if (f := _module_file(module)) is not None:
            found.add(f)
        names = re.sub(r"#[^\n]*", "", m.group(2)).strip("()")
        for name in names.split(","):
            word = name.split()[0] if name.split() else ""
            if word and (f := _module_file(f"{module}.{word}")) is not None:
                found.add(f)
    return frozenset(found)


def _parse_code(module: str) -> list[Path]:
    """Every corridor file a source module's parse can run: the module, what it imports (followed
    to the end), and the non-Python files in those modules' folders (YAML vocabularies)."""
    start = _module_file(module)
    if start is None:
        return []
    seen: set[Path] = set()
    todo = [start]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        todo.extend(_imported_files(f) - seen)
    data = {
        p
        for folder in {f.parent for f in seen}
        for p in folder.iterdir()
        if p.is_file() and p.suffix not in (".py", ".pyc")
    }
    return sorted(seen | data)


@functools.cache
def _library_versions() -> str:
    import numpy

    out = [f"numpy={numpy.__version__}", f"pandas={pd.__version__}", f"pyarrow={pa.__version__}"]
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        out.append(f"python-calamine={importlib.metadata.version('python-calamine')}")
    return "\n".join(out)


@functools.cache
def _digest_of(module: str, explicit: str) -> str:
    h = hashlib.sha256(explicit.encode() + b"\0" + _library_versions().encode())
    for f in _parse_code(module):
        h.update(_file_digest(f))
    return h.hexdigest()[:16]


@functools.cache
def _file_digest(path: Path) -> bytes:
    return hashlib.sha256(str(path.relative_to(_PACKAGE_ROOT)).encode() + b"\0" + path.read_bytes()).digest()


def parser_version(src: Source) -> str:
    """A digest of what parsing `src` depends on besides its files: its code (the source module and
    every corridor module it imports), the reading libraries' versions, and the source's optional
    `parser_version` attribute. A sync parses a dataset again when this changes."""
    explicit = str(getattr(src, "parser_version", "") or "")
    return _digest_of(type(src).__module__, explicit)


def select_sources(only: Sequence[str] | None, skip: Sequence[str] | None = None) -> list[Source]:
    """The sources to sync: `only` these (default all), minus those to `skip`."""
    unknown = [d for d in [*(only or []), *(skip or [])] if d not in SOURCES]
    if unknown:
        raise UsageError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    chosen = [SOURCES[d] for d in only] if only else list(SOURCES.values())
    chosen = [s for s in chosen if s.id not in set(skip or [])]
    if not chosen:
        raise UsageError("--skip leaves no dataset to sync")
    return chosen


def sync(
    *,
    db: str | Path | None = None,
    mirror: str | Path | None = None,
    only: Sequence[str] | None = None,
    skip: Sequence[str] | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    wait: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
) -> SyncReport:
    """Bring the warehouse up to date with the official files (from `mirror` or online).

    With `workers` > 1, datasets are parsed in worker processes while this one loads the ones
    already parsed into the warehouse copy; the copy replaces the warehouse only once every
    dataset has parsed, loaded and been re-checksummed, so the sync still lands whole or not at all.
    If another sync holds the warehouse, this one raises `WarehouseBusy` at once, or with `wait`
    waits for it (calling `on_wait(pid)` first). Failures of the machine (disk full, a worker
    killed for memory) raise `WarehouseError`; SIGTERM raises `SyncTerminated`; in every case the
    warehouse is unchanged and the temporary copy removed.
    """
    with _terminate_raises(), _collect_rarely():
        try:
            # Workers start before this call opens DuckDB (whose threads make a fork unsafe).
            with _Parser(workers) as parser:
                return _sync(
                    parser,
                    db=db,
                    mirror=mirror,
                    only=only,
                    skip=skip,
                    progress=progress,
                    wait=wait,
                    on_wait=on_wait,
                )
        except CorridorError:
            raise
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except (BrokenProcessPool, MemoryError, duckdb.OutOfMemoryException):
            raise WarehouseError(
                "a parse ran out of memory or its worker process was killed, so nothing was loaded "
                "and the warehouse is unchanged (free memory, or sync fewer datasets at once with "
                "--only or CORRIDOR_WORKERS=1)"
            ) from None
        except OSError as exc:
            raise WarehouseError(_os_sentence(exc)) from None
        except RuntimeError as exc:  # DuckDB's client reports a Ctrl-C inside a query this way
            if "interrupted" in str(exc).lower():
                raise KeyboardInterrupt from None
            raise
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if any(m in first for m in ("No space left", "File too large", "Disk quota")):
                raise WarehouseError(_os_sentence(OSError(errno.ENOSPC, first))) from None
            raise WarehouseError(f"writing the warehouse failed ({first}); it is unchanged") from None


def _os_sentence(exc: OSError) -> str:
    """One sentence for an operating-system failure during a sync."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return (
            f"the disk is full or a file-size limit was reached{where}, so nothing was loaded and "
            "the warehouse is unchanged"
        )
    return f"{exc.strerror or exc}{where}; nothing was loaded and the warehouse is unchanged"


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """While syncing in the main thread, SIGTERM raises SyncTerminated, so every `finally`
    (the removal of the temporary copy among them) runs before the process exits."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise SyncTerminated("sync stopped by SIGTERM; the warehouse is unchanged")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _sync(
    parser: _Parser,
    *,
    db: str | Path | None,
    mirror: str | Path | None,
    only: Sequence[str] | None,
    skip: Sequence[str] | None,
    progress: Progress | None,
    wait: bool,
    on_wait: Callable[[int | None], None] | None,
) -> SyncReport:
    wh = Warehouse(config.warehouse_path(db))
    mirror_dir = config.mirror_dir(mirror)
    sources = select_sources(only, skip)
    wh.check_writable()  # before the lock file is created beside a file given by mistake
    with wh.lock(wait=wait, waiting=on_wait):
        wh.check_writable()
        wh.clean_stale()  # copies of killed syncs go on every sync, a no-change one included
        return _sync_locked(parser, wh, mirror_dir, sources, progress)


def _sync_locked(
    parser: _Parser,
    wh: Warehouse,
    mirror_dir: Path | None,
    sources: list[Source],
    progress: Progress | None,
) -> SyncReport:
    note = progress or (lambda *_: None)

    known, versions = _loaded(wh)
    fetched: dict[str, dict[str, fetch.Fetched]] = {}
    results: list[DatasetResult] = []
    jobs: list[Job] = []
    # Each changed dataset goes to a parse worker as soon as its files are checksummed, the
    # longest parses first (from a mirror, whose sizes are known before reading), so the workers
    # start while the remaining files are still being checksummed.
    for src in _longest_first(sources, mirror_dir) if parser.pool else sources:
        files = {}
        for i, spec in enumerate(src.files):
            note(src.id, "fetch", i, len(src.files))
            files[spec.key] = fetch.from_mirror(spec, mirror_dir) if mirror_dir else fetch.download(spec)
        fetched[src.id] = files
        note(src.id, "fetch", len(src.files), len(src.files))
        same_code = versions.get(src.id) == parser_version(src)
        if same_code and all(known.get((src.id, k)) == f.sha256 for k, f in files.items()):
            results.append(DatasetResult(src.id, src.title, "unchanged", 0, None, list(files)))
            note(src.id, "unchanged", 1, 1)
            continue
        releases = {k: release_id(src.id, k, f.sha256) for k, f in files.items()}
        jobs.append((src, {k: f.path for k, f in files.items()}, releases))
        if mirror_dir is not None:  # downloads: all fetched first, then parsed longest first
            parser.submit(jobs[-1], note)
    if mirror_dir is None:
        for job in sorted(jobs, key=lambda j: -_parse_cost(j[1].values())) if parser.pool else jobs:
            parser.submit(job, note)
    order = {s.id: i for i, s in enumerate(sources)}
    jobs.sort(key=lambda j: order[j[0].id])

    parsed: dict[str, Parsed] = {}
    if jobs:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        with wh.writer() as con:
            # Tables are created as datasets finish parsing; the catalogue rows are then written
            # in the sources' order, so its tables read the same whichever worker was faster.
            for src, p, sums in parser.results():
                # A file rewritten while it was read would load numbers its checksum does not
                # describe: checked as each parse ends (by the worker), not all at the end.
                _check_unchanged(fetched[src.id], sums)
                note(src.id, "load", 0, 1)
                _replace_tables(con, src, p)
                parsed[src.id] = dataclasses.replace(p, frames={})  # the tables are written
                note(src.id, "load", 1, 1)
            _record(con, [(src, fetched[src.id], parsed[src.id]) for src, _, _ in jobs], now)
            _refresh_views(con)

    for src in sources:
        if src.id in parsed:
            p = parsed[src.id]
            starts = [v[0] for v in p.periods.values()]
            ends = [v[1] for v in p.periods.values()]
            results.append(
                DatasetResult(
                    src.id,
                    src.title,
                    "loaded",
                    sum(p.rows.values()),
                    (min(starts), max(ends)) if starts else None,
                    list(fetched[src.id]),
                )
            )
    results.sort(key=lambda r: order[r.dataset])
    assumed = {d: p.assumed for d, p in parsed.items() if p.assumed}
    return SyncReport(wh.path, results, dict(sorted(assumed.items(), key=lambda kv: order[kv[0]])))


def _check_unchanged(files: dict[str, fetch.Fetched], sums: dict[str, str]) -> None:
    """A file whose checksum after its parse (`sums`, by file key) differs from the one it was
    fetched with changed while it was read: its numbers are not the release's."""
    for key, f in files.items():
        if sums.get(key) != f.sha256:
            raise FetchError(
                f"{f.path.name} changed while it was being read (checksum differs); nothing was "
                "loaded. Run the sync again once the file is stable."
            )


def _parse_one(job: Job) -> Parsed:
    """Parse one dataset; its frames come back as the tables to create (cubes flagged current),
    with the labels it mapped by assumption."""
    src, paths, releases = job
    take_assumed()  # forget notes of an earlier parse in this process
    with file_rules(paths, src.files):
        parsed = src.parse(paths, releases)
    parsed.assumed = take_assumed()
    leftover = set(parsed.frames) - {c.table for c in parsed.cubes} - {t.name for t in parsed.tables}
    if leftover:
        raise RuntimeError(f"source {src.id} returned frames it did not declare: {leftover}")
    specs = {s.key: s for s in src.files}
    frames = {
        cube.table: _mark_current(parsed.frames[cube.table], cube, parsed.coverage, releases, specs)
        for cube in parsed.cubes
    }
    frames.update({t.name: parsed.frames[t.name] for t in parsed.tables})
    return dataclasses.replace(parsed, frames=frames)


def _parse_checked(job: Job) -> tuple[Parsed, dict[str, str]]:
    """`_parse_one`, and each file's checksum once parsed (to compare with the fetched one)."""
    parsed = _parse_one(job)
    return parsed, {k: fetch.sha256_of(p) for k, p in job[1].items()}


@dataclass(frozen=True)
class _Spilled:
    """A parsed table a worker wrote as an Arrow IPC file, for the sync to memory-map."""

    path: str


def _parse_in_worker(job: Job, spill: str | None) -> tuple[Parsed, dict[str, str]]:
    """`_parse_checked` in a worker process, its frames converted to Arrow tables and written to
    files in the folder `spill`, which the sync memory-maps: no pickling of ~180 MB of tables
    through a pipe (~0.6 CPU-s of both processes for the mirror) and no copy in the sync's
    process. A table that cannot be written there (a full /dev/shm) comes back pickled."""
    parsed, sums = _parse_checked(job)
    frames: dict[str, Any] = {}
    for i, (name, frame) in enumerate(parsed.frames.items()):
        # One thread: the worker shares the cores with the other parses, and a thread pool per
        # table (pyarrow's default for larger frames) costs its start and its joins.
        table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
        frames[name] = (
            table if spill is None else _spill(table, os.path.join(spill, f"{job[0].id}.{i}.arrow"))
        )
    return dataclasses.replace(parsed, frames=frames), sums


def _spill(table: pa.Table, path: str) -> pa.Table | _Spilled:
    try:
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    except (OSError, pa.ArrowException):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return table
    return _Spilled(path)


def _unspill(frames: dict[str, Any]) -> dict[str, Any]:
    """The worker's tables, memory-mapped (zero-copy): each file is unlinked at once, its pages
    freed when the table is dropped."""
    out = {}
    for name, frame in frames.items():
        if isinstance(frame, _Spilled):
            try:
                out[name] = pa.ipc.open_file(pa.memory_map(frame.path)).read_all()
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(frame.path)
        else:
            out[name] = frame
    return out


def _thread_count() -> int | None:
    """Threads of this process, native ones included (Linux: /proc/self/task); None if unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


# After the imports above: the main thread plus the helpers numpy's BLAS and Arrow's allocator
# start at import (both are fork-aware). More threads later means some library has started a
# pool (DuckDB runs queries on one) whose locks a forked child could inherit held.
_THREADS_AT_IMPORT = _thread_count()


def _fork_is_safe() -> bool:
    now = _thread_count()
    return now is not None and _THREADS_AT_IMPORT is not None and now <= _THREADS_AT_IMPORT


class _Parser:
    """Parses datasets, in worker processes when asked for more than one worker.

    A fork copies the parent as it is, including a lock some native thread (e.g. DuckDB's) happens
    to hold, which can deadlock the child. So workers are forked only while this process runs no
    more threads than it had after its imports (the CLI, before it opens the warehouse);
    otherwise they fork from a clean server process (`forkserver`), which takes about a second
    to start, once per process.
    """

    def __init__(self, workers: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.spill: str | None = None
        self._serial: list[Job] = []
        self._futures: dict[Future, Source] = {}
        n = min(os.cpu_count() or 1, MAX_WORKERS, max(1, workers))
        if n < 2 or os.environ.get("CORRIDOR_SERIAL"):
            return
        methods = mp.get_all_start_methods()
        ctx: BaseContext
        if "fork" in methods and _fork_is_safe():
            ctx = mp.get_context("fork")
        elif "forkserver" in methods:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["corridor.sources"])
        else:
            return
        self.pool = ProcessPoolExecutor(
            max_workers=n,
            mp_context=ctx,
            initializer=_worker_start,
            initargs=(os.getpid() if ctx.get_start_method() == "fork" else None,),
        )
        # Forked now, with the objects of this process's imports frozen (`_collect_rarely`).
        self.pool.submit(int)  # launch the workers now, before this process starts threads
        self.spill = _spill_folder()

    def __enter__(self) -> _Parser:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self.pool is None:
            return
        try:
            if exc_type is not None:  # failing: stop the workers now rather than wait for their parses
                for proc in list(getattr(self.pool, "_processes", {}).values()):
                    with contextlib.suppress(Exception):
                        proc.kill()
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            if self.spill is not None:
                shutil.rmtree(self.spill, ignore_errors=True)

    def submit(self, job: Job, note: Progress) -> None:
        """Start parsing one dataset (in this process: queue it for `results`)."""
        note(job[0].id, "parse", 0, 1)
        if self.pool is None:
            self._serial.append(job)
        else:
            self._futures[self.pool.submit(_parse_in_worker, job, self.spill)] = job[0]

    def results(self) -> Iterator[tuple[Source, Parsed, dict[str, str]]]:
        """Each submitted dataset's parse and its files' checksums after it, as each finishes
        (in this process: in the order submitted); nothing is written here."""
        for job in self._serial:
            with _naming(job[0]):
                parsed, sums = _parse_checked(job)
            yield job[0], parsed, sums
        for fut in as_completed(self._futures):
            src = self._futures[fut]
            with _naming(src):
                parsed, sums = fut.result()
            yield src, dataclasses.replace(parsed, frames=_unspill(parsed.frames)), sums


def _longest_first(sources: list[Source], mirror: Path | None) -> list[Source]:
    """Sources by estimated parse time, longest first (from a mirror: by the files' sizes), so the
    workers finish together rather than one waiting on a big file at the end."""
    if mirror is None:
        return sources
    return sorted(sources, key=lambda s: -_parse_cost(mirror / f.mirror_path for f in s.files))


def _spill_folder() -> str | None:
    """A new folder for the workers' Arrow files: in /dev/shm (memory) where it has room, else the
    temporary folder."""
    return _spill_folder_in("/dev/shm" if _has_room("/dev/shm") else tempfile.gettempdir())


def _spill_folder_in(root: str) -> str | None:
    """A new spill folder in `root`, once the folders of syncs that died are removed; None if
    none can be made (the tables then come back pickled)."""
    for stale in glob.glob(os.path.join(root, "corridor-sync-*")):
        pid = os.path.basename(stale).split("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    try:
        return tempfile.mkdtemp(prefix=f"corridor-sync-{os.getpid()}-", dir=root)
    except OSError:
        return None  # tables come back pickled


def _has_room(folder: str, need: int = 2**30) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and st.f_bavail * st.f_frsize >= need


# Parse seconds per MB by format, measured on the mirror (2026-12): a zipped workbook or a
# compressed Parquet file takes two to three times longer per byte than a CSV.
_SECONDS_PER_MB = {".xlsx": 0.35, ".parquet": 0.25}
_SECONDS_PER_FILE = 0.05


def _parse_cost(paths: Iterable[Path]) -> float:
    """A rough estimate of a dataset's parse time, to start the longest parses first (a missing
    file counts as empty: fetching it raises)."""
    rate = _SECONDS_PER_MB.get
    return sum(_SECONDS_PER_FILE + _size(p) / 1e6 * rate(p.suffix.lower(), 0.12) for p in paths)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _worker_start(parent: int | None) -> None:
    """In a parse worker: die with the sync, and leave Ctrl-C to it (the terminal sends SIGINT to
    every process of the group; the sync answers it with one sentence, workers say nothing).
    SIGTERM (how the pool stops workers) simply ends a worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the sync's handler, inherited by a fork
    die_with_parent(parent)
    _keep_freed_memory()
    gc.freeze()  # what a forkserver's worker imported stays out of its collections, as in a fork
    gc.set_threshold(*_RARELY)
    # Arrow's buffers from glibc too (mimalloc by default), which `_keep_freed_memory` has keep
    # what is freed: mimalloc returned freed pages to the kernel, to be faulted in and zeroed again
    # by the next column (system time of a full parse ~0.55 -> ~0.27 CPU-s).
    pa.set_memory_pool(pa.system_memory_pool())


# The cycle collector's thresholds during a sync (default 700, 10, 10; see `_collect_rarely`).
_RARELY = (50_000, 20, 100)


@contextlib.contextmanager
def _collect_rarely() -> Iterator[None]:
    """For a sync: the objects alive now (the imports: pandas, pyarrow, DuckDB, corridor) frozen
    out of the cycle collector's generations, and a collection only after 50,000 net new
    container objects instead of 700. A parse creates and frees pandas objects by the hundred
    thousand; the frequent collections, the older-generation ones walking every live object,
    cost ~0.3-0.5 of the parses' ~7.5 CPU-s. Forked workers inherit the frozen objects, so their
    collections never touch (copy) those pages; they keep these thresholds (`_worker_start`).
    Cycles are still collected: peak memory of parsing the whole mirror in one process is
    unchanged (~350 MB with and without). Both are undone afterwards (a server may sync)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_RARELY)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


# glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_memory() -> None:
    """In a parse worker (a short-lived process), let glibc reuse freed memory instead of giving
    each large array its own mapping and returning it at once: a parse allocates and frees many
    column-sized arrays, and the kernel zeroing fresh pages for each was ~1.4 of the workers'
    ~7.6 CPU-s (system time), ~1.0 with this. Not done in the sync's own process, which may be
    a long-lived server. A no-op off glibc."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 256 * 2**20)
        libc.mallopt(_M_TRIM_THRESHOLD, 512 * 2**20)


@contextlib.contextmanager
def _naming(src: Source) -> Iterator[None]:
    """A bad file of one dataset: say that the others can be synced without it."""
    try:
        yield
    except InputError as exc:
        raise InputError(
            exc.file,
            f"{exc.reason}; nothing was loaded (to sync the other datasets meanwhile: "
            f"`corridor sync --skip {src.id}`)",
            row=exc.row,
            column=exc.column,
            sheet=exc.sheet,
        ) from None


def _replace_tables(con: duckdb.DuckDBPyConnection, src: Source, parsed: Parsed) -> None:
    """Drop one dataset's old tables and create its new ones (in the private copy)."""
    old_tables = [
        r[0]
        for r in con.execute("SELECT table_name FROM dataset_tables WHERE dataset = ?", [src.id]).fetchall()
    ]
    for table in old_tables:
        con.execute(f'DROP TABLE IF EXISTS "{table}"')
    for name, frame in parsed.frames.items():
        _create(con, name, frame)


def _record(
    con: duckdb.DuckDBPyConnection,
    done: list[tuple[Source, dict[str, fetch.Fetched], Parsed]],
    now: dt.datetime,
) -> None:
    """Replace the parsed datasets' releases, cubes, table lists, assumed mappings and parser
    versions (their tables are already replaced): a few statements for all of them, the rows in
    the sources' order."""
    ids = [src.id for src, _, _ in done]
    within = "dataset IN (SELECT unnest(?::VARCHAR[]))"
    con.execute(f"DELETE FROM dataset_tables WHERE {within}", [ids])
    con.execute(
        f"DELETE FROM cube_coverage WHERE cube_id IN (SELECT cube_id FROM cubes WHERE {within})", [ids]
    )
    con.execute(f"DELETE FROM cubes WHERE {within}", [ids])
    con.execute(f"UPDATE releases SET is_current = false WHERE {within}", [ids])
    con.execute(f"DELETE FROM assumed_mappings WHERE {within}", [ids])
    con.execute(f"DELETE FROM dataset_parsers WHERE {within}", [ids])
    con.execute(f"DELETE FROM datasets WHERE {within}", [ids])

    assumed, releases, tables, cubes, coverage, datasets, parsers = [], [], [], [], [], [], []
    for src, files, parsed in done:
        assumed += [(src.id, m.label, m.code, m.how, m.reference) for m in parsed.assumed]
        ids_of = {k: release_id(src.id, k, f.sha256) for k, f in files.items()}
        specs = {s.key: s for s in src.files}
        for key, f in files.items():
            spec = specs[key]
            start, end = parsed.periods.get(key, (None, None))
            releases.append(
                (
                    ids_of[key],
                    src.id,
                    key,
                    Path(spec.mirror_path).name,
                    f.sha256,
                    f.bytes,
                    parsed.rows.get(key),
                    None if start is None else str(start),
                    None if end is None else str(end),
                    now,
                    spec.publisher,
                    spec.url,
                    spec.licence,
                    spec.published,
                    True,
                )
            )
        for cube in parsed.cubes:
            tables.append((src.id, cube.table, "cube", cube.title))
            cubes.append(
                (
                    cube.id,
                    src.id,
                    cube.title,
                    cube.table,
                    cube.grain,
                    json.dumps(list(cube.dims)),
                    json.dumps(cube.fixed, sort_keys=True),
                    cube.rounded,
                    json.dumps(cube.schemes, sort_keys=True),
                    json.dumps(cube.dim_since, sort_keys=True),
                    cube.note,
                )
            )
            coverage += [
                (cube.id, ids_of[c.file_key], c.start, c.end) for c in parsed.coverage if c.cube == cube.id
            ]
        tables += [(src.id, t.name, t.append_to or "table", t.description) for t in parsed.tables]
        datasets.append((src.id, src.title, now))
        parsers.append((src.id, parser_version(src)))
    new_ids = [r[0] for r in releases]
    con.execute("DELETE FROM releases WHERE release_id IN (SELECT unnest(?::VARCHAR[]))", [new_ids])
    _insert(con, "assumed_mappings", assumed)
    _insert(con, "releases", releases)
    _insert(con, "dataset_tables", tables)
    _insert(con, "cubes", cubes)
    _insert(con, "cube_coverage", coverage)
    _insert(con, "datasets", datasets)
    _insert(con, "dataset_parsers", parsers)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert rows (tuples in the table's column order) in one statement, through Arrow; the
    insert casts each column to the table's type."""
    if not rows:
        return
    values = pa.table({f"c{i}": pa.array([r[i] for r in rows]) for i in range(len(rows[0]))})
    con.register("_rows", values)
    try:
        con.execute(f'INSERT INTO "{table}" SELECT * FROM _rows')
    finally:
        con.unregister("_rows")


def _create(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | pa.Table) -> None:
    con.register("_incoming", frame)
    try:
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _incoming')
    finally:
        con.unregister("_incoming")


def _release_rank(spec_published: str | None, end: dt.date) -> tuple[str, str]:
    return (spec_published or end.isoformat(), end.isoformat())


def _mark_current(
    frame: pd.DataFrame,
    cube: CubeSpec,
    coverage: list[Coverage],
    releases: dict[str, str],
    specs: dict,
) -> pd.DataFrame:
    """Flag, for each period, the rows of the newest release that covers it."""
    covs = [c for c in coverage if c.cube == cube.id]
    frame = frame.copy()
    if len({c.file_key for c in covs}) <= 1:
        frame["is_current"] = True
        return frame
    from corridor.reference.calendar import fiscal_year, month_range

    winner: dict[object, tuple[tuple[str, str], str]] = {}
    for c in covs:
        rank = _release_rank(specs[c.file_key].published, c.end)
        for m in month_range(c.start, c.end):
            key: object = m if cube.grain == "month" else fiscal_year(m)
            if key not in winner or rank > winner[key][0]:
                winner[key] = (rank, releases[c.file_key])
    time_col = "month" if cube.grain == "month" else "fiscal_year"
    best = frame[time_col].map({k: v[1] for k, v in winner.items()})
    frame["is_current"] = frame["release_id"] == best
    return frame


def _refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild shared views (e.g. `indicators`) over the tables sources registered for them."""
    kinds = con.execute(
        "SELECT kind, list(table_name ORDER BY table_name) FROM dataset_tables "
        "WHERE kind NOT IN ('cube', 'table') GROUP BY kind"
    ).fetchall()
    for kind, tables in kinds:
        con.execute(f'DROP VIEW IF EXISTS "{kind}"')
        union = " UNION ALL BY NAME ".join(f'SELECT * FROM "{t}"' for t in tables)
        con.execute(f'CREATE VIEW "{kind}" AS {union}')

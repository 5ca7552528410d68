"""Sync: fetch -> parse -> validate -> load, atomic and idempotent, with provenance.

Every selected file is fetched and checksummed first. A dataset whose files all match the
checksums already loaded is skipped. Changed datasets are parsed and validated in full before the
warehouse is touched; then one write replaces their tables in a copy of the warehouse that is
renamed over the original (see `store`). So a sync lands whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from corridor import config, fetch
from corridor.errors import FetchError, UsageError
from corridor.sources import SOURCES, Source
from corridor.sources.base import Coverage, CubeSpec, Parsed
from corridor.store import Warehouse

Progress = Callable[[str, str, int, int], None]  # (dataset, stage, done, total)
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

    @property
    def changed(self) -> bool:
        return any(r.status == "loaded" for r in self.results)


def release_id(dataset: str, file_key: str, sha256: str) -> str:
    return f"{dataset}/{file_key}@{sha256[:12]}"


def _loaded_checksums(wh: Warehouse) -> dict[tuple[str, str], str]:
    if not wh.exists():
        return {}
    try:
        con = wh.connect()
    except Exception:
        return {}
    try:
        rows = con.execute("SELECT dataset, file_key, sha256 FROM releases WHERE is_current").fetchall()
    except duckdb.Error:
        rows = []
    finally:
        con.close()
    return {(d, k): s for d, k, s in rows}


def select_sources(only: Sequence[str] | None) -> list[Source]:
    if not only:
        return list(SOURCES.values())
    unknown = [d for d in only if d not in SOURCES]
    if unknown:
        raise UsageError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return [SOURCES[d] for d in only]


def sync(
    *,
    db: str | Path | None = None,
    mirror: str | Path | None = None,
    only: Sequence[str] | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> SyncReport:
    """Bring the warehouse up to date with the official files (from `mirror` or online)."""
    wh = Warehouse(config.warehouse_path(db))
    mirror_dir = config.mirror_dir(mirror)
    sources = select_sources(only)
    known = _loaded_checksums(wh)
    note = progress or (lambda *_: None)

    fetched: dict[str, dict[str, fetch.Fetched]] = {}
    for src in sources:
        got = {}
        for i, spec in enumerate(src.files):
            note(src.id, "fetch", i, len(src.files))
            got[spec.key] = fetch.from_mirror(spec, mirror_dir) if mirror_dir else fetch.download(spec)
        fetched[src.id] = got
        note(src.id, "fetch", len(src.files), len(src.files))

    results: list[DatasetResult] = []
    jobs: list[tuple[Source, dict[str, Path], dict[str, str]]] = []
    for src in sources:
        files = fetched[src.id]
        if all(known.get((src.id, k)) == f.sha256 for k, f in files.items()):
            results.append(DatasetResult(src.id, src.title, "unchanged", 0, None, list(files)))
            note(src.id, "unchanged", 1, 1)
            continue
        releases = {k: release_id(src.id, k, f.sha256) for k, f in files.items()}
        jobs.append((src, {k: f.path for k, f in files.items()}, releases))
    parsed = _parse_all(jobs, note, workers)
    _check_unchanged(fetched, parsed)

    if parsed:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        with wh.writer() as con:
            for src in sources:
                if src.id not in parsed:
                    continue
                note(src.id, "load", 0, 1)
                _load(con, src, fetched[src.id], parsed[src.id], now)
                note(src.id, "load", 1, 1)
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
    order = {s.id: i for i, s in enumerate(sources)}
    results.sort(key=lambda r: order[r.dataset])
    return SyncReport(wh.path, results)


def _check_unchanged(fetched: dict[str, dict[str, fetch.Fetched]], parsed: dict[str, Parsed]) -> None:
    """A file that changed while it was read would load numbers its checksum does not describe."""
    for dataset in parsed:
        for f in fetched[dataset].values():
            if fetch.sha256_of(f.path) != f.sha256:
                raise FetchError(
                    f"{f.path.name} changed while it was being read (checksum differs); nothing was "
                    "loaded. Run the sync again once the file is stable."
                )


def _parse_one(job: tuple[Source, dict[str, Path], dict[str, str]]) -> Parsed:
    src, paths, releases = job
    return src.parse(paths, releases)


def _parse_all(
    jobs: list[tuple[Source, dict[str, Path], dict[str, str]]], note: Progress, max_workers: int = 1
) -> dict[str, Parsed]:
    """Parse and validate every changed dataset; in parallel worker processes when it pays.

    Nothing is written here, so a failure in any dataset stops the sync before the warehouse is
    touched. Results come back keyed by dataset, so the load order never depends on timing.
    """
    # Forking is only safe in a fresh process (the CLI): after native libraries have started
    # threads (DuckDB, Arrow's allocator, BLAS), a forked child can deadlock on a lock one of
    # them held. So library callers parse serially unless they ask for workers.
    workers = min(len(jobs), os.cpu_count() or 1, MAX_WORKERS, max(1, max_workers))
    for src, _, _ in jobs:
        note(src.id, "parse", 0, 1)
    if workers < 2 or os.environ.get("CORRIDOR_SERIAL") or "fork" not in mp.get_all_start_methods():
        out = {}
        for job in jobs:
            out[job[0].id] = _parse_one(job)
            note(job[0].id, "parse", 1, 1)
        return out
    out = {}
    # Fork: workers inherit the imported modules, so they start in milliseconds.
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
        # Largest inputs first, so the workers finish together rather than one waiting on a big file.
        ordered = sorted(jobs, key=lambda j: -sum(p.stat().st_size for p in j[1].values()))
        futures = {pool.submit(_parse_one, job): job[0].id for job in ordered}
        try:
            for fut in as_completed(futures):
                out[futures[fut]] = fut.result()
                note(futures[fut], "parse", 1, 1)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return out


def _load(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    files: dict[str, fetch.Fetched],
    parsed: Parsed,
    now: dt.datetime,
) -> None:
    """Replace one dataset's tables, cubes and current releases inside the open transaction."""
    old_tables = [
        r[0]
        for r in con.execute("SELECT table_name FROM dataset_tables WHERE dataset = ?", [src.id]).fetchall()
    ]
    for table in old_tables:
        con.execute(f'DROP TABLE IF EXISTS "{table}"')
    con.execute("DELETE FROM dataset_tables WHERE dataset = ?", [src.id])
    con.execute(
        "DELETE FROM cube_coverage WHERE cube_id IN (SELECT cube_id FROM cubes WHERE dataset = ?)",
        [src.id],
    )
    con.execute("DELETE FROM cubes WHERE dataset = ?", [src.id])
    con.execute("UPDATE releases SET is_current = false WHERE dataset = ?", [src.id])

    releases = {k: release_id(src.id, k, f.sha256) for k, f in files.items()}
    specs = {s.key: s for s in src.files}
    for key, f in files.items():
        spec = specs[key]
        period = parsed.periods.get(key, (None, None))
        con.execute("DELETE FROM releases WHERE release_id = ?", [releases[key]])
        con.execute(
            "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
            [
                releases[key],
                src.id,
                key,
                Path(spec.mirror_path).name,
                f.sha256,
                f.bytes,
                parsed.rows.get(key),
                period[0],
                period[1],
                now,
                spec.publisher,
                spec.url,
                spec.licence,
                spec.published,
            ],
        )

    cube_tables = {c.table for c in parsed.cubes}
    for cube in parsed.cubes:
        frame = _mark_current(parsed.frames[cube.table], cube, parsed.coverage, releases, specs)
        _create(con, cube.table, frame)
        con.execute("INSERT INTO dataset_tables VALUES (?, ?, 'cube', ?)", [src.id, cube.table, cube.title])
        con.execute(
            "INSERT INTO cubes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
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
            ],
        )
        for cov in parsed.coverage:
            if cov.cube == cube.id:
                con.execute(
                    "INSERT INTO cube_coverage VALUES (?, ?, ?, ?)",
                    [cube.id, releases[cov.file_key], cov.start, cov.end],
                )
    for spec in parsed.tables:
        _create(con, spec.name, parsed.frames[spec.name])
        kind = spec.append_to or "table"
        con.execute(
            "INSERT INTO dataset_tables VALUES (?, ?, ?, ?)",
            [src.id, spec.name, kind, spec.description],
        )
    leftover = set(parsed.frames) - cube_tables - {t.name for t in parsed.tables}
    if leftover:
        raise RuntimeError(f"source {src.id} returned frames it did not declare: {leftover}")
    con.execute("INSERT OR REPLACE INTO datasets VALUES (?, ?, ?)", [src.id, src.title, now])


def _create(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
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

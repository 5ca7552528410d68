"""Benchmark: a full sync from the mirror, and 20 typical flows queries on a warm warehouse.

Baselines, measured in the same run: pandas reading the same CBP CSV files and the OHSS
workbook (calamine), and pandas `groupby` answering the same 20 questions from frames already
in memory. Prints each timing beside its baseline and the ratio.

With `--baseline REF` (default `main`; `--baseline ''` to skip), the full `corridor sync` is also
run from REF's code (checked out in a temporary worktree, same interpreter and mirror), in turns
with this checkout's so both see the same load, and twice over: as installed here (this
environment sets PYTHONDONTWRITEBYTECODE, so every process compiles every module it imports) and
with a bytecode cache (PYTHONPYCACHEPREFIX, filled by one unmeasured run), which is what a normal
`pip install` gives. CPU seconds (user + system, parse workers included) are shown beside wall
seconds: the shared machine's load inflates wall time far more than CPU time.

    python bench/sync_flows.py [--mirror ../shared/data] [--repeat 5] [--baseline main] [--sync-only]
    python bench/sync_flows.py --timeline [--mirror ../shared/data]

`--timeline` runs one full sync in this process with two parse workers (as `corridor sync` on
two cores) and prints when each job ran on which worker and what the sync's own process did
(imports, checksums, each table's load, the catalogue, the final checkpoint), with CPU seconds:
the critical path, and any core idle at the start or the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import corridor
from corridor import ingest

QUERIES: list[dict] = [
    {"region": "southwest", "by": "fiscal_year"},
    {"region": "southwest", "by": "month"},
    {"by": "fiscal_year"},
    {"region": "southwest", "by": ["fiscal_year", "demographic"]},
    {"region": "southwest", "by": ["fiscal_year", "citizenship"]},
    {"region": "southwest", "citizenship": "GTM,HND,SLV", "by": ["month", "citizenship"]},
    {"region": "southwest", "citizenship": "HND", "by": "fiscal_year"},
    {"region": "southwest", "demographic": "family_units,uac", "by": ["month", "demographic"]},
    {"region": "southwest", "title": "title42", "by": "month"},
    {"by": ["fiscal_year", "region"]},
    {"by": ["month", "state"], "since": "2024-10"},
    {"region": "southwest", "by": ["calendar_year", "title"]},
    {"region": "southwest", "since": "2024-10", "until": "2025-09", "by": "citizenship"},
    {"region": "southwest", "component": "usbp", "by": "fiscal_year"},
    {"region": "southwest", "component": "usbp", "citizenship": "VEN", "by": "month"},
    {"component": "usbp", "by": ["fiscal_year", "sector"]},
    {"component": "usbp", "sector": "rio_grande_valley", "by": "month"},
    {"region": "southwest", "component": "usbp", "by": ["fiscal_year", "demographic"]},
    {"region": "southwest", "by": ["fiscal_year", "component"], "since": "2021-10"},
    {"region": "northern", "by": ["month", "citizenship"], "since": "2023-10"},
]

STATE_FILES = ("nationwide-encounters-fy20-fy23-state.csv", "nationwide-encounters-fy23-fy26-nov-state.csv")


def pandas_read(mirror: Path) -> dict[str, pd.DataFrame]:
    """The baseline reader: the CBP CSVs and the OHSS workbook, no validation."""
    frames = {name: pd.read_csv(mirror / "cbp" / name) for name in STATE_FILES}
    frames["sbo"] = pd.read_csv(mirror / "cbp" / "sbo-encounters-fy22-fy25-aug.csv")
    frames["psv"] = pd.read_csv(
        mirror / "cbp/usbp_historical/usbp_monthly_encounters_by_sector_fy2000-fy2020.psv.csv", sep="|"
    )
    frames.update(
        pd.read_excel(
            mirror / "cbp" / "ohss-khsm-encounters-usbp-fy25m11.xlsx", sheet_name=None, engine="calamine"
        )
    )
    return frames


def pandas_queries(frames: dict[str, pd.DataFrame]) -> None:
    """The 20 questions answered with plain groupby (same grouping work, no planning)."""
    state = pd.concat([frames[STATE_FILES[0]], frames[STATE_FILES[1]]])
    sw = state[state["Land Border Region"] == "Southwest Land Border"]
    ohss = frames["Monthly Rgn and Citp"]
    sector = frames["Monthly Rgn and Sector"]
    fam = frames["Monthly Rgn and Fam Status"]
    g = "Fiscal Year"
    sw.groupby(g)["Encounter Count"].sum()
    sw.groupby([g, "Month (abbv)"])["Encounter Count"].sum()
    state.groupby(g)["Encounter Count"].sum()
    sw.groupby([g, "Demographic"])["Encounter Count"].sum()
    sw.groupby([g, "Citizenship"])["Encounter Count"].sum()
    sw[sw.Citizenship.isin(["GUATEMALA", "HONDURAS", "EL SALVADOR"])].groupby(
        [g, "Month (abbv)", "Citizenship"]
    )["Encounter Count"].sum()
    sw[sw.Citizenship == "HONDURAS"].groupby(g)["Encounter Count"].sum()
    sw[sw.Demographic.isin(["FMUA", "UAC"])].groupby([g, "Month (abbv)", "Demographic"])[
        "Encounter Count"
    ].sum()
    sw[sw["Title of Authority"] == "Title 42"].groupby([g, "Month (abbv)"])["Encounter Count"].sum()
    state.groupby([g, "Land Border Region"])["Encounter Count"].sum()
    state.groupby([g, "Month (abbv)", "State"])["Encounter Count"].sum()
    sw.groupby([g, "Title of Authority"])["Encounter Count"].sum()
    sw.groupby("Citizenship")["Encounter Count"].sum()
    ohss[ohss.Region == "Southwest Land Border"].groupby("Fiscal\nYear")["Quantity"].sum()
    ohss[(ohss.Region == "Southwest Land Border") & (ohss.Citizenship == "Venezuela")].groupby(
        ["Fiscal\nYear", "Month"]
    )["Quantity"].sum()
    sector.groupby(["Fiscal\nYear", "Sector"])["Quantity"].sum()
    sector[sector.Sector == "Rio Grande Valley, TX"].groupby(["Fiscal\nYear", "Month"])["Quantity"].sum()
    fam[fam.Region == "Southwest Land Border"].groupby(["Fiscal\nYear", "Family Status"])["Quantity"].sum()
    frames["sbo"].groupby([g, "Component"])["Encounter Count"].sum()
    state[state["Land Border Region"] == "Northern Land Border"].groupby([g, "Month (abbv)", "Citizenship"])[
        "Encounter Count"
    ].sum()


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _sync_command(src: Path | None, mirror: Path, db: Path, cache: Path | None) -> tuple[list[str], dict]:
    """`corridor sync` as a user runs it, with the package from `src` (None: as installed)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    code = "import sys; from corridor.cli import app; sys.argv[0] = 'corridor'; app()"
    return [sys.executable, "-c", code, "sync", "--mirror", str(mirror), "--db", str(db)], env


def _run_sync(src: Path | None, mirror: Path, db: Path, cache: Path | None) -> tuple[float, float]:
    """(wall s, CPU s of the process and its parse workers) of one full sync into a new file."""
    db.unlink(missing_ok=True)
    cmd, env = _sync_command(src, mirror, db, cache)
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - c0


def compare_with(
    ref: str, mirror: Path, repeat: int, tmp: Path
) -> list[tuple[str, float, float, float, float]]:
    """Full syncs of this checkout and of `ref`, in turns: (mode, wall, CPU, base wall, base CPU)."""
    here = Path(__file__).resolve().parents[1]
    base = tmp / "baseline"
    subprocess.run(
        ["git", "-C", str(here), "worktree", "add", "--detach", str(base), ref],
        check=True,
        capture_output=True,
    )
    try:
        out = []
        for mode in ("as installed", "bytecode cache"):
            caches = {"new": tmp / "pyc-new", "base": tmp / "pyc-base"} if mode == "bytecode cache" else {}
            srcs = {"new": here / "src", "base": base / "src"}
            for k in caches:  # fill each cache once, unmeasured
                _run_sync(srcs[k], mirror, tmp / f"warm-{k}.duckdb", caches[k])
            runs: dict[str, list[tuple[float, float]]] = {"new": [], "base": []}
            for _ in range(repeat):
                for k in ("base", "new"):
                    runs[k].append(_run_sync(srcs[k], mirror, tmp / f"{k}.duckdb", caches.get(k)))
            med = statistics.median
            out.append(
                (
                    mode,
                    med(w for w, _ in runs["new"]),
                    med(c for _, c in runs["new"]),
                    med(w for w, _ in runs["base"]),
                    med(c for _, c in runs["base"]),
                )
            )
        return out
    finally:
        subprocess.run(
            ["git", "-C", str(here), "worktree", "remove", "--force", str(base)],
            check=False,
            capture_output=True,
        )


# The timeline's state: module-level, so that the wrapped parse pickles by reference to workers.
_TL: dict = {}


def _note(**kw: object) -> None:
    import json

    kw["t"] = round(time.perf_counter() - _TL["started"], 3)
    with _TL["log"].open("a") as fh:  # appended by the workers too (forked: they run this code)
        fh.write(json.dumps(kw) + "\n")


def _tl_parse(job, spill):  # type: ignore[no-untyped-def]
    t, c = time.perf_counter() - _TL["started"], time.process_time()
    out = _TL["_parse_in_worker"](job, spill)
    _note(ev="parse", job=job[0].id, pid=os.getpid(), start=round(t, 3), cpu=time.process_time() - c)
    return out


def _tl_load(con, src, p):  # type: ignore[no-untyped-def]
    t, c = time.perf_counter() - _TL["started"], time.process_time()
    _TL["_replace_tables"](con, src, p)
    _note(ev="load", job=src.id, start=round(t, 3), cpu=time.process_time() - c)


def _tl_record(*args):  # type: ignore[no-untyped-def]
    t = time.perf_counter() - _TL["started"]
    _TL["_record"](*args)
    _note(ev="catalogue", start=round(t, 3))


def timeline(mirror: Path, tmp: Path, started: float, import_cpu: float) -> None:
    """One full sync with two parse workers, each job's start and end per process."""
    import json

    log = tmp / "timeline.jsonl"
    _TL.update(started=started, log=log)
    wrappers = {"_parse_in_worker": _tl_parse, "_replace_tables": _tl_load, "_record": _tl_record}
    for name, fn in wrappers.items():
        _TL[name] = getattr(ingest, name)
        setattr(ingest, name, fn)
    note = _note
    note(ev="imports (CPU before t=0)", start=0.0, cpu=import_cpu)
    try:
        ingest.sync(db=tmp / "timeline.duckdb", mirror=mirror, workers=2)
    finally:
        for name in wrappers:
            setattr(ingest, name, _TL[name])
    note(ev="sync done (checkpoint, rename)", start=None)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    workers: dict[int, str] = {}
    busy: dict[str, float] = {}
    print(f"{'process':<8} {'start':>7} {'end':>7} {'CPU s':>6}  job")
    last = 0.0
    for e in events:
        who = "sync"
        if e["ev"] == "parse":
            who = workers.setdefault(e["pid"], f"worker{len(workers) + 1}")
        start = last if e["start"] is None else e["start"]
        cpu = f"{e['cpu']:6.2f}" if "cpu" in e else " " * 6
        busy[who] = busy.get(who, 0.0) + e.get("cpu", 0.0)
        label = e["job"] if e["ev"] == "parse" else f"load {e['job']}" if e["ev"] == "load" else e["ev"]
        print(f"{who:<8} {start:7.2f} {e['t']:7.2f} {cpu}  {label}")
        last = e["t"]
    jobs = [(workers[e["pid"]], e["start"], e["t"]) for e in events if e["ev"] == "parse"]
    firsts = {w: min(s for who, s, _ in jobs if who == w) for w in workers.values()}
    ends = {w: max(t for who, _, t in jobs if who == w) for w in workers.values()}
    print(
        "CPU s: "
        + ", ".join(f"{w} {c:.2f}" for w, c in busy.items())
        + f"; workers start {', '.join(f'{firsts[w]:.2f}' for w in firsts)} s"
        + f" and end {', '.join(f'{ends[w]:.2f}' for w in ends)} s; sync done at {last:.2f} s"
    )


def main() -> None:
    started, import_cpu = time.perf_counter(), time.process_time()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--mirror", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", default="main", help="git ref to compare full syncs with ('' to skip)")
    parser.add_argument("--sync-only", action="store_true", help="only the full-sync comparison")
    parser.add_argument("--timeline", action="store_true", help="one sync's jobs, per process, in time")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        if args.timeline:
            timeline(args.mirror, tmp, started, import_cpu)
            return
        _measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(args: argparse.Namespace, tmp: Path) -> None:
    if args.baseline:
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        rows = compare_with(args.baseline, args.mirror, args.repeat, tmp)
        print(
            f"{'full `corridor sync`, median of ' + str(args.repeat):<34} {'wall s':>8} {'CPU s':>8} "
            f"{args.baseline + ' wall':>12} {args.baseline + ' CPU':>12} {'wall ratio':>10} {'CPU ratio':>10}"
        )
        for mode, w, c, bw, bc in rows:
            print(f"{mode:<34} {w:>8.2f} {c:>8.2f} {bw:>12.2f} {bc:>12.2f} {w / bw:>10.2f} {c / bc:>10.2f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if args.sync_only:
            return

    def full_sync() -> None:
        """What a user runs: the `corridor sync` command, from process start to exit."""
        db = tmp / "bench.duckdb"
        db.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "corridor.cli", "sync", "--mirror", str(args.mirror), "--db", str(db)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def inprocess_sync() -> None:
        """The same sync from Python in one process (`ingest.sync`, no workers)."""
        db = tmp / "serial.duckdb"
        db.unlink(missing_ok=True)
        ingest.sync(db=db, mirror=args.mirror)

    def encounter_sync() -> None:
        db = tmp / "enc.duckdb"
        db.unlink(missing_ok=True)
        ingest.sync(db=db, mirror=args.mirror, only=["cbp_state", "cbp_sbo", "ohss_usbp", "usbp_historical"])

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    c0 = cpu()
    sync_all = timed(full_sync, args.repeat)
    sync_cpu = (cpu() - c0) / args.repeat
    sync_serial = timed(inprocess_sync, args.repeat)
    sync_enc = timed(encounter_sync, args.repeat)
    base_read = timed(lambda: pandas_read(args.mirror), args.repeat)
    noop = timed(lambda: ingest.sync(db=tmp / "bench.duckdb", mirror=args.mirror), args.repeat)

    obs = corridor.open(tmp / "bench.duckdb")
    for q in QUERIES:  # warm-up: cube metadata and DuckDB caches
        obs.flows(**q)
    per_query: list[float] = []
    for q in QUERIES:
        t = timed(lambda q=q: obs.flows(**q), args.repeat)
        per_query.append(statistics.median(t))
    frames = pandas_read(args.mirror)
    base_q = statistics.median(timed(lambda: pandas_queries(frames), args.repeat)) / len(QUERIES)

    med = statistics.median
    print(f"{'measure':<48} {'corridor':>10} {'baseline':>10} {'ratio':>7}")
    print(
        f"{'full sync, `corridor sync` command (s)':<48} {med(sync_all):>10.3f} {med(base_read):>10.3f} "
        f"{med(sync_all) / med(base_read):>7.2f}"
    )
    print(
        f"{'  same, in-process, no workers (s)':<48} {med(sync_serial):>10.3f} {med(base_read):>10.3f} "
        f"{med(sync_serial) / med(base_read):>7.2f}"
    )
    print(
        f"{'sync, encounter datasets only (s)':<48} {med(sync_enc):>10.3f} {med(base_read):>10.3f} "
        f"{med(sync_enc) / med(base_read):>7.2f}"
    )
    print(f"{'second sync, nothing changed (s)':<48} {med(noop):>10.3f} {'':>10} {'':>7}")
    print(f"{'full sync, CPU s per sync (all processes)':<48} {sync_cpu:>10.3f}")
    print(
        f"{'flows query, median of 20 (ms)':<48} {med(per_query) * 1e3:>10.2f} {base_q * 1e3:>10.2f} "
        f"{med(per_query) / base_q:>7.2f}"
    )
    print(f"{'flows query, slowest of 20 (ms)':<48} {max(per_query) * 1e3:>10.2f}")
    print(
        "baseline: pandas read_csv of the CBP CSVs + read_excel(calamine) of the OHSS workbook; "
        "pandas groupby on in-memory frames for the queries (per query)."
    )
    print(
        f"targets: full sync < 5 s -> {'met' if med(sync_all) < 5 else 'MISSED'}; "
        f"median flows query < 20 ms -> {'met' if med(per_query) < 0.020 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

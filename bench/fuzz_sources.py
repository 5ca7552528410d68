"""Fuzz every registered source: parse damaged copies of its real files, report what broke.

Each case damages one file of a source (byte flips, truncation, dropped/duplicated/shuffled rows,
header and cell changes, re-encodings; Excel sheets deleted or renamed and cells changed; Parquet
schema, type, null and value changes; see `tests/fuzzkit.py`) and parses it in a worker process
with a timeout and a memory cap. A parse must succeed with frames shaped like the real parse's,
or raise a CorridorError naming the file. Anything else (another exception, an unnamed error,
invalid frames, a hang, a dead worker) is a failure, printed with the mutation that replays it.

    python bench/fuzz_sources.py --examples 2000 --seed 1 [--only wdi unhcr] [--workers 2]

The CI test (`tests/test_fuzz_sources.py`) runs the same kit with a few cases per source.
Exit status 1 if any case failed.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import platform
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fuzzkit

from tests import fuzzkit  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="cases per source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="dataset ids (default: every registered source)")
    parser.add_argument("--mirror", type=Path, default=None, help="real data folder (default ../shared/data)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per parse before a hang")
    parser.add_argument(
        "--openpyxl-max-bytes",
        type=int,
        default=1_000_000,
        help="openpyxl round trips on workbooks up to this size (5-15 s each for the big ones)",
    )
    parser.add_argument("--show", type=int, default=3, help="failures to print per source and status")
    parser.add_argument("--log", type=Path, default=None, help="write every case as a JSON line here")
    args = parser.parse_args()

    from corridor.sources import SOURCES

    mirror = args.mirror or Path(os.environ.get("CORRIDOR_TEST_DATA", ROOT.parent / "shared" / "data"))
    datasets = args.only or list(SOURCES)
    jobs: queue.Queue = queue.Queue()
    for dataset in datasets:
        real = fuzzkit.real_paths(mirror, dataset)
        for m in fuzzkit.mutations(
            args.seed, dataset, real, args.examples, openpyxl_max_bytes=args.openpyxl_max_bytes
        ):
            jobs.put((dataset, real, m))
    total = jobs.qsize()
    cases: list[fuzzkit.Case] = []
    lock = threading.Lock()
    log = args.log.open("w") if args.log else None
    started = time.monotonic()

    def work() -> None:
        runner = fuzzkit.Runner(timeout=args.timeout)
        try:
            with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
                while True:
                    try:
                        dataset, real, m = jobs.get_nowait()
                    except queue.Empty:
                        return
                    runner.prepare(dataset, real)
                    try:
                        case = fuzzkit.run_case(runner, dataset, real, m, Path(tmp))
                    except Exception as exc:  # a bug in a mutator, not in the source
                        outcome = fuzzkit.Outcome("harness", repr(exc), type(exc).__name__)
                        case = fuzzkit.Case(dataset, m, outcome)
                        print(f"HARNESS ERROR {dataset} {m!r}: {exc!r}")
                    with lock:
                        cases.append(case)
                        done = len(cases)
                        if log:
                            row = {"dataset": dataset, "file_key": m.file_key, "steps": m.steps}
                            log.write(json.dumps({**row, **dataclasses.asdict(case.outcome)}) + "\n")
                            log.flush()
                    if case.outcome.failed:
                        print(
                            f"FAIL {dataset} {m.describe()}: {case.outcome.status} {case.outcome.error_type}"
                        )
                    if done % 100 == 0:
                        print(f"{done}/{total} cases, {time.monotonic() - started:.0f} s", flush=True)
        finally:
            runner.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, args.workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if log:
        log.close()
    report(cases, datasets, args, elapsed)
    return 1 if any(c.outcome.failed or c.outcome.status == "harness" for c in cases) else 0


def report(cases: list[fuzzkit.Case], datasets: list[str], args: argparse.Namespace, elapsed: float) -> None:
    """Per source: cases, parses that succeeded, clean errors (with a row), and failures."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n{len(cases)} cases, seed {args.seed}, {args.examples} per source, {args.workers} workers, "
        f"{elapsed:.0f} s; {platform.platform()}, {os.cpu_count()} CPUs, load {load:.1f}, "
        f"Python {platform.python_version()}"
    )
    by = collections.defaultdict(list)
    for c in cases:
        by[c.dataset].append(c)
    print(f"\n| source | cases | parsed ok | clean error | with row | failures |\n|{'---|' * 6}")
    for dataset in datasets:
        cs = by[dataset]
        status = collections.Counter(c.outcome.status for c in cs)
        with_row = sum(1 for c in cs if c.outcome.status == fuzzkit.CLEAN and c.outcome.row is not None)
        failures = ", ".join(f"{k} {v}" for k, v in status.items() if k in fuzzkit.FAILURES) or "0"
        ok, clean = status[fuzzkit.OK], status[fuzzkit.CLEAN]
        print(f"| {dataset} | {len(cs)} | {ok} | {clean} | {with_row} | {failures} |")
    kinds = collections.defaultdict(collections.Counter)
    for c in cases:
        for kind, _ in c.mutation.steps:
            kinds[kind][c.outcome.status] += 1
    print("\nBy mutation kind (a case with several steps counts under each):")
    for kind in sorted(kinds):
        print(f"  {kind:16s} " + ", ".join(f"{s} {n}" for s, n in sorted(kinds[kind].items())))
    shown: collections.Counter = collections.Counter()
    for c in cases:
        if not c.outcome.failed:
            continue
        key = (c.dataset, c.outcome.status, c.outcome.error_type)
        shown[key] += 1
        if shown[key] > args.show:
            continue
        print(
            f"\n--- {c.dataset} {c.mutation!r}\n{c.outcome.status} {c.outcome.error_type}\n{c.outcome.detail}"
        )


if __name__ == "__main__":
    raise SystemExit(main())

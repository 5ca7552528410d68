"""What-works benchmark: `--method all` on one policy and the default drivers model, as Markdown.

    .venv/bin/python bench/evaluate_bench.py [--db corridor.duckdb] [--mirror ../shared/data]
                                             [--policy chnv_parole] [--repeat 3] [--append bench/RESULTS.md]

Without --db it syncs the datasets these analyses read into a temporary warehouse. Each timing is
given cold (first call in the process: pyfixest compiles its numba kernels) and warm (best of
--repeat), as wall-clock and CPU (process) seconds; the shared machine's load inflates wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import corridor
from corridor import ingest

DATASETS = [
    "cbp_state",
    "cbp_sbo",
    "ohss_usbp",
    "usbp_historical",
    "countries",
    "wdi",
    "iom_wdi",
    "wgi",
    "emdat",
    "us_aid",
]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float, float, float]:
    """Result, cold wall and CPU seconds, then best warm wall and CPU seconds over `repeat` calls."""
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    cold = (time.perf_counter() - w, time.process_time() - c)
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return result, cold[0], cold[1], min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--mirror", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--policy", default="chnv_parole")
    parser.add_argument("--post", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--append", type=Path, help="Append the section to this Markdown file.")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "bench.duckdb"
        ingest.sync(db=db, mirror=args.mirror, only=DATASETS)
    rows = []
    with corridor.open(db) as obs:

        def evaluate(method: str) -> Any:
            return obs.evaluate(policy=args.policy, method=method, region="southwest", post=args.post)

        result, *t_all = timed(lambda: evaluate("all"), args.repeat)
        rows.append((f"evaluate --policy {args.policy} --method all --post {args.post}", *t_all))
        for r in result.results:
            _, *t = timed(lambda m=r.method: evaluate(m), args.repeat)
            rows.append((f"  --method {r.method} ({r.n_placebos} placebos)", *t))
        drivers, *t_drv = timed(lambda: obs.drivers(), args.repeat)
        rows.append((f"drivers (default: 6 drivers, N={drivers.n_obs}, 3 out-of-sample years)", *t_drv))

    lines = [
        "## What works",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"NumPy {np.__version__}; measured {dt.date.today():%Y-%m-%d} with `bench/evaluate_bench.py` "
        f"(repeat {args.repeat}). Cold = first call in the process (pyfixest compiles its numba kernels); "
        "warm = best of the repeats. CPU time is the process time (the shared machine's load inflates "
        "wall time).",
        "",
        "| analysis | cold wall s | cold CPU s | warm wall s | warm CPU s |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {cw:.2f} | {cc:.2f} | {ww:.2f} | {wc:.2f} |" for name, cw, cc, ww, wc in rows]
    lines += ["", f"Policy evaluated: {result.design.describe_treated()} from {result.design.start:%Y-%m}."]
    for r in result.results:
        lines.append(
            f"- {r.method}: effect {100 * r.effect_rel:+.1f}% (placebo p {r.p_value:.3f}, pre-period MAPE "
            f"{100 * r.pre_mape:.0f}%)."
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.append:
        with args.append.open("a") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()

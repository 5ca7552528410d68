"""Simulation benchmark and out-of-sample tables, printed as Markdown for bench/RESULTS.md.

    .venv/bin/python bench/simulate_bench.py [--db corridor.duckdb] [--mirror ../shared/data]

Without --db it syncs the datasets the simulations need into a temporary warehouse. It times the
vectorised pathways model (10,000 runs x 120 months, best of 3) beside the SimPy process-based
implementation of the same model (100 runs, scaled per run), measured in the same process, and
prints the pathways and backlog backtests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import corridor
from corridor import ingest
from corridor.simulate import backtest, calibrate, pathways
from corridor.simulate.des import simulate_des

DATASETS = ["ohss_outcomes", "credible_fear", "ice_detention", "eoir"]


def timed(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and CPU seconds over `repeat` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--mirror", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--des-runs", type=int, default=100)
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "bench.duckdb"
        ingest.sync(db=db, mirror=args.mirror, only=DATASETS)
    with corridor.open(db) as obs:
        hist = obs.simulation_history()
    cal = calibrate.calibrate(hist)
    since = dt.date(2024, 9, 1)
    drv = pathways.drivers(hist, since=since, until=dt.date(2034, 8, 1))
    months = len(drv.months)
    vec_wall, vec_cpu = timed(lambda: pathways.simulate(cal, drv, runs=args.runs, seed=0), 3)
    des_wall, des_cpu = timed(lambda: simulate_des(cal, drv, runs=args.des_runs, seed=0), 1)
    per_vec = vec_cpu / args.runs * 1e3
    per_des = des_cpu / args.des_runs * 1e3

    print("## Simulate\n")
    print(
        f"Machine: {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}; "
        f"measured {dt.date.today():%Y-%m-%d} with `bench/simulate_bench.py`. CPU time is the process "
        "time (the shared machine's load inflates wall time).\n"
    )
    print("### Pathways model performance (baseline, seasonal-naive encounters, 2024-09..2034-08)\n")
    print("| implementation | runs x months | wall s | CPU s | CPU ms per run |")
    print("|---|---|---|---|---|")
    print(
        f"| NumPy, vectorised over runs | {args.runs:,} x {months} | {vec_wall:.2f} | {vec_cpu:.2f} "
        f"| {per_vec:.3f} |"
    )
    print(
        f"| SimPy, process-based (same model) | {args.des_runs:,} x {months} | {des_wall:.2f} "
        f"| {des_cpu:.2f} "
        f"| {per_des:.2f} |"
    )
    print(f"\nPer run the vectorised model is {per_des / per_vec:,.0f}x faster (CPU).\n")

    table, result = backtest.pathways(hist, runs=2000, seed=0)
    print("### Pathways out of sample\n")
    print(
        f"Calibrated on {result.calibration.start:%Y-%m}..{result.calibration.end:%Y-%m} (FY2014-FY2021), "
        "driven "
        f"by actual encounters {result.months[0]:%Y-%m}..{result.months[-1]:%Y-%m}; 2,000 runs, seed 0. "
        "Coverage = share of months whose actual total lies in the 80% interval (Title 42: months the "
        "order applied). Target: at least 70% for each major outcome.\n"
    )
    print("| outcome | major | months | 80% coverage | actual total | median total | error |")
    print("|---|---|---|---|---|---|---|")
    for row in table.itertuples(index=False):
        print(
            f"| {row.outcome} | {'yes' if row.major else 'no'} | {row.months} | {row.coverage:.0%} | "
            f"{row.actual_total:,.0f} | {row.median_total:,.0f} | {row.total_error:+.1%} |"
        )
    summary = result.calibration.summary()
    print(
        "\nCalibration (FY2014-FY2021 window): "
        + "; ".join(f"{k} {v:,.3g}" for k, v in summary.items())
        + "\n"
    )

    table, bl = backtest.backlog(hist.caseload, runs=2000, seed=0)
    print("### Backlog out of sample\n")
    print(
        "Calibrated on EOIR FY2016-FY2020 (definition eoir_2026), driven by actual receipts FY2021-FY2024; "
        "judges from the published anchors (CRS R47637, GAO-17-438). Target: within 10% each year.\n"
    )
    print(
        "| FY | actual pending | median pending | 80% interval | error | actual completions "
        "| median completions |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in table.itertuples(index=False):
        print(
            f"| {row.fiscal_year} | {row.actual_pending:,.0f} | {row.median_pending:,.0f} | "
            f"{row.lower:,.0f} - {row.upper:,.0f} | {row.error:+.1%} | {row.actual_completions:,.0f} | "
            f"{row.median_completions:,.0f} |"
        )
    s = bl.calibration.summary()
    print(
        f"\nBacklog calibration: completions per judge-year FY2020 {s['per_judge_last']:,.0f} (volatility "
        f"{s['per_judge_sigma']:.3f}); returning cases {s['reopen_mean']:.2%} of pending a year; "
        "judges FY2015 "
        f"{s['judges_fy2015']:,.0f}, FY2020 {s['judges_fy2020']:,.0f}, FY2023 {s['judges_fy2023']:,.0f}; "
        f"attrition {s['attrition']:.1%}."
    )


if __name__ == "__main__":
    main()

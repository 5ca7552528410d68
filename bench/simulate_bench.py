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
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import corridor
from corridor import ingest
from corridor.reference.labels import label
from corridor.simulate import backlog as backlog_model
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
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (load {os.getloadavg()[0]:.1f} at the start), "
        f"Python {platform.python_version()}, NumPy {np.__version__}; "
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
            f"| {label('outcome', row.outcome)} | {'yes' if row.major else 'no'} | {row.months} | "
            f"{row.coverage:.0%} | "
            f"{row.actual_total:,.0f} | {row.median_total:,.0f} | {row.total_error:+.1%} |"
        )
    summary = result.calibration.summary()
    print(
        "\nCalibration (FY2014-FY2021 window): "
        + "; ".join(f"{k} {v:,.3g}" for k, v in summary.items())
        + "\n"
    )

    backlog_section(obs_db=db, hist=hist)


def backlog_section(*, obs_db: Path, hist) -> None:
    """Backlog: process choice, out-of-sample checks, and the judges-needed interval against its median."""
    caseload = hist.caseload
    print("### Backlog: which process for completions per judge-year\n")
    print(
        "Log completions per judge-year, fitted by maximum likelihood (statsmodels state-space models) "
        "on the calibration years; AIC from the log-likelihood of every observation after the first "
        "two, so all six are compared on the same data. 'Paused': FY2020-FY2022 (the pandemic window) "
        "left out and the years around it joined.\n"
    )
    for until in (2025, 2022):
        cal = backlog_model.calibrate(caseload, until=until)
        table = backlog_model.process_comparison(cal)
        print(f"Calibrated on FY{cal.years[0]}-FY{until}:\n")
        print("| process | parameters | log-likelihood | AIC | difference |")
        print("|---|---|---|---|---|")
        for row in table.itertuples(index=False):
            cells = (
                row.label,
                row.parameters,
                f"{row.loglik:.2f}",
                f"{row.aic:.2f}",
                f"{row.delta_aic:+.2f}",
            )
            print("| " + " | ".join(map(str, cells)) + " |")
        print()

    table, bl = backtest.backlog(caseload, runs=2000, seed=0)
    print("### Backlog out of sample\n")
    print(
        "Calibrated on EOIR FY2016-FY2020 (definition eoir_2026), driven by actual receipts FY2021-FY2024; "
        "judges from the published anchors (CRS R47637, GAO-17-438). FY2021-FY2022 are pandemic years: "
        "the run knows the window's dates, and sizes its shock from FY2020 only. Target: within 10% each "
        "year.\n"
    )
    print(
        "| FY | actual pending | median pending | 80% interval | inside | error | actual completions "
        "| median completions |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in table.itertuples(index=False):
        print(
            f"| {row.fiscal_year} | {row.actual_pending:,.0f} | {row.median_pending:,.0f} | "
            f"{row.lower:,.0f} - {row.upper:,.0f} | {'yes' if row.inside else 'no'} | {row.error:+.1%} | "
            f"{row.actual_completions:,.0f} | {row.median_completions:,.0f} |"
        )
    s = bl.calibration.summary()
    print(
        f"\nCalibration: completions per judge-year start at FY2019's {s['per_judge_start']:,.0f}, "
        f"volatility {s['per_judge_sigma']:.3f} from {s['steps']:.0f} steps; pandemic shock (FY2020) "
        f"{np.exp(s['shock_depth']) - 1:+.0%}; returning cases {s['reopen_mean']:.2%} of pending a year; "
        f"judges FY2015 {s['judges_fy2015']:,.0f}, FY2020 {s['judges_fy2020']:,.0f}, FY2023 "
        f"{s['judges_fy2023']:,.0f}; attrition {s['attrition']:.1%}.\n"
    )

    rolling = backtest.backlog_rolling(caseload, runs=1000, seed=0)
    print(
        "Every origin the model can calibrate on (FY2016 plus at least two more years outside the window), "
    )
    print("1-4 years ahead, actual receipts; 1,000 runs:\n")
    print("| origin | years checked | inside the 80% interval | median abs. error | worst error |")
    print("|---|---|---|---|---|")
    for origin, part in rolling.groupby("origin"):
        worst = part["error"].iloc[part["error"].abs().argmax()]
        print(
            f"| FY{origin} | {len(part)} | {int(part['inside'].sum())} | "
            f"{part['error'].abs().median():.1%} | {worst:+.1%} |"
        )
    total = backtest.backlog_coverage(rolling)
    clean = rolling[~rolling["fiscal_year"].isin(backlog_model.PANDEMIC)]
    print(
        f"| all | {total['years']} | {total['inside']} ({total['coverage']:.0%}) | "
        f"{total['median_abs_error']:.1%} | |"
    )
    print(
        f"| outside FY2020-FY2022 | {len(clean)} | {int(clean['inside'].sum())} "
        f"({clean['inside'].mean():.0%}) | {clean['error'].abs().median():.1%} | |\n"
    )

    print("### Backlog: judges needed to clear the backlog by FY2032\n")
    print(
        "`corridor simulate backlog --goal 'clear-by 2032'` (receipts held at the year before the run, "
        "104 hires a year less attrition), 2,000 runs, seeds 0-4 (the ratio's spread across seeds). "
        "Baseline, same run: the same code with no pandemic window (every year steps, so FY2021's "
        "closures set the volatility), as in the model issue 15 reported. Target (issue 15): upper "
        "bound at most 3x the median.\n"
    )
    print(
        "| run | process | volatility | median | 80% interval | upper / median | width / median "
        "| runs needing none |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with corridor.open(obs_db) as obs:
        flat = None
        for name, kwargs in (
            ("default", {}),
            ("--calibrate-until 2022", {"calibrate_until": 2022}),
        ):
            for process, shock_years in (
                ("paused in window", backlog_model.PANDEMIC),
                ("baseline: no window", ()),
            ):
                ratios, widths = [], []
                for seed in range(5):
                    res = _backlog_with(obs, shock_years, seed=seed, **kwargs)
                    g = res.goal
                    ratios.append(g["upper_to_median"] or float("inf"))
                    widths.append(g["width_to_median"] or float("inf"))
                    if seed == 0:
                        first = g
                        sigma = res.calibration.per_judge_sigma
                ratio = first["upper_to_median"] or float("inf")
                width = first["width_to_median"] or float("inf")
                print(
                    f"| {name} | {process} | {sigma:.3f} | {first['median']:,.0f} | "
                    f"{first['lower']:,.0f} - {first['upper']:,.0f} | {ratio:.1f} "
                    f"({min(ratios):.1f}-{max(ratios):.1f}) | {width:.1f} | "
                    f"{first['share_cleared_without_added']:.0%} |"
                )
            if flat is None:
                res = obs.simulate_backlog(runs=100, seed=0)
                flat = res.calibration.attrition * res.calibration.judges_in(res.years[0] - 1)
        print("\nWhat the ratio depends on: hiring (default run, seed 0, 2,000 runs).\n")
        print("| judges hired a year | median | 80% interval | upper / median |")
        print("|---|---|---|---|")
        for hires in (104.0, 70.0, round(flat)):
            g = obs.simulate_backlog(runs=2000, seed=0, clear_by=2032, hires_per_year=hires).goal
            ratio = g["upper_to_median"]
            print(
                f"| {hires:,.0f}{' (flat headcount)' if hires == round(flat) else ''} | {g['median']:,.0f} | "
                f"{g['lower']:,.0f} - {g['upper']:,.0f} | {'-' if ratio is None else f'{ratio:.1f}'} |"
            )


def _backlog_with(obs, shock_years: tuple[int, ...], *, seed: int, calibrate_until: int | None = None):
    """`simulate_backlog(clear_by=2032)`, calibrated with the given pandemic window."""
    caseload = obs.simulation_history().caseload
    until = calibrate_until or int(backlog_model.complete_years(caseload, "eoir_2026").index.max())
    cal = backlog_model.calibrate(caseload, until=until, shock_years=shock_years)
    data = backlog_model.complete_years(caseload, "eoir_2026")
    end = max(2032, until + 10)
    res = backlog_model.simulate(
        cal,
        start=until + 1,
        end=end,
        receipts=np.full(end - until, float(data.loc[until, "receipts"])),
        receipts_source="held",
        runs=2000,
        seed=seed,
        start_pending=float(data.loc[until, "pending"]),
    )
    res.goal = backlog_model.judges_needed(res, clear_by=2032)
    return res


if __name__ == "__main__":
    main()

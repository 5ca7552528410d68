"""Benchmark: the two forecast backtest suites of issue 4, every model side by side, and speed.

Suite A (recent, all encounters) runs Corridor's model, naive, seasonal naive, statsforecast
AutoETS, AutoTheta and AutoARIMA; Suite B (long, Border Patrol) the same without AutoARIMA
(about 3,800 refits of up to 300 months: hours) unless --arima-long. Corridor's time is one pass
over every origin (its inner backtest and adaptive intervals included). A sensitivity table
shows Corridor's settings varied one at a time (for reading, not for choosing: the defaults are
fixed in `ModelSpec`). Prints the ratio to each target; never exits non-zero for a missed one.

    python bench/forecast_suites.py --db corridor.duckdb [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import subprocess
import time

import pandas as pd

import corridor
from corridor.analysis import forecast as fc
from corridor.analysis import forecast_suites as fs

pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 40)


def machine() -> str:
    """nproc and the head of lscpu, for the results file."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()[
            :10
        ]
    except OSError:
        lscpu = []
    return f"nproc {os.cpu_count()}; {platform.platform()}; Python {platform.python_version()}\n" + "\n".join(
        lscpu
    )


def show(title: str, frame: pd.DataFrame) -> None:
    print(f"\n### {title}\n")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def targets(name: str, table: pd.DataFrame) -> None:
    """Print Corridor's ratios against the issue's targets."""
    t = table.set_index("model")
    c, n = t.loc["corridor"], t.loc["naive"]
    print(f"\n{name} targets:")
    print(f"  MASE ratio to naive            {c['mase'] / n['mase']:.4f}  (target < 1; <= 0.95 on one suite)")
    print(f"  Winkler-80 ratio to naive      {c['winkler_80'] / n['winkler_80']:.4f}  (target <= 0.90)")
    print(f"  80% coverage                   {c['coverage_80']:.4f}  (target 0.75-0.85)")
    print(f"  95% coverage                   {c['coverage_95']:.4f}  (reported)")
    print(f"  negative forecasts             {c['negative_share']:.4f}  (target 0)")


def sensitivity(obs: corridor.Observatory, suite: fs.SuiteName) -> pd.DataFrame:
    """Corridor's metrics with one setting changed at a time (cheap: no statsforecast)."""
    data = fs.load(obs, suite)
    rows = []
    base = fc.DEFAULT_SPEC
    variants = [("default", base)]
    variants += [
        (f"seasonal_weight={w}", dataclasses.replace(base, seasonal_weight=w)) for w in (0.0, 0.25, 0.75, 1.0)
    ]
    variants += [(f"half_life_years={v}", dataclasses.replace(base, half_life_years=v)) for v in (3.0, 8.0)]
    variants += [(f"aci_gamma={g}", dataclasses.replace(base, aci_gamma=g)) for g in (0.0, 0.005, 0.01, 0.05)]
    variants += [(f"level_power={b}", dataclasses.replace(base, level_power=b)) for b in (0.0, 1.0)]
    variants += [(f"interval_window={w}", dataclasses.replace(base, interval_window=w)) for w in (24, 60)]
    for label, spec in variants:
        bt = fc.backtest_series(
            data.series,
            data.months,
            data.origins,
            horizon=fs.HORIZON,
            levels=(80, 95),
            baselines=("naive",),
            spec=spec,
        )
        t = bt.table.set_index("model")
        rows.append(
            {
                "variant": label,
                "mase_vs_naive": t.loc["corridor", "mase_vs_naive"],
                "winkler_80_vs_naive": t.loc["corridor", "winkler_80_vs_naive"],
                "coverage_80": t.loc["corridor", "coverage_80"],
                "coverage_95": t.loc["corridor", "coverage_95"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None, help="warehouse (default $CORRIDOR_DB or ./corridor.duckdb)")
    parser.add_argument("--quick", action="store_true", help="Corridor, naive and seasonal naive only")
    parser.add_argument("--arima-long", action="store_true", help="also run AutoARIMA on Suite B (hours)")
    parser.add_argument("--no-sensitivity", action="store_true")
    args = parser.parse_args()
    print(f"# Forecast suites, {time.strftime('%Y-%m-%d %H:%M')}\n\n{machine()}")
    with contextlib.suppress(OSError):
        print(f"load average before: {os.getloadavg()[0]:.1f}")
    obs = corridor.open(args.db)
    for suite in ("recent", "long"):
        baselines: tuple[fc.BaselineName, ...] = ("naive", "snaive")
        if not args.quick:
            baselines += ("autoets", "autotheta")
            if suite == "recent" or args.arima_long:
                baselines += ("autoarima",)
        # Warm statsforecast's JIT so its timings measure fitting, not compilation.
        if not args.quick:
            fc.statsforecast_points(
                obs.flows(region="southwest", by="month").tidy()["encounters"].to_numpy(float),
                6,
                [40],
                [80],
                model="autoets",
            )
        start = time.perf_counter()
        data, bt = fs.run(
            obs, suite, baselines=baselines, progress=lambda m: print(f"  running {m} ...", flush=True)
        )
        print(f"\n## {data.title}  ({time.perf_counter() - start:.0f} s in all)\n{bt.description}")
        print(f"Source: {data.sources}")
        show(f"{data.title}: accuracy (all models)", bt.table)
        show(f"{data.title}: mean MASE by horizon", bt.horizons)
        targets(data.title, bt.table)
        secs = bt.seconds
        if "autoarima" in secs:
            print(
                f"  speed: Corridor {secs['corridor']:.2f} s vs AutoARIMA {secs['autoarima']:.1f} s "
                f"= {secs['corridor'] / secs['autoarima']:.4f}x  (target <= 0.25)"
            )
        if not args.no_sensitivity:
            show(
                f"{data.title}: Corridor sensitivity (one setting changed at a time)", sensitivity(obs, suite)
            )
    with contextlib.suppress(OSError):
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

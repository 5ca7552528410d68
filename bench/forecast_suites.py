"""Benchmark: the two forecast backtest suites of issue 4, every model side by side, and speed.

Suite A (recent, all encounters) runs Corridor's model, naive, seasonal naive, statsforecast
AutoETS, AutoTheta and AutoARIMA; Suite B (long, Border Patrol) the same without AutoARIMA
(about 3,800 refits of up to 300 months: hours) unless --arima-long. Corridor's time is one pass
over every origin (its inner backtest and adaptive intervals included). A sensitivity table
shows Corridor's settings varied one at a time (for reading, not for choosing: the defaults are
fixed in `ModelSpec`). Prints the ratio to each target; never exits non-zero for a missed one.

Two honesty checks follow. The hold-out check runs Corridor and naive on each suite's hold-out
twin (series outside the suite, same months and origins; `forecast_suites.load_holdout`) and on
the earlier and later half of every set's origins. The variant search reproduces every point
forecast rule evaluated in the search for a better one (issue 4): each was run on the two
hold-out sets first, in three rounds of three, and only each round's pick by a rule fixed in
advance (lowest mean MASE ratio over the two hold-out sets, and better than the shipped rule on
both) was run on the suites; the rest are shown on the suites too, used for no choice. Round 3
(`ROUND3`: a transit leading indicator, policy dates, a combination with AutoTheta) starts from
the shipped `lad` rule; its AutoTheta refits make the search about a minute and a half longer.

Issue 15 adds Suite C (after a break: `forecast_suites.load_breaks`) against naive with
empirical log-scale intervals, the mean relative width of every interval beside its coverage,
and the interval search (INTERVALS; three declared rounds, each picked on the hold-out sets by
the rule declared with round 1; `interval_report` reprints every round and its pick).

    python bench/forecast_suites.py --db corridor.duckdb [--quick] [--long-quick] [--no-sensitivity]
        [--no-variants] [--no-intervals]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import platform
import subprocess
import time

import numpy as np
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
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}" if abs(v) < 1e6 else f"{v:.3g}"))


def targets(name: str, table: pd.DataFrame) -> None:
    """Print Corridor's ratios against the issue's targets."""
    t = table.set_index("model")
    c, n = t.loc["corridor"], t.loc["naive"]
    print(f"\n{name} targets:")
    print(f"  MASE ratio to naive            {c['mase'] / n['mase']:.4f}  (target < 1; <= 0.95 on one suite)")
    print(f"  Winkler-80 ratio to naive      {c['winkler_80'] / n['winkler_80']:.4f}  (target <= 0.90)")
    print(f"  80% coverage                   {c['coverage_80']:.4f}  (target 0.75-0.85)")
    print(f"  95% coverage                   {c['coverage_95']:.4f}  (reported)")
    print(f"  mean relative 80% width        {c['relwidth_80']:.4f}  (sharpness, reported)")
    print(f"  negative forecasts             {c['negative_share']:.4f}  (target 0)")


def targets_c(table: pd.DataFrame) -> None:
    """Print Corridor's Suite C numbers against issue 15's targets (naive_log: empirical log-scale)."""
    t = table.set_index("model")
    c, n, g = t.loc["corridor"], t.loc["naive"], t.loc["naive_log"]
    print("\nSuite C targets:")
    print(f"  80% coverage                   {c['coverage_80']:.4f}  (target 0.75-0.85)")
    print(f"  95% coverage                   {c['coverage_95']:.4f}  (reported)")
    print(
        f"  mean relative 80% width        {c['relwidth_80']:.4f} = "
        f"{c['relwidth_80'] / g['relwidth_80']:.4f}x naive_log  (target <= 0.90)"
    )
    print(f"  MASE ratio to naive            {c['mase'] / n['mase']:.4f}  (target <= 1.0)")
    print(f"  Winkler-80 ratio to naive_log  {c['winkler_80'] / g['winkler_80']:.4f}  (reported)")


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


# ----------------------------------------------------------------------------- variant search
# Point-forecast rules tried against the first shipped one (fixed seasonal weight 1/2). Round 1's
# pick, `lad`, became the default (`ModelSpec.learn_weight`); its row here reproduces the model.
# Each learns something per series from that series' own past only (nothing after the origin).
VARIANTS = {
    "fixed": "first shipped rule: fixed seasonal weight 1/2",
    "ls": "seasonal weight learned: least squares on past errors, pooled horizons",
    "ls_h": "seasonal weight learned: least squares on past errors, per horizon",
    "lad": "seasonal weight learned: least absolute deviations, pooled horizons (now the default)",
    "fixed_ar": "fixed weight + AR(1) of one-step residuals (recency-weighted)",
    "lad_ar": "learned LAD weight + AR(1) of one-step residuals (recency-weighted)",
    "fixed_ar36": "fixed weight + AR(1) of one-step residuals (last 36 months)",
}
# Two rounds of three alternatives (ls, ls_h, lad; then fixed_ar, lad_ar, fixed_ar36), each judged on the
# hold-out sets by the rule fixed in advance; only each round's pick was then run on the suites.
PICKED = ("lad", "lad_ar")  # round 3's pick, lad_policy, is printed by `round3_pick`

# Round 3, declared on 2026-11-28 at 06:55 UTC before any of these rules was run on any set. Each
# starts from the shipped `lad` point exp(z_T + w_T m_T) - 1 (z = log(1 + y), T the last training
# month, m_T the seasonal move the profile at T predicts, w_T the learned LAD weight):
# - lad_transit (leading indicator): + b_T x_T, where x_T = log(1 + H_T) - log(1 + H_{T-1}) and H
#   is the irregular arrivals in Honduras of the series' own nationality (warehouse table
#   transit_monthly, series honduras_arrivals, breakdown nationality; a nationality absent in a
#   month that has rows counts 0; months without any row are missing). Only values up to and
#   including T are used, with no lag: Honduras's INM publishes its "Flujo Migratorio Irregular"
#   dashboard continuously, ahead of CBP's monthly release about mid-month. Mexico's INM
#   "presented" counts are not used: UPM's statistical bulletins appear a month or more after
#   CBP's figures, so a same-month value would leak the future, and one indicator keeps the
#   coefficient learnable from 12-60 past origins. b_T is learned from the series' own past only:
#   the LAD slope (recency-weighted as for the weight, horizons pooled) of the residual change
#   z[o+h-1] - z[o-1] - w_T m_o,h on x_o over past origins o <= T - h + 1 whose outcome is known
#   and x_o exists; shrunk by k / (k + 12) (k = those origins) and clipped to [0, 1]. b_T = 0 (plain
#   lad) unless k >= 12 and x_T exists; series without a nationality (totals, demographics,
#   sectors, OTHER) are plain lad.
# - lad_policy (announced policy dates): w_T = 0 (pure last value) when the month of the effective
#   date of an applicable event of the policy timeline (corridor.reference.events) lies in
#   T-5 .. T (so only events in force by the last training month are used); else lad. Applicable:
#   the event covers the series' region (covers_region), its components are `all` or include the
#   series' component (Suite B and its twin are Border Patrol only; Suite A all components), it
#   targets the series' citizenship (PolicyEvent.targets; totals, demographics and sectors take
#   every event) and its demographics are `all` or include the series' demographic.
# - lad_theta (combination): the mean on the log(1 + y) scale of the lad point and statsforecast's
#   AutoTheta (season_length 12, additive decomposition) fitted on log(1 + y[:T]) at every origin
#   with at least 24 months (before that, lad alone); clipped at 0. Cost: one AutoTheta fit per
#   origin and series (on Suite B, about 280 origins x 20 series).
# Choice rule (as in rounds 1-2): the lowest mean MASE ratio over the two hold-out sets among the
# three, and only if it is below lad's on both hold-out sets; then that pick alone is run on the
# suites. It would replace the default only if it meets the targets there (<= 0.95x naive
# on one suite, < 1x on both, W80 <= 0.90x naive on both, 80% coverage 75-85% on both, no
# negative forecast). After that all three are run on the suites for the record, choosing nothing.
ROUND3 = {
    "lad_transit": "lad + learned, shrunk coefficient x log change of Honduras arrivals of the nationality",
    "lad_policy": "lad, but weight 0 (last value) for 6 months from an applicable policy event",
    "lad_theta": "mean on log scale of lad and AutoTheta (additive, on log(1 + y))",
}


# ----------------------------------------------------------------------------- interval search
# Issue 15, declared on 2026-12-02 at 06:27 UTC before any of these interval rules was run on any
# real series (only on synthetic data). The point forecast stays the shipped `lad` rule in all.
# Every rule is split conformal on the model's own rolling-origin errors, pooled over horizons
# after dividing by sqrt(h), with adaptive conformal inference (step 0.02) pooled over the series
# forecast together, as before; they differ in the score and in which past errors count:
# - sqrt_level: the rule before issue 15 (errors / sqrt(level at the origin), last 36 origins).
# - log: errors of log(1 + y), last 36 origins. Scale-free: an error learned at 200,000 a month is
#   the same factor at 10,000; bands are exp(log(1 + point) + q sqrt(h)) - 1, so a lower bound is
#   0 only where the point is near 0 or past errors were factors of 10 and more.
# - log_break: log, plus level shifts detected at every origin from the data up to it (ruptures
#   KernelCPD, linear kernel = PELT on the least-squares cost, on the seasonally adjusted log
#   series of the last 48 months, penalty 3 sigma^2 log(n), segments >= 3 months, shifts >= log
#   1.5). After a break at month c: errors of forecasts made before c for months from c on are
#   dropped; once 24 errors of forecasts made from c on exist, only those count.
# - log_decay: log, last 60 origins, each error weighted by 0.5^(months since its outcome / 12)
#   (weighted conformal for non-exchangeable data, Barber et al. 2023); no break detection.
# - log_break_decay: log_decay plus log_break's re-windowing.
# Where the choice is made: the hold-out twins only: A hold-out (30 origins), B hold-out (188
# origins), and "C hold-out", Suite C's rows whose series come from the twins (forecast_suites.
# load_breaks; the events and the 50%-in-3-months rule are fixed in forecast_suites). Suite C's
# rows from the suites' own series, and suites A and B, choose nothing.
# Rule: a rule is eligible if on each of the three hold-out sets 80% coverage is within 75-85%,
# and its 80% Winkler is at most 0.90x naive's (additive empirical intervals, as in issue 4) on A
# and B hold-out and its mean relative 80% width at most 0.90x naive_log's (empirical log-scale)
# on C hold-out. The pick is the eligible rule with the lowest C hold-out width ratio; if none is
# eligible, the rule failing fewest of those conditions, then the lowest C hold-out width ratio.
# The pick becomes the default (ModelSpec) and only then is run on suites A, B and C; after that
# every rule is shown on the suites for the record, choosing nothing.
# Each rule is SEARCH_BASE (the interval settings before issue 15) with the settings it names.
SEARCH_BASE = dataclasses.replace(
    fc.DEFAULT_SPEC,
    interval_scale="sqrt_level",
    interval_window=36,
    score_half_life=0.0,
    log_offset=1.0,
    pool_horizons=True,
    aci_pooled=True,
    finite_sample=False,
    volatility_window=0,
    breaks=False,
    break_min_scores=24,
)
ROUND1 = ("sqrt_level", "log", "log_break", "log_decay", "log_break_decay")
INTERVALS: dict[str, dict] = {
    "sqrt_level": {"interval_scale": "sqrt_level", "breaks": False},
    "log": {"interval_scale": "log", "breaks": False},
    "log_break": {"interval_scale": "log", "breaks": True},
    "log_decay": {"interval_scale": "log", "breaks": False, "score_half_life": 12.0, "interval_window": 60},
    "log_break_decay": {
        "interval_scale": "log",
        "breaks": True,
        "score_half_life": 12.0,
        "interval_window": 60,
    },
}


# Round 1 (run 06:28 UTC on the hold-out sets only) picked `sqrt_level`, the rule before issue 15:
# every log rule failed A's coverage and both Winkler bars (log bands on a series with few events
# a month are factors of 10 and more), and none reached C's width bar (sqrt_level 0.91x). Looked
# at next, on the hold-out sets only (no rule chosen from it): the log rules' bands are wider,
# not only differently placed, where a series' relative volatility fell as it grew; per-horizon
# score sets, per-series adaptation and log(10 + y) did not fix that.
# Round 2, declared 2026-12-02 06:31 UTC before running any of these three on any real series:
# - sqrt_break: sqrt_level plus log_break's level-shift re-windowing.
# - lognorm: log scores divided by the series' volatility at their origin (1.4826 x MAD of the
#   month-to-month changes of log(1 + y) over the 24 months up to it, at least 0.01), quantiles
#   multiplied back by today's (normalised conformal, Lei et al. 2018); last 36 origins.
# - lognorm_break: lognorm plus the level-shift re-windowing.
# Same sets and the same rule as round 1, applied to these three and round 1's pick together;
# the pick becomes the default and only then runs on suites A, B and C.
ROUND2 = ("sqrt_level", "sqrt_break", "lognorm", "lognorm_break")
INTERVALS |= {
    "sqrt_break": {"interval_scale": "sqrt_level", "breaks": True},
    "lognorm": {"interval_scale": "log", "breaks": False, "volatility_window": 24},
    "lognorm_break": {"interval_scale": "log", "breaks": True, "volatility_window": 24},
}


# Round 2 (run 06:31 UTC on the hold-out sets) picked `sqrt_break`, failing only C hold-out's
# coverage (74.4%); lognorm's bands overflowed on series with months of zeros (volatility 0.01).
# The pick then ran on the suites (06:32): Suite A coverage 73.8%, below the 75% bar, B 76.1%,
# C 83.4%. Round 3 addresses the hold-out finding (coverage after a break too low): right after
# a break the interval learns from as few as 24 errors, and numpy's interpolated quantiles of a
# small set cover less than their level. Declared 2026-12-02 06:34 UTC before running either:
# - sqrt_break_fs: sqrt_break, with split conformal's finite-sample order statistics (the
#   ceil((n + 1) p)-th smallest score above the median, floor((n + 1) p)-th below) everywhere.
# - sqrt_break60: sqrt_break, learning from the new regime alone only once 60 errors of
#   forecasts made after the break exist (about 10 origins; before that, the window's errors
#   less those across the break).
# Same hold-out sets and rule, applied to these two and round 2's pick together. Whatever the
# pick, suites A, B and C are then run once more with it, and every rule is shown for the record.
INTERVAL_ROUND3 = ("sqrt_break", "sqrt_break_fs", "sqrt_break60")
INTERVALS |= {
    "sqrt_break_fs": {"interval_scale": "sqrt_level", "breaks": True, "finite_sample": True},
    "sqrt_break60": {"interval_scale": "sqrt_level", "breaks": True, "break_min_scores": 60},
}


def _set_rows(data: fs.SuiteData, origins: list[int], kinds: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Backtest rows at `origins` of every interval rule (same points) and of naive / naive_log."""
    ys = [np.asarray(v, float) for v in data.series.values()]
    moy = fc.month_of_year(data.months)
    base = SEARCH_BASE
    pts = [fc.rolling_points(y, moy, fs.HORIZON, first=base.first_origin, spec=base) for y in ys]
    out = {}
    for kind in kinds:
        spec = dataclasses.replace(base, **INTERVALS[kind])
        start = time.perf_counter()
        brk = [fc.level_breaks(y, moy, spec=spec) for y in ys]
        ivs = fc.aci_intervals(ys, pts, (80, 95), spec=spec, breaks=brk)
        secs = time.perf_counter() - start
        bt = fc.backtest_series(
            data.series,
            data.months,
            origins,
            horizon=fs.HORIZON,
            levels=(80, 95),
            baselines=("naive", "naive_log") if not out else (),
            corridor=(pts, ivs),
        )
        if not out:
            out["_baselines"] = bt.long[bt.long["model"] != "corridor"]
        out[kind] = bt.long[bt.long["model"] == "corridor"].assign(seconds=secs)
    return out


def interval_metrics(long: pd.DataFrame) -> dict[str, float]:
    """Corridor's accuracy, calibration and sharpness on some rows, against naive and naive_log."""
    g = long.groupby("model")
    mean = g[["ase", "winkler_80", "cover_80", "cover_95", "relwidth_80", "relwidth_95"]].mean()
    c = mean.loc["corridor"]
    return {
        "forecasts": int((long["model"] == "corridor").sum()),
        "mase_x": c["ase"] / mean.loc["naive", "ase"],
        "w80_x": c["winkler_80"] / mean.loc["naive", "winkler_80"],
        "w80_x_log": c["winkler_80"] / mean.loc["naive_log", "winkler_80"],
        "cov80": c["cover_80"],
        "cov95": c["cover_95"],
        "relw80": c["relwidth_80"],
        "relw80_x_log": c["relwidth_80"] / mean.loc["naive_log", "relwidth_80"],
        "relw95": c["relwidth_95"],
        "naive_log_cov80": mean.loc["naive_log", "cover_80"],
        "naive_log_relw80": mean.loc["naive_log", "relwidth_80"],
    }


def interval_search(
    obs: corridor.Observatory, *, stage: str, kinds: tuple[str, ...] = tuple(INTERVALS)
) -> pd.DataFrame:
    """Every interval rule on the hold-out twins and their Suite C rows (`stage="hold-out"`, where
    the choice is made) or on suites A, B and C (`stage="suite"`, for the record)."""
    loader = fs.load_holdout if stage == "hold-out" else fs.load
    rows = []
    for suite, label in (("recent", "A"), ("long", "B")):
        data = loader(obs, suite)
        brk = fs.break_rows(data)
        origins = sorted(set(data.origins) | set(brk["origin"]))
        per = _set_rows(data, origins, kinds)
        keys = brk[["series", "origin"]]
        for kind in kinds:
            long = pd.concat([per[kind], per["_baselines"]], ignore_index=True)
            on_suite = long[long["origin"].isin(data.origins)]
            rows.append({"set": f"{label} {stage}", "rule": kind, **interval_metrics(on_suite)})
            after = long.merge(keys, on=["series", "origin"], how="inner")
            rows.append(
                {
                    "set": f"C {stage} ({label})",
                    "rule": kind,
                    **interval_metrics(after),
                    "seconds": float(per[kind]["seconds"].iloc[0]),
                }
            )
            rows[-1]["_after"] = after
    table = pd.DataFrame(rows)
    # Suite C pools its parts from both eras: recompute from the pooled rows
    pooled = []
    for kind in kinds:
        after = pd.concat(
            [
                r
                for r, k, st in zip(table["_after"], table["rule"], table["set"], strict=True)
                if k == kind and st.startswith("C ")
            ],
            ignore_index=True,
        )
        pooled.append({"set": f"C {stage}", "rule": kind, **interval_metrics(after)})
    table = pd.concat([table.drop(columns=["_after"]), pd.DataFrame(pooled)], ignore_index=True)
    return table


def interval_pick(hold: pd.DataFrame, kinds: tuple[str, ...] = ROUND1) -> tuple[str, pd.DataFrame]:
    """The declared rule (see INTERVALS): eligible on all three hold-out sets, then the sharpest on C."""
    t = hold.set_index(["set", "rule"])
    checks = []
    for kind in kinds:
        a, b, c = (t.loc[(f"{x} hold-out", kind)] for x in ("A", "B", "C"))
        conds = {
            "A cov80": 0.75 <= a["cov80"] <= 0.85,
            "B cov80": 0.75 <= b["cov80"] <= 0.85,
            "C cov80": 0.75 <= c["cov80"] <= 0.85,
            "A W80": a["w80_x"] <= 0.90,
            "B W80": b["w80_x"] <= 0.90,
            "C width": c["relw80_x_log"] <= 0.90,
        }
        failed = [k for k, ok in conds.items() if not ok]
        checks.append(
            {
                "rule": kind,
                "failed": len(failed),
                "which": ", ".join(failed) or "-",
                "C width x naive_log": c["relw80_x_log"],
            }
        )
    frame = pd.DataFrame(checks).sort_values(["failed", "C width x naive_log"], kind="stable")
    return str(frame.iloc[0]["rule"]), frame


def _weighted_median_slope(x: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    """Least-absolute-deviations slope of d on x through the origin: weighted median of d / x."""
    ok = np.abs(x) > 1e-12
    r, ww = d[ok] / x[ok], (w * np.abs(x))[ok]
    order = np.argsort(r)
    cum = np.cumsum(ww[order])
    return float(r[order][np.searchsorted(cum, cum[-1] / 2)])


def variant_points(y: np.ndarray, moy: np.ndarray, horizon: int, kind: str) -> np.ndarray:
    """Points at every origin for one variant: exp(z_T + w_h (s_f - s_T) + AR term) - 1."""
    spec = fc.DEFAULT_SPEC
    n = len(y)
    z = np.log1p(np.maximum(y, 0.0))
    prof = np.zeros((n + 1, fc.SEASON))
    for t in range(1, n + 1):
        prof[t] = fc.seasonal_profile(z[:t], moy[:t], spec=spec)
    move = np.full((n + 1, horizon), np.nan)  # seasonal change the profile at T predicts
    change = np.full((n + 1, horizon), np.nan)  # realised log change z[T+h-1] - z[T-1]
    for t in range(1, n + 1):
        last = moy[t - 1]
        move[t] = prof[t][(last + np.arange(1, horizon + 1)) % fc.SEASON] - prof[t][last]
        h = np.arange(1, horizon + 1)
        seen = t + h - 1 < n
        change[t, seen] = z[t + h[seen] - 1] - z[t - 1]
    has_profile = prof.any(axis=1)
    out = np.full((n + 1, horizon), np.nan)
    decay = 12.0 * spec.half_life_years
    for t in range(spec.first_origin, n + 1):
        w = np.full(horizon, spec.seasonal_weight)
        if kind in ("ls", "ls_h", "lad", "lad_ar"):
            past = [np.flatnonzero(has_profile[1 : t - h + 1]) + 1 for h in range(1, horizon + 1)]
            if len(past[0]) >= spec.calibration_origins:
                xs = [move[o, h] for h, o in enumerate(past)]
                ds = [change[o, h] for h, o in enumerate(past)]
                wt = [0.5 ** ((t - 1 - (o + h)) / decay) for h, o in enumerate(past)]
                if kind == "ls_h":
                    for h in range(horizon):
                        den = np.sum(wt[h] * xs[h] ** 2)
                        if den > 0:
                            w[h] = np.clip(np.sum(wt[h] * xs[h] * ds[h]) / den, 0, 1)
                else:
                    x, d, v = np.concatenate(xs), np.concatenate(ds), np.concatenate(wt)
                    if kind == "ls":
                        den = np.sum(v * x * x)
                        w[:] = np.clip(np.sum(v * x * d) / den, 0, 1) if den > 0 else spec.seasonal_weight
                    else:
                        w[:] = np.clip(_weighted_median_slope(x, d, v), 0, 1)
        ar = np.zeros(horizon)
        if kind in ("fixed_ar", "lad_ar", "fixed_ar36"):
            e = np.diff(z[:t]) - w[0] * np.diff(prof[t][moy[:t]])
            if kind == "fixed_ar36":
                e = e[-36:]
            if len(e) >= fc.MIN_MONTHS - 1:
                lag, cur = e[:-1], e[1:]
                v = np.ones(len(cur)) if kind == "fixed_ar36" else 0.5 ** (np.arange(len(cur))[::-1] / decay)
                den = np.sum(v * lag * lag)
                phi = float(np.clip(np.sum(v * lag * cur) / den, -0.9, 0.9)) if den > 0 else 0.0
                ar = np.cumsum(phi ** np.arange(1, horizon + 1)) * e[-1]
        out[t] = np.maximum(np.expm1(z[t - 1] + w * move[t] + ar), 0.0)
    return out


def _lad_parts(
    y: np.ndarray, moy: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped `lad` model's pieces at every origin T: z, seasonal move, realised change,
    origins with a profile, and the learned weight w_T (as in `fc.rolling_points`)."""
    spec = fc.DEFAULT_SPEC
    n = len(y)
    z = np.log1p(np.maximum(y, 0.0))
    steps = np.arange(1, horizon + 1)
    move = np.full((n + 1, horizon), np.nan)
    change = np.full((n + 1, horizon), np.nan)
    has_profile = np.zeros(n + 1, dtype=bool)
    for t in range(1, n + 1):
        prof = fc.seasonal_profile(z[:t], moy[:t], spec=spec)
        last = int(moy[t - 1])
        move[t] = prof[(last + steps) % fc.SEASON] - prof[last]
        has_profile[t] = bool(prof.any())
        seen = t + steps - 1 < n
        change[t, seen] = z[t + steps[seen] - 1] - z[t - 1]
    decay = 12.0 * spec.half_life_years
    w = np.full(n + 1, spec.seasonal_weight)
    for t in range(spec.first_origin, n + 1):
        past = [np.flatnonzero(has_profile[1 : t - h + 1]) + 1 for h in steps]
        if len(past[0]) >= spec.calibration_origins:
            x = np.concatenate([move[o, h] for h, o in enumerate(past)])
            d = np.concatenate([change[o, h] for h, o in enumerate(past)])
            v = np.concatenate([0.5 ** ((t - 1 - (o + h)) / decay) for h, o in enumerate(past)])
            ok = np.abs(x) > 1e-12
            if ok.any():
                w[t] = float(np.clip(_weighted_median_slope(x, d, v), 0.0, 1.0))
    return z, move, change, has_profile, w


def honduras_log_arrivals(obs: corridor.Observatory, months: list) -> dict[str, np.ndarray]:
    """log(1 + irregular arrivals in Honduras) by nationality, aligned to `months` (NaN: no data)."""
    frame = obs.con.execute(
        "SELECT month, nationality, SUM(n) AS n FROM transit_monthly "
        "WHERE series = 'honduras_arrivals' AND breakdown = 'nationality' GROUP BY ALL"
    ).df()
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    wide = frame.pivot_table(index="month", columns="nationality", values="n", aggfunc="sum").fillna(0.0)
    wide = wide.reindex(months)  # months without any row stay NaN
    return {str(k): np.log1p(wide[k].to_numpy(float)) for k in wide.columns}


def series_meta(suite: str, name: str) -> dict[str, str | None]:
    """Region, component, citizenship and demographic of a suite or hold-out series, from its name."""
    parts = name.split()
    region = parts.pop(0) if parts[0] in ("southwest", "northern", "coastal") else "southwest"
    meta: dict[str, str | None] = {
        "region": region,
        "component": "usbp" if suite == "long" else None,
        "citizenship": None,
        "demographic": None,
    }
    if parts[0] in ("citizenship", "demographic"):
        meta[parts[0]] = parts[1]
    return meta


def policy_flags(meta: dict[str, str | None], months: list, horizon: int) -> np.ndarray:
    """F[T] = an applicable policy event took effect in the last `horizon` training months (T-5..T)."""
    from corridor.reference.events import load_events

    index = {m: i for i, m in enumerate(months)}
    flags = np.zeros(len(months) + 1, dtype=bool)
    for event in load_events():
        if not event.covers_region(meta["region"]):
            continue
        comp = meta["component"]
        if comp and "all" not in event.components and comp not in event.components:
            continue
        if meta["citizenship"] and not event.targets(meta["citizenship"]):
            continue
        dem = meta["demographic"]
        if dem and "all" not in event.demographics and dem not in event.demographics:
            continue
        e = index.get(dt.date(event.effective.year, event.effective.month, 1))
        if e is None:
            continue
        # origin t has last training month index t-1; flagged when e <= t-1 <= e + horizon - 1
        flags[e + 1 : min(e + horizon, len(months)) + 1] = True
    return flags


def theta_log_points(y: np.ndarray, horizon: int, *, first: int = fc.MIN_MONTHS) -> np.ndarray:
    """AutoTheta (additive, season 12) on log(1 + y[:T]) at every origin T >= `first`, on log scale."""
    import warnings

    from statsforecast.models import AutoTheta

    z = np.log1p(np.maximum(y, 0.0))
    out = np.full((len(y) + 1, horizon), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(first, len(y) + 1):
            try:
                res = AutoTheta(season_length=fc.SEASON, decomposition_type="additive").forecast(
                    y=z[:t].copy(), h=horizon
                )
                out[t] = res["mean"]
            except Exception:  # statsforecast raises bare errors on degenerate (e.g. all-zero) windows
                continue
    return out


def round3_points(
    y: np.ndarray,
    moy: np.ndarray,
    horizon: int,
    kind: str,
    *,
    x: np.ndarray | None = None,
    flags: np.ndarray | None = None,
    theta: np.ndarray | None = None,
) -> np.ndarray:
    """Points at every origin for a round-3 rule (see ROUND3 and the declaration above it).

    `x` is log(1 + H) aligned to the months (lad_transit), `flags` from `policy_flags`
    (lad_policy), `theta` from `theta_log_points` (lad_theta); `kind="lad"` is the shipped model.
    """
    spec = fc.DEFAULT_SPEC
    n = len(y)
    z, move, change, _, w = _lad_parts(y, moy, horizon)
    decay = 12.0 * spec.half_life_years
    steps = np.arange(1, horizon + 1)
    dx = np.full(n + 1, np.nan)  # dx[t] = x at the last training month minus the month before
    if x is not None:
        dx[2:] = x[1:] - x[:-1]
    out = np.full((n + 1, horizon), np.nan)
    for t in range(spec.first_origin, n + 1):
        wt = 0.0 if (kind == "lad_policy" and flags is not None and flags[t]) else w[t]
        log_point = z[t - 1] + wt * move[t]
        if kind == "lad_transit" and np.isfinite(dx[t]):
            past = [np.flatnonzero(np.isfinite(dx[1 : t - h + 1])) + 1 for h in steps]
            k = len(past[0])
            if k >= spec.calibration_origins:
                xs = np.concatenate([dx[o] for o in past])
                rs = np.concatenate([change[o, h] - w[t] * move[o, h] for h, o in enumerate(past)])
                vs = np.concatenate([0.5 ** ((t - 1 - (o + h)) / decay) for h, o in enumerate(past)])
                if (np.abs(xs) > 1e-12).any():
                    b = _weighted_median_slope(xs, rs, vs) * k / (k + spec.calibration_origins)
                    log_point = log_point + float(np.clip(b, 0.0, 1.0)) * dx[t]
        if kind == "lad_theta" and theta is not None and np.isfinite(theta[t]).all():
            log_point = (log_point + theta[t]) / 2
        out[t] = np.maximum(np.expm1(log_point), 0.0)
    return out


def round3_set(data: fs.SuiteData, kinds: tuple[str, ...], *, honduras: dict[str, np.ndarray]) -> list[dict]:
    """Round-3 rules (and lad) on one set: ratios to naive and seconds per rule."""
    moy = fc.month_of_year(data.months)
    rows = []
    for kind in kinds:
        start = time.perf_counter()
        pts = []
        for name, values in data.series.items():
            y = np.asarray(values, float)
            meta = series_meta(data.name, name)
            extra: dict = {}
            if kind == "lad_transit" and meta["citizenship"] in honduras:
                extra["x"] = honduras[meta["citizenship"]]
            elif kind == "lad_policy":
                extra["flags"] = policy_flags(meta, data.months, fs.HORIZON)
            elif kind == "lad_theta":
                extra["theta"] = theta_log_points(y, fs.HORIZON)
            pts.append(round3_points(y, moy, fs.HORIZON, kind, **extra))
        secs = time.perf_counter() - start  # the points at every origin (intervals not included)
        long = corridor_scores(data, pts)
        negative = int(long.loc[long["model"] == "corridor", "negative"].sum())
        rows.append({"variant": kind, **ratios(long), "negative": negative, "seconds": secs})
    return rows


def round3_search(
    obs: corridor.Observatory, *, stage: str, kinds: tuple[str, ...] = ("lad", *ROUND3)
) -> pd.DataFrame:
    """Round 3 on the hold-out sets (`stage="hold-out"`, where the choice is made) or the suites."""
    loader = fs.load_holdout if stage == "hold-out" else fs.load
    rows = []
    for suite in fs.SUITES:
        data = loader(obs, suite)
        honduras = honduras_log_arrivals(obs, data.months)
        for row in round3_set(data, kinds, honduras=honduras):
            rows.append({"set": f"{suite} {stage}", **row})
    return pd.DataFrame(rows)


def round3_pick(hold: pd.DataFrame) -> str | None:
    """The declared choice rule: lowest mean hold-out MASE ratio, and below lad's on both sets."""
    wide = hold.pivot_table(index="variant", columns="set", values="mase_x")
    lad = wide.loc["lad"]
    ok = [k for k in ROUND3 if k in wide.index and (wide.loc[k] < lad).all()]
    return min(ok, key=lambda k: wide.loc[k].mean()) if ok else None


def corridor_scores(data: fs.SuiteData, pts: list[np.ndarray]) -> pd.DataFrame:
    """Backtest rows of given Corridor points (with its adaptive intervals) against naive."""
    ys = [np.asarray(v, float) for v in data.series.values()]
    ivs = fc.aci_intervals(ys, pts, (80, 95), spec=SEARCH_BASE)  # the interval rule of issue 4
    bt = fc.backtest_series(
        data.series,
        data.months,
        data.origins,
        horizon=fs.HORIZON,
        levels=(80, 95),
        baselines=("naive",),
        corridor=(pts, ivs),
    )
    return bt.long


def ratios(long: pd.DataFrame) -> dict[str, float]:
    """Corridor's MASE and W80 as multiples of naive's, and its coverage, on some backtest rows."""
    g = long.groupby("model")
    mase, w80 = g["ase"].mean(), g["winkler_80"].mean()
    return {
        "mase_x": mase["corridor"] / mase["naive"],
        "w80_x": w80["corridor"] / w80["naive"],
        "cov80": g["cover_80"].mean()["corridor"],
        "cov95": g["cover_95"].mean()["corridor"],
    }


def holdout_check(obs: corridor.Observatory) -> pd.DataFrame:
    """The shipped rule on each suite and its hold-out twin: all origins, earlier half, later half."""
    rows = []
    for suite in fs.SUITES:
        for label, data in (("suite", fs.load(obs, suite)), ("hold-out", fs.load_holdout(obs, suite))):
            moy = fc.month_of_year(data.months)
            pts = [
                fc.rolling_points(np.asarray(y, float), moy, fs.HORIZON, first=13)
                for y in data.series.values()
            ]
            long = corridor_scores(data, pts)
            half = data.origins[len(data.origins) // 2]
            for part, sel in (
                ("all", long["origin"] > 0),
                ("earlier", long["origin"] < half),
                ("later", long["origin"] >= half),
            ):
                o = long.loc[sel, "origin"]
                span = f"{data.months[o.min() - 1]:%Y-%m}..{data.months[o.max() - 1]:%Y-%m}"
                rows.append(
                    {
                        "set": f"{suite} {label}",
                        "series": len(data.series),
                        "origins": f"{part} {span}",
                        **ratios(long[sel]),
                    }
                )
    return pd.DataFrame(rows)


def variant_search(obs: corridor.Observatory) -> pd.DataFrame:
    """Every variant on the hold-out sets (where the choice was made), then on the suites."""
    rows = []
    for stage, loader in (("hold-out", fs.load_holdout), ("suite", fs.load)):
        for suite in fs.SUITES:
            data = loader(obs, suite)
            moy = fc.month_of_year(data.months)
            for kind in VARIANTS:
                start = time.perf_counter()
                pts = [
                    variant_points(np.asarray(y, float), moy, fs.HORIZON, kind) for y in data.series.values()
                ]
                secs = time.perf_counter() - start
                rows.append(
                    {
                        "set": f"{suite} {stage}",
                        "variant": kind,
                        **ratios(corridor_scores(data, pts)),
                        "seconds": secs,
                    }
                )
    table = pd.DataFrame(rows)
    hold = table[table["set"].str.endswith("hold-out")].groupby("variant", sort=False)["mase_x"].mean()
    print("\nvariants: mean MASE ratio over the two hold-out sets (the choice rule):")
    print(hold.round(4).to_string())
    return table


def interval_report(obs: corridor.Observatory) -> None:
    """Issue 15's interval search: each round on the hold-out sets and its pick, then the suites."""
    hold = interval_search(obs, stage="hold-out")
    show("Interval search: every rule on the hold-out sets (where the choice is made)", hold)
    for name, kinds in (("1", ROUND1), ("2", ROUND2), ("3", INTERVAL_ROUND3)):
        pick, checks = interval_pick(hold, kinds)
        show(f"Interval search, round {name}: conditions failed (pick: {pick})", checks)
    show(
        "Interval search: every rule on suites A, B and C (for the record)",
        interval_search(obs, stage="suite"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None, help="warehouse (default $CORRIDOR_DB or ./corridor.duckdb)")
    parser.add_argument("--quick", action="store_true", help="Corridor, naive and seasonal naive only")
    parser.add_argument("--arima-long", action="store_true", help="also run AutoARIMA on Suite B (hours)")
    parser.add_argument("--no-sensitivity", action="store_true")
    parser.add_argument(
        "--no-variants", action="store_true", help="skip the hold-out check and point-rule search"
    )
    parser.add_argument("--long-quick", action="store_true", help="Suite B without statsforecast models")
    parser.add_argument("--no-intervals", action="store_true", help="skip Suite C and the interval search")
    args = parser.parse_args()
    print(f"# Forecast suites, {time.strftime('%Y-%m-%d %H:%M')}\n\n{machine()}")
    with contextlib.suppress(OSError):
        print(f"load average before: {os.getloadavg()[0]:.1f}")
    obs = corridor.open(args.db)
    for suite in ("recent", "long"):
        baselines: tuple[fc.BaselineName, ...] = ("naive", "snaive")
        baselines += ("naive_log",)
        if not args.quick and not (suite == "long" and args.long_quick):
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
    if not args.no_intervals:
        start = time.perf_counter()
        data, bt = fs.run(obs, "breaks")
        print(f"\n## {data.title}  ({time.perf_counter() - start:.0f} s in all)\n{bt.description}")
        show("Suite C: accuracy, calibration and sharpness", bt.table)
        targets_c(bt.table)
        interval_report(obs)
    if not args.no_variants:
        show(
            "Hold-out check: Corridor vs naive on series outside the suites, and by half of the origins",
            holdout_check(obs),
        )
        show(
            f"Variant search (picked on the hold-out sets, one a round: {', '.join(PICKED)})",
            variant_search(obs),
        )
        for kind, text in VARIANTS.items():
            print(f"  {kind:<11} {text}")
        hold = round3_search(obs, stage="hold-out")
        show("Variant search, round 3: hold-out sets (where the choice is made)", hold)
        pick = round3_pick(hold)
        print(f"\nround 3 pick by the declared rule: {pick or 'none'}")
        show(
            "Variant search, round 3: suites (the pick, then the others for the record)",
            round3_search(obs, stage="suite"),
        )
        for kind, text in ROUND3.items():
            print(f"  {kind:<11} {text}")
    with contextlib.suppress(OSError):
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Monthly encounter forecasts with honest intervals, a rolling-origin backtest and coherence.

Corridor's model ("seasonal random walk, learned weight"), on z = log(1 + y):
  point(T+h) = exp(z_T + w_T * (s[m(T+h)] - s[m(T)])) - 1,
a combination of a random walk (w = 0) and a seasonal random walk (w = 1). The seasonal index s
is learned from the series' own past: deviations from a 13-month running median (robust to level
shifts), averaged per calendar month with weights halving every 5 years, used only once 36 months
exist. w_T too comes from the series' own past: the least-absolute-deviations slope of realised
changes on the changes s predicted at earlier origins (1/2 until 12 exist). The same rule, with
nothing tuned per series by hand, applies to a series never seen; it was chosen on hold-out
series, not on the backtest suites (README, Forecast).

Intervals are split-conformal on the model's own rolling-origin errors: each past h-step error is
divided by sqrt(level at its origin) (count-like variance: the first-order form of the square-root
transform that stabilises a Poisson count's variance; the ranges of a series k times larger are k
times larger) and sqrt(h) (random-walk growth), pooled over horizons from the last 36 origins,
and split conformal's finite-sample order statistics are scaled back. After a level shift
detected from the data up to the origin (`level_breaks`), the errors of forecasts across it are
dropped and, once 24 exist, only errors of forecasts made since it count. A level those scores
cannot identify (a 95% range needs 39 scores) is extrapolated beyond the most extreme score
(`_tail_quantiles`) instead of stopping at it. Adaptive conformal inference (Gibbs & Candes 2021,
step 0.02, level kept within [nominal / 10, 1]) then moves the quantile level by the misses
observed so far, pooled over the series forecast together, so coverage holds under regime
shifts. Every quantity at origin T uses only data up to T: one pass gives the forecast and an
honest backtest.

Grouped forecasts are reconciled with hierarchicalforecast's non-negative MinT (shrinkage
covariance of one-step errors) so the parts sum to the total.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from corridor.errors import UsageError

BaselineName = Literal["naive", "naive_log", "snaive", "autoets", "autotheta", "autoarima"]
CHEAP_BASELINES: tuple[BaselineName, ...] = ("naive", "naive_log", "snaive")
MIN_MONTHS = 24
MAX_HORIZON = 36
SEASON = 12


@dataclass(frozen=True)
class ModelSpec:
    """Corridor's model settings, the same for every series (anything per series is learned
    from that series' own past, see `rolling_points`)."""

    seasonal_weight: float = 0.5  # until the series has enough past errors to learn its own
    learn_weight: bool = True  # per series, from its own past errors (see `rolling_points`)
    half_life_years: float = 5.0
    trend_window: int = 13
    min_seasonal_months: int = 36
    interval_window: int = 36
    interval_scale: Literal["log", "sqrt_level"] = "sqrt_level"  # issue 15's search (README)
    level_power: float = 0.5  # errors / level**level_power (interval_scale="sqrt_level")
    score_half_life: float = 0.0  # months; 0 = every score in the window counts the same
    log_offset: float = 1.0  # scores are errors of log(log_offset + y)
    pool_horizons: bool = True  # one score set for all horizons (errors / sqrt(h)), else one each
    aci_pooled: bool = True  # one adaptive level for the series forecast together, else one each
    finite_sample: bool = True  # split conformal's order statistics instead of numpy's quantiles
    volatility_window: int = 0  # months; > 0: log scores divided by the recent volatility at the origin
    aci_gamma: float = 0.02
    first_origin: int = 13
    calibration_origins: int = 12
    breaks: bool = True  # detect level shifts and re-window the interval scores after them
    break_window: int = 48
    break_min_size: int = 3
    break_penalty: float = 3.0
    break_min_shift: float = math.log(1.5)
    break_min_scores: int = 24
    # Issue 15, rounds 4-5 (bench/forecast_suites.py; round 5's pick, `tail_extreme`, is the default)
    aci_skip_shifts: bool = False  # forecasts across a detected shift do not move the adaptive level
    aci_clip: bool = True  # the adaptive level stays within [nominal / 10, 1]
    tail: bool = True  # quantiles the scores cannot identify are extrapolated, not the largest error
    tail_anchor: Literal["decile", "extreme"] = "extreme"  # extrapolated from the 90% / 10% score
    # or from the largest / smallest one
    break_transfer: int = 0  # > 0: with this many (and < break_min_scores) post-shift scores, the
    # pre-shift scores are rescaled to the post-shift median and spread (0: used as they are)


DEFAULT_SPEC = ModelSpec()


# ----------------------------------------------------------------------------- the model


def seasonal_profile(z: np.ndarray, moy: np.ndarray, *, spec: ModelSpec = DEFAULT_SPEC) -> np.ndarray:
    """Seasonal index (12 values, mean 0) of log counts: recency-weighted deviations from a running median."""
    n = len(z)
    if n < spec.min_seasonal_months:
        return np.zeros(SEASON)
    trend = pd.Series(z).rolling(spec.trend_window, center=True).median().to_numpy()
    dev = z - trend
    ok = ~np.isnan(dev)
    weight = 0.5 ** ((n - 1 - np.arange(n)) / 12.0 / spec.half_life_years)
    prof = np.zeros(SEASON)
    for m in range(SEASON):
        sel = ok & (moy == m)
        if sel.any():
            prof[m] = float(np.sum(dev[sel] * weight[sel]) / np.sum(weight[sel]))
    return prof - prof.mean()


def seasonal_profiles(z: np.ndarray, moy: np.ndarray, *, spec: ModelSpec = DEFAULT_SPEC) -> np.ndarray:
    """Row t (0..n) is `seasonal_profile(z[:t], moy[:t])`, all rows in one pass.

    A prefix's centred running median is the whole series' one, cut where the window runs past
    the prefix's end, and the recency weights of a prefix differ from fixed per-month weights
    2**(i / (12 * half-life)) only by a common factor, which the weighted mean cancels: so each
    month's weighted mean at every prefix comes from cumulative sums. O(n) instead of O(n^2).
    """
    n = len(z)
    out = np.zeros((n + 1, SEASON))
    if spec.trend_window % 2 == 0:  # the running median's window is not symmetric: one by one
        for t in range(spec.min_seasonal_months, n + 1):
            out[t] = seasonal_profile(z[:t], moy[:t], spec=spec)
        return out
    half = spec.trend_window // 2
    trend = pd.Series(z).rolling(spec.trend_window, center=True).median().to_numpy()
    dev = z - trend
    ok = ~np.isnan(dev)
    weight = 2.0 ** (np.arange(n) / (12.0 * spec.half_life_years))
    num = np.zeros((n + 1, SEASON))
    den = np.zeros((n + 1, SEASON))
    rows = np.flatnonzero(ok)
    num[rows + 1, moy[rows]] = dev[rows] * weight[rows]
    den[rows + 1, moy[rows]] = weight[rows]
    num, den = np.cumsum(num, axis=0), np.cumsum(den, axis=0)
    for t in range(spec.min_seasonal_months, n + 1):
        k = max(t - half, 0)  # positions i <= t - 1 - half have their whole window inside z[:t]
        prof = np.divide(num[k], den[k], out=np.zeros(SEASON), where=den[k] > 0)
        out[t] = prof - prof.mean()
    return out


def point_path(y: np.ndarray, moy: np.ndarray, horizon: int, *, spec: ModelSpec = DEFAULT_SPEC) -> np.ndarray:
    """Corridor's point forecasts for the `horizon` months after the end of `y` (never negative)."""
    z = np.log1p(np.maximum(y, 0.0))
    prof = seasonal_profile(z, moy, spec=spec)
    last = int(moy[-1])
    future = (last + np.arange(1, horizon + 1)) % SEASON
    return np.maximum(np.expm1(z[-1] + spec.seasonal_weight * (prof[future] - prof[last])), 0.0)


def _weighted_median_slope(x: np.ndarray, d: np.ndarray, w: np.ndarray) -> float:
    """Least-absolute-deviations slope of d on x through the origin: weighted median of d / x."""
    ok = np.abs(x) > 1e-12
    if not ok.any():
        return float("nan")
    r, ww = d[ok] / x[ok], (w * np.abs(x))[ok]
    order = np.argsort(r)
    cum = np.cumsum(ww[order])
    return float(r[order][np.searchsorted(cum, cum[-1] / 2)])


def rolling_points(
    y: np.ndarray, moy: np.ndarray, horizon: int, *, first: int, spec: ModelSpec = DEFAULT_SPEC
) -> np.ndarray:
    """P[T] = forecast path from y[:T], for every origin T in [first, n]; NaN rows before `first`.

    P[T] = exp(z[T-1] + w_T * (seasonal move the profile at T predicts)) - 1 on z = log(1 + y).
    With `spec.learn_weight`, w_T is learned from the series' own past: the least-absolute-
    deviations slope (recency-weighted) of the realised log changes on the predicted seasonal
    moves at earlier origins whose outcomes are known by T, clipped to [0, 1]; until
    `calibration_origins` such origins exist, w_T = `seasonal_weight`.
    """
    n = len(y)
    z = np.log1p(np.maximum(y, 0.0))
    steps = np.arange(1, horizon + 1)
    move = np.full((n + 1, horizon), np.nan)  # the seasonal change the profile at T predicts
    change = np.full((n + 1, horizon), np.nan)  # the realised log change z[T+h-1] - z[T-1]
    has_profile = np.zeros(n + 1, dtype=bool)
    profiles = seasonal_profiles(z, np.asarray(moy, dtype=int), spec=spec)
    for t in range(1, n + 1):
        prof = profiles[t]
        last = int(moy[t - 1])
        move[t] = prof[(last + steps) % SEASON] - prof[last]
        has_profile[t] = bool(prof.any())
        seen = t + steps - 1 < n
        change[t, seen] = z[t + steps[seen] - 1] - z[t - 1]
    decay = 12.0 * spec.half_life_years
    out = np.full((n + 1, horizon), np.nan)
    for t in range(max(first, 1), n + 1):
        w = spec.seasonal_weight
        if spec.learn_weight:
            # Origins o <= t - h: their h-step outcome z[o+h-1] is known from y[:t].
            past = [np.flatnonzero(has_profile[1 : t - h + 1]) + 1 for h in steps]
            if len(past[0]) >= spec.calibration_origins:
                x = np.concatenate([move[o, h] for h, o in enumerate(past)])
                d = np.concatenate([change[o, h] for h, o in enumerate(past)])
                v = np.concatenate([0.5 ** ((t - 1 - (o + h)) / decay) for h, o in enumerate(past)])
                slope = _weighted_median_slope(x, d, v)
                if np.isfinite(slope):
                    w = float(np.clip(slope, 0.0, 1.0))
        out[t] = np.maximum(np.expm1(z[t - 1] + w * move[t]), 0.0)
    return out


def _errors(y: np.ndarray, points: np.ndarray) -> np.ndarray:
    """E[t, h-1] = y[t+h-1] - P[t, h-1] where the outcome is observed, else NaN."""
    n, horizon = len(y), points.shape[1]
    err = np.full((n + 1, horizon), np.nan)
    for h in range(1, horizon + 1):
        t = np.arange(0, n - h + 1)
        err[t, h - 1] = y[t + h - 1] - points[t, h - 1]
    return err


def _log_errors(y: np.ndarray, points: np.ndarray, offset: float = 1.0) -> np.ndarray:
    """E[t, h-1] = log(c + y[t+h-1]) - log(c + P[t, h-1]) where the outcome is observed, else NaN."""
    n, horizon = len(y), points.shape[1]
    err = np.full((n + 1, horizon), np.nan)
    zy = np.log(offset + np.maximum(y, 0.0))
    for h in range(1, horizon + 1):
        t = np.arange(0, n - h + 1)
        err[t, h - 1] = zy[t + h - 1] - np.log(offset + np.maximum(points[t, h - 1], 0.0))
    return err


# ----------------------------------------------------------------------------- level shifts


def level_breaks(y: np.ndarray, moy: np.ndarray, *, spec: ModelSpec = DEFAULT_SPEC) -> np.ndarray:
    """B[t] = index of the first month of the latest level shift seen from y[:t], or -1 (t = 0..n).

    At each origin t, on the seasonally adjusted log series (log(1 + y) minus the seasonal index
    the model has at t) over the last `break_window` months, ruptures' kernel change-point
    detection with a linear kernel (PELT on the least-squares cost, Killick et al. 2012) finds
    mean shifts, with a penalty of `break_penalty` x sigma^2 x log(window) (sigma robustly from
    the month-to-month changes, so one sudden step does not inflate it). The latest change
    point whose segment means differ by at least `break_min_shift` on the log scale (a shift of
    about 50%) is the break; a segment needs `break_min_size` months, so a break is seen only
    once that many months at the new level are in. Only data up to t are used.

    A window cannot hold such a shift if the means of all its runs of `break_min_size` or more
    months lie within `break_min_shift` of each other; the highest and lowest such means are
    those of runs shorter than twice that size (a longer run splits into two, one of them with a
    mean at least as high). Such windows are not searched, and ruptures (whose import pulls in
    scipy.stats, about 2 s) is imported only once a window could hold a shift.
    """
    n = len(y)
    out = np.full(n + 1, -1, dtype=int)
    if not spec.breaks:
        return out
    z = np.log1p(np.maximum(np.asarray(y, float), 0.0))
    profiles = seasonal_profiles(z, np.asarray(moy, dtype=int), spec=spec)
    size = spec.break_min_size
    for t in range(2 * size + 1, n + 1):
        lo = max(0, t - spec.break_window)
        u = z[lo:t] - profiles[t][moy[lo:t]]
        if not _could_shift(u, size=size, shift=spec.break_min_shift):
            continue
        import ruptures

        d = np.diff(u)
        sigma = max(1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2), 0.02)
        pen = spec.break_penalty * sigma**2 * math.log(len(u))
        bkps = ruptures.KernelCPD(kernel="linear", min_size=size, jump=1).fit(u).predict(pen=pen)
        edges = [0, *bkps]
        for k in range(len(edges) - 2, 0, -1):  # latest change point first
            before = u[edges[k - 1] : edges[k]].mean()
            after = u[edges[k] : edges[k + 1]].mean()
            if abs(after - before) >= spec.break_min_shift:
                out[t] = lo + edges[k]
                break
    return out


def _could_shift(u: np.ndarray, *, size: int, shift: float) -> bool:
    """Whether two runs of at least `size` values of u can have means `shift` or more apart."""
    c = np.concatenate([[0.0], np.cumsum(u)])
    hi, lo = -math.inf, math.inf
    for w in range(size, min(2 * size, len(u) + 1)):
        means = (c[w:] - c[:-w]) / w
        hi, lo = max(hi, float(means.max())), min(lo, float(means.min()))
    return hi - lo >= shift


# ----------------------------------------------------------------------------- intervals


@dataclass
class _Scores:
    """Per-origin conformal score sets for one series: sorted scores, their weights, the scale of
    each horizon, and which past forecasts they came from (for captions)."""

    sets: dict[int, list[np.ndarray]]  # one sorted set for all horizons, or one a horizon
    weights: dict[int, list[np.ndarray | None]]
    scales: dict[int, np.ndarray]
    basis: dict[int, tuple[int, int]]  # t -> (break index or -1, first origin whose errors are used)
    refs: dict[int, np.ndarray] = field(default_factory=dict)  # t -> sorted scores of the whole window


def _score_sets(
    y: np.ndarray, points: np.ndarray, *, spec: ModelSpec, breaks: np.ndarray | None = None
) -> _Scores:
    """The conformity scores each origin t may use: past h-step errors, divided by sqrt(h).

    `interval_scale="log"`: errors of log(1 + y), which do not depend on the level (an error
    learned at 200,000 a month means the same factor at 10,000). `"sqrt_level"` (the rule before
    issue 15): errors divided by sqrt(level at their origin). After a level shift at index c
    (`breaks[t]`), errors of forecasts made before c for months from c on (the jump itself) are
    left out, and once `break_min_scores` errors of forecasts made from c on exist, only those
    are used: the intervals learn from the new regime.
    """
    n, horizon = len(y), points.shape[1]
    root_h = np.sqrt(np.arange(1, horizon + 1))
    if spec.interval_scale == "log":
        level = local_volatility(y, window=spec.volatility_window, offset=spec.log_offset)[:, None]
        std = _log_errors(y, points, spec.log_offset) / level / root_h[None, :]
    else:
        level = _levels(y, points, spec=spec)
        std = _errors(y, points) / level / root_h[None, :]
    out = _Scores({}, {}, {}, {})
    for t in range(spec.first_origin + spec.calibration_origins, n + 1):
        lo = max(1, t - spec.interval_window)
        origins, steps, scores = [], [], []
        for step in range(1, horizon + 1):
            if t - step + 1 > lo:
                idx = np.arange(lo, t - step + 1)
                origins.append(idx)
                steps.append(np.full(len(idx), step))
                scores.append(std[idx, step - 1])
        if not scores:
            continue
        o, h, r = np.concatenate(origins), np.concatenate(steps), np.concatenate(scores)
        ok = ~np.isnan(r)
        o, h, r = o[ok], h[ok], r[ok]
        c = int(breaks[t]) if breaks is not None else -1
        first = lo
        ref = r
        if c >= 0:
            post = o - 1 >= c  # the forecast's last training month is at or after the break
            crossing = ~post & (o + h - 1 >= c)
            keep = post if post.sum() >= spec.break_min_scores else ~crossing
            ref = r[~crossing]
            if 0 < spec.break_transfer <= post.sum() < spec.break_min_scores:
                r = r.copy()
                pre = ~post & ~crossing
                r[pre] = _rescale(r[pre], r[post])
            o, h, r = o[keep], h[keep], r[keep]
            if post.sum() >= spec.break_min_scores:
                first = c + 1
        if len(r) < spec.calibration_origins:
            continue
        groups = (
            [np.ones(len(r), dtype=bool)] if spec.pool_horizons else [h == k for k in range(1, horizon + 1)]
        )
        if not spec.pool_horizons and min(g.sum() for g in groups) < 3:
            continue
        out.sets[t], out.weights[t] = [], []
        for g in groups:
            order = np.argsort(r[g], kind="stable")
            out.sets[t].append(r[g][order])
            if spec.score_half_life > 0:
                age = (t - 1) - (o[g] + h[g] - 1)  # months since the outcome was observed
                out.weights[t].append((0.5 ** (age / spec.score_half_life))[order])
            else:
                out.weights[t].append(None)
        out.scales[t] = level[t] * root_h
        out.basis[t] = (c, int(o.min()) if len(o) else first)
        if spec.tail:
            out.refs[t] = np.sort(ref)
    return out


def _levels(y: np.ndarray, points: np.ndarray, *, spec: ModelSpec) -> np.ndarray:
    """L[t, h-1] = the level errors of origin t are divided by: y[t-1] ** `level_power` (at least 1)."""
    n, horizon = len(y), points.shape[1]
    base = np.full((n + 1, horizon), np.nan)
    base[1:] = y[:, None]
    return np.maximum(base, 1.0) ** spec.level_power


def _rescale(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Scores from before a level shift moved to the median and spread (median absolute deviation)
    of the few scores since: their shape is kept as a prior, their size is the new regime's (by a
    factor of at most 10 either way, as a handful of scores can have almost no spread)."""
    if not len(before):
        return before
    mid_b, mid_a = float(np.median(before)), float(np.median(after))
    sp_b = float(np.median(np.abs(before - mid_b)))
    sp_a = float(np.median(np.abs(after - mid_a)))
    if sp_b <= 0 or sp_a <= 0:
        return before
    return mid_a + (before - mid_b) * min(max(sp_a / sp_b, 0.1), 10.0)


def local_volatility(y: np.ndarray, *, window: int, offset: float = 1.0) -> np.ndarray:
    """V[t] = robust spread of the month-to-month log changes in the `window` months up to t
    (1.4826 x median absolute deviation, at least 0.01); all ones when `window` is 0.

    Dividing log errors by the volatility at their origin, and multiplying the quantiles back by
    today's, is normalised conformal prediction (Lei et al. 2018): the bands follow the series'
    own current volatility, which differs between regimes and is higher for small counts.
    """
    n = len(y)
    out = np.ones(n + 1)
    if window <= 0:
        return out
    d = np.diff(np.log(offset + np.maximum(np.asarray(y, float), 0.0)))
    out[:] = np.nan
    for t in range(3, n + 1):
        w = d[max(0, t - 1 - window) : t - 1]
        out[t] = max(1.4826 * float(np.median(np.abs(w - np.median(w)))), 0.01)
    return out


def _quantiles(
    r: np.ndarray, w: np.ndarray | None, probs: Sequence[float], *, finite_sample: bool = False
) -> np.ndarray:
    """Quantiles of sorted scores: numpy's linear rule, or the weighted empirical one.

    `finite_sample`: split conformal's order statistics for n scores, the ceil((n + 1) p)-th
    smallest above the median and the floor((n + 1) p)-th below it (clamped to the sample), so
    that a small score set still covers (Vovk et al. 2005; Angelopoulos & Bates 2023).
    """
    if finite_sample and w is None:
        n = len(r)
        out = []
        for p in probs:
            k = math.ceil((n + 1) * p) if p >= 0.5 else math.floor((n + 1) * p)
            out.append(r[min(max(k, 1), n) - 1])
        return np.array(out)
    if w is None:
        return np.quantile(r, probs)
    cum = np.cumsum(w)
    cum /= cum[-1]
    idx = np.searchsorted(cum, np.asarray(probs) - 1e-12)
    return r[np.minimum(idx, len(r) - 1)]


def _rank(n: int, p: float) -> int:
    """Split conformal's order statistic for level p among n scores (1-based; may lie outside 1..n)."""
    return math.ceil((n + 1) * p - 1e-9) if p >= 0.5 else math.floor((n + 1) * p + 1e-9)


def _tail_ratio(ref: np.ndarray, p: float, anchor: float) -> float:
    """How much farther from the median the p-quantile lies than the `anchor` one: from the
    reference scores where they identify p, else from a Laplace distribution (exponential tails)."""
    n = len(ref)
    k, ka = _rank(n, p), _rank(n, anchor)
    if n and 1 <= k <= n and 1 <= ka <= n:
        mid = float(np.median(ref))
        far, near = ref[k - 1] - mid, ref[ka - 1] - mid
        if near != 0 and far / near >= 1:
            return float(far / near)
    side = min(p, 1 - p)
    return math.log(2 * side) / math.log(2 * min(anchor, 1 - anchor))


def _tail_quantiles(
    r: np.ndarray, ref: np.ndarray | None, probs: Sequence[float], *, extreme: bool = False
) -> np.ndarray:
    """Split conformal's order statistics of the sorted scores `r`, extrapolated where `r` is too
    small to identify a level (the (n + 1) p-th score would lie beyond the largest).

    A 95% range needs 39 scores, a 99% one 199: with fewer (right after a level shift) plain order
    statistics stop at the largest error seen, so 80% and 95% ranges coincide. There the quantile
    is put as far beyond the median as the 90% (or 10%) order statistic, times the ratio the
    reference scores (`ref`: the whole window's, before the shift included, a prior for the shape
    of the tails) show between those two levels; a Laplace ratio where they do not identify it.
    `extreme`: the anchor is the largest (smallest) score, at level n / (n + 1) (1 / (n + 1)),
    so that the range always lies beyond every error seen.
    """
    n = len(r)
    out = []
    for p in probs:
        k = _rank(n, p)
        if extreme:
            anchor, ka = (n / (n + 1), n) if p >= 0.5 else (1 / (n + 1), 1)
        else:
            anchor = 0.9 if p >= 0.5 else 0.1
            ka = _rank(n, anchor)
        if 1 <= k <= n or not 1 <= ka <= n:
            out.append(r[min(max(k, 1), n) - 1])
            continue
        mid = float(np.median(r))
        ratio = _tail_ratio(ref if ref is not None else r, p, anchor)
        # ratio >= 1, so the value lies at or beyond the anchor; mid + (anchor - mid) * 1 can round
        # to one ulp inside it, which the bound (never inside the score it extrapolates from) removes
        far = mid + (r[ka - 1] - mid) * ratio
        out.append(max(far, r[ka - 1]) if p >= 0.5 else min(far, r[ka - 1]))
    return np.array(out)


def _band(point: np.ndarray, q: float | np.ndarray, scale: np.ndarray, *, spec: ModelSpec) -> np.ndarray:
    """One side of an interval: the score quantile q put back on the scale of the counts."""
    if spec.interval_scale == "log":
        c = spec.log_offset
        return np.maximum(np.exp(np.minimum(np.log(c + np.maximum(point, 0.0)) + q * scale, 700.0)) - c, 0.0)
    return np.maximum(point + q * scale, 0.0)


class _Adaptive:
    """Adaptive conformal inference (Gibbs & Candes 2021) for a group of series sharing one level
    per interval: each month, alpha += gamma * (nominal alpha - share of the outcomes just seen
    that fell outside their intervals).

    `spec.aci_skip_shifts`: misses of forecasts made before a detected level shift for months
    from it on do not count, and once a shift is detected, the level is recomputed from the
    start without them (the jump is handled by re-windowing the scores; letting it also widen
    every later interval made 80% and 95% ranges both span the largest error for a year or more).
    `spec.aci_clip`: alpha stays within [nominal / 10, 1], so that a run of misses the widest
    interval cannot cover does not keep the level pinned long after it ends.
    """

    def __init__(self, group: list[int], levels: Sequence[int], *, spec: ModelSpec, n: int, horizon: int):
        self.group, self.levels, self.spec, self.horizon = group, list(levels), spec, horizon
        self.pos = {i: k for k, i in enumerate(group)}
        self.nominal = {lv: 1 - lv / 100 for lv in levels}
        self.alpha = dict(self.nominal)
        # miss[lv][k, t, h-1]: did the interval of series group[k] issued at origin t-h miss y[t-1]?
        self.miss = {lv: np.full((len(group), n + 1, horizon), np.nan) for lv in levels}
        self.skip = np.zeros((len(group), n + 1, horizon), dtype=bool)
        self.dirty = False

    def shifted(self, i: int, c: int) -> None:
        """A shift at month index c: forecasts from origins o <= c for outcomes from c on are left out."""
        rows = self.skip[self.pos[i]]
        for h in range(1, self.horizon + 1):
            rows[c + 1 : c + h + 1, h - 1] = True
        self.dirty = True

    def _steps(self, lv: int, rows: slice) -> np.ndarray:
        m = self.miss[lv][:, rows]
        ok = ~np.isnan(m) & ~self.skip[:, rows]
        count = ok.sum(axis=(0, 2))
        total = np.where(ok, m, 0.0).sum(axis=(0, 2))
        share = np.divide(total, count, out=np.zeros(len(count)), where=count > 0)
        return np.where(count > 0, self.spec.aci_gamma * (self.nominal[lv] - share), 0.0)

    def _clip(self, lv: int, a: float) -> float:
        return min(max(a, self.nominal[lv] / 10), 1.0) if self.spec.aci_clip else a

    def update(self, t: int) -> None:
        """Take in the outcomes of month index t-1 (row t of `miss`)."""
        for lv in self.levels:
            if self.dirty:  # recompute every past step without the forecasts across a shift
                a = self.nominal[lv]
                for step in self._steps(lv, slice(1, t + 1)):
                    a = self._clip(lv, a + float(step))
                self.alpha[lv] = a
            else:
                self.alpha[lv] = self._clip(lv, self.alpha[lv] + float(self._steps(lv, slice(t, t + 1))[0]))
        self.dirty = False

    def level(self, lv: int) -> float:
        """The alpha to use now: within [0, 1], or [nominal / 10, 1] when tails are extrapolated."""
        floor = self.nominal[lv] / 10 if (self.spec.tail or self.spec.aci_clip) else 0.0
        return min(max(self.alpha[lv], floor), 1.0)


@dataclass
class GroupRun:
    """Corridor's model on aligned series: points and intervals at every origin, the level shift
    seen at each origin, and which past forecasts each interval learned from."""

    points: list[np.ndarray]
    intervals: list[dict[int, tuple[np.ndarray, np.ndarray]]]
    breaks: list[np.ndarray]
    basis: list[dict[int, tuple[int, int]]]


def aci_intervals(
    ys: Sequence[np.ndarray],
    points: Sequence[np.ndarray],
    levels: Sequence[int],
    *,
    spec: ModelSpec = DEFAULT_SPEC,
    breaks: Sequence[np.ndarray] | None = None,
    basis: list[dict[int, tuple[int, int]]] | None = None,
) -> list[dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Adaptive conformal intervals for aligned series: out[i][level] = (LO, HI), each (n+1, H).

    `breaks` (from `level_breaks`, one array a series) re-window the scores after a level shift;
    `basis`, if given, receives per series which past forecasts each origin's interval used.
    """
    n = len(ys[0])
    horizon = points[0].shape[1]
    scores = [
        _score_sets(y, p, spec=spec, breaks=None if breaks is None else breaks[i])
        for i, (y, p) in enumerate(zip(ys, points, strict=True))
    ]
    if basis is not None:
        basis.extend(s.basis for s in scores)
    out = [
        {lv: (np.full((n + 1, horizon), np.nan), np.full((n + 1, horizon), np.nan)) for lv in levels}
        for _ in ys
    ]
    groups = [list(range(len(ys)))] if spec.aci_pooled else [[i] for i in range(len(ys))]
    fs = spec.finite_sample
    adapt = [_Adaptive(group, levels, spec=spec, n=n, horizon=horizon) for group in groups]
    of = {i: a for a in adapt for i in a.group}
    seen: list[set[int]] = [set() for _ in ys]  # level shifts detected so far, per series
    ordered = sorted(levels)
    for t in range(1, n + 1):
        # Outcomes observed at month index t-1 judge the intervals issued h months before.
        for i, y in enumerate(ys):
            for lv in levels:
                lo_a, hi_a = out[i][lv]
                for h in range(1, min(horizon, t - 1) + 1):
                    if not np.isnan(lo_a[t - h, h - 1]):
                        covered = lo_a[t - h, h - 1] <= y[t - 1] <= hi_a[t - h, h - 1]
                        of[i].miss[lv][of[i].pos[i], t, h - 1] = 0.0 if covered else 1.0
            c = -1 if breaks is None else int(breaks[i][t])
            if spec.aci_skip_shifts and c >= 0 and c not in seen[i]:
                seen[i].add(c)
                of[i].shifted(i, c)
        for group_aci in adapt:
            group_aci.update(t)
        for i in range(len(ys)):
            if t not in scores[i].sets:
                continue
            sets, wts, scale, p = scores[i].sets[t], scores[i].weights[t], scores[i].scales[t], points[i][t]
            ref = scores[i].refs.get(t)
            for lv in levels:
                a = of[i].level(lv)
                if spec.tail and fs and len(sets) == 1 and wts[0] is None:
                    q_lo, q_hi = _tail_quantiles(
                        sets[0], ref, [a / 2, 1 - a / 2], extreme=spec.tail_anchor == "extreme"
                    )
                elif len(sets) == 1:
                    q_lo, q_hi = _quantiles(sets[0], wts[0], [a / 2, 1 - a / 2], finite_sample=fs)
                else:
                    q = np.array(
                        [
                            _quantiles(r, w, [a / 2, 1 - a / 2], finite_sample=fs)
                            for r, w in zip(sets, wts, strict=True)
                        ]
                    )
                    q_lo, q_hi = q[:, 0], q[:, 1]
                out[i][lv][0][t] = _band(p, q_lo, scale, spec=spec)
                out[i][lv][1][t] = _band(p, q_hi, scale, spec=spec)
            if spec.tail:  # a higher level's range contains a lower one's
                for low, high in itertools.pairwise(ordered):
                    np.minimum(out[i][high][0][t], out[i][low][0][t], out=out[i][high][0][t])
                    np.maximum(out[i][high][1][t], out[i][low][1][t], out=out[i][high][1][t])
    return out


def fallback_intervals(
    y: np.ndarray, points: np.ndarray, levels: Sequence[int], *, spec: ModelSpec = DEFAULT_SPEC
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Plain split-conformal bands at the last origin from every past error (short series only)."""
    n, horizon = len(y), points.shape[1]
    root_h = np.sqrt(np.arange(1, horizon + 1))
    if spec.interval_scale == "log":
        r = (_log_errors(y, points, spec.log_offset) / root_h[None, :])[:n]
        scale = root_h
    else:
        level = np.full(n + 1, np.nan)
        level[1:] = np.maximum(y, 1.0) ** spec.level_power
        r = (_errors(y, points) / level[:, None] / root_h[None, :])[:n]
        scale = max(y[-1], 1.0) ** spec.level_power * root_h
    r = r[~np.isnan(r)]
    out = {}
    for lv in levels:
        a = 1 - lv / 100
        q = np.quantile(r, [a / 2, 1 - a / 2]) if len(r) >= 3 else np.array([np.nan, np.nan])
        out[lv] = (_band(points[n], q[0], scale, spec=spec), _band(points[n], q[1], scale, spec=spec))
    return out


# ----------------------------------------------------------------------------- baselines


def _empirical(
    y: np.ndarray, points: np.ndarray, levels: Sequence[int], *, log: bool = False
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Intervals from quantiles of a model's own past h-step errors (all of them), clipped at zero.

    `log=True`: errors of log(1 + y), put back as factors (issue 15's "empirical log-scale
    interval" of naive), so that no band depends on the level its errors were made at.

    The errors known at origin t are those of earlier origins, a window that grows by one each
    step, so they are kept sorted as they arrive and the quantiles (numpy's default, linear
    interpolation) read off directly: one `np.quantile` per origin and horizon took most of a
    forecast's time.
    """
    n, horizon = len(y), points.shape[1]
    err = _log_errors(y, points) if log else _errors(y, points)
    out = {lv: (np.full((n + 1, horizon), np.nan), np.full((n + 1, horizon), np.nan)) for lv in levels}
    probs = [(lv, (1 - lv / 100) / 2, 1 - (1 - lv / 100) / 2) for lv in levels]
    for h in range(1, horizon + 1):
        known: list[float] = []
        for t in range(1, n + 1):
            e = err[t - h, h - 1] if t - h >= 0 else np.nan
            if not np.isnan(e):
                bisect.insort(known, float(e))
            if len(known) < 3 or np.isnan(points[t, h - 1]):
                continue
            p = points[t, h - 1]
            for lv, lo_p, hi_p in probs:
                if log:
                    zp = math.log1p(max(p, 0.0))
                    out[lv][0][t, h - 1] = max(math.expm1(zp + _quantile(known, lo_p)), 0.0)
                    out[lv][1][t, h - 1] = max(math.expm1(zp + _quantile(known, hi_p)), 0.0)
                else:
                    out[lv][0][t, h - 1] = max(p + _quantile(known, lo_p), 0.0)
                    out[lv][1][t, h - 1] = max(p + _quantile(known, hi_p), 0.0)
    return out


def _quantile(ordered: list[float], p: float) -> float:
    """numpy's default ('linear') quantile of an already sorted list."""
    pos = p * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def naive_points(y: np.ndarray, horizon: int, *, first: int) -> np.ndarray:
    """Random walk: the last value, for every origin."""
    out = np.full((len(y) + 1, horizon), np.nan)
    for t in range(max(first, 1), len(y) + 1):
        out[t] = y[t - 1]
    return out


def snaive_points(y: np.ndarray, horizon: int, *, first: int) -> np.ndarray:
    """Seasonal random walk: the value 12 months before each target month."""
    out = np.full((len(y) + 1, horizon), np.nan)
    for t in range(max(first, SEASON), len(y) + 1):
        idx = t - SEASON + (np.arange(horizon) % SEASON)
        out[t] = y[idx]
    return out


def statsforecast_points(
    y: np.ndarray, horizon: int, origins: Sequence[int], levels: Sequence[int], *, model: BaselineName
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """A statsforecast model refitted at every origin, with its own parametric intervals."""
    import warnings

    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    cls = {"autoets": AutoETS, "autotheta": AutoTheta, "autoarima": AutoARIMA}[model]
    n = len(y)
    pts = np.full((n + 1, horizon), np.nan)
    ivs = {lv: (np.full((n + 1, horizon), np.nan), np.full((n + 1, horizon), np.nan)) for lv in levels}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in origins:
            res = cls(season_length=SEASON).forecast(y=y[:t].astype(float), h=horizon, level=list(levels))
            pts[t] = res["mean"]
            for lv in levels:
                ivs[lv][0][t] = res[f"lo-{lv}"]
                ivs[lv][1][t] = res[f"hi-{lv}"]
    return pts, ivs


# ----------------------------------------------------------------------------- reconciliation


def mint(
    base_total: np.ndarray,
    base_parts: np.ndarray,
    *,
    actual: np.ndarray | None = None,
    fitted: np.ndarray | None = None,
    used: list[str] | None = None,
) -> np.ndarray:
    """Coherent, non-negative parts (H, m) whose sum is the reconciled total: MinT from hierarchicalforecast.

    `actual` and `fitted` (k, m+1; total first) are past outcomes and their one-step forecasts:
    with at least 3 complete rows the covariance of those errors is shrunk toward its diagonal
    (Schafer-Strimmer, `mint_shrink`). Parts whose past forecasts never erred (a citizenship with
    no encounters in the window) are held as they are, which is MinT's own limit for an error
    variance of zero; hierarchicalforecast refuses such a covariance as ill-conditioned. With
    fewer rows, or if it refuses anyway, the identity (OLS projection). Non-negativity is a
    quadratic programme solved by hierarchicalforecast (Wickramasuriya, Turlach & Hyndman 2020).
    The method used ("mint_shrink" or "ols") is appended to `used`, so captions can say which.
    """
    import warnings

    from hierarchicalforecast.methods import MinTrace

    parts = np.maximum(base_parts, 0.0)
    total = np.maximum(base_total, 0.0)
    method = "ols"
    out = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if actual is not None and fitted is not None and len(actual) >= 3:
            actual, fitted = np.asarray(actual, float), np.asarray(fitted, float)
            held = np.ptp(actual[:, 1:] - fitted[:, 1:], axis=0) == 0
            free = np.flatnonzero(~held)
            if len(free) == 0:  # every past forecast was exact: nothing to reconcile
                out, method = parts, "mint_shrink"
            else:
                cols = np.r_[0, free + 1]
                sub_actual, sub_fitted = actual[:, cols], fitted[:, cols]
                sub_actual[:, 0] -= actual[:, 1:][:, held].sum(axis=1)  # the total of the free parts
                sub_fitted[:, 0] -= fitted[:, 1:][:, held].sum(axis=1)
                sub_total = np.maximum(total - parts[:, held].sum(axis=1), 0.0)
                try:
                    rec = _min_trace(
                        MinTrace(method="mint_shrink", nonnegative=True),
                        sub_total,
                        parts[:, free],
                        sub_actual,
                        sub_fitted,
                    )
                    out, method = parts.copy(), "mint_shrink"
                    out[:, free] = rec
                except Exception:  # hierarchicalforecast raises a bare Exception on ill-conditioned W
                    pass
        if out is None:
            out = _min_trace(MinTrace(method="ols", nonnegative=True), total, parts)
    if used is not None:
        used.append(method)
    return out


def _min_trace(
    method: Any,
    total: np.ndarray,
    parts: np.ndarray,
    actual: np.ndarray | None = None,
    fitted: np.ndarray | None = None,
) -> np.ndarray:
    """hierarchicalforecast's MinTrace on a two-level hierarchy (total, then parts); parts (H, m)."""
    m = parts.shape[1]
    s = np.vstack([np.ones((1, m)), np.eye(m)])
    y_hat = np.vstack([total[None, :], parts.T])  # (m+1, H)
    insample = {} if actual is None else {"y_insample": actual.T, "y_hat_insample": fitted.T}  # type: ignore[union-attr]
    res = method.fit_predict(S=s, y_hat=y_hat, **insample)
    return np.asarray(res["mean"][1:].T, dtype=float)


# ----------------------------------------------------------------------------- one run


@dataclass
class SeriesRun:
    """Everything one pass of Corridor's model produced for one series (all origins)."""

    key: dict[str, str]
    months: list[dt.date]
    y: np.ndarray
    points: np.ndarray
    intervals: dict[int, tuple[np.ndarray, np.ndarray]]


def month_of_year(months: Sequence[dt.date]) -> np.ndarray:
    """Calendar month 0..11 of each month."""
    return np.array([m.month - 1 for m in months], dtype=int)


def run_group_detail(
    ys: Sequence[np.ndarray],
    months: Sequence[dt.date],
    horizon: int,
    levels: Sequence[int],
    *,
    spec: ModelSpec = DEFAULT_SPEC,
) -> GroupRun:
    """Corridor's model on aligned series: points at every origin, the level shifts seen, and ACI
    intervals pooled over the series."""
    moy = month_of_year(months)
    arrays = [np.asarray(y, float) for y in ys]
    pts = [rolling_points(y, moy, horizon, first=spec.first_origin, spec=spec) for y in arrays]
    brk = [level_breaks(y, moy, spec=spec) for y in arrays]
    basis: list[dict[int, tuple[int, int]]] = []
    ivs = aci_intervals(arrays, pts, levels, spec=spec, breaks=brk, basis=basis)
    return GroupRun(pts, ivs, brk, basis)


def run_group(
    ys: Sequence[np.ndarray],
    months: Sequence[dt.date],
    horizon: int,
    levels: Sequence[int],
    *,
    spec: ModelSpec = DEFAULT_SPEC,
) -> tuple[list[np.ndarray], list[dict[int, tuple[np.ndarray, np.ndarray]]]]:
    """Corridor's model on aligned series: points at every origin and ACI intervals pooled over them."""
    run = run_group_detail(ys, months, horizon, levels, spec=spec)
    return run.points, run.intervals


def add_months(month: dt.date, k: int) -> dt.date:
    """The first day of the month k months after `month`."""
    idx = month.year * 12 + month.month - 1 + k
    return dt.date(idx // 12, idx % 12 + 1, 1)


# ----------------------------------------------------------------------------- backtest


def winkler(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float) -> np.ndarray:
    """Winkler (interval) score: width plus 2/alpha times the miss distance."""
    return (hi - lo) + (2 / alpha) * np.maximum(lo - y, 0) + (2 / alpha) * np.maximum(y - hi, 0)


@dataclass
class ModelForecasts:
    """One model's forecasts at every origin for one series."""

    points: np.ndarray
    intervals: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def score_rows(
    name: str,
    y: np.ndarray,
    fc: ModelForecasts,
    origins: Sequence[int],
    *,
    model: str,
    scale: float,
) -> pd.DataFrame:
    """Long rows (model, series, origin, h, abs scaled error, Winkler, coverage) for one series."""
    n, horizon = len(y), fc.points.shape[1]
    rows = []
    for t in origins:
        for h in range(1, horizon + 1):
            if t + h - 1 >= n:
                continue
            actual, p = y[t + h - 1], fc.points[t, h - 1]
            row: dict[str, Any] = {
                "model": model,
                "series": name,
                "origin": t,
                "h": h,
                "ase": abs(actual - p) / scale,
                "negative": bool(p < 0),
            }
            for lv, (lo, hi) in fc.intervals.items():
                a, b = lo[t, h - 1], hi[t, h - 1]
                row[f"winkler_{lv}"] = (
                    float(winkler(np.array(actual), np.array(a), np.array(b), 1 - lv / 100)) / scale
                )
                row[f"cover_{lv}"] = bool(a <= actual <= b)
                row[f"relwidth_{lv}"] = float(b - a) / max(float(actual), 1.0)
            rows.append(row)
    return pd.DataFrame(rows)


def summarise(long: pd.DataFrame, levels: Sequence[int], *, order: Sequence[str] = ()) -> pd.DataFrame:
    """Accuracy table, one row per model: mean MASE, ratio to naive, Winkler, coverage beside the
    mean relative width (hi - lo) / actual (sharpness; an actual of 0 counts as 1), negatives."""
    g = long.groupby("model", sort=False)
    table = pd.DataFrame({"mase": g["ase"].mean()})
    if "naive" in table.index:
        table["mase_vs_naive"] = table["mase"] / table.loc["naive", "mase"]
    for lv in levels:
        if f"winkler_{lv}" in long:
            table[f"winkler_{lv}"] = g[f"winkler_{lv}"].mean()
            if "naive" in table.index:
                table[f"winkler_{lv}_vs_naive"] = table[f"winkler_{lv}"] / table.loc["naive", f"winkler_{lv}"]
            table[f"coverage_{lv}"] = g[f"cover_{lv}"].mean()
            table[f"relwidth_{lv}"] = g[f"relwidth_{lv}"].mean()
    table["negative_share"] = g["negative"].mean()
    table["forecasts"] = g.size()
    table = table.reset_index()
    if order:
        rank = {m: i for i, m in enumerate(order)}
        table = table.sort_values("model", key=lambda s: s.map(rank).fillna(len(rank))).reset_index(drop=True)
    return table


def by_horizon(long: pd.DataFrame) -> pd.DataFrame:
    """Mean MASE by model (rows) and horizon (columns h1..hH)."""
    t = long.pivot_table(index="model", columns="h", values="ase", aggfunc="mean", sort=False)
    t.columns = [f"h{c}" for c in t.columns]
    return t.reset_index()


@dataclass
class Backtest:
    """A rolling-origin backtest: the accuracy table, per-horizon MASE, and how it was run."""

    table: pd.DataFrame
    horizons: pd.DataFrame
    long: pd.DataFrame
    origins: tuple[dt.date, dt.date, int]
    description: str
    seconds: dict[str, float] = field(default_factory=dict)

    def line(self, model: str = "corridor") -> str:
        """One line for captions: Corridor's MASE and 80% coverage against naive's."""
        t = self.table.set_index("model")
        if model not in t.index:
            return ""
        r = t.loc[model]
        parts = [f"{self.origins[2]} origins {self.origins[0]:%Y-%m}..{self.origins[1]:%Y-%m}"]
        ratio = f" = {r['mase_vs_naive']:.2f}x naive" if "mase_vs_naive" in t else ""
        parts.append(f"MASE {r['mase']:.2f}{ratio}")
        if "coverage_80" in t:
            parts.append(f"80% interval coverage {r['coverage_80']:.0%}")
        return ", ".join(parts)


def validate(*, horizon: int, levels: Sequence[int]) -> None:
    """Reject a horizon outside 1..36 or an interval level outside 1..99 (UsageError)."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise UsageError(f"--horizon {horizon} is outside 1..{MAX_HORIZON} months")
    if not levels:
        raise UsageError("--level needs at least one level, e.g. 80,95")
    for lv in levels:
        if not 1 <= lv <= 99:
            raise UsageError(f"--level {lv} is not a percentage between 1 and 99")


def parse_levels(value: str | int | Sequence[int]) -> tuple[int, ...]:
    """'80,95' or [80, 95] -> (80, 95), sorted and unique; UsageError on anything else."""
    items = value.split(",") if isinstance(value, str) else [value] if isinstance(value, int) else list(value)
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--level {text!r} is not a number") from None
        if not number.is_integer():
            raise UsageError(f"--level {text!r} must be a whole percentage")
        out.append(int(number))
    levels = tuple(sorted(set(out)))
    validate(horizon=1, levels=levels)
    return levels


def backtest_series(
    series: dict[str, np.ndarray],
    months: Sequence[dt.date],
    origins: Sequence[int],
    *,
    horizon: int,
    levels: Sequence[int],
    baselines: Sequence[BaselineName] = CHEAP_BASELINES,
    corridor: tuple[list[np.ndarray], list[dict[int, tuple[np.ndarray, np.ndarray]]]] | None = None,
    corridor_seconds: float | None = None,
    spec: ModelSpec = DEFAULT_SPEC,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """Rolling-origin backtest of Corridor's model and baselines over aligned series.

    MASE and Winkler scores are scaled by each series' mean absolute one-step change over the
    whole period shown (its in-sample naive error), as in the issue's suites. Corridor's runs
    can be given already computed (`corridor`), with the seconds they took.
    """
    import time

    names = list(series)
    ys = [np.asarray(series[k], float) for k in names]
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    pts, ivs = corridor if corridor is not None else run_group(ys, months, horizon, levels, spec=spec)
    if corridor is None:
        seconds["corridor"] = time.perf_counter() - start
    elif corridor_seconds is not None:
        seconds["corridor"] = corridor_seconds
    frames = []
    for i, name in enumerate(names):
        y = ys[i]
        scale = float(np.mean(np.abs(np.diff(y)))) or 1.0
        frames.append(
            score_rows(name, y, ModelForecasts(pts[i], ivs[i]), origins, model="corridor", scale=scale)
        )
    for model in baselines:
        if progress:
            progress(model)
        start = time.perf_counter()
        for name, y in zip(names, ys, strict=True):
            scale = float(np.mean(np.abs(np.diff(y)))) or 1.0
            if model in ("naive", "naive_log", "snaive"):
                fn = snaive_points if model == "snaive" else naive_points
                p = fn(y, horizon, first=1)
                fc = ModelForecasts(p, _empirical(y, p, levels, log=model == "naive_log"))
            else:
                p, iv = statsforecast_points(y, horizon, origins, levels, model=model)
                fc = ModelForecasts(p, iv)
            frames.append(score_rows(name, y, fc, origins, model=model, scale=scale))
        seconds[model] = time.perf_counter() - start
    long = pd.concat(frames, ignore_index=True)
    order = ["corridor", *baselines]
    table = summarise(long, levels, order=order)
    table["seconds"] = table["model"].map(seconds)
    first, last = months[origins[0] - 1], months[origins[-1] - 1]
    desc = (
        f"{len(origins)} rolling origins (last training month {first:%Y-%m}..{last:%Y-%m}), "
        f"horizons 1-{horizon}, {len(names)} series; MASE and Winkler scaled by each series' mean "
        "absolute one-step change over the period"
    )
    return Backtest(
        table=table,
        horizons=by_horizon(long),
        long=long,
        origins=(first, last, len(origins)),
        description=desc,
        seconds=seconds,
    )


def default_origins(n: int, horizon: int, *, count: int = 24) -> list[int]:
    """The last `count` origins whose whole horizon is observed, each with at least 24 months."""
    last = n - horizon
    first = max(MIN_MONTHS, last - count + 1)
    return list(range(first, last + 1)) if last >= first else []


def reconcile_group(
    ys: Sequence[np.ndarray],
    pts: list[np.ndarray],
    ivs: list[dict[int, tuple[np.ndarray, np.ndarray]]],
    total_y: np.ndarray,
    total_pts: np.ndarray,
    total_ivs: dict[int, tuple[np.ndarray, np.ndarray]],
    origins: Sequence[int],
    used: dict[int, str] | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """MinT-reconcile parts to the total at each origin; intervals move with their points.

    `used`, if given, receives the method of each origin ("mint_shrink" or "ols", see `mint`).
    """
    m = len(ys)
    new_pts = [p.copy() for p in pts]
    new_total = total_pts.copy()
    all_y = np.vstack([total_y, *ys])  # (m+1, n)
    all_pts = [total_pts, *pts]
    one_step = np.vstack([p[1 : len(total_y) + 1, 0] for p in all_pts])  # forecast of y[o] from y[:o]
    for t in origins:
        # one-step outcomes y[o] and their forecasts for origins o < t (outcome index o), last 60
        o = np.arange(1, t)
        actual, fitted = all_y[:, o].T, one_step[:, o - 1].T
        ok = ~np.isnan(fitted).any(axis=1)
        base_parts = np.column_stack([p[t] for p in pts])
        how: list[str] = []
        rec = mint(total_pts[t], base_parts, actual=actual[ok][-60:], fitted=fitted[ok][-60:], used=how)
        if used is not None:
            used[t] = how[0]
        for i in range(m):
            _move_bands(ivs[i], t, pts[i][t], rec[:, i])
            new_pts[i][t] = rec[:, i]
        _move_bands(total_ivs, t, total_pts[t], rec.sum(axis=1))
        new_total[t] = rec.sum(axis=1)
    return new_pts, new_total


def _move_bands(
    ivs: dict[int, tuple[np.ndarray, np.ndarray]], t: int, old: np.ndarray, new: np.ndarray
) -> None:
    """Move origin t's bands with a reconciled point: by the same factor where the base point is
    positive (a part moved down keeps its width relative to the point, and a lower bound above 0
    stays above 0), else by the same amount."""
    ratio = np.divide(new, old, out=np.ones_like(new, dtype=float), where=old > 0)
    shift = np.where(old > 0, 0.0, new - old)
    for lo, hi in ivs.values():
        lo[t] = np.maximum(lo[t] * ratio + shift, 0.0)
        hi[t] = np.maximum(hi[t] * ratio + shift, 0.0)

"""Synthetic control: a weighted average of donor units tracks the treated units.

Each unit's log(1 + counts) is de-meaned by its pre-period mean (Ferman and Pinto's de-meaned
synthetic control), so donors need to match the treated units' path, not their size. Weights are
non-negative and sum to one, fitted on every pre-period month with equal month weights: the
quadratic programme pysyncon's `Synth` solves with `custom_V` = ones, solved here exactly by
non-negative least squares and a Karush-Kuhn-Tucker polish (`simplex_weights`, checked against
pysyncon in the tests; one solve takes about a millisecond, so the placebos and the conformal
interval need no shortcuts). The p-value comes from in-space placebos (each donor in turn as
treated, ranked by post/pre RMSPE ratio, Abadie et al. 2010); the interval for the average log
effect by conformal inference with moving-block permutations (Chernozhukov, Wuthrich and Zhu 2021).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from corridor.analysis.evaluate.base import (
    Design,
    Estimate,
    MethodSpec,
    log_ratio,
    placebo_p,
    retransform,
    smearing,
)

# The pre-period check: the treated units' de-meaned path must lie within the donors' range in all
# but this share of pre-period months, or no weighted average of donors can reproduce it.
MAX_OUTSIDE = 0.25


def simplex_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """argmin ||a w - b||^2 over w >= 0 with sum(w) = 1 (a: months x donors, b: months)."""
    k = a.shape[1]
    if k == 1:
        return np.ones(1)
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1e-12)
    lam = 1e3 * scale * math.sqrt(a.shape[0])
    w, _ = nnls(np.vstack([a, np.full((1, k), lam)]), np.append(b, lam), maxiter=50 * k)
    w = np.clip(w, 0, None)
    w = w / w.sum() if w.sum() > 0 else np.full(k, 1 / k)
    return _polish(a, b, w)


def _polish(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Solve the equality-constrained least squares on the support of `w` exactly (KKT system);
    keep the exact solution when it stays feasible and lowers the objective."""
    support = np.flatnonzero(w > 1e-9)
    s = a[:, support]
    n = len(support)
    kkt = np.zeros((n + 1, n + 1))
    kkt[:n, :n] = 2 * s.T @ s
    kkt[:n, n] = kkt[n, :n] = 1.0
    rhs = np.append(2 * s.T @ b, 1.0)
    try:
        sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:n]
    except np.linalg.LinAlgError:
        return w
    if (sol < -1e-12).any():
        return w
    exact = np.zeros_like(w)
    exact[support] = np.clip(sol, 0, None)
    exact /= exact.sum()
    if np.sum((a @ exact - b) ** 2) <= np.sum((a @ w - b) ** 2):
        return exact
    return w


def _demean(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return z - z[rows].mean(axis=0)


def _gaps(z1: np.ndarray, z0: np.ndarray, t0: int) -> tuple[np.ndarray, np.ndarray]:
    """Gap path (treated minus synthetic, de-meaned logs) and the weights."""
    pre = np.arange(len(z1)) < t0
    d1, d0 = _demean(z1, pre), _demean(z0, pre)
    w = simplex_weights(d0[pre], d1[pre])
    return d1 - d0 @ w, w


def _ratio(gaps: np.ndarray, t0: int) -> float:
    pre = math.sqrt(np.mean(gaps[:t0] ** 2))
    post = math.sqrt(np.mean(gaps[t0:] ** 2))
    return post / max(pre, 1e-9)


def _block_stats(u: np.ndarray, post: int) -> np.ndarray:
    """Mean |u| over the last `post` months of every circular shift of u (shift 0 first)."""
    n = len(u)
    doubled = np.concatenate([np.abs(u), np.abs(u)])
    csum = np.concatenate([[0.0], np.cumsum(doubled)])
    starts = (n - post + np.arange(n)) % n
    return (csum[starts + post] - csum[starts]) / post


def _conformal_p(z1: np.ndarray, z0: np.ndarray, t0: int, tau0: float) -> float:
    """Moving-block permutation p-value of H0: constant log effect tau0 in the post period."""
    n = len(z1)
    adj = z1 - np.where(np.arange(n) >= t0, tau0, 0.0)
    every = np.ones(n, dtype=bool)
    d1, d0 = _demean(adj, every), _demean(z0, every)
    u = d1 - d0 @ simplex_weights(d0, d1)
    stat = _block_stats(u, n - t0)
    return float(np.mean(stat >= stat[0] - 1e-12))


def _conformal_ci(
    z1: np.ndarray, z0: np.ndarray, t0: int, tau: float, scale: float, alpha: float
) -> tuple[float | None, float | None] | None:
    """Bounds of {tau0: p(tau0) > alpha} found by bracketing and bisection (None if unbounded);
    None when even the point estimate is rejected (no constant effect fits)."""
    if _conformal_p(z1, z0, t0, tau) <= alpha:
        return None
    bounds: list[float | None] = []
    for sign in (-1.0, 1.0):
        inside, step = tau, max(scale, 0.02)
        outside: float | None = None
        for _ in range(8):
            cand = tau + sign * step
            if _conformal_p(z1, z0, t0, cand) <= alpha:
                outside = cand
                break
            inside, step = cand, step * 2
        if outside is None:
            bounds.append(None)
            continue
        for _ in range(9):
            mid = (inside + outside) / 2
            if _conformal_p(z1, z0, t0, mid) <= alpha:
                outside = mid
            else:
                inside = mid
        bounds.append(inside)
    return bounds[0], bounds[1]


def applicable(design: Design) -> str | None:
    if design.staggered:
        return "needs one start date (the treated units start in different months)"
    if len(design.donors) < 2:
        return f"needs at least 2 donor units (has {len(design.donors)})"
    return None


def _logs(design: Design) -> tuple[np.ndarray, np.ndarray]:
    z1 = np.log1p(design.treated_values)
    z0 = np.log1p(design.values(design.donors))
    return z1, z0


def point(design: Design, cache: dict[str, Any]) -> float:
    """log(actual / synthetic) of the post-period totals."""
    t0 = design.pre_months
    z1, z0 = _logs(design)
    gaps, _ = _gaps(z1, z0, t0)
    actual = np.expm1(z1[t0:]).sum()
    return log_ratio(float(actual), float(_synthetic(z1, gaps, t0)[t0:].sum()))


def _synthetic(z1: np.ndarray, gaps: np.ndarray, t0: int) -> np.ndarray:
    """The synthetic path in counts: exp(treated log - gap) times the smearing factor of the
    pre-period gaps (the mean, not the median, of the counts it predicts)."""
    return retransform(z1 - gaps, smearing(gaps[:t0]))


def estimate(design: Design, *, inference: bool = True, interval: bool = True) -> Estimate:
    """De-meaned synthetic control on log counts; in-space placebo p-value and conformal interval
    (with `inference`; `interval=False` skips the interval only)."""
    t0 = design.pre_months
    z1, z0 = _logs(design)
    gaps, w = _gaps(z1, z0, t0)
    counterfactual = pd.Series(_synthetic(z1, gaps, t0), index=design.months)
    ratio = _ratio(gaps, t0)
    placebo = []
    for j in range(z0.shape[1] if inference else 0):
        g, _ = _gaps(z0[:, j], np.delete(z0, j, axis=1), t0)
        placebo.append(_ratio(g, t0))
    p = placebo_p(ratio, placebo) if inference else math.nan
    tau = float(np.mean(gaps[t0:]))
    pre_rmspe_log = float(math.sqrt(np.mean(gaps[:t0] ** 2)))
    notes = []
    lo = hi = None
    if interval and inference:
        bounds = _conformal_ci(z1, z0, t0, tau, pre_rmspe_log, design.alpha)
        if bounds is None:
            notes.append(
                "no interval: the conformal test rejects a constant effect at every value (the effect "
                "changes over the post period); read the placebo p-value and the monthly gaps instead"
            )
        else:
            lo, hi = bounds
            if lo is None or hi is None:
                notes.append("the conformal interval is unbounded on one side (too few months to reject)")
    if inference and 1 / (1 + len(placebo)) > design.alpha:
        notes.append(
            f"with {len(placebo)} donors the smallest attainable placebo p-value is "
            f"{1 / (1 + len(placebo)):.3f}"
        )
    # The synthetic path must be reachable: the treated de-meaned path within the donors' range.
    pre = np.arange(len(z1)) < t0
    d1, d0 = _demean(z1, pre), _demean(z0, pre)
    outside = float(np.mean((d1[pre] > d0[pre].max(axis=1) + 1e-9) | (d1[pre] < d0[pre].min(axis=1) - 1e-9)))
    weights = {d: round(float(x), 4) for d, x in zip(design.donors, w, strict=True) if x >= 0.001}
    diagnostic = None
    if outside > MAX_OUTSIDE:
        diagnostic = (
            f"the treated path lies outside every donor's in {100 * outside:.0f}% of the pre-period months, "
            "so no weighted average of donors can reproduce it"
        )
    return Estimate(
        counterfactual=counterfactual,
        tau=tau,
        tau_lo=lo,
        tau_hi=hi,
        p_value=p,
        p_kind="in-space placebos (post/pre RMSPE ratio)",
        n_placebos=len(placebo),
        interval_kind="conformal (moving-block permutations, constant log effect)",
        assumptions=[
            "Without the policy, the treated units' de-meaned log series would have followed the same "
            "weighted average of donors as before the start.",
            "Donors were not affected by the policy or by another shock specific to them after the start.",
            "The treated units' path lies within the range the donors can reproduce (checked by the "
            "pre-period fit).",
            "Placebo units and time blocks are exchangeable with the treated unit and the post period.",
        ],
        notes=notes,
        details={
            "weights": dict(sorted(weights.items(), key=lambda kv: -kv[1])),
            "log_effect": tau,
            "pre_rmspe_log": pre_rmspe_log,
            "smearing": smearing(gaps[:t0]),
            "rmspe_ratio": ratio,
            "placebo_ratios": sorted(round(r, 3) for r in placebo),
            "pre_months_outside_donor_range": outside,
        },
        diagnostic=diagnostic,
    )


METHOD = MethodSpec(
    name="synthetic_control",
    library="simplex least squares (scipy NNLS; the programme of pysyncon Synth)",
    inference="in-space placebo p-value; conformal interval",
    applicable=applicable,
    estimate=estimate,
    point=point,
)

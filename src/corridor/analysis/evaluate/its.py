"""Interrupted time series: segmented regression of log counts with HAC (Newey-West) errors.

The treated units' summed monthly counts, on the log scale, get a linear trend and a season
(one harmonic with two years of pre period, two with four) plus a level and a slope change at the
start. The average log effect over the post period is studentized by its Newey-West (HAC)
standard error (Bartlett kernel, statsmodels' default lag length and small-sample correction;
computed in numpy, checked against statsmodels OLS in the tests). In-time placebos (the same
model with a fake start inside the pre period) give the p-value, and their |t| distribution
gives the interval's critical value: with a post window of a few months, HAC standard errors
alone understate the uncertainty (the post terms absorb the residuals that would reveal the
autocorrelation), which the placebo calibration corrects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from corridor.analysis.evaluate.base import (
    MIN_PRE_MONTHS,
    Design,
    Estimate,
    MethodSpec,
    log_ratio,
    placebo_p,
    retransform,
    smearing,
)

# Pre-period months needed for one and for two seasonal harmonics.
HARMONICS_MIN_PRE = (24, 48)


def _design_matrix(n: int, start: int, harmonics: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    post = (t >= start).astype(float)
    cols = [np.ones(n), t / 12.0, post, post * (t - start) / 12.0]
    for k in range(1, harmonics + 1):
        cols += [np.sin(2 * np.pi * k * t / 12), np.cos(2 * np.pi * k * t / 12)]
    return np.column_stack(cols)


def hac_ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS coefficients, their Newey-West covariance (Bartlett weights, lags floor(4 (n/100)^(2/9)),
    times n / (n - k)) and the residual degrees of freedom: statsmodels' `cov_type="HAC"`."""
    n, k = x.shape
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    xu = x * (y - x @ beta)[:, None]
    lags = max(1, math.floor(4 * (n / 100) ** (2 / 9)))
    s = xu.T @ xu
    for lag in range(1, lags + 1):
        g = xu[lag:].T @ xu[:-lag]
        s += (1 - lag / (lags + 1)) * (g + g.T)
    cov = xtx_inv @ s @ xtx_inv * (n / (n - k))
    return beta, cov, n - int(np.linalg.matrix_rank(x))


def _fit(y: np.ndarray, start: int, post: int, harmonics: int) -> tuple[float, float, float, int, np.ndarray]:
    """Average log effect over `post` months, its HAC s.e., t statistic, df and coefficients."""
    x = _design_matrix(len(y), start, harmonics)
    params, cov, df = hac_ols(y, x)
    weights = np.zeros(x.shape[1])
    weights[2], weights[3] = 1.0, (np.arange(post, dtype=float) / 12.0).mean()
    tau = float(weights @ params)
    se = float(np.sqrt(max(weights @ cov @ weights, 0.0)))
    return tau, se, tau / se if se > 0 else 0.0, df, params


def _harmonics(pre_months: int) -> int:
    return sum(pre_months >= m for m in HARMONICS_MIN_PRE)


def applicable(design: Design) -> str | None:
    if design.staggered:
        return "needs one start date (the treated units start in different months)"
    return None


def _counterfactual(y: np.ndarray, t0: int, params: np.ndarray, harmonics: int) -> np.ndarray:
    """The projected trend and season in counts, retransformed with the pre-period residuals'
    smearing factor (the mean, not the median, of the counts the log model predicts)."""
    log_cf = _log_counterfactual(len(y), t0, params, harmonics)
    return retransform(log_cf, smearing(y[:t0] - log_cf[:t0]))


def _log_counterfactual(n: int, t0: int, params: np.ndarray, harmonics: int) -> np.ndarray:
    x_cf = _design_matrix(n, t0, harmonics)
    x_cf[:, 2:4] = 0.0
    return x_cf @ params


def point(design: Design, cache: dict[str, Any]) -> float:
    """log(actual / projected pre-period trend and season) of the post-period totals."""
    counts = design.treated_values
    y, t0 = np.log1p(counts), design.pre_months
    harmonics = _harmonics(t0)
    params = hac_ols(y, _design_matrix(len(y), t0, harmonics))[0]
    return log_ratio(float(counts[t0:].sum()), float(_counterfactual(y, t0, params, harmonics)[t0:].sum()))


def estimate(design: Design, *, inference: bool = True) -> Estimate:
    """Segmented regression on log(1 + treated counts); in-time placebo p-value (with `inference`)."""
    y = np.log1p(design.treated_values)
    t0, post = design.pre_months, design.post_months
    harmonics = _harmonics(t0)
    tau, se, tstat, df, params = _fit(y, t0, post, harmonics)
    counterfactual = pd.Series(_counterfactual(y, t0, params, harmonics), index=design.months)
    starts = range(MIN_PRE_MONTHS, t0 - post + 1) if inference else range(0)
    placebo_t = [abs(_fit(y[: s + post], s, post, harmonics)[2]) for s in starts]
    notes = []
    q_t = float(special.stdtrit(df, 1 - design.alpha / 2))
    n_pl = len(placebo_t)
    k = math.ceil((1 - design.alpha) * (n_pl + 1))
    if n_pl == 0:
        q, kind = q_t, f"HAC t interval ({df} df; no in-time placebos to calibrate it)"
        notes.append(f"pre period too short for in-time placebos (needs {MIN_PRE_MONTHS + post} months)")
    else:
        q = sorted(placebo_t)[min(k, n_pl) - 1]
        kind = "HAC-studentized, critical value from in-time placebos"
        if k > n_pl:
            notes.append(
                f"only {n_pl} in-time placebos: the interval uses the largest placebo |t| "
                f"(nominal level about {100 * n_pl / (n_pl + 1):.0f}%)"
            )
    p = placebo_p(abs(tstat), placebo_t) if placebo_t else (1.0 if inference else math.nan)
    return Estimate(
        counterfactual=counterfactual,
        tau=tau,
        tau_lo=tau - q * se,
        tau_hi=tau + q * se,
        p_value=p,
        p_kind="in-time placebos",
        n_placebos=len(placebo_t),
        interval_kind=kind,
        assumptions=[
            "Without the policy, the log series would have kept its pre-period linear trend"
            + (" and season" if harmonics else "")
            + ".",
            "Nothing else that moves this series changed at the start date (no other shock or policy).",
            "Errors are stationary; HAC standard errors allow for autocorrelation.",
            "In-time placebo windows are exchangeable with the real post period.",
        ],
        notes=notes,
        details={
            "hac_t": tstat,
            "critical_value": q,
            "hac_t_interval": [tau - q_t * se, tau + q_t * se],
            "log_effect": tau,
            "log_effect_se": se,
            "seasonal_harmonics": harmonics,
            "smearing": smearing(y[:t0] - _log_counterfactual(len(y), t0, params, harmonics)[:t0]),
            "level_change": float(params[2]),
            "slope_change_per_year": float(params[3]),
        },
    )


METHOD = MethodSpec(
    name="its",
    library="OLS with Newey-West (HAC) errors",
    inference="HAC interval; in-time placebo p-value",
    applicable=applicable,
    estimate=estimate,
    point=point,
)

"""Interrupted time series: segmented regression of log counts with HAC errors (statsmodels OLS).

The treated units' summed monthly counts, on the log scale, get a linear trend and a season
(one harmonic with two years of pre period, two with four) plus a level and a slope change at the
start. The
average log effect over the post period is studentized by its Newey-West (HAC) standard error.
In-time placebos (the same model with a fake start inside the pre period) give the p-value, and
their |t| distribution gives the interval's critical value: with a post window of a few months,
HAC standard errors alone understate the uncertainty (the post terms absorb the residuals that
would reveal the autocorrelation), which the placebo calibration corrects.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from corridor.analysis.evaluate import MIN_PRE_MONTHS, Design, Estimate, MethodSpec, placebo_p

# Pre-period months needed for one and for two seasonal harmonics.
HARMONICS_MIN_PRE = (24, 48)


def _design_matrix(n: int, start: int, harmonics: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    post = (t >= start).astype(float)
    cols = [np.ones(n), t / 12.0, post, post * (t - start) / 12.0]
    for k in range(1, harmonics + 1):
        cols += [np.sin(2 * np.pi * k * t / 12), np.cos(2 * np.pi * k * t / 12)]
    return np.column_stack(cols)


def _fit(y: np.ndarray, start: int, post: int, harmonics: int) -> tuple[float, float, float, int, np.ndarray]:
    """Average log effect over `post` months, its HAC s.e., t statistic, df and coefficients."""
    n = len(y)
    x = _design_matrix(n, start, harmonics)
    maxlags = max(1, math.floor(4 * (n / 100) ** (2 / 9)))
    res = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}, use_t=True)
    k = np.arange(post, dtype=float) / 12.0
    weights = np.zeros(x.shape[1])
    weights[2], weights[3] = 1.0, k.mean()
    tau = float(weights @ res.params)
    se = float(np.sqrt(weights @ res.cov_params() @ weights))
    return tau, se, tau / se if se > 0 else 0.0, int(res.df_resid), np.asarray(res.params)


def applicable(design: Design) -> str | None:
    if design.staggered:
        return "needs one start date (the treated units start in different months)"
    return None


def estimate(design: Design) -> Estimate:
    """Segmented regression on log(1 + treated counts); in-time placebo p-value."""
    y = np.log1p(design.treated_series().to_numpy())
    t0, post = design.pre_months, design.post_months
    harmonics = sum(t0 >= m for m in HARMONICS_MIN_PRE)
    tau, se, tstat, df, params = _fit(y, t0, post, harmonics)
    x = _design_matrix(len(y), t0, harmonics)
    x_cf = x.copy()
    x_cf[:, 2:4] = 0.0
    counterfactual = pd.Series(np.expm1(x_cf @ params), index=design.months)
    min_pre = MIN_PRE_MONTHS
    placebo_t = []
    for s in range(min_pre, t0 - post + 1):
        placebo_t.append(abs(_fit(y[: s + post], s, post, harmonics)[2]))
    notes = []
    q_t = float(stats.t.ppf(1 - design.alpha / 2, df))
    n_pl = len(placebo_t)
    k = math.ceil((1 - design.alpha) * (n_pl + 1))
    if n_pl == 0:
        q, kind = q_t, f"HAC t interval ({df} df; no in-time placebos to calibrate it)"
        notes.append(f"pre period too short for in-time placebos (needs {min_pre + post} months)")
    else:
        q = sorted(placebo_t)[min(k, n_pl) - 1]
        kind = "HAC-studentized, critical value from in-time placebos"
        if k > n_pl:
            notes.append(
                f"only {n_pl} in-time placebos: the interval uses the largest placebo |t| "
                f"(nominal level about {100 * n_pl / (n_pl + 1):.0f}%)"
            )
    p = placebo_p(abs(tstat), placebo_t) if placebo_t else 1.0
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
            "level_change": float(params[2]),
            "slope_change_per_year": float(params[3]),
        },
    )


METHOD = MethodSpec(
    name="its",
    library="statsmodels OLS (HAC)",
    inference="HAC interval; in-time placebo p-value",
    applicable=applicable,
    estimate=estimate,
)

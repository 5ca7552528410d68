"""Difference-in-differences (pyfixest): treated units against donors, unit and month fixed effects.

With one start date the estimate is a Poisson two-way fixed-effects regression of counts
(`fepois`, so zeros are fine and the effect is a ratio), with an event study of leads and lags
as the pre-trend check. With start dates that differ between treated units (staggered adoption)
it is Gardner's two-stage estimator (`did2s`) on log(1 + counts), which only compares treated
units with not-yet-treated and never-treated ones. Inference does not lean on clustered errors
with few treated clusters: the p-value comes from permutations (donors given the treated units'
start dates) and the interval from the permutation distribution (Conley and Taber 2011).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from corridor.analysis.evaluate import Design, Estimate, MethodSpec, placebo_p
from corridor.analysis.fixest import pf

MAX_PERMUTATIONS = 199
LEADS = 12


def _long(design: Design, cohorts: dict[str, int], units: list[str]) -> pd.DataFrame:
    """Long frame: unit, t (month index), y, d (treated and started)."""
    n = len(design.months)
    frames = []
    for u in units:
        y = design.panel[u].to_numpy(dtype=float)
        start = cohorts.get(u)
        d = np.zeros(n) if start is None else (np.arange(n) >= start).astype(float)
        frames.append(pd.DataFrame({"unit": u, "t": np.arange(n), "y": y, "d": d}))
    out = pd.concat(frames, ignore_index=True)
    out["ly"] = np.log1p(out["y"])
    return out


def two_stage_att(df: pd.DataFrame, *, tol: float = 1e-12, max_iter: int = 10_000) -> float:
    """Gardner's two-stage ATT in plain numpy: unit and month effects fitted on untreated rows
    (alternating projections), then the mean residual of treated rows. Equals `pf.did2s`'s point
    estimate; used for the many permutation fits, where its variance matrix is not needed."""
    units = pd.factorize(df["unit"])[0]
    times = df["t"].to_numpy()
    y = df["ly"].to_numpy(dtype=float)
    on = df["d"].to_numpy() == 1
    u0, t0, y0 = units[~on], times[~on], y[~on]
    alpha = np.zeros(units.max() + 1)
    gamma = np.zeros(times.max() + 1)
    n_u = np.bincount(u0, minlength=len(alpha))
    n_t = np.bincount(t0, minlength=len(gamma))
    for _ in range(max_iter):
        new_alpha = np.bincount(u0, y0 - gamma[t0], minlength=len(alpha)) / np.maximum(n_u, 1)
        new_gamma = np.bincount(t0, y0 - new_alpha[u0], minlength=len(gamma)) / np.maximum(n_t, 1)
        change = max(np.abs(new_alpha - alpha).max(), np.abs(new_gamma - gamma).max())
        alpha, gamma = new_alpha, new_gamma
        if change < tol:
            break
    return float(np.mean(y[on] - alpha[units[on]] - gamma[times[on]]))


def _beta(df: pd.DataFrame, staggered: bool, *, vcov: str | dict[str, str] = "iid"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if staggered:
            fit = pf.did2s(
                df,
                yname="ly",
                first_stage="~ 0 | unit + t",
                second_stage="~ d",
                treatment="d",
                cluster="unit",
            )
        else:
            fit = pf.fepois("y ~ d | unit + t", data=df, vcov=vcov)
    return float(fit.coef()["d"]), fit


def _index_cohorts(design: Design) -> dict[str, int]:
    pos = {m: i for i, m in enumerate(design.months)}
    return {u: pos[m] for u, m in design.cohorts.items()}


def poisson_twfe(y: np.ndarray, d: np.ndarray, *, tol: float = 1e-11, max_iter: int = 20_000) -> float:
    """The Poisson two-way fixed-effects coefficient of a treatment dummy, by iterative proportional
    fitting of its score equations (unit, month and treated-cell totals of y equal those of mu).

    `y` and `d` are units x months. Equals `pf.fepois("y ~ d | unit + t")`; used for the many
    permutation fits. Units or months with no counts are left out, as pyfixest does.
    """
    keep_u, keep_t = y.sum(axis=1) > 0, y.sum(axis=0) > 0
    y, d = y[np.ix_(keep_u, keep_t)].astype(float), d[np.ix_(keep_u, keep_t)].astype(bool)
    treated_total = y[d].sum()
    if not d.any() or treated_total <= 0 or d.all():
        return float("nan")
    row, col = y.sum(axis=1), y.sum(axis=0)
    a, g, b = np.log(row / y.shape[1]), np.zeros(y.shape[1]), 0.0
    for _ in range(max_iter):
        e = np.exp(g[None, :] + b * d)
        a = np.log(row / e.sum(axis=1))
        e = np.exp(a[:, None] + b * d)
        g = np.log(col / e.sum(axis=0))
        base = np.exp(a[:, None] + g[None, :])
        b_new = float(np.log(treated_total / base[d].sum()))
        mu = base * np.exp(b_new * d)
        if abs(b_new - b) < tol and np.abs(mu.sum(axis=1) / row - 1).max() < tol:
            return b_new
        b = b_new
    return b


def _matrices(design: Design, cohorts: dict[str, int], units: list[str]) -> tuple[np.ndarray, np.ndarray]:
    y = design.panel[units].to_numpy(dtype=float).T
    t = np.arange(y.shape[1])
    d = np.array([t >= cohorts[u] if u in cohorts else np.zeros_like(t, dtype=bool) for u in units])
    return y, d


def _placebo_sets(design: Design, cohorts: dict[str, int]) -> list[dict[str, int]]:
    """Donor units given the treated units' start indices: every set, or a seeded sample."""
    donors, starts = list(design.donors), list(cohorts.values())
    k = len(starts)
    total = math.comb(len(donors), k)
    rng = np.random.default_rng(design.seed)
    if total <= MAX_PERMUTATIONS:
        combos = list(itertools.combinations(donors, k))
    else:
        seen: set[tuple[str, ...]] = set()
        while len(seen) < MAX_PERMUTATIONS:
            seen.add(tuple(sorted(rng.choice(donors, size=k, replace=False))))
        combos = sorted(seen)
    out = []
    for combo in combos:
        order = rng.permutation(k) if len(set(starts)) > 1 else np.arange(k)
        out.append({u: starts[i] for u, i in zip(combo, order, strict=True)})
    return out


def _counterfactual(
    design: Design, df: pd.DataFrame, fit, beta: float, staggered: bool
) -> tuple[pd.Series, float, float]:
    """The treated units' summed counterfactual by month, and actual and counterfactual totals
    over treated unit-months (d = 1)."""
    treated = df[df["unit"].isin(design.treated)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if staggered:
            first = pf.feols("ly ~ 1 | unit + t", data=df[df["d"] == 0])
            cf = np.expm1(np.asarray(first.predict(newdata=treated), dtype=float))
        else:
            mu = np.asarray(fit.predict(newdata=treated, type="response"), dtype=float)
            cf = mu * np.exp(-beta * treated["d"].to_numpy())
    on = treated["d"].to_numpy() == 1
    by_t = pd.Series(cf, index=treated["t"].to_numpy()).groupby(level=0).sum()
    path = pd.Series(by_t.reindex(range(len(design.months))).to_numpy(), index=design.months)
    return path, float(treated["y"].to_numpy()[on].sum()), float(cf[on].sum())


def _event_study(design: Design, df: pd.DataFrame, start: int) -> dict[str, object]:
    """Poisson event study (leads binned beyond -12, reference -1); joint test of the leads."""
    rel = np.where(df["unit"].isin(design.treated), df["t"] - start, np.nan)
    cols = []
    for k in range(-LEADS, design.post_months):
        if k == -1:
            continue
        name = f"lead{-k}" if k < 0 else f"lag{k}"
        mask = (rel == k) if k > -LEADS else (rel <= k)
        df[name] = np.where(mask, 1.0, 0.0)
        if df[name].sum() > 0:
            cols.append(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.fepois(f"y ~ {' + '.join(cols)} | unit + t", data=df, vcov={"CRV1": "unit"})
    coef = fit.coef()
    leads = [c for c in coef.index if c.startswith("lead")]
    table = pd.DataFrame(
        {
            "term": coef.index,
            "estimate": coef.to_numpy(),
            "se": fit.se().to_numpy(),
        }
    )
    idx = [list(coef.index).index(c) for c in leads]
    b = coef.to_numpy()[idx]
    v = np.asarray(fit._vcov)[np.ix_(idx, idx)]
    try:
        wald = float(b @ np.linalg.pinv(v) @ b)
        p = float(stats.chi2.sf(wald, df=len(idx)))
    except np.linalg.LinAlgError:
        p = float("nan")
    return {"pretrend_p_crv1": p, "n_leads": len(idx), "coefficients": table}


def applicable(design: Design) -> str | None:
    if len(design.donors) < len(design.treated):
        return f"needs at least as many donors as treated units for permutations (has {len(design.donors)})"
    return None


def estimate(design: Design) -> Estimate:
    """Poisson TWFE (one start) or did2s (staggered); permutation p-value and interval."""
    staggered = design.staggered
    cohorts = _index_cohorts(design)
    units = [*design.treated, *design.donors]
    df = _long(design, cohorts, units)
    beta, fit = _beta(df, staggered, vcov={"CRV1": "unit"})
    counterfactual, actual_total, cf_total = _counterfactual(design, df, fit, beta, staggered)
    placebo = []
    for assign in _placebo_sets(design, cohorts):
        try:
            if staggered:
                placebo.append(two_stage_att(_long(design, assign, list(design.donors))))
            else:
                placebo.append(poisson_twfe(*_matrices(design, assign, list(design.donors))))
        except Exception:  # a placebo that does not converge is left out, never fatal
            continue
    arr = np.asarray(placebo)
    p = placebo_p(abs(beta), np.abs(arr))
    a = design.alpha
    notes = []
    if len(arr) >= 2:
        if len(arr) + 1 >= 2 / a:
            q_lo, q_hi = np.quantile(arr, [a / 2, 1 - a / 2])
        else:
            q_lo, q_hi = arr.min(), arr.max()
            notes.append(
                f"only {len(arr)} permutations: the interval spans the placebo range "
                f"(nominal level about {100 * (len(arr) - 1) / (len(arr) + 1):.0f}%)"
            )
        lo, hi = beta - q_hi, beta - q_lo
    else:
        lo = hi = None
        notes.append("fewer than 2 permutations: no interval")
    if 1 / (1 + len(arr)) > a:
        notes.append(
            f"with {len(arr)} permutations the smallest attainable p-value is {1 / (1 + len(arr)):.3f}"
        )
    details: dict[str, object] = {
        "permutation_estimator_check": two_stage_att(df)
        if staggered
        else poisson_twfe(*_matrices(design, cohorts, units)),
        "estimator": "did2s (Gardner two-stage) on log(1+y)" if staggered else "fepois (Poisson TWFE)",
        "log_effect": beta,
        "log_effect_se_crv1": float(fit.se()["d"]),
        "permutations": len(arr),
    }
    if not staggered:
        details.update(_event_study(design, df.copy(), design.pre_months))
        pre_p = details["pretrend_p_crv1"]
        if isinstance(pre_p, float) and pre_p < design.alpha:
            notes.append(
                f"the event-study leads reject parallel pre-trends (joint test p={pre_p:.3f}, "
                "clustered by unit): "
                "the DiD counterfactual is doubtful"
            )
    if staggered:
        notes.append("effects are summed over treated unit-months (each unit from its own start)")
    return Estimate(
        counterfactual=counterfactual,
        actual_total=actual_total if staggered else None,
        cf_total=cf_total if staggered else None,
        tau=beta,
        tau_lo=lo,
        tau_hi=hi,
        p_value=p,
        p_kind="permutation (donors as placebo treated)",
        n_placebos=len(arr),
        interval_kind="permutation (Conley-Taber) interval for the log effect",
        assumptions=[
            "Parallel trends: without the policy, treated units' counts would have changed by the same "
            "proportion as the donors' (unit and month fixed effects).",
            "No spillovers: the policy did not change donor units' counts (e.g. by diverting migrants).",
            "No anticipation before the start month; the event-study leads check this.",
            "Treated units' errors are like donors' (permutation inference treats units as exchangeable).",
        ]
        + (
            [
                "Staggered starts: treated units are compared only with not-yet- and never-treated "
                "ones (did2s)."
            ]
            if staggered
            else []
        ),
        notes=notes,
        details=details,
    )


METHOD = MethodSpec(
    name="did",
    library="pyfixest fepois / did2s",
    inference="permutation p-value and interval",
    applicable=applicable,
    estimate=estimate,
)

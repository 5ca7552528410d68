"""Difference-in-differences: treated units against donors, unit and month fixed effects.

With one start date the estimate is a Poisson two-way fixed-effects regression of counts (zeros
are fine and the effect is a ratio), with an event study of leads and lags as the pre-trend
check. With start dates that differ between treated units (staggered adoption) it is Gardner's
two-stage estimator on log(1 + counts), which only compares treated units with not-yet-treated
and never-treated ones. Inference does not lean on clustered errors with few treated clusters:
the p-value comes from permutations (donors given the treated units' start dates) and the
interval from the permutation distribution (Conley and Taber 2011).

Every fit is plain numpy (iterative proportional fitting of the Poisson score equations,
alternating projections for the two-stage estimator, IRLS for the event study); the tests check
each against pyfixest's `fepois` / `did2s` (to 1e-6), which is too slow to import and compile
for an answer wanted in seconds.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from corridor.analysis.evaluate.base import (
    Design,
    Estimate,
    MethodSpec,
    log_ratio,
    placebo_p,
    retransform,
    smearing,
)

MAX_PERMUTATIONS = 199
LEADS = 12
PRETREND_ALPHA = 0.05


def two_stage(
    units: np.ndarray, times: np.ndarray, y: np.ndarray, on: np.ndarray, *, tol: float = 1e-12
) -> tuple[float, np.ndarray, np.ndarray]:
    """Gardner's two-stage ATT: unit and month effects fitted on untreated rows (alternating
    projections), then the mean residual of treated rows. Returns (ATT, unit effects, month effects)."""
    u0, t0, y0 = units[~on], times[~on], y[~on]
    alpha = np.zeros(units.max() + 1)
    gamma = np.zeros(times.max() + 1)
    n_u = np.bincount(u0, minlength=len(alpha))
    n_t = np.bincount(t0, minlength=len(gamma))
    for _ in range(10_000):
        new_alpha = np.bincount(u0, y0 - gamma[t0], minlength=len(alpha)) / np.maximum(n_u, 1)
        new_gamma = np.bincount(t0, y0 - new_alpha[u0], minlength=len(gamma)) / np.maximum(n_t, 1)
        change = max(np.abs(new_alpha - alpha).max(), np.abs(new_gamma - gamma).max())
        alpha, gamma = new_alpha, new_gamma
        if change < tol:
            break
    att = float(np.mean(y[on] - alpha[units[on]] - gamma[times[on]]))
    return att, alpha, gamma


def two_stage_att(df: pd.DataFrame) -> float:
    """The two-stage ATT of a long frame (unit, t, ly = log(1 + y), d); equals `pf.did2s`'s estimate."""
    units = pd.factorize(df["unit"])[0]
    return two_stage(units, df["t"].to_numpy(), df["ly"].to_numpy(dtype=float), df["d"].to_numpy() == 1)[0]


def poisson_twfe_batch(
    y: np.ndarray, d: np.ndarray, *, tol: float = 1e-11, max_iter: int = 20_000
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson two-way fixed-effects coefficients of a treatment dummy for several treatment
    assignments at once, and the fitted means without it (exp(unit + month effects)).

    `y` is units x months; `d` is assignments x units x months (bool). Iterative proportional
    fitting of the score equations (unit, month and treated-cell totals of y equal those of mu), in
    multiplicative form: mu = A_unit G_month B^d. Units or months with no counts are left out, as
    pyfixest does (their means are 0); a coefficient is nan when nothing is treated, when treated
    cells have no counts or when every cell is treated.
    """
    keep_u, keep_t = y.sum(axis=1) > 0, y.sum(axis=0) > 0
    base_full = np.zeros((d.shape[0], *y.shape))
    ys = y[np.ix_(keep_u, keep_t)].astype(float)
    ds = d[:, keep_u][:, :, keep_t].astype(float)
    row, col = ys.sum(axis=1), ys.sum(axis=0)
    treated_total = np.einsum("ut,put->p", ys, ds)
    ok = (treated_total > 0) & (ds.sum(axis=(1, 2)) < ds[0].size)
    n_p = ds.shape[0]
    a, g, b = np.tile(row / ys.shape[1], (n_p, 1)), np.ones((n_p, ys.shape[1])), np.ones(n_p)
    tt = np.where(ok, treated_total, 1.0)
    for _ in range(max_iter):
        dg = (ds @ g[:, :, None])[:, :, 0]  # treated part of each unit's month sum
        a = row[None] / (g.sum(axis=1)[:, None] + (b - 1)[:, None] * dg)
        ad = (a[:, None, :] @ ds)[:, 0, :]  # treated part of each month's unit sum
        g = col[None] / (a.sum(axis=1)[:, None] + (b - 1)[:, None] * ad)
        dg = (ds @ g[:, :, None])[:, :, 0]
        b_new = tt / (a * dg).sum(axis=1)
        rows = a * (g.sum(axis=1)[:, None] + (b_new - 1)[:, None] * dg)
        done = np.abs(np.log(b_new / b)).max() < tol and np.abs(rows / row[None] - 1).max() < tol
        b = b_new
        if done:
            break
    base_full[:, keep_u[:, None] & keep_t[None, :]] = (a[:, :, None] * g[:, None, :]).reshape(n_p, -1)
    return np.where(ok, np.log(b), np.nan), base_full


def poisson_twfe_fit(y: np.ndarray, d: np.ndarray) -> tuple[float, np.ndarray]:
    """The Poisson two-way fixed-effects coefficient of one treatment dummy (units x months) and the
    fitted means without it; see `poisson_twfe_batch`."""
    b, base = poisson_twfe_batch(y, d[None])
    return float(b[0]), base[0]


def poisson_twfe(y: np.ndarray, d: np.ndarray) -> float:
    """The Poisson two-way fixed-effects coefficient of a treatment dummy (as pyfixest's
    `fepois("y ~ d | unit + t")`)."""
    return poisson_twfe_fit(y, d)[0]


def poisson_fe_crv1(
    y: np.ndarray, x: np.ndarray, *, tol: float = 1e-10, max_iter: int = 20_000
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression of counts on disjoint cell dummies with unit and month fixed effects, and
    the coefficients' covariance clustered by unit with pyfixest's small-sample factors (CRV1:
    G/(G-1) x (N-1)/(N-k-months)); pyfixest's `fepois(..., vcov={"CRV1": "unit"})`.

    `y` is units x months; `x` is k x units x months of 0/1 dummies, no cell in two of them (an
    event study's leads and lags). The coefficients come from iterative proportional fitting of
    the score equations; the covariance from the dummies with the fixed effects partialled out
    (weighted by the fitted means), which gives the fixed-effects model's sandwich exactly.
    Units and months with no counts are left out.
    """
    keep_u, keep_t = y.sum(axis=1) > 0, y.sum(axis=0) > 0
    y = y[np.ix_(keep_u, keep_t)].astype(float)
    x = x[:, keep_u][:, :, keep_t].astype(float)
    k, n_u, n_t = x.shape
    label = np.where(x.any(axis=0), x.argmax(axis=0), k)  # the dummy each cell belongs to (k: none)
    flat_label = label.ravel()
    row, col = y.sum(axis=1), y.sum(axis=0)
    cell_y = np.bincount(flat_label, y.ravel(), minlength=k + 1)[:k]
    a, g, b = np.log(row / n_t), np.zeros(n_t), np.zeros(k + 1)
    for _ in range(max_iter):
        shift = b[label]
        a = np.log(row / np.exp(g[None, :] + shift).sum(axis=1))
        g = np.log(col / np.exp(a[:, None] + shift).sum(axis=0))
        base = np.exp(a[:, None] + g[None, :])
        cell_mu = np.bincount(flat_label, base.ravel(), minlength=k + 1)[:k]
        b_new = np.append(np.log(np.maximum(cell_y, 1e-300) / cell_mu), 0.0)
        mu = base * np.exp(b_new[label])
        done = np.abs(b_new - b).max() < tol and np.abs(mu.sum(axis=1) / row - 1).max() < tol
        b = b_new
        if done:
            break
    b = b[:k]
    # Partial the unit and month effects out of each dummy, weighted by mu (alternating projections).
    xt = x.copy()
    for _ in range(1000):
        prev = xt
        xt = xt - (xt * mu).sum(axis=2, keepdims=True) / mu.sum(axis=1)[None, :, None]
        xt = xt - (xt * mu).sum(axis=1, keepdims=True) / mu.sum(axis=0)[None, None, :]
        if np.abs(xt - prev).max() < 1e-12:
            break
    flat = xt.reshape(k, -1)
    bread = np.linalg.pinv((flat * mu.ravel()) @ flat.T)
    scores = (xt * (y - mu)[None]).sum(axis=2)  # k x units: each unit's score
    meat = scores @ scores.T
    n = y.size
    adj = n_u / (n_u - 1) * (n - 1) / (n - k - n_t)
    return b, bread @ meat @ bread * adj


def _index_cohorts(design: Design) -> dict[str, int]:
    pos = {m: i for i, m in enumerate(design.months)}
    return {u: pos[m] for u, m in design.cohorts.items()}


def _matrices(design: Design, cohorts: dict[str, int], units: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Counts and the treated-and-started dummy, units x months."""
    y = design.values(units).T
    t = np.arange(y.shape[1])
    starts = np.array([cohorts.get(u, y.shape[1] + 1) for u in units])
    return y, t[None, :] >= starts[:, None]


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


def _staggered_fit(y: np.ndarray, d: np.ndarray) -> tuple[float, np.ndarray]:
    """Two-stage ATT on log(1 + y) (units x months) and the untreated fit in counts: exp(unit +
    month effects) times each unit's smearing factor over its untreated months, minus 1."""
    n_u, n_t = y.shape
    units, times = np.repeat(np.arange(n_u), n_t), np.tile(np.arange(n_t), n_u)
    ly = np.log1p(y)
    att, alpha, gamma = two_stage(units, times, ly.ravel(), d.ravel())
    fit = alpha[:, None] + gamma[None, :]
    residuals = np.where(d, np.nan, ly - fit)
    factors = np.array([smearing(r) for r in residuals])
    return att, retransform(fit, factors[:, None])


def _permutation_effects(design: Design, assignments: list[dict[str, int]]) -> np.ndarray:
    """The estimator's log effect with each assignment of start months to donors (the permutation
    distribution)."""
    donors = list(design.donors)
    y = design.values(donors).T
    t = np.arange(y.shape[1])
    pos = {u: i for i, u in enumerate(donors)}
    d = np.zeros((len(assignments), *y.shape), dtype=bool)
    for k, assign in enumerate(assignments):
        for unit, start in assign.items():
            d[k, pos[unit]] = t >= start
    if design.staggered:
        return np.array([_staggered_fit(y, dk)[0] for dk in d])
    return poisson_twfe_batch(y, d)[0] if len(d) else np.array([])


def _fit(design: Design) -> tuple[float, pd.Series, float, float]:
    """The log effect, the treated units' summed counterfactual by month, and the actual and
    counterfactual totals over treated unit-months."""
    cohorts = _index_cohorts(design)
    units = [*design.treated, *design.donors]
    y, d = _matrices(design, cohorts, units)
    if design.staggered:
        beta, cf = _staggered_fit(y, d)
    else:
        beta, cf = poisson_twfe_fit(y, d)
    k = len(design.treated)
    treated_cf = cf[:k]
    on = d[:k]
    path = pd.Series(treated_cf.sum(axis=0), index=design.months)
    return beta, path, float(y[:k][on].sum()), float(treated_cf[on].sum())


def point(design: Design, cache: dict[str, Any]) -> float:
    """log(actual / counterfactual) over treated unit-months."""
    _, _, actual, cf = _fit(design)
    return log_ratio(actual, cf)


def _event_study(design: Design, start: int) -> dict[str, Any]:
    """Poisson event study (leads binned beyond -12, reference -1); joint Wald test of the leads."""
    units = [*design.treated, *design.donors]
    y = design.values(units).T
    treated = np.arange(len(units)) < len(design.treated)
    rel = np.where(treated[:, None], np.arange(y.shape[1])[None, :] - start, 10**6)
    names, cols = [], []
    for k in range(-LEADS, design.post_months):
        if k == -1:
            continue
        mask = (rel == k) if k > -LEADS else (rel <= k)
        if (mask & (y > 0)).any():
            names.append(f"lead{-k}" if k < 0 else f"lag{k}")
            cols.append(mask)
    beta, cov = poisson_fe_crv1(y, np.array(cols))
    leads = [i for i, n in enumerate(names) if n.startswith("lead")]
    b, v = beta[leads], cov[np.ix_(leads, leads)]
    try:
        wald = float(b @ np.linalg.pinv(v) @ b)
        p = float(special.chdtrc(len(leads), wald))
    except np.linalg.LinAlgError:
        p = float("nan")
    table = pd.DataFrame({"term": names, "estimate": beta, "se": np.sqrt(np.clip(np.diag(cov), 0, None))})
    return {"pretrend_p_crv1": p, "n_leads": len(leads), "coefficients": table}


def applicable(design: Design) -> str | None:
    if len(design.donors) < len(design.treated):
        return f"needs at least as many donors as treated units for permutations (has {len(design.donors)})"
    return None


def estimate(design: Design, *, inference: bool = True) -> Estimate:
    """Poisson TWFE (one start) or the two-stage estimator (staggered); permutation p-value and
    interval (with `inference`)."""
    staggered = design.staggered
    cohorts = _index_cohorts(design)
    beta, counterfactual, actual_total, cf_total = _fit(design)
    placebo = _permutation_effects(design, _placebo_sets(design, cohorts) if inference else [])
    arr = placebo[np.isfinite(placebo)]
    p = placebo_p(abs(beta), np.abs(arr)) if inference else math.nan
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
        if inference:
            notes.append("fewer than 2 permutations: no interval")
    if inference and 1 / (1 + len(arr)) > a:
        notes.append(
            f"with {len(arr)} permutations the smallest attainable p-value is {1 / (1 + len(arr)):.3f}"
        )
    details: dict[str, Any] = {
        "estimator": "two-stage (Gardner) on log(1+y)" if staggered else "Poisson two-way fixed effects",
        "log_effect": beta,
        "permutations": len(arr),
    }
    if not staggered:
        # The leads' joint test is shown, not used to rule the method out: with one to four treated
        # clusters, clustered errors reject almost always (the out-of-sample check decides instead).
        details.update(_event_study(design, design.pre_months))
        pre_p = details["pretrend_p_crv1"]
        if isinstance(pre_p, float) and pre_p < PRETREND_ALPHA:
            notes.append(
                f"the event-study leads reject parallel pre-trends (joint test p={pre_p:.3f}, "
                "clustered by unit): the DiD counterfactual is doubtful"
            )
    else:
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
                "ones (two-stage estimator)."
            ]
            if staggered
            else []
        ),
        notes=notes,
        details=details,
    )


METHOD = MethodSpec(
    name="did",
    library="Poisson two-way fixed effects / two-stage DiD (numpy; checked against pyfixest)",
    inference="permutation p-value and interval",
    applicable=applicable,
    estimate=estimate,
    point=point,
)

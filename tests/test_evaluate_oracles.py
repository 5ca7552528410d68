"""The evaluation methods' numpy estimators against independent implementations.

Each method fits its model in plain numpy (fast enough for an answer in seconds, with hundreds of
placebo refits); these tests hold every one of them to the library it replaces, on real OHSS
series and on seeded synthetic panels: pysyncon's quadratic programme (synthetic control weights),
statsmodels' HAC OLS (interrupted time series) and UnobservedComponents (structural), and
pyfixest's fepois and did2s (difference-in-differences), at tight tolerances.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from corridor.analysis.evaluate import did, its, structural, synth, synthetic_panel


@pytest.fixture(scope="module")
def ohss(obs) -> pd.DataFrame:
    """Border Patrol encounters at the southwest border, months x citizenships (real, rounded to 10)."""
    frame = obs.flows(region="southwest", component="usbp", by=["month", "citizenship"]).tidy()
    panel = frame.pivot_table(index="month", columns="citizenship", values="encounters", aggfunc="sum")
    return panel.fillna(0).astype(float)


def _windows(ohss: pd.DataFrame, n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded (treated, donors) log(1 + counts) windows of 36-60 months from the real series."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        end = int(rng.integers(60, len(ohss)))
        rows = int(rng.integers(36, 61))
        window = ohss.iloc[end - rows : end]
        # units with 40+ a month in this window: a series of zeros has no maximum likelihood
        big = window.columns[window.mean() > 40]
        if len(big) < 10:
            continue
        cols = rng.choice(big, size=10, replace=False)
        z = np.log1p(window[list(cols)].to_numpy())
        out.append((z[:, 0], z[:, 1:]))
    return out


def test_synthetic_control_weights_solve_pysyncons_programme(ohss: pd.DataFrame) -> None:
    from pysyncon import Synth

    for z1, z0 in _windows(ohss, 12, seed=1):
        a, b = z0 - z0.mean(axis=0), z1 - z1.mean()
        w = synth.simplex_weights(a, b)
        assert w.min() >= 0 and abs(w.sum() - 1) < 1e-9
        ref, _ = Synth.w_optimize(np.eye(len(b)), a, b)
        mine, theirs = np.sum((a @ w - b) ** 2), np.sum((a @ ref - b) ** 2)
        assert mine <= theirs * (1 + 1e-6) + 1e-12, (mine, theirs)
        # the synthetic path is unique even where the weights are not (identical donor columns)
        assert np.abs(a @ w - a @ ref).max() < 1e-3


def test_its_hac_matches_statsmodels(ohss: pd.DataFrame) -> None:
    import statsmodels.api as sm

    for z1, _ in _windows(ohss, 6, seed=2):
        n = len(z1)
        x = its._design_matrix(n, n - 6, 1)
        beta, cov, df = its.hac_ols(z1, x)
        maxlags = max(1, int(np.floor(4 * (n / 100) ** (2 / 9))))
        ref = sm.OLS(z1, x).fit(
            cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}, use_t=True
        )
        assert np.allclose(beta, ref.params, atol=1e-10)
        assert np.allclose(cov, ref.cov_params(), rtol=1e-8, atol=1e-12)
        assert df == int(ref.df_resid)


def test_structural_fit_matches_statsmodels_unobserved_components(ohss: pd.DataFrame) -> None:
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    for z1, z0 in _windows(ohss, 8, seed=3):
        x = np.log1p(np.expm1(z0).sum(axis=1))
        mine = structural.fit_level(z1, x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = UnobservedComponents(z1, level="local level", exog=x.reshape(-1, 1))
            ref = model.fit(disp=False, method="powell", maxiter=5000)
            # the same likelihood: statsmodels' log likelihood at our estimates equals ours
            at_mine = model.loglike(np.array([mine.sigma2_irregular, mine.sigma2_level, mine.beta]))
        assert abs(at_mine - mine.loglike) < 1e-5 + 1e-7 * abs(mine.loglike)
        # and our maximum is at least as high as statsmodels' optimiser finds
        assert mine.loglike >= ref.llf - 1e-5
        # forecasts agree where both find the same optimum
        if abs(mine.loglike - ref.llf) < 1e-4:
            mean, cov = mine.forecast(np.full(4, x[-1]))
            fc = ref.get_forecast(4, exog=np.full((4, 1), x[-1]))
            assert np.allclose(mean, fc.predicted_mean, atol=1e-3)
            assert np.allclose(np.diag(cov), fc.var_pred_mean, rtol=1e-2)


@pytest.fixture(scope="module")
def pf():
    from corridor.analysis.fixest import pf

    return pf


def _long(panel: pd.DataFrame, cohorts: dict[str, int]) -> pd.DataFrame:
    rows = []
    for unit in panel.columns:
        y = panel[unit].to_numpy()
        start = cohorts.get(unit, len(y) + 1)
        rows.append(
            pd.DataFrame(
                {"unit": unit, "t": np.arange(len(y)), "y": y, "d": (np.arange(len(y)) >= start) * 1.0}
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["ly"] = np.log1p(out["y"])
    return out


def test_did_poisson_twfe_matches_pyfixest_fepois(pf, ohss: pd.DataFrame) -> None:
    rng = np.random.default_rng(4)
    checked = 0
    while checked < 4:
        end = int(rng.integers(60, len(ohss)))
        window = ohss.iloc[end - 48 : end]
        # units with 40+ a month in the window: with a unit's counts all zero the Poisson MLE does
        # not exist (fepois stops at an arbitrary large negative coefficient)
        big = window.columns[window.mean() > 40]
        if len(big) < 12:
            continue
        checked += 1
        cols = list(rng.choice(big, size=12, replace=False))
        panel = window[cols].reset_index(drop=True)
        cohorts = {c: 40 for c in cols[:2]}
        df = _long(panel, cohorts)
        y = panel.to_numpy().T
        d = np.array([np.arange(48) >= cohorts.get(c, 99) for c in cols])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pf.fepois("y ~ d | unit + t", data=df)
        assert abs(did.poisson_twfe(y, d) - float(ref.coef()["d"])) < 1e-6


def test_did_event_study_matches_pyfixest_with_clustered_errors(pf) -> None:
    panel, cohorts = synthetic_panel(n_units=12, n_treated=2, months=30, start_index=24, effect=-0.4, seed=5)
    start = 24
    units = list(panel.columns)
    y = panel[units].to_numpy().T
    treated = np.array([u in cohorts for u in units])
    rel = np.where(treated[:, None], np.arange(30)[None, :] - start, 10**6)
    names = [k for k in range(-6, 6) if k != -1]
    x = np.array([(rel == k) if k > -6 else (rel <= k) for k in names])
    beta, cov = did.poisson_fe_crv1(y, x)
    df = _long(panel, {})
    for k, xk in zip(names, x, strict=True):
        df[f"e{k + 10}"] = xk.ravel()
    terms = " + ".join(f"e{k + 10}" for k in names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.fepois(f"y ~ {terms} | unit + t", data=df, vcov={"CRV1": "unit"})
    order = [f"e{k + 10}" for k in names]
    assert np.allclose(beta, ref.coef()[order].to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(cov)), ref.se()[order].to_numpy(), rtol=1e-4)


def test_did_two_stage_matches_pyfixest_did2s(pf) -> None:
    panel, cohorts = synthetic_panel(n_units=14, n_treated=4, months=40, start_index=28, stagger=3, seed=6)
    starts = {u: list(panel.index).index(m) for u, m in cohorts.items()}
    df = _long(panel, starts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.did2s(
            df, yname="ly", first_stage="~ 0 | unit + t", second_stage="~ d", treatment="d", cluster="unit"
        )
    assert abs(did.two_stage_att(df) - float(ref.coef()["d"])) < 1e-8

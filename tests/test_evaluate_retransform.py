"""The log-scale methods retransform their counterfactual (smearing): effects are not biased upwards.

A counterfactual fitted on log counts and exponentiated estimates the median month, not the mean:
with log-normal month-to-month noise of standard deviation s, exp(E log y) is below E y by the
factor exp(s^2 / 2), so actual / counterfactual runs high by about s^2 / 2 on the log scale. The
oracle is the log-normal mean exp(mu + s^2 / 2) (a closed form, independent of the code); the bias
test draws seeded panels with a known +50% effect and checks each method's mean log error, with
the correction and, to show the test can fail, without it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.analysis.evaluate import base, did, its, structural, synth, synthetic_design

EFFECT = 0.5
NOISE = 0.5  # log-scale sd of each unit's month-to-month noise: a Jensen gap of 0.125
DRAWS = 80

residuals = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=60)


@given(residuals)
@settings(max_examples=200, deadline=None)
def test_smearing_is_at_least_the_exponentiated_mean_residual(r: list[float]) -> None:
    assert base.smearing(np.array(r)) >= math.exp(float(np.mean(r))) * (1 - 1e-12)


@given(residuals, st.floats(-2, 2, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_smearing_scales_with_a_shift_of_the_residuals(r: list[float], c: float) -> None:
    shifted = base.smearing(np.array(r) + c)
    assert shifted == pytest.approx(math.exp(c) * base.smearing(np.array(r)), rel=1e-9)


def test_smearing_recovers_the_lognormal_mean() -> None:
    rng = np.random.default_rng(3)
    for s in (0.2, 0.5, 0.8):
        r = rng.normal(0.0, s, 200_000)
        assert base.smearing(r) == pytest.approx(math.exp(s**2 / 2), rel=0.01)
    assert base.smearing(np.array([np.nan])) == 1.0


def _errors(method: str) -> np.ndarray:
    """Each draw's log(estimated / true ratio) for `method` on a seeded log-normal panel."""
    spec = {"its": its, "synth": synth, "structural": structural, "did_staggered": did}[method].METHOD
    out = []
    for seed in range(DRAWS):
        design = synthetic_design(
            seed=seed,
            n_units=12,
            n_treated=2 if method == "did_staggered" else 1,
            stagger=3 if method == "did_staggered" else 0,
            months=60,
            start_index=42,
            effect=EFFECT,
            noise=NOISE,
            rho=0.0,
            trend=0.0,
            common_noise=0.05,
            level=(8.0, 9.0),  # about 3,000 to 8,000 a month: Poisson noise is negligible
            post_months=12,
        )
        if method == "structural":  # the local level alone: no donors' noise in the regressor
            design = replace(design, donors=())
        out.append(spec.point(design.window(), {}) - math.log1p(EFFECT))
    return np.array(out)


def _no_correction(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (its, synth, did):
        monkeypatch.setattr(module, "smearing", lambda r: 1.0)
    monkeypatch.setattr(structural.LevelFit, "smearing", property(lambda self: 1.0))


@pytest.mark.parametrize("method", ["its", "synth", "structural", "did_staggered"])
def test_log_scale_methods_are_unbiased_on_lognormal_noise(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrected = _errors(method)
    se = corrected.std(ddof=1) / math.sqrt(DRAWS)
    assert abs(corrected.mean()) < 0.05, (corrected.mean(), se)
    # the same draws without the retransformation are off by about the Jensen gap s^2 / 2
    _no_correction(monkeypatch)
    raw = _errors(method)
    assert raw.mean() > 0.08, raw.mean()
    assert raw.mean() - corrected.mean() == pytest.approx(NOISE**2 / 2, abs=0.04)

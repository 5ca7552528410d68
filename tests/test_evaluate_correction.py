"""The headline is corrected by its method's out-of-sample error: a drift the method cannot see is removed.

On the battery's real series every method's errors at the pseudo-treatment dates (where nothing
happened) lean upwards, and so do its estimates (bench/RESULTS.md, "Evaluate: battery, seed 3").
The oracle here is a panel where the cause is known: the treated unit drifts by a fixed 3% a month
against every donor, which a local level model forecasts flat, so its counterfactual falls behind
by the same amount in every window of the same length. The truth (-30%) is set by construction;
the test checks the headline recovers it, and, to show it can fail, that the rule without the
correction does not.
"""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.analysis.evaluate import Design, run, synthetic_panel
from corridor.analysis.evaluate.backtest import Backtest
from corridor.analysis.evaluate.headline import RULE, choose

EFFECT = -0.3
DRIFT = 0.03  # the treated unit's own growth a month, shared by no donor
DRAWS = 12


def _drifting_design(seed: int) -> Design:
    panel, cohorts = synthetic_panel(
        seed=seed,
        n_units=12,
        months=72,
        start_index=60,
        effect=EFFECT,
        trend=0.0,
        noise=0.05,
        common_noise=0.05,
        level=(8.0, 9.0),  # thousands a month: Poisson noise is negligible
    )
    (unit,) = cohorts
    t = np.arange(len(panel))
    # below the donors' level (inside their hull), growing 3% a month faster than any of them
    panel[unit] = np.round(panel[unit] * np.exp(-1.0 + DRIFT * (t - t.mean())))
    donors = tuple(c for c in panel.columns if c != unit)
    return Design(panel=panel, cohorts=cohorts, donors=donors, post_months=6, seed=seed)


def _headline_errors(rule: object) -> np.ndarray:
    out = []
    for seed in range(DRAWS):
        h = run(_drifting_design(seed), method="structural", rule=rule, inference=False).headline  # type: ignore[arg-type]
        assert h.status != "inconclusive", h.why
        out.append(math.log1p(h.effect_rel) - math.log1p(EFFECT))
    return np.array(out)


def test_a_drift_the_method_misses_is_removed_from_the_headline() -> None:
    corrected = _headline_errors(RULE)
    assert abs(np.median(corrected)) < 0.05, corrected
    # the same draws without the correction run high by the forecast's lag behind the drift
    raw = _headline_errors(replace(RULE, bias_correct=False))
    assert np.median(raw) > 0.10, raw


def _one(effect: float, errors: np.ndarray) -> tuple[SimpleNamespace, Backtest]:
    result = SimpleNamespace(
        method="synthetic_control",
        effect_rel=effect,
        effect_rel_lo=None,
        effect_rel_hi=None,
        log_effect=math.log1p(effect),
        pre_mape=0.05,
        diagnostic=None,
        actual_total=1000.0,
        n_post=6,
    )
    return result, Backtest(starts=[], errors={"synthetic_control": errors})


DESIGN = SimpleNamespace(alpha=0.05, post_months=6)


@settings(max_examples=80, deadline=None)
@given(
    log_effect=st.floats(-2.0, 1.0),
    shift=st.floats(-0.3, 0.3),
    errors=st.lists(st.floats(-0.15, 0.15), min_size=24, max_size=24),
)
def test_a_drift_shared_by_the_estimate_and_its_earlier_errors_leaves_the_headline_unchanged(
    log_effect: float, shift: float, errors: list[float]
) -> None:
    base = np.array(errors)
    a = choose([_one(math.expm1(log_effect), base)[0]], _one(0, base)[1], DESIGN)  # type: ignore[list-item, arg-type]
    moved, bt = _one(math.expm1(log_effect + shift), base + shift)
    b = choose([moved], bt, DESIGN)  # type: ignore[list-item, arg-type]
    assert a.effect_rel is not None and b.effect_rel is not None
    assert math.log1p(b.effect_rel) == pytest.approx(math.log1p(a.effect_rel), abs=1e-9)
    assert b.correction is not None and b.correction["log_shift"] == pytest.approx(
        float(np.median(base + shift)), abs=1e-12
    )


# --- the combination (seeds 4 and 5, bench/RESULTS.md "Evaluate: battery, seeds 4 and 5") ----------

METHODS4 = ("synthetic_control", "structural", "its", "did")


def _method(name: str, log_effect: float) -> SimpleNamespace:
    return SimpleNamespace(
        method=name,
        effect_rel=math.expm1(log_effect),
        effect_rel_lo=None,
        effect_rel_hi=None,
        log_effect=log_effect,
        pre_mape=0.05,
        diagnostic=None,
        actual_total=1000.0,
        n_post=6,
    )


def test_combining_methods_whose_errors_are_partly_independent_beats_picking_one() -> None:
    """Oracle, known +50% effect: four methods, each off by its own error after the start and by
    a path of its own in the 24 earlier windows (independent of that error, as on the battery's real
    series, where a draw's earlier errors do not predict its own). Picking the method with the
    smallest earlier error picks on noise; combining them averages the errors they do not share."""
    rng = np.random.default_rng(2026)
    truth = math.log(1.5)
    picked, combined = [], []
    for _ in range(300):
        shared = rng.normal(0, 0.1)  # the part of the error every method shares
        results, errors = [], {}
        for name in METHODS4:
            results.append(_method(name, truth + shared + rng.normal(0, 0.2)))
            path = rng.normal(0, 0.15)
            errors[name] = path + 0.1 * np.cumsum(rng.normal(0, 0.3, 24))
        bt = Backtest(starts=[], errors=errors)
        for rule, out in ((replace(RULE, selection="best"), picked), (RULE, combined)):
            h = choose(results, bt, DESIGN, rule)  # type: ignore[arg-type]
            if h.conclusive:
                assert h.effect_rel is not None
                out.append(100 * (h.effect_rel - 0.5))
    assert len(combined) > 200 and len(picked) > 200
    # both are unbiased (the truth is set by construction) ...
    assert abs(np.median(combined)) < 5 and abs(np.median(picked)) < 5
    # ... but the pick is off by more: its median absolute error is at least a sixth larger
    assert np.median(np.abs(picked)) > 1.15 * np.median(np.abs(combined))


@settings(max_examples=60, deadline=None)
@given(
    logs=st.lists(st.floats(-2.5, 1.0), min_size=2, max_size=4),
    scales=st.lists(st.floats(0.02, 0.4), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_the_combined_estimate_lies_between_the_methods_own(
    logs: list[float], scales: list[float], seed: int
) -> None:
    """Before the correction, the combination is a weighted mean of the methods' log estimates with
    positive weights: never outside them, whatever their errors."""
    rng = np.random.default_rng(seed)
    names = METHODS4[: len(logs)]
    results = [_method(n, x) for n, x in zip(names, logs, strict=True)]
    bt = Backtest(starts=[], errors={n: rng.normal(0, s, 24) for n, s in zip(names, scales, strict=False)})
    h = choose(results, bt, DESIGN)  # type: ignore[arg-type]
    if h.correction is None:  # inconclusive (the methods disagree in direction)
        return
    assert min(logs) - 1e-9 <= h.correction["method_log_effect"] <= max(logs) + 1e-9
    assert sum(h.weights.values()) == pytest.approx(1.0, abs=1e-3)
    assert all(w > 0 for w in h.weights.values())

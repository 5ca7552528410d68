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

"""One headline per evaluation: the out-of-sample rule, its JSON contract and the verdict sentence."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from corridor import jsonio
from corridor.analysis import evaluate as an
from corridor.analysis.evaluate.backtest import Backtest
from corridor.analysis.evaluate.headline import Headline, Rule, choose, verdict
from corridor.cli import app

runner = CliRunner()
HEADLINE_KEYS = {
    "status",
    "method",
    "method_label",
    "effect_rel",
    "effect_rel_lo",
    "effect_rel_hi",
    "effect_abs",
    "effect_abs_lo",
    "effect_abs_hi",
    "p_value",
    "level",
    "why",
    "agreement",
    "weights",
    "eligible",
    "out_of_sample",
    "correction",
}


def _result(
    method: str, effect: float, *, mape: float = 0.05, diagnostic: str | None = None
) -> SimpleNamespace:
    """What the headline rule reads from a method's result."""
    return SimpleNamespace(
        method=method,
        effect_rel=effect,
        effect_rel_lo=effect - 0.1,
        effect_rel_hi=effect + 0.1,
        log_effect=math.log1p(effect),
        pre_mape=mape,
        diagnostic=diagnostic,
        actual_total=1000.0,
        n_post=6,
    )


def _backtest(**rmse: float) -> Backtest:
    """Out-of-sample errors with the given root mean square (alternating signs, 24 dates)."""
    signs = np.resize([1.0, -1.0], 24)
    return Backtest(starts=[], errors={m: signs * v for m, v in rmse.items()})


DESIGN = SimpleNamespace(alpha=0.05, post_months=6)


def test_the_eligible_methods_are_combined_by_their_out_of_sample_errors() -> None:
    results = [_result("its", -0.6), _result("synthetic_control", -0.5), _result("did", -0.4)]
    rmse = {"its": 0.3, "synthetic_control": 0.1, "did": 0.2}
    h = choose(results, _backtest(**rmse), DESIGN)  # type: ignore[arg-type]
    assert h.status == "effect" and h.method == "combination"
    # weights 1 / e^2, normalised: 1/9, 1/1 and 1/4 of 100 / (100/9 + 100 + 25)
    w = {m: (1 / e**2) / sum(1 / v**2 for v in rmse.values()) for m, e in rmse.items()}
    assert h.weights == pytest.approx({m: round(v, 4) for m, v in w.items()}, abs=1e-4)
    centre = w["its"] * math.log(0.4) + w["synthetic_control"] * math.log(0.5) + w["did"] * math.log(0.6)
    assert math.log1p(h.effect_rel) == pytest.approx(centre)  # the errors' median is 0 here
    # the documented interval: centre +- t(23) x 1.5 x sqrt(e^2 + 0.1^2), e the combined errors' RMS
    # (the alternating errors add up in phase: e = the weighted sum of the three)
    e = sum(w[m] * v for m, v in rmse.items())
    half = stats.t.ppf(0.975, 23) * 1.5 * math.hypot(e, 0.1)
    assert math.log1p(h.effect_rel_hi) - centre == pytest.approx(half, rel=1e-6)
    assert centre - math.log1p(h.effect_rel_lo) == pytest.approx(half, rel=1e-6)
    assert h.agreement["same_sign"] == 3 and h.agreement["methods"] == 3
    assert "combined" in h.why and "sets its interval" in h.why


def test_the_rule_before_seeds_4_and_5_picked_the_smallest_out_of_sample_error() -> None:
    results = [_result("its", -0.6), _result("synthetic_control", -0.5), _result("did", -0.4)]
    bt = _backtest(its=0.3, synthetic_control=0.1, did=0.2)
    h = choose(results, bt, DESIGN, Rule(selection="best"))  # type: ignore[arg-type]
    assert h.status == "effect" and h.method == "synthetic_control"
    assert h.effect_rel == pytest.approx(-0.5)
    half = stats.t.ppf(0.975, 23) * 1.5 * math.hypot(0.1, 0.1)
    assert math.log1p(h.effect_rel_hi) - math.log(0.5) == pytest.approx(half, rel=1e-6)


def test_a_method_that_fails_its_check_is_never_the_headline() -> None:
    results = [_result("its", -0.6, mape=0.9), _result("did", -0.4, diagnostic="pre-trends rejected")]
    results.append(_result("structural", -0.5))
    bt = _backtest(its=0.01, did=0.02, structural=0.3)
    h = choose(results, bt, DESIGN)  # type: ignore[arg-type]
    assert h.method == "structural"
    assert h.eligible["its"] and h.eligible["did"] and h.eligible["structural"] is None


def test_opposite_signs_make_the_headline_inconclusive() -> None:
    # the combination (mostly the synthetic control's -50%) claims a drop; ITS, eligible, says a rise
    results = [_result("its", 0.05), _result("synthetic_control", -0.5)]
    h = choose(results, _backtest(its=0.3, synthetic_control=0.1), DESIGN)  # type: ignore[arg-type]
    assert h.status == "inconclusive" and h.method is None and h.effect_rel is None
    assert "disagree in direction" in h.why


def test_a_poor_best_fit_makes_the_headline_inconclusive() -> None:
    results = [_result("its", -0.5), _result("synthetic_control", -0.5)]
    h = choose(results, _backtest(its=1.2, synthetic_control=0.9), DESIGN, Rule(poor_rmse=0.5))  # type: ignore[arg-type]
    assert h.status == "inconclusive" and "missed" in h.why


def test_no_clear_effect_when_the_interval_spans_zero() -> None:
    results = [_result("its", 0.05), _result("synthetic_control", -0.03)]
    h = choose(results, _backtest(its=0.3, synthetic_control=0.2), DESIGN)  # type: ignore[arg-type]
    assert h.status == "no_clear_effect" and h.p_value > 0.05
    assert h.effect_rel_lo < 0 < h.effect_rel_hi


@pytest.fixture(scope="module")
def synthetic_run() -> an.EvaluationSet:
    return an.run(an.synthetic_design(seed=3, effect=-0.5, post_months=6, months=72, start_index=60))


def test_headline_metadata_is_the_documented_json(synthetic_run: an.EvaluationSet) -> None:
    meta = synthetic_run.metadata()
    doc = json.loads(jsonio.dumps(meta))  # strict JSON: no NaN or Infinity
    assert set(doc["headline"]) == HEADLINE_KEYS
    h = doc["headline"]
    assert h["status"] in {"effect", "no_clear_effect", "inconclusive"}
    assert h["method"] in {*an.METHODS, "combination"}
    assert h["effect_rel_lo"] <= h["effect_rel"] <= h["effect_rel_hi"]
    assert h["effect_abs_lo"] <= h["effect_abs"] <= h["effect_abs_hi"]
    assert doc["verdict"] == synthetic_run.verdict() and isinstance(doc["warnings"], list)
    # the seeded -50% drop is recovered inside the headline interval
    assert h["effect_rel_lo"] <= -0.5 <= h["effect_rel_hi"] and h["effect_rel"] < 0


def test_the_headline_does_not_depend_on_each_methods_own_inference(synthetic_run: an.EvaluationSet) -> None:
    light = an.run(synthetic_run.design, inference=False)
    assert light.headline.to_dict() == synthetic_run.headline.to_dict()


@settings(max_examples=60, deadline=None)
@given(
    effect=st.floats(-0.97, 3.0),
    width=st.floats(0.01, 1.5),
    skew=st.floats(-0.5, 0.5),
)
def test_the_verdict_says_the_headline_numbers(effect: float, width: float, skew: float) -> None:
    log = math.log1p(effect)
    lo, hi = math.expm1(log - width + skew * width), math.expm1(log + width + skew * width)
    lo, hi = min(lo, effect), max(hi, effect)
    h = Headline(
        status="effect" if lo > 0 or hi < 0 else "no_clear_effect",
        method="synthetic_control",
        why="",
        agreement={"methods": 4, "same_sign": 3},
        level=0.95,
        effect_rel=effect,
        effect_rel_lo=lo,
        effect_rel_hi=hi,
    )
    design = an.synthetic_design(seed=0)
    text = verdict(h, design)
    word = "lower" if effect < 0 else "higher"
    assert f"about {abs(100 * effect):.0f}% {word}" in text
    numbers = [int(n) for n in re.findall(r"(\d+)% (?:to|lower|higher)", text.split("interval: ")[1])]
    assert sorted(numbers[:2]) == sorted([round(abs(100 * lo)), round(abs(100 * hi))])
    assert ("no clear change" in text) == (h.status == "no_clear_effect")
    assert "3 of 4 methods agree" in text


def test_evaluate_cli_shows_the_verdict_first_and_whole_at_80_columns(warehouse: Path, obs) -> None:
    res = runner.invoke(
        app,
        ["evaluate", "--policy", "chnv_parole", "--post", "3", "--db", str(warehouse)],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    expected = obs.evaluate(policy="chnv_parole", post=3).verdict()
    lines = res.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    table_starts = next(i for i, line in enumerate(lines) if "Every method" in line)
    assert " ".join(line.strip() for line in lines[:table_starts]) == expected

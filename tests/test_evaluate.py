"""Causal evaluation: each method recovers a known effect from seeded synthetic panels, a null
effect is not called significant more often than nominal, bad designs fail clearly, and the
worked example on a real policy passes the checks a careful analyst would make."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import vl_convert as vlc
from scipy import stats
from typer.testing import CliRunner

from corridor.analysis import evaluate as an
from corridor.analysis.evaluate import synth
from corridor.cli import app
from corridor.errors import UsageError

runner = CliRunner()

# Synthetic designs each method is checked on (in-time placebo methods need a long pre period
# for p-values below 0.05 to be attainable; in-space ones need 19 donors).
CONFIGS: dict[str, dict[str, Any]] = {
    "its": {"months": 72, "start_index": 60},
    "structural": {"months": 48, "start_index": 36, "post_months": 6},
    "synthetic_control": {"n_units": 20, "months": 48, "start_index": 36},
    "did": {"n_units": 20, "months": 48, "start_index": 36},
}
JSON_FIELDS = [
    "method",
    "treated",
    "start",
    "post_months",
    "effect_abs",
    "effect_abs_lo",
    "effect_abs_hi",
    "effect_rel",
    "effect_rel_lo",
    "effect_rel_hi",
    "p_value",
    "pre_rmspe",
]


def _estimate(
    method: str, seed: int, effect: float, *, interval: bool = True, **kwargs: Any
) -> an.EvaluationResult:
    spec = an.registry()[method]
    design = (
        an.synthetic_design(seed=seed, effect=effect, **{**CONFIGS[method], **kwargs}).validated().window()
    )
    if method == "synthetic_control" and not interval:
        est = synth.estimate(design, interval=False)
    else:
        est = spec.estimate(design)
    return an.summarise(design, spec, est)


def _draw(args: tuple[str, int, float, bool, dict[str, Any]]) -> tuple[float, bool, float]:
    method, seed, effect, interval, kwargs = args
    r = _estimate(method, seed, effect, interval=interval, **kwargs)
    covered = (r.effect_rel_lo is None or r.effect_rel_lo <= effect) and (
        r.effect_rel_hi is None or effect <= r.effect_rel_hi
    )
    return r.p_value, covered, r.effect_rel


def _simulate(method: str, n: int, effect: float, *, interval: bool, **kwargs: Any) -> np.ndarray:
    jobs = [(method, 10_000 + seed, effect, interval, kwargs) for seed in range(n)]
    # Spawn, not fork: by now this process runs native threads (DuckDB, BLAS), and a forked child
    # can deadlock on a lock one of them held.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), mp_context=ctx) as pool:
        return np.array(list(pool.map(_draw, jobs, chunksize=4)), dtype=float)


# --- recovery of a known effect (one seeded panel each) -----------------------------------------


@pytest.mark.parametrize("method", list(CONFIGS))
def test_each_method_recovers_a_50_percent_drop(method: str) -> None:
    r = _estimate(method, seed=1, effect=-0.5)
    assert r.effect_rel_lo is not None and r.effect_rel_hi is not None
    assert r.effect_rel_lo <= -0.5 <= r.effect_rel_hi, (r.effect_rel_lo, r.effect_rel_hi)
    assert abs(r.effect_rel + 0.5) < 0.12
    assert r.effect_abs < 0 and r.effect_abs_lo <= r.effect_abs <= r.effect_abs_hi
    assert r.p_value <= 0.05, f"{method}: a -50% drop should be the most extreme of its placebos"
    assert r.pre_mape < 0.15


@pytest.mark.parametrize("method", list(CONFIGS))
def test_a_null_effect_gives_an_interval_around_zero(method: str) -> None:
    r = _estimate(method, seed=2, effect=0.0)
    assert r.effect_rel_lo <= 0 <= r.effect_rel_hi
    assert abs(r.effect_rel) < 0.2


def test_staggered_adoption_uses_the_two_stage_estimator_and_recovers_the_effect() -> None:
    design = an.synthetic_design(seed=4, effect=-0.5, n_treated=4, stagger=3, post_months=9)
    result = an.run(design, method="all")
    assert [r.method for r in result.results] == ["did"]
    assert set(result.skipped) == {"its", "synthetic_control", "structural"}
    did = result["did"]
    assert "two-stage" in did.details["estimator"]
    assert did.effect_rel_lo <= -0.5 <= did.effect_rel_hi
    assert did.p_value <= 0.05


def test_all_runs_every_applicable_method_side_by_side() -> None:
    result = an.run(an.synthetic_design(seed=3, effect=-0.5, post_months=6), method="all")
    frame = result.tidy()
    assert list(frame["method"]) == ["its", "synthetic_control", "did", "structural"]
    assert all(c in frame.columns for c in JSON_FIELDS)
    assert (frame["effect_rel"] < 0).all()
    assert len(result.table()) == 4 + result.headline.conclusive  # a headline row leads when there is one
    for r in result.results:
        assert r.assumptions and r.p_kind and r.n_placebos > 0
        assert set(r.series.columns) >= {"month", "actual", "counterfactual", "lo", "hi"}
    spec = result.chart()
    assert "seeded synthetic panel" in " ".join(spec["title"]["subtitle"])
    assert "<svg" in vlc.vegalite_to_svg(spec)
    assert "<svg" in vlc.vegalite_to_svg(result["synthetic_control"].chart())


# --- bad designs fail with a clear message ------------------------------------------------------


def _design(**kwargs: Any) -> an.Design:
    base = an.synthetic_design(seed=0, effect=-0.5)
    fields = {"panel": base.panel, "cohorts": base.cohorts, "donors": base.donors, "post_months": 12}
    fields.update(kwargs)
    return an.Design(**fields)


def test_bad_designs_are_usage_errors() -> None:
    months = list(_design().panel.index)
    with pytest.raises(UsageError, match="both treated and a donor"):
        an.run(_design(donors=("T00", "D00")))
    with pytest.raises(UsageError, match=r"only 11 pre-period months"):
        an.run(_design(cohorts={"T00": months[11]}))
    with pytest.raises(UsageError, match="outside the data"):
        an.run(_design(cohorts={"T00": months[0]}))
    with pytest.raises(UsageError, match="runs past the data"):
        an.run(_design(post_months=13))
    with pytest.raises(UsageError, match="no outcome data for unit"):
        an.run(_design(cohorts={"XXX": months[36]}))
    with pytest.raises(UsageError, match="does not apply here: it needs at least 2 donor"):
        an.run(_design(donors=("D00",)), method="synthetic_control")
    with pytest.raises(UsageError, match="method 'magic'"):
        an.run(_design(), method="magic")  # type: ignore[arg-type]


# --- calibration over many seeded draws (slow) --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", list(CONFIGS))
def test_null_effect_is_not_called_significant_more_often_than_nominal(method: str) -> None:
    n = 200
    draws = _simulate(method, n, 0.0, interval=False)
    rejections = int((draws[:, 0] <= 0.05).sum())
    # one-sided binomial test against the nominal 5%: fail only if clearly above it
    assert stats.binomtest(rejections, n, 0.05, alternative="greater").pvalue > 0.01, f"{rejections}/{n}"
    assert abs(np.median(draws[:, 2])) < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("method", list(CONFIGS))
def test_interval_covers_a_50_percent_drop_in_most_draws(method: str) -> None:
    n = 60
    extra = {"n_units": 12, "n_treated": 2} if method == "did" else {}  # 45 permutations: a 95% interval
    draws = _simulate(method, n, -0.5, interval=True, **extra)
    coverage = draws[:, 1].mean()
    assert coverage >= 0.85, coverage
    assert abs(np.median(draws[:, 2]) + 0.5) < 0.05


# --- real data: the worked example --------------------------------------------------------------


@pytest.fixture(scope="module")
def chnv(obs) -> an.EvaluationSet:
    return obs.evaluate(policy="chnv_parole", method="all", region="southwest", post=6)


def test_chnv_parole_every_method_finds_a_drop(chnv: an.EvaluationSet) -> None:
    assert [r.method for r in chnv.results] == ["its", "synthetic_control", "did", "structural"]
    d = chnv.design
    assert d.treated == ("CUB", "HTI", "NIC") and f"{d.start:%Y-%m}" == "2023-01"
    assert "VEN" not in d.donors and "UKR" not in d.donors  # named by other policies in the window
    for r in chnv.results:
        assert r.effect_rel < 0 and r.effect_abs < 0, r.method
        assert r.effect_rel_lo is not None and r.effect_rel_lo < r.effect_rel


def test_chnv_parole_placebos_rank_the_real_drop_as_extreme(chnv: an.EvaluationSet) -> None:
    for r in chnv.results:
        smallest = 1 / (1 + r.n_placebos)
        # significant at 5%, or (with few placebos) the most extreme change there is
        assert r.p_value <= max(0.05, smallest + 1e-9), (r.method, r.p_value, r.n_placebos)
        assert r.n_placebos >= 10


def test_chnv_parole_pre_period_fit_is_reported_and_checked(chnv: an.EvaluationSet) -> None:
    fits = {r.method: r.pre_mape for r in chnv.results}
    assert all(math.isfinite(v) for v in fits.values())
    # synthetic control is built to track the pre period; two-way fixed effects are not
    assert fits["synthetic_control"] < fits["did"]
    did = chnv["did"]
    assert did.details["n_leads"] == 11
    # CHNV encounters grew far faster than the donors' before 2023: the event-study leads reject
    # parallel pre-trends, and the result says so
    assert did.details["pretrend_p_crv1"] < 0.05
    assert any("parallel" in n for n in did.notes)
    weights = chnv["synthetic_control"].details["weights"]
    assert abs(sum(weights.values()) - 1) < 0.01


def test_evaluate_cli_json_has_the_contract_fields(warehouse: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.json"
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--policy",
            "venezuela_parole",
            "--method",
            "its",
            "--post",
            "3",
            "--format",
            "json",
            "--chart",
            str(chart),
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    row = doc["data"][0]
    assert all(k in row for k in JSON_FIELDS)
    assert row["treated"] == "VEN" and row["start"] == "2022-10" and row["post_months"] == 3
    assert doc["metadata"]["methods"]["its"]["assumptions"]
    assert doc["metadata"]["outcome"]["sources"][0]["cube"] == "cbp_state"
    assert "venezuela_parole" in json.dumps(json.loads(chart.read_text()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "no_such_policy"], "unknown policy id"),
        (["--start", "2031-01", "--treated", "VEN"], "outside the data"),
        (["--start", "2023-01", "--treated", "VEN", "--donors", "MEX,VEN"], "both treated and a comparison"),
        (["--start", "2020-06", "--treated", "VEN"], "at least 12 are needed"),
        (["--start", "2023-01", "--treated", "VEN", "--method", "psychic"], "method 'psychic'"),
        (["--start", "2023-13", "--treated", "VEN"], "start"),
        (["--policy", "venezuela_parole", "--start", "2022-10"], "not both"),
    ],
)
def test_evaluate_cli_bad_input_exits_2(warehouse: Path, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["evaluate", *args, "--db", str(warehouse)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def test_a_policy_right_after_a_rule_change_for_everyone_is_inconclusive_and_says_why(obs) -> None:
    # Family reunification parole (July 2023) began two months after Title 42 ended: the treated
    # nationalities were expelled under Title 42 and most donors were not, so no comparison built on
    # the months before can separate the two (its raw before/after is up, the methods disagree)
    res = obs.evaluate(policy="family_reunification_parole", component="usbp")
    assert res.headline.status == "inconclusive" and res.headline.effect_rel is None
    verdict = res.verdict()
    assert verdict.startswith("Inconclusive") and "Title 42 order ends" in verdict
    assert "May 2023" in verdict and "family_reunification_parole" not in verdict

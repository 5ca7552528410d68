"""Pathways and backlog simulations: accounting, determinism, scenarios, bad input, surfaces."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import corridor
from corridor.cli import app
from corridor.errors import UsageError
from corridor.simulate import backlog as backlog_model
from corridor.simulate import calibrate as calibration
from corridor.simulate import pathways as pathways_model
from corridor.simulate import scenario as scenarios
from corridor.simulate.pathways import SERIES, STATES

runner = CliRunner()


@pytest.fixture(scope="module")
def history(obs: corridor.Observatory):
    return obs.simulation_history()


@pytest.fixture(scope="module")
def cal(history):
    return calibration.calibrate(history)


@pytest.fixture(scope="module")
def future(history):
    return pathways_model.drivers(history, since=dt.date(2024, 9, 1), until=dt.date(2026, 8, 1))


@pytest.fixture(scope="module")
def baseline(cal, future):
    return pathways_model.simulate(cal, future, runs=300, seed=11)


# ---- accounting ------------------------------------------------------------------------------


def test_every_person_is_in_exactly_one_state(baseline) -> None:
    """Sum of the states = people in detention at the start + everyone who entered so far."""
    expected = baseline.initial[:, None] + np.cumsum(baseline.entered, axis=1)
    assert np.array_equal(baseline.states.sum(axis=2), expected)


def test_accounting_holds_across_regimes_and_scenarios(cal, history) -> None:
    """Through the Title 42 -> Title 8 switch (May 2023) and under a scenario that moves people."""
    drv = pathways_model.drivers(
        history, since=dt.date(2022, 10, 1), until=dt.date(2023, 12, 1), encounters="history"
    )
    for name in scenarios.builtin_names():
        sc = scenarios.load(name)
        sc = scenarios.Scenario(sc.name, sc.title, start=dt.date(2023, 1, 1), overrides=sc.overrides)
        res = pathways_model.simulate(cal, drv, scenario=sc, runs=50, seed=3)
        expected = res.initial[:, None] + np.cumsum(res.entered, axis=1)
        assert np.array_equal(res.states.sum(axis=2), expected), name


def test_stocks_and_flows_never_negative(baseline) -> None:
    assert (baseline.samples >= 0).all()
    assert (baseline.states >= 0).all()
    absorbing = baseline.states[:, :, : STATES.index("in_hhs_care")]
    assert (np.diff(absorbing, axis=1) >= 0).all(), "absorbing states only grow"


def test_border_outcomes_add_up_to_encounters(baseline) -> None:
    flows = baseline.samples[:, :, :8].sum(axis=2)
    encounters = baseline.drivers.encounters.round().sum(axis=1)
    assert np.array_equal(flows, np.broadcast_to(encounters, flows.shape))


def test_detention_respects_capacity(baseline, cal) -> None:
    assert baseline.series("detained").max() <= cal.detention_capacity + 1


# ---- determinism -----------------------------------------------------------------------------


def test_same_seed_same_results(cal, future) -> None:
    a = pathways_model.simulate(cal, future, runs=200, seed=5)
    b = pathways_model.simulate(cal, future, runs=200, seed=5)
    c = pathways_model.simulate(cal, future, runs=200, seed=6)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.states, b.states)
    assert not np.array_equal(a.samples, c.samples)


def test_same_seed_same_backlog(obs) -> None:
    a = obs.simulate_backlog(runs=300, seed=2, until=2030, clear_by=2029)
    b = obs.simulate_backlog(runs=300, seed=2, until=2030, clear_by=2029)
    assert np.array_equal(a.pending, b.pending) and a.goal == b.goal


# ---- the SimPy reference implementation agrees -------------------------------------------------


def test_vectorised_model_matches_simpy_reference(cal, history) -> None:
    import simpy  # noqa: F401  (a dev dependency: the benchmark baseline)

    from corridor.simulate.des import simulate_des

    drv = pathways_model.drivers(history, since=dt.date(2024, 9, 1), until=dt.date(2025, 8, 1))
    des = simulate_des(cal, drv, runs=60, seed=1)
    vec = pathways_model.simulate(cal, drv, runs=600, seed=1).samples
    for name in ("t8_repatriation", "transfer_ice", "usbp_release", "ofo_parole", "detained", "releases"):
        k = SERIES.index(name)
        a, b = des[:, :, k].sum(axis=1), vec[:, :, k].sum(axis=1)
        se = np.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-6 * b.mean(), (name, a.mean(), b.mean())


# ---- scenarios -------------------------------------------------------------------------------


def test_builtin_scenarios_load() -> None:
    names = scenarios.builtin_names()
    assert {"family_expedited_removal", "double_screening_capacity", "family_surge"} <= set(names)
    for name in names:
        sc = scenarios.load(name)
        assert sc.overrides and sc.start is not None and sc.title


def test_scenarios_move_the_right_flows(cal, future, baseline) -> None:
    run = {
        n: pathways_model.simulate(cal, future, scenario=scenarios.load(n), runs=300, seed=11)
        for n in scenarios.builtin_names()
    }
    surge = run["family_surge"]
    # 30% more family units than the baseline from October 2024 on.
    months = [i for i, m in enumerate(future.months) if m >= dt.date(2024, 10, 1)]
    base_fam = future.encounters[months, 1].sum()
    added = surge.samples[0, months, :8].sum() - baseline.samples[0, months, :8].sum()
    assert added == pytest.approx(0.3 * base_fam, rel=0.01)
    assert surge.series("usbp_release").sum() > baseline.series("usbp_release").sum()
    er = run["family_expedited_removal"]
    assert er.series("t8_repatriation").mean() > baseline.series("t8_repatriation").mean()
    assert er.series("usbp_release").mean() < baseline.series("usbp_release").mean()
    screening = run["double_screening_capacity"]
    assert screening.series("awaiting_screening").mean() <= baseline.series("awaiting_screening").mean()
    assert screening.series("screenings").sum() >= baseline.series("screenings").sum()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("overrides:\n  detention_beds: 5\n", "unknown parameter 'detention_beds'"),
        (
            "overrides:\n  shares.family_units:\n    t8_repatriation: 0.5\n    transfer_ice: 0.4\n",
            "sum to 0.9",
        ),
        ("overrides:\n  capacity.detention: -10\n", "negative capacity"),
        ("overrides:\n  capacity_multiplier.cf_screening: -2\n", "negative"),
        ("overrides:\n  fear_referral_rate.family_units: 1.5\n", "between 0 and 1"),
        ("from: 2024-13\noverrides:\n  title42: true\n", "from"),
    ],
)
def test_bad_scenario_exits_2(warehouse: Path, tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ntitle: bad\n" + body)
    result = runner.invoke(
        app, ["simulate", "pathways", "--db", str(warehouse), "--scenario", str(path), "--runs", "10"]
    )
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith("error:") and message in result.output, result.output
    assert "bad.yaml" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "pathways", "--since", "2025-06", "--until", "2025-01"],
        ["simulate", "backlog", "--from", "2030", "--until", "2027"],
        ["simulate", "backlog", "--judges-added", "-5"],
        ["simulate", "pathways", "--scenario", "no_such_scenario"],
        ["simulate", "backlog", "--goal", "soon"],
        ["simulate", "backlog", "--receipts", "lots"],
        ["simulate", "pathways", "--runs", "0"],
    ],
)
def test_bad_options_exit_2(warehouse: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--db", str(warehouse)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith("error:"), result.output


def test_scenario_parse_rejects_unknown_outcome() -> None:
    with pytest.raises(UsageError, match="unknown outcome"):
        scenarios.parse({"overrides": {"shares.uac": {"usbp_release": 1.0}}})


# ---- backlog ---------------------------------------------------------------------------------


def test_judge_path_hits_published_anchors(obs) -> None:
    cal = backlog_model.calibrate(obs.simulation_history().caseload, until=2020)
    assert cal.judges[2023] == pytest.approx(649.0)  # CRS R47637
    fy2015 = obs.simulation_history().caseload.query("definition == 'eoir_2021' and fiscal_year == 2015")
    assert float(fy2015["completions"].iloc[0]) / cal.judges[2015] == pytest.approx(807.0)  # GAO-17-438
    assert 0 < cal.attrition < 0.2


def test_more_judges_fewer_pending_and_goal_is_consistent(obs) -> None:
    base = obs.simulate_backlog(runs=400, seed=1, until=2032)
    more = obs.simulate_backlog(runs=400, seed=1, until=2032, judges_added=300)
    assert (more.pending <= base.pending + 1e-6).all()
    goal = obs.simulate_backlog(runs=400, seed=1, until=2032, clear_by=2030).goal
    assert goal is not None and goal["lower"] <= goal["median"] <= goal["upper"]
    cleared = obs.simulate_backlog(runs=400, seed=1, until=2030, judges_added=int(goal["upper"]))
    share_cleared = (cleared.pending[:, -1] <= 1).mean()
    assert share_cleared >= 0.85  # the upper bound clears the backlog in at least ~90% of runs


def test_backlog_receipts_from_pathways(obs) -> None:
    res = obs.simulate_backlog(
        runs=100, seed=4, start=2025, until=2027, receipts="from-pathways", calibrate_until=2024
    )
    assert res.receipts.shape == (100, 3) and (res.receipts > 0).all()
    assert "pathways" in res.receipts_source


# ---- surfaces --------------------------------------------------------------------------------


def test_cli_pathways_json_carries_method_and_sources(warehouse: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.json"
    result = runner.invoke(
        app,
        [
            "simulate",
            "pathways",
            "--db",
            str(warehouse),
            "--runs",
            "50",
            "--scenario",
            "family_surge",
            "--format",
            "json",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    meta = payload["metadata"]
    assert meta["scenario"]["name"] == "family_surge" and meta["runs"] == 50
    assert any("Title 42" in a for a in meta["assumptions"]) and meta["sources"]
    assert {"month", "series", "median", "lower", "upper"} <= set(payload["data"][0])
    spec = json.loads(chart.read_text())
    assert "vega-lite" in spec["$schema"] and "Source:" in " ".join(spec["title"]["subtitle"])


def test_cli_backlog_goal(warehouse: Path) -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "backlog",
            "--db",
            str(warehouse),
            "--runs",
            "100",
            "--goal",
            "clear-by 2031",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["metadata"]
    assert meta["goal"]["clear_by"] == 2031 and any("CRS R47637" in s for s in meta["sources"])
    assert any("GAO-17-438" in a for a in meta["assumptions"])


def test_results_are_tidy(baseline) -> None:
    frame = baseline.tidy()
    assert len(frame) == len(baseline.months) * len(SERIES)
    assert (frame["lower"] <= frame["median"]).all() and (frame["median"] <= frame["upper"]).all()
    assert "Pathways simulation" in baseline.summary()

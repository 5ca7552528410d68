"""The drivers model: PPML matches an independent Poisson GLM with dummy fixed effects, recovers
known elasticities, checks out of sample against fixed effects alone, and runs on the real panel."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from corridor.analysis import drivers as dr
from corridor.cli import app
from corridor.errors import UsageError

runner = CliRunner()
SYNTH_DRIVERS = ["wdi.gdp_pc_ppp", "wdi.homicide_rate", "wgi.control_of_corruption"]


def _glm_oracle(frame: pd.DataFrame, prepared: dr.Prepared, outcome: str, fe: list[str]) -> pd.Series:
    """statsmodels GLM Poisson with one dummy per fixed-effect level (an independent implementation)."""
    data = prepared.data
    dummies = pd.get_dummies(data[fe].astype(str), drop_first=True).astype(float)
    x = pd.concat([data[list(prepared.columns.values())], dummies], axis=1)
    x = sm.add_constant(x)
    fit = sm.GLM(data[outcome].astype(float), x, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=500)
    return fit.params[list(prepared.columns.values())]


def test_ppml_matches_statsmodels_glm_with_dummy_fixed_effects() -> None:
    frame = dr.synthetic_panel(seed=11)
    fe = ["citizenship", "fiscal_year"]
    result = dr.fit_drivers(frame, drivers=SYNTH_DRIVERS, fe=fe)
    prepared = dr.prepare(frame, outcome="encounters", drivers=SYNTH_DRIVERS, fe=fe, cluster="citizenship")
    oracle = _glm_oracle(frame, prepared, "encounters", fe)
    ours = result.tidy().set_index("driver")["estimate"]
    for d in SYNTH_DRIVERS:
        assert ours[d] == pytest.approx(oracle[prepared.columns[d]], abs=1e-6), d
    assert result.n_obs == len(prepared.data)


@pytest.mark.parametrize("fe", [["citizenship"], ["fiscal_year"]])
def test_ppml_oracle_holds_for_one_way_fixed_effects(fe: list[str]) -> None:
    frame = dr.synthetic_panel(seed=12, n_origins=25)
    result = dr.fit_drivers(frame, drivers=SYNTH_DRIVERS[:2], fe=fe)
    prepared = dr.prepare(
        frame, outcome="encounters", drivers=SYNTH_DRIVERS[:2], fe=fe, cluster="citizenship"
    )
    oracle = _glm_oracle(frame, prepared, "encounters", fe)
    ours = result.tidy().set_index("driver")["estimate"]
    for d in SYNTH_DRIVERS[:2]:
        assert ours[d] == pytest.approx(oracle[prepared.columns[d]], abs=1e-6)


def test_recovers_known_elasticity_and_semi_elasticity() -> None:
    result = dr.fit_drivers(dr.synthetic_panel(seed=3), drivers=SYNTH_DRIVERS)
    coef = result.tidy().set_index("driver")
    gdp, hom, noise = (
        coef.loc["wdi.gdp_pc_ppp"],
        coef.loc["wdi.homicide_rate"],
        coef.loc["wgi.control_of_corruption"],
    )
    assert gdp["transform"] == "log" and "elasticity" in gdp["interpretation"]
    assert gdp["ci_lo"] <= -0.8 <= gdp["ci_hi"]
    assert hom["transform"] == "level" and "semi-elasticity" in hom["interpretation"]
    assert hom["ci_lo"] <= 0.03 <= hom["ci_hi"]
    assert abs(noise["estimate"]) < 0.2  # a driver with no true effect stays near zero
    assert gdp["effect_pct"] == pytest.approx(100 * (1.1 ** gdp["estimate"] - 1))
    # A level driver reads per one within-country standard deviation, computed here independently
    panel = dr.synthetic_panel(seed=3).dropna(subset=["wdi.homicide_rate", "encounters"])
    within = panel["wdi.homicide_rate"] - panel.groupby("citizenship")["wdi.homicide_rate"].transform("mean")
    assert hom["per"].startswith("+1 s.d.")
    assert hom["within_sd"] == pytest.approx(within.std(), rel=0.15)
    assert hom["effect_pct"] == pytest.approx(100 * math.expm1(hom["estimate"] * hom["within_sd"]))
    assert hom["effect_pct_per_unit"] == pytest.approx(100 * math.expm1(hom["estimate"]))
    assert 0 < result.pseudo_r2 < 1 and result.n_origins == 40
    assert result.dropped["missing_driver_or_outcome"] > 0  # the panel has holes, counted not filled


def test_out_of_sample_drivers_beat_fixed_effects_alone_when_drivers_matter() -> None:
    frame = dr.synthetic_panel(seed=5, n_years=14)
    oos = dr.out_of_sample(frame, drivers=SYNTH_DRIVERS[:2], years=3)
    assert sorted(oos["test_year"].unique()) == [2016, 2017, 2018]
    assert set(oos["model"]) == {"drivers", "fixed_effects_only"}
    piv = oos.pivot(index="test_year", columns="model", values="deviance")
    assert (piv["drivers"] < piv["fixed_effects_only"]).all()
    assert (oos["trained_through"] == oos["test_year"] - 1).all()


@pytest.mark.parametrize("fe", sorted(dr.FIXED_EFFECTS))
def test_out_of_sample_runs_for_every_fixed_effects_option(fe: str) -> None:
    # the split needs origin and year even when the fixed effects leave them out (was a KeyError,
    # a 500 on /api/v1/drivers?fe=origin)
    frame = dr.synthetic_panel(seed=5, n_years=10)
    oos = dr.out_of_sample(frame, drivers=SYNTH_DRIVERS[:2], fe=dr.fe_columns(fe), years=2)
    assert sorted(oos["test_year"].unique()) == [2013, 2014]
    assert "error" not in oos or oos["error"].isna().all()
    assert (oos["n"] >= 3).all() and np.isfinite(oos["deviance"]).all()


def test_bad_inputs_are_usage_errors() -> None:
    frame = dr.synthetic_panel(seed=1, n_origins=10)
    with pytest.raises(UsageError, match="no column"):
        dr.fit_drivers(frame, drivers=["wdi.not_there"])
    with pytest.raises(UsageError, match="transform 'sqrt'"):
        dr.fit_drivers(frame, drivers=["wdi.gdp_pc_ppp"], transforms={"wdi.gdp_pc_ppp": "sqrt"})
    with pytest.raises(UsageError, match="--fe 'both'"):
        dr.fe_columns("both")
    with pytest.raises(UsageError, match="at least one driver"):
        dr.fit_drivers(frame, drivers=[])


def test_log_transform_drops_values_outside_its_domain() -> None:
    frame = dr.synthetic_panel(seed=2, n_origins=15)
    frame.loc[:4, "wdi.gdp_pc_ppp"] = 0.0
    result = dr.fit_drivers(frame, drivers=["wdi.gdp_pc_ppp"])
    assert result.dropped["outside_log_domain"] == 5


# --- real data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_model(obs):
    has = obs.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'indicators'"
    ).fetchone()[0]
    assert has, "the synced warehouse has no indicators view"
    return obs.drivers()


def test_default_drivers_model_on_the_real_panel(default_model) -> None:
    r = default_model
    coef = r.tidy()
    assert list(coef["driver"]) == list(dr.DEFAULT_DRIVERS)
    assert (coef["lag"] == 1).all()
    assert ((coef["ci_lo"] <= coef["estimate"]) & (coef["estimate"] <= coef["ci_hi"])).all()
    assert coef["se"].gt(0).all() and coef["p_value"].between(0, 1).all()
    assert r.n_origins >= 50 and r.n_years >= 15 and r.n_obs >= 500
    assert 0 < r.pseudo_r2 < 1
    assert r.fe == ("citizenship", "fiscal_year") and r.cluster == "citizenship"
    assert any("FY2025" in n for n in r.notes)  # the partial fiscal year is left out, and said so
    assert any(n.startswith("emdat.affected") for n in r.notes)  # no recorded disaster -> 0, said so
    oos = r.oos_summary()
    assert len(oos["test_years"]) == 3
    assert "rounded" in " ".join(r.notes)  # OHSS counts are rounded to 10


def test_default_drivers_model_matches_the_glm_oracle_on_real_data(obs, default_model) -> None:
    panel = obs.panel(component="usbp", with_=list(dr.DEFAULT_DRIVERS), lag=1).frame
    panel = panel[panel["fiscal_year"] <= int(default_model.period.split("..")[1])]
    cov = obs.indicator_catalog().set_index("indicator").loc["emdat.affected"]
    filled = panel.copy()
    inside = filled["fiscal_year"].sub(1).between(int(cov["first_year"]), int(cov["last_year"]))
    filled["emdat.affected"] = filled["emdat.affected"].where(filled["emdat.affected"].notna() | ~inside, 0.0)
    fe = ["citizenship", "fiscal_year"]
    ours = (
        dr.fit_drivers(filled, drivers=list(dr.DEFAULT_DRIVERS), fe=fe).tidy().set_index("driver")["estimate"]
    )
    prepared = dr.prepare(
        filled, outcome="encounters", drivers=list(dr.DEFAULT_DRIVERS), fe=fe, cluster="citizenship"
    )
    oracle = _glm_oracle(filled, prepared, "encounters", fe)
    for d in dr.DEFAULT_DRIVERS:
        assert ours[d] == pytest.approx(oracle[prepared.columns[d]], abs=1e-6), d
    assert np.allclose(
        ours.to_numpy(), default_model.tidy().set_index("driver")["estimate"].to_numpy(), atol=1e-6
    )


def test_drivers_cli_json_and_bad_driver_id(warehouse: Path, tmp_path: Path) -> None:
    chart = tmp_path / "drivers.json"
    res = runner.invoke(
        app,
        [
            "drivers",
            "--drivers",
            "wdi.gdp_pc_ppp,wgi.control_of_corruption:2",
            "--oos-years",
            "1",
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
    rows = {r["driver"]: r for r in doc["data"]}
    assert rows["wgi.control_of_corruption"]["lag"] == 2 and rows["wdi.gdp_pc_ppp"]["lag"] == 1
    assert all(math.isfinite(r["estimate"]) for r in rows.values())
    assert doc["metadata"]["method"].startswith("PPML") and doc["metadata"]["n_obs"] > 0
    assert json.loads(chart.read_text())["layer"]
    bad = runner.invoke(app, ["drivers", "--drivers", "wdi.no_such_indicator", "--db", str(warehouse)])
    assert bad.exit_code == 2 and "unknown indicator id" in bad.stderr
    bad = runner.invoke(app, ["drivers", "--fe", "both", "--db", str(warehouse)])
    assert bad.exit_code == 2 and "--fe" in bad.stderr


def test_the_cli_and_the_page_give_one_verdict_with_drivers_by_name(default_model, warehouse: Path) -> None:
    """`corridor drivers` leads with the same sentence as the dashboard's card, names each driver in
    words, and its table's intervals are the coefficients' (no log-scale ids left for a reader)."""
    from corridor.web.results import show
    from corridor.web.views import verdicts

    card = verdicts.card("drivers", show(default_model))
    assert card is not None
    verdict = default_model.verdict()
    assert verdict.startswith(card["headline"])
    res = CliRunner().invoke(app, ["drivers", "--db", str(warehouse)], env={"COLUMNS": "80"})
    assert res.exit_code == 0
    assert " ".join(res.stdout.split()).startswith(" ".join(card["headline"].split()))
    table = default_model.table()
    coef = default_model.tidy()
    for name, row in zip(table["driver"], coef.itertuples(), strict=True):
        assert name != row.driver and "." not in name  # a name, not the indicator id
        assert name in res.stdout
    clear = coef[(coef["effect_pct_lo"] > 0) | (coef["effect_pct_hi"] < 0)]
    assert verdict.startswith(f"{len(clear)} of {len(coef)} drivers") or (
        clear.empty and "None of the" in verdict
    )
    for interval, lo, hi in zip(
        table["95% interval"], coef["effect_pct_lo"], coef["effect_pct_hi"], strict=True
    ):
        a, b = interval.split("..")
        assert float(a.rstrip("%").replace(",", "")) == pytest.approx(lo, abs=0.06 * max(1, abs(lo)))
        assert float(b.rstrip("%").replace(",", "")) == pytest.approx(hi, abs=0.06 * max(1, abs(hi)))

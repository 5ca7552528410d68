"""Forecast: the model recovers known structure from seeded synthetic data, intervals cover,
grouped forecasts are coherent, and the verb validates its input (exit code 2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from corridor.analysis import forecast as fc
from corridor.analysis import forecast_suites as fs
from corridor.cli import app
from corridor.errors import UsageError

runner = CliRunner()
TRUE_SEASON = 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)


def months(n: int, start: dt.date = dt.date(2005, 1, 1)) -> list[dt.date]:
    return [fc.add_months(start, k) for k in range(n)]


def synthetic(seed: int, n: int = 120, shift_at: int | None = None, shift: float = 0.0) -> np.ndarray:
    """Log-normal counts: level 8 (about 3,000 a month), a known seasonal index and noise."""
    rng = np.random.default_rng(seed)
    level = np.full(n, 8.0)
    if shift_at is not None:
        level[shift_at:] += shift
    z = level + TRUE_SEASON[np.arange(n) % 12] + rng.normal(0, 0.05, n)
    return np.round(np.expm1(z))


def test_seasonal_profile_recovers_known_season() -> None:
    y = synthetic(1)
    prof = fc.seasonal_profile(np.log1p(y), np.arange(len(y)) % 12)
    assert np.max(np.abs(prof - TRUE_SEASON)) < 0.08  # amplitude 0.3: a flat index is 0.3 off
    assert abs(prof.mean()) < 1e-9


def test_forecast_recovers_level_shift_and_season() -> None:
    # A drop of 60% (log -0.9) ten months before the end: the forecast sits at the new level.
    y = synthetic(2, n=120, shift_at=110, shift=-0.9)
    path = fc.point_path(y, np.arange(len(y)) % 12, 12)
    future = np.arange(120, 132) % 12
    # Half weight: z_T + (s_f - s_T) / 2 = new level + (s_f + s_T) / 2 when s is recovered.
    expected = 8.0 - 0.9 + 0.5 * (TRUE_SEASON[future] + TRUE_SEASON[119 % 12])
    assert np.corrcoef(np.log(path), TRUE_SEASON[future])[0, 1] > 0.95
    assert np.all(np.abs(np.log(path) - expected) < 0.1)
    assert np.all(path < np.expm1(8.0 - 0.4))  # nowhere near the old level


def test_learned_weight_follows_each_series_own_season() -> None:
    """The default model learns its seasonal weight from the series' past errors: a stable season
    (changes explained by it) earns a weight near 1; a random walk with a spurious index near 0;
    with learning off the weight stays at the fixed 1/2 (the single-path forecast)."""
    moy = np.arange(120) % 12
    seasonal = synthetic(4, n=120)
    z = np.log1p(seasonal)
    prof = fc.seasonal_profile(z, moy)
    move = prof[(moy[-1] + np.arange(1, 7)) % 12] - prof[moy[-1]]
    path = fc.rolling_points(seasonal, moy, 6, first=120)[120]
    weight = np.polyfit(move, np.log1p(path) - z[-1], 1)[0]
    assert weight > 0.85, weight

    walk = np.round(np.expm1(8.0 + np.cumsum(np.random.default_rng(5).normal(0, 0.15, 120))))
    zw = np.log1p(walk)
    profw = fc.seasonal_profile(zw, moy)
    movew = profw[(moy[-1] + np.arange(1, 7)) % 12] - profw[moy[-1]]
    pathw = fc.rolling_points(walk, moy, 6, first=120)[120]
    assert np.abs(np.log1p(pathw) - zw[-1]).max() < 0.5 * np.abs(movew).max(), (pathw, movew)

    fixed = fc.ModelSpec(learn_weight=False)
    assert np.allclose(
        fc.rolling_points(seasonal, moy, 6, first=120, spec=fixed)[120], fc.point_path(seasonal, moy, 6)
    )


def test_shift_does_not_distort_the_season() -> None:
    # The running median absorbs a level shift: the index stays close to the true one.
    y = synthetic(3, n=144, shift_at=72, shift=1.2)
    prof = fc.seasonal_profile(np.log1p(y), np.arange(len(y)) % 12)
    assert np.max(np.abs(prof - TRUE_SEASON)) < 0.1


def test_interval_coverage_on_random_walks() -> None:
    rng = np.random.default_rng(4)
    n, k = 96, 12
    ys = [np.round(np.exp(9 + np.cumsum(rng.normal(0, 0.12, n)))) for _ in range(k)]
    ms = months(n)
    pts, ivs = fc.run_group(ys, ms, 6, (80, 95))
    cover: dict[int, list[bool]] = {80: [], 95: []}
    for y, p, iv in zip(ys, pts, ivs, strict=True):
        for t in range(48, n - 6 + 1):
            for lv in cover:
                lo, hi = iv[lv][0][t], iv[lv][1][t]
                cover[lv].extend((lo <= y[t : t + 6]) & (y[t : t + 6] <= hi))
            assert np.all(p[t] >= 0)
    assert 0.72 <= np.mean(cover[80]) <= 0.88
    assert 0.90 <= np.mean(cover[95]) <= 0.99


def test_aci_widens_after_misses() -> None:
    # Volatility quadruples halfway: adaptive intervals end wider than the static ones.
    rng = np.random.default_rng(5)
    steps = np.concatenate([rng.normal(0, 0.03, 60), rng.normal(0, 0.2, 60)])
    y = np.round(np.exp(9 + np.cumsum(steps)))
    p = fc.rolling_points(y, np.arange(120) % 12, 6, first=13)
    adaptive = fc.aci_intervals([y], [p], (80,))[0][80]
    static = fc.aci_intervals([y], [p], (80,), spec=fc.ModelSpec(aci_gamma=0.0))[0][80]
    t = 110
    assert (adaptive[1][t] - adaptive[0][t]).mean() > (static[1][t] - static[0][t]).mean()


def _past_errors(rng: np.random.Generator, sd: np.ndarray, k: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Past outcomes and one-step forecasts (k, m+1; total first) whose errors have the given sds."""
    fitted = rng.uniform(100, 200, (k, len(sd)))
    return fitted + rng.normal(0, 1, (k, len(sd))) * sd, fitted


def test_mint_is_coherent_and_non_negative() -> None:
    rng = np.random.default_rng(6)
    m, h = 5, 6
    parts = rng.uniform(0, 100, (h, m))
    parts[:, 0] = 0.5  # a tiny part that reconciliation may push below zero
    total = parts.sum(axis=1) * 0.8  # an incoherent base forecast of the total
    actual, fitted = _past_errors(rng, np.array([30, 1, 10, 10, 10, 10]))
    used: list[str] = []
    rec = fc.mint(total, parts, actual=actual, fitted=fitted, used=used)
    assert used == ["mint_shrink"]
    assert rec.shape == (h, m)
    assert np.all(rec >= 0)
    # The reconciled total lies between the base total and the sum of the base parts.
    coherent_total = rec.sum(axis=1)
    assert np.all(coherent_total <= parts.sum(axis=1) + 1e-3)
    assert np.all(coherent_total >= total - 1e-3)


def test_mint_moves_the_noisiest_series_most() -> None:
    # MinT weights each base forecast by the precision of its past errors: with a precise total
    # and one noisy part, the noisy part absorbs almost all of the incoherence.
    rng = np.random.default_rng(8)
    parts = np.array([[100.0, 100.0, 100.0]])
    total = np.array([360.0])
    actual, fitted = _past_errors(rng, np.array([1.0, 1.0, 1.0, 40.0]), k=120)
    rec = fc.mint(total, parts, actual=actual, fitted=fitted)[0]
    assert rec.sum() == pytest.approx(360.0, abs=1.0)
    assert rec[2] - 100 > 50  # the noisy part takes the 60 missing
    assert np.all(np.abs(rec[:2] - 100) < 5)


def test_mint_without_errors_matches_ols_projection() -> None:
    # Oracle: with too few past errors MinT uses W = I, the orthogonal projection onto the
    # coherent subspace (no part is negative here, so the non-negativity constraint is slack).
    rng = np.random.default_rng(7)
    m = 4
    parts = rng.uniform(50, 100, (1, m))
    total = np.array([parts.sum() + 40.0])
    rec = fc.mint(total, parts)
    s = np.vstack([np.ones((1, m)), np.eye(m)])
    yhat = np.concatenate([total, parts[0]])
    ols, *_ = np.linalg.lstsq(s, yhat, rcond=None)
    assert np.allclose(rec[0], ols, atol=1e-3)  # hierarchicalforecast returns float32 parts


def test_mint_survives_a_part_that_was_always_zero() -> None:
    # A part with no past errors at all: the shrunk covariance has a zero row; stay finite and coherent.
    rng = np.random.default_rng(9)
    parts = np.array([[0.0, 50.0, 80.0], [0.0, 55.0, 70.0]])
    total = np.array([140.0, 120.0])
    actual, fitted = _past_errors(rng, np.array([10.0, 0.0, 5.0, 5.0]))
    fitted[:, 1] = actual[:, 1] = 0.0
    used: list[str] = []
    rec = fc.mint(total, parts, actual=actual, fitted=fitted, used=used)
    assert used == ["mint_shrink"]
    assert np.all(np.isfinite(rec)) and np.all(rec >= 0)
    assert np.all(rec[:, 0] == 0.0)  # never erred: held where it is
    assert np.all(np.abs(rec.sum(axis=1) - np.array([140.0, 120.0])) < 20)


def test_mint_leaves_parts_that_never_erred_alone() -> None:
    # Twenty citizenships without encounters in the window, ten active ones, an incoherence of 300:
    # MinT moves only the active parts (an OLS projection would add ~10 to each empty one).
    rng = np.random.default_rng(10)
    active = rng.uniform(100, 1000, (1, 10))
    parts = np.hstack([active, np.zeros((1, 20))])
    total = np.array([active.sum() + 300.0])
    actual, fitted = _past_errors(rng, np.r_[50.0, np.full(10, 20.0), np.zeros(20)], k=60)
    fitted[:, 11:] = actual[:, 11:] = 0.0
    used: list[str] = []
    rec = fc.mint(total, parts, actual=actual, fitted=fitted, used=used)[0]
    assert used == ["mint_shrink"]
    assert np.all(rec[10:] == 0.0)
    assert rec[:10].sum() - active.sum() > 150  # the active parts absorb the difference


def test_grouped_forecast_parts_sum_to_total(obs) -> None:
    res = obs.forecast(region="southwest", citizenship="GTM,HND,SLV,MEX", by="citizenship", horizon=4)
    frame = res.tidy()
    assert list(frame.columns) == ["citizenship", "month", "point", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert res.total is not None
    sums = frame.groupby("month")["point"].sum().to_numpy()
    # rows are rounded to 0.1 for display: allow the rounding of four parts and the total
    assert np.all(np.abs(sums - res.total["point"].to_numpy()) < 0.5)
    assert (frame["point"] >= 0).all()
    how = res.metadata()["reconciliation"]
    assert how["forecast"] in ("mint_shrink", "ols")
    assert ("by non-negative OLS" in res.caption()) == (how["forecast"] == "ols")


def test_sparse_parts_reconcile_by_mint(obs) -> None:
    # The fast version of the test below: two large parts and three (Australia, Antigua and
    # Barbuda, Bulgaria) that Border Patrol has not apprehended in the last 60 months.
    res = obs.forecast(component="usbp", by="citizenship", citizenship="MEX,GTM,AUS,ATG,BGR")
    assert res.metadata()["reconciliation"] == {"forecast": "mint_shrink", "backtest_ols_origins": 0}
    recent = obs.flows(component="usbp", citizenship="AUS,ATG,BGR", by="month").tidy()
    assert recent["encounters"].tail(60).sum() == 0  # the parts are sparse in the data as well
    table = res.backtest.table.set_index("model")
    assert table.loc["corridor", "mase"] < 1.1 * table.loc["naive", "mase"]


@pytest.mark.slow
def test_many_sparse_parts_reconcile_by_mint(obs) -> None:
    # Border Patrol by all citizenships: 22 of them had no encounters in the last 60 months.
    # hierarchicalforecast refused MinT there, and the OLS fallback spread the total's
    # incoherence over every part: backtest MASE 5.2x naive, 80% coverage 22%.
    res = obs.forecast(component="usbp", by="citizenship")
    assert res.metadata()["reconciliation"] == {"forecast": "mint_shrink", "backtest_ols_origins": 0}
    table = res.backtest.table.set_index("model")
    assert table.loc["corridor", "mase"] < 1.1 * table.loc["naive", "mase"]


def test_caption_says_when_reconciliation_fell_back_to_ols(obs, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fc.mint

    def without_errors(total, parts, *, actual=None, fitted=None, used=None):  # as if MinT had failed
        return real(total, parts, used=used)

    monkeypatch.setattr(fc, "mint", without_errors)
    res = obs.forecast(region="southwest", citizenship="GTM,HND", by="citizenship", horizon=3)
    assert res.metadata()["reconciliation"]["forecast"] == "ols"
    assert res.metadata()["reconciliation"]["backtest_ols_origins"] > 0
    assert "by non-negative OLS" in res.caption() and "backtest origins" in res.caption()


def test_grouped_reconciliation_exact(obs) -> None:
    # Unrounded check of coherence on the arrays the rows come from.
    full = obs.flows(region="southwest", citizenship="GTM,HND,SLV", by=["month", "citizenship"])
    wide = full.tidy().pivot(index="month", columns="citizenship", values="encounters")
    ys = [wide[c].to_numpy(float) for c in wide.columns]
    ms = list(wide.index)
    pts, ivs = fc.run_group(ys, ms, 6, (80,))
    total = np.sum(ys, axis=0)
    (tp,), (tiv,) = fc.run_group([total], ms, 6, (80,))
    n = len(ms)
    rec, rec_total = fc.reconcile_group(ys, pts, ivs, total, tp, tiv, [n - 10, n])
    for t in (n - 10, n):
        assert np.max(np.abs(sum(p[t] for p in rec) - rec_total[t])) < 1e-6


def test_forecast_api_shape_backtest_and_chart(obs) -> None:
    res = obs.forecast(region="southwest", citizenship="GTM", level="80")
    frame = res.tidy()
    assert list(frame.columns) == ["month", "point", "lo_80", "hi_80"]
    assert len(frame) == 6
    assert frame["month"].iloc[0] == dt.date(2025, 12, 1)
    assert (frame["lo_80"] <= frame["point"]).all() and (frame["point"] <= frame["hi_80"]).all()
    table = res.backtest.table.set_index("model")
    assert {"corridor", "naive", "snaive"} <= set(table.index)
    assert "seconds" not in table.columns  # timings vary run to run: not in any output
    assert set(res.backtest.seconds) == set(table.index) and min(res.backtest.seconds.values()) > 0
    spec = res.chart()
    assert spec["layer"] and "MASE" in " ".join(spec["title"]["subtitle"])
    assert "CBP Nationwide Encounters" in res.caption()


def _charted_history(spec: dict) -> list[dict]:
    return [v for layer in spec["layer"] for v in layer["data"]["values"] if v.get("kind") == "actual"]


def test_the_chart_draws_the_forecast_at_the_scale_it_was_learned_from(obs) -> None:
    """After a level shift the chart's history starts at the shift: the default forecast (about
    30,000 a month after a fall from 300,000) was a sliver under the old level. Without a shift it
    shows the last 36 months."""
    res = obs.forecast()
    (series,) = res.meta["series"]
    assert series["break"]["detected"], "the real series shifted level in 2025"
    hist = _charted_history(res.chart())
    assert hist[0]["month"][:7] == series["break"]["month"]
    top = max(v["encounters"] for v in hist)
    assert top <= 2 * float(res.tidy()["hi_95"].max()), "history and forecast share a readable scale"
    assert "starts at the level shift" in " ".join(res.chart()["title"]["subtitle"])
    # trained through 2024-06, the last shift (2021-03) is older than 36 months: the plain window
    older = obs.forecast(until="2024-06")
    assert [s["break"]["month"] for s in older.meta["series"]] == ["2021-03"]
    months = sorted({v["month"][:7] for v in _charted_history(older.chart())})
    trained = [m for m in months if m <= "2024-06"]  # later months are drawn as what happened
    assert (trained[0], trained[-1], len(trained)) == ("2021-07", "2024-06", 36)
    assert "starts at the level shift" not in " ".join(older.chart()["title"]["subtitle"])


def test_the_chart_description_reads_the_series_and_its_forecast_not_a_band(obs) -> None:
    """The text alternative once gave the 95% band's low edge as the chart's 'lowest' and 'last
    value'. It describes the history, then the forecast; the numbers are the tables'."""
    from corridor import charts
    from corridor.fmt import count

    res = obs.forecast()
    spec = res.chart()
    text = charts.describe_any(spec)
    hist = _charted_history(spec)
    frame = res.tidy()
    low = min(hist, key=lambda v: v["encounters"])
    assert f"lowest {count(low['encounters'])}" in text
    assert f"last value {count(hist[-1]['encounters'])}" in text
    assert "then forecast from" in text and f"highest {count(frame['point'].max())}" in text
    assert count(frame["lo_95"].min()) not in text


def test_until_trains_on_the_past_only(obs) -> None:
    a = obs.forecast(region="southwest", until="2024-06", horizon=3).tidy()
    assert a["month"].tolist() == [dt.date(2024, 7, 1), dt.date(2024, 8, 1), dt.date(2024, 9, 1)]
    # Training through June 2024: the forecast is near June's level, not 2025's far lower one.
    assert a["point"].iloc[0] > 80_000


def test_short_series_still_gets_intervals(obs) -> None:
    # 24 months (the minimum): too few past forecasts to adapt, so plain conformal, and it says so.
    res = obs.forecast(region="southwest", until="2021-09", horizon=3)
    frame = res.tidy()
    assert frame[["lo_80", "hi_80", "lo_95", "hi_95"]].notna().all().all()
    assert (frame["hi_95"] >= frame["hi_80"]).all()
    assert "short series" in res.caption()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0"], "outside 1..36"),
        (["--horizon", "37"], "outside 1..36"),
        (["--until", "2010-01"], "before the data begin"),
        (["--until", "2021-06"], "at least 24"),
        (["--citizenship", "ZZZ"], "is not a country code"),
        (["--level", "80,150"], "between 1 and 99"),
        (["--by", "fiscal_year"], "monthly"),
    ],
)
def test_bad_input_exits_2(warehouse: Path, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["forecast", "--region", "southwest", *args, "--db", str(warehouse)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def test_cli_csv_and_chart(warehouse: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.json"
    res = runner.invoke(
        app,
        [
            "forecast",
            "--region",
            "southwest",
            "--demographic",
            "uac",
            "--format",
            "csv",
            "--chart",
            str(chart),
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "month,point,lo_80,hi_80,lo_95,hi_95"
    assert len(lines) == 7
    assert "Backtest" in res.stderr
    assert chart.exists()


def test_cli_table_titles_its_columns_in_words(warehouse: Path) -> None:
    # A reader of the terminal table sees "80% low", never the CSV id lo_80; the values are the CSV's.
    args = ["forecast", "--region", "southwest", "--db", str(warehouse)]
    table = runner.invoke(app, args, env={"COLUMNS": "80"})
    csv = runner.invoke(app, [*args, "--format", "csv"])
    assert table.exit_code == 0 and csv.exit_code == 0, table.output
    header = next(line for line in table.stdout.splitlines() if "month" in line)
    for words in ("forecast", "80% low", "80% high", "95% low", "95% high"):
        assert words in header
    assert not any(f"{side}_{lvl}" in table.stdout for side in ("lo", "hi") for lvl in (80, 95))
    first = csv.stdout.splitlines()[1].split(",")
    assert f"{round(float(first[2])):,}" in table.stdout  # the 80% low of the first month


def test_recent_suite_matches_issue_baselines(obs) -> None:
    # The suite reproduces the issue's naive and seasonal-naive numbers, and Corridor beats naive.
    data, bt = fs.run(obs, "recent", baselines=("naive", "snaive"))
    t = bt.table.set_index("model")
    assert len(data.series) == 15 and len(data.origins) == 30
    assert t.loc["naive", "mase"] == pytest.approx(2.105, abs=0.001)
    assert t.loc["snaive", "mase"] == pytest.approx(4.10, abs=0.005)
    assert t.loc["naive", "winkler_80"] == pytest.approx(12.09, abs=0.01)
    assert t.loc["corridor", "mase"] < t.loc["naive", "mase"]
    assert t.loc["corridor", "winkler_80"] <= 0.9 * t.loc["naive", "winkler_80"]
    # Issue 15's target is 75%-85%. The rule the declared search picked on the hold-out sets gives
    # 74.5% here: a miss of half a point, reported as a miss (README, Forecast; bench/RESULTS.md;
    # the issue's closing note). The rules that reach 75% here are too wide on Suite C's hold-out
    # (0.909x and 0.919x naive, bar 0.9x), and picking a rule on this suite is not allowed. This
    # guards the measured 74.5% against getting worse; the upper end is the target's.
    assert 0.744 <= t.loc["corridor", "coverage_80"] <= 0.85
    assert t.loc["corridor", "relwidth_80"] < t.loc["naive", "relwidth_80"]  # sharper than naive
    assert t.loc["corridor", "negative_share"] == 0


@pytest.mark.parametrize("suite", ["recent", "long"])
def test_holdout_sets_are_outside_their_suite(obs, suite: str) -> None:
    # The hold-out twin shares the suite's months and origins but none of its series.
    data, hold = fs.load(obs, suite), fs.load_holdout(obs, suite)
    assert hold.months == data.months and hold.origins == data.origins
    assert len(hold.series) == {"recent": 22, "long": 24}[suite]
    suite_values = {tuple(v) for v in data.series.values()}
    assert not suite_values & {tuple(v) for v in hold.series.values()}
    assert all(np.isfinite(v).all() and v.sum() > 0 for v in hold.series.values())


@pytest.mark.slow
def test_long_suite_targets(obs) -> None:
    data, bt = fs.run(obs, "long", baselines=("naive",))
    t = bt.table.set_index("model")
    assert len(data.series) == 20
    assert t.loc["naive", "mase"] == pytest.approx(2.17, abs=0.005)
    assert t.loc["corridor", "mase"] <= 0.96 * t.loc["naive", "mase"]
    assert t.loc["corridor", "winkler_80"] <= 0.9 * t.loc["naive", "winkler_80"]
    assert 0.75 <= t.loc["corridor", "coverage_80"] <= 0.85
    assert t.loc["corridor", "negative_share"] == 0


def test_baseline_intervals_use_only_errors_known_at_the_origin() -> None:
    """Naive's empirical intervals at origin t use only errors observed by t: changing the data
    after t leaves them unchanged. (A negative slice once let origins before h-1 read the whole
    future's errors.)"""
    rng = np.random.default_rng(9)
    y = np.round(np.abs(rng.normal(1000, 200, 60)))
    horizon = 6
    before = fc._empirical(y, fc.naive_points(y, horizon, first=1), (80,))
    later = y.copy()
    later[30:] *= 5  # a regime shift after origin 30
    after = fc._empirical(later, fc.naive_points(later, horizon, first=1), (80,))
    for side in (0, 1):
        a, b = before[80][side][:31], after[80][side][:31]
        assert np.array_equal(np.isnan(a), np.isnan(b))
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)])


@pytest.mark.parametrize("trend_window", [13, 12])
def test_rolling_seasonal_profiles_match_the_one_prefix_definition(trend_window: int) -> None:
    # The O(n) profiles at every origin must be the profile of each prefix, computed alone.
    spec = fc.ModelSpec(trend_window=trend_window)
    rng = np.random.default_rng(11)
    n = 90
    y = rng.poisson(800 * np.exp(0.6 * np.sin(np.arange(n) / 1.9)), n).astype(float)
    y[rng.random(n) < 0.05] = 0.0
    z, moy = np.log1p(y), (np.arange(n) + 9) % 12
    rows = fc.seasonal_profiles(z, moy, spec=spec)
    assert rows.shape == (n + 1, 12)
    for t in range(n + 1):
        assert np.allclose(rows[t], fc.seasonal_profile(z[:t], moy[:t], spec=spec), atol=1e-12, rtol=0), t
    assert rows[n].any() and not rows[spec.min_seasonal_months - 1].any()


def test_months_a_source_does_not_publish_are_not_read_as_zero(obs) -> None:
    # Border Patrol's OTHER comes from a table that starts in 2021-10 and Brazil's from one that
    # ends in 2024-11: forecast together, they learn from 2021-10..2024-11 only, and say so.
    res = obs.forecast(region="southwest", component="usbp", citizenship="OTHER,BRA", by="citizenship")
    assert res.trained == (dt.date(2021, 10, 1), dt.date(2024, 11, 1))
    first = res.metadata()["warnings"][0]
    assert first.startswith("The forecast learns from 2021-10..2024-11") and "missing, not 0" in first
    assert "Brazil" in first and "BRA" not in first
    # each part alone, from its own published months
    brazil = obs.forecast(region="southwest", component="usbp", citizenship="BRA")
    assert brazil.trained[1] == dt.date(2024, 11, 1)
    with pytest.raises(UsageError, match="in which every series is published"):
        obs.forecast(
            region="southwest", component="usbp", citizenship="OTHER,BRA", by="citizenship", until="2023-06"
        )

"""Forecast intervals after a level shift (issue 15): the shift is found from the data up to each
origin, the intervals learn from the new regime, small score sets still cover, Suite C is built
as declared, and the southwest forecast says in plain words what its range means."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.analysis import forecast as fc
from corridor.analysis import forecast_suites as fs

SEASON = 0.25 * np.sin(2 * np.pi * np.arange(12) / 12)


def months(n: int, start: dt.date = dt.date(2010, 1, 1)) -> list[dt.date]:
    return [fc.add_months(start, k) for k in range(n)]


def shifted(seed: int, *, n: int = 120, at: int = 80, before: float = 12.2, after: float = 9.2) -> np.ndarray:
    """Seasonal log-normal counts: about 200,000 a month, then about 10,000 from month `at`."""
    rng = np.random.default_rng(seed)
    level = np.where(np.arange(n) < at, before, after)
    return np.round(np.exp(level + SEASON[np.arange(n) % 12] + rng.normal(0, 0.06, n)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_level_breaks_finds_a_known_drop_from_past_data_only(seed: int) -> None:
    y = shifted(seed)
    b = fc.level_breaks(y, np.arange(len(y)) % 12)
    assert (b[:81] == -1).all()  # nothing before the drop is observed (origin t sees y[:t])
    # once three months at the new level are in, the break is placed at the drop
    assert all(abs(b[t] - 80) <= 1 for t in range(83, 121)), b[80:]
    # the same data without the drop: no shift of 50% is ever reported
    calm = shifted(seed, after=12.2)
    assert (fc.level_breaks(calm, np.arange(120) % 12) == -1).all()


def test_level_breaks_ignores_a_level_change_below_the_threshold() -> None:
    y = shifted(4, before=10.0, after=10.0 + np.log(1.3))  # +30%: a change, not a 50% shift
    assert (fc.level_breaks(y, np.arange(120) % 12) == -1).all()


def test_intervals_after_a_drop_learn_the_new_level() -> None:
    """The issue's complaint, reproduced and fixed: errors learned at 200,000 a month applied at
    10,000 gave a lower bound of 0; after the detected drop the range is learned anew."""
    ys = [shifted(s) for s in (5, 6, 7)]
    ms = months(120)
    new = fc.run_group_detail(ys, ms, 6, (80,))
    old = fc.run_group_detail(ys, ms, 6, (80,), spec=dataclasses.replace(fc.DEFAULT_SPEC, breaks=False))
    t = 100  # 20 months after the drop
    for i in range(len(ys)):
        lo, hi = new.intervals[i][80][0][t], new.intervals[i][80][1][t]
        p = new.points[i][t]
        assert (lo > 0.5 * p).all() and (hi < 2 * p).all(), (lo, p, hi)
        olo, ohi = old.intervals[i][80][0][t], old.intervals[i][80][1][t]
        assert ((hi - lo) < 0.5 * (ohi - olo)).all()  # the old rule kept the jump's errors
        assert new.breaks[i][t] in (79, 80, 81)
        assert new.basis[i][t][1] - 1 >= new.breaks[i][t]  # learns only from forecasts since
    # and the range still holds on the new level: 80% nominal, over every post-drop origin
    cover = [
        (new.intervals[i][80][0][t] <= y[t : t + 6]) & (y[t : t + 6] <= new.intervals[i][80][1][t])
        for i, y in enumerate(ys)
        for t in range(90, 115)
    ]
    assert 0.7 <= np.mean(cover) <= 0.97


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=5, max_value=300),
    p=st.floats(min_value=0.51, max_value=0.99),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_finite_sample_quantiles_cover_their_level(n: int, p: float, seed: int) -> None:
    # The ceil((n+1)p)-th smallest of n scores has at least a share p of the scores at or below it
    # (and the floor((n+1)(1-p))-th at most 1-p below it), and lies outside numpy's quantiles.
    r = np.sort(np.random.default_rng(seed).normal(size=n))
    lo, hi = fc._quantiles(r, None, [1 - p, p], finite_sample=True)
    assert np.mean(r <= hi) >= p - 1e-12
    assert np.mean(r < lo) <= 1 - p + 1e-12
    q_lo, q_hi = np.quantile(r, [1 - p, p])
    assert lo <= q_lo and hi >= q_hi


def test_finite_sample_quantiles_cover_a_new_draw_where_numpy_does_not() -> None:
    # Exchangeable draws: with 12 scores numpy's interpolated 90% quantile covers a 13th draw
    # about 83% of the time (9.9/12 = 0.825 in expectation); the conformal order statistic >= 90%.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40_000, 13))
    r = np.sort(x[:, :12], axis=1)
    ours = np.array([fc._quantiles(row, None, [0.9], finite_sample=True)[0] for row in r])
    theirs = np.quantile(r, 0.9, axis=1)
    assert np.mean(x[:, 12] <= ours) >= 0.9
    assert np.mean(x[:, 12] <= theirs) < 0.86


@settings(max_examples=30, deadline=None)
@given(k=st.sampled_from([2.0, 5.0, 10.0]), seed=st.integers(min_value=0, max_value=1000))
def test_naive_log_intervals_scale_with_the_series(k: float, seed: int) -> None:
    # Empirical log-scale intervals are factors: a series k times larger gets k times the band
    # (up to the +1 in log(1 + y), negligible at 100,000 a month).
    y = np.round(np.exp(11.5 + np.cumsum(np.random.default_rng(seed).normal(0, 0.1, 48))))
    a = fc._empirical(y, fc.naive_points(y, 6, first=1), (80,), log=True)[80]
    b = fc._empirical(k * y, fc.naive_points(k * y, 6, first=1), (80,), log=True)[80]
    ok = ~np.isnan(a[0])
    assert ok.any()
    assert np.allclose(b[0][ok], k * a[0][ok], rtol=1e-3) and np.allclose(b[1][ok], k * a[1][ok], rtol=1e-3)


def test_shift_rule_is_at_least_50_percent() -> None:
    y = np.array([100.0, 100, 100, 150, 150, 150])
    assert fs._shift(y, 3) == pytest.approx(1.5)
    data = fs.SuiteData("t", "t", {"up": np.r_[np.full(30, 100.0), np.full(30, 150.0)]}, months(60), [], "")
    assert set(fs.break_rows(data)["series"]) == set()  # no event month in 2010-2014
    stamp = months(60, dt.date(2022, 7, 1))  # 2024-01 (an event) is index 18
    for after, member in ((150.0, True), (149.0, False), (50.0, True), (51.0, False)):
        series = {"s": np.r_[np.full(18, 100.0), np.full(42, after)]}
        rows = fs.break_rows(fs.SuiteData("t", "t", series, stamp, [], ""))
        assert (not rows.empty) == member, after
        if member:
            assert rows["break"].iloc[0] == dt.date(2024, 1, 1)
            assert rows["origin"].min() == 25 and rows["origin"].max() == 19 + fs.BREAK_ORIGINS


def test_suite_c_has_the_february_2025_drop_at_its_published_size(obs) -> None:
    # CBP's first monthly releases, southwest land border encounters: Nov 2024 94,190, Dec 96,035,
    # Jan 2025 61,465; Feb 11,709, Mar 11,017, Apr 12,035: the 3 months after are 0.138x before.
    published = (11_709 + 11_017 + 12_035) / (94_190 + 96_035 + 61_465)
    parts = {p.source: p for p in fs.load_breaks(obs)}
    assert set(parts) == {"A", "A hold-out", "B", "B hold-out"}
    rows = parts["A"].rows
    total = rows[(rows["series"] == "total") & (rows["break"] == dt.date(2025, 2, 1))]
    assert total["ratio"].iloc[0] == pytest.approx(published, rel=0.02)
    # origins from the break month on, and never a month the data do not have
    months_a = parts["A"].data.months
    assert months_a[total["origin"].min() - 1] == dt.date(2025, 2, 1)
    assert total["origin"].max() <= len(months_a) - 1
    # every named event of the issue is in Suite C for some series
    events = {e for p in parts.values() for e in p.rows["event"]}
    assert {dt.date(2023, 6, 1), dt.date(2024, 1, 1), dt.date(2025, 2, 1), dt.date(2020, 4, 1)} <= events


def test_suite_c_targets_on_suite_a_series(obs) -> None:
    # Fast version of the slow Suite C check: Suite A's own series after their breaks.
    part = next(p for p in fs.load_breaks(obs) if p.source == "A")
    long = fs.run_breaks([part], baselines=("naive", "naive_log"))
    t = fc.summarise(long, (80, 95)).set_index("model")
    assert 0.75 <= t.loc["corridor", "coverage_80"] <= 0.85
    assert t.loc["corridor", "relwidth_80"] <= 0.9 * t.loc["naive_log", "relwidth_80"]
    assert t.loc["corridor", "mase"] <= t.loc["naive", "mase"]
    assert t.loc["corridor", "negative_share"] == 0


@pytest.mark.slow
def test_suite_c_targets(obs) -> None:
    _, bt = fs.run(obs, "breaks")
    t = bt.table.set_index("model")
    assert 0.75 <= t.loc["corridor", "coverage_80"] <= 0.85
    assert t.loc["corridor", "relwidth_80"] <= 0.9 * t.loc["naive_log", "relwidth_80"]
    assert t.loc["corridor", "mase"] <= t.loc["naive", "mase"]


def test_southwest_forecast_after_the_2025_drop(obs) -> None:
    """The issue's case: the southwest total trained to Nov 2025 had 80% ranges from 0 to 20-32k."""
    res = obs.forecast(region="southwest")
    frame = res.tidy()
    assert res.trained[1] == dt.date(2025, 11, 1)
    assert (frame["lo_80"] > 0).all() and (frame["lo_95"] > 0).all()
    # the issue saw 0 to 20k-32k around points of 9-12k: relative widths of about 1.7 next month
    # and 2.9 in six months; the re-learned ranges are well inside that
    rel = ((frame["hi_80"] - frame["lo_80"]) / frame["point"]).to_numpy()
    assert rel[0] < 1.0 and rel[-1] < 2.0, frame
    assert frame["lo_80"].iloc[0] > 0.5 * frame["point"].iloc[0]  # next month: above half the point
    meta = res.metadata()
    (series,) = meta["series"]
    assert series["break"]["detected"] and series["break"]["month"] == "2025-02"
    assert series["break"]["learning_from"] >= "2025-02"
    bt = series["backtest"]
    assert {"coverage_80", "coverage_95", "relative_width_80", "relative_width_95"} <= set(bt)
    held = round(bt["coverage_80"] * 10)
    assert series["interval_meaning"] == (
        f"8 in 10 months should fall in this 80% range; in backtests it held {held} of 10."
    )
    caption = res.caption()
    assert "8 in 10 months should fall in this 80% range" in caption
    assert "Relative width of the 80% range" in caption and "detected from 2025-02" in caption
    assert all(isinstance(w, str) and w.endswith(".") for w in meta["warnings"])
    assert any("2025-02" in w for w in meta["warnings"])


def test_grouped_forecast_metadata_has_every_series_and_the_total(obs) -> None:
    res = obs.forecast(region="southwest", citizenship="GTM,HND", by="citizenship", horizon=3, level="90")
    meta = res.metadata()
    labels = [s["label"] for s in meta["series"]]
    assert labels == ["Guatemala", "Honduras", "total"]
    for s in meta["series"]:
        assert set(s["backtest"]) == {"forecasts", "coverage_90", "relative_width_90"}
        assert s["interval_meaning"].startswith("9 in 10 months should fall in this 90% range")
        assert isinstance(s["warnings"], list)
    assert "each 90% range" in res.caption()

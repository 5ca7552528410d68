"""Forecast intervals after a level shift (issue 15): the shift is found from the data up to each
origin, the intervals learn from the new regime, small score sets still cover, Suite C is built
as declared, and the southwest forecast says in plain words what its range means."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
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


def _cbp_southwest_months(data: Path) -> pd.Series:
    """Southwest land border encounters by month, read straight from CBP's nationwide file with
    pandas (independent of Corridor's parser and flows planner)."""
    raw = pd.read_csv(data / "cbp" / "nationwide-encounters-fy23-fy26-nov-state.csv")
    sw = raw[raw["Land Border Region"] == "Southwest Land Border"]
    fy = sw["Fiscal Year"].astype(str).str.slice(0, 4).astype(int)
    month = pd.to_datetime(sw["Month (abbv)"].str.title(), format="%b").dt.month
    year = np.where(month >= 10, fy - 1, fy)
    keys = [dt.date(int(y), int(m), 1) for y, m in zip(year, month, strict=True)]
    return sw["Encounter Count"].groupby(keys).sum()


def test_suite_c_has_the_february_2025_drop_at_its_size_in_cbps_file(obs, data: Path) -> None:
    # The 3 months from Feb 2025 against the 3 before, from CBP's own file; the file is tied to
    # CBP's published totals by the data README's spot checks (SW FY2025 = 443,671).
    months = _cbp_southwest_months(data)
    assert months[[fc.add_months(dt.date(2024, 10, 1), k) for k in range(12)]].sum() == 443_671
    after = sum(months[dt.date(2025, m, 1)] for m in (2, 3, 4))
    before = months[dt.date(2024, 11, 1)] + months[dt.date(2024, 12, 1)] + months[dt.date(2025, 1, 1)]
    parts = {p.source: p for p in fs.load_breaks(obs)}
    assert set(parts) == {"A", "A hold-out", "B", "B hold-out"}
    rows = parts["A"].rows
    total = rows[(rows["series"] == "total") & (rows["break"] == dt.date(2025, 2, 1))]
    assert total["ratio"].iloc[0] == pytest.approx(after / before, rel=1e-9)
    assert after / before < 0.15  # a drop of more than 85%, far past the 50% rule
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
    assert (frame["lo_80"] > 0).all()  # the target is the 80% lower bound
    # the 95% range contains the 80% one and is wider on both sides in every month (they used
    # to coincide: 39 post-shift scores cannot identify a quantile beyond 97.5%)
    assert (frame["hi_95"] > frame["hi_80"]).all() and (frame["lo_95"] < frame["lo_80"]).all(), frame
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
    assert "19 in 20 months should fall in the 95% range; in backtests it held" in caption
    assert "Relative width of the 80% range" in caption and "detected from 2025-02" in caption
    assert all(isinstance(w, str) and w.endswith(".") for w in meta["warnings"])
    assert any("2025-02" in w for w in meta["warnings"])
    assert not any("ranges are the same" in w for w in meta["warnings"])


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


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(min_value=12, max_value=150),
    alpha=st.floats(min_value=0.002, max_value=0.3),
    seed=st.integers(min_value=0, max_value=10_000),
)
@example(n=12, alpha=0.1484375, seed=2)  # a reference ratio of exactly 1 once rounded inside r[-1]
def test_tail_quantiles_reach_beyond_every_score_only_where_the_scores_cannot(
    n: int, alpha: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    r = np.sort(rng.standard_t(4, size=n))
    ref = np.sort(np.r_[r, rng.standard_t(4, size=150)])
    probs = [alpha / 2, 1 - alpha / 2]
    lo, hi = fc._tail_quantiles(r, ref, probs, extreme=True)
    lo_l, hi_l = fc._tail_quantiles(r, None, probs, extreme=True)  # Laplace ratio: no reference
    plain_lo, plain_hi = fc._quantiles(r, None, probs, finite_sample=True)
    if (n + 1) * (1 - alpha / 2) <= n:  # identified: split conformal's order statistic, unchanged
        assert hi == hi_l == plain_hi
    else:  # not identified: where the plain rule stopped at the largest score, at or beyond it
        assert plain_hi == r[-1] and hi >= r[-1] and hi_l > r[-1]
    if (n + 1) * (alpha / 2) >= 1:
        assert lo == lo_l == plain_lo
    else:
        assert plain_lo == r[0] and lo <= r[0] and lo_l < r[0]


def test_tail_ratio_follows_the_reference_scores_or_a_laplace() -> None:
    # Laplace quantiles: the 99.5% one lies log(0.01) / log(0.2) times as far from the median
    # as the 90% one; a normal sample's ratio is smaller (lighter tails).
    assert fc._tail_ratio(np.array([]), 0.995, 0.9) == pytest.approx(np.log(0.01) / np.log(0.2))
    normal = np.sort(np.random.default_rng(1).normal(size=20_000))
    assert fc._tail_ratio(normal, 0.995, 0.9) == pytest.approx(2.5758 / 1.2816, rel=0.03)


def shifted_twice(seed: int, n: int = 130) -> np.ndarray:
    """About 150,000 a month, then 60,000 from month 70 and 8,000 from month 100: two shifts
    close together, as at the southwest border in 2024-25."""
    rng = np.random.default_rng(seed)
    level = np.select([np.arange(n) < 70, np.arange(n) < 100], [11.9, 11.0], 9.0)
    return np.round(np.exp(level + SEASON[np.arange(n) % 12] + rng.normal(0, 0.12, n)))


@pytest.mark.parametrize("seed", [11, 12])
def test_95_range_contains_the_80_range_and_is_wider(seed: int) -> None:
    y = shifted_twice(seed)
    run = fc.run_group_detail([y], months(len(y)), 6, (80, 95))
    (lo8, hi8), (lo9, hi9) = run.intervals[0][80], run.intervals[0][95]
    ok = ~np.isnan(lo8)
    assert ok.sum() > 500
    assert (lo9[ok] <= lo8[ok]).all() and (hi9[ok] >= hi8[ok]).all()
    assert (hi9[ok] > hi8[ok]).all()  # never the same upper bound
    # the rule before round 5 (largest error for both once the 80% level is that far out)
    old = dataclasses.replace(fc.DEFAULT_SPEC, tail=False, aci_clip=False)
    o = fc.run_group_detail([y], months(len(y)), 6, (80, 95), spec=old).intervals[0]
    same_old = (o[80][1] == o[95][1])[ok].mean()
    assert (hi9[ok] == hi8[ok]).mean() <= same_old


def test_adaptive_level_stays_within_bounds_and_recovers() -> None:
    spec = dataclasses.replace(fc.DEFAULT_SPEC, aci_clip=True)
    free = dataclasses.replace(fc.DEFAULT_SPEC, aci_clip=False, tail=False)
    clipped, unclipped = (fc._Adaptive([0], (80,), spec=s, n=200, horizon=1) for s in (spec, free))
    for t in range(1, 201):
        miss = 1.0 if t <= 100 else 0.0  # a hundred misses in a row, then none
        for a in (clipped, unclipped):
            a.miss[80][0, t, 0] = miss
            a.update(t)
        assert 0.02 - 1e-12 <= clipped.alpha[80] <= 1.0
        if t == 100:
            assert clipped.alpha[80] == pytest.approx(0.02) and unclipped.alpha[80] < -1
    # a hundred covered months later the bounded level has risen from its floor by 100 x 0.02 x 0.2,
    # past the nominal 0.2, while the unbounded one is still below 0 (every range the widest)
    assert clipped.alpha[80] == pytest.approx(0.02 + 0.4) and unclipped.alpha[80] == pytest.approx(-1.0)


def test_misses_across_a_shift_can_be_left_out_of_the_adaptive_level() -> None:
    spec = dataclasses.replace(fc.DEFAULT_SPEC, aci_skip_shifts=True, aci_clip=False)
    a = fc._Adaptive([0], (80,), spec=spec, n=40, horizon=6)
    a.miss[80][0, 1:41] = 0.0
    a.miss[80][0, 21:27] = 1.0  # every forecast for months 20-25 missed: a shift at month 20
    for t in range(1, 41):
        if t == 23:
            a.shifted(0, 20)  # detected three months in
        a.update(t)
    # forecasts from origins <= 20 for outcomes from month 20 on do not count; the rest covered
    skip = a.skip[0]
    assert skip[21, :].all() and not skip[27, :].any() and skip[26, 5] and not skip[26, 0]
    left = ~skip[1:41] & ~np.isnan(a.miss[80][0, 1:41])
    assert a.miss[80][0, 1:41][left].sum() < a.miss[80][0, 1:41].sum()
    rows = [a.miss[80][0, t][~skip[t]] for t in range(1, 41)]
    expected = 0.2 + sum(0.02 * (0.2 - r.mean()) for r in rows if len(r))
    assert any(not len(r) for r in rows)  # months whose every forecast crossed the shift: no step
    assert a.alpha[80] == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(
    u=st.lists(st.floats(min_value=-2, max_value=2), min_size=6, max_size=20),
    shift=st.floats(min_value=0.05, max_value=2.0),
)
def test_shift_screen_agrees_with_every_pair_of_runs(u: list[float], shift: float) -> None:
    # brute force: the means of all runs of 3 or more values; a shift needs two that far apart
    x = np.array(u)
    means = [x[i:j].mean() for i in range(len(x)) for j in range(i + 3, len(x) + 1)]
    gap = max(means) - min(means)
    assume(abs(gap - shift) > 1e-9)
    assert fc._could_shift(x, size=3, shift=shift) == (gap >= shift)


def test_ruptures_is_imported_only_when_a_window_could_hold_a_shift() -> None:
    code = (
        "import sys, numpy as np\n"
        "from corridor.analysis import forecast as fc\n"
        "y = np.round(1000 * np.exp(0.05 * np.sin(np.arange(80))))\n"
        "assert (fc.level_breaks(y, np.arange(80) % 12) == -1).all()\n"
        "print('ruptures' in sys.modules)\n"
        "y[60:] = y[60:] / 3\n"
        "fc.level_breaks(y, np.arange(80) % 12)\n"
        "print('ruptures' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_rescaled_scores_take_the_new_median_and_spread() -> None:
    before = np.array([-8.0, -2, 0, 2, 8, 16])  # median 1, median absolute deviation 5
    after = np.array([-2.0, 0, 1, 2, 4])  # median 1, median absolute deviation 1
    moved = fc._rescale(before, after)
    assert np.median(moved) == pytest.approx(1.0)
    assert np.median(np.abs(moved - np.median(moved))) == pytest.approx(1.0)
    assert moved.tolist() == pytest.approx(((before - 1) / 5 + 1).tolist())  # the shape is kept
    # a handful of scores with almost no spread moves the old ones by at most a factor of 10
    tight = fc._rescale(before, np.array([1.0, 1.01, 0.99, 1.02, 0.98]))
    assert np.median(np.abs(tight - np.median(tight))) == pytest.approx(0.5)


@settings(max_examples=25, deadline=None)
@given(k=st.sampled_from([3.0, 10.0, 50.0]), seed=st.integers(min_value=0, max_value=1000))
@example(k=3.0, seed=40)  # the learned seasonal weight flips at the last origin (see below)
def test_intervals_scale_with_the_series(k: float, seed: int) -> None:
    # Why errors / sqrt(level) is a scale-free score in the sense a reader needs: the score is not
    # level-free (an error at 200,000 a month is put back at 10,000 as sqrt(10,000 / 200,000) of
    # itself), but the same series in other units (k times larger) gets the same breaks and, around
    # k times the point forecasts, k times the ranges: coverage and widths relative to the level
    # are unchanged. Checked with the points held at k times those of y: the point forecast works
    # on log(1 + y), whose +1 moves the seasonal changes by ~1e-5, and the learned seasonal weight
    # is a weighted median (one past ratio), which such a nudge can move to its neighbour (seed 40,
    # last origin: 0.951 -> 0.965, so points 4-6 months ahead differ by up to 0.75%). That is a
    # property of the point forecast, kept unchanged by issue 15, not of the interval rule.
    y = shifted_twice(seed)
    ms = months(len(y))
    a = fc.run_group_detail([y], ms, 6, (80, 95))
    assert (fc.level_breaks(k * y, fc.month_of_year(ms)) == a.breaks[0]).all()
    b = fc.aci_intervals([k * y], [k * a.points[0]], (80, 95), breaks=a.breaks)
    for lv in (80, 95):
        for side in (0, 1):
            x, z = a.intervals[0][lv][side], b[0][lv][side]
            ok = ~np.isnan(x)
            assert ok.sum() > 500 and (np.isnan(z) == ~ok).all()
            assert np.allclose(z[ok], k * x[ok], rtol=1e-9, atol=0)

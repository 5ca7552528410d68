"""The tracker's scoring rule on synthetic series: shares judged in points on their own scale with
a binomial floor, counts on the log scale with a Poisson floor, short histories with Student's t,
and consistency properties (Hypothesis) that any honest rule must keep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.strategy.scoring import change_text, critical, monthly_share_se, score_series, value_text


def _series(values: list[float], start: int = 2000) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def test_a_share_falling_from_61_to_0_is_a_clear_change() -> None:
    # Six years, as the all-encounter series: too short for the share's own yearly variation.
    share = _series([44.7, 61.3, 45.4, 22.8, 0.0, 0.0], start=2020)
    within = pd.Series({2021: 4.6, 2025: 0.0})  # standard errors of the yearly share from its months
    denominators = pd.Series({2021: 1_734_686.0, 2025: 443_671.0})
    s = score_series(
        share, direction="lower", baseline=2021, scale="share", within_se=within, denominators=denominators
    )
    assert s.status == "improving"
    assert s.change == pytest.approx(-61.3)
    assert s.change_pct is None  # points, not a percent of a percent
    assert "monthly variation" in s.method and "binomial floor" in s.method


def test_a_value_with_nothing_near_the_baseline_is_no_baseline_not_no_data() -> None:
    # Poverty surveys: 2014 and 2023 only. The 2023 value is shown; there is nothing to compare.
    s = score_series(
        _series([50.5, 9.7], start=2014).set_axis([2014, 2023]), direction="lower", baseline=2020
    )
    assert s.status == "no baseline"
    assert s.latest == pytest.approx(9.7) and s.latest_year == 2023
    assert s.change is None and s.baseline is None
    assert score_series(_series([]), direction="lower", baseline=2020).status == "no data"
    stale = score_series(_series([3.0, 4.0], start=2019), direction="lower", baseline=2020)
    assert stale.status == "no later data" and stale.latest_year == 2020


def test_a_share_is_never_judged_on_the_counts_scale() -> None:
    # The same share with or without the counts behind it gets the same verdict and threshold.
    share = _series([7.25, 17.36, 28.31], start=2022)
    within = pd.Series({2022: 0.91, 2024: 2.95})
    s = score_series(share, direction="higher", baseline=2022, scale="share", within_se=within)
    assert s.status == "improving"
    assert s.threshold == pytest.approx(1.96 * math.hypot(0.91, 2.95))


def test_binomial_floor_binds_when_monthly_variation_is_nil() -> None:
    share = _series([50.0, 50.0, 50.1], start=2020)
    within = pd.Series({2020: 0.0, 2022: 0.0})
    small = pd.Series({2020: 1_000.0, 2022: 1_000.0})
    s = score_series(
        share, direction="higher", baseline=2020, scale="share", within_se=within, denominators=small
    )
    floor = 1.96 * 100 * math.sqrt(0.5 * 0.5 / 1000 + 0.501 * 0.499 / 1000)
    assert s.threshold == pytest.approx(floor)
    assert s.status == "no clear change"  # 0.1 points in samples of 1,000 is within the floor


def test_short_count_series_never_falls_below_the_poisson_floor() -> None:
    counts = _series([100, 101, 99, 100, 118], start=2016)  # nearly flat history, then +18
    s = score_series(counts, direction="lower", baseline=2019, scale="count")
    floor = 1.96 * math.sqrt(1 / 100 + 1 / 118)
    assert s.threshold == pytest.approx(floor)
    assert s.status == "no clear change"  # 100 -> 118 is within Poisson noise for counts this small
    assert "Poisson floor" in s.method and "t multiplier" in s.method


def test_short_history_uses_student_t() -> None:
    assert critical(8) == 1.96
    assert critical(3) > critical(5) > critical(7) > 1.96
    assert critical(4) == pytest.approx(3.182, abs=1e-3)  # t(0.975, 3)


def test_too_little_history_is_not_scored() -> None:
    s = score_series(
        _series([10.0, 11.0, 30.0], start=2019), direction="higher", baseline=2020, scale="level"
    )
    assert s.status == "too little history" and s.score is None


def test_amounts_have_no_poisson_floor() -> None:
    rng = np.random.default_rng(3)
    money = _series(list(np.exp(5 + rng.normal(0, 0.01, 12))), start=2010)
    s = score_series(money, direction="higher", baseline=2020, scale="amount")
    assert "Poisson" not in s.method and s.threshold < 0.1


def test_monthly_share_se() -> None:
    months = pd.DataFrame(
        {"fiscal_year": [2021] * 4 + [2022] * 2, "share": [10.0, 20.0, 30.0, 40.0, 5.0, 5.0]}
    )
    se = monthly_share_se(months)
    assert se[2021] == pytest.approx(np.std([10, 20, 30, 40], ddof=1) / 2)
    assert se[2022] == 0.0


# --- properties -------------------------------------------------------------------------------

values = st.lists(st.floats(min_value=1.0, max_value=1e6, allow_nan=False), min_size=10, max_size=25)
SCALES = ("count", "amount", "level")


@settings(max_examples=60, deadline=None)
@given(values, st.sampled_from(SCALES))
def test_direction_flips_the_verdict(vals: list[float], scale: str) -> None:
    s = _series(vals)
    base = 2000 + len(vals) - 4
    up = score_series(s, direction="higher", baseline=base, scale=scale)  # type: ignore[arg-type]
    down = score_series(s, direction="lower", baseline=base, scale=scale)  # type: ignore[arg-type]
    flip = {"improving": "worsening", "worsening": "improving"}
    assert down.status == flip.get(up.status, up.status)
    assert up.threshold == down.threshold


@settings(max_examples=60, deadline=None)
@given(values, st.floats(min_value=0.01, max_value=100.0))
def test_counts_judged_in_proportion(vals: list[float], factor: float) -> None:
    """Rescaling an amount (dollars to thousands) changes nothing on the log scale."""
    s = _series(vals)
    base = 2000 + len(vals) - 4
    a = score_series(s, direction="higher", baseline=base, scale="amount")
    b = score_series(s * factor, direction="higher", baseline=base, scale="amount")
    assert a.status == b.status
    assert a.threshold == pytest.approx(b.threshold)


@settings(max_examples=60, deadline=None)
@given(values, st.floats(min_value=0.0, max_value=50.0))
def test_a_larger_move_is_never_less_clear(vals: list[float], extra: float) -> None:
    """Moving the latest value further in the good direction never turns 'improving' into less."""
    s = _series(vals)
    base = 2000 + len(vals) - 4
    before = score_series(s, direction="higher", baseline=base, scale="level")
    more = s.copy()
    more.iloc[-1] = more.iloc[-1] + extra * (1 + abs(more.iloc[-1]))
    after = score_series(more, direction="higher", baseline=base, scale="level")
    rank = {"worsening": 0, "no clear change": 1, "improving": 2}
    assert rank[after.status] >= rank[before.status]


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=100.0),
    st.floats(min_value=0.0, max_value=100.0),
    st.integers(min_value=100, max_value=10_000_000),
)
def test_binomial_floor_is_a_floor(p1: float, p2: float, n: int) -> None:
    """Whatever the monthly variation, the threshold is at least the binomial floor."""
    share = _series([p1, p2], start=2020)
    s = score_series(
        share,
        direction="higher",
        baseline=2020,
        scale="share",
        within_se=pd.Series({2020: 0.0, 2021: 0.0}),
        denominators=pd.Series({2020: float(n), 2021: float(n)}),
    )
    floor = 1.96 * 100 * math.sqrt((p1 / 100) * (1 - p1 / 100) / n + (p2 / 100) * (1 - p2 / 100) / n)
    assert s.threshold >= floor - 1e-12


# --- How a score reads: the one formatter the CLI tracker and the report's scorecards share ---------

MISSING = st.sampled_from([None, float("nan")])
FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
YEARS = st.integers(min_value=1900, max_value=2100)
TEXT_SCALES = st.sampled_from(["level", "count", "share", "amount"])


@given(MISSING, TEXT_SCALES, st.sampled_from(["", "%"]), st.one_of(st.none(), YEARS))
def test_a_missing_value_reads_as_a_dash_whatever_its_unit_and_year(value, scale, unit, year) -> None:
    assert value_text(value, scale, unit=unit, year=year) == "–"


@given(FINITE, TEXT_SCALES, st.sampled_from(["", "%"]), YEARS)
def test_unit_and_year_follow_the_number(value: float, scale: str, unit: str, year: int) -> None:
    assert value_text(value, scale, unit=unit, year=year) == f"{value_text(value, scale)}{unit} ({year})"
    assert value_text(value, scale, year=float(year)) == f"{value_text(value, scale)} ({year})"


@given(FINITE, TEXT_SCALES)
def test_large_values_are_whole_small_ones_keep_two_decimals(value: float, scale: str) -> None:
    text = value_text(value, scale)
    number = float(text.replace(",", ""))
    if abs(value) >= 1000 or (scale == "count" and value.is_integer()):
        assert "." not in text and abs(number - value) <= 0.5
    else:
        assert len(text.split(".")[1]) == 2 and abs(number - value) <= 0.005 + 1e-9


@given(st.one_of(MISSING, FINITE), st.one_of(MISSING, FINITE), TEXT_SCALES)
def test_a_change_reads_in_points_for_shares_and_carries_its_percent(change, pct, scale) -> None:
    row = type("Row", (), {"change": change, "change_pct": pct, "scale": scale})()
    text = change_text(row, lambda c, s: f"<{c}|{s}>")
    if change is None or change != change:
        assert text == "–"
    elif scale == "share":
        assert text == f"{change:+,.2f} points"
    else:
        suffix = "" if pct is None or pct != pct else f" ({pct:+.0f}%)"
        assert text == f"<{change}|{scale}>{suffix}"

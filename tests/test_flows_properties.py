"""One question, one answer: properties of the flows planner over the whole request space.

Hypothesis draws a region x component x dimension x value x time grouping x range and checks:
- filtering on a value gives the same cells as that value's row of the grouped answer;
- the groups add up to the ungrouped total, or the answer carries a warning that says why not;
- every cell is read from exactly one table and release per month;
- a range that runs past the data warns, naming the missing months.

Profiles: `ci` (the default, a few dozen examples a property) and `long` (set
CORRIDOR_HYPOTHESIS=long: thousands of examples, about ten minutes; see bench/RESULTS.md).
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import CorridorError
from corridor.reference.calendar import add_months

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "long", max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("CORRIDOR_HYPOTHESIS", "ci")

REGIONS = [None, "southwest", "northern", "coastal"]
COMPONENTS = ["all", "usbp", "ofo"]
TIME_KEYS = [None, "month", "fiscal_year", "calendar_year"]
# Values drawn per dimension: common ones, rare ones, residual ones and ones only some tables have.
VALUES = {
    "citizenship": ["MEX", "GTM", "HND", "VEN", "CUB", "FRA", "IND", "OTHER", "UNK"],
    "demographic": ["single_adults", "family_units", "uac", "accompanied_minors"],
    "sector": ["rio_grande_valley", "tucson", "el_paso", "blaine", "miami", "livermore"],
    "title": ["title8", "title42"],
    "state": ["TX", "AZ", "CA", "NY", "FL"],
    "region": ["southwest", "northern", "coastal"],
    "component": ["usbp", "ofo"],
}


@st.composite
def requests(draw: st.DrawFn) -> dict:
    dim = draw(st.sampled_from(sorted(VALUES)))
    value = draw(st.sampled_from(VALUES[dim]))
    region = None if dim == "region" else draw(st.sampled_from(REGIONS))
    component = "all" if dim == "component" else draw(st.sampled_from(COMPONENTS))
    time_key = draw(st.sampled_from(TIME_KEYS))
    since = until = None
    if draw(st.booleans()):
        start = dt.date(draw(st.integers(1995, 2026)), draw(st.integers(1, 12)), 1)
        since = f"{start:%Y-%m}"
        if draw(st.booleans()):
            until = f"{add_months(start, draw(st.integers(0, 120))):%Y-%m}"
    return {
        "dim": dim,
        "value": value,
        "base": {"region": region, "component": component, "since": since, "until": until},
        "time": [time_key] if time_key else [],
    }


def _answer(obs, **kw):
    try:
        return obs.flows(**kw)
    except CorridorError:
        return None


def _filtered(base: dict, dim: str, value: str) -> dict:
    return {**base, dim: value}


@settings(settings.get_profile(PROFILE))
@given(requests())
def test_a_filter_gives_the_row_of_the_grouped_answer(obs, r: dict) -> None:
    dim, value, base, time = r["dim"], r["value"], r["base"], r["time"]
    grouped = _answer(obs, **base, by=[*time, dim])
    filtered = _answer(obs, **_filtered(base, dim, value), by=time)
    if grouped is None or value not in set(grouped.tidy()[dim]):
        # The grouped answer has no such row: the filtered one has nothing either (or only zeros).
        if filtered is not None:
            assert not (filtered.tidy()["encounters"].fillna(0) > 0).any(), (r, filtered.tidy())
        return
    assert filtered is not None, r
    row = grouped.tidy()
    row = row[row[dim] == value].drop(columns=[dim]).reset_index(drop=True)
    got = filtered.tidy().reset_index(drop=True)
    if time:
        both = got.merge(row, on=time[0], how="outer", suffixes=("_f", "_g"))
        a, b = both["encounters_f"], both["encounters_g"]
        same = (a == b).fillna(False) | (a.isna() & b.isna()) | (a.isna() & (b == 0)) | ((a == 0) & b.isna())
        assert bool(same.all()), (r, both[~same])
    else:
        assert got["encounters"].iloc[0] == row["encounters"].iloc[0], r


@settings(settings.get_profile(PROFILE))
@given(requests())
def test_groups_add_up_to_the_total_or_say_why(obs, r: dict) -> None:
    dim, base, time = r["dim"], r["base"], r["time"]
    if dim in ("region", "component"):
        base = {**base, dim: None if dim == "region" else "all"}
    grouped = _answer(obs, **base, by=[*time, dim])
    if grouped is None or grouped.tidy().empty:
        return
    # The total over the same months as the grouped answer (the same question without the split).
    start, end = grouped.period
    total = _answer(obs, **{**base, "since": f"{start:%Y-%m}", "until": f"{end:%Y-%m}"}, by=time)
    if total is None:
        return
    g = grouped.tidy()
    t = total.tidy()
    if time:
        sums = g.groupby(time[0])["encounters"].sum(min_count=1)
        whole = t.set_index(time[0])["encounters"]
        common = sums.index.intersection(whole.index)
        differ = [p for p in common if pd.notna(sums[p]) and pd.notna(whole[p]) and sums[p] != whole[p]]
        periods_differ = bool(differ) or set(sums.dropna().index) != set(whole.dropna().index)
    else:
        periods_differ = g["encounters"].sum(min_count=1) != t["encounters"].iloc[0]
    if periods_differ:
        warnings = " ".join(grouped.metadata()["warnings"])
        assert "do not add up" in warnings or "no data" in warnings or "not comparable" in warnings, (
            r,
            grouped.metadata()["warnings"],
        )


@settings(settings.get_profile(PROFILE))
@given(requests())
def test_every_cell_month_has_exactly_one_source(obs, r: dict) -> None:
    dim, base, time = r["dim"], r["base"], r["time"]
    answer = _answer(obs, **base, by=[*time, dim])
    if answer is None:
        return
    prov = answer.provenance()
    keys = [k for k in answer.request.group_keys]
    assert not prov.duplicated([*keys, "month"]).any(), r
    assert prov["release"].ne("").all(), r
    assert set(prov["cube"]) == {s.cube for s in answer.segments}, r


@settings(settings.get_profile(PROFILE))
@given(requests())
def test_a_range_past_the_data_warns(obs, r: dict) -> None:
    base, time = r["base"], r["time"]
    answer = _answer(obs, **base, by=time)
    if answer is None or not (base["since"] or base["until"]):
        return
    start, end = answer.period
    asked_lo = dt.date.fromisoformat(base["since"] + "-01") if base["since"] else start
    asked_hi = dt.date.fromisoformat(base["until"] + "-01") if base["until"] else end
    if asked_lo < start or asked_hi > end:
        assert any("no data" in w for w in answer.metadata()["warnings"]), (r, answer.metadata()["warnings"])


def test_the_long_profile_is_documented() -> None:
    # The long run is a documented command; this keeps the profile name and the docs in step.
    text = (pathlib.Path(__file__).parents[1] / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    assert "CORRIDOR_HYPOTHESIS=long" in text


@pytest.mark.parametrize("by", [["fiscal_year"], ["month"], []])
def test_the_worst_disagreement_warns_on_the_answers_it_affects(obs, by) -> None:
    # FY2000: OHSS's Border Patrol tables (rounded) sum to 1,590,340 (annual) or 1,589,710
    # (monthly) nationwide; Border Patrol's own historical series says 1,676,438 (-5.1%, -5.2%),
    # far beyond rounding. See docs/data.md.
    answer = obs.flows(component="usbp", citizenship="MEX", since="1999-10", until="2000-09", by=by)
    warnings = answer.metadata()["warnings"]
    assert any("FY2000" in w and "1,676,438" in w and ("-5.1%" in w or "-5.2%" in w) for w in warnings)

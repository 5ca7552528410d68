"""The two documented backtest suites of issue 4, built from the warehouse through `flows`.

- recent: southwest total, the 10 largest citizenship values (CBP's OTHER counts as one) and
  the 4 demographics, all encounters, CBP nationwide files, Oct 2019 - Nov 2025; 30 rolling
  origins, the last one 6 months before the data end.
- long: Border Patrol southwest total, the 10 largest citizenships and the 9 southwest sectors,
  FY2000 - Nov 2024 (OHSS workbook era); an origin every month from Oct 2008.
Horizons 1-6; MASE and Winkler scores scaled by each series' mean absolute one-step change over
the whole suite period.

Suite C ("after a break", issue 15, `load_breaks`): every series of suites A and B and of their
hold-out twins whose level shifted by at least 50% within 3 months around a known break (the
mean of the 3 months from the break against the 3 months before it: at least 1.5x or at most
0.5x; the break month is the one of the event's nominal month +-1 where that ratio is furthest
from 1; both 3-month means at least 20 a month, so that noise in near-empty series does not
count). Origins: last training month from the break to 18 months after it (at least 25 months
of data, the first origin with calibrated intervals; months not yet observed are not scored).
Events (`BREAK_EVENTS`): the four the issue names, and five more found by scanning the regional
totals for such shifts beyond their usual seasonal change.

Each suite has a hold-out twin (`load_holdout`): series outside the suite, over the same months
with the same origins, that no setting of Corridor's model was chosen on:
- recent: southwest citizenship values ranked 11-19, the northern and coastal totals, the 7
  largest northern citizenship values and the 4 northern demographics (22 series);
- long: Border Patrol southwest citizenships ranked 11-20, the northern and coastal totals and
  their 12 sectors, each once from a filing published in every month (24 series).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from corridor.analysis import forecast as fc

SuiteName = Literal["recent", "long"]
SUITES: tuple[str, ...] = SuiteName.__args__  # type: ignore[attr-defined]
HORIZON = 6
# Suite C's breaks: the nominal first month at the new level, and why. The first four are the
# issue's; the others were found by scanning the southwest, northern and coastal totals for a
# 3-month shift of 50% or more beyond the same months' usual seasonal change, each with a cause.
BREAK_EVENTS: dict[dt.date, str] = {
    dt.date(2020, 4, 1): "Title 42 expulsions begin (March 21, 2020)",
    dt.date(2023, 6, 1): "Title 42 ends (May 11, 2023)",
    dt.date(2024, 1, 1): "January 2024 drop after the December 2023 peak",
    dt.date(2025, 2, 1): "February 2025 drop (January 2025 executive actions)",
    dt.date(2001, 10, 1): "after September 11, 2001",
    dt.date(2017, 2, 1): "early 2017 drop (January 2017 executive orders)",
    dt.date(2019, 7, 1): "mid-2019 drop (June 2019 US-Mexico declaration, MPP expansion)",
    dt.date(2020, 7, 1): "rebound from the spring 2020 low",
    dt.date(2021, 2, 1): "early 2021 rise",
}
BREAK_SHIFT, BREAK_DROP = 1.5, 0.5  # a level shift of at least 50%: ratio >= 1.5 or <= 0.5
BREAK_MIN_LEVEL = 20.0
BREAK_ORIGINS = 18


@dataclass
class SuiteData:
    """A suite's aligned series, their months, the backtest origins and where the data came from."""

    name: str
    title: str
    series: dict[str, np.ndarray]
    months: list[dt.date]
    origins: list[int]
    sources: str


def _wide(frame: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    return {str(k): g.set_index("month")["encounters"] for k, g in frame.groupby(key, sort=False)}


def load(obs: Any, suite: SuiteName) -> SuiteData:
    """Build a suite's series with `obs.flows` (Suite A: recent, all encounters; B: long, Border Patrol)."""
    if suite not in SUITES:
        from corridor.errors import UsageError

        raise UsageError(f"--suite {suite!r} is not one of {', '.join((*SUITES, 'breaks'))}")
    if suite == "recent":
        base: dict[str, Any] = {"region": "southwest"}
        extra = [("demographic", None)]
        title = "Suite A (recent, all encounters, CBP nationwide files)"
    else:
        base = {"region": "southwest", "component": "usbp", "until": "2024-11"}
        extra = [("sector", None)]
        title = "Suite B (long history, Border Patrol, FY2000 - Nov 2024)"
    total = obs.flows(by="month", **base)
    series: dict[str, pd.Series] = {"total": total.tidy().set_index("month")["encounters"]}
    cit = obs.flows(by=["month", "citizenship"], **base)
    cframe = _published(cit.tidy(), "citizenship")
    top = cframe.groupby("citizenship")["encounters"].sum().sort_values(ascending=False).index[:10]
    for k, s in _wide(cframe[cframe["citizenship"].isin(top)], "citizenship").items():
        series[f"citizenship {k}"] = s
    used = [total, cit]
    for key, _ in extra:
        res = obs.flows(by=["month", key], **base)
        used.append(res)
        for k, s in _wide(res.tidy(), key).items():
            series[f"{key} {k}"] = s
    months = sorted(set.intersection(*(set(s.index) for s in series.values())))
    mat = {k: s.reindex(months).to_numpy(float) for k, s in series.items()}
    sources = " | ".join(r.caption() for r in used[:1]) + f" ({len(mat)} series)"
    return SuiteData(suite, title, mat, months, _origins(suite, months), sources)


def _origins(suite: SuiteName, months: list[dt.date]) -> list[int]:
    n = len(months)
    if suite == "recent":
        return list(range(n - HORIZON - 29, n - HORIZON + 1))
    return list(range(months.index(dt.date(2008, 10, 1)) + 1, n - HORIZON + 1))


def _published(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of the categories published in every month of the answer. A category a source
    does not publish for part of the period (Border Patrol's OTHER before FY2022) is missing
    there, not 0, and a series with missing months cannot be forecast over the suite's origins,
    so it is not ranked (the suites' series are as defined before missing months were marked)."""
    gaps = frame.groupby(key)["encounters"].apply(lambda s: s.isna().any())
    return frame[~frame[key].isin(gaps[gaps].index)]


def _ranked(frame: pd.DataFrame, key: str, lo: int, hi: int) -> dict[str, pd.Series]:
    rank = frame.groupby(key)["encounters"].sum().sort_values(ascending=False, kind="stable").index[lo:hi]
    return _wide(frame[frame[key].isin(rank)], key)


def load_holdout(obs: Any, suite: SuiteName) -> SuiteData:
    """A suite's hold-out twin: series outside it, same months and origins (see the module doc)."""
    series: dict[str, pd.Series] = {}
    if suite == "recent":
        cit = obs.flows(region="southwest", by=["month", "citizenship"]).tidy()
        series |= {
            f"southwest citizenship {k}": v
            for k, v in _ranked(_published(cit, "citizenship"), "citizenship", 10, 19).items()
        }
        for region in ("northern", "coastal"):
            series[f"{region} total"] = (
                obs.flows(region=region, by="month").tidy().set_index("month")["encounters"]
            )
        north = obs.flows(region="northern", by=["month", "citizenship"]).tidy()
        series |= {
            f"northern citizenship {k}": v
            for k, v in _ranked(_published(north, "citizenship"), "citizenship", 0, 7).items()
        }
        dem = obs.flows(region="northern", by=["month", "demographic"]).tidy()
        series |= {f"northern demographic {k}": v for k, v in _wide(dem, "demographic").items()}
        title = "Suite A hold-out (recent, all encounters, series outside Suite A)"
    elif suite == "long":
        base: dict[str, Any] = {"component": "usbp", "until": "2024-11"}
        cit = obs.flows(region="southwest", by=["month", "citizenship"], **base).tidy()
        series |= {
            f"southwest citizenship {k}": v
            for k, v in _ranked(_published(cit, "citizenship"), "citizenship", 10, 20).items()
        }
        for region in ("coastal", "northern"):
            total = obs.flows(region=region, by="month", **base).tidy()
            series[f"{region} total"] = total.set_index("month")["encounters"]
            sectors = obs.flows(region=region, by=["month", "sector"], **base).tidy()
            # Each sector once, from a filing published in every month (`_published`): a series
            # with missing months cannot be forecast and scored over the set's origins. Livermore
            # (closed 2005) is filed under coastal, unpublished (missing, not 0) from FY2021, and
            # under northern, 0 in every month from 2005: it is taken from the northern filing.
            for k, v in _wide(_published(sectors, "sector"), "sector").items():
                if not any(name.endswith(f" sector {k}") for name in series):
                    series[f"{region} sector {k}"] = v
        title = "Suite B hold-out (long history, Border Patrol, series outside Suite B)"
    else:
        from corridor.errors import UsageError

        raise UsageError(f"--suite {suite!r} is not one of {', '.join((*SUITES, 'breaks'))}")
    months = sorted(set.intersection(*(set(s.index) for s in series.values())))
    mat = {k: s.reindex(months).to_numpy(float) for k, s in series.items()}
    return SuiteData(
        suite, title, mat, months, _origins(suite, months), f"{len(mat)} series outside the suite"
    )


@dataclass
class BreakSet:
    """Suite C's part from one source set: its data, and the (series, origin) pairs after a break."""

    source: str  # "A", "A hold-out", "B", "B hold-out"
    data: SuiteData
    rows: pd.DataFrame  # series, event (nominal month), break (month), origin (index t)


def _shift(y: np.ndarray, b: int) -> float:
    """Mean of y[b:b+3] over mean of y[b-3:b] (NaN where either is below BREAK_MIN_LEVEL)."""
    if b < 3 or b + 3 > len(y):
        return float("nan")
    pre, post = float(np.mean(y[b - 3 : b])), float(np.mean(y[b : b + 3]))
    if min(pre, post) < BREAK_MIN_LEVEL:
        return float("nan")
    return post / pre


def break_rows(data: SuiteData, *, min_months: int = 25) -> pd.DataFrame:
    """The (series, event, break month, origin) rows of Suite C in one set (see the module doc)."""
    index = {m: i for i, m in enumerate(data.months)}
    n = len(data.months)
    rows = []
    for name, values in data.series.items():
        y = np.asarray(values, float)
        for event in BREAK_EVENTS:
            if event not in index:
                continue
            e = index[event]
            cands = [(abs(np.log(r)), b, r) for b in (e - 1, e, e + 1) if np.isfinite(r := _shift(y, b))]
            if not cands:
                continue
            _, b, ratio = max(cands)
            if BREAK_DROP < ratio < BREAK_SHIFT:
                continue
            # origin t trains on y[:t]; its last training month is index t - 1
            for t in range(max(b + 1, min_months), min(b + 1 + BREAK_ORIGINS, n - 1) + 1):
                rows.append(
                    {"series": name, "event": event, "break": data.months[b], "ratio": ratio, "origin": t}
                )
    frame = pd.DataFrame(rows, columns=["series", "event", "break", "ratio", "origin"])
    # an origin after two breaks of one series counts once (the later break)
    return frame.drop_duplicates(["series", "origin"], keep="last").reset_index(drop=True)


def load_breaks(obs: Any) -> list[BreakSet]:
    """Suite C: the after-break rows of suites A and B and of their hold-out twins."""
    out = []
    pairs: tuple[tuple[SuiteName, str], ...] = (("recent", "A"), ("long", "B"))
    for suite, label in pairs:
        for loader, tag in ((load, ""), (load_holdout, " hold-out")):
            data = loader(obs, suite)
            out.append(BreakSet(f"{label}{tag}", data, break_rows(data)))
    return out


def run_breaks(
    sets: Sequence[BreakSet],
    *,
    spec: fc.ModelSpec = fc.DEFAULT_SPEC,
    baselines: Sequence[fc.BaselineName] = ("naive", "naive_log"),
    levels: Sequence[int] = (80, 95),
) -> pd.DataFrame:
    """Backtest rows of Suite C: each set's model run over all its series (as in its suite), scored
    only at the after-break origins. Columns as `fc.score_rows`, plus `source` and `event`."""
    frames = []
    for part in sets:
        if part.rows.empty:
            continue
        origins = sorted(part.rows["origin"].unique())
        bt = fc.backtest_series(
            part.data.series,
            part.data.months,
            origins,
            horizon=HORIZON,
            levels=levels,
            baselines=baselines,
            spec=spec,
        )
        keep = part.rows[["series", "origin", "event"]]
        long = bt.long.merge(keep, on=["series", "origin"], how="inner")
        frames.append(long.assign(source=part.source))
    return pd.concat(frames, ignore_index=True)


def run_suite_c(obs: Any, *, levels: Sequence[int] = (80, 95)) -> tuple[SuiteData, fc.Backtest]:
    """Suite C as one backtest table (Corridor, naive, naive_log, seasonal naive)."""
    import time

    start = time.perf_counter()
    sets = load_breaks(obs)
    long = run_breaks(sets, baselines=("naive", "naive_log", "snaive"), levels=levels)
    seconds = time.perf_counter() - start
    table = fc.summarise(long, levels, order=["corridor", "naive", "naive_log", "snaive"])
    pairs = long[long["model"] == "corridor"][["source", "series", "origin"]].drop_duplicates()
    desc = (
        f"Suite C (after a break): {len(pairs[['source', 'series']].drop_duplicates())} series of "
        "suites A and B and their "
        f"hold-out twins whose level shifted by 50% or more within 3 months at a known break, "
        f"{len(pairs)} series-origins from the break to 18 months after it, horizons 1-{HORIZON}; "
        "MASE and Winkler scaled by each series' mean absolute one-step change"
    )
    first, last = min(sets[0].data.months), max(sets[0].data.months)
    bt = fc.Backtest(table, fc.by_horizon(long), long, (first, last, len(pairs)), desc, {"all": seconds})
    data = SuiteData("breaks", "Suite C (after a break)", {}, [], [], " | ".join(p.source for p in sets))
    return data, bt


def run(
    obs: Any,
    suite: SuiteName | Literal["breaks"],
    *,
    baselines: Sequence[fc.BaselineName] = ("naive", "snaive", "autoets"),
    levels: Sequence[int] = (80, 95),
    progress: Callable[[str], None] | None = None,
) -> tuple[SuiteData, fc.Backtest]:
    """Run a suite: Corridor's model (timed, one pass over all origins) against the baselines.

    `suite="breaks"` runs Suite C (after a break) against naive, naive with log-scale intervals
    and seasonal naive only (statsforecast refits at its thousands of origins would take hours).
    """
    if suite == "breaks":
        return run_suite_c(obs, levels=levels)
    data = load(obs, suite)
    bt = fc.backtest_series(
        data.series,
        data.months,
        data.origins,
        horizon=HORIZON,
        levels=levels,
        baselines=baselines,
        progress=progress,
    )
    bt.description = f"{data.title}: {bt.description}"
    return data, bt

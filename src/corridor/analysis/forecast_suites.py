"""The two documented backtest suites of issue 4, built from the warehouse through `flows`.

- recent: southwest total, the 10 largest citizenship values (CBP's OTHER counts as one) and
  the 4 demographics, all encounters, CBP nationwide files, Oct 2019 - Nov 2025; 30 rolling
  origins, the last one 6 months before the data end.
- long: Border Patrol southwest total, the 10 largest citizenships and the 9 southwest sectors,
  FY2000 - Nov 2024 (OHSS workbook era); an origin every month from Oct 2008.
Horizons 1-6; MASE and Winkler scores scaled by each series' mean absolute one-step change over
the whole suite period.

Each suite has a hold-out twin (`load_holdout`): series outside the suite, over the same months
with the same origins, that no setting of Corridor's model was chosen on:
- recent: southwest citizenship values ranked 11-19, the northern and coastal totals, the 7
  largest northern citizenship values and the 4 northern demographics (22 series);
- long: Border Patrol southwest citizenships ranked 11-20, the northern and coastal totals and
  their 12 sectors (24 series).
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

        raise UsageError(f"--suite {suite!r} is not one of {', '.join(SUITES)}")
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
    cframe = cit.tidy()
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


def _ranked(frame: pd.DataFrame, key: str, lo: int, hi: int) -> dict[str, pd.Series]:
    rank = frame.groupby(key)["encounters"].sum().sort_values(ascending=False, kind="stable").index[lo:hi]
    return _wide(frame[frame[key].isin(rank)], key)


def load_holdout(obs: Any, suite: SuiteName) -> SuiteData:
    """A suite's hold-out twin: series outside it, same months and origins (see the module doc)."""
    series: dict[str, pd.Series] = {}
    if suite == "recent":
        cit = obs.flows(region="southwest", by=["month", "citizenship"]).tidy()
        series |= {f"southwest citizenship {k}": v for k, v in _ranked(cit, "citizenship", 10, 19).items()}
        for region in ("northern", "coastal"):
            series[f"{region} total"] = (
                obs.flows(region=region, by="month").tidy().set_index("month")["encounters"]
            )
        north = obs.flows(region="northern", by=["month", "citizenship"]).tidy()
        series |= {f"northern citizenship {k}": v for k, v in _ranked(north, "citizenship", 0, 7).items()}
        dem = obs.flows(region="northern", by=["month", "demographic"]).tidy()
        series |= {f"northern demographic {k}": v for k, v in _wide(dem, "demographic").items()}
        title = "Suite A hold-out (recent, all encounters, series outside Suite A)"
    elif suite == "long":
        base: dict[str, Any] = {"component": "usbp", "until": "2024-11"}
        cit = obs.flows(region="southwest", by=["month", "citizenship"], **base).tidy()
        series |= {f"southwest citizenship {k}": v for k, v in _ranked(cit, "citizenship", 10, 20).items()}
        for region in ("northern", "coastal"):
            total = obs.flows(region=region, by="month", **base).tidy()
            series[f"{region} total"] = total.set_index("month")["encounters"]
            sectors = obs.flows(region=region, by=["month", "sector"], **base).tidy()
            series |= {f"{region} sector {k}": v for k, v in _wide(sectors, "sector").items()}
        title = "Suite B hold-out (long history, Border Patrol, series outside Suite B)"
    else:
        from corridor.errors import UsageError

        raise UsageError(f"--suite {suite!r} is not one of {', '.join(SUITES)}")
    months = sorted(set.intersection(*(set(s.index) for s in series.values())))
    mat = {k: s.reindex(months).to_numpy(float) for k, s in series.items()}
    return SuiteData(
        suite, title, mat, months, _origins(suite, months), f"{len(mat)} series outside the suite"
    )


def run(
    obs: Any,
    suite: SuiteName,
    *,
    baselines: Sequence[fc.BaselineName] = ("naive", "snaive", "autoets"),
    levels: Sequence[int] = (80, 95),
    progress: Callable[[str], None] | None = None,
) -> tuple[SuiteData, fc.Backtest]:
    """Run a suite: Corridor's model (timed, one pass over all origins) against the baselines."""
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

"""The two documented backtest suites of issue 4, built from the warehouse through `flows`.

- recent: southwest total, the 10 largest citizenship values (CBP's OTHER counts as one) and
  the 4 demographics, all encounters, CBP nationwide files, Oct 2019 - Nov 2025; 30 rolling
  origins, the last one 6 months before the data end.
- long: Border Patrol southwest total, the 10 largest citizenships and the 9 southwest sectors,
  FY2000 - Nov 2024 (OHSS workbook era); an origin every month from Oct 2008.
Horizons 1-6; MASE and Winkler scores scaled by each series' mean absolute one-step change over
the whole suite period.
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
    n = len(months)
    if suite == "recent":
        origins = list(range(n - HORIZON - 29, n - HORIZON + 1))
    else:
        start = months.index(dt.date(2008, 10, 1)) + 1
        origins = list(range(start, n - HORIZON + 1))
    sources = " | ".join(r.caption() for r in used[:1]) + f" ({len(mat)} series)"
    return SuiteData(suite, title, mat, months, origins, sources)


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

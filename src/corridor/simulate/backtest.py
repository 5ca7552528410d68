"""Out-of-sample checks: calibrate on an early window, drive with actual inputs, compare.

- Pathways: calibrated on FY2014-FY2021, driven by the actual encounters of Oct 2021 - Aug 2024;
  for each outcome, the share of months whose actual total lies inside the central interval.
- Backlog: calibrated up to FY2020 (EOIR 2026 definition), driven by actual receipts of
  FY2021-FY2024; the error of the median pending count in each year. And the same from every
  origin the model can calibrate on, one to four years ahead: how often the interval held.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.simulate import backlog as backlog_model
from corridor.simulate import calibrate as calibration
from corridor.simulate import pathways as pathways_model
from corridor.simulate.history import OUTCOMES, History

MAJOR = ("t8_repatriation", "t42_expulsion", "transfer_ice", "transfer_hhs", "usbp_release", "ofo_parole")


def pathways(
    history: History,
    *,
    calibrate_from: dt.date = dt.date(2013, 10, 1),
    calibrate_until: dt.date = dt.date(2021, 9, 1),
    since: dt.date = dt.date(2021, 10, 1),
    until: dt.date | None = None,
    runs: int = 2000,
    seed: int = 0,
    level: float = 0.8,
) -> tuple[pd.DataFrame, pathways_model.PathwaysResult]:
    """Coverage of the central interval, per outcome, over the test months."""
    until = until or history.months[-1]
    cal = calibration.calibrate(history, start=calibrate_from, end=calibrate_until)
    drv = pathways_model.drivers(history, since=since, until=until, encounters="history")
    result = pathways_model.simulate(cal, drv, runs=runs, seed=seed, level=level)
    i0 = history.index(since)
    actual = history.outcomes[i0 : i0 + len(drv.months)].sum(axis=1)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for k, name in enumerate(OUTCOMES):
        sims = result.samples[:, :, k]
        lo, mid, hi = np.quantile(sims, [lo_q, 0.5, hi_q], axis=0)
        months = np.ones(len(drv.months), dtype=bool)
        if name == "t42_expulsion":
            months = drv.title42 > 0  # the outcome exists only while the order applies
        a = actual[:, k][months]
        inside = (a >= lo[months]) & (a <= hi[months])
        rows.append(
            {
                "outcome": name,
                "major": name in MAJOR,
                "months": int(months.sum()),
                "inside": int(inside.sum()),
                "coverage": float(inside.mean()),
                "actual_total": float(a.sum()),
                "median_total": float(mid[months].sum()),
                "total_error": float(mid[months].sum() / a.sum() - 1) if a.sum() else float("nan"),
            }
        )
    return pd.DataFrame(rows), result


def backlog(
    caseload: pd.DataFrame,
    *,
    calibrate_until: int = 2020,
    start: int = 2021,
    end: int = 2024,
    runs: int = 2000,
    seed: int = 0,
    level: float = 0.8,
    definition: backlog_model.Definition = "eoir_2026",
) -> tuple[pd.DataFrame, backlog_model.BacklogResult]:
    """Median pending vs EOIR's, per year, driven by actual receipts (pending at FY`start-1` actual)."""
    cal = backlog_model.calibrate(caseload, until=calibrate_until, definition=definition)
    data = backlog_model.complete_years(caseload, definition)
    years = list(range(start, end + 1))
    receipts = np.array([float(data.loc[y, "receipts"]) for y in years])
    result = backlog_model.simulate(
        cal,
        start=start,
        end=end,
        receipts=receipts,
        receipts_source="actual EOIR receipts",
        runs=runs,
        seed=seed,
        level=level,
        start_pending=float(data.loc[start - 1, "pending"]),
    )
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for i, fy in enumerate(years):
        actual = float(data.loc[fy, "pending"])
        lo, mid, hi = np.quantile(result.pending[:, i], [lo_q, 0.5, hi_q])
        rows.append(
            {
                "fiscal_year": fy,
                "actual_pending": actual,
                "median_pending": float(mid),
                "lower": float(lo),
                "upper": float(hi),
                "inside": bool(lo <= actual <= hi),
                "error": float(mid / actual - 1),
                "actual_completions": float(data.loc[fy, "completions"]),
                "median_completions": float(np.median(result.completions[:, i])),
            }
        )
    return pd.DataFrame(rows), result


def backlog_rolling(
    caseload: pd.DataFrame,
    *,
    horizon: int = 4,
    runs: int = 1000,
    seed: int = 0,
    level: float = 0.8,
    definition: backlog_model.Definition = "eoir_2026",
) -> pd.DataFrame:
    """Every origin the model can calibrate on, 1..`horizon` years ahead, driven by actual receipts:
    one row per (origin, year) with the error of the median and whether the interval held."""
    data = backlog_model.complete_years(caseload, definition)
    last = int(data.index.max())
    frames = []
    for origin in [int(y) for y in data.index if int(y) < last]:
        try:
            backlog_model.calibrate(caseload, until=origin, definition=definition)
        except UsageError:
            continue  # too few years before this origin
        table, _ = backlog(
            caseload,
            calibrate_until=origin,
            start=origin + 1,
            end=min(origin + horizon, last),
            runs=runs,
            seed=seed,
            level=level,
            definition=definition,
        )
        table.insert(0, "origin", origin)
        table.insert(2, "ahead", table["fiscal_year"] - origin)
        frames.append(table)
    if not frames:
        raise UsageError(f"EOIR's {definition} table has too few complete years for a backtest")
    return pd.concat(frames, ignore_index=True)


def backlog_coverage(rolling: pd.DataFrame) -> dict:
    """The rolling backtest in a few numbers: origins, years checked, years inside the interval."""
    origins = sorted(set(rolling["origin"]))
    span = f"FY{origins[0]}" if len(origins) == 1 else f"FY{origins[0]}-FY{origins[-1]}"
    ahead = int(rolling["ahead"].max())
    return {
        "origins": f"calibrated up to each of {span}, 1 to {ahead} years ahead",
        "years": len(rolling),
        "inside": int(rolling["inside"].sum()),
        "coverage": float(rolling["inside"].mean()),
        "median_abs_error": float(rolling["error"].abs().median()),
    }

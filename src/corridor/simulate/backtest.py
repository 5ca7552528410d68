"""Out-of-sample checks: calibrate on an early window, drive with actual inputs, compare.

- Pathways: calibrated on FY2014-FY2021, driven by the actual encounters of Oct 2021 - Aug 2024;
  for each outcome, the share of months whose actual total lies inside the central interval.
- Backlog: calibrated up to FY2020 (EOIR 2026 definition), driven by actual receipts of
  FY2021-FY2024; the error of the median pending count in each year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

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
    definition: backlog_model.Definition = "eoir_2026",
) -> tuple[pd.DataFrame, backlog_model.BacklogResult]:
    """Median pending vs EOIR's, per year, driven by actual receipts."""
    cal = backlog_model.calibrate(caseload, until=calibrate_until, definition=definition)
    data = caseload[caseload["definition"] == definition].set_index("fiscal_year")
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
    )
    rows = []
    for i, fy in enumerate(years):
        actual = float(data.loc[fy, "pending"])
        lo, mid, hi = np.quantile(result.pending[:, i], [0.1, 0.5, 0.9])
        rows.append(
            {
                "fiscal_year": fy,
                "actual_pending": actual,
                "median_pending": float(mid),
                "lower": float(lo),
                "upper": float(hi),
                "error": float(mid / actual - 1),
                "actual_completions": float(data.loc[fy, "completions"]),
                "median_completions": float(np.median(result.completions[:, i])),
            }
        )
    return pd.DataFrame(rows), result

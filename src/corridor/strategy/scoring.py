"""Scoring one indicator: baseline, latest, change, and a status decided against its own noise.

"No clear change" is decided honestly: against the published standard errors where the source
has them (WGI, TI CPI: |change| < 1.96 x SE of the difference), otherwise against the series'
own year-to-year variation up to the baseline (|change| < 1.96 x sd of yearly changes x
sqrt(years), on the log scale for counts, which move in proportion). A series with fewer than
eight yearly changes borrows the noise of a long series of the same kind where one exists
(encounters: the Border Patrol southwest series since FY1960); otherwise there is not enough
history to judge, and the status says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Status = Literal["improving", "worsening", "no clear change", "context", "no data"]
SCORES = {"improving": 1.0, "no clear change": 0.5, "worsening": 0.0}
Z = 1.96
MIN_CHANGES = 8  # yearly changes needed to estimate a series' own noise


@dataclass
class IndicatorScore:
    """The scored result for one indicator."""

    baseline_year: int | None
    baseline: float | None
    latest_year: int | None
    latest: float | None
    change: float | None
    change_pct: float | None
    threshold: float | None
    status: Status
    method: str
    target: float | None = None
    target_year: int | None = None

    @property
    def score(self) -> float | None:
        return SCORES.get(self.status)


def score_series(
    series: pd.Series,
    *,
    direction: str,
    baseline: int,
    se: pd.Series | None = None,
    log_scale: bool = False,
    window: int = 3,
    reference: np.ndarray | None = None,
    reference_name: str = "",
) -> IndicatorScore:
    """Score a yearly series (index = year) against its baseline year.

    The baseline is the value at `baseline`, or the nearest earlier year within `window` years.
    """
    s = series.dropna().sort_index()
    empty = IndicatorScore(None, None, None, None, None, None, None, "no data", "no observations")
    if s.empty:
        return empty
    base_years = [y for y in s.index if baseline - window <= y <= baseline]
    if not base_years:
        return IndicatorScore(
            None,
            None,
            int(s.index[-1]),
            float(s.iloc[-1]),
            None,
            None,
            None,
            "no data",
            f"no observation in {baseline - window}..{baseline}",
        )
    b_year = int(max(base_years))
    l_year = int(s.index[-1])
    b, latest = float(s[b_year]), float(s.iloc[-1])
    change = latest - b
    # A percentage change only means something on a ratio scale (no zero or negative values).
    pct = change / b * 100 if (s > 0).all() else None
    if l_year <= b_year:
        return IndicatorScore(
            b_year, b, l_year, latest, None, None, None, "no data", "no observation after the baseline"
        )
    if direction == "context":
        return IndicatorScore(b_year, b, l_year, latest, change, pct, None, "context", "shown, not scored")
    k = l_year - b_year
    if (
        se is not None
        and b_year in se.index
        and l_year in se.index
        and pd.notna(se[b_year])
        and pd.notna(se[l_year])
    ):
        threshold = Z * math.hypot(float(se[b_year]), float(se[l_year]))
        stat, method = change, "published standard errors (95%)"
    else:
        values = s.to_numpy(dtype=float)
        years = s.index.to_numpy()
        if log_scale:
            values = np.log1p(np.clip(values, 0, None)) if (values <= 0).any() else np.log(values)
        # Year-to-year changes per year elapsed (surveys can be years apart).
        # Noise comes from the history up to the baseline, so the change being judged is not
        # counted as noise; yearly changes are scaled per year elapsed (surveys can be years apart).
        pre = years <= b_year
        gaps = np.diff(years[pre]).astype(float)
        diffs = np.diff(values[pre]) / np.sqrt(gaps)
        stat = values[-1] - values[list(years).index(b_year)]
        if len(diffs) < MIN_CHANGES and reference is not None and len(reference) >= MIN_CHANGES:
            # A short series cannot estimate its own noise without counting the change being judged;
            # a long series that measures the same kind of thing stands in for it.
            diffs = np.asarray(reference, dtype=float)
            method = f"year-to-year variation of {reference_name} ({len(diffs)} changes, log scale)"
        elif len(diffs) < MIN_CHANGES:
            return IndicatorScore(
                b_year,
                b,
                l_year,
                latest,
                change,
                pct,
                None,
                "no clear change",
                f"too little history to judge ({len(diffs)} yearly changes)",
            )
        else:
            scale = " (log scale)" if log_scale else ""
            method = f"own year-to-year variation to the baseline{scale}, {len(diffs)} changes"
        sd = float(np.std(diffs, ddof=1))
        threshold = Z * sd * math.sqrt(k)
    if abs(stat) <= threshold:
        status: Status = "no clear change"
    else:
        good = (stat > 0) == (direction == "higher")
        status = "improving" if good else "worsening"
    return IndicatorScore(b_year, b, l_year, latest, change, pct, threshold, status, method)


def band(score: float | None) -> str:
    """Traffic-light band of a 0..1 score, as DHIS2 scorecards colour them."""
    if score is None or score != score:
        return "grey"
    if score >= 2 / 3:
        return "green"
    if score >= 1 / 3:
        return "amber"
    return "red"

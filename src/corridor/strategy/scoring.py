"""Scoring one indicator: baseline, latest, change, and a status decided against its own noise.

One rule, used by the strategy trackers and the country profiles alike. A change is *clear* when
it is larger than 1.96 times its noise (95%); otherwise the status is "no clear change". The noise
depends on what the series is:

- **Published standard errors** (WGI, TI CPI): the standard error of the difference.
- **Counts** (people, events, visas) are judged on the log scale, since they move in proportion:
  against the series' own year-to-year variation up to the baseline (at least eight yearly
  changes), or, for a short series, that of a long series of the same kind (encounters borrow the
  Border Patrol southwest series since FY1960), and never below the Poisson floor
  sqrt(1/baseline + 1/latest) of two counts of that size. **Amounts** of money are judged the
  same way, without the Poisson floor (dollars are not events).
- **Shares and rates** (%, per 100,000) are judged on their own scale (percentage points), never on the scale
  of the counts behind them: against the share's own year-to-year variation (eight or more
  changes), or else the standard error of each year's value from the spread of its monthly
  values, and never below the binomial floor 100 * sqrt(p1(1-p1)/n1 + p2(1-p2)/n2) where the
  denominators n are known. So a Title 42 share that falls from 61% to 0% is a clear change.
- **Other levels** (index scores, ranks): against their own year-to-year variation up to the
  baseline, or that of the same index across countries where one is given.

Yearly changes are scaled per year elapsed (surveys can be years apart) and the threshold grows
with the square root of the years between baseline and latest. With eight or more yearly changes
the multiplier is 1.96; with three to seven it is Student's t (95%, n - 1 degrees of freedom),
wider because the variation itself is uncertain. With fewer than three and no reference series
or monthly values, the status is "too little history": shown, not scored (a floor alone only
bounds the noise from below, so it cannot call a change clear by itself).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

Status = Literal[
    "improving",
    "worsening",
    "no clear change",
    "too little history",
    "context",
    "no baseline",
    "no later data",
    "no data",
]
Scale = Literal["count", "amount", "share", "level"]
STATUSES: tuple[str, ...] = get_args(Status)  # the statuses, in the order above
SCORES = {"improving": 1.0, "no clear change": 0.5, "worsening": 0.0}
Z = 1.96
MIN_CHANGES = 8  # yearly changes for the normal multiplier; fewer use Student's t
MIN_SHORT = 3  # fewest yearly changes a series' own variation is estimated from


def critical(n: int) -> float:
    """The 95% two-sided multiplier for noise estimated from n yearly changes."""
    if n >= MIN_CHANGES:
        return Z
    from scipy.stats import t

    return float(t.ppf(0.975, n - 1))


def _own_noise(diffs: np.ndarray, k: int, what: str) -> tuple[float, str]:
    """Threshold from the series' own changes (n >= MIN_SHORT) and the words for it."""
    n = len(diffs)
    mult = critical(n)
    words = f"{what}, {n} changes" + ("" if n >= MIN_CHANGES else f" (t multiplier {mult:.2f})")
    return mult * float(np.std(diffs, ddof=1)) * math.sqrt(k), words


@dataclass
class IndicatorScore:
    """The scored result for one indicator: values, change, the threshold it was judged by, why."""

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
    scale: str = "level"
    change_unit: str = ""  # what `threshold` is measured in: "log points", "percentage points", ...

    @property
    def score(self) -> float | None:
        return SCORES.get(self.status)


def value_text(value: Any, scale: str = "level", *, unit: str = "", year: Any = None) -> str:
    """A scored value as people read it: '–' when missing, else whole from 1,000 (and for whole
    counts) or with two decimals, then `unit`, then ' (year)' when a year is given."""
    if value is None or value != value:
        return "–"
    whole = abs(value) >= 1000 or (scale == "count" and float(value).is_integer())
    number = f"{value:,.0f}" if whole else f"{value:,.2f}"
    return number + unit + ("" if year is None or year != year else f" ({int(year)})")


def change_text(row: Any, number: Callable[[float, str], str]) -> str:
    """A scored row's change as people read it: '–' when missing, percentage points for a share,
    else the signed change written by `number(change, scale)` and the percent change beside it."""
    if row.change is None or row.change != row.change:
        return "–"
    if row.scale == "share":
        return f"{row.change:+,.2f} points"
    pct = "" if row.change_pct is None or row.change_pct != row.change_pct else f" ({row.change_pct:+.0f}%)"
    return number(row.change, row.scale) + pct


def _empty(status: Status, method: str, **values: float | int | None) -> IndicatorScore:
    base = dict.fromkeys(("baseline_year", "baseline", "latest_year", "latest", "change", "change_pct"))
    base.update(values)
    return IndicatorScore(**base, threshold=None, status=status, method=method)  # type: ignore[arg-type]


def _own_changes(values: np.ndarray, years: np.ndarray, until: int) -> np.ndarray:
    """Year-to-year changes up to `until`, each scaled by sqrt(years elapsed)."""
    pre = years <= until
    gaps = np.diff(years[pre]).astype(float)
    return np.diff(values[pre]) / np.sqrt(gaps)


def score_series(
    series: pd.Series,
    *,
    direction: str,
    baseline: int,
    se: pd.Series | None = None,
    scale: Scale = "level",
    window: int = 3,
    reference: np.ndarray | None = None,
    reference_name: str = "",
    within_se: pd.Series | None = None,
    denominators: pd.Series | None = None,
    log_scale: bool | None = None,
) -> IndicatorScore:
    """Score a yearly series (index = year) against its baseline year (see the module docstring).

    The baseline is the value at `baseline`, or the nearest earlier year within `window` years.
    `reference` holds yearly changes of a long series of the same kind (on the scale judged: log
    for counts) for a series too short to estimate its own noise. For shares, `within_se` gives
    each year's standard error from its monthly values and `denominators` each year's total.
    `log_scale=True` is the older spelling of `scale="count"`.
    """
    if log_scale:
        scale = "count"
    result = _score(
        series,
        direction=direction,
        baseline=baseline,
        se=se,
        scale=scale,
        window=window,
        reference=reference,
        reference_name=reference_name,
        within_se=within_se,
        denominators=denominators,
    )
    result.scale = scale
    return result


def _score(
    series: pd.Series,
    *,
    direction: str,
    baseline: int,
    se: pd.Series | None = None,
    scale: Scale = "level",
    window: int = 3,
    reference: np.ndarray | None = None,
    reference_name: str = "",
    within_se: pd.Series | None = None,
    denominators: pd.Series | None = None,
) -> IndicatorScore:
    s = series.dropna().sort_index()
    if s.empty:
        return _empty("no data", "no observations")
    base_years = [y for y in s.index if baseline - window <= y <= baseline]
    if not base_years:
        # A later value exists but nothing near the baseline to compare it with: say so, never
        # "no data" beside a number.
        return _empty(
            "no baseline",
            f"no observation in {baseline - window}..{baseline} to compare with",
            latest_year=int(s.index[-1]),
            latest=float(s.iloc[-1]),
        )
    b_year = int(max(base_years))
    l_year = int(s.index[-1])
    b, latest = float(s[b_year]), float(s.iloc[-1])
    change = latest - b
    # A percentage change only means something on a ratio scale (no zero or negative values), and
    # a share's change is read in percentage points, never as a percent of a percent.
    pct = change / b * 100 if (s > 0).all() and scale != "share" else None
    values = dict(
        baseline_year=b_year, baseline=b, latest_year=l_year, latest=latest, change=change, change_pct=pct
    )
    if l_year <= b_year:
        return _empty("no later data", "no observation after the baseline", **values)
    if direction == "context":
        return _empty("context", "shown, not scored", **values)
    k = l_year - b_year
    years = s.index.to_numpy()
    raw = s.to_numpy(dtype=float)
    if se is not None and _has(se, b_year) and _has(se, l_year):
        threshold = Z * math.hypot(float(se[b_year]), float(se[l_year]))
        return _verdict(values, change, threshold, direction, "published standard errors (95%)", scale, "")
    if scale in ("count", "amount"):
        logged = np.log1p(np.clip(raw, 0, None)) if (raw <= 0).any() else np.log(raw)
        stat = float(logged[-1] - logged[list(years).index(b_year)])
        diffs = _own_changes(logged, years, b_year)
        counts = scale == "count"
        floor = Z * math.sqrt(1 / max(b, 1.0) + 1 / max(latest, 1.0)) if counts else 0.0
        floor_name = f"Poisson floor {floor:.3f} for counts of {b:,.0f} and {latest:,.0f}"
        noise: float | None = None
        if len(diffs) >= MIN_CHANGES or (len(diffs) >= MIN_SHORT and reference is None):
            noise, what = _own_noise(diffs, k, "own year-to-year variation to the baseline (log scale)")
        elif reference is not None and len(reference) >= MIN_CHANGES:
            ref = np.asarray(reference, dtype=float)
            noise = Z * float(np.std(ref, ddof=1)) * math.sqrt(k)
            what = f"year-to-year variation of {reference_name} ({len(ref)} changes, log scale)"
        else:
            return _empty(
                "too little history", f"too little history to judge ({len(diffs)} yearly changes)", **values
            )
        threshold = max(noise, floor)
        if floor > noise:
            what += f"; {floor_name}"
        return _verdict(values, stat, threshold, direction, what, scale, "log points")  # type: ignore[arg-type]
    if scale == "share":
        diffs = _own_changes(raw, years, b_year)
        share_noise: float | None = None
        what = ""
        if len(diffs) >= MIN_CHANGES:
            share_noise, what = _own_noise(diffs, k, "the share's own year-to-year variation to the baseline")
        elif within_se is not None and _has(within_se, b_year) and _has(within_se, l_year):
            share_noise = Z * math.hypot(float(within_se[b_year]), float(within_se[l_year]))
            what = (
                f"the share's monthly variation within FY{b_year} and FY{l_year} (standard errors "
                f"{float(within_se[b_year]):.2f} and {float(within_se[l_year]):.2f} points)"
            )
        binomial = None
        if denominators is not None and _has(denominators, b_year) and _has(denominators, l_year):
            p1, p2 = b / 100, latest / 100
            n1, n2 = float(denominators[b_year]), float(denominators[l_year])
            if n1 > 0 and n2 > 0 and 0 <= p1 <= 1 and 0 <= p2 <= 1:
                binomial = Z * 100 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        if share_noise is None and len(diffs) >= MIN_SHORT:
            share_noise, what = _own_noise(diffs, k, "the share's own year-to-year variation to the baseline")
        if share_noise is None:
            return _empty(
                "too little history",
                f"too little history to judge ({len(diffs)} yearly changes, no monthly values)",
                **values,
            )
        threshold = share_noise if binomial is None else max(share_noise, binomial)
        if binomial is not None:
            what += f"; binomial floor {binomial:.3f} points"
        return _verdict(values, change, threshold, direction, what, scale, "percentage points")
    diffs = _own_changes(raw, years, b_year)
    if len(diffs) >= MIN_CHANGES or (len(diffs) >= MIN_SHORT and reference is None):
        threshold, what = _own_noise(diffs, k, "own year-to-year variation to the baseline")
    elif reference is not None and len(reference) >= MIN_CHANGES:
        ref = np.asarray(reference, dtype=float)
        threshold = Z * float(np.std(ref, ddof=1)) * math.sqrt(k)
        what = f"year-to-year variation of {reference_name} ({len(ref)} changes)"
    else:
        return _empty(
            "too little history", f"too little history to judge ({len(diffs)} yearly changes)", **values
        )
    return _verdict(values, change, threshold, direction, what, scale, "")


def _has(s: pd.Series, year: int) -> bool:
    return year in s.index and pd.notna(s[year])


def _verdict(
    values: dict[str, float | int | None],
    stat: float,
    threshold: float,
    direction: str,
    method: str,
    scale: str,
    unit: str,
) -> IndicatorScore:
    if abs(stat) <= threshold:
        status: Status = "no clear change"
    else:
        good = (stat > 0) == (direction == "higher")
        status = "improving" if good else "worsening"
    return IndicatorScore(
        **values,  # type: ignore[arg-type]
        threshold=threshold,
        status=status,
        method=method,
        scale=scale,
        change_unit=unit,
    )


def monthly_share_se(monthly: pd.DataFrame) -> pd.Series:
    """Standard error of each fiscal year's share from its months: sd(monthly shares) / sqrt(months).

    `monthly` has columns fiscal_year and share (percent), one row per month.
    """
    grouped = monthly.groupby("fiscal_year")["share"]
    return (grouped.std(ddof=1) / np.sqrt(grouped.count())).dropna()


def band(score: float | None) -> str:
    """Traffic-light band of a 0..1 score, as DHIS2 scorecards colour them."""
    if score is None or score != score:
        return "grey"
    if score >= 2 / 3:
        return "green"
    if score >= 1 / 3:
        return "amber"
    return "red"

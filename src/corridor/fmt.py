"""How numbers read in sentences and tables: counts with thousands separators, percentages with
enough digits to be honest (never "+0.0%" for a real difference), shares and rates at a fixed
precision. Every surface (CLI, report, dashboard, warnings) formats through here.
"""

from __future__ import annotations

import math


def count(value: float | int | None) -> str:
    """A count as an integer with thousands separators ('–' when missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{round(value):,}"


def pct(fraction: float | None, *, signed: bool = True) -> str:
    """A fraction as a percentage: 1 decimal, or 2 significant digits below 1% (0.0061 -> +0.61%)."""
    if fraction is None or not math.isfinite(fraction):
        return "–"
    value = fraction * 100
    if value == 0:
        return "0%"
    if abs(value) >= 1:
        text = f"{value:+.1f}" if signed else f"{value:.1f}"
    else:
        digits = max(1, 1 - math.floor(math.log10(abs(value))))
        text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text + "%"

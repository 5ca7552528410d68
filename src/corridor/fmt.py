"""How numbers read in sentences and tables: counts with thousands separators, percentages with
enough digits to be honest (never "+0.0%" for a real difference), shares and rates at a fixed
precision. Every surface (CLI, report, dashboard, warnings) formats through here.
"""

from __future__ import annotations

import functools
import math
from typing import Any


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
    if abs(value) < 1e-4:  # a real difference too small to print in full
        return ("-" if value < 0 else "+" if signed else "") + "<0.0001%"
    if abs(value) >= 1:
        text = f"{value:+,.1f}" if signed else f"{value:,.1f}"
    else:
        digits = max(1, 1 - math.floor(math.log10(abs(value))))
        text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text + "%"


# --- Table columns: one rule for the terminal, the dashboard and the report (issue 17) ----------
# A column's kind decides how every value in it prints, so a column reads at one precision.

Kind = str  # "year" | "count" | "share" | "change" | "percent" | "p" | "number" | "other"

YEAR_NAMES = (
    "year",
    "fiscal_year",
    "calendar_year",
    "since",
    "until",
    "since_year",
    "baseline_year",
    "latest_year",
    "target_year",
    "first_year",
    "last_year",
    "from_year",
    "to_year",
    "test_year",
    "trained_through",
)
# Columns holding counts of events or people (also medians and bounds of simulated counts).
COUNT_NAMES = (
    "encounters",
    "count",
    "rows",
    "bytes",
    "forecasts",
    "median",
    "lower",
    "upper",
    "point",
    "effect_abs",
    "effect_abs_lo",
    "effect_abs_hi",
    "effect_cum",
    "n",
    "n_obs",
    "n_placebos",
    "n_donors",
    "releases",
    "reference_total",
    "total",
    "difference",
    "pending",
    "receipts",
    "completions",
    "judges",
)
COUNT_PREFIXES = ("lo_", "hi_", "n_", "encounters_")
# Fractions shown as percentages (0.59 -> 59.0%), and signed changes as fractions (-0.86 -> -85.9%).
SHARE_NAMES = ("share", "level", "weight", "headline_weight", "negative_share", "pre_mape")
SHARE_PREFIXES = ("coverage", "share_")
CHANGE_NAMES = ("effect_rel", "effect_rel_lo", "effect_rel_hi", "difference_pct")
# Values already in percent units (51.2 -> +51.2%).
PERCENT_SUFFIXES = ("_pct", "_pct_lo", "_pct_hi", "_pct_sd")
PERCENT_NAMES = ("change_pct", "change %")


def is_year_column(name: str) -> bool:
    """Columns holding years: printed as 2019, never 2,019 or 2019.0."""
    return name in YEAR_NAMES or name.endswith("_year")


def column_kind(name: str, values: Any = None) -> Kind:
    """How a column's values read: by its name first, then by its values (None: unknown)."""
    import pandas as pd

    name = str(name)
    if is_year_column(name):
        return "year"
    if values is not None and not (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    ):
        return "other"
    if name in YEARISH_NAMES and values is not None and _all_years(values):
        return "year"
    if name == "p_value" or name.endswith("_p_value"):
        return "p"
    if name in CHANGE_NAMES:
        return "change"
    if name in PERCENT_NAMES or name.endswith(PERCENT_SUFFIXES):
        return "percent"
    if name in SHARE_NAMES or name.startswith(SHARE_PREFIXES) or name.endswith("_share"):
        return "share"
    if name in COUNT_NAMES or name.startswith(COUNT_PREFIXES) or name.endswith("_count"):
        return "count"
    if values is not None and pd.api.types.is_integer_dtype(values):
        return "count"
    return "number"


# Columns that hold years when their values are whole numbers between 1900 and 2100.
YEARISH_NAMES = ("first", "last", "from", "to", "start", "end", "worst_in", "published_year")


def _all_years(values: Any) -> bool:
    numbers = [float(v) for v in values if v is not None and _finite(v)]
    return bool(numbers) and all(v.is_integer() and 1900 <= v <= 2100 for v in numbers)


def decimals_for(values: Any) -> int:
    """Decimals that give a column's typical (median) value 3 significant digits (0 to 4), so
    one column reads at one precision and small coefficients beside large ones keep a digit."""
    import numpy as np

    finite = [abs(float(v)) for v in values if v is not None and _finite(v)]
    finite = [v for v in finite if v > 0]
    if not finite:
        return 0
    typical = float(np.median(finite))
    places = int(np.clip(2 - math.floor(math.log10(typical)), 0, 4))
    fractional = any(not float(v).is_integer() for v in finite)
    return max(places, 1) if fractional and typical < 1000 else places


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def cell(value: Any, kind: Kind, *, decimals: int = 2) -> str:
    """One value of a column of `kind` as text; '–' for missing (never 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return "–"
        if kind == "year":
            return str(int(value)) if float(value).is_integer() else f"{value:g}"
        if kind == "count":
            return count(value)
        if kind == "p":
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        if kind == "share":
            return pct(value, signed=False)
        if kind == "change":
            return pct(value)
        if kind == "percent":
            return pct(value / 100)
        if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1000):
            return f"{int(value):,}"
        return f"{value:,.{decimals}f}"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def formatters(frame: Any) -> dict[str, Any]:
    """For each column of a frame, a function value -> text at the column's one precision."""
    out: dict[str, Any] = {}
    for col in frame.columns:
        name = str(col)
        kind = column_kind(name, frame[col])
        places = decimals_for(frame[col]) if kind == "number" else 2
        if name == "month":
            out[name] = _month_cell
        else:
            out[name] = functools.partial(cell, kind=kind, decimals=places)
    return out


def _month_cell(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()[:7]
    return cell(value, "other")


def signed(value: float | None, *, decimals: int = 1) -> str:
    """A signed number with separators (+1,234.5), '–' when missing."""
    if value is None or not _finite(value):
        return "–"
    return f"{value:+,.{decimals}f}"


def significant(value: float | None, digits: int = 3) -> str:
    """A rate at `digits` significant digits (0.0123, 12.3, 1,230), '–' when missing."""
    if value is None or not _finite(value):
        return "–"
    if value == 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{round(value, places):,.{places}f}"

"""Downloads that keep their context: filter columns, a header of `# ` lines, names that say what
is inside, and numbers rounded the way people read them.

Why `# ` comment lines at the top of the CSV rather than a sidecar file or a zip: the context
stays in the one file people pass around, a person sees it on opening it, and the usual readers
skip it (`pandas.read_csv(path, comment="#")`, R's `read.csv(comment.char = "#")`, DuckDB's
`read_csv(..., comment = '#')`, or `grep -v '^#'`). The lines say what was asked (the query
that reloads the same view), the period, the source and the flags (rounded, stitched,
partial), and every warning of the answer.

Rounding (CSV only; the JSON keeps full precision for programs): counts and years are
integers, other numbers keep 3 significant digits but never lose their integer part.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd

# Parameters that select what a table is about: a download carries each one it was asked for as a
# column (unless the table already has that column).
SELECTION = ("region", "component", "citizenship", "demographic", "sector", "title", "state", "iso3")
GRAINS = {"month": "monthly", "fiscal_year": "fiscal-years", "calendar_year": "calendar-years"}
MAX_NAME = 120


def is_year(column: str) -> bool:
    """Columns that hold years (written without decimals or separators)."""
    return column in ("year", "fiscal_year", "calendar_year", "since", "until") or column.endswith("_year")


def with_filters(frame: pd.DataFrame, filters: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with one constant column per filter it does not already have, first."""
    extra = {k: v for k, v in filters.items() if k not in frame.columns and v not in (None, "")}
    if not extra:
        return frame
    front = pd.DataFrame({k: [v] * len(frame) for k, v in extra.items()}, index=frame.index)
    return pd.concat([front, frame], axis=1)


def selection_of(kwargs: Mapping[str, Any]) -> dict[str, str]:
    """The selection parameters of a verb call as filter columns (lists joined by commas)."""
    out = {}
    for name in SELECTION:
        value = kwargs.get(name)
        if value in (None, "", [], ()):
            continue
        out[name] = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return out


def _round(x: float) -> float:
    """3 significant digits, but never fewer than the integer part (12640.9 -> 12641)."""
    if not math.isfinite(x) or x == 0:
        return x
    return float(round(x)) if abs(x) >= 100 else float(f"{x:.3g}")


def _plain(x: float) -> int | float | None:
    """3 significant digits (whole numbers without a decimal point); missing and infinite as None
    (as in the JSON)."""
    if not math.isfinite(x):
        return None
    r = _round(x)
    return int(r) if r == int(r) else r


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts and years as integers (missing stays empty), other numbers to 3 significant digits
    (never fewer than their integer part), infinite as empty."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        if pd.api.types.is_integer_dtype(s):
            continue
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = values[np.isfinite(values)]
        whole = is_year(str(col)) or (len(finite) > 0 and bool(np.all(finite == np.round(finite))))
        if whole and len(finite) == int(np.sum(~np.isnan(values))):
            out[col] = pd.array([None if math.isnan(v) else round(v) for v in values], dtype="Int64")
            continue
        out[col] = pd.Series([_plain(v) for v in values], index=out.index, dtype=object)
    return out


def comment_lines(fields: Sequence[tuple[str, Any]]) -> list[str]:
    """`# name: value` lines (lists become several lines; line breaks inside values become spaces)."""
    out = []
    for name, value in fields:
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if v in (None, ""):
                continue
            text = re.sub(r"\s+", " ", str(v)).strip()
            out.append(f"# {name}: {text}")
    return out


def csv_text(frame: pd.DataFrame, fields: Sequence[tuple[str, Any]]) -> str:
    """The CSV download: the `# ` header lines, then the rounded table."""
    head = "\n".join(comment_lines(fields))
    body = rounded(frame).to_csv(index=False, lineterminator="\n")
    return f"{head}\n{body}" if head else body


def read_header(text: str) -> dict[str, list[str]]:
    """The `# name: value` lines at the top of a downloaded CSV, by name (for reloading a view)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        name, _, value = line[1:].strip().partition(":")
        out.setdefault(name.strip(), []).append(value.strip())
    return out


def query_of(text: str) -> dict[str, list[str]]:
    """The query a downloaded CSV was made from (its `# query:` line), as name -> values."""
    query = read_header(text).get("query", [""])[0]
    out: dict[str, list[str]] = {}
    for k, v in parse_qsl(query):
        out.setdefault(k, []).append(v)
    return out


def safe_name(text: str) -> str:
    """A file name part: letters, digits, `.`, `-` and `_` only (never `..`)."""
    text = re.sub(r"[^A-Za-z0-9._-]+|\.{2,}", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-._") or "x"


def filename(parts: Sequence[str], *, ext: str = "csv") -> str:
    """Parts joined by `_`, each made safe, cut to a sensible length."""
    name = "_".join(safe_name(p) for p in parts if p)
    if len(name) > MAX_NAME:
        name = name[:MAX_NAME].rsplit("_", 1)[0]
    return f"{name}.{ext}"


def flows_filename(kwargs: Mapping[str, Any], period: str) -> str:
    """For example `southwest_usbp_VEN_monthly_2019-10_2025-11.csv`."""
    parts = [kwargs.get("region") or "nationwide", kwargs.get("component") or "all"]
    for name in ("citizenship", "demographic", "sector", "title", "state"):
        values = kwargs.get(name) or []
        if values:
            parts.append("-".join(values) if len(values) <= 4 else f"{len(values)}-{name}s")
    by = list(kwargs.get("by") or [])
    groups = [b for b in by if b not in GRAINS]
    if groups:
        parts.append("by-" + "-".join(groups))
    time = next((b for b in by if b in GRAINS), None)
    parts.append(GRAINS[time] if time else "total")
    parts += period.split("..") if period else []
    return filename(parts)


def verb_filename(verb: str, kwargs: Mapping[str, Any]) -> str:
    """The verb and the values it was asked for, e.g. `profile_GTM.csv`, `forecast_southwest_h12.csv`."""
    parts = [verb]
    for key, value in kwargs.items():
        if value in (None, "", [], ()):
            continue
        text = "-".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        parts.append(text if key in SELECTION or key in ("policy", "framework", "scenario", "indicator")
                     else f"{key}-{text}")  # fmt: skip
    return filename(parts)

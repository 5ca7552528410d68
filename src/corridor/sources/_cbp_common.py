"""Parsing shared by CBP's CSV releases (fiscal-year and month-abbreviation columns)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from corridor.reference.calendar import month_of_fy
from corridor.sources.base import RawTable


def fiscal_year_column(table: RawTable, column: str) -> pd.Series:
    """'2024' or '2026 (FYTD)' -> 2024/2026; anything else raises with its row."""
    out = []
    for i, raw in enumerate(table.frame[column].tolist()):
        m = re.fullmatch(r"\s*(\d{4})(\s*\(FYTD\))?\s*", str(raw))
        if not m:
            raise table.error(f"expected a fiscal year such as 2024, found {raw!r}", index=i, column=column)
        out.append(int(m.group(1)))
    return pd.Series(out, index=table.frame.index, dtype="int64")


def month_column(table: RawTable, fy: pd.Series, column: str) -> pd.Series:
    """Fiscal year + month label ('OCT', '01 October') -> first day of the calendar month."""
    cache: dict[tuple[int, str], dt.date] = {}
    out = []
    for i, (year, raw) in enumerate(zip(fy.tolist(), table.frame[column].tolist(), strict=True)):
        key = (year, str(raw))
        if key not in cache:
            try:
                cache[key] = month_of_fy(year, str(raw))
            except ValueError:
                raise table.error(f"unknown month {raw!r}", index=i, column=column) from None
        out.append(cache[key])
    return pd.Series(out, index=table.frame.index, dtype=object)

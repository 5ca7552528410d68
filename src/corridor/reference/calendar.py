"""The US federal fiscal calendar: FY N runs from October N-1 to September N.

Months are represented as the first day of the month (`datetime.date`).
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
ABBREV = {k[:3]: v for k, v in MONTHS.items()}


def fiscal_year(month: dt.date) -> int:
    """The fiscal year a month belongs to (October starts the next FY)."""
    return month.year + 1 if month.month >= 10 else month.year


def fy_months(fy: int) -> list[dt.date]:
    """The twelve months of fiscal year `fy`, October first."""
    out = []
    for i in range(12):
        m = 10 + i
        year = fy - 1 + (m - 1) // 12
        out.append(dt.date(year, (m - 1) % 12 + 1, 1))
    return out


def month_of_fy(fy: int, month_name: str) -> dt.date:
    """The calendar month of a fiscal-year month label such as 'OCT' or '01 October'."""
    key = re.sub(r"^\d+\s*", "", str(month_name).strip()).lower()
    number = MONTHS.get(key) or ABBREV.get(key[:3])
    if number is None:
        raise ValueError(f"unknown month label {month_name!r}")
    year = fy - 1 if number >= 10 else fy
    return dt.date(year, number, 1)


def parse_month(text: str) -> dt.date:
    """Parse 'YYYY-MM' (as used by --since/--until) into the first day of that month."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_floor(value: dt.date) -> dt.date:
    """The first day of the month of `value`."""
    return dt.date(value.year, value.month, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    """`month` shifted by `n` months."""
    idx = month.year * 12 + month.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """All months from `start` to `end` inclusive."""
    out = []
    m = month_floor(start)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out

"""Policy timeline the pathways model needs: when Title 42 and MPP applied (share of each month).

Sources: CDC Title 42 order, 85 FR 17060 (effective 20 Mar 2020), ended 11 May 2023 (88 FR
29473 on the end of the public health emergency); MPP: DHS memo of 24 Jan 2019 (first returns
28 Jan 2019), suspended 20 Jan 2021, re-implemented 6 Dec 2021 under court order, ended 8 Aug 2022.
"""

from __future__ import annotations

import calendar
import datetime as dt

TITLE42 = ((dt.date(2020, 3, 20), dt.date(2023, 5, 11)),)
MPP = ((dt.date(2019, 1, 28), dt.date(2021, 1, 20)), (dt.date(2021, 12, 6), dt.date(2022, 8, 8)))


def share_of_month(month: dt.date, spans: tuple[tuple[dt.date, dt.date], ...]) -> float:
    """Fraction of the days of `month` that fall inside any of `spans` (inclusive)."""
    days = calendar.monthrange(month.year, month.month)[1]
    first, last = month, dt.date(month.year, month.month, days)
    covered = 0
    for start, end in spans:
        lo, hi = max(first, start), min(last, end)
        if hi >= lo:
            covered += (hi - lo).days + 1
    return covered / days


def title42_share(month: dt.date) -> float:
    """Share of the month under the Title 42 order."""
    return share_of_month(month, TITLE42)


def mpp_active(month: dt.date) -> float:
    """Share of the month in which MPP returns took place."""
    return share_of_month(month, MPP)


def days_in(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]

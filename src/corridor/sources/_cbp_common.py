"""Parsing shared by CBP's CSV releases (fiscal-year and month-abbreviation columns)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from corridor.reference.calendar import month_of_fy
from corridor.sources.base import RawTable

# Fiscal years any DHS/CBP table here can hold; outside them a cell is damaged, not data.
FIRST_FY, LAST_FY = 1990, 2100


def fiscal_year_column(table: RawTable, column: str) -> pd.Series:
    """'2024' or '2026 (FYTD)' -> 2024/2026; anything else raises with its row."""
    extracted = table.frame[column].astype(str).str.extract(r"^\s*(\d{4})(?:\s*\(FYTD\))?\s*$")[0]
    bad = extracted.isna().to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a fiscal year such as 2024, found {raw!r}", index=i, column=column)
    return check_fiscal_years(table, extracted.astype("int64"), column)


def check_fiscal_years(table: RawTable, years: pd.Series, column: str) -> pd.Series:
    """`years` unchanged if all lie in 1990..2100; else raise at the first implausible one."""
    bad = ((years < FIRST_FY) | (years > LAST_FY)).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise table.error(f"implausible fiscal year {years.iloc[i]}", index=i, column=column)
    return years


def month_column(table: RawTable, fy: pd.Series, column: str) -> pd.Series:
    """Fiscal year + month label ('OCT', '01 October') -> first day of the calendar month."""
    keys = pd.Series(list(zip(fy.tolist(), table.frame[column].astype(str).tolist(), strict=True)))
    lookup: dict[tuple[int, str], dt.date] = {}
    for key in dict.fromkeys(keys.tolist()):
        try:
            lookup[key] = month_of_fy(key[0], key[1])
        except ValueError:
            i = keys.tolist().index(key)
            raw = table.frame[column].iloc[i]
            raise table.error(f"unknown month {raw!r}", index=i, column=column) from None
    return keys.map(lookup).set_axis(table.frame.index).astype(object)

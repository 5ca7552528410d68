"""Parsing shared by CBP's CSV releases (fiscal-year and month-abbreviation columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridor.reference.calendar import month_of_fy
from corridor.sources.base import RawTable, distinct

# Fiscal years any DHS/CBP table here can hold; outside them a cell is damaged, not data.
FIRST_FY, LAST_FY = 1990, 2100


def fiscal_year_column(table: RawTable, column: str) -> pd.Series:
    """'2024' or '2026 (FYTD)' -> 2024/2026; anything else raises with its row."""
    codes, uniques = distinct(table.frame[column])
    extracted = pd.Series(uniques).astype(str).str.extract(r"^\s*(\d{4})(?:\s*\(FYTD\))?\s*$")[0]
    bad = extracted.isna().to_numpy()[codes]
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raw = table.frame[column].iloc[i]
        raise table.error(f"expected a fiscal year such as 2024, found {raw!r}", index=i, column=column)
    years = extracted.fillna("0").astype("int64").to_numpy()[codes]
    return check_fiscal_years(table, pd.Series(years, index=table.frame.index), column)


def check_fiscal_years(table: RawTable, years: pd.Series, column: str) -> pd.Series:
    """`years` unchanged if all lie in 1990..2100; else raise at the first implausible one."""
    bad = ((years < FIRST_FY) | (years > LAST_FY)).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise table.error(f"implausible fiscal year {years.iloc[i]}", index=i, column=column)
    return years


def month_column(table: RawTable, fy: pd.Series, column: str) -> pd.Series:
    """Fiscal year + month label ('OCT', '01 October') -> first day of the calendar month."""
    labels = table.frame[column].astype(str).to_numpy(dtype=object)
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([fy.to_numpy(), labels]))
    months = np.empty(len(pairs), dtype=object)
    for j, (year, label) in enumerate(pairs):
        try:
            months[j] = month_of_fy(int(year), label)
        except ValueError:
            i = int(np.flatnonzero(codes == j)[0])
            raw = table.frame[column].iloc[i]
            raise table.error(f"unknown month {raw!r}", index=i, column=column) from None
    return pd.Series(months[codes], index=table.frame.index, dtype=object)

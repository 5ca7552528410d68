"""Cell-level helpers shared by the readers of publisher workbooks (OHSS tables and yearbook,
PRM, State Department visa sheets) and tables (EOIR, USBP historical): one copy of how a cell
reads as text, of the check that a published count is whole and rounded to 10, and of the check
that a fiscal year is plausible."""

from __future__ import annotations

import pandas as pd

from corridor.sources.base import MAX_WHOLE, RawTable, int_column
from corridor.sources.base import _cell_text as cell_text  # base's own: one copy for every reader

__all__ = ["cell_text", "fiscal_years", "rounded_count"]


def rounded_count(t: RawTable, raw: float, index: int, column: str) -> int:
    """A number cell as an OHSS count: whole, 0..MAX_WHOLE, and a multiple of 10 (OHSS rounds
    every count it publishes); anything else raises with its row and column."""
    if not float(raw).is_integer() or raw < 0 or raw > MAX_WHOLE:
        raise t.error(f"expected a count, found {raw!r}", index=index, column=column)
    if int(raw) % 10:
        raise t.error(f"{int(raw)} is not rounded to 10 as OHSS publishes", index=index, column=column)
    return int(raw)


def fiscal_years(t: RawTable, column: str, *, first: int) -> pd.Series:
    """Fiscal years as whole numbers in `first`..2100; anything else raises at its row."""
    years = int_column(t, column)
    bad = ((years < first) | (years > 2100)).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise t.error(f"implausible fiscal year {years.iloc[i]}", index=i, column=column)
    return years

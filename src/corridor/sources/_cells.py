"""Cell-level helpers shared by the readers of publisher workbooks (OHSS tables and yearbook,
PRM, State Department visa sheets): one copy of how a cell reads as text and of the check that
a published count is whole and rounded to 10."""

from __future__ import annotations

from corridor.sources.base import MAX_WHOLE, RawTable
from corridor.sources.base import _cell_text as cell_text  # base's own: one copy for every reader

__all__ = ["cell_text", "rounded_count"]


def rounded_count(t: RawTable, raw: float, index: int, column: str) -> int:
    """A number cell as an OHSS count: whole, 0..MAX_WHOLE, and a multiple of 10 (OHSS rounds
    every count it publishes); anything else raises with its row and column."""
    if not float(raw).is_integer() or raw < 0 or raw > MAX_WHOLE:
        raise t.error(f"expected a count, found {raw!r}", index=index, column=column)
    if int(raw) % 10:
        raise t.error(f"{int(raw)} is not rounded to 10 as OHSS publishes", index=index, column=column)
    return int(raw)

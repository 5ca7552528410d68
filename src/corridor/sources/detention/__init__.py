"""ICE detention and enforcement, one dataset from three publishers:

- `ohss`: the ICE sheets of the DHS OHSS monthly enforcement workbook (book-ins, book-outs by
  reason, removals and returns, ERO arrests; FY2014/FY2018 - Aug 2024);
- `ddp`: ICE's detention statistics, every edition FY2019-FY2026, as tabulated by the
  Deportation Data Project (ADP, length of stay, book-ins, releases, removals, ATD);
- `uwchr`: UWCHR's FOIA daily headcount, summed to a national series (FY2012 - Jan 2024).
"""

from __future__ import annotations

from pathlib import Path

from corridor.sources.base import Parsed
from corridor.sources.detention import ddp, ohss, uwchr


class DetentionSource:
    """ICE detention stock, flows, length of stay and ATD; OHSS ICE sheets; UWCHR headcount."""

    id = "ice_detention"
    title = (
        "ICE detention and enforcement: OHSS monthly ICE tables, ICE detention statistics, UWCHR headcount"
    )
    files = (ohss.FILE, *ddp.SPECS, uwchr.FILE)

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        ohss.parse(paths[ohss.KEY], releases[ohss.KEY], out)
        out.tables += ohss.TABLES
        ddp.parse(paths, releases, out)
        uwchr.parse(paths[uwchr.KEY], releases[uwchr.KEY], out)
        out.tables += uwchr.TABLES
        return out


__all__ = ["DetentionSource"]

"""Helpers sections share: policy events for chart rules, and calling analyses that may not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any


def event_marks(obs: Any) -> list[tuple[dt.date, str]]:
    """(date, short title) of each policy event, or none when the timeline is not available."""
    try:
        events = obs.events()
    except (AttributeError, NotImplementedError):
        return []
    frame = events.tidy() if hasattr(events, "tidy") else events
    date_col = next((c for c in ("start", "date", "effective", "start_date") if c in frame.columns), None)
    title_col = next((c for c in ("id", "short", "label", "title") if c in frame.columns), None)
    if date_col is None or title_col is None:
        return []
    out = []
    for d, t in zip(frame[date_col], frame[title_col], strict=True):
        if d is None or d != d:
            continue
        day = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
        out.append((day, str(t)[:40]))
    return out

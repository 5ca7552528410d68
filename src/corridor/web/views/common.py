"""What every page view shares: leasing the warehouse for one request and showing errors."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
from fastapi import Request

from corridor.observatory import Observatory
from corridor.web.state import Version


@contextlib.contextmanager
def leased(request: Request) -> Iterator[tuple[Version, Observatory]]:
    """The warehouse version current at the start of this request, for the whole request."""
    with request.app.state.warehouse.lease() as (version, obs):
        request.state.warehouse_tag = version.tag
        yield version, obs


def policy_events(obs: Observatory) -> list[tuple[dt.date, str]]:
    """Policy events as (date, label) for chart rules, if the events verb has landed (else none)."""
    method = getattr(obs, "events", None)
    if not callable(method):
        return []
    try:
        result = method()
    except Exception:  # the overlay is decoration: a failing events verb must not break a chart
        return []
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "tidy", lambda: None)()
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return []
    date_col = next(
        (c for c in ("date", "start", "start_date", "effective", "announced") if c in frame), None
    )
    label_col = next((c for c in ("short_title", "label", "id", "title") if c in frame), None)
    if date_col is None or label_col is None:
        return []
    by_month: dict[tuple[int, int], list[tuple[dt.date, str]]] = {}
    for date, label in zip(frame[date_col], frame[label_col], strict=True):
        stamp = pd.to_datetime(date, errors="coerce")
        if pd.notna(stamp):
            by_month.setdefault((stamp.year, stamp.month), []).append((stamp.date(), str(label)))
    # Events in the same month share one rule and one label, so labels do not print over each other.
    return [
        (group[0][0], group[0][1] if len(group) == 1 else f"{group[0][1]} +{len(group) - 1}")
        for _, group in sorted(by_month.items())
    ]


def query_lists(request: Request) -> dict[str, list[str]]:
    """The query string as name -> every value given."""
    q = request.query_params
    return {k: q.getlist(k) for k in q}


def sources_line(metadata: list[dict[str, Any]]) -> str:
    """The distinct sources of several flows answers, as one 'Source:' sentence."""
    seen: dict[str, list[str]] = {}
    for meta in metadata:
        for s in meta.get("sources", []):
            seen.setdefault(s["title"], []).append(f"{s['from']}..{s['to']}")
    parts = [
        f"{title} ({min(p[:7] for p in periods)}..{max(p[-7:] for p in periods)})"
        for title, periods in seen.items()
    ]
    return "Source: " + "; ".join(parts) + "." if parts else ""

"""What every page view shares: leasing the warehouse for one request and showing errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from corridor.observatory import Observatory
from corridor.reference import labels
from corridor.web.state import Version


@contextlib.contextmanager
def leased(request: Request) -> Iterator[tuple[Version, Observatory]]:
    """The warehouse version current at the start of this request, for the whole request."""
    with request.app.state.warehouse.lease() as (version, obs):
        request.state.warehouse_tag = version.tag
        version.cached(("labels-registered",), lambda: register_labels(obs))
        yield version, obs


def register_labels(obs: Observatory) -> bool:
    """Teach `reference.labels` the warehouse's indicator names, so pages never show their ids."""
    method = getattr(obs, "indicator_catalog", None)
    try:
        catalog = method() if callable(method) else None
    except Exception:  # labels are a nicety: a failing catalogue must not break a page
        return False
    labels.register_catalog(getattr(catalog, "tidy", lambda: catalog)())
    return True


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

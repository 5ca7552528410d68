"""Any Observatory answer reduced to what a page or the API shows: table, chart, caption, provenance.

Results are DataFrames or result objects with `tidy()`, and optionally `chart()`, `caption()`,
`summary()`, `metadata()` and `to_dict()`; this module is the one place that knows that.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor import jsonio
from corridor.errors import UsageError
from corridor.jsonio import records

# Tables on pages show this many rows; the API and CSV downloads carry every row.
PAGE_ROWS = 500
# A JSON answer carries at most this many rows (larger answers: narrow the request, or the CSV).
MAX_JSON_ROWS = 50_000
# Answers with more rows than this are not kept in the per-version cache.
MAX_CACHED_ROWS = 50_000


@dataclass
class Shown:
    """What a result shows: a tidy frame, a Vega-Lite spec, a source line and provenance."""

    frame: pd.DataFrame | None
    chart: dict[str, Any] | None
    caption: str
    metadata: dict[str, Any]
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    def payload(self, *, csv_url: str = "") -> dict[str, Any]:
        """The JSON body of an API answer (the shape of `corridor <verb> --format json`, plus caption)."""
        if self.rows > MAX_JSON_ROWS:
            where = f" ({csv_url})" if csv_url else ""
            raise UsageError(
                f"the answer has {self.rows:,} rows, more than the {MAX_JSON_ROWS:,} a JSON answer carries; "
                f"narrow the request or download it as CSV{where}"
            )
        # Every JSON answer has `metadata.warnings` (a list, possibly empty), passed through unchanged.
        meta = self.metadata if "warnings" in self.metadata else {**self.metadata, "warnings": []}
        body: dict[str, Any] = {"metadata": meta, "caption": self.caption}
        if self.frame is not None:
            body["data"] = records(self.frame)
        if self.details:
            body["details"] = jsonable(self.details)
        if self.summary and not self.summary.startswith(self.caption):
            body["summary"] = self.summary
        return body


def jsonable(value: Any) -> Any:
    """Plain JSON data from nested dicts, lists, frames, dates and numpy scalars (see `jsonio`)."""
    return jsonio.plain(value)


def _call(obj: Any, name: str) -> Any:
    """`obj.name()` if it is a method that takes no arguments, the attribute if it is a value.

    A method that needs arguments is not a view the page can show (None); an error raised inside
    one that needs none is a bug and propagates.
    """
    method = getattr(obj, name, None)
    if not callable(method):
        return method
    try:
        needed = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):  # no signature to read (a builtin): call it
        needed = []
    return None if needed else method()


def _spec(chart: Any) -> dict[str, Any] | None:
    if chart is None:
        return None
    if isinstance(chart, dict):
        return chart
    if hasattr(chart, "to_dict"):  # an Altair chart
        return chart.to_dict()
    if isinstance(chart, str):
        return json.loads(chart)
    return None


def show(result: Any, *, note: str = "") -> Shown:
    """Reduce any Observatory answer to a Shown (`note` is the caption when it has none)."""
    if isinstance(result, pd.DataFrame):
        meta = jsonable(dict(result.attrs)) if result.attrs else {}
        caption = str(meta.get("caption") or meta.get("source") or note)
        return Shown(frame=result, chart=None, caption=caption, metadata=meta)
    if isinstance(result, list | tuple) and all(isinstance(r, dict) for r in result):
        return Shown(frame=pd.DataFrame(list(result)), chart=None, caption=note, metadata={})
    frame = _call(result, "tidy")
    if frame is not None and not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    meta = _call(result, "metadata")
    meta = jsonable(meta) if isinstance(meta, dict) else {}
    summary = _call(result, "summary")
    summary = str(summary) if summary is not None else ""
    caption = _call(result, "caption")
    if caption is None:
        caption = meta.get("caption") or note or (summary.splitlines()[0] if summary else "")
    details = _call(result, "to_dict")
    return Shown(
        frame=frame,
        chart=_spec(_call(result, "chart")),
        caption=str(caption),
        metadata=meta,
        summary=summary,
        details=details if isinstance(details, dict) else {},
    )

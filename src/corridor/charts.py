"""Vega-Lite chart specs shared by the web app and the report.

Every chart states its source and period in its subtitle, so a chart cut out of a page still
says where its numbers come from. Specs are plain dicts with the data inline (no URLs), which
vl-convert's JavaScript bundle renders offline.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from corridor.jsonio import records

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 720


def policy_marks(obs: Any) -> list[tuple[dt.date, str]]:
    """Policy events as (effective date, id) for chart rules; events of the same month share one
    rule and one label ("id +2"), so labels never print over each other. None if the timeline is
    not available: the marks are decoration and must not break a chart."""
    try:
        result = obs.events()
    except Exception:
        return []
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "tidy", lambda: None)()
    if not isinstance(frame, pd.DataFrame) or frame.empty or not {"effective", "id"} <= set(frame):
        return []
    by_month: dict[tuple[int, int], list[tuple[dt.date, str]]] = {}
    for date, label in zip(frame["effective"], frame["id"], strict=True):
        stamp = pd.to_datetime(date, errors="coerce")
        if pd.notna(stamp):
            by_month.setdefault((stamp.year, stamp.month), []).append((stamp.date(), str(label)[:40]))
    return [
        (group[0][0], group[0][1] if len(group) == 1 else f"{group[0][1]} +{len(group) - 1}")
        for _, group in sorted(by_month.items())
    ]


def _subtitle(caption: str, width: int = 110) -> list[str]:
    return textwrap.wrap(caption, width) or [""]


def base(title: str, caption: str, *, width: int = WIDTH, height: int = 280) -> dict[str, Any]:
    """The frame every chart shares: title, source/period subtitle, size."""
    return {
        "$schema": SCHEMA,
        "title": {
            "text": title,
            "subtitle": _subtitle(caption),
            "anchor": "start",
            "subtitleFontSize": 10,
            "subtitleColor": "#555",
        },
        "width": width,
        "height": height,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11}},
    }


def _time_field(frame: pd.DataFrame) -> tuple[str, str, dict[str, Any]]:
    if "month" in frame.columns:
        return "month", "temporal", {"format": "%Y-%m"}
    for key in ("fiscal_year", "calendar_year", "year"):
        if key in frame.columns:
            return key, "ordinal", {}
    raise ValueError("frame has no time column")


def series_chart(
    frame: pd.DataFrame,
    *,
    y: str = "encounters",
    color: str | None = None,
    title: str,
    caption: str,
    events: Sequence[tuple[dt.date, str]] = (),
    mark: str = "line",
) -> dict[str, Any]:
    """A time series (line, or bars for years), optionally one line per `color` group."""
    x, xtype, axis = _time_field(frame)
    data = frame.copy()
    if x == "month":
        data[x] = pd.to_datetime(data[x]).dt.strftime("%Y-%m-%d")
    enc: dict[str, Any] = {
        "x": {"field": x, "type": xtype, "title": x.replace("_", " "), "axis": axis},
        "y": {"field": y, "type": "quantitative", "title": y.replace("_", " ")},
        "tooltip": [
            {"field": c, "type": "nominal" if c in (color, x) else "quantitative"} for c in data.columns
        ],
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": color.replace("_", " ")}
    layer: list[dict[str, Any]] = [
        {
            "mark": {"type": mark, "tooltip": True, **({"point": False} if mark == "line" else {})},
            "encoding": enc,
        }
    ]
    if events and x == "month":
        first, last = data[x].min(), data[x].max()
        rows = [
            {"date": d.isoformat(), "label": label} for d, label in events if first <= d.isoformat() <= last
        ]
        if rows:
            layer.append(
                {
                    "data": {"values": rows},
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#b22222"},
                    "encoding": {
                        "x": {"field": "date", "type": "temporal"},
                        "tooltip": [{"field": "label"}, {"field": "date", "type": "temporal"}],
                    },
                }
            )
            layer.append(
                {
                    "data": {"values": rows},
                    "mark": {
                        "type": "text",
                        "angle": 270,
                        "align": "left",
                        "dx": 4,
                        "dy": -3,
                        "fontSize": 9,
                        "color": "#b22222",
                    },
                    "encoding": {
                        "x": {"field": "date", "type": "temporal"},
                        "y": {"value": 0},
                        "text": {"field": "label"},
                    },
                }
            )
    spec = base(title, caption)
    spec["data"] = {"values": records(data)}
    spec["layer"] = layer
    return spec


def bar_chart(
    frame: pd.DataFrame, *, x: str, y: str, title: str, caption: str, color: str | None = None
) -> dict[str, Any]:
    """Bars of `y` by category `x` (sorted by value), optionally stacked by `color`."""
    spec = base(title, caption, height=max(160, 18 * frame[x].nunique()))
    enc: dict[str, Any] = {
        "y": {"field": x, "type": "nominal", "sort": "-x", "title": x.replace("_", " ")},
        "x": {"field": y, "type": "quantitative", "title": y.replace("_", " ")},
        "tooltip": [{"field": c} for c in frame.columns],
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal"}
    spec["data"] = {"values": records(frame)}
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = enc
    return spec

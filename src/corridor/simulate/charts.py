"""Vega-Lite specs for the simulation results: a median line with its interval band, per series.

Specs are plain dicts (Vega-Lite v5) with the data inlined, so they render offline; the title
states what is shown and a footer states the source and period.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.jsonio import records
from corridor.reference.labels import colour as colour_of
from corridor.reference.labels import label

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def band_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    x: str = "month",
    x_type: str = "temporal",
    x_title: str = "Month",
    y_title: str = "People or events",
) -> dict[str, Any]:
    """Median lines and lower-upper bands, one panel and colour per series, named by its label."""
    data = frame[[x, "series", "median", "lower", "upper"]].copy()
    data["label"] = [label("outcome", s) for s in data["series"]]
    order = list(dict.fromkeys(data["label"]))
    colour = {
        "field": "label",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": order, "range": [colour_of("outcome", s) for s in dict.fromkeys(data["series"])]},
    }
    base_x = {"field": x, "type": x_type, "title": x_title}
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "subtitle": [subtitle, source]},
        "data": {"values": records(data)},
        "facet": {"row": {"field": "label", "type": "nominal", "title": None, "sort": order}},
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 560,
            "height": 120,
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.25},
                    "encoding": {
                        "x": base_x,
                        "y": {"field": "lower", "type": "quantitative", "title": y_title},
                        "y2": {"field": "upper"},
                        "color": colour,
                    },
                },
                {
                    "mark": {"type": "line"},
                    "encoding": {
                        "x": base_x,
                        "y": {"field": "median", "type": "quantitative"},
                        "color": colour,
                        "tooltip": [
                            {"field": "label", "type": "nominal", "title": "Series"},
                            {"field": x, "type": x_type, "title": x_title},
                            {"field": "median", "type": "quantitative", "format": ",.0f", "title": "Median"},
                            {"field": "lower", "type": "quantitative", "format": ",.0f", "title": "Low"},
                            {"field": "upper", "type": "quantitative", "format": ",.0f", "title": "High"},
                        ],
                    },
                },
            ],
        },
    }

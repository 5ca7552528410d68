"""Vega-Lite specs for the simulation results: a median line with its interval band, per series.

Specs are plain dicts (Vega-Lite v5) with the data inlined, so they render offline; the title
states what is shown and a footer states the source and period.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.jsonio import records

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def band_chart(
    frame: pd.DataFrame, *, title: str, subtitle: str, source: str, x: str = "month", x_type: str = "temporal"
) -> dict[str, Any]:
    """Median lines and lower-upper bands, one colour per `series`, faceted rows by series."""
    data = records(frame[[x, "series", "median", "lower", "upper"]])
    base_x = {"field": x, "type": x_type, "title": x.replace("_", " ")}
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "subtitle": [subtitle, source]},
        "data": {"values": data},
        "facet": {"row": {"field": "series", "type": "nominal", "title": None}},
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 560,
            "height": 120,
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.25},
                    "encoding": {
                        "x": base_x,
                        "y": {"field": "lower", "type": "quantitative", "title": "people / events"},
                        "y2": {"field": "upper"},
                        "color": {"field": "series", "type": "nominal", "legend": None},
                    },
                },
                {
                    "mark": {"type": "line"},
                    "encoding": {
                        "x": base_x,
                        "y": {"field": "median", "type": "quantitative"},
                        "color": {"field": "series", "type": "nominal", "legend": None},
                        "tooltip": [
                            {"field": x, "type": x_type},
                            {"field": "median", "type": "quantitative", "format": ",.0f"},
                            {"field": "lower", "type": "quantitative", "format": ",.0f"},
                            {"field": "upper", "type": "quantitative", "format": ",.0f"},
                        ],
                    },
                },
            ],
        },
    }

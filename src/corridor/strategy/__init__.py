"""Strategies as results frameworks (goal -> pillars -> indicators), scored from the warehouse.

`framework.py` loads and validates a YAML framework; `scoring.py` turns an indicator's series into
baseline, latest, change and an honest status; `tracker.py` runs a framework against an
Observatory and rolls scores up to pillars and the strategy.
"""

from corridor.strategy.framework import Framework, load_framework, shipped_frameworks
from corridor.strategy.scoring import IndicatorScore, score_series
from corridor.strategy.tracker import TrackResult, track

__all__ = [
    "Framework",
    "IndicatorScore",
    "TrackResult",
    "load_framework",
    "score_series",
    "shipped_frameworks",
    "track",
]

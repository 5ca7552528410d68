"""API mixin: strategy results frameworks, scored from the warehouse."""

from __future__ import annotations

from pathlib import Path

from corridor.strategy import TrackResult, load_framework, shipped_frameworks
from corridor.strategy import track as run_track


class TrackMixin:
    """Score a shipped framework (by id) or a user's framework file."""

    def track(self, framework: str | Path = "root-causes-2021") -> TrackResult:
        """Baseline, latest, change and status of every indicator, rolled up to pillars."""
        return run_track(self, load_framework(framework))

    def frameworks(self) -> list[str]:
        """Ids of the frameworks shipped with Corridor."""
        return list(shipped_frameworks())

"""Report section: both strategy trackers, scored from the warehouse."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("tracker", "Strategy trackers")
    if not hasattr(obs, "track"):
        sec.unavailable("The strategy tracker has not landed yet.")
    return sec

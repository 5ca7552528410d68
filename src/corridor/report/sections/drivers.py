"""Report section: Drivers of migration (root causes) (filled in once its analysis is available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("drivers", "Drivers of migration (root causes)")
    if not hasattr(obs, "drivers"):
        sec.unavailable("The drivers model (issue 5) has not landed yet.")
    return sec

"""Report section: Simulation (filled in once its analysis is available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("simulate", "Simulation")
    if not hasattr(obs, " processing pathways and the court backlog"):
        sec.unavailable("simulate_pathways:The simulations (issue 7) have not landed yet.")
    return sec

"""Report section: processing pathways and the court backlog (filled in once available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("simulate", "Simulation: processing pathways and the court backlog")
    if not hasattr(obs, "simulate_pathways"):
        sec.unavailable("The simulations (issue 7) have not landed yet.")
    return sec

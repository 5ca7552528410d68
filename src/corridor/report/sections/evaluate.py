"""Report section: What works (filled in once its analysis is available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("evaluate", "What works")
    if not hasattr(obs, " policy evaluations"):
        sec.unavailable("evaluate:Policy evaluations (issue 5) have not landed yet.")
    return sec

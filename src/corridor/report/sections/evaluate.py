"""Report section: What works: policy evaluations (filled in once its analysis is available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("evaluate", "What works: policy evaluations")
    if not hasattr(obs, "evaluate"):
        sec.unavailable("Policy evaluations (issue 5) have not landed yet.")
    return sec

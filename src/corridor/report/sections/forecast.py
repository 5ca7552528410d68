"""Report section: Forecast, with its backtest (filled in once its analysis is available)."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("forecast", "Forecast, with its backtest")
    if not hasattr(obs, "forecast"):
        sec.unavailable("The forecast (issue 4) has not landed yet.")
    return sec

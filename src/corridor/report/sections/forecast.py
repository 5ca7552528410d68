"""Report section: the next six months of southwest encounters, beside the model's backtest."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("forecast", "Forecast, with its backtest")
    if not hasattr(obs, "forecast"):
        sec.unavailable("The forecast (issue 4) has not landed yet.")
        return sec
    try:
        total = obs.forecast(region="southwest", horizon=6)
        sec.text(
            "Corridor's default model (one rule for every series: the last value plus the seasonal "
            "change, weighted by how well the season has predicted this series' own past changes, "
            "on the log scale, with adaptive conformal intervals from its own past errors) forecasts "
            "the next six months. Its backtest against the naive forecast is shown beside it: border "
            "flows break with policy, and beating 'same as last month' is hard. Where past errors "
            "were large the intervals are wide, down to zero."
        )
        sec.chart(total.chart(), alt="Southwest encounters: history, forecast and intervals")
        sec.table(total.tidy(), title="Forecast: southwest encounters", caption=total.caption())
        sec.table(
            total.backtest.table.drop(columns=["seconds"], errors="ignore"),  # timings vary run to run
            title="Backtest (rolling origins)",
            caption=total.backtest.description,
        )
        nt = obs.forecast(region="southwest", citizenship="GTM,HND,SLV", by="citizenship", horizon=6)
        sec.table(
            nt.tidy(),
            title="Forecast by Northern Triangle citizenship (reconciled to their total)",
            caption=nt.caption(),
        )
    except (CorridorError, AttributeError) as exc:
        sec.unavailable(f"The forecast could not run on this warehouse: {exc}")
    return sec

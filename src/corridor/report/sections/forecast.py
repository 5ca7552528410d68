"""Report section: the next six months of southwest encounters, beside the model's backtest."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.reference.labels import label
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("forecast", "Forecast, with its backtest")
    try:
        total = obs.forecast(region="southwest", horizon=6)
        sec.text(
            "Corridor's default model (one rule for every series: the last value plus the seasonal "
            "change, weighted by how well the season has predicted this series' own past changes, "
            "on the log scale) forecasts the next six months. Its ranges come from its own past "
            "errors; when the level of the series shifts (a new policy, a surge), the shift is "
            "detected and the ranges learn from the forecasts made since. "
            + total.meaning()
            + " Its backtest against the naive forecast is shown beside it: border flows break "
            "with policy, and beating 'same as last month' is hard."
        )
        for warning in total.warnings():
            sec.text(warning)
        sec.chart(total.chart(), alt="Southwest encounters: history, forecast and intervals")
        sec.table(total.tidy(), title="Forecast: southwest encounters", caption=total.caption())
        table = total.backtest.table.drop(columns=["seconds"], errors="ignore")  # timings vary
        sec.table(
            table.assign(model=table["model"].map(lambda m: label("method", m))),
            title="Backtest (rolling origins)",
            caption=total.backtest.description,
        )
        nt = obs.forecast(region="southwest", citizenship="GTM,HND,SLV", by="citizenship", horizon=6)
        sec.table(
            nt.tidy(),
            title="Forecast by Northern Triangle citizenship (reconciled to their total)",
            caption=nt.caption(),
        )
    except CorridorError as exc:
        sec.unavailable(f"The forecast could not run on this warehouse: {exc}")
    return sec

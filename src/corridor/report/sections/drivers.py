"""Report section: how root causes move migration (PPML with origin and year fixed effects)."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("drivers", "Drivers of migration (root causes)")
    try:
        res = obs.drivers()
    except CorridorError as exc:
        sec.unavailable(f"The drivers model could not run on this warehouse: {exc}")
        return sec
    sec.text(
        "A gravity-style panel of Border Patrol encounters by citizenship and fiscal year, estimated "
        "by Poisson pseudo-maximum likelihood with origin and year fixed effects and errors clustered "
        "by origin. Coefficients are associations within countries over time, not causal effects."
    )
    sec.chart(res.chart(), alt="Drivers model coefficients with confidence intervals")
    sec.table(res.tidy(), title="Coefficients", caption=res.caption())
    if getattr(res, "oos", None) is not None:
        sec.table(
            res.oos,
            title="Out of sample: fit through year T, predict T+1, against fixed effects alone",
            caption=res.caption(),
        )
    return sec

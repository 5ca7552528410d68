"""Report section: processing pathways and the court backlog, under the shipped scenarios."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.errors import CorridorError
from corridor.report.base import Section

RUNS = 500
SEED = 0
SCENARIOS = (None, "family_expedited_removal", "double_screening_capacity", "family_surge")


def build(obs: Any) -> Section:
    sec = Section("simulate", "Simulation: processing pathways and the court backlog")
    if not hasattr(obs, "simulate_pathways"):
        sec.unavailable("The simulations (issue 7) have not landed yet.")
        return sec
    try:
        base = obs.simulate_pathways(runs=RUNS, seed=SEED)
        sec.text(
            "What happens after a southwest border encounter, month by month, as a Monte Carlo "
            "stock-and-flow model calibrated on the OHSS outcome tables (which end in "
            f"{base.calibration.end:%B %Y}). Encounters: {base.drivers.source}. Each scenario changes "
            "the rules from its start month. Every number is a median with its 80% interval."
        )
        sec.chart(base.chart(), alt="Simulated processing pathways with 80% intervals")
        rows = []
        for name in SCENARIOS:
            res = base if name is None else obs.simulate_pathways(scenario=name, runs=RUNS, seed=SEED)
            for series in ("usbp_release", "t8_repatriation", "transfer_ice", "new_court_cases"):
                total = res.series(series).sum(axis=1)
                lo, mid, hi = (round(float(v)) for v in pd.Series(total).quantile([0.1, 0.5, 0.9]))
                rows.append(
                    {
                        "scenario": res.scenario.title,
                        "outcome": series,
                        "median": mid,
                        "lower_80": lo,
                        "upper_80": hi,
                    }
                )
        sec.table(
            pd.DataFrame(rows), title="Totals over the simulated period, by scenario", caption=base.caption()
        )
        backlog = obs.simulate_backlog(runs=RUNS, seed=SEED)
        sec.chart(backlog.chart(), alt="Projected immigration-court pending cases")
        sec.table(backlog.tidy(), title="Immigration-court pending cases", caption=backlog.caption())
    except (CorridorError, AttributeError) as exc:
        sec.unavailable(f"The simulations could not run on this warehouse: {exc}")
    return sec

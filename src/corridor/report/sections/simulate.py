"""Report section: processing pathways and the court backlog, under the shipped scenarios."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from corridor.errors import CorridorError
from corridor.reference.labels import label
from corridor.report.base import Section

RUNS = 500
SEED = 0
SCENARIOS = (None, "family_expedited_removal", "double_screening_capacity", "family_surge")
OUTCOMES = ("usbp_release", "t8_repatriation", "transfer_ice", "new_court_cases")
GOAL_AFTER = 7  # the backlog goal: clear it within this many years of the first simulated one


def build(obs: Any) -> Section:
    """Pathways under each shipped scenario, then the backlog with the judges needed to clear it."""
    sec = Section("simulate", "Simulation: processing pathways and the court backlog")
    try:
        base = obs.simulate_pathways(runs=RUNS, seed=SEED)
        sec.text(
            "What happens after a southwest border encounter, month by month, as a Monte Carlo "
            "stock-and-flow model calibrated on the OHSS outcome tables (which end in "
            f"{base.calibration.end:%B %Y}). The run starts after the last month of encounters loaded; "
            f"encounters: {base.drivers.source}. Each scenario changes the rules from its start month. "
            f"Every number is a median with its {base.level:.0%} interval. {base.interval_meaning()}"
        )
        for warning in base.warnings:
            sec.text(warning)
        sec.chart(base.chart(), alt=f"Simulated processing pathways with {base.level:.0%} intervals")
        pct = f"{base.level:.0%}"
        lo_q, hi_q = (1 - base.level) / 2, 1 - (1 - base.level) / 2
        rows = []
        for name in SCENARIOS:
            res = base if name is None else obs.simulate_pathways(scenario=name, runs=RUNS, seed=SEED)
            for series in OUTCOMES:
                total = res.series(series).sum(axis=1)
                lo, mid, hi = (round(float(v)) for v in np.quantile(total, [lo_q, 0.5, hi_q]))
                rows.append(
                    {
                        "scenario": res.scenario.title,
                        "outcome": label("outcome", series),
                        "median": mid,
                        f"low {pct}": lo,
                        f"high {pct}": hi,
                    }
                )
        sec.table(
            pd.DataFrame(rows), title="Totals over the simulated period, by scenario", caption=base.caption()
        )
        first = obs.simulate_backlog(runs=RUNS, seed=SEED)
        goal_year = first.years[0] + GOAL_AFTER - 1
        backlog = obs.simulate_backlog(runs=RUNS, seed=SEED, clear_by=goal_year)
        sec.text(
            "The immigration-court backlog, by fiscal year, as a Monte Carlo of EOIR's pending cases: "
            "completions per judge-year follow a random walk calibrated outside the pandemic years. "
            f"{backlog.interval_meaning()}"
        )
        if backlog.goal:
            g = backlog.goal
            sec.text(
                f"To clear the backlog by the end of FY{g['clear_by']}: {g['median']:,.0f} more judges "
                f"(median). {g['sentence']}"
            )
        for warning in backlog.warnings:
            sec.text(warning)
        sec.chart(backlog.chart(), alt="Projected immigration-court pending cases")
        sec.table(
            backlog.table(),
            title=f"Immigration-court pending cases, median and {backlog.level:.0%} interval",
            caption=backlog.caption(),
        )
    except CorridorError as exc:
        sec.unavailable(f"The simulations could not run on this warehouse: {exc}")
    return sec

"""Report section: what works, one real policy evaluated by every applicable method."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section

POLICY = "chnv_parole"


def build(obs: Any) -> Section:
    sec = Section("evaluate", "What works: policy evaluations")
    if not hasattr(obs, "evaluate"):
        sec.unavailable("Policy evaluations (issue 5) have not landed yet.")
        return sec
    try:
        res = obs.evaluate(policy=POLICY, method="all", seed=0)
    except (CorridorError, AttributeError, ValueError, TypeError) as exc:
        sec.unavailable(f"The evaluation could not run on this warehouse: {exc}")
        return sec
    sec.text(
        "The parole processes for Cuban, Haitian, Nicaraguan and Venezuelan nationals (January 2023), "
        "evaluated on southwest border encounters by four methods side by side, each with a placebo or "
        "permutation p-value and its pre-period fit, so a reader sees whether the conclusion depends "
        "on the method. Effects are relative to each method's counterfactual."
    )
    sec.table(res.table(), title="Effect estimates by method", caption=res.caption())
    sec.chart(res.chart(), alt="Actual encounters against each method's counterfactual")
    for note in getattr(res, "notes", []) or []:
        sec.text(str(note))
    return sec

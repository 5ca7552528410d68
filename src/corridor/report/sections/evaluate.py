"""Report section: what works, one real policy evaluated, its verdict first and every method below."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.reference.labels import label
from corridor.report.base import Section

POLICY = "chnv_parole"


def build(obs: Any) -> Section:
    sec = Section("evaluate", "What works: policy evaluations")
    try:
        res = obs.evaluate(policy=POLICY, method="all", seed=0)
    except CorridorError as exc:
        sec.unavailable(f"The evaluation could not run on this warehouse: {exc}")
        return sec
    sec.text(res.verdict())
    sec.text(
        f"How this was judged: {label('event', POLICY)}, evaluated on southwest border encounters by every "
        "method that applies. The headline combines the methods that pass their checks, each weighted "
        "by how well it predicted the same-length windows before the policy, and those earlier errors "
        "set its interval (one method alone when only one passes). " + res.headline.why
    )
    sec.table(res.table(), title="Every method (for experts)", caption=res.caption())
    sec.chart(res.chart(), alt="Actual encounters against each method's counterfactual")
    for warning in res.warnings:
        sec.text(f"Warning: {warning}")
    return sec

"""Report section: both strategy trackers, scored from the warehouse, as scorecards."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section

FRAMEWORKS = ("root-causes-2021", "collaborative-migration-2021")


def build(obs: Any) -> Section:
    sec = Section("tracker", "Strategy trackers")
    if not hasattr(obs, "track"):
        sec.unavailable("The strategy tracker has not landed yet.")
        return sec
    for name in FRAMEWORKS:
        try:
            result = obs.track(name)
        except CorridorError as exc:
            sec.text(f"{name}: could not be scored ({exc}).")
            continue
        fw = result.framework
        overall = "not scorable" if result.score is None else f"{result.score:.2f} ({result.band})"
        sec.text(f"{fw.title} (published {fw.published}). Goal: {fw.goal} Overall score: {overall}.")
        pillars = result.pillars_frame().rename(columns={"no_data": "not measurable from the warehouse"})
        sec.table(pillars, title=f"{fw.title}: pillars", caption=result.caption())
        frame = result.tidy()
        shown = frame[
            [
                "pillar",
                "label",
                "baseline_year",
                "baseline",
                "latest_year",
                "latest",
                "change_pct",
                "status",
                "method",
            ]
        ].rename(columns={"label": "indicator", "change_pct": "change %"})
        if frame["evaluation"].astype(str).str.len().gt(0).any():
            shown = shown.assign(evaluation=frame["evaluation"])
        sources = "; ".join(sorted({s for s in frame["source"] if s}))
        sec.table(
            shown,
            title=f"{fw.title}: indicators",
            caption=f"Baseline = the baseline year or the nearest earlier observation. Sources: {sources}",
        )
        for note in fw.notes:
            sec.text(note)
    return sec

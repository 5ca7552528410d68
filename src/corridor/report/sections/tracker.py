"""Report section: both strategy trackers, scored from the warehouse, as scorecards that lead with
the status: indicator, status, baseline -> latest, change, source."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.errors import CorridorError
from corridor.report.base import Section
from corridor.strategy.scoring import change_text, value_text

FRAMEWORKS = ("root-causes-2021", "collaborative-migration-2021")


def _change(r: Any) -> str:
    return change_text(r, lambda change, _: f"{change:+,.0f}" if abs(change) >= 100 else f"{change:+,.2f}")


def scorecard(frame: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns, in the reader's order; pillars by number and title, as the CLI."""
    return pd.DataFrame(
        {
            "pillar": [
                str(title) if str(pid) == "goal" else f"{pid}. {title}"
                for pid, title in zip(frame["pillar"], frame["pillar_title"], strict=True)
            ],
            "indicator": frame["indicator"],
            "status": frame["status"],
            "baseline → latest": [
                f"{value_text(r.baseline, r.scale, year=r.baseline_year)} → "
                f"{value_text(r.latest, r.scale, year=r.latest_year)}"
                for r in frame.itertuples()
            ],
            "change": [_change(r) for r in frame.itertuples()],
            "source": frame["source"],
            "how it was judged": frame["method"],
        }
    )


def build(obs: Any) -> Section:
    sec = Section("tracker", "Strategy trackers")
    for name in FRAMEWORKS:
        try:
            result = obs.track(name)
        except CorridorError as exc:
            sec.text(f"{name}: could not be scored ({exc}).")
            continue
        fw = result.framework
        overall = "not scorable" if result.score is None else f"{result.score:.2f} ({result.band})"
        sec.text(f"{fw.title} (published {fw.published}). Goal: {fw.goal} Overall score: {overall}.")
        frame = result.tidy()
        shown = scorecard(frame)
        if frame["evaluation"].astype(str).str.len().gt(0).any():
            shown = shown.assign(evaluation=frame["evaluation"])
        sec.table(
            shown,
            title=f"{fw.title}: indicators",
            caption=(
                "Baseline = the baseline year or the nearest earlier observation; 'how it was judged' "
                "names the noise a change had to exceed. " + result.caption()
            ),
        )
        notes = frame[(frame["benchmark"] != "") | (frame["note"] != "")]
        for r in notes.itertuples():
            sec.text(f"{r.indicator}: " + " ".join(t for t in (r.benchmark, r.note) if t))
        pillars = result.pillars_frame().rename(columns={"no_data": "where there is no measure, and why"})
        sec.table(pillars, title=f"{fw.title}: pillars", caption=result.caption())
        for note in fw.notes:
            sec.text(note)
        for warning in result.warnings():
            sec.text(f"Note: {warning}")
    return sec

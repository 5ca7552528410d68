"""Report section: both strategy trackers, scored from the warehouse, as scorecards that lead with
the status: indicator, status, baseline -> latest, change, source."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.errors import CorridorError
from corridor.report.base import Section

FRAMEWORKS = ("root-causes-2021", "collaborative-migration-2021")


def _value(v: Any, year: Any, scale: str) -> str:
    if v is None or v != v:
        return "–"
    num = f"{v:,.0f}" if abs(v) >= 1000 or (scale == "count" and float(v).is_integer()) else f"{v:,.2f}"
    return num + ("" if year is None or year != year else f" ({int(year)})")


def _change(r: Any) -> str:
    if r.change is None or r.change != r.change:
        return "–"
    if r.scale == "share":
        return f"{r.change:+,.2f} points"
    pct = "" if r.change_pct is None or r.change_pct != r.change_pct else f" ({r.change_pct:+.0f}%)"
    return f"{r.change:+,.0f}{pct}" if abs(r.change) >= 100 else f"{r.change:+,.2f}{pct}"


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
                f"{_value(r.baseline, r.baseline_year, r.scale)} → {_value(r.latest, r.latest_year, r.scale)}"
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

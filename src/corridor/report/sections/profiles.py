"""Country profiles for Guatemala, Honduras and El Salvador: each root cause since 2020, judged by
the strategy tracker's own rule, and US encounters."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.errors import CorridorError
from corridor.report.base import Section


def _value(v: Any, year: Any) -> str:
    if v is None or v != v:
        return "–"
    return (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}") + (
        "" if year is None or year != year else f" ({int(year)})"
    )


def build(obs: Any) -> Section:
    sec = Section("profiles", "Country profiles")
    try:
        profiles = [obs.profile(code) for code in ("GTM", "HND", "SLV")]
    except CorridorError as exc:
        sec.unavailable(f"Country profiles are not available: {exc}")
        return sec
    for prof in profiles:
        t = prof.indicators
        shown = pd.DataFrame(
            {
                "indicator": t["name"],
                "status": t["status"],
                "baseline → latest": [
                    f"{_value(r.baseline, r.baseline_year)} → {_value(r.latest, r.latest_year)}"
                    for r in t.itertuples()
                ],
                "change": t["change"],
                "unit": t["unit"],
                "how it was judged": t["method"],
            }
        )
        sec.table(shown, title=f"{prof.name}: root-cause indicators", caption=prof.caption())
        for warning in prof.metadata()["warnings"]:
            sec.text(f"Note: {warning}")
        sec.table(
            prof.encounters,
            title=f"{prof.name}: US encounters by fiscal year and demographic",
            caption=prof.encounters_caption,
        )
    return sec

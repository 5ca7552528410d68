"""Country profiles for Guatemala, Honduras and El Salvador: each root cause since 2020, judged by
the strategy tracker's own rule, and US encounters."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.errors import CorridorError
from corridor.reference.countries import NORTHERN_TRIANGLE
from corridor.report.base import Section
from corridor.strategy.scoring import value_text


def build(obs: Any) -> Section:
    sec = Section("profiles", "Country profiles")
    try:
        profiles = [obs.profile(code) for code in NORTHERN_TRIANGLE]
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
                    f"{value_text(r.baseline, year=r.baseline_year)} → "
                    f"{value_text(r.latest, year=r.latest_year)}"
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

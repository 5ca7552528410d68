"""Country profiles for Guatemala, Honduras and El Salvador."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("profiles", "Country profiles")
    try:
        profiles = [obs.profile(code) for code in ("GTM", "HND", "SLV")]
    except (AttributeError, CorridorError) as exc:
        sec.unavailable(f"Country profiles are not available: {exc}")
        return sec
    for prof in profiles:
        src = "; ".join(f"{s.indicator}: {s.name} ({s.source})" for s in prof.sources.itertuples())
        sec.table(
            prof.indicators,
            title=f"{prof.name}: root-cause indicators",
            caption=(
                "Latest value with its year, and the change over the last five observed years; "
                "'direction' says whether that change points the better or worse way, without a "
                "significance test (the strategy trackers judge significance). "
                f"Sources: {src}."
            ),
        )
        sec.table(
            prof.encounters,
            title=f"{prof.name}: US encounters by fiscal year and demographic",
            caption=prof.encounters_caption,
        )
    return sec

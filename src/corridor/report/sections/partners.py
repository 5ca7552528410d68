"""Report section: partners' relief. Bilateral aid to Guatemala, Honduras and El Salvador from
the partners the Root Causes strategy names and the other country donors, beside US aid, with
each donor's change since 2021 judged against its own earlier variation."""

from __future__ import annotations

from typing import Any

from corridor.errors import CorridorError
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("partners", "Partners' relief")
    try:
        relief = obs.partners_relief()
    except CorridorError as exc:
        sec.unavailable(f"Partners' relief cannot be shown: {exc}")
        return sec
    sec.text(
        "The Root Causes strategy names Mexico, Japan, the Republic of Korea and the UN as partners. "
        "This section shows the bilateral aid (net ODA disbursed) that country donors reported to the "
        "OECD for Guatemala, Honduras and El Salvador, beside US aid."
    )
    for warning in relief.warnings():
        sec.text(warning)
    sec.chart(relief.chart(), alt=relief.caption())
    table = relief.table()
    sec.table(
        table,
        title="Each donor's change since 2021, against its own variation before 2021",
        caption=(
            f"A change is clear when it exceeds 1.96 times the donor's year-to-year variation in "
            f"2010-2021, scaled by the years elapsed (the strategy tracker's rule). {relief.caption()}"
        ),
    )
    wide = relief.tidy().pivot(index="donor_name", columns="year", values="net_oda_usd_m")
    wide = wide.reindex(list(dict.fromkeys(relief.tidy()["donor_name"]))).reset_index()
    wide.columns = ["donor", *(str(c) for c in wide.columns[1:])]
    sec.table(wide, title="Net bilateral ODA by donor and year (US$ millions)", caption=relief.caption())
    return sec

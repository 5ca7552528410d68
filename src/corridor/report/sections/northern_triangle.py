"""Northern Triangle flows by demographic, and southwest flows by Border Patrol sector."""

from __future__ import annotations

from typing import Any

from corridor.charts import partial_periods, series_chart
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("northern-triangle", "Northern Triangle flows")
    nt = obs.flows(
        region="southwest", citizenship="GTM,HND,SLV", by=["fiscal_year", "citizenship", "demographic"]
    )
    frame = nt.tidy()
    for code, name in (("GTM", "Guatemala"), ("HND", "Honduras"), ("SLV", "El Salvador")):
        part = frame[frame["citizenship"] == code][["fiscal_year", "demographic", "encounters"]]
        sec.chart(
            series_chart(
                part,
                color="demographic",
                mark="bar",
                title=f"{name}: southwest encounters by demographic and fiscal year",
                caption=nt.caption(),
                partial=partial_periods(nt.metadata()),
            ),
            alt=f"{name} encounters by demographic",
        )
    wide = frame.pivot_table(
        index=["fiscal_year", "citizenship"], columns="demographic", values="encounters", aggfunc="sum"
    ).reset_index()
    sec.table(wide, caption=nt.caption(), title="Encounters by fiscal year, citizenship and demographic")
    sectors = obs.flows(component="usbp", region="southwest", by=["fiscal_year", "sector"], since="2012-10")
    sec.chart(
        series_chart(
            sectors.tidy(),
            color="sector",
            title="Border Patrol southwest encounters by sector",
            caption=sectors.caption(),
            partial=partial_periods(sectors.metadata()),
        ),
        alt="Border Patrol encounters by southwest sector",
    )
    sec.text(
        "No publisher crosses sector with citizenship, so Northern Triangle flows by sector cannot be "
        "shown; the sector chart covers all citizenships. Family units and unaccompanied children by "
        "country are published from FY2020 only."
    )
    return sec

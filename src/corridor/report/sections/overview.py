"""Overview: latest month, fiscal year to date against last year, and the long series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from corridor.charts import partial_periods, policy_marks, series_chart
from corridor.reference.calendar import add_months, fiscal_year
from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("overview", "Overview")
    monthly = obs.flows(region="southwest", by="month")
    frame = monthly.tidy()
    last = frame.iloc[-1]
    latest: dt.date = last["month"]
    fy = fiscal_year(latest)
    this = frame[(frame["month"] >= dt.date(fy - 1, 10, 1)) & (frame["month"] <= latest)]["encounters"].sum()
    prev_end = add_months(latest, -12)
    prev = frame[(frame["month"] >= dt.date(fy - 2, 10, 1)) & (frame["month"] <= prev_end)][
        "encounters"
    ].sum()
    change = (this - prev) / prev * 100 if prev else float("nan")
    sec.text(
        f"Latest month: {latest:%B %Y}, {int(last['encounters']):,} southwest border encounters "
        f"(all components). Fiscal year {fy} to date ({dt.date(fy - 1, 10, 1):%b %Y}–{latest:%b %Y}): "
        f"{int(this):,}, against {int(prev):,} in the same months a year earlier ({change:+.1f}%)."
    )
    kpi = pd.DataFrame(
        {
            "measure": ["latest month", f"FY{fy} to date", f"same months of FY{fy - 1}", "change"],
            "value": [
                f"{int(last['encounters']):,} ({latest:%Y-%m})",
                f"{int(this):,}",
                f"{int(prev):,}",
                f"{change:+.1f}%",
            ],
        }
    )
    sec.table(kpi, caption=monthly.caption(), title="Southwest border at a glance")
    events = policy_marks(obs)
    sec.chart(
        series_chart(
            frame,
            title="Southwest border encounters by month (all components)",
            caption=monthly.caption(),
            events=events,
        ),
        alt="Monthly southwest border encounters since October 2019",
    )
    long = obs.flows(region="southwest", component="usbp", by="fiscal_year")
    sec.chart(
        series_chart(
            long.tidy(),
            title="Border Patrol southwest apprehensions/encounters, FY1960 to now",
            caption=long.caption(),
            mark="bar",
            partial=partial_periods(long.metadata()),
        ),
        alt="Annual Border Patrol southwest border series since FY1960",
    )
    if events:
        ev = obs.flows(region="southwest", component="usbp", by="month", since="2012-10")
        sec.chart(
            series_chart(
                ev.tidy(),
                title="Border Patrol southwest encounters by month, with policy events",
                caption=ev.caption(),
                events=events,
            ),
            alt="Monthly Border Patrol southwest encounters with policy events marked",
        )
    sec.text(
        "The Border Patrol series is the only one that reaches back before FY2020; it excludes people "
        "encountered at ports of entry. Counts are events: under Title 42 (Mar 2020 – May 2023) many "
        "people were counted more than once."
    )
    return sec

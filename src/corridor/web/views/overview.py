"""The overview page: the latest month, fiscal year to date against last year, and two long series."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor import charts
from corridor.observatory import Observatory
from corridor.reference.calendar import add_months, fiscal_year
from corridor.reference.vocab import REGIONS
from corridor.web.compute import run
from corridor.web.render import named, page
from corridor.web.views.common import leased, sources_line

router = APIRouter()

OVERVIEW_REGIONS: tuple[str | None, ...] = (None, "southwest", "northern", "coastal")


def _change(now: int, before: int) -> float | None:
    return None if not before else (now - before) / before * 100


def _region_row(obs: Observatory, region: str | None, latest: dt.date) -> tuple[dict[str, Any], dict]:
    """Latest month and fiscal year to date against the same months a year earlier, for one region."""
    fy = fiscal_year(latest)
    start = dt.date(fy - 1, 10, 1)
    result = obs.flows(
        region=region, by="month", since=f"{add_months(start, -12):%Y-%m}", until=f"{latest:%Y-%m}"
    )
    values = {row.month: int(row.encounters) for row in result.tidy().itertuples()}
    year_ago = add_months(latest, -12)
    fytd = sum(v for m, v in values.items() if start <= m <= latest)
    prior = sum(v for m, v in values.items() if add_months(start, -12) <= m <= year_ago)
    row = {
        "region": REGIONS[region or "nationwide"],
        "latest": values.get(latest, 0),
        "year_ago": values.get(year_ago, 0),
        "latest_change": _change(values.get(latest, 0), values.get(year_ago, 0)),
        "fytd": fytd,
        "prior": prior,
        "fytd_change": _change(fytd, prior),
    }
    return row, result.metadata()


def build(obs: Observatory) -> dict[str, Any]:
    """Everything the overview shows, from the same Observatory calls as the report."""
    monthly = obs.flows(region="southwest", by="month")
    frame = monthly.tidy()
    latest: dt.date = frame["month"].iloc[-1]
    previous = int(frame["encounters"].iloc[-2]) if len(frame) > 1 else 0
    fy = fiscal_year(latest)
    rows, metas = [], []
    for region in OVERVIEW_REGIONS:
        row, meta = _region_row(obs, region, latest)
        rows.append(row)
        metas.append(meta)
    long = obs.flows(component="usbp", region="southwest", by="fiscal_year")
    events = charts.policy_marks(obs)
    month_chart = charts.series_chart(
        frame,
        title="Southwest border encounters by month (Border Patrol + ports of entry)",
        caption=monthly.caption(),
        events=events,
    )
    long_chart = charts.series_chart(
        long.tidy(),
        title="Border Patrol apprehensions and encounters at the southwest border by fiscal year",
        caption=long.caption(),
        mark="bar",
        partial=charts.partial_periods(long.metadata()),
    )
    months = (latest.year * 12 + latest.month) - ((fy - 1) * 12 + 10) + 1
    return {
        "latest": latest,
        "latest_value": int(frame["encounters"].iloc[-1]),
        "previous_change": _change(int(frame["encounters"].iloc[-1]), previous),
        "fy": fy,
        "fy_months": months,
        "fy_span": f"October {fy - 1} – {latest:%B %Y}",
        "prior_span": f"October {fy - 2} – {add_months(latest, -12):%B %Y}",
        "rows": rows,
        "rows_source": (
            f"Encounters (events, not people), all components, "
            f"{add_months(dt.date(fy - 1, 10, 1), -12):%Y-%m}..{latest:%Y-%m}. {sources_line(metas)}"
        ),
        "monthly_chart": named(month_chart),
        "monthly_caption": monthly.caption(),
        "monthly_meta": monthly.metadata(),
        "long_meta": long.metadata(),
        "events_marked": len(events),
        "long_chart": named(long_chart),
        "long_caption": long.caption(),
        "long_first": int(long.tidy()["fiscal_year"].iloc[0]),
        "long_last": int(long.tidy()["fiscal_year"].iloc[-1]),
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request) -> HTMLResponse:
    """The latest month, FY to date vs last year, the monthly southwest series and the FY1960- series."""
    with leased(request) as (version, obs):
        context = version.cached(("page", "overview"), lambda: run(version, obs, build, lane="flows"))
    return page(request, "overview.html", {"title": "Overview", **context})

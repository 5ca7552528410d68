"""Country pages: encounters by citizenship for every country, and one country's profile and series."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor import charts, params
from corridor.errors import CorridorError, UsageError
from corridor.observatory import Observatory
from corridor.reference.countries import country_name
from corridor.web.api import PREFIX, shown_for, vocabularies
from corridor.web.compute import run
from corridor.web.render import block, named, page
from corridor.web.results import show
from corridor.web.verbs import BY_NAME, INPUT_ERRORS
from corridor.web.views.common import leased

router = APIRouter()
log = logging.getLogger("corridor.web")


def ranking(obs: Observatory) -> dict[str, Any]:
    """Encounters by citizenship in the latest complete fiscal year (all components, nationwide)."""
    years = obs.flows(by="fiscal_year")
    complete = years.metadata()["partial_periods"]
    frame = years.tidy()
    last = int(frame["fiscal_year"].iloc[-1])
    fy = last - 1 if any(p.startswith(f"FY{last} ") for p in complete) else last
    result = obs.flows(by="citizenship", since=f"{fy - 1}-10", until=f"{fy}-09")
    data = result.tidy().sort_values("encounters", ascending=False)
    data = data.assign(
        country=[country_name(c) if c != "OTHER" else "Other countries" for c in data["citizenship"]]
    )
    spec = charts.bar_chart(
        data[["country", "encounters"]],
        x="country",
        y="encounters",
        title=f"Encounters by citizenship, FY{fy} (all components, nationwide)",
        caption=result.caption(),
    )
    return {"fy": fy, "chart": named(spec), "caption": result.caption(), "codes": list(data["citizenship"])}


def series(obs: Observatory, iso3: str) -> list[dict[str, Any]]:
    """The encounter series a country has: all encounters by FY, and Border Patrol by month."""
    out: list[dict[str, Any]] = []
    asks = (
        ("all encounters by fiscal year", {"by": "fiscal_year"}, "bar"),
        ("Border Patrol encounters by month", {"component": "usbp", "by": "month"}, "line"),
    )
    for what, kwargs, mark in asks:
        try:
            result = obs.flows(citizenship=iso3, **kwargs)
        except CorridorError as exc:
            out.append({"what": what, "error": str(exc).splitlines()[0]})
            continue
        spec = charts.series_chart(
            result.tidy(), title=f"{country_name(iso3)}: {what}", caption=result.caption(), mark=mark
        )
        query = f"citizenship={iso3}&" + "&".join(f"{k}={v}" for k, v in kwargs.items())
        out.append(
            {
                "what": what,
                "block": block(show(result), title=what, ident=f"series-{mark}") | {"chart": named(spec)},
                "csv": f"{PREFIX}/flows.csv?{query}",
                "explore": f"/flows?{query}",
            }
        )
    return out


def profile(request: Request, version: Any, obs: Observatory, iso3: str) -> dict[str, Any]:
    """The country profile from `obs.profile` (computed like /api/v1/profile), or why there is none."""
    if "profile" not in request.app.state.verbs:
        return {"available": False}
    try:
        shown = shown_for(version, obs, BY_NAME["profile"], {"iso3": iso3})
    except INPUT_ERRORS as exc:  # anything else is a bug: a 500 page with a request id
        return {"available": True, "error": str(exc)}
    return {"available": True, "block": block(shown, title="Profile", ident="profile")}


@router.get("/country", response_class=HTMLResponse, include_in_schema=False)
def country_page(request: Request, iso3: str = "") -> HTMLResponse:
    """Without `iso3`: every citizenship ranked; with it: that country's series and profile."""
    code = iso3.strip().upper()
    with leased(request) as (version, obs):
        vocab = version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes))
        countries = {c: n for c, n in vocab["citizenship"].items() if c != "OTHER"}
        context: dict[str, Any] = {"title": "Countries", "countries": countries, "iso3": code}
        if not code:
            context["ranking"] = version.cached(
                ("page", "ranking"), lambda: run(version, obs, ranking, lane="flows")
            )
            return page(request, "country.html", context)
        try:
            code = context["iso3"] = params.country(iso3, "iso3")  # a code or an English name
        except UsageError as exc:
            context["error"] = str(exc)
            return page(request, "country.html", context, status_code=422)
        context["name"] = country_name(code)
        context["series"] = version.cached(
            ("page", "series", code), lambda: run(version, obs, series, code, lane="flows")
        )
        context["profile"] = version.cached(
            ("page", "profile", code), lambda: profile(request, version, obs, code)
        )
    return page(request, "country.html", context)

"""Country pages: encounters by citizenship for every country, and one country's profile and series."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor import charts
from corridor.errors import CorridorError
from corridor.observatory import Observatory
from corridor.reference.countries import country_name
from corridor.web.api import PREFIX, vocabularies
from corridor.web.render import block, named, page
from corridor.web.results import show
from corridor.web.verbs import INPUT_ERRORS
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


def profile(request: Request, obs: Observatory, iso3: str) -> dict[str, Any]:
    """The country profile from `obs.profile`, or why there is none."""
    if "profile" not in request.app.state.verbs:
        return {"available": False}
    try:
        shown = show(obs.profile(iso3))
    except INPUT_ERRORS as exc:
        return {"available": True, "error": str(exc)}
    except Exception as exc:
        log.exception("profile(%s) failed", iso3)
        return {"available": True, "error": f"the profile failed: {type(exc).__name__}: {exc}"}
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
            context["ranking"] = version.cached(("page", "ranking"), lambda: ranking(obs))
            return page(request, "country.html", context)
        if not re.fullmatch(r"[A-Z]{3}", code):
            context["error"] = f"iso3: {iso3!r} is not an ISO 3166 alpha-3 code"
            return page(request, "country.html", context, status_code=422)
        context["name"] = country_name(code)
        context["series"] = version.cached(("page", "series", code), lambda: series(obs, code))
        context["profile"] = version.cached(("page", "profile", code), lambda: profile(request, obs, code))
    return page(request, "country.html", context)

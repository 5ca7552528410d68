"""Country pages: encounters by citizenship for every country, one country's profile and series,
and 2 to 4 countries side by side (their encounters, and root-cause indicators as small multiples).

The country field takes names or ISO3 codes, comma-separated (`?iso3=Guatemala,HND`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor import charts, params
from corridor.errors import CorridorError, UsageError
from corridor.observatory import Observatory
from corridor.reference import labels
from corridor.reference.countries import country_name
from corridor.web.api import PREFIX, shown_for, vocabularies
from corridor.web.compute import run
from corridor.web.render import block, named, page, table
from corridor.web.results import show
from corridor.web.verbs import BY_NAME, INPUT_ERRORS
from corridor.web.views.common import leased

router = APIRouter()
log = logging.getLogger("corridor.web")

MAX_COMPARE = 4
# Root causes compared side by side, in the order the profile lists them.
COMPARE_INDICATORS = (
    "wdi.gdp_pc_ppp",
    "wdi.poverty_300",
    "wdi.unemployment",
    "wdi.remittances_pct_gdp",
    "wdi.homicide_rate",
    "wgi.control_of_corruption",
    "wgi.rule_of_law",
    "ti.cpi",
    "emdat.affected",
    "aid.us_disbursed",
)
COMPARE_SINCE = 2005


def ranking(obs: Observatory) -> dict[str, Any]:
    """Encounters by citizenship in the latest complete fiscal year (all components, nationwide)."""
    years = obs.flows(by="fiscal_year")
    complete = years.metadata()["partial_periods"]
    frame = years.tidy()
    last = int(frame["fiscal_year"].iloc[-1])
    fy = last - 1 if any(p.startswith(f"FY{last} ") for p in complete) else last
    result = obs.flows(by="citizenship", since=f"{fy - 1}-10", until=f"{fy}-09")
    data = result.tidy().sort_values("encounters", ascending=False)
    spec = charts.bar_chart(
        data[["citizenship", "encounters"]],
        x="citizenship",
        y="encounters",
        title=f"Encounters by citizenship, FY{fy} (all components, nationwide)",
        caption=result.caption(),
    )
    shown = data.assign(
        country=[country_name(c) if c != "OTHER" else "Other countries" for c in data["citizenship"]]
    )
    return {
        "fy": fy,
        "chart": named(spec),
        "caption": result.caption(),
        "table": table(shown[["country", "encounters"]]),
        "codes": list(data["citizenship"]),
    }


def series(obs: Observatory, iso3: str) -> list[dict[str, Any]]:
    """The encounter series a country has: all encounters by FY, and Border Patrol by month."""
    out: list[dict[str, Any]] = []
    asks: tuple[tuple[str, dict[str, Any], str], ...] = (
        ("all encounters by fiscal year", {"by": "fiscal_year"}, "bar"),
        ("Border Patrol encounters by month", {"component": "usbp", "by": "month"}, "line"),
    )
    for what, kwargs, mark in asks:
        try:
            result = obs.flows(citizenship=iso3, **kwargs)
        except CorridorError as exc:
            out.append({"what": what, "error": labels.humanize(str(exc).splitlines()[0])})
            continue
        spec = charts.series_chart(
            result.tidy(),
            title=f"{country_name(iso3)}: {what}",
            caption=result.caption(),
            mark=mark,
            partial=charts.partial_periods(result.metadata()),
        )
        query = f"citizenship={iso3}&" + "&".join(f"{k}={v}" for k, v in kwargs.items())
        out.append(
            {
                "what": what,
                "block": block(show(result), title=what[:1].upper() + what[1:], ident=f"series-{mark}")
                | {"chart": named(spec), "csv": f"{PREFIX}/flows.csv?{query}"},
                "explore": f"/flows?{query}",
                "metadata": result.metadata(),
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
    if shown.frame is not None and "iso3" in shown.frame.columns:  # the page is about one country
        shown = replace(shown, frame=shown.frame.drop(columns="iso3"))
    return {"available": True, "block": block(shown, title="Profile", ident="profile")}


def compare(obs: Observatory, codes: list[str]) -> dict[str, Any]:
    """2 to 4 countries side by side: encounters by fiscal year, and each root cause over time."""
    names = ", ".join(country_name(c) for c in codes)
    out: dict[str, Any] = {"names": names, "panels": []}
    try:
        result = obs.flows(citizenship=codes, by=["fiscal_year", "citizenship"])
        frame = result.tidy()
        out["encounters"] = named(
            charts.series_chart(
                frame,
                color="citizenship",
                mark="line",
                title=f"Encounters by fiscal year: {names}",
                caption=result.caption(),
                partial=charts.partial_periods(result.metadata()),
            )
        )
        out["encounters_meta"] = result.metadata()
    except CorridorError as exc:
        out["encounters_error"] = labels.humanize(str(exc).splitlines()[0])
    try:
        ind = obs.indicators(country=codes, indicator=list(COMPARE_INDICATORS), since=COMPARE_SINCE)
    except CorridorError as exc:
        out["indicators_error"] = labels.humanize(str(exc).splitlines()[0])
        return out
    frame = ind.tidy()
    publishers = _publishers(obs)
    for indicator in COMPARE_INDICATORS:
        part = frame[frame["indicator"] == indicator]
        if part.empty or part["value"].isna().all():
            continue
        unit = str(part["unit"].dropna().iloc[0]) if part["unit"].notna().any() else ""
        name = labels.label("indicator", indicator)
        data = part[["year", "iso3", "value"]].rename(columns={"year": "calendar_year"})
        source = str(part["source"].iloc[0]) if "source" in part else ""
        years = f"{int(part['year'].min())}–{int(part['year'].max())}"
        spec = charts.series_chart(
            data,
            y="value",
            color="iso3",
            title=name,
            caption=f"{unit[:1].upper() + unit[1:]}, {years}. Source: {publishers.get(source, source)}.",
            mark="line",
            y_title=unit[:1].upper() + unit[1:] if unit else "Value",
        )
        spec["height"] = 180
        out["panels"].append(named(spec))
    return out


def _publishers(obs: Observatory) -> dict[str, str]:
    """Dataset id -> its publisher, for source lines."""
    try:
        status = obs.status()
    except CorridorError:
        return {}
    return {str(d): str(p) for d, p in zip(status["dataset"], status["publisher"], strict=True)}


def _codes(text: str) -> list[str]:
    """Countries typed as names or codes, comma-separated -> ISO3 codes (at most MAX_COMPARE)."""
    codes = list(dict.fromkeys(params.countries(text, "country")))
    if len(codes) > MAX_COMPARE:
        raise UsageError(f"compare at most {MAX_COMPARE} countries at a time, not {len(codes)}")
    if "OTHER" in codes:
        raise UsageError("'Other countries' is a publisher's lump, not a country with a profile")
    return codes


@router.get("/country", response_class=HTMLResponse, include_in_schema=False)
def country_page(request: Request, iso3: str = "") -> HTMLResponse:
    """Without `iso3`: every citizenship ranked; one country: its series and profile; 2 to 4:
    side by side."""
    text = ", ".join(request.query_params.getlist("iso3")) or iso3
    with leased(request) as (version, obs):
        vocab = version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes))
        countries = {c: n for c, n in vocab["citizenship"].items() if c != "OTHER"}
        context: dict[str, Any] = {"title": "Countries", "countries": countries, "typed": text.strip()}
        if not text.strip():
            context["ranking"] = version.cached(
                ("page", "ranking"), lambda: run(version, obs, ranking, lane="flows")
            )
            return page(request, "country.html", context)
        try:
            codes = _codes(text)
        except UsageError as exc:
            context["error"] = {
                "message": labels.humanize(str(exc)).rstrip(".") + ".",
                "alternative": {"href": "/country", "text": "Every country, ranked by encounters"},
            }
            context["ranking"] = version.cached(
                ("page", "ranking"), lambda: run(version, obs, ranking, lane="flows")
            )
            return page(request, "country.html", context, status_code=422)
        context["codes"] = codes
        context["typed"] = ", ".join(country_name(c) for c in codes)
        if len(codes) > 1:
            context["title"] = "Compare countries"
            context["compare"] = version.cached(
                ("page", "compare", tuple(codes)), lambda: run(version, obs, compare, codes, lane="flows")
            )
            return page(request, "country.html", context)
        code = codes[0]
        context["name"] = country_name(code)
        context["iso3"] = code
        context["title"] = country_name(code)
        context["series"] = version.cached(
            ("page", "series", code), lambda: run(version, obs, series, code, lane="flows")
        )
        context["profile"] = version.cached(
            ("page", "profile", code), lambda: profile(request, version, obs, code)
        )
    return page(request, "country.html", context)

"""Analysis pages (indicators, panel, drivers, forecast, evaluate, tracker, simulate), one template.

Each page shows one or more verbs. A verb's form comes from its method's keyword arguments; a
submitted form (`?run=<verb>&...`) runs it, cheap verbs run with their defaults when the page
opens, and a verb whose method has not landed yet shows a "not available yet" note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import verbs
from corridor.web.api import PREFIX, shown_for, vocabularies
from corridor.web.render import block, page
from corridor.web.results import show
from corridor.web.views.common import leased, query_lists

router = APIRouter()
log = logging.getLogger("corridor.web")


@dataclass(frozen=True)
class AnalysisPage:
    """A page: its URL slug, title, a line of what it answers, and its verbs in order."""

    slug: str
    title: str
    intro: str
    verbs: tuple[str, ...]


PAGES: tuple[AnalysisPage, ...] = (
    AnalysisPage(
        "indicators",
        "Indicators",
        "Root-cause indicators (poverty, homicide, corruption, remittances, disasters, aid) by country "
        "and year, each with its source.",
        ("indicators", "indicator_catalog"),
    ),
    AnalysisPage(
        "panel",
        "Panel",
        "A country-period panel of US encounters by citizenship with lagged indicators, ready to model.",
        ("panel",),
    ),
    AnalysisPage(
        "drivers",
        "Drivers",
        "Which conditions move encounters: a fixed-effects model on the panel, with its sample.",
        ("drivers",),
    ),
    AnalysisPage(
        "forecast",
        "Forecast",
        "What to expect next, how sure that is, and how the model did against naive baselines.",
        ("forecast",),
    ),
    AnalysisPage(
        "evaluate",
        "Evaluate",
        "Did a policy change encounters? Causal estimates with placebo checks and their assumptions.",
        ("evaluate", "events"),
    ),
    AnalysisPage(
        "tracker", "Strategy tracker", "Results frameworks scored against the indicators.", ("track",)
    ),
    AnalysisPage(
        "simulate",
        "Simulate",
        "What if: processing pathways and the immigration-court backlog under other capacities.",
        ("simulate_pathways", "simulate_backlog"),
    ),
)


def suggestions(alias: str, vocab: dict[str, Any], lists: dict[str, dict[str, str]]) -> dict[str, str]:
    """Values a text field may suggest (a datalist), by parameter name."""
    table: dict[str, dict[str, str]] = {
        "framework": lists["frameworks"],
        "policy": lists["policies"],
        "treated": vocab["citizenship"],
        "donors": vocab["citizenship"],
        "drivers": lists["catalog"],
        "region": REGIONS,
        "component": COMPONENTS,
        "demographic": DEMOGRAPHICS,
        "title": TITLES,
        "sector": {k: v[0] for k, v in SECTORS.items()},
        "country": vocab["citizenship"],
        "iso3": vocab["citizenship"],
        "citizenship": vocab["citizenship"],
        "indicator": lists["catalog"],
        "with": lists["catalog"],
    }
    return table.get(alias, {})


def _ids(obs: Any, method_name: str, column: str, label: str | None = None) -> dict[str, str]:
    """Ids (and labels) from a listing verb, for a datalist; empty if the verb is missing or fails."""
    method = getattr(obs, method_name, None)
    if not callable(method):
        return {}
    try:
        result = method()
        if isinstance(result, list | tuple) and all(isinstance(r, str) for r in result):
            return {r: r for r in result}
        frame = show(result).frame
    except Exception:  # suggestions only: a failing listing must not break the page
        return {}
    if frame is None or column not in frame:
        return {}
    labels = frame[label] if label and label in frame else frame[column]
    return {str(k): str(v) for k, v in zip(frame[column], labels, strict=True)}


def listings(obs: Any) -> dict[str, dict[str, str]]:
    """Every id list the forms suggest from: indicators, frameworks, policies."""
    return {
        "catalog": _ids(obs, "indicator_catalog", "indicator", "name"),
        "frameworks": _ids(obs, "frameworks", ""),
        "policies": _ids(obs, "events", "id", "title"),
    }


def _section(
    request: Request, version: Any, obs: Any, name: str, raw: dict[str, list[str]]
) -> dict[str, Any]:
    """One verb's section: its form fields, and its result (or error, or unavailable note)."""
    verb = verbs.BY_NAME[name]
    if name not in request.app.state.verbs:
        return {"verb": verb, "available": False}
    params = request.app.state.verb_params[name]
    submitted = raw.get("run", [""])[-1] == name
    values = {k: v for k, v in raw.items() if k != "run"} if submitted else {k: [v] for k, v in verb.example}
    section: dict[str, Any] = {
        "verb": verb,
        "available": True,
        "params": params,
        "values": {
            p.alias: ",".join(values[p.alias]) if p.alias in values else p.default_text for p in params
        },
        "result": None,
        "error": "",
        "status": 200,
    }
    if not submitted and not (verb.autorun and not any(p.required for p in params)):
        return section
    try:
        kwargs = verbs.coerce(params, values)
        shown = shown_for(version, obs, verb, kwargs)  # in the API's worker pool, cached alike
    except verbs.INPUT_ERRORS as exc:  # anything else is a bug: a 500 page with a request id
        section.update(error=str(exc), status=422)
        return section
    query = urlencode([(k, v) for k, vs in values.items() for v in vs if v.strip()])
    csv = f"{PREFIX}/{verb.name}.csv" + (f"?{query}" if query else "") if shown.frame is not None else None
    section["result"] = block(shown, title=verb.title, ident=verb.name, csv=csv)
    section["api_url"] = f"{PREFIX}/{verb.name}" + (f"?{query}" if query else "")
    return section


def _render(request: Request, spec: AnalysisPage) -> HTMLResponse:
    raw = query_lists(request)
    with leased(request) as (version, obs):
        vocab = version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes))
        lists = version.cached(("listings",), lambda: listings(obs))
        sections = [_section(request, version, obs, name, raw) for name in spec.verbs]
    for s in sections:
        if s["available"]:
            s["suggest"] = {
                p.alias: {c: c for c in p.choices}
                if p.kind == "number_or_choice"
                else suggestions(p.alias, vocab, lists)
                for p in s["params"]
            }
            s["bounds"] = {p.alias: verbs.bounds(p) for p in s["params"] if p.kind in ("int", "float")}
    status = max((s.get("status", 200) for s in sections), default=200)
    context = {"title": spec.title, "page_spec": spec, "sections": sections}
    return page(request, "analysis.html", context, status_code=status)


def _route(spec: AnalysisPage) -> None:
    def view(request: Request) -> HTMLResponse:
        return _render(request, spec)

    view.__name__ = f"page_{spec.slug}"
    view.__doc__ = spec.intro
    router.add_api_route(
        f"/{spec.slug}", view, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
    )


for _spec in PAGES:
    _route(_spec)

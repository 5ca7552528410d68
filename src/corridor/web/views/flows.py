"""The flows explorer: the flows verb's filters as a form, its answer as a chart, a table and a CSV link.

The page works without JavaScript (the form submits a GET); with it, a changed filter fetches
only the result part (/flows/result, same query) and swaps it in.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from corridor import charts
from corridor.errors import CorridorError
from corridor.flows import BY_KEYS, TIME_KEYS, FlowsResult
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import DEMOGRAPHICS, REGIONS, TITLES, label
from corridor.web.api import PREFIX, flows_shown, vocabularies
from corridor.web.params import FlowsParams, describe_errors, form_values
from corridor.web.render import block, named, page
from corridor.web.views.common import leased, query_lists

router = APIRouter()

DEFAULT = FlowsParams(region="southwest", by=["fiscal_year", "demographic"])
MAX_GROUPS = 12  # colour groups a chart shows; the largest are kept and the title says so
MAX_POINTS = 5000


def chart_for(result: FlowsResult) -> tuple[dict[str, Any] | None, str]:
    """A Vega-Lite spec for a flows answer (from corridor.charts), or None and the reason."""
    frame = result.tidy()
    keys = list(result.request.by)
    time = next((k for k in keys if k in TIME_KEYS), None)
    others = [k for k in keys if k not in TIME_KEYS]
    what = result.request.describe()
    if not keys:
        return None, "One total, no chart: add a group-by key such as month or fiscal year."
    if len(others) > 1:
        return None, "No chart for more than one category at a time; the table has every row."
    if time is None:
        dim = others[0]
        top = frame.nlargest(40, "encounters") if frame[dim].nunique() > 40 else frame
        title = f"Encounters by {dim.replace('_', ' ')}" + (" (40 largest)" if len(top) < len(frame) else "")
        return charts.bar_chart(top, x=dim, y="encounters", title=title, caption=result.caption()), ""
    color = others[0] if others else None
    title = f"Encounters by {time.replace('_', ' ')}: {what}"
    data = frame
    if color is not None:
        totals = frame.groupby(color)["encounters"].sum().sort_values(ascending=False)
        if len(totals) > MAX_GROUPS:
            data = frame[frame[color].isin(totals.index[:MAX_GROUPS])]
            title += f" ({MAX_GROUPS} largest of {len(totals)} {color.replace('_', ' ')} groups)"
    if len(data) > MAX_POINTS:
        return None, f"Too many points to chart ({len(data):,}); narrow the period or the filters."
    mark = "line" if time == "month" else "bar"
    spec = charts.series_chart(data, color=color, title=title, caption=result.caption(), mark=mark)
    return spec, ""


def options(cubes_vocab: dict[str, Any]) -> dict[str, Any]:
    """The choices each form field offers, with labels."""
    return {
        "region": REGIONS,
        "component": {
            "all": "All (Border Patrol + ports of entry)",
            "usbp": "Border Patrol",
            "ofo": "Ports of entry (OFO)",
        },
        "demographic": DEMOGRAPHICS,
        "title": TITLES,
        "sector": {k: v[0] for k, v in SECTORS.items()},
        "by": {k: k.replace("_", " ") for k in BY_KEYS},
        "citizenship": cubes_vocab["citizenship"],
        "state": cubes_vocab["state"],
    }


def labelled(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Human labels of the codes in a frame's category columns (for table cell titles)."""
    out: dict[str, dict[str, str]] = {}
    for col in ("citizenship", "demographic", "sector", "region", "component", "title"):
        if col in frame.columns:
            out[col] = {str(v): label(col, str(v)) for v in frame[col].unique()}
    return out


@router.get("/flows", response_class=HTMLResponse, include_in_schema=False)
def flows_page(request: Request) -> HTMLResponse:
    """The explorer: form, chart, table, CSV link."""
    return _render(request, "flows.html")


@router.get("/flows/result", response_class=HTMLResponse, include_in_schema=False)
def flows_result(request: Request) -> HTMLResponse:
    """Only the result part of the explorer, which the page's script swaps in when a filter changes."""
    return _render(request, "flows_result.html")


def _render(request: Request, template: str) -> HTMLResponse:
    raw = query_lists(request)
    error = ""
    status = 200
    try:
        params = FlowsParams.model_validate(form_values(raw)) if raw else DEFAULT
    except ValidationError as exc:
        params, error, status = FlowsParams(), describe_errors(exc.errors()), 422
    context: dict[str, Any] = {"title": "Flows explorer", "params": params, "error": error}
    with leased(request) as (version, obs):
        context["options"] = options(version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes)))
        if not error:
            try:
                shown, result = flows_shown(version, obs, params)
            except CorridorError as exc:
                error, status = str(exc), 422
            else:
                spec, why = version.cached(("flows-chart", params.key()), lambda: chart_for(result))
                query = params.query()
                result_block = block(
                    shown, title="Encounters", ident="flows", csv=f"{PREFIX}/flows.csv?{query}"
                )
                result_block["chart"] = named(spec)
                context.update(
                    result=result_block,
                    no_chart=why,
                    labels=labelled(shown.frame) if shown.frame is not None else {},
                    api_url=f"{PREFIX}/flows?{query}",
                    query=query,
                    metadata=shown.metadata,
                )
    context["error"] = error
    return page(request, template, context, status_code=status)

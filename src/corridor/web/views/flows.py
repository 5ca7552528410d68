"""The flows explorer: the flows verb's filters as a form, its answer as a chart, a table and a CSV link.

The page works without JavaScript (the form submits a GET); with it, a changed filter fetches
only the result part (/flows/result, same query) and swaps it in. The form cannot dead-end:
every choice the data cannot answer for the current selection is disabled with the reason
beside it (`corridor.flows.options`), and a request that still fails says why in one sentence
with a working alternative as a link. Citizenship accepts country names as well as ISO3 codes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from corridor import charts, flows, params
from corridor.errors import CorridorError, UsageError
from corridor.flows import BY_KEYS, TIME_KEYS, FlowsResult
from corridor.reference import labels
from corridor.reference.countries import country_name
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import DEMOGRAPHICS, REGIONS, TITLES
from corridor.web.api import PREFIX, cube_rows, flows_shown, vocabularies
from corridor.web.params import FlowsParams, describe_errors, form_values
from corridor.web.render import block, named, page, table
from corridor.web.views.common import leased, query_lists

router = APIRouter()

DEFAULT = FlowsParams(region="southwest", by=["fiscal_year", "demographic"])
MAX_GROUPS = 12  # colour groups a chart shows; the largest are kept and the title says so
MAX_PANELS = 8  # small multiples drawn for a second category; the largest are kept
MAX_POINTS = 5000


def _title(result: FlowsResult, time: str | None) -> str:
    what = result.request.describe()
    return f"Encounters by {labels.column(time).lower()}: {labels.humanize(what)}" if time else what


def chart_for(result: FlowsResult) -> tuple[list[dict[str, Any]], str]:
    """Vega-Lite specs for a flows answer (from corridor.charts): one chart, small multiples for
    a second category (one chart per value, each the page's width), or none and the reason."""
    frame = result.tidy()
    keys = list(result.request.by)
    time = next((k for k in keys if k in TIME_KEYS), None)
    others = [k for k in keys if k not in TIME_KEYS]
    partial = charts.partial_periods(result.metadata())
    caption = labels.humanize(result.caption())
    if not keys:
        return [], "One total, no chart: add a breakdown such as month or fiscal year."
    if frame.empty or frame["encounters"].isna().all():
        return [], "Nothing to chart: every value of this selection is missing."
    if time is None:
        if len(others) > 1:
            return [], "No chart for two categories without a time breakdown; the table has every row."
        dim = others[0]
        top = frame.nlargest(40, "encounters") if frame[dim].nunique() > 40 else frame
        title = f"Encounters by {labels.column(dim).lower()}" + (
            " (40 largest)" if len(top) < len(frame) else ""
        )
        return [charts.bar_chart(top, x=dim, y="encounters", title=title, caption=caption)], ""
    if len(others) > 2:
        return [], "No chart for three categories at once; the table has every row."
    mark = "line" if time == "month" else "bar"
    if len(others) == 2:
        stack, panel = others
        totals = frame.groupby(panel)["encounters"].sum().sort_values(ascending=False)
        specs = []
        for value in totals.index[:MAX_PANELS]:
            part = frame[frame[panel] == value].drop(columns=[panel])
            name = charts.category_labels(panel, [value])[str(value)]
            specs.append(
                charts.series_chart(
                    part,
                    color=stack,
                    title=f"{name}: encounters by {labels.column(time).lower()}",
                    caption=caption,
                    mark=mark,
                    partial=partial,
                )
            )
        more = len(totals) - MAX_PANELS
        return specs, (f"Charts for the {MAX_PANELS} largest of {len(totals)} groups." if more > 0 else "")
    color = others[0] if others else None
    title = _title(result, time)
    data = frame
    if color is not None:
        totals = frame.groupby(color)["encounters"].sum().sort_values(ascending=False)
        if len(totals) > MAX_GROUPS:
            data = frame[frame[color].isin(totals.index[:MAX_GROUPS])]
            title += f" ({MAX_GROUPS} largest of {len(totals)} groups)"
    if len(data) > MAX_POINTS:
        return [], f"Too many points to chart ({len(data):,}); narrow the period or the filters."
    spec = charts.series_chart(data, color=color, title=title, caption=caption, mark=mark, partial=partial)
    return [spec], ""


def form_options(vocab: dict[str, Any]) -> dict[str, Any]:
    """The choices each form field offers, with labels."""
    return {
        "region": {k: v for k, v in REGIONS.items() if k != "nationwide"},
        "component": {
            "all": "All (Border Patrol + ports of entry)",
            "usbp": "Border Patrol (between ports)",
            "ofo": "Ports of entry (OFO)",
        },
        "demographic": DEMOGRAPHICS,
        "title": TITLES,
        "sector": {k: f"{v[0]} ({REGIONS[v[1]].split(' ')[0].lower()})" for k, v in SECTORS.items()},
        "by": {k: labels.column(k) for k in BY_KEYS},
        "citizenship": vocab["citizenship"],
    }


def availability(obs: Any, params_: FlowsParams) -> dict[str, dict[str, str | None]]:
    """For each form choice: None if the selection with it has an answer, else the reason."""
    try:
        sel = params.Selection.parse(
            **{k: v for k, v in params_.kwargs().items() if k not in ("by", "since", "until")}
        )
        req = flows.FlowsRequest.of(
            sel,
            by=params_.by,
            since=params.month(params_.since, "since"),
            until=params.month(params_.until, "until"),
        )
        found = flows.options(obs.cubes, req)
    except CorridorError:
        return {}
    return {
        field: {k: (_reason(v) if v else None) for k, v in choices.items()}
        for field, choices in found.items()
        if field != "citizenship"
    } | {"citizenship": dict(found.get("citizenship", {}))}


def shared_reasons(available: dict[str, dict[str, str | None]]) -> dict[str, str]:
    """Fields whose every choice is unavailable for one reason: that reason, said once."""
    out = {}
    for field in ("demographic", "title"):
        reasons = set((available.get(field) or {}).values())
        if len(reasons) == 1 and None not in reasons:
            out[field] = str(next(iter(reasons)))
    return out


def _reason(text: str) -> str:
    """A planner's reason as one short sentence for people."""
    first = labels.humanize(str(text).splitlines()[0]).rstrip(".")
    return first[:1].upper() + first[1:] + "."


def normalise(raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Country names become ISO3 codes (`Guatemala` -> GTM); a name that is not a country raises
    a UsageError that suggests the nearest ones."""
    out = dict(raw)
    if not out.get("citizenship"):
        return out
    codes = []
    for text in params.items(out["citizenship"]):
        try:
            codes.append(params.country(text, "citizenship"))
        except UsageError as exc:
            near = _nearest_country(text)
            message = f"{text!r} is not a country name or ISO3 code"
            raise UsageError(message, suggestion={"citizenship": near} if near else None) from exc
    out["citizenship"] = [",".join(dict.fromkeys(codes))]
    return out


def _nearest_country(text: str) -> str | None:
    """The code of the country whose name is closest to what was typed (None if none is close)."""
    import difflib

    names = params._country_names()
    close = difflib.get_close_matches(text.strip().lower(), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


def alternative(current: FlowsParams, suggestion: dict[str, Any] | None) -> dict[str, str] | None:
    """The nearest answerable request as a link: its URL and what changes, in the form's words."""
    if not suggestion:
        return None
    values = current.model_dump()
    for key, value in suggestion.items():
        if key == "drop_by":
            values["by"] = [k for k in values["by"] if k != value]
        elif key == "by_time":
            values["by"] = [value if k in TIME_KEYS else k for k in values["by"]]
        elif key in ("citizenship", "demographic", "sector", "title", "state"):
            values[key] = [] if value is None else [value] if isinstance(value, str) else list(value)
        elif key == "component":
            values[key] = value or "all"
        else:
            values[key] = value
    try:
        nearby = FlowsParams.model_validate(values)
    except ValidationError:
        return None
    if set(suggestion) == {"citizenship"} and isinstance(suggestion["citizenship"], str):
        code = suggestion["citizenship"]
        text = f"{labels.label('field', 'citizenship')}: {country_name(code)}"
    else:
        text = flows.suggestion_text(suggestion, style="web")
    return {"href": f"/flows?{nearby.query()}", "text": text[:1].upper() + text[1:]}


def error_box(
    message: str, *, current: FlowsParams | None = None, exc: Exception | None = None
) -> dict[str, Any]:
    """One sentence saying why, and a working alternative when the planner knows one."""
    sentence = _reason(message)
    alt = alternative(current, getattr(exc, "suggestion", None)) if current is not None else None
    if alt is None:
        alt = {"href": "/flows", "text": "Start again from the southwest border by fiscal year and group"}
    return {"message": sentence, "alternative": alt}


def coverage(obs: Any) -> pd.DataFrame:
    """What each encounter table covers: who, where, from when to when, exact or rounded."""
    rows = cube_rows(obs.cubes)
    frame = pd.DataFrame(rows)
    return pd.DataFrame(
        {
            "source": frame["title"],
            "from": frame["from"],
            "to": frame["to"],
            "counts": ["rounded to 10" if r else "exact" for r in frame["rounded"]],
            "breakdowns": [
                ", ".join(labels.column(d).lower() for d in dims) or "totals only" for dims in frame["dims"]
            ],
        }
    )


def _display_codes(codes: list[str]) -> str:
    return ", ".join("Other countries" if c == "OTHER" else country_name(c) for c in codes)


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
    error: dict[str, Any] | None = None
    status = 200
    params_ = DEFAULT
    typed = ", ".join(raw.get("citizenship", []))
    try:
        params_ = FlowsParams.model_validate(form_values(normalise(raw))) if raw else DEFAULT
    except UsageError as exc:
        try:  # the rest of the request, to offer it with the nearest country
            params_ = FlowsParams.model_validate(
                form_values({k: v for k, v in raw.items() if k != "citizenship"})
            )
        except ValidationError:
            params_ = FlowsParams()
        error, status = error_box(str(exc), current=params_, exc=exc), 422
    except ValidationError as exc:
        params_, error, status = FlowsParams(), error_box(describe_errors(exc.errors())), 422
    context: dict[str, Any] = {
        "title": "Flows explorer",
        "params": params_,
        "error": error,
        "citizenship_text": typed if error else _display_codes(params_.citizenship or []),
    }
    with leased(request) as (version, obs):
        vocab = version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes))
        context["options"] = form_options(vocab)
        context["available"] = version.cached(
            ("flows-options", params_.key()), lambda: availability(obs, params_)
        )
        context["shared"] = shared_reasons(context["available"])
        context["coverage_table"] = table(version.cached(("flows-coverage",), lambda: coverage(obs)))
        if not error:
            try:
                shown, result = flows_shown(version, obs, params_)
            except CorridorError as exc:
                error, status = error_box(str(exc), current=params_, exc=exc), 422
            else:
                specs, why = version.cached(("flows-chart", params_.key()), lambda: chart_for(result))
                query = params_.query()
                result_block = block(
                    shown, title="Encounters", ident="flows", csv=f"{PREFIX}/flows.csv?{query}"
                )
                result_block["charts"] = [named(s) for s in specs] or [None]
                result_block["chart"] = result_block["charts"][0]
                result_block["api"] = f"{PREFIX}/flows?{query}"
                context.update(
                    result=result_block,
                    no_chart=why,
                    api_url=f"{PREFIX}/flows?{query}",
                    query=query,
                    metadata=shown.metadata,
                )
    context["error"] = error
    return page(request, template, context, status_code=status)

"""Series: the catalogue and each context and operations series, as pages and JSON/CSV endpoints.

`/series` lists every series with its period and source; `/series/{id}` shows its chart (source
and period in the subtitle), its warnings, a short table of the latest rows and downloads.
`/api/v1/series` is the catalogue, `/api/v1/series/{id}` (and `.csv`) one series. Everything
comes from `Observatory.series_catalog()` and `Observatory.series()`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from corridor import jsonio
from corridor.errors import CorridorError, UsageError
from corridor.series import Series, dim_label, measure_label, value_label
from corridor.web import downloads
from corridor.web.api import PREFIX, csv_response, json_response
from corridor.web.render import named, page, table
from corridor.web.results import MAX_CACHED_ROWS, MAX_JSON_ROWS
from corridor.web.state import Version
from corridor.web.views.common import leased

router = APIRouter()

PARAMS = ("since", "until", "where")
PAGE_TABLE_ROWS = 120  # the page shows the latest rows; the CSV has all of them
PAGE_MAX_ROWS = 200_000  # a larger series opens on its headline selection (the chart's default)
SinceQ = Annotated[str | None, Query(max_length=10, description="First month (YYYY-MM) or year (YYYY)")]
UntilQ = Annotated[str | None, Query(max_length=10, description="Last month (YYYY-MM) or year (YYYY)")]
WhereQ = Annotated[
    list[str] | None,
    Query(max_length=50, description="Filters DIM=VALUE[,VALUE] on the series' dimensions (repeatable)"),
]


def _only_known(request: Request) -> None:
    """Refuse parameters these endpoints do not take (a typo would otherwise be ignored)."""
    unknown = sorted(k for k in request.query_params if k not in PARAMS)
    if unknown:
        raise UsageError(f"unknown parameter(s) {', '.join(unknown)}; series take {', '.join(PARAMS)}")


def _where(where: list[str] | None) -> list[str]:
    return [w for w in (where or []) if w.strip()]


def _query(since: str | None, until: str | None, where: list[str]) -> str:
    pairs = [("since", since), ("until", until), *(("where", w) for w in where)]
    return urlencode([(k, v) for k, v in pairs if v])


def answer(
    version: Version,
    obs: Any,
    series_id: str,
    since: str | None,
    until: str | None,
    where: list[str],
    max_rows: int | None = None,
) -> Series:
    """One series for one request, computed once per warehouse version (small answers are kept)."""
    key = ("series", series_id, since or "", until or "", tuple(where), max_rows)
    return version.cached(
        key,
        lambda: obs.series(
            series_id, since=since or None, until=until or None, where=where or None, max_rows=max_rows
        ),
        keep=lambda s: len(s.frame) <= MAX_CACHED_ROWS,
    )


def catalog(version: Version, obs: Any) -> pd.DataFrame:
    return version.cached(("series-catalog",), obs.series_catalog)


# --- JSON API ------------------------------------------------------------------------------------


@router.get(f"{PREFIX}/series", summary="Every context and operations series", response_class=Response)
def api_catalog(request: Request) -> Response:
    """Every series: id, title, table, publisher, period, unit, dimensions and flags (rounded,
    withheld cells, partial periods, dimensions never to be added across)."""
    _only_known_none(request)
    with leased(request) as (version, obs):

        def body() -> bytes:
            frame = catalog(version, obs)
            meta = {
                "series": len(frame),
                "caption": frame.attrs.get("caption", ""),
                "reference_tables": frame.attrs.get("reference_tables", {}),
                "warnings": [],
            }
            return jsonio.dumpb({"metadata": meta, "data": jsonio.records(frame)})

        return json_response(version.cached(("json", "series-catalog"), body), version)


def _only_known_none(request: Request) -> None:
    if request.query_params:
        raise UsageError(
            f"unknown parameter(s) {', '.join(sorted(request.query_params))}; the list takes none"
        )


@router.get(f"{PREFIX}/series/{{series_id}}.csv", summary="One series as CSV", response_class=Response)
def api_series_csv(
    request: Request, series_id: str, since: SinceQ = None, until: UntilQ = None, where: WhereQ = None
) -> Response:
    """The same rows as /api/v1/series/{id}, as a CSV download (source in X-Corridor-Source)."""
    _only_known(request)
    with leased(request) as (version, obs):
        rows = _where(where)
        result = answer(version, obs, series_id, since, until, rows)
        meta = result.metadata()
        query = _query(since, until, rows)
        header = [
            ("Corridor series", result.spec.id),
            ("query", query),
            ("api", f"{PREFIX}/series/{result.spec.id}" + (f"?{query}" if query else "")),
            ("period", meta.get("period", "")),
            ("source", result.caption()),
            ("warning", list(meta.get("warnings") or [])),
            ("warehouse", version.tag),
        ]
        name = downloads.filename(["series", result.spec.id, *(meta.get("period") or "").split("..")])
        return csv_response(
            downloads.csv_text(result.tidy(), header), name=name, caption=result.caption(), version=version
        )


@router.get(
    f"{PREFIX}/series/{{series_id}}", summary="One series, tidy, with provenance", response_class=Response
)
def api_series(
    request: Request, series_id: str, since: SinceQ = None, until: UntilQ = None, where: WhereQ = None
) -> Response:
    """One series as tidy rows (period, dimensions, value, unit, release_id, flags) with its source,
    period and warnings; `where` filters on the series' own dimensions (see /api/v1/series)."""
    _only_known(request)
    rows = _where(where)
    key = ("json", "series", series_id, since or "", until or "", tuple(rows))
    with leased(request) as (version, obs):

        def body() -> bytes:
            result = answer(version, obs, series_id, since, until, rows, MAX_JSON_ROWS)
            csv = f"{PREFIX}/series/{result.spec.id}.csv"
            query = _query(since, until, rows)
            return jsonio.dumpb(
                {
                    "metadata": result.metadata(),
                    "caption": result.caption(),
                    "csv": csv + (f"?{query}" if query else ""),
                    "chart": result.chart(),
                    "data": jsonio.records(result.tidy()),
                }
            )

        return json_response(version.cached(key, body), version)


# --- pages ----------------------------------------------------------------------------------------


@router.get("/series", response_class=HTMLResponse, include_in_schema=False)
def series_list(request: Request) -> HTMLResponse:
    """Every series, grouped by dataset, each linking to its page."""
    with leased(request) as (version, obs):

        def build() -> dict[str, Any]:
            frame = catalog(version, obs)
            groups: dict[str, list[dict[str, Any]]] = {}
            for row in frame.itertuples():
                flags = []
                if row.rounded:
                    flags.append(("rounded", "Counts rounded to the nearest 10 by the publisher."))
                if row.suppressed:
                    flags.append(("suppressed", f"{row.suppressed} values withheld by the publisher."))
                if row.partial:
                    flags.append(("partial", f"Partial periods: {row.partial}."))
                if row.do_not_mix:
                    flags.append(("do not mix", f"Never add across {row.do_not_mix}."))
                groups.setdefault(row.dataset_title, []).append(
                    {
                        "id": row.id,
                        "title": row.title,
                        "period": f"{row.first}–{row.last}",
                        "frequency": row.frequency,
                        "unit": row.unit,
                        "publisher": row.publisher,
                        "flags": flags,
                    }
                )
            return {
                "groups": groups,
                "count": len(frame),
                "caption": frame.attrs.get("caption", ""),
                "reference": frame.attrs.get("reference_tables", {}),
            }

        context = version.cached(("page", "series-list"), build)
    return page(request, "series.html", {"title": "Series", **context})


def _labels(frame: pd.DataFrame, dims: list[str]) -> dict[str, dict[str, str]]:
    """Human labels of the codes the table shows, for its cells' tooltips."""
    out: dict[str, dict[str, str]] = {}
    for d in dims:
        if d in frame:
            out[d] = {str(v): value_label(d, v) for v in frame[d].dropna().unique()[:400]}
    return out


def page_context(result: Series, query: str) -> dict[str, Any]:
    """What the page of one series shows."""
    r = result.spec
    shown = result.table_frame()
    latest = shown.tail(PAGE_TABLE_ROWS)
    if "measure" in latest:
        latest = latest.assign(measure=[measure_label(r.id, m) for m in latest["measure"]])
    meta = result.metadata()
    dims = [d for d in r.dims if d in latest]
    return {
        "chart_spec": named(result.chart()),
        "caption": result.caption(),
        "rows_table": table(latest, limit=PAGE_TABLE_ROWS),
        "labels": _labels(latest, dims),
        "rows": len(result.frame),
        "shown_rows": len(latest),
        "metadata": meta,
        "warnings": meta["warnings"],
        "sources": meta["sources"],
        "dims": [{"name": d, "label": dim_label(d)} for d in r.filterable],
        "csv": f"{PREFIX}/series/{r.id}.csv" + (f"?{query}" if query else ""),
        "json": f"{PREFIX}/series/{r.id}" + (f"?{query}" if query else ""),
    }


@router.get("/series/{series_id}", response_class=HTMLResponse, include_in_schema=False)
def series_page(
    request: Request, series_id: str, since: SinceQ = None, until: UntilQ = None, where: WhereQ = None
) -> HTMLResponse:
    """One series: chart with source and period, warnings, the latest rows, downloads, a filter form."""
    _only_known(request)
    rows = _where(where)
    with leased(request) as (version, obs):
        listed = catalog(version, obs)
        found = listed[listed["id"] == series_id]
        if found.empty:
            obs.series(series_id)  # raises the UsageError naming the closest ids: a 422 page
        row = found.iloc[0]
        measures = [m for m in row["measures"].split(", ") if m]
        filterable = [d for d in row["dimensions"].split(", ") if d] + (["measure"] if measures else [])
        size = int(row["rows"]) * max(1, len(measures))
        default = ""
        if not rows and row["headline"] and size > PAGE_MAX_ROWS:
            rows = [w for w in row["headline"].split("; ") if w]
            default = (
                f"The whole series has {size:,} rows, too many for one page, so it opens on "
                f"{row['headline']}: change the filter, or download every row as CSV."
            )
        query = _query(since, until, rows)
        context: dict[str, Any] = {
            "title": row["title"],
            "entry": row.to_dict(),
            "since": since or "",
            "until": until or "",
            "where": "; ".join(rows),
            "filterable": ", ".join(filterable) or "none",
            "default_note": default,
            "csv_all": f"{PREFIX}/series/{series_id}.csv",
        }
        try:
            result = answer(version, obs, series_id, since, until, rows, PAGE_MAX_ROWS)
            context |= version.cached(
                ("page", "series", series_id, query), lambda: page_context(result, query)
            )
        except CorridorError as exc:
            context["error"] = str(exc)
            return page(request, "series_one.html", context, status_code=422)
    return page(request, "series_one.html", context)

"""The JSON API under /api/v1: one endpoint per verb, the same parameters as the CLI.

Read-only and aggregate-only: every endpoint calls a method of the Observatory (which
parameterises its SQL) on the warehouse version current when the request started. Answers
are cached per warehouse version, since a version's data never change. New questions are
computed in the app's worker pool when it has one (`corridor.web.compute.run`), by module-level
functions here that the workers call too (`flows_answer`, `flows_json`, `verb_shown`, `verb_json`).

Every JSON answer has `metadata.warnings`. Flows answers and verb answers carry their filters
as columns (`downloads.with_filters`); CSV downloads add a header of `# ` lines (query, period,
source, flags, warnings) and a file name that says what is inside (`corridor.web.downloads`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from corridor import flows as flows_mod
from corridor import jsonio
from corridor import params as shared
from corridor.errors import UsageError
from corridor.flows import Cube
from corridor.reference.countries import country_name
from corridor.reference.labels import label
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import compute, downloads, repeat, verbs
from corridor.web.params import FlowsParams
from corridor.web.results import MAX_CACHED_ROWS, Shown, jsonable, show
from corridor.web.security import header_value
from corridor.web.state import Version, WarehouseState

PREFIX = "/api/v1"
# Threads for new API questions, by kind, apart from the shared pool (40) that pages and downloads
# use: a thread waits (asleep) while a worker computes its answer, and in the soak the waiting
# analyses held all 40 threads, so a new flows question waited up to a second for one (issue 19's
# flows p99). The per-client cap on analyses in progress bounds what one client holds.
FLOWS_THREADS = 32
ANALYSIS_THREADS = 128
TIME_LABELS = {"month": "Month", "fiscal_year": "Fiscal year", "calendar_year": "Calendar year"}


def dumps(body: Any) -> bytes:
    """Compact strict JSON (non-finite numbers as null), through the one encoder."""
    return jsonio.dumpb(body)


def json_response(content: bytes, version: Version) -> Response:
    return Response(
        content, media_type="application/json", headers={"x-corridor-warehouse": header_value(version.tag)}
    )


def csv_response(text: str, *, name: str, caption: str, version: Version) -> Response:
    """A CSV download (its context is in its `# ` header lines; the source also in a header)."""
    safe = downloads.safe_name(name.removesuffix(".csv"))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{safe}.csv"',
            "x-corridor-source": header_value(caption),
            "x-corridor-warehouse": header_value(version.tag),
        },
    )


def state(request: Request) -> WarehouseState:
    return request.app.state.warehouse


# ----------------------------------------------------------------------------- computed anywhere


def flows_answer(obs: Any, kwargs: dict[str, Any]) -> tuple[Shown, Any]:
    """The flows answer shown, and the FlowsResult (for the page's chart)."""
    result = obs.flows(**kwargs)
    return show(result), result


def flows_json(obs: Any, kwargs: dict[str, Any], filters: dict[str, str], csv_url: str) -> bytes:
    """The JSON body of a flows answer: its rows with the filter columns, metadata and caption."""
    shown, _ = flows_answer(obs, kwargs)
    return flows_body(shown, filters, csv_url)


def flows_body(shown: Shown, filters: dict[str, str], csv_url: str) -> bytes:
    frame = None if shown.frame is None else downloads.with_filters(shown.frame, filters)
    return dumps(replace(shown, frame=frame).payload(csv_url=csv_url))


def verb_shown(obs: Any, name: str, kwargs: dict[str, Any]) -> Shown:
    """A verb's answer as shown, its table carrying the selection it was asked for as columns."""
    verb = verbs.available(type(obs))[name]
    shown = show(verbs.call(obs, verb, kwargs), note=verb.note)
    if shown.frame is not None:
        shown = replace(shown, frame=downloads.with_filters(shown.frame, downloads.selection_of(kwargs)))
    return shown


def verb_json(obs: Any, name: str, kwargs: dict[str, Any], csv_url: str) -> bytes:
    """The JSON body of a verb's answer."""
    return dumps(verb_shown(obs, name, kwargs).payload(csv_url=csv_url))


# ----------------------------------------------------------------------------- cached per version


def flows_shown(version: Version, obs: Any, params: FlowsParams) -> tuple[Shown, Any]:
    """The flows answer for `params` (cached per version) and the raw FlowsResult."""
    return version.cached(  # type: ignore[no-any-return]
        params.key(),
        lambda: compute.run(version, obs, flows_answer, params.kwargs(), lane="flows"),
        keep=lambda answer: answer[0].rows <= MAX_CACHED_ROWS,
    )


def shown_for(version: Version, obs: Any, verb: verbs.Verb, kwargs: dict[str, Any]) -> Shown:
    """A verb's answer (cached per version), computed in the worker pool when the app has one.

    A new question counts against its client's limit of analyses in progress (429 beyond it).
    """
    key = verbs.cache_key(verb, kwargs)
    hit = version.peek(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    with compute.admitted():
        return version.cached(  # type: ignore[no-any-return]
            key,
            lambda: compute.run(version, obs, verb_shown, verb.name, kwargs),
            keep=lambda s: s.rows <= MAX_CACHED_ROWS,
        )


def cube_rows(cubes: list[Cube]) -> list[dict[str, Any]]:
    """Cube definitions as plain data: what each can answer, for which period, how exact."""
    return [
        {
            "cube": c.id,
            "title": c.title,
            "grain": c.grain,
            "dims": list(c.dims),
            "fixed": c.fixed,
            "rounded": c.rounded,
            "from": f"{min(s for s, _, _ in c.coverage):%Y-%m}",
            "to": f"{c.latest:%Y-%m}",
            "releases": sorted({r for _, _, r in c.coverage}),
            "dim_since": {k: f"{v:%Y-%m}" for k, v in c.dim_since.items()},
            "values": {d: len(v) for d, v in c.domains.items()},
        }
        for c in cubes
    ]


def vocabularies(cubes: list[Cube]) -> dict[str, Any]:
    """Every code a flows parameter accepts, with its label."""
    codes = sorted({v for c in cubes for v in c.domains.get("citizenship", ())})
    states = sorted({v for c in cubes for v in c.domains.get("state", ())})
    return {
        "region": REGIONS,
        "component": COMPONENTS,
        "demographic": DEMOGRAPHICS,
        "title": TITLES,
        "sector": {k: f"{v[0]} ({v[1]})" for k, v in SECTORS.items()},
        "citizenship": {
            c: (country_name(c) if c != "OTHER" else "Other (lumped by publisher)") for c in codes
        },
        "state": {s: s for s in states},
    }


def flows_request(params: FlowsParams) -> flows_mod.FlowsRequest:
    """The planner's request for validated flows parameters."""
    selection = shared.Selection.parse(
        **{k: v for k, v in params.kwargs().items() if k not in ("by", "since", "until")}
    )
    return flows_mod.FlowsRequest.of(
        selection,
        by=params.by or (),
        since=shared.month(params.since, "since"),
        until=shared.month(params.until, "until"),
    )


def _choice_label(field: str, value: str) -> str:
    if field == "by":
        return TIME_LABELS.get(value) or label("field", value)
    return label(field, value)


def options_body(obs: Any, params: FlowsParams) -> dict[str, Any]:
    """For each flows form field, each choice: its label, whether the selection with it has an
    answer, and why not (from the planner's coverage: `corridor.flows.options`)."""
    req = flows_request(params)
    raw = flows_mod.options(obs.cubes, req)
    data = {
        name: [
            {"value": v, "label": _choice_label(name, v), "available": why is None, "reason": why}
            for v, why in choices.items()
        ]
        for name, choices in raw.items()
    }
    return {"metadata": {"selection": req.describe(), "warnings": []}, "data": data}


# ----------------------------------------------------------------------------- endpoints


def index(request: Request) -> dict[str, Any]:
    """The endpoints, which analysis verbs are available now, and the warehouse version."""
    version = state(request).current()
    have = request.app.state.verbs
    return {
        "version": "v1",
        "warehouse": version.tag,
        "endpoints": sorted(p for p in request.app.openapi()["paths"] if p.startswith(PREFIX)),
        "verbs": {v.name: ("available" if v.name in have else "not available") for v in verbs.VERBS},
        "openapi": "/openapi.json",
        "metadata": {"warnings": []},
    }


def status(request: Request) -> Response:
    """Loaded releases: dataset, file, rows, period, checksum, when loaded (as `corridor status`)."""
    with state(request).lease() as (version, obs):

        def answer() -> bytes:
            frame = obs.status()
            meta = {
                "warehouse": str(state(request).path.name),
                "version": version.tag,
                "datasets": int(frame["dataset"].nunique()),
                "releases": len(frame),
                "warnings": [],
            }
            return dumps({"metadata": meta, "data": jsonable(frame)})

        return json_response(version.cached(("status",), answer), version)


def cubes(request: Request) -> Response:
    """Every encounter cube: its dimensions, period, releases, and whether counts are rounded."""
    with state(request).lease() as (version, obs):
        body = version.cached(
            ("cubes",), lambda: dumps({"metadata": {"warnings": []}, "data": cube_rows(obs.cubes)})
        )
        return json_response(body, version)


def vocab(request: Request) -> Response:
    """Every code the flows parameters accept, with labels shown to people."""
    with state(request).lease() as (version, obs):
        body = version.cached(
            ("vocab",), lambda: dumps({**vocabularies(obs.cubes), "metadata": {"warnings": []}})
        )
        return json_response(body, version)


async def flows(request: Request, params: Annotated[FlowsParams, Query()]) -> Response:
    """Encounters for a selection grouped by `by`, with the cubes and releases that answered.

    Each row carries the filters as columns (region, component, and each list filter set)."""
    key = ("json", params.key())
    hit = state(request).hit(key)  # a repeated question is answered on the event loop
    if hit is not None:
        response = json_response(hit[1], hit[0])
    else:
        limiter = getattr(request.app.state, "flows_threads", None)
        response = await anyio.to_thread.run_sync(_flows_json, request, params, key, limiter=limiter)
    repeat.remember(request, key)  # the same query string again: answered before routing
    return response


def _flows_json(request: Request, params: FlowsParams, key: tuple[Any, ...]) -> Response:
    csv_url = f"{PREFIX}/flows.csv?{params.query()}"
    with state(request).lease() as (version, obs):

        def answer() -> bytes:
            if compute.pool() is None:  # keep the shown answer too: the page and the CSV reuse it
                shown, _ = flows_shown(version, obs, params)
                return flows_body(shown, params.filters(), csv_url)
            return compute.run(  # type: ignore[no-any-return]
                version, obs, flows_json, params.kwargs(), params.filters(), csv_url, lane="flows"
            )

        return json_response(version.cached(key, answer), version)


def flows_header(params: FlowsParams, shown: Shown, version: Version) -> list[tuple[str, Any]]:
    """The `# ` lines of a flows CSV: what was asked, the period, the source and the flags."""
    meta = shown.metadata
    query = params.query()
    rounded = meta.get("rounded_months") or []
    return [
        ("Corridor flows", meta.get("selection", "")),
        ("query", query),
        ("view", f"/flows?{query}" if query else "/flows"),
        ("api", f"{PREFIX}/flows?{query}" if query else f"{PREFIX}/flows"),
        ("filters", "; ".join(f"{k}={v}" for k, v in params.filters().items())),
        ("by", ",".join(params.by or []) or "none (one total)"),
        ("period", meta.get("period", "")),
        ("unit", meta.get("unit", "")),
        ("source", shown.caption),
        *[
            ("table", f"{s['title']} {s['from']}..{s['to']}" + (" (rounded)" if s.get("rounded") else ""))
            for s in meta.get("sources", [])
        ],
        ("rounded", ("yes: " + ", ".join(rounded)) if rounded else "no"),
        ("stitched", "yes" if meta.get("stitched") else "no"),
        ("partial periods", ", ".join(meta.get("partial_periods") or []) or "none"),
        ("warning", list(meta.get("warnings") or [])),
        ("warehouse", version.tag),
    ]


def flows_csv(request: Request, params: Annotated[FlowsParams, Query()]) -> Response:
    """The same answer as /api/v1/flows, as a CSV download: the filters as columns, and `# ` lines
    on top with the query (which reloads the same view), period, source and flags."""
    with state(request).lease() as (version, obs):
        shown, _ = flows_shown(version, obs, params)
        assert shown.frame is not None
        frame = downloads.with_filters(shown.frame, params.filters())
        text = downloads.csv_text(frame, flows_header(params, shown, version))
        name = downloads.flows_filename(params.kwargs(), shown.metadata.get("period", ""))
        return csv_response(text, name=name, caption=shown.caption, version=version)


def flows_options(request: Request, params: Annotated[FlowsParams, Query()]) -> Response:
    """For the flows form: which choices of each field have an answer with the current selection,
    and why not (for example a sector outside the chosen region, or a group not yet published)."""
    with state(request).lease() as (version, obs):
        body = version.cached(("options", params.key()), lambda: dumps(options_body(obs, params)))
        return json_response(body, version)


def verb_query(params: Sequence[verbs.Param], kwargs: dict[str, Any]) -> str:
    """The canonical query string of a verb call (lists joined by commas)."""
    alias = {p.name: p.alias for p in params}
    pairs = [
        (alias.get(k, k), ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v))
        for k, v in kwargs.items()
    ]
    return urlencode(pairs)


def verb_answer(
    request: Request, verb: verbs.Verb, kwargs: dict[str, Any], *, as_json: bool = True
) -> tuple[Shown, bytes, Version]:
    """Run a verb with validated keyword arguments; cached per version."""
    query = verb_query(request.app.state.verb_params[verb.name], kwargs)
    csv_url = f"{PREFIX}/{verb.name}.csv" + (f"?{query}" if query else "")
    key = verbs.cache_key(verb, kwargs)
    with state(request).lease() as (version, obs):
        if as_json and compute.pool() is not None:  # a worker computes the JSON itself
            body = version.peek(("json", *key))
            if body is None:
                with compute.admitted():
                    body = version.cached(
                        ("json", *key),
                        lambda: compute.run(version, obs, verb_json, verb.name, kwargs, csv_url),
                    )
            return Shown(None, None, "", {}), body, version
        shown = shown_for(version, obs, verb, kwargs)
        if not as_json:
            return shown, b"", version
        body = version.cached(("json", *key), lambda: dumps(shown.payload(csv_url=csv_url)))
        return shown, body, version


def verb_header(verb: verbs.Verb, query: str, shown: Shown, version: Version) -> list[tuple[str, Any]]:
    """The `# ` lines of a verb's CSV."""
    meta = shown.metadata
    return [
        (f"Corridor {verb.name}", verb.title),
        ("query", query),
        ("api", f"{PREFIX}/{verb.name}" + (f"?{query}" if query else "")),
        ("period", meta.get("period", "")),
        ("method", meta.get("method", "") if isinstance(meta.get("method"), str) else ""),
        ("source", shown.caption),
        ("warning", list(meta.get("warnings") or [])),
        ("warehouse", version.tag),
    ]


def make_router(obs_class: type) -> APIRouter:
    """The /api/v1 routes: status, cubes, vocabularies, flows, and every verb `obs_class` has now."""
    router = APIRouter(prefix=PREFIX, tags=["api"])
    router.add_api_route("", index, methods=["GET"], summary="What this API offers")
    router.add_api_route(
        "/status", status, methods=["GET"], summary="Loaded releases", response_class=Response
    )
    router.add_api_route("/cubes", cubes, methods=["GET"], summary="Encounter cubes", response_class=Response)
    router.add_api_route(
        "/vocabularies", vocab, methods=["GET"], summary="Accepted codes", response_class=Response
    )
    router.add_api_route(
        "/flows", flows, methods=["GET"], summary="Encounters, sliced and grouped", response_class=Response
    )
    router.add_api_route(
        "/flows.csv", flows_csv, methods=["GET"], summary="Encounters as CSV", response_class=Response
    )
    router.add_api_route(
        "/flows/options",
        flows_options,
        methods=["GET"],
        summary="Which flows form choices have an answer",
        response_class=Response,
    )
    add_verb_routes(router, obs_class)
    return router


def add_verb_routes(router: APIRouter, obs_class: type) -> None:
    """One JSON and one CSV endpoint per available verb, its parameters one validated model."""
    for verb in verbs.available(obs_class).values():
        params = verbs.params_of(getattr(obs_class, verb.method), verb.name)
        model = verbs.model_of(tuple(params), verb.name)
        signature = inspect.Signature(
            [
                inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
                inspect.Parameter(
                    "params", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[model, Query()]
                ),
            ]
        )
        doc = inspect.getdoc(getattr(obs_class, verb.method)) or verb.blurb
        router.add_api_route(
            f"/{verb.name}",
            _json_endpoint(verb, params, signature, doc),
            methods=["GET"],
            summary=verb.title,
            response_class=Response,
        )
        router.add_api_route(
            f"/{verb.name}.csv",
            _csv_endpoint(verb, params, signature, doc),
            methods=["GET"],
            summary=f"{verb.title} as CSV",
            response_class=Response,
        )


def _json_endpoint(
    verb: verbs.Verb, params: list[verbs.Param], signature: inspect.Signature, doc: str
) -> Callable[..., Any]:
    async def endpoint(request: Request, params: Any) -> Response:
        kwargs = verbs.kwargs_of(plist, params)
        key = ("json", *verbs.cache_key(verb, kwargs))
        hit = state(request).hit(key)
        if hit is not None:
            response = json_response(hit[1], hit[0])
        else:
            limiter = getattr(request.app.state, "analysis_threads", None)
            _shown, body, version = await anyio.to_thread.run_sync(
                verb_answer, request, verb, kwargs, limiter=limiter
            )
            response = json_response(body, version)
        repeat.remember(request, key)  # the same query string again: answered before routing
        return response

    plist = params
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__doc__ = doc
    endpoint.__name__ = f"api_{verb.name}"
    return endpoint


def _csv_endpoint(
    verb: verbs.Verb, params: list[verbs.Param], signature: inspect.Signature, doc: str
) -> Callable[..., Response]:
    def endpoint(request: Request, params: Any) -> Response:
        kwargs = verbs.kwargs_of(plist, params)
        shown, _body, version = verb_answer(request, verb, kwargs, as_json=False)
        if shown.frame is None:
            raise UsageError(f"{verb.title} has no table to download; ask {PREFIX}/{verb.name} for JSON")
        query = verb_query(plist, kwargs)
        text = downloads.csv_text(shown.frame, verb_header(verb, query, shown, version))
        name = downloads.verb_filename(
            verb.name, {p.alias: kwargs[p.name] for p in plist if p.name in kwargs}
        )
        return csv_response(text, name=name, caption=shown.caption, version=version)

    plist = params
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__doc__ = doc
    endpoint.__name__ = f"api_{verb.name}_csv"
    return endpoint

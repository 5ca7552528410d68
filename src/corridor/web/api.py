"""The JSON API under /api/v1: one endpoint per verb, the same parameters as the CLI.

Read-only and aggregate-only: every endpoint calls a method of the Observatory (which
parameterises its SQL) on the warehouse version current when the request started. Answers
are cached per warehouse version, since a version's data never change.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from corridor import jsonio
from corridor.errors import UsageError
from corridor.flows import Cube
from corridor.reference.countries import country_name
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import compute, verbs
from corridor.web.params import FlowsParams
from corridor.web.results import MAX_CACHED_ROWS, Shown, jsonable, show
from corridor.web.state import Version, WarehouseState

PREFIX = "/api/v1"


def dumps(body: Any) -> bytes:
    """Compact strict JSON (non-finite numbers as null), through the one encoder."""
    return jsonio.dumpb(body)


def json_response(content: bytes, version: Version) -> Response:
    return Response(content, media_type="application/json", headers={"x-corridor-warehouse": version.tag})


def csv_response(frame: pd.DataFrame, *, name: str, caption: str, version: Version) -> Response:
    """A CSV download; its provenance travels in a header since CSV cannot carry it."""
    source = caption.encode("ascii", "replace").decode()[:900]
    return Response(
        frame.to_csv(index=False),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}.csv"',
            "x-corridor-source": source,
            "x-corridor-warehouse": version.tag,
        },
    )


def state(request: Request) -> WarehouseState:
    return request.app.state.warehouse


def flows_shown(version: Version, obs: Any, params: FlowsParams) -> tuple[Shown, Any]:
    """The flows answer for `params` (cached per version) and the raw FlowsResult."""

    def compute() -> tuple[Shown, Any]:
        result = obs.flows(**params.kwargs())
        return show(result), result

    return version.cached(params.key(), compute, keep=lambda answer: answer[0].rows <= MAX_CACHED_ROWS)


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


def index(request: Request) -> dict[str, Any]:
    """The endpoints, which analysis verbs are available now, and the warehouse version."""
    version = state(request).current()
    have = request.app.state.verbs
    return {
        "version": "v1",
        "warehouse": version.tag,
        "endpoints": sorted(p for p in request.app.openapi()["paths"] if p.startswith(PREFIX)),
        "verbs": {v.name: ("available" if v.name in have else "not available yet") for v in verbs.VERBS},
        "openapi": "/openapi.json",
    }


def status(request: Request) -> Response:
    """Loaded releases: dataset, file, rows, period, checksum, when loaded (as `corridor status`)."""
    with state(request).lease() as (version, obs):

        def compute() -> bytes:
            frame = obs.status()
            meta = {
                "warehouse": str(state(request).path.name),
                "version": version.tag,
                "datasets": int(frame["dataset"].nunique()),
                "releases": len(frame),
            }
            return dumps({"metadata": meta, "data": jsonable(frame)})

        return json_response(version.cached(("status",), compute), version)


def cubes(request: Request) -> Response:
    """Every encounter cube: its dimensions, period, releases, and whether counts are rounded."""
    with state(request).lease() as (version, obs):
        body = version.cached(("cubes",), lambda: dumps({"data": cube_rows(obs.cubes)}))
        return json_response(body, version)


def vocab(request: Request) -> Response:
    """Every code the flows parameters accept, with labels shown to people."""
    with state(request).lease() as (version, obs):
        body = version.cached(("vocab",), lambda: dumps(vocabularies(obs.cubes)))
        return json_response(body, version)


async def flows(request: Request, params: Annotated[FlowsParams, Query()]) -> Response:
    """Encounters for a selection grouped by `by`, with the cubes and releases that answered."""
    key = ("json", params.key())
    hit = state(request).hit(key)  # a repeated question is answered on the event loop
    if hit is not None:
        return json_response(hit[1], hit[0])
    return await run_in_threadpool(_flows_json, request, params, key)


def _flows_json(request: Request, params: FlowsParams, key: tuple[Any, ...]) -> Response:
    csv_url = f"{PREFIX}/flows.csv?{params.query()}"
    with state(request).lease() as (version, obs):

        def answer() -> bytes:
            pool = workers(request)
            body = None if pool is None else pool.answer(version.key, "flows", (params.kwargs(), csv_url))
            if body is not None:
                return body
            shown, _ = flows_shown(version, obs, params)
            return dumps(shown.payload(csv_url=csv_url))

        return json_response(version.cached(key, answer), version)


def workers(request: Request) -> compute.ComputePool | None:
    """The app's compute worker processes (None: `corridor serve --compute 0`, and in tests)."""
    return getattr(request.app.state, "compute", None)


def flows_csv(request: Request, params: Annotated[FlowsParams, Query()]) -> Response:
    """The same answer as /api/v1/flows, as a CSV download (provenance in X-Corridor-Source)."""
    with state(request).lease() as (version, obs):
        shown, _ = flows_shown(version, obs, params)
        assert shown.frame is not None
        return csv_response(shown.frame, name="corridor-flows", caption=shown.caption, version=version)


def verb_answer(
    request: Request, verb: verbs.Verb, raw: dict[str, Any], *, as_json: bool = True
) -> tuple[Shown, bytes, Version]:
    """Run a verb with raw query values (validated by `verbs.coerce`); cached per version."""
    kwargs = verbs.coerce(request.app.state.verb_params[verb.name], raw)
    key = verbs.cache_key(verb, kwargs)
    csv_url = f"{PREFIX}/{verb.name}.csv" + (f"?{request.url.query}" if request.url.query else "")
    with state(request).lease() as (version, obs):
        pool = workers(request)
        if as_json and pool is not None:  # a worker process computes it (None: the version is gone)
            body = version.cached(
                ("json", *key),
                lambda: pool.answer(version.key, "verb", (verb.name, kwargs, csv_url)),
                keep=lambda answer: answer is not None,
            )
            if body is not None:
                return Shown(None, None, "", {}), body, version
        shown = version.cached(
            key,
            lambda: show(verbs.call(obs, verb, kwargs), note=verb.note),
            keep=lambda s: s.rows <= MAX_CACHED_ROWS,
        )
        if not as_json:
            return shown, b"", version
        body = version.cached(("json", *key), lambda: dumps(shown.payload(csv_url=csv_url)))
        return shown, body, version


def _query_annotation(p: verbs.Param) -> Any:
    """A FastAPI query annotation for a verb parameter, so the OpenAPI spec documents it."""
    bounds: dict[str, Any] = {}
    if p.kind in ("list", "choices"):
        inner: Any = Literal[p.choices] if p.kind == "choices" else str  # type: ignore[valid-type]
        tp: Any = list[inner] | None
    elif p.kind == "choice":
        tp = Literal[p.choices] | None  # type: ignore[valid-type]
    elif p.kind == "int":
        lo, hi = verbs.bounds(p)
        tp, bounds = int | None, {"ge": int(lo), "le": int(hi)}
    elif p.kind == "float":
        lo, hi = verbs.bounds(p)
        tp, bounds = float | None, {"ge": lo, "le": hi}
    elif p.kind == "bool":
        tp = bool | None
    else:
        tp, bounds = str | None, {"max_length": verbs.MAX_TEXT}
    default = p.default if p.default not in (inspect.Parameter.empty, None) else None
    description = f"default {p.default_text}" if default is not None else ""
    if p.kind == "list":
        description = (description + "; " if description else "") + "repeat or separate values with commas"
    return Annotated[tp, Query(alias=p.alias, description=description or None, **bounds)]


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
    add_verb_routes(router, obs_class)
    return router


def add_verb_routes(router: APIRouter, obs_class: type) -> None:
    """One JSON and one CSV endpoint per available verb, with its parameters in the OpenAPI spec."""
    for verb in verbs.available(obs_class).values():
        params = verbs.params_of(getattr(obs_class, verb.method))
        signature = inspect.Signature(
            [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
            + [
                inspect.Parameter(
                    p.name if p.name.isidentifier() else f"p_{p.alias}",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=_query_annotation(p),
                    default=inspect.Parameter.empty if p.required else None,
                )
                for p in params
            ]
        )
        doc = inspect.getdoc(getattr(obs_class, verb.method)) or verb.blurb
        router.add_api_route(
            f"/{verb.name}",
            _json_endpoint(verb, signature, doc),
            methods=["GET"],
            summary=verb.title,
            response_class=Response,
        )
        router.add_api_route(
            f"/{verb.name}.csv",
            _csv_endpoint(verb, signature, doc),
            methods=["GET"],
            summary=f"{verb.title} as CSV",
            response_class=Response,
        )


def _raw(request: Request) -> dict[str, list[str]]:
    q = request.query_params
    return {k: q.getlist(k) for k in q}


def _json_endpoint(verb: verbs.Verb, signature: inspect.Signature, doc: str) -> Callable[..., Any]:
    async def endpoint(request: Request, **_: Any) -> Response:
        raw = _raw(request)
        kwargs = verbs.coerce(request.app.state.verb_params[verb.name], raw)
        hit = state(request).hit(("json", *verbs.cache_key(verb, kwargs)))
        if hit is not None:
            return json_response(hit[1], hit[0])
        _shown, body, version = await run_in_threadpool(verb_answer, request, verb, raw)
        return json_response(body, version)

    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__doc__ = doc
    endpoint.__name__ = f"api_{verb.name}"
    return endpoint


def _csv_endpoint(verb: verbs.Verb, signature: inspect.Signature, doc: str) -> Callable[..., Response]:
    def endpoint(request: Request, **_: Any) -> Response:
        shown, _body, version = verb_answer(request, verb, _raw(request), as_json=False)
        if shown.frame is None:
            raise UsageError(f"{verb.name} has no table to download")
        return csv_response(shown.frame, name=f"corridor-{verb.name}", caption=shown.caption, version=version)

    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__doc__ = doc
    endpoint.__name__ = f"api_{verb.name}_csv"
    return endpoint

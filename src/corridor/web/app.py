"""The web app: `create_app()` wires the warehouse state, the pages, the JSON API and the limits.

The app is a thin surface over `corridor.open()`: every number comes from an Observatory method
and every chart from `corridor.charts`, as in the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import corridor
from corridor import config, jsonio
from corridor.errors import CorridorError, FetchError, WarehouseError
from corridor.flows import suggestion_text
from corridor.observatory import Observatory
from corridor.web import api, verbs
from corridor.web.assets import STATIC_DIR, vega_bundle
from corridor.web.compute import Busy, ClientGate, ComputePool, Overloaded, WorkerStopped
from corridor.web.params import describe_errors, error_lines, suggested_url
from corridor.web.render import page
from corridor.web.repeat import RepeatMiddleware, Repeats
from corridor.web.security import HostCheck, Limits, header_value
from corridor.web.state import CACHE_BYTES, Cancelled, WarehouseState
from corridor.web.views import analysis, country, flows, overview, series, status

log = logging.getLogger("corridor.web")

# Host names a loopback server answers to; anything else is a DNS-rebinding page or a mistake (400).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(api.PREFIX) or request.url.path == "/openapi.json"


def error_body(
    message: str, *, suggestion: dict[str, Any] | None = None, details: list[str] | None = None
) -> dict[str, Any]:
    """The JSON body of every 4xx/5xx answer: one sentence, the nearest answerable request as
    parameter changes (None: drop that parameter), that suggestion in the page's words, and
    lines for experts (the cube listing of a flows request no table answers)."""
    lines = [ln.strip() for ln in str(message).strip().splitlines() if ln.strip()] or ["error"]
    plain = jsonio.plain(suggestion) if suggestion else None
    return {
        "detail": lines[0],
        "suggestion": plain,
        "hint": suggestion_text(plain, style="web") or None,
        "details": [*lines[1:], *(str(d) for d in details or [])],
    }


def _error(
    request: Request,
    status_code: int,
    message: str,
    *,
    suggestion: dict[str, Any] | None = None,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON error for the API, an HTML page for people (with the suggestion as a link)."""
    body = error_body(message, suggestion=suggestion, details=details)
    headers = {k: header_value(v) for k, v in (headers or {}).items()}
    if _is_api(request):
        return JSONResponse(body, status_code=status_code, headers=headers)
    link = None
    if body["suggestion"]:
        path = "/flows" if request.url.path.startswith("/flows") else request.url.path
        link = suggested_url(path, request.url.query, body["suggestion"])
    response = page(
        request,
        "error.html",
        {
            "title": "Error",
            "status": status_code,
            "message": body["detail"],
            "hint": body["hint"],
            "suggestion_url": link,
        },
        status_code=status_code,
    )
    response.headers.update(headers)
    return response


def _handlers(app: FastAPI) -> None:
    """Only Corridor's own errors (and the framework's 404/405) answer 4xx; anything else is a bug,
    answered by `Limits` with a 500 that carries the request id."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        return _error(request, 422, describe_errors(errors), details=error_lines(errors))

    @app.exception_handler(CorridorError)
    async def corridor_error(request: Request, exc: CorridorError) -> Response:
        if isinstance(exc, WarehouseError | FetchError):  # not the request's fault: try again later
            return _error(request, 503, str(exc), headers={"retry-after": "5"})
        if isinstance(exc, Busy):
            return _error(request, 429, str(exc), headers={"retry-after": str(exc.retry_after)})
        if isinstance(exc, Overloaded):  # the queue is too long to start it in time: at once
            return _error(request, 503, str(exc), headers={"retry-after": str(exc.retry_after)})
        return _error(request, 422, str(exc), suggestion=exc.suggestion, details=exc.details)

    @app.exception_handler(WorkerStopped)
    async def stopped(request: Request, exc: WorkerStopped) -> Response:
        return _error(
            request, 503, f"{exc}; a new worker has started: try again", headers={"retry-after": "2"}
        )

    @app.exception_handler(Cancelled)
    async def cancelled(request: Request, exc: Cancelled) -> Response:
        return _error(request, 503, str(exc), headers={"retry-after": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not _is_api(request):
            return _error(request, 404, f"no page at {request.url.path}")
        body = error_body(str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


WARM_CLIENT = "corridor-warm-up"


async def warm_pages(app: FastAPI, paths: Sequence[str] | None = None) -> dict[str, int]:
    """Ask every page of the navigation once, in order, as a visitor would (the same routes,
    limits and answer cache), so the default analyses are computed before anyone waits for them.
    One page at a time: a visitor arriving meanwhile competes with one computation at most.
    Returns each path's status (also logged); a page that fails is logged and left to its visitor."""
    import httpx

    from corridor.web.render import NAV

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per warmed page
    started = time.monotonic()
    done: dict[str, int] = {}
    wanted = [path for path, _ in NAV] if paths is None else list(paths)
    # its own client: the analysis queue takes turns between clients, so a visitor arriving
    # during the warm-up (even from this machine) is not queued behind the warm-up's pages
    transport = httpx.ASGITransport(app=app, client=(WARM_CLIENT, 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=None) as client:
        for path in wanted:
            try:
                done[path] = (await client.get(path)).status_code
            except Exception as exc:  # best effort: the page's visitor gets the error, with its id
                log.warning("warming %s failed: %s", path, exc, exc_info=True)
                done[path] = 0
    log.info("warmed %d pages in %.0f s: %s", len(done), time.monotonic() - started, done)
    return done


def create_app(
    *,
    db: str | Path | None = None,
    timeout: float = 30.0,
    cache_size: int = 256,
    cache_bytes: int = CACHE_BYTES,
    obs_class: type = Observatory,
    compute: int = 0,
    hosts: Sequence[str] | None = None,
    client_analyses: int = ClientGate.DEFAULT,
    warm: bool | Sequence[str] = False,
) -> FastAPI:
    """The Corridor web app on the warehouse at `db` (else $CORRIDOR_DB or ./corridor.duckdb).

    Answers are cached per warehouse version: at most `cache_size` of them and `cache_bytes`
    bytes (estimated); `cache_size=0` turns the cache off. With `compute` > 0, new questions
    (API and pages) are computed in that many worker processes (`corridor.web.compute`),
    started when the app starts serving; a request that times out kills the worker computing
    it. With 0, they are computed on the server's own threads (and run to their end). `hosts`
    are the Host names the app answers to (default: loopback names only; "*" for any); a client
    may have `client_analyses` new analysis questions in progress at once (more: 429). With
    `warm`, the app asks each page of its navigation (or the paths `warm` lists) once when it
    starts serving (`warm_pages`), so the first visitor finds the default analyses computed
    instead of waiting for them.
    """
    warehouse = WarehouseState(
        config.warehouse_path(db), cache_size=cache_size, cache_bytes=cache_bytes, obs_class=obs_class
    )
    bundle = vega_bundle()  # built once, held in memory: charts render offline

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = None
        if compute > 0:
            try:
                pool = ComputePool(warehouse.path, obs_class, compute)
                await run_in_threadpool(pool.start)
            except (ValueError, RuntimeError) as exc:  # still serve: compute on our own threads
                log.warning("computing on the server's threads: %s", exc)
                pool = None
        app.state.compute = pool
        # Everything loaded so far (libraries, the app, the warehouse's cube metadata) lives as
        # long as the server: out of the collector's way, a full collection no longer stops the
        # event loop for 100-200 ms (issue 19's soak profile).
        gc.freeze()
        paths = None if warm is True else list(warm or ())
        warming = asyncio.create_task(warm_pages(app, paths)) if warm else None
        app.state.warming = warming
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await warming
            app.state.compute = None
            if pool is not None:
                await run_in_threadpool(pool.close)
            warehouse.close()

    app = FastAPI(
        title="Corridor",
        version=corridor.__version__,
        summary="Read-only, aggregate-only JSON API over the Corridor warehouse.",
        description=(
            "Every endpoint answers from the warehouse version current when the request starts and "
            "says where its numbers come from (`metadata`, `caption`); `metadata.warnings` lists what "
            "to beware of (a list, possibly empty). Counts are encounters: events, not unique people. "
            "Errors are JSON `{detail, suggestion, hint, details}`: 422 for a request that cannot be "
            "answered as asked (`suggestion` is the nearest one that can, as parameter changes, and "
            "`hint` says it in words), 429 when a client has too many new analyses in progress, 503 "
            "when an answer takes longer than the time limit or the analyses waiting before it "
            "would not let it start in time (with Retry-After), 500 (with `request_id`) for a bug. "
            "Every numeric parameter has a documented range and every list a maximum length."
        ),
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; /api lists the endpoints instead
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # Corridor sets up no OpenTelemetry; FastAPI's own would look for a provider on every
        # request (about 9 us each, a tenth of a cached answer: issue 19's profile).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.warehouse = warehouse
    app.state.compute = None
    app.state.gate = ClientGate(client_analyses)
    app.state.flows_threads = anyio.CapacityLimiter(api.FLOWS_THREADS)  # see api.FLOWS_THREADS
    app.state.analysis_threads = anyio.CapacityLimiter(api.ANALYSIS_THREADS)
    app.state.repeats = repeats = Repeats()
    app.state.obs_class = obs_class
    app.state.verbs = verbs.available(obs_class)
    app.state.verb_params = {
        name: verbs.params_of(getattr(obs_class, v.method)) for name, v in app.state.verbs.items()
    }

    @app.get(bundle.url, include_in_schema=False)
    def vega_js(request: Request) -> Response:
        headers = {"cache-control": "public, max-age=31536000, immutable", "vary": "accept-encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                bundle.gzipped, media_type="text/javascript", headers={**headers, "content-encoding": "gzip"}
            )
        return Response(bundle.body, media_type="text/javascript", headers=headers)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response((STATIC_DIR / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "warehouse": warehouse.current().tag}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.make_router(obs_class))
    for module in (overview, flows, country, analysis, series, status):
        app.include_router(module.router)
    _handlers(app)
    # Starlette runs the last added middleware first: Limits (headers, ids, time limit) wraps all,
    # then the Host check; a repeated API question is answered after both, before routing.
    app.add_middleware(RepeatMiddleware, warehouse=warehouse, repeats=repeats, respond=api.json_response)
    app.add_middleware(HostCheck, hosts=list(hosts or LOOPBACK_HOSTS))
    app.add_middleware(Limits, timeout=timeout)
    return app


def app_from_env() -> FastAPI:
    """The app for one of `corridor serve --workers N`'s processes: warehouse from $CORRIDOR_DB,
    request time limit from $CORRIDOR_SERVE_TIMEOUT, compute workers from
    $CORRIDOR_SERVE_COMPUTE, allowed Host names from $CORRIDOR_SERVE_HOSTS (comma-separated),
    warming from $CORRIDOR_SERVE_WARM, all set by `serve`."""
    hosts = [h for h in os.environ.get("CORRIDOR_SERVE_HOSTS", "").split(",") if h]
    return create_app(
        timeout=float(os.environ.get("CORRIDOR_SERVE_TIMEOUT", "30")),
        compute=int(os.environ.get("CORRIDOR_SERVE_COMPUTE", "0")),
        hosts=hosts or None,
        warm=os.environ.get("CORRIDOR_SERVE_WARM", "0") == "1",
    )

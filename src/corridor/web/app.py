"""The web app: `create_app()` wires the warehouse state, the pages, the JSON API and the limits.

The app is a thin surface over `corridor.open()`: every number comes from an Observatory method
and every chart from `corridor.charts`, as in the report.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import corridor
from corridor import config
from corridor.errors import CorridorError, WarehouseError
from corridor.observatory import Observatory
from corridor.web import api, verbs
from corridor.web.assets import STATIC_DIR, vega_bundle
from corridor.web.compute import ComputePool, WorkerStopped
from corridor.web.params import describe_errors
from corridor.web.render import page
from corridor.web.security import Limits
from corridor.web.state import CACHE_BYTES, WarehouseState
from corridor.web.views import analysis, country, flows, overview, series, status

log = logging.getLogger("corridor.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(api.PREFIX) or request.url.path == "/openapi.json"


def _error(request: Request, status_code: int, message: str) -> Response:
    """A JSON error for the API, an HTML page for people."""
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status_code)
    return page(
        request,
        "error.html",
        {"title": "Error", "status": status_code, "message": message},
        status_code=status_code,
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, describe_errors(list(exc.errors())))

    @app.exception_handler(WarehouseError)
    async def no_warehouse(request: Request, exc: WarehouseError) -> Response:
        return _error(request, 503, str(exc))

    @app.exception_handler(WorkerStopped)
    async def stopped(request: Request, exc: WorkerStopped) -> Response:
        return _error(request, 503, f"{exc}; a new worker has started: try again")

    @app.exception_handler(CorridorError)
    async def usage(request: Request, exc: CorridorError) -> Response:
        return _error(request, 422, str(exc))

    @app.exception_handler(ValueError)
    async def value(request: Request, exc: ValueError) -> Response:
        return _error(request, 422, str(exc))

    @app.exception_handler(LookupError)
    async def lookup(request: Request, exc: LookupError) -> Response:
        return _error(request, 422, f"not found: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not _is_api(request):
            return _error(request, 404, f"no page at {request.url.path}")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(
    *,
    db: str | Path | None = None,
    timeout: float = 30.0,
    cache_size: int = 256,
    cache_bytes: int = CACHE_BYTES,
    obs_class: type = Observatory,
    compute: int = 0,
) -> FastAPI:
    """The Corridor web app on the warehouse at `db` (else $CORRIDOR_DB or ./corridor.duckdb).

    Answers are cached per warehouse version: at most `cache_size` of them and `cache_bytes`
    bytes (estimated); `cache_size=0` turns the cache off. With `compute` > 0, new API
    questions are computed in that many worker processes (`corridor.web.compute`), started
    when the app starts serving; with 0, on the server's own threads.
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
        try:
            yield
        finally:
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
            "says where its numbers come from (`metadata`, `caption`). Counts are encounters: events, "
            "not unique people. Errors are JSON `{detail}` with status 422 for a request that cannot "
            "be answered as asked."
        ),
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; /api lists the endpoints instead
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.warehouse = warehouse
    app.state.compute = None
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
    app.add_middleware(Limits, timeout=timeout)
    return app


def app_from_env() -> FastAPI:
    """The app for one of `corridor serve --workers N`'s processes: warehouse from $CORRIDOR_DB,
    request time limit from $CORRIDOR_SERVE_TIMEOUT, compute workers from
    $CORRIDOR_SERVE_COMPUTE (all set by `serve`)."""
    return create_app(
        timeout=float(os.environ.get("CORRIDOR_SERVE_TIMEOUT", "30")),
        compute=int(os.environ.get("CORRIDOR_SERVE_COMPUTE", "0")),
    )

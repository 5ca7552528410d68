"""CLI verb `serve`: the web dashboard and JSON API, on loopback unless `--public` says otherwise."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated, Any

import typer

from corridor.commands.common import DbOpt, err, exit_on_error
from corridor.errors import UsageError

LOOPBACK = "127.0.0.1"
PUBLIC = "0.0.0.0"


def bind_address(*, host: str | None, public: bool) -> str:
    """The address to bind: loopback by default; anything else only with --public."""
    if host is None:
        return PUBLIC if public else LOOPBACK
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise UsageError(f"--host {host!r} is not an IP address") from None
    if not loopback and not public:
        raise UsageError(
            f"--host {host} is not a loopback address; add --public to serve beyond this machine"
        )
    return host


def register(app: typer.Typer) -> None:
    """Add the `serve` verb to the `corridor` app."""

    @app.command()
    def serve(
        db: DbOpt = None,
        port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
        public: Annotated[
            bool, typer.Option("--public", help="Listen on every interface (0.0.0.0), not only 127.0.0.1.")
        ] = False,
        host: Annotated[
            str | None, typer.Option(help="Bind this address instead (non-loopback needs --public).")
        ] = None,
        timeout: Annotated[float, typer.Option(help="Seconds a request may take.", min=1)] = 30.0,
        workers: Annotated[
            int,
            typer.Option(
                help="Server processes. Each has its own answer cache; more than one lets busy "
                "dashboards use more than one core.",
                min=1,
                max=32,
            ),
        ] = 1,
        compute: Annotated[
            int | None,
            typer.Option(
                help="Worker processes (per server process) that compute new API questions, so "
                "cached answers are never held up by a computation: one for flows questions and "
                "one per CPU (shared among --workers) for analyses, at most 4, unless given; 0 "
                "computes on the server's own threads.",
                min=0,
                max=32,
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Serve the dashboard and the JSON API (/api/v1, /openapi.json), read-only."""
        import uvicorn

        from corridor.web import create_app

        with exit_on_error():
            address = bind_address(host=host, public=public)
            if compute is None:
                compute = default_compute(workers)
            application = create_app(db=db, timeout=timeout, compute=compute)
            version = application.state.warehouse.current()  # fail now, not on the first request
        if not ipaddress.ip_address(LOOPBACK if address == "localhost" else address).is_loopback:
            err.print(
                f"warning: serving on {address}:{port}, reachable from other machines. Corridor has no "
                "login: anyone who can reach this port can read the dashboard and the API.",
                style="bold yellow",
                highlight=False,
            )
        err.print(
            f"Corridor on http://{'127.0.0.1' if address == PUBLIC else address}:{port}/ "
            f"(warehouse {application.state.warehouse.path}, version {version.tag}); Ctrl+C stops it.",
            highlight=False,
        )
        settings: dict[str, Any] = {}
        if workers > 1:
            # Worker processes each build the app from the environment: the same warehouse file.
            os.environ["CORRIDOR_DB"] = str(application.state.warehouse.path)
            os.environ["CORRIDOR_SERVE_TIMEOUT"] = str(timeout)
            os.environ["CORRIDOR_SERVE_COMPUTE"] = str(compute)
            application.state.warehouse.close()
            settings = {"factory": True, "workers": workers}
        uvicorn.run(
            "corridor.web.app:app_from_env" if workers > 1 else application,
            **settings,
            host=address,
            port=port,
            log_level="warning",
            server_header=False,
            limit_concurrency=256,
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=32 * 1024,
        )


def default_compute(servers: int = 1) -> int:
    """Compute workers per server process when `--compute` is not given: one for flows
    questions, plus the CPUs shared out among the `servers` processes for analyses, at most 4
    (each holds its own warehouse connection and libraries, ~250 MB)."""
    cpus = os.cpu_count() or 1
    return min(1 + max(1, -(-cpus // max(servers, 1))), 4)

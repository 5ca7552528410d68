"""CLI verb `serve`: the web dashboard and JSON API, on loopback unless `--public` says otherwise.

Only the Host names of this machine are answered (a page on another site that points its own
name at 127.0.0.1 gets 400), slow or greedy connections are cut (`corridor.web.server`), and a
request that takes longer than `--timeout` stops its computation.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Sequence
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


def allowed_hosts(*, address: str, public: bool, extra: Sequence[str] = ()) -> list[str]:
    """The Host header values the server answers: loopback names, plus with --public this
    machine's names and address, plus every --allow-host ("*" allows any)."""
    from corridor.web.app import LOOPBACK_HOSTS

    hosts = list(LOOPBACK_HOSTS)
    if public:
        hosts += [socket.gethostname(), socket.getfqdn()]
        if address not in (PUBLIC, "::"):
            hosts.append(f"[{address}]" if ":" in address else address)
    hosts += [h.strip().lower() for h in extra if h.strip()]
    return list(dict.fromkeys(h.lower() for h in hosts if h))


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
        allow_host: Annotated[
            list[str] | None,
            typer.Option(
                "--allow-host",
                help="Also answer requests for this Host name (repeatable; '*' for any). Loopback "
                "names are always answered, and with --public this machine's own names.",
            ),
        ] = None,
        header_timeout: Annotated[
            float, typer.Option(help="Seconds a client may take to send a request's headers.", min=1, max=300)
        ] = 10.0,
        connections: Annotated[
            int, typer.Option(help="Connections held open in all (per server process).", min=8, max=10000)
        ] = 1000,
        client_connections: Annotated[
            int, typer.Option(help="Connections one client address may hold open.", min=2, max=10000)
        ] = 64,
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
        warm: Annotated[
            bool,
            typer.Option(
                help="Compute every page's default answer when the server starts, so the first "
                "visitor does not wait for it (each server process warms its own cache).",
                envvar="CORRIDOR_SERVE_WARM",
            ),
        ] = True,
    ) -> None:
        """Serve the dashboard and the JSON API (/api/v1, /openapi.json), read-only."""
        import uvicorn

        from corridor.web import create_app

        with exit_on_error():
            address = bind_address(host=host, public=public)
            if compute is None:
                compute = default_compute(workers)
            hosts = allowed_hosts(address=address, public=public, extra=allow_host or ())
            application = create_app(db=db, timeout=timeout, compute=compute, hosts=hosts, warm=warm)
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
        # The connection guards (and every server process of --workers) read these.
        os.environ["CORRIDOR_SERVE_HEADER_TIMEOUT"] = str(header_timeout)
        os.environ["CORRIDOR_SERVE_CONNECTIONS"] = str(connections)
        os.environ["CORRIDOR_SERVE_CLIENT_CONNECTIONS"] = str(client_connections)
        if workers > 1:
            # Worker processes each build the app from the environment: the same warehouse file.
            os.environ["CORRIDOR_DB"] = str(application.state.warehouse.path)
            os.environ["CORRIDOR_SERVE_TIMEOUT"] = str(timeout)
            os.environ["CORRIDOR_SERVE_COMPUTE"] = str(compute)
            os.environ["CORRIDOR_SERVE_HOSTS"] = ",".join(hosts)
            os.environ["CORRIDOR_SERVE_WARM"] = "1" if warm else "0"
            application.state.warehouse.close()
            # A server process busy importing on a loaded machine answers uvicorn's health check
            # late; with the default 5 s uvicorn kills it and starts another, forever.
            settings = {"factory": True, "workers": workers, "timeout_worker_healthcheck": 60}
        uvicorn.run(
            "corridor.web.app:app_from_env" if workers > 1 else application,
            **settings,
            **uvicorn_settings(connections),
            host=address,
            port=port,
        )


def uvicorn_settings(connections: int = 1000) -> dict[str, Any]:
    """How uvicorn runs Corridor: the guarded HTTP protocol (header time limit, connection caps),
    idle keep-alive connections closed after 5 s, at most `connections` requests in progress,
    request heads of at most 32 kB, no server header, warnings only."""
    from corridor.web.server import PROTOCOL

    return {
        "http": PROTOCOL,
        "log_level": "warning",
        "server_header": False,
        "limit_concurrency": connections,
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 32 * 1024,
    }


def default_compute(servers: int = 1) -> int:
    """Compute workers per server process when `--compute` is not given: one for flows
    questions, plus the CPUs shared out among the `servers` processes for analyses, at most 4
    (each holds its own warehouse connection and libraries, ~250 MB)."""
    cpus = os.cpu_count() or 1
    return min(1 + max(1, -(-cpus // max(servers, 1))), 4)

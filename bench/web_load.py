"""Benchmark: latency and throughput of /api/v1/flows under 1, 10 and 50 concurrent clients.

The app runs under `corridor serve` itself (one uvicorn process, here a child process on a free
loopback port); the load generator is an asyncio loop in this process (keep-alive HTTP/1.1
connections on asyncio streams, httpx for the warm-up check), bounded in requests and seconds
per level, and only ever talks to 127.0.0.1. Two servers are measured:
the normal one (answers cached per warehouse version: what a dashboard user gets on a repeated
question) and one with the cache off (every request runs its query). Target: p99 under 100 ms
at 10 clients.

    python bench/web_load.py [--db corridor.duckdb | --mirror ../shared/data] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
LEVELS = (1, 10, 50)
REQUESTS = {1: 300, 10: 1500, 50: 3000}  # per level; each level also stops after MAX_SECONDS
MAX_SECONDS = 20.0
TARGET_P99_MS = 100.0

# What the flows explorer asks most: the filters a user changes one at a time.
QUERIES: list[dict[str, str]] = [
    {"region": "southwest", "by": "fiscal_year"},
    {"region": "southwest", "by": "month"},
    {"region": "southwest", "by": "fiscal_year,demographic"},
    {"region": "northern", "by": "fiscal_year,demographic"},
    {"by": "fiscal_year,region"},
    {"region": "southwest", "citizenship": "GTM,HND,SLV", "by": "month,citizenship"},
    {"region": "southwest", "demographic": "family_units,uac", "by": "month,demographic"},
    {"region": "southwest", "since": "2024-10", "until": "2025-09", "by": "citizenship"},
    {"component": "usbp", "region": "southwest", "by": "fiscal_year"},
    {"component": "usbp", "sector": "rio_grande_valley", "by": "month"},
    {"component": "usbp", "region": "southwest", "citizenship": "VEN", "by": "month"},
    {"region": "southwest", "title": "title42", "by": "month"},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db: Path,
    *,
    cache_size: int = 256,
    prelude: str = "",
    app_kwargs: str = "",
    workers: int = 1,
    compute: int | None = None,
    args: tuple[str, ...] = (),
    start_timeout: float = 300.0,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    warm: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """`corridor serve --db DB --port PORT` in a child process on 127.0.0.1; returns it and its base URL.

    It is the real `serve` command (its uvicorn settings, its start-up check), with `create_app`
    given `cache_size` and `app_kwargs` (Python source of more keyword arguments, which may use
    names that `prelude`, Python source run first in the child, defines). With `workers` > 1 the
    worker processes build the app themselves, so `cache_size`, `prelude` and `app_kwargs` apply
    to the start-up check only. `compute` is `serve --compute` (None: its default); `args` are more
    `serve` options. The server has `start_timeout` seconds to answer (a busy machine is slow to
    import); its output goes to `log` when given. `env` adds to the child's environment (for
    example PYTHONPATH, to serve another checkout's code: `soak.py --baseline`). `warm` is
    `serve --warm` (off by default here, so a measurement starts from a cold cache; set through
    the environment, which older checkouts ignore).
    """
    port = free_port()
    extra = f", {app_kwargs}" if app_kwargs else ""
    code = "\n".join(
        [
            "import functools, sys",
            "import corridor.web",
            prelude,
            "corridor.web.create_app = functools.partial("
            f"corridor.web.create_app, cache_size={cache_size}{extra})",
            f"sys.argv = ['corridor', 'serve', '--db', {str(db)!r}, '--port', '{port}', "
            f"'--workers', '{workers}'"
            + (f", '--compute', '{compute}'" if compute is not None else "")
            + "".join(f", {a!r}" for a in args)
            + "]",
            "from corridor.cli import main",
            "main()",
        ]
    )
    out = open(log, "wb") if log is not None else None  # noqa: SIM115 - the child writes to it
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=out,
        stderr=out,
        env={**os.environ, "CORRIDOR_SERVE_WARM": "1" if warm else "0", **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"the server did not start within {start_timeout:.0f} s (exit code {proc.poll()})")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def percentile(ordered: list[float], q: float) -> float:
    """The q-th percentile (0..1) of an ascending list, as the nearest rank at or below it."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: cheap, so the numbers are the server's."""

    def __init__(self, host: str, port: int, *, source: str | None = None) -> None:
        self.host, self.port = host, port
        self.source = source  # the loopback address to connect from (127.0.0.0/8): one per client
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            local = (self.source, 0) if self.source else None
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
        length = headers.get("content-length")
        if length is None:
            raise RuntimeError(f"no content-length in the answer to {target}")
        body = await self.reader.readexactly(int(length))
        if headers.get("connection", "").lower() == "close":
            await self.close()  # the server will not take another request on this connection
        return status, body

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def run_level(base: str, clients: int, total: int) -> dict[str, float]:
    """`clients` concurrent keep-alive connections sending flows requests until `total` are done."""
    url = urlsplit(base)
    assert url.hostname == "127.0.0.1" and url.port, "the load generator only talks to loopback"
    targets = [f"/api/v1/flows?{urlencode(q)}" for q in QUERIES]
    async with httpx.AsyncClient(base_url=base, timeout=30) as check:
        for target in targets:  # warm-up, and a check that every query answers
            (await check.get(target)).raise_for_status()
    latencies: list[float] = []
    errors = 0
    sent = 0
    started = time.perf_counter()
    stop = started + MAX_SECONDS

    async def worker() -> None:
        nonlocal errors, sent
        conn = Connection("127.0.0.1", url.port)  # type: ignore[arg-type]
        try:
            while sent < total and time.perf_counter() < stop:
                target = targets[sent % len(targets)]
                sent += 1
                t0 = time.perf_counter()
                status, _body = await conn.get(target)
                latencies.append(time.perf_counter() - t0)
                errors += status != 200
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * percentile(ordered, 0.99),
        "rps": len(latencies) / wall,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {cpu}, {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}"


def table(rows: list[dict[str, float]]) -> list[str]:
    out = [
        "| server | clients | requests | errors | p50 ms | p99 ms | requests/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['server']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['rps']:.0f} |"
        )
    return out


def build_warehouse(mirror: Path) -> Path:
    from corridor import ingest

    db = Path(tempfile.mkdtemp(prefix="corridor-bench-")) / "corridor.duckdb"
    ingest.sync(db=db, mirror=mirror)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing warehouse (else one is synced from --mirror)")
    parser.add_argument("--mirror", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--write", action="store_true", help=f"append a '## Web' section to {RESULTS.name}")
    args = parser.parse_args()
    db = args.db or build_warehouse(args.mirror)
    load_before = os.getloadavg()[0]
    rows: list[dict[str, float]] = []
    for label, cache_size in (("cached", 256), ("no cache", 0)):
        proc, base = start_server(db, cache_size=cache_size)
        try:
            for clients in LEVELS:
                row = asyncio.run(run_level(base, clients, REQUESTS[clients]))
                row["server"] = label  # type: ignore[assignment]
                rows.append(row)
                print(
                    f"{label:>8}  {clients:>2} clients: {row['requests']:>5} requests, "
                    f"{row['errors']} errors, p50 {row['p50_ms']:6.1f} ms, p99 {row['p99_ms']:6.1f} ms, "
                    f"{row['rps']:6.0f} req/s",
                    flush=True,
                )
        finally:
            stop_server(proc)
    at10 = [r for r in rows if r["clients"] == 10]
    verdict = ", ".join(
        f"{r['server']}: p99 {r['p99_ms']:.0f} ms "
        f"({'meets' if r['p99_ms'] < TARGET_P99_MS else 'misses'} the target)"
        for r in at10
    )
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)"
    print(f"10 clients, target p99 < {TARGET_P99_MS:.0f} ms: {verdict}; {load}")
    if args.write:
        lines = [
            "",
            "## Web",
            "",
            f"`python bench/web_load.py` on {dt.date.today().isoformat()}: {machine()}.",
            f"GET /api/v1/flows cycling through {len(QUERIES)} typical explorer queries; one uvicorn process "
            "(as `corridor serve`), load from an asyncio client (keep-alive HTTP/1.1 on asyncio streams) "
            "on the same machine over loopback, "
            f"at most {MAX_SECONDS:.0f} s per level. 'cached' is the app as shipped (answers cached per "
            f"warehouse version); 'no cache' runs every query. Other work on the machine: {load}.",
            "",
            *table(rows),
            "",
            f"Target p99 < {TARGET_P99_MS:.0f} ms at 10 clients: {verdict}.",
            "",
        ]
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n")
        with RESULTS.open("a") as fh:
            fh.write("\n".join(lines))
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()

"""Soak: flows, indicators and forecasts from 50 concurrent clients for 5 minutes against `corridor serve`.

The server is the real `corridor serve` in a child process on a free loopback port
(`web_load.start_server`). The load generator is an asyncio loop in this process: one keep-alive
HTTP/1.1 connection per client, each from its own loopback address (127.0.1.N, as each real user
has their own address: the server shares analyses fairly among addresses), each client sending its
next request as soon as the last one is answered (no think time), only ever to 127.0.0.1.

Each request is drawn (seeded, per client) from this mix (`SHARE`, `NEW`):
  70% GET /api/v1/flows: 90% the 12 explorer queries of `web_load.QUERIES`; 10% a new question
      (a random period, grouping, region and maybe citizenships);
  20% GET /api/v1/indicators: 90% six common country/indicator questions; 10% a random set of
      countries, an indicator and maybe a first year;
  10% GET /api/v1/forecast: 95% eight common series (one of them by demographic); 5% a random
      region, horizon (1-24 months) and forecast origin.
So roughly 9 requests in 100 ask something the server has not been asked before and must compute
(a flows or indicators answer takes 10-30 ms, a forecast 0.1-2 s); the rest are repeated
questions, answered from the cache while it holds them. Before the clock starts, each common
question is asked once (it must answer; the libraries its answer needs are then loaded).

Reported: latency p50 and p99 per endpoint and overall, and throughput, over the time after the
warm-up (the first `--warmup` seconds, by default a fifth of the run); errors over the whole run
(any answer that is not 2xx, a connection error, or no answer within 60 s); the server's resident
memory (VmRSS in /proc/PID/status) at start, after warm-up and at the end; and the machine's
load average before and after. Targets: no errors, p99 under 200 ms for flows, memory growth
under 10% after warm-up (PASS or MISS each).

    python bench/soak.py [--db corridor.duckdb | --mirror ../shared/data] [--duration 300]
                         [--clients 50] [--warmup SECONDS] [--seed 1] [--write]
    python bench/soak.py --baseline COMMIT [--this COMMIT2] --duration 60 [--rounds 2] [...]

With `--baseline COMMIT` the same soak runs against this checkout's server (or `--this COMMIT2`'s)
and against COMMIT's (a git worktree of it under /tmp, with a warehouse synced by its own code,
both removed after), alternating (this, base, base, this, ...) in one run, and prints each run and the ratios
this/base of requests/s, p50 and flows p99: a comparison that the machine's load, shared
alike by both, does not invalidate. Both servers get the same generator, mix and clients.

The CI version is `tests/test_web_soak.py` (the same generator, about 12 s at 20 clients).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from web_load import (
    QUERIES,
    Connection,
    build_warehouse,
    machine,
    percentile,
    start_server,
    stop_server,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Soak (issue 8)"

ENDPOINTS = ("flows", "indicators", "forecast")
SHARE = {"flows": 0.70, "indicators": 0.20, "forecast": 0.10}  # of all requests
NEW = {"flows": 0.10, "indicators": 0.10, "forecast": 0.05}  # of an endpoint's requests: a new question
TARGET_ERRORS = 0
TARGET_FLOWS_P99_MS = 200.0
TARGET_GROWTH = 0.10
REQUEST_TIMEOUT = 60.0  # seconds without an answer count as an error (the server's own limit is 30)

INDICATOR_QUERIES: list[dict[str, str]] = [
    {"country": "GTM,HND,SLV,MEX", "indicator": "wdi.homicide_rate"},
    {"country": "NORTHERN_TRIANGLE", "indicator": "wgi.control_of_corruption", "since": "2010"},
    {"country": "VEN,COL,ECU", "indicator": "wdi.gdp_pc_ppp"},
    {"country": "HND", "indicator": "wdi.remittances_pct_gdp,wdi.unemployment"},
    {"country": "GTM,HND,SLV", "indicator": "ti.cpi", "since": "2012"},
    {"country": "MEX,CUB,HTI,NIC", "indicator": "wdi.inflation", "since": "2000"},
]
FORECAST_QUERIES: list[dict[str, str]] = [
    {},
    {"region": "southwest"},
    {"region": "southwest", "horizon": "12"},
    {"region": "northern"},
    {"region": "southwest", "citizenship": "MEX"},
    {"region": "southwest", "demographic": "family_units,uac"},
    {"component": "usbp", "region": "southwest", "horizon": "12"},
    {"region": "southwest", "by": "demographic", "horizon": "12"},
]
POPULAR = {"flows": QUERIES, "indicators": INDICATOR_QUERIES, "forecast": FORECAST_QUERIES}

CITIZENSHIPS = ["MEX", "GTM", "HND", "SLV", "VEN", "CUB", "HTI", "NIC", "COL", "ECU"]
# Countries with values for every indicator below since 1990..2020 (so no new question is a 422).
COUNTRIES = ["MEX", "GTM", "HND", "SLV", "NIC", "COL", "ECU", "HTI", "CRI", "PAN", "PER", "BOL", "DOM"]
COUNTRIES += ["JAM", "BRA", "CHL", "IND", "CHN", "UKR"]
INDICATORS = [
    "wdi.homicide_rate",
    "wdi.gdp_pc_ppp",
    "wdi.unemployment",
    "wdi.inflation",
    "wdi.remittances_pct_gdp",
    "wdi.population",
    "wgi.control_of_corruption",
    "wgi.rule_of_law",
    "ti.cpi",
    "fsi.total",
    "unhcr.refugees_from",
]
REGIONS = ["southwest", "northern", None]  # None: nationwide
FLOWS_BY = ["month", "fiscal_year", "month,demographic", "fiscal_year,citizenship", "month,title"]
FLOWS_BY += ["citizenship"]


def _month(index: int, *, start: tuple[int, int] = (2019, 10)) -> str:
    year, month = divmod(start[0] * 12 + start[1] - 1 + index, 12)
    return f"{year}-{month + 1:02d}"


def new_flows(rng: random.Random) -> dict[str, str]:
    """A flows question the explorer has probably not been asked: a random period and slice."""
    since = rng.randrange(70)  # Oct 2019 .. Jul 2025, inside the all-encounters cube
    query = {"since": _month(since), "until": _month(min(since + rng.randrange(36), 73))}
    query["by"] = rng.choice(FLOWS_BY)
    region = rng.choice(REGIONS)
    if region:
        query["region"] = region
    if rng.random() < 0.3:
        query["citizenship"] = ",".join(rng.sample(CITIZENSHIPS, rng.randint(1, 3)))
    return query


def new_indicators(rng: random.Random) -> dict[str, str]:
    query = {
        "country": ",".join(rng.sample(COUNTRIES, rng.randint(1, 4))),
        "indicator": rng.choice(INDICATORS),
    }
    if rng.random() < 0.5:
        query["since"] = str(rng.randint(1990, 2020))
    return query


def new_forecast(rng: random.Random) -> dict[str, str]:
    query = {"horizon": str(rng.randint(1, 24))}
    region = rng.choice(REGIONS)
    if region:
        query["region"] = region
    if rng.random() < 0.7:
        query["until"] = _month(rng.randrange(30), start=(2023, 1))  # the forecast origin
    return query


NEW_QUESTION: dict[str, Callable[[random.Random], dict[str, str]]] = {
    "flows": new_flows,
    "indicators": new_indicators,
    "forecast": new_forecast,
}


def target(endpoint: str, query: dict[str, str]) -> str:
    return f"/api/v1/{endpoint}" + (f"?{urlencode(query)}" if query else "")


def next_request(rng: random.Random) -> tuple[str, str]:
    """One request of the mix: its endpoint and its target (path and query)."""
    endpoint = rng.choices(ENDPOINTS, weights=[SHARE[e] for e in ENDPOINTS])[0]
    new = rng.random() < NEW[endpoint]
    return endpoint, target(endpoint, NEW_QUESTION[endpoint](rng) if new else rng.choice(POPULAR[endpoint]))


def rss(pid: int) -> int:
    """Resident memory in bytes of process `pid` and its descendants (`serve --workers N` and
    `--compute N` run their workers as child processes), from VmRSS in /proc/PID/status."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) * 1024
            break
    else:
        raise RuntimeError(f"no VmRSS for process {pid}")
    children: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):  # children belong to the thread that started them
        with contextlib.suppress(OSError):
            children += (task / "children").read_text().split()
    for child in children:
        with contextlib.suppress(OSError, RuntimeError):  # a child that just exited
            total += rss(int(child))
    return total


@dataclass
class Report:
    """What one soak measured."""

    clients: int
    duration: float
    warmup: float
    seed: int
    latencies: dict[str, list[float]] = field(default_factory=dict)  # after warm-up, seconds, sorted
    requests: Counter[str] = field(default_factory=Counter)  # whole run
    errors: Counter[str] = field(default_factory=Counter)  # whole run, by endpoint
    reasons: Counter[str] = field(default_factory=Counter)  # whole run, by kind of error
    examples: dict[str, str] = field(default_factory=dict)  # one request per kind of error
    new: Counter[str] = field(default_factory=Counter)  # requests asking something not asked before
    measured_seconds: float = 0.0
    rss_start: int = 0
    rss_warm: int = 0
    rss_end: int = 0
    rss_peak: int = 0
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def growth(self) -> float:
        """Resident memory growth from the end of warm-up to the end, as a fraction."""
        return (self.rss_end - self.rss_warm) / self.rss_warm if self.rss_warm else float("nan")

    @property
    def total_errors(self) -> int:
        return sum(self.errors.values())

    def stats(self, endpoint: str | None = None) -> dict[str, float]:
        """p50, p99, max (ms), requests/s after warm-up; requests, errors, new questions over the run."""
        names = [endpoint] if endpoint else list(self.latencies)
        ordered = sorted(v for n in names for v in self.latencies.get(n, []))
        return {
            "measured": len(ordered),
            "requests": sum(self.requests[n] for n in names),
            "errors": sum(self.errors[n] for n in names),
            "new": sum(self.new[n] for n in names),
            "p50_ms": 1000 * statistics.median(ordered) if ordered else float("nan"),
            "p99_ms": 1000 * percentile(ordered, 0.99),
            "max_ms": 1000 * ordered[-1] if ordered else float("nan"),
            "rps": len(ordered) / self.measured_seconds if self.measured_seconds else 0.0,
        }

    def verdicts(self) -> list[tuple[str, str, bool]]:
        """(target, measured, met) for the three targets."""
        p99 = self.stats("flows")["p99_ms"]
        return [
            ("no errors", f"{self.total_errors}", self.total_errors <= TARGET_ERRORS),
            (f"flows p99 < {TARGET_FLOWS_P99_MS:.0f} ms", f"{p99:.1f} ms", p99 < TARGET_FLOWS_P99_MS),
            (
                f"memory growth after warm-up < {TARGET_GROWTH:.0%}",
                f"{self.growth:+.1%}",
                self.growth < TARGET_GROWTH,
            ),
        ]

    def table(self) -> list[str]:
        out = [
            "| endpoint | requests | new questions | errors | p50 ms | p99 ms | max ms | requests/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in (*ENDPOINTS, None):
            s = self.stats(name)
            out.append(
                f"| {name or 'all'} | {s['requests']:,} | {s['new']:,} | {s['errors']} | {s['p50_ms']:.1f} | "
                f"{s['p99_ms']:.1f} | {s['max_ms']:.0f} | {s['rps']:.0f} |"
            )
        return out

    def memory(self) -> str:
        mb = 1024 * 1024
        return (
            f"start {self.rss_start / mb:.0f} MB, after warm-up {self.rss_warm / mb:.0f} MB, "
            f"end {self.rss_end / mb:.0f} MB (peak {self.rss_peak / mb:.0f} MB): "
            f"growth after warm-up {self.growth:+.1%}"
        )

    def error_note(self) -> str:
        if not self.reasons:
            return "no errors"
        return "; ".join(
            f"{n} x {kind} (e.g. {self.examples[kind]})" for kind, n in self.reasons.most_common()
        )


def client_address(number: int) -> str:
    """The loopback address simulated client `number` connects from (127.0.1.1, 127.0.1.2, ...)."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


async def soak(
    base: str,
    pid: int,
    *,
    clients: int = 50,
    duration: float = 300.0,
    warmup: float | None = None,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the mix from `clients` keep-alive connections for `duration` seconds; watch process `pid`."""
    url = urlsplit(base)
    assert url.hostname == "127.0.0.1" and url.port, "the load generator only talks to loopback"
    warmup = duration / 5 if warmup is None else warmup
    report = Report(clients=clients, duration=duration, warmup=warmup, seed=seed)
    report.latencies = {e: [] for e in ENDPOINTS}
    report.rss_start = report.rss_peak = rss(pid)
    seen: set[str] = set()

    async def ask(conn: Connection, endpoint: str, path: str) -> float | None:
        """Send one request; count it (and any error); its latency if it was answered with 2xx."""
        if path not in seen:
            seen.add(path)
            report.new[endpoint] += 1
        t0 = time.perf_counter()
        try:
            status, _body = await asyncio.wait_for(conn.get(path), REQUEST_TIMEOUT)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except TimeoutError:
            error = f"no answer in {REQUEST_TIMEOUT:.0f} s"
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
            error = type(exc).__name__
        elapsed = time.perf_counter() - t0
        report.requests[endpoint] += 1
        if error is None:
            return elapsed
        await conn.close()  # the next request starts on a fresh connection
        report.errors[endpoint] += 1
        report.reasons[error] += 1
        report.examples.setdefault(error, path)
        return None

    # Before the clock starts, every common question once: it must answer, and the libraries the
    # answers need are loaded before memory is measured after warm-up.
    primer = Connection("127.0.0.1", url.port)  # type: ignore[arg-type]
    try:
        for endpoint in ENDPOINTS:
            for query in POPULAR[endpoint]:
                await ask(primer, endpoint, target(endpoint, query))
    finally:
        await primer.close()
    started = time.perf_counter()
    warm_at, stop = started + warmup, started + duration

    async def client(number: int) -> None:
        rng = random.Random(seed * 10_000 + number)
        # Each simulated user connects from its own loopback address, as real users have their own:
        # the server shares analyses fairly among addresses and limits each one's new analyses.
        conn = Connection("127.0.0.1", url.port, source=client_address(number))  # type: ignore[arg-type]
        try:
            while time.perf_counter() < stop:
                endpoint, path = next_request(rng)
                t0 = time.perf_counter()
                elapsed = await ask(conn, endpoint, path)
                if elapsed is not None and t0 >= warm_at:
                    report.latencies[endpoint].append(elapsed)
        finally:
            await conn.close()

    async def watch() -> None:
        next_note = started + 30
        while True:
            now = time.perf_counter()
            await asyncio.sleep(1.0 if report.rss_warm else min(1.0, max(0.0, warm_at - now)))
            now = time.perf_counter()
            report.rss_peak = max(report.rss_peak, rss(pid))
            if not report.rss_warm and now >= warm_at:
                report.rss_warm = rss(pid)
            if progress and now >= next_note:
                next_note += 30
                progress(
                    f"{now - started:5.0f} s: {sum(report.requests.values()):,} requests, "
                    f"{report.total_errors} errors, server RSS {rss(pid) / 2**20:.0f} MB"
                )

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.gather(*(client(i) for i in range(clients)))
    finally:
        watcher.cancel()
    report.measured_seconds = time.perf_counter() - warm_at
    report.rss_end = rss(pid)
    report.rss_peak = max(report.rss_peak, report.rss_end)
    report.rss_warm = report.rss_warm or report.rss_end
    for values in report.latencies.values():
        values.sort()
    return report


def run(
    db: Path,
    *,
    clients: int = 50,
    duration: float = 300.0,
    warmup: float | None = None,
    seed: int = 1,
    cache_size: int = 256,
    prelude: str = "",
    app_kwargs: str = "",
    workers: int = 1,
    compute: int | None = None,
    progress: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
) -> Report:
    """Start `corridor serve` on `db`, soak it, stop it (see `web_load.start_server` for the rest;
    `env` adds to the server's environment, e.g. PYTHONPATH for another checkout's code)."""
    load_before = os.getloadavg()[0]
    proc, base = start_server(
        db,
        cache_size=cache_size,
        prelude=prelude,
        app_kwargs=app_kwargs,
        workers=workers,
        compute=compute,
        env=env,
    )
    try:
        report = asyncio.run(
            soak(
                base,
                proc.pid,
                clients=clients,
                duration=duration,
                warmup=warmup,
                seed=seed,
                progress=progress,
            )
        )
    finally:
        stop_server(proc)
    report.load_before, report.load_after = load_before, os.getloadavg()[0]
    return report


@contextlib.contextmanager
def baseline_checkout(commit: str, mirror: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """COMMIT checked out in a temporary git worktree under /tmp with a warehouse synced by its own
    code (a newer warehouse may not suit older code): (short commit, warehouse, environment that
    makes a Python process import COMMIT's `corridor`). Both are removed on the way out."""
    repo = HERE.parent
    sha = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", f"{commit}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix=f"corridor-soak-{sha}-", dir="/tmp"))
    tree = tmp / "tree"
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), sha],
        check=True,
        capture_output=True,
    )
    try:
        env = {"PYTHONPATH": str(tree / "src")}
        db = tmp / "corridor.duckdb"
        code = "import sys; from corridor.cli import main; sys.argv[0] = 'corridor'; main()"
        subprocess.run(
            [sys.executable, "-c", code, "sync", "--mirror", str(mirror), "--db", str(db)],
            check=True,
            capture_output=True,
            env={**os.environ, **env},
            cwd=tmp,
        )
        yield sha, db, env
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def summary_row(name: str, report: Report) -> str:
    """One run of a comparison as a table row."""
    s, f = report.stats(), report.stats("flows")
    return (
        f"| {name} | {s['requests']:,} | {report.total_errors} | {s['rps']:.0f} | {s['p50_ms']:.1f} | "
        f"{f['p99_ms']:.1f} | {s['p99_ms']:.1f} | {report.load_before:.1f} / {report.load_after:.1f} |"
    )


def ratios(pairs: list[tuple[Report, Report]]) -> list[str]:
    """This/base ratios of each round (a pair run back to back) and their geometric mean."""

    def measures(r: Report) -> tuple[float, float, float]:
        return r.stats()["rps"], r.stats()["p50_ms"], r.stats("flows")["p99_ms"]

    out = ["| round | requests/s this/base | p50 this/base | flows p99 this/base |", "|---|---:|---:|---:|"]
    logs: list[tuple[float, float, float]] = []
    for i, (this, base) in enumerate(pairs, 1):
        r = tuple(a / b for a, b in zip(measures(this), measures(base), strict=True))
        logs.append(r)  # type: ignore[arg-type]
        out.append(f"| {i} | {r[0]:.2f} | {r[1]:.2f} | {r[2]:.2f} |")
    gm = [statistics.geometric_mean(col) for col in zip(*logs, strict=True)]
    out.append(f"| geometric mean | **{gm[0]:.2f}** | **{gm[1]:.2f}** | **{gm[2]:.2f}** |")
    return out


def compare(
    db: Path,
    commit: str,
    mirror: Path,
    *,
    rounds: int,
    progress: Callable[[str], None],
    this: str | None = None,
    **kwargs: object,
) -> list[str]:
    """Soak this checkout (or commit `this`) and COMMIT alternately, `rounds` times each (this,
    base, base, this, ...); the results as table lines."""
    with contextlib.ExitStack() as stack:
        sha, base_db, base_env = stack.enter_context(baseline_checkout(commit, mirror))
        if this:
            name, this_db, this_env = stack.enter_context(baseline_checkout(this, mirror))
        else:
            name = subprocess.run(
                ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            name, this_db, this_env = f"{name} + worktree changes", db, {}
        pairs: list[tuple[Report, Report]] = []
        rows: list[str] = []
        for i in range(rounds):
            order = ("this", "base") if i % 2 == 0 else ("base", "this")
            got: dict[str, Report] = {}
            for which in order:
                progress(f"round {i + 1}: {which} ({name if which == 'this' else sha})")
                if which == "this":
                    got[which] = run(this_db, progress=progress, env=this_env, **kwargs)  # type: ignore[arg-type]
                else:
                    got[which] = run(base_db, progress=progress, env=base_env, **kwargs)  # type: ignore[arg-type]
                rows.append(summary_row(f"{i + 1}: {which}", got[which]))
            pairs.append((got["this"], got["base"]))
    return [
        f"this = {name}, base = {sha}",
        "",
        "| run | requests | errors | requests/s | p50 ms | flows p99 ms | all p99 ms | load before / after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        *ratios(pairs),
    ]


def section(report: Report, command: str) -> str:
    """The '## Soak (issue 8)' section of RESULTS.md for this run."""
    lines = [
        SECTION,
        "",
        f"`{command}` on {dt.date.today().isoformat()}: {machine()}, shared with other work: load "
        f"average (1 min) {report.load_before:.1f} before and {report.load_after:.1f} after.",
        f"The real `corridor serve` (one uvicorn process) on loopback; {report.clients} clients on "
        f"keep-alive connections, each sending its next request when the last is answered, for "
        f"{report.duration:.0f} s. Mix: 70% flows (10% of them new questions), 20% indicators (10% new), "
        "10% forecasts (5% new); see `bench/soak.py`. Latencies and requests/s are over the "
        f"{report.duration - report.warmup:.0f} s after a {report.warmup:.0f} s warm-up; requests, new "
        "questions (asked for the first time in the run, so computed) and errors over the whole run.",
        "",
        *report.table(),
        "",
        f"Server resident memory: {report.memory()}. Errors: {report.error_note()}.",
        "",
        "| target | measured | |",
        "|---|---:|---|",
        *(f"| {name} | {value} | {'PASS' if ok else 'MISS'} |" for name, value, ok in report.verdicts()),
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md (or append it), leaving the others as they are."""
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    start = current.find(f"\n{SECTION}\n")
    if start < 0:
        path.write_text(current.rstrip("\n") + "\n\n" + text)
        return
    end = current.find("\n## ", start + 1)
    rest = current[end:] if end >= 0 else "\n"
    path.write_text(current[: start + 1] + text + rest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing warehouse (else one is synced from --mirror)")
    parser.add_argument("--mirror", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load (default 300)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--warmup", type=float, help="seconds not measured at the start (default a fifth)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="server processes (corridor serve --workers)")
    parser.add_argument(
        "--compute",
        type=int,
        help="compute worker processes (corridor serve --compute; default: its default)",
    )
    parser.add_argument("--write", action="store_true", help=f"put the results in {RESULTS.name}")
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also soak COMMIT's server, alternating with this one, and print the ratios",
    )
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline: runs of each (default 2)")
    parser.add_argument(
        "--this",
        metavar="COMMIT",
        help="with --baseline: soak COMMIT's code (checked out like the baseline) instead of this checkout's",
    )
    args = parser.parse_args()
    db = args.db or build_warehouse(args.mirror)
    if args.baseline:
        if args.write:
            parser.error("--write records a plain soak; a --baseline comparison is printed only")
        print(
            f"soak: {args.this or 'this checkout'} against {args.baseline}, {args.rounds} rounds of "
            f"{args.duration:.0f} s"
        )
        lines = compare(
            db,
            args.baseline,
            args.mirror,
            rounds=args.rounds,
            this=args.this,
            progress=lambda line: print(line, flush=True),
            clients=args.clients,
            duration=args.duration,
            warmup=args.warmup,
            seed=args.seed,
            workers=args.workers,
            compute=args.compute,
        )
        print("\n" + "\n".join(lines))
        return
    print(
        f"soak: {args.clients} clients for {args.duration:.0f} s against corridor serve on {db}", flush=True
    )
    report = run(
        db,
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        seed=args.seed,
        workers=args.workers,
        compute=args.compute,
        progress=lambda line: print(line, flush=True),
    )
    command = " ".join(["python bench/soak.py", *(a for a in sys.argv[1:] if a != "--write")])
    text = section(report, command)
    print(f"\n{text}")
    for name, value, ok in report.verdicts():
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")
    if args.write:
        write_section(text)
        print(f"wrote the '{SECTION[3:]}' section of {RESULTS}")


if __name__ == "__main__":
    main()

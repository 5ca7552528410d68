"""CPU time the web app spends on one cached /api/v1/flows answer, here and at other commits.

The soak's throughput depends on the machine's load; the CPU time of one request in the app
(measured with `time.process_time` in a child process, the ASGI app called directly, no HTTP
server and no client) hardly does, so it says where a slowdown comes from. Per code version:
  repeated  - the 12 explorer questions of `web_load.QUERIES`, each asked again and again with
              the same query string (what 9 in 10 soak requests are);
  routed    - the same, with the app's memory of answered query strings (`corridor.web.repeat`,
              where the code has it) turned off, so FastAPI parses and validates every request.
Each is the fastest of `--reps` batches of `--requests` requests. Other commits are checked
out and given a warehouse synced by their own code (`soak.baseline_checkout`), and measured
alternately with this checkout (this, base, base, this, ...).

    python bench/request_cost.py [--baseline COMMIT ...] [--rounds 2] [--profile]

`--profile` prints cProfile's top functions (by own time) of one repeated batch per version.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from soak import baseline_checkout  # noqa: E402
from web_load import build_warehouse, machine  # noqa: E402

CHILD = r"""
import asyncio, cProfile, io, json, pstats, sys, time
from urllib.parse import urlencode
sys.path.insert(0, BENCH)
from web_load import QUERIES
from corridor.web import create_app

app = create_app(db=DB, compute=0)
queries = [urlencode(q).encode() for q in QUERIES]

async def call(query):
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/api/v1/flows", "raw_path": b"/api/v1/flows",
             "root_path": "", "query_string": query, "headers": [(b"host", b"127.0.0.1:8000")],
             "client": ("127.0.1.7", 5555), "server": ("127.0.0.1", 8000)}
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent

async def batch(make, n):
    t0 = time.process_time()
    for i in range(n):
        await call(make(i))
    return (time.process_time() - t0) / n

async def main():
    for q in queries:  # compute and cache every answer
        await call(q)
    out = {}
    make = lambda i: queries[i % len(queries)]
    for kind in ("repeated", "routed"):
        if kind == "routed" and hasattr(app.state, "repeats"):
            app.state.repeats.size = 0
            app.state.repeats._keys.clear()
        await batch(make, N // 4)  # warm
        out[kind] = min([await batch(make, N) for _ in range(REPS)])
    if hasattr(app.state, "repeats"):
        app.state.repeats.size = 2048
    if PROFILE:
        profile = cProfile.Profile()
        profile.enable()
        await batch(make, N)
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(15)
        out["profile"] = text.getvalue()
    print("RESULT " + json.dumps(out))

asyncio.run(main())
"""


def measure(db: Path, env: dict[str, str], *, requests: int, reps: int, profile: bool) -> dict[str, object]:
    """One child process on `db` with `env` (PYTHONPATH picks the code): its measurements."""
    code = "\n".join(
        [
            f"BENCH = {str(HERE)!r}",
            f"DB = {str(db)!r}",
            f"N = {requests}",
            f"REPS = {reps}",
            f"PROFILE = {profile}",
            CHILD,
        ]
    )
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            cwd=cwd,
            check=False,
        )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])  # type: ignore[no-any-return]
    raise RuntimeError(f"the measurement failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="this checkout's warehouse (else synced from --mirror)")
    parser.add_argument("--mirror", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--baseline", nargs="*", default=[], metavar="COMMIT", help="commits to compare")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000, help="requests per batch")
    parser.add_argument("--reps", type=int, default=5, help="batches per measurement (the fastest counts)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    db = args.db.resolve() if args.db else build_warehouse(args.mirror)
    print(f"{machine()}; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    versions: list[tuple[str, Path, dict[str, str]]] = [("this checkout", db, {})]
    with contextlib.ExitStack() as stack:
        for commit in args.baseline:
            versions.append(stack.enter_context(baseline_checkout(commit, args.mirror)))
        results: dict[str, list[dict[str, object]]] = {name: [] for name, _, _ in versions}
        for r in range(args.rounds):
            order = versions if r % 2 == 0 else versions[::-1]
            for name, vdb, env in order:
                profile = args.profile and r == 0
                got = measure(vdb, env, requests=args.requests, reps=args.reps, profile=profile)
                results[name].append(got)
                print(
                    f"round {r + 1} {name}: repeated {1e6 * got['repeated']:.0f} us, "  # type: ignore[operator]
                    f"routed {1e6 * got['routed']:.0f} us CPU a request",  # type: ignore[operator]
                    flush=True,
                )
                if "profile" in got:
                    print(got["profile"])
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print("| code | repeated: us CPU a request | routed: us CPU a request |\n|---|---:|---:|")
    for name, runs in results.items():
        rep = min(float(x["repeated"]) for x in runs)  # type: ignore[arg-type]
        res = min(float(x["routed"]) for x in runs)  # type: ignore[arg-type]
        print(f"| {name} | {1e6 * rep:.0f} | {1e6 * res:.0f} |")


if __name__ == "__main__":
    main()

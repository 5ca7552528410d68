"""What-works speed benchmark: `corridor evaluate` end to end, against a named baseline commit, in one run.

    .venv/bin/python bench/evaluate_bench.py [--db corridor.duckdb] [--repeat 5] [--baseline 86f247b]
                                             [--no-baseline] [--only TEXT] [--imports both|no-cache|cache]
                                             [--append bench/RESULTS.md]

Each design is run as the command a user types (a new process: imports, warehouse, every method,
the output), `--repeat` times, for this checkout and for `--baseline` (a git ref, checked out in a
temporary worktree and run with the same interpreter and warehouse). The default baseline is
`BASELINE`, the last commit of main before issue 14's evaluate work was merged, so the ratio keeps
meaning "against the old code" as main moves on (`--baseline main` compares with main instead).
The median wall time of each is printed with the ratio new / baseline. Both are measured twice: as
installed here (this environment sets PYTHONDONTWRITEBYTECODE, so every process compiles every
module it imports from source) and with a bytecode cache (PYTHONPYCACHEPREFIX, filled by one
unmeasured run), which is what a normal `pip install` gives. Process CPU time (user + system,
children included) is shown beside wall time because other work on the shared machine inflates
wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Typical designs: 3-4 treated units, 25-50 donors, 3-12 post months.
DESIGNS = {
    "CHNV parole, Border Patrol, 3 months (3 treated, 51 donors)": [
        "--policy",
        "chnv_parole",
        "--component",
        "usbp",
        "--post",
        "3",
    ],
    "family reunification parole, Border Patrol, 11 months (4 treated, 56 donors)": [
        "--policy",
        "family_reunification_parole",
        "--component",
        "usbp",
    ],
    "CHNV parole, all encounters, 12 months (3 treated, 10 donors)": [
        "--policy",
        "chnv_parole",
        "--post",
        "12",
    ],
}
# main before issue 14's evaluate work was merged (the old four-method evaluate, 30 to 90 s)
BASELINE = "86f247b"
RUN = "import sys; from corridor.cli import main; sys.argv[0] = 'corridor'; main()"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(src: Path, args: list[str], db: Path, repeat: int, cache: Path | None) -> tuple[float, float]:
    """Median wall and CPU seconds of `corridor evaluate ARGS` with the package in `src`."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100"}
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    cmd = [sys.executable, "-c", RUN, "evaluate", *args, "--db", str(db), "--format", "json"]
    if cache is not None:
        timed(cmd, env)  # fill the bytecode cache (not measured)
    runs = [timed(cmd, env) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def in_process(db: Path, repeat: int, only: str = "") -> list[tuple[str, float, float]]:
    """Median wall and CPU seconds of each design and of the default drivers model, called in one
    warm process (imports done): the time the web app's workers spend per new question."""
    import warnings

    sys.path.insert(0, str(ROOT / "src"))
    import corridor
    from corridor.commands.evaluate import _int_option

    warnings.simplefilter("ignore")
    out = []
    with corridor.open(db) as obs:
        calls = {}
        for name, design in DESIGNS.items():
            if only not in name:
                continue
            kw = dict(zip(design[::2], design[1::2], strict=True))
            calls[name] = lambda kw=kw: obs.evaluate(
                policy=kw["--policy"],
                component=kw.get("--component", "all"),
                post=_int_option(kw.get("--post"), ""),
            )
        if not only:
            calls["drivers (default model, 3 out-of-sample years)"] = obs.drivers
        for name, call in calls.items():
            call()  # warm
            runs = []
            for _ in range(repeat):
                w, c = time.perf_counter(), time.process_time()
                call()
                runs.append((time.perf_counter() - w, time.process_time() - c))
            out.append((name, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=ROOT / "corridor.duckdb")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"git ref to compare with (default {BASELINE}: before issue 14)"
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--only", default="", help="only the designs whose name contains this text")
    parser.add_argument(
        "--imports",
        choices=("both", "no-cache", "cache"),
        default="both",
        help="measure without a bytecode cache, with one, or both (a loaded machine may not fit both)",
    )
    parser.add_argument("--append", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    old: Path | None = None
    try:
        if not args.no_baseline:
            old = tmp / "baseline"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.baseline],
                check=True,
                capture_output=True,
            )
        rows = []
        modes = [("no bytecode cache", None), ("bytecode cache", tmp / "pyc")]
        modes = [m for m in modes if args.imports == "both" or (m[1] is None) == (args.imports == "no-cache")]
        for name, design in DESIGNS.items():
            if args.only not in name:
                continue
            for label, cache in modes:
                new = measure(
                    ROOT / "src", design, args.db, args.repeat, None if cache is None else cache / "new"
                )
                base = (
                    measure(
                        old / "src", design, args.db, args.repeat, None if cache is None else cache / "old"
                    )
                    if old is not None
                    else (float("nan"), float("nan"))
                )
                rows.append((name, label, new, base))
                print(
                    f"{name} [{label}]: new {new[0]:.1f} s (CPU {new[1]:.1f}), baseline {base[0]:.1f} s "
                    f"(CPU {base[1]:.1f})",
                    flush=True,
                )
    finally:
        if old is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    warm = in_process(args.db, args.repeat, only=args.only)
    lines = [
        "### `corridor evaluate`, end to end",
        "",
        f"`python bench/evaluate_bench.py --repeat {args.repeat}"
        f"{f' --only {args.only!r}' if args.only else ''}"
        f"{f' --imports {args.imports}' if args.imports != 'both' else ''}` on "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}: "
        f"nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}; load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after (other engineers' work shares the 2 cores). "
        f"Median of {args.repeat} runs of the command (`--format json`, all methods), a new process each; "
        f"baseline: `{args.baseline}` in a temporary worktree, same interpreter and warehouse.",
        "",
        "| design | imports | this branch: wall s (CPU s) | baseline: wall s (CPU s) | wall ratio "
        "| CPU ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, label, new, base in rows:
        lines.append(
            f"| {name} | {label} | {new[0]:.1f} ({new[1]:.1f}) | {base[0]:.1f} ({base[1]:.1f}) | "
            f"{new[0] / base[0]:.2f} | {new[1] / base[1]:.2f} |"
        )
    lines += [
        "",
        f"In one warm process (imports done; median of {args.repeat}; this branch):",
        "",
        "| call | wall s | CPU s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {w:.2f} | {c:.2f} |" for name, w, c in warm]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.append:
        with args.append.open("a") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()

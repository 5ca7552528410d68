"""Faults during sync: kills at random points, a full disk, and readers racing a sync. After each,
the warehouse is either the previous state or the complete new one, never a mix."""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corridor
from corridor import ingest

DATASETS = ["cbp_state", "ohss_usbp", "usbp_historical"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _answers(db: Path) -> tuple:
    """What a user sees: status rows and two flows queries."""
    with corridor.open(db) as obs:
        status = tuple(obs.status()[["dataset", "sha256"]].itertuples(index=False, name=None))
        a = tuple(obs.flows(region="southwest", by="fiscal_year").tidy()["encounters"])
        b = tuple(obs.flows(component="usbp", region="southwest", by="fiscal_year").tidy()["encounters"])
    return status, a, b


def _mirror_variant(data: Path, dest: Path) -> Path:
    """A copy of the encounter files in which CBP revised one count (a new release)."""
    for ds in DATASETS:
        for spec in ingest.SOURCES[ds].files:
            out = dest / spec.mirror_path
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data / spec.mirror_path, out)
    state = dest / "cbp/nationwide-encounters-fy23-fy26-nov-state.csv"
    lines = state.read_text().splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + ",999\n"
    state.write_text("".join(lines))
    return dest


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory, data: Path) -> dict:
    """Old state (real files) and new state (one revised count), as warehouses and answers."""
    root = tmp_path_factory.mktemp("states")
    old, new = root / "old.duckdb", root / "new.duckdb"
    ingest.sync(db=old, mirror=data, only=DATASETS)
    variant = _mirror_variant(data, root / "variant")
    shutil.copyfile(old, new)
    ingest.sync(db=new, mirror=variant, only=DATASETS)
    return {"old": old, "new": new, "variant": variant, "A": _answers(old), "B": _answers(new)}


def _sync_cmd(mirror: Path, db: Path) -> list[str]:
    cmd = [sys.executable, "-m", "corridor.cli", "sync", "--mirror", str(mirror), "--db", str(db)]
    for ds in DATASETS:
        cmd += ["--only", ds]
    return cmd


def test_kill_at_twenty_random_points(states: dict, tmp_path: Path) -> None:
    assert states["A"] != states["B"]
    rng = random.Random(20261128)
    outcomes = {"old": 0, "new": 0}
    for _ in range(20):
        db = tmp_path / "w.duckdb"
        shutil.copyfile(states["old"], db)
        proc = subprocess.Popen(
            _sync_cmd(states["variant"], db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen = _answers(db)
        assert seen in (states["A"], states["B"])
        outcomes["old" if seen == states["A"] else "new"] += 1
        for stale in tmp_path.glob("w.duckdb.tmp-*"):
            stale.unlink()
    assert outcomes["old"] > 0, outcomes  # some kills landed before the rename


def test_disk_full_leaves_previous_state(states: dict, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(states["old"], db)
    before = _digest(db)
    limit = db.stat().st_size + 1_000_000  # room to copy the warehouse, not to write the new one

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing

    res = subprocess.run(_sync_cmd(states["variant"], db), preexec_fn=cap, capture_output=True, text=True)
    assert res.returncode != 0
    assert _digest(db) == before
    assert _answers(db) == states["A"]


def test_readers_see_old_or_new_never_a_mix(states: dict, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(states["old"], db)
    proc = subprocess.Popen(
        _sync_cmd(states["variant"], db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    seen = {"A": 0, "B": 0}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = proc.poll() is not None
        answer = _answers(db)
        assert answer in (states["A"], states["B"]), "a reader saw a mixed state"
        seen["A" if answer == states["A"] else "B"] += 1
        if done:
            break
    assert proc.returncode == 0
    assert seen["A"] > 0 and seen["B"] > 0, seen


def test_zip_bomb_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    from corridor.errors import InputError
    from corridor.sources.base import open_workbook

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)  # packs to ~50 KB
    with pytest.raises(InputError, match="decompression bomb") as err:
        open_workbook(bomb)
    assert "bomb.xlsx" in str(err.value)


def test_parquet_over_the_cap_is_refused(data: Path, tmp_path: Path, monkeypatch) -> None:
    from corridor.errors import InputError
    from corridor.sources import _context_common, base

    path = data / "unhcr" / "unhcr_population.parquet"
    base.guard_parquet(path)  # the real file passes the default cap
    monkeypatch.setattr(base, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError, match="cap"):
        base.guard_parquet(path, max_bytes=base.MAX_UNPACKED_BYTES)
    with pytest.raises(InputError, match="cap"):
        _context_common.guard_parquet(path, max_bytes=1000)


@pytest.mark.parametrize(
    "args",
    [
        ["flows", "--region", "southwest", "--by", "month,citizenship", "--format", "json"],
        ["track", "collaborative-migration-2021", "--format", "json"],
        ["simulate", "pathways", "--runs", "200", "--seed", "7", "--format", "json"],
        ["simulate", "backlog", "--runs", "200", "--seed", "7", "--format", "json"],
        ["forecast", "--region", "southwest", "--by", "demographic", "--format", "json"],
        ["evaluate", "--policy", "title42_end", "--method", "its", "--format", "json"],
        [
            "evaluate",
            "--policy",
            "chnv_parole",
            "--method",
            "did",
            "--region",
            "southwest",
            "--post",
            "6",
            "--format",
            "json",
        ],
        ["drivers", "--format", "json"],
    ],
    ids=["flows", "track", "pathways", "backlog", "forecast", "evaluate-its", "evaluate-did", "drivers"],
)
def test_same_warehouse_same_seed_same_bytes(warehouse: Path, args: list[str]) -> None:
    # Separate processes with different string hashes: PYTHONHASHSEED 0 and 1 (drivers), 0 and 3
    # (did) put pyfixest's fixed effects in different orders, which changed their last digits.
    outputs = []
    for hash_seed in ("0", "1", "3"):
        res = subprocess.run(
            [sys.executable, "-m", "corridor.cli", *args, "--db", str(warehouse)],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            check=False,
        )
        assert res.returncode == 0, res.stderr.decode()[-2000:]
        outputs.append(res.stdout)
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) > 100


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(c) for c in text.split()}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killed_sync_leaves_no_parse_workers(data: Path, tmp_path: Path) -> None:
    """SIGKILL to a sync that parses in worker processes takes its workers down too."""
    env = {**os.environ, "CORRIDOR_WORKERS": "2"}
    cmd = [
        sys.executable,
        "-m",
        "corridor.cli",
        "sync",
        "--mirror",
        str(data),
        "--db",
        str(tmp_path / "w.duckdb"),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers |= _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the sync never started its parse workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"parse workers {left} outlived the killed sync"


def test_sheet_with_a_far_stray_cell_is_refused(tmp_path: Path) -> None:
    """One cell at XFD1048576 would make calamine allocate the whole 17-billion-cell sheet and
    abort the process; the guard refuses it with an error naming the file. Run in a child
    process, so a missing guard shows as a crash rather than taking the test run down."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Fiscal Year"
    ws.cell(row=1_048_576, column=16_384, value=1)
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    code = (
        "import sys; from pathlib import Path; from corridor.errors import InputError\n"
        "from corridor.sources.base import open_workbook\n"
        "try:\n    open_workbook(Path(sys.argv[1])).get_sheet_by_index(0).to_python()\n"
        "except InputError as exc:\n    print(exc); sys.exit(3)\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 3, (res.returncode, res.stderr[-500:])
    assert "stray.xlsx" in res.stdout and "spans" in res.stdout

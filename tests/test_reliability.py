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
from collections.abc import Callable
from pathlib import Path

import pytest

import corridor
from corridor import ingest
from tests.conftest import built_once_per_run

DATASETS = ["cbp_state", "ohss_usbp", "usbp_historical"]
ROOT = Path(__file__).resolve().parents[1]


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


@pytest.fixture(scope="session")
def states(tmp_path_factory: pytest.TempPathFactory, data: Path) -> dict:
    """Old state (real files) and new state (one revised count), as warehouses and answers; built
    once per run for all workers (tests copy the warehouses before writing)."""

    def build(root: Path) -> None:
        ingest.sync(db=root / "old.duckdb", mirror=data, only=DATASETS)
        variant = _mirror_variant(data, root / "variant")
        shutil.copyfile(root / "old.duckdb", root / "new.duckdb")
        ingest.sync(db=root / "new.duckdb", mirror=variant, only=DATASETS)

    root = built_once_per_run(tmp_path_factory, "reliability-states", build)
    old, new = root / "old.duckdb", root / "new.duckdb"
    return {"old": old, "new": new, "variant": root / "variant", "A": _answers(old), "B": _answers(new)}


def _sync_cmd(mirror: Path, db: Path) -> list[str]:
    cmd = [sys.executable, "-m", "corridor.cli", "sync", "--mirror", str(mirror), "--db", str(db)]
    for ds in DATASETS:
        cmd += ["--only", ds]
    return cmd


# `make test` kills at every fourth of the twenty points (0.2-2.6 s: during the imports, the
# parse and the write), each a new `corridor` process; `make test-all` at all twenty.
@pytest.mark.parametrize("every", [pytest.param(1, marks=pytest.mark.slow), 4], ids=["all", "every-fourth"])
def test_kill_at_twenty_random_points(states: dict, tmp_path: Path, every: int) -> None:
    assert states["A"] != states["B"]
    rng = random.Random(20261128)
    points = [rng.uniform(0.0, 4.0) for _ in range(20)][::every]
    outcomes = {"old": 0, "new": 0}
    for delay in points:
        db = tmp_path / "w.duckdb"
        shutil.copyfile(states["old"], db)
        proc = subprocess.Popen(
            _sync_cmd(states["variant"], db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
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


# What the same warehouse must answer byte for byte, whatever the process's string hashes.
SAME_BYTES = {
    "flows": ["flows", "--region", "southwest", "--by", "month,citizenship", "--format", "json"],
    "track": ["track", "collaborative-migration-2021", "--format", "json"],
    "pathways": ["simulate", "pathways", "--runs", "200", "--seed", "7", "--format", "json"],
    "backlog": ["simulate", "backlog", "--runs", "200", "--seed", "7", "--format", "json"],
    "forecast": ["forecast", "--region", "southwest", "--by", "demographic", "--format", "json"],
    "evaluate-its": ["evaluate", "--policy", "title42_end", "--method", "its", "--format", "json"],
    "evaluate-did": [
        *("evaluate", "--policy", "chnv_parole", "--method", "did", "--region", "southwest"),
        *("--post", "6", "--format", "json"),
    ],
    "drivers": ["drivers", "--format", "json"],
}
# Separate processes with different string hashes: PYTHONHASHSEED 0 and 1 (drivers), 0 and 3
# (did) put pyfixest's fixed effects in different orders, which changed their last digits.
HASH_SEEDS = ("0", "1", "3")


def _all_outputs_in_this_process(db: str, out: str) -> None:
    """Run every SAME_BYTES command through the CLI in this one process and write each one's
    stdout (or its failure) under `out`: one import of Corridor for all of them."""
    from typer.testing import CliRunner

    from corridor.cli import app

    runner = CliRunner()
    for name, args in SAME_BYTES.items():
        res = runner.invoke(app, [*args, "--db", db])
        ok = res.exit_code == 0 and res.exception is None
        failure = f"exit {res.exit_code}: {res.stderr[-2000:]} {res.exception!r}"
        if ok:
            Path(out, f"{name}.out").write_bytes(res.stdout_bytes)
        else:
            Path(out, f"{name}.failed").write_text(failure)


@pytest.fixture(scope="session")
def outputs_by_hash_seed(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per PYTHONHASHSEED, a folder with every SAME_BYTES command's stdout, from one process each
    (the three run side by side), once per run for all workers."""

    def build(root: Path) -> None:
        code = "import sys; import tests.test_reliability as t; t._all_outputs_in_this_process(*sys.argv[1:])"
        procs = []
        for seed in HASH_SEEDS:
            (root / seed).mkdir()
            env = {**os.environ, "PYTHONHASHSEED": seed}
            argv = [sys.executable, "-c", code, str(warehouse), str(root / seed)]
            procs.append(subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True))
        for proc in procs:
            _, err = proc.communicate(timeout=1800)
            assert proc.returncode == 0, err[-2000:]

    root = built_once_per_run(tmp_path_factory, "reliability-same-bytes", build)
    return {seed: root / seed for seed in HASH_SEEDS}


@pytest.mark.parametrize("name", list(SAME_BYTES))
def test_same_warehouse_same_seed_same_bytes(outputs_by_hash_seed: dict[str, Path], name: str) -> None:
    """The same command on the same warehouse, in processes with different string hashes, writes
    the same bytes (the eight commands share one process per hash seed)."""
    outputs = []
    for seed, folder in outputs_by_hash_seed.items():
        failed = folder / f"{name}.failed"
        assert not failed.exists(), f"PYTHONHASHSEED={seed}: {failed.read_text()}"
        outputs.append((folder / f"{name}.out").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) > 100


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SAME_BYTES))
def test_same_bytes_from_separate_cli_processes(warehouse: Path, name: str) -> None:
    """As above, each command in its own `python -m corridor.cli` process writing to a real stdout
    (make test-all; the fast test above runs the same commands through the CLI in-process)."""
    outputs = []
    for hash_seed in HASH_SEEDS:
        res = subprocess.run(
            [sys.executable, "-m", "corridor.cli", *SAME_BYTES[name], "--db", str(warehouse)],
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


# --- hardening, round two (issue 19): one writer at a time, clean failures, hostile YAML ------


def _sync_argv(mirror: Path, db: Path, *only: str) -> list[str]:
    cmd = [sys.executable, "-m", "corridor.cli", "sync", "--mirror", str(mirror), "--db", str(db)]
    for ds in only:
        cmd += ["--only", ds]
    return cmd


def _one_error_line(stderr: str) -> str:
    """The single line a failing command prints: 'error: ...', no traceback, nothing else."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr[-2000:]
    assert "Traceback" not in stderr
    return lines[0]


def _tmp_copies(db: Path) -> list[Path]:
    return list(db.parent.glob(f"{db.name}.tmp-*"))


@pytest.fixture(scope="session")
def small_old(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """A warehouse holding one small dataset (cbp_sbo), to be copied by each test (built once per
    run for all workers)."""

    def build(root: Path) -> None:
        ingest.sync(db=root / "old.duckdb", mirror=data, only=["cbp_sbo"])

    return built_once_per_run(tmp_path_factory, "reliability-small", build) / "old.duckdb"


def test_two_syncs_at_once_never_lose_one(small_old: Path, data: Path, tmp_path: Path) -> None:
    """While one sync writes (the whole mirror), a second exits 3 at once naming the writer; with
    --wait it waits, then loads its revision of cbp_sbo; readers go on reading meanwhile. In the
    end both syncs' work is there: every dataset, and the revised cbp_sbo."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    spec = ingest.SOURCES["cbp_sbo"].files[0]
    variant = tmp_path / "variant"
    (variant / spec.mirror_path).parent.mkdir(parents=True)
    lines = (data / spec.mirror_path).read_text().splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + ",3\n"  # CBP revises one count
    (variant / spec.mirror_path).write_text("".join(lines))
    revised = hashlib.sha256((variant / spec.mirror_path).read_bytes()).hexdigest()
    env = {**os.environ, "CORRIDOR_WORKERS": "1"}
    first = subprocess.Popen(
        _sync_argv(data, db), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lock = db.with_name("w.duckdb.lock")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if lock.exists() and lock.read_text().strip() == str(first.pid):
            break
        time.sleep(0.02)
    assert first.poll() is None, "the first sync ended before the test could race it"
    with corridor.open(db) as obs:  # a reader is not blocked by the writer lock
        assert obs.status()["dataset"].tolist() == ["cbp_sbo"]
    second = subprocess.run(
        _sync_argv(variant, db, "cbp_sbo"), env=env, capture_output=True, text=True, timeout=300
    )
    assert first.poll() is None, "the first sync ended before the second tried; rerun on a quieter machine"
    assert second.returncode == 3, second.stderr[-2000:]
    busy = f"error: another sync is writing this warehouse (pid {first.pid})"
    assert _one_error_line(second.stderr) == busy
    waiter = subprocess.run(
        [*_sync_argv(variant, db, "cbp_sbo"), "--wait"], env=env, capture_output=True, text=True, timeout=900
    )
    assert waiter.returncode == 0, waiter.stderr[-2000:]
    assert f"pid {first.pid}" in waiter.stderr  # it said whom it waited for
    assert first.wait(timeout=900) == 0, first.stderr.read()[-2000:] if first.stderr else ""
    with corridor.open(db) as obs:
        status = obs.releases()
    assert set(status["dataset"]) == set(ingest.SOURCES)
    assert status.loc[status["dataset"] == "cbp_sbo", "sha256"].tolist() == [revised]


def _cap_file_size(limit: int) -> Callable[[], None]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing

    return cap


@pytest.mark.parametrize("room", ["copy_fails", "write_fails"])
def test_disk_full_ends_in_one_sentence_and_leaves_nothing(
    small_old: Path, data: Path, tmp_path: Path, room: str
) -> None:
    """A full disk while copying the warehouse or while writing the copy: exit 2, one sentence,
    the warehouse byte for byte as before, and no partial copy left behind."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    before = _digest(db)
    size = db.stat().st_size
    limit = size // 2 if room == "copy_fails" else size + 1_000_000
    res = subprocess.run(
        _sync_argv(data, db, "cbp_state", "ohss_usbp"),
        preexec_fn=_cap_file_size(limit),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 2, res.stderr[-2000:]
    line = _one_error_line(res.stderr)
    assert "disk is full" in line and "unchanged" in line, line
    assert _digest(db) == before
    assert not _tmp_copies(db), "a partial copy was left behind"


def _wait_for_copy(proc: subprocess.Popen, db: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if _tmp_copies(db):
            return
        time.sleep(0.02)
    raise AssertionError("the sync never made its temporary copy")


def test_sigterm_removes_the_copy_and_says_so(small_old: Path, data: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    before = _digest(db)
    proc = subprocess.Popen(
        _sync_argv(data, db, "cbp_state", "ohss_usbp", "ice_detention"),
        env={**os.environ, "CORRIDOR_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_copy(proc, db)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    assert "SIGTERM" in _one_error_line(err)
    assert _digest(db) == before
    assert not _tmp_copies(db)


def test_every_sync_removes_copies_of_dead_syncs(small_old: Path, data: Path, tmp_path: Path) -> None:
    """Even a sync that changes nothing removes the copy (and WAL) a killed sync left, and keeps
    the copy of a sync that is still alive."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    stale = [db.with_name(f"w.duckdb.tmp-{dead_pid}"), db.with_name(f"w.duckdb.tmp-{dead_pid}.wal")]
    for path in stale:
        path.write_bytes(b"left by a killed sync")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live_copy = db.with_name(f"w.duckdb.tmp-{alive.pid}")
        live_copy.write_bytes(b"a sync at work")
        report = ingest.sync(db=db, mirror=data, only=["cbp_sbo"])
        assert not report.changed
        assert not any(p.exists() for p in stale)
        assert live_copy.exists()
    finally:
        alive.kill()
        alive.wait()


def _children_of(pid: int) -> set[int]:
    return _children(pid)


def test_a_worker_killed_for_memory_ends_in_one_sentence(small_old: Path, data: Path, tmp_path: Path) -> None:
    """The kernel's OOM killer stopping a parse worker (here: SIGKILL) used to surface as a
    BrokenProcessPool traceback."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    before = _digest(db)
    proc = subprocess.Popen(
        _sync_argv(data, db),
        env={**os.environ, "CORRIDOR_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers |= _children_of(proc.pid)
        time.sleep(0.02)
    assert len(workers) >= 2, "the sync never started its parse workers"
    time.sleep(0.5)  # into the parses
    os.kill(max(workers), signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err[-2000:]
    assert "memory" in _one_error_line(err)
    assert _digest(db) == before
    assert not _tmp_copies(db)


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("phase", ["parsing", "writing"])
def test_ctrl_c_during_a_sync_ends_in_one_sentence(
    small_old: Path, data: Path, tmp_path: Path, phase: str
) -> None:
    """Ctrl-C (SIGINT to the whole process group, workers included) while the workers parse, or
    once the temporary copy exists (DuckDB then reports it as 'Query interrupted'): exit 130 and
    one line; the workers stay silent."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    before = _digest(db)
    proc = subprocess.Popen(
        _sync_argv(data, db),
        env={**os.environ, "CORRIDOR_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal: Ctrl-C at its default. The test runner's process may ignore SIGINT
        # (something earlier in an xdist worker set SIG_IGN), and an ignored signal survives exec.
        preexec_fn=_sigint_default,
    )
    if phase == "writing":
        _wait_for_copy(proc, db)
    else:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers |= _children_of(proc.pid)
            time.sleep(0.02)
        assert len(workers) >= 2, "the sync never started its parse workers"
        time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert _one_error_line(err) == "error: sync interrupted; the warehouse is unchanged"
    assert _digest(db) == before
    assert not _tmp_copies(db)


class _InterruptedCommit:
    """A DuckDB connection whose final write (the COMMIT, or the CHECKPOINT that ends a sync's
    writes to its copy since tables commit as they are created) is interrupted by Ctrl-C."""

    def __init__(self, con: object, interrupt: BaseException) -> None:
        self._con = con
        self._interrupt = interrupt

    def execute(self, sql: str, *args: object) -> object:
        if sql.strip().upper() in ("COMMIT", "CHECKPOINT"):
            raise self._interrupt
        return self._con.execute(sql, *args)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


@pytest.mark.parametrize(
    "interrupt",
    # Python's own, or DuckDB's client when the signal arrives inside a statement
    [KeyboardInterrupt(), RuntimeError("Query interrupted")],
    ids=["keyboard_interrupt", "duckdb_query_interrupted"],
)
def test_ctrl_c_during_commit_ends_in_one_sentence(
    small_old: Path, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt: BaseException
) -> None:
    import duckdb
    from typer.testing import CliRunner

    from corridor.cli import app
    from corridor.store import warehouse as wh_module

    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_old, db)
    before = _digest(db)
    real_connect = duckdb.connect
    monkeypatch.setattr(
        wh_module.duckdb, "connect", lambda *a, **k: _InterruptedCommit(real_connect(*a, **k), interrupt)
    )
    monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    res = CliRunner().invoke(app, ["sync", "--mirror", str(data), "--only", "ohss_usbp", "--db", str(db)])
    monkeypatch.undo()
    assert res.exit_code == 130, res.output
    assert _one_error_line(res.stderr) == "error: sync interrupted; the warehouse is unchanged"
    assert _digest(db) == before
    assert not _tmp_copies(db)


def test_a_db_that_is_not_duckdb_is_refused_untouched(data: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a warehouse\n")
    started = time.monotonic()
    res = subprocess.run(_sync_argv(data, notes, "cbp_sbo"), capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr[-2000:]
    assert "is not a DuckDB warehouse" in _one_error_line(res.stderr)
    assert notes.read_text() == "my notes, not a warehouse\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no copy, no lock file
    assert time.monotonic() - started < 120


def test_a_symlinked_db_is_written_through(small_old: Path, data: Path, tmp_path: Path) -> None:
    target = tmp_path / "real" / "w.duckdb"
    target.parent.mkdir()
    shutil.copyfile(small_old, target)
    link = tmp_path / "link.duckdb"
    link.symlink_to(target)
    ingest.sync(db=link, mirror=data, only=["usbp_historical"])
    assert link.is_symlink() and link.resolve() == target.resolve()
    with corridor.open(target) as obs:
        assert set(obs.status()["dataset"]) == {"cbp_sbo", "usbp_historical"}
    # the copy and the lock file were made beside the target, not beside the link
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.duckdb", "real"]


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
HOSTILE_YAML = {
    "billion_laughs": (LAUGHS, "not accepted"),
    "anchor_bombed_title": (LAUGHS + "title: *i\n", "not accepted"),
    "int_5000_digits": ("id: x\ntitle: t\nn: " + "7" * 5000 + "\n", "digits is too large"),
    "nested_100000": ("[" * 100_000, "nested deeper"),
}


def _cap_memory() -> None:
    gib = 2**30
    resource.setrlimit(resource.RLIMIT_AS, (2 * gib, 2 * gib))


@pytest.mark.parametrize("verb", ["track", "scenario"])
@pytest.mark.parametrize("case", list(HOSTILE_YAML))
def test_hostile_yaml_through_the_cli(warehouse: Path, tmp_path: Path, verb: str, case: str) -> None:
    """`corridor track bomb.yaml` and a scenario file: exit 2 and one sentence within seconds
    (a billion-laughs file used to run for minutes and take 1.7 GB)."""
    text, words = HOSTILE_YAML[case]
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    args = ["track", str(path)] if verb == "track" else ["simulate", "pathways", "--scenario", str(path)]
    started = time.monotonic()
    try:
        res = subprocess.run(
            [sys.executable, "-m", "corridor.cli", *args, "--db", str(warehouse)],
            capture_output=True,
            text=True,
            timeout=90,
            preexec_fn=_cap_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{verb} with {case} ran for more than 90 s")
    assert res.returncode == 2, res.stderr[-2000:]
    line = _one_error_line(res.stderr)
    assert "bomb.yaml" in line and words in line, line
    assert time.monotonic() - started < 60

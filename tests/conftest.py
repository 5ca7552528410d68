"""Shared fixtures: the real data folder beside the checkout, and one synced warehouse per run.

Under pytest-xdist (`make test` runs `pytest -n auto`) every worker process is its own pytest
session, so a session fixture would sync once per worker. The warehouse is instead synced once
per *run* into a folder all workers share (the parent of their temporary folders), under a file
lock: the first worker to ask syncs, the others wait and reuse it. Tests open it read-only; a
test that needs to write copies it first (a check at the end of the session fails if the shared
file changed).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import settings

import corridor
from corridor import ingest


def data_dir() -> Path:
    """../shared/data relative to the repository (or $CORRIDOR_TEST_DATA)."""
    env = os.environ.get("CORRIDOR_TEST_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        raise RuntimeError(f"real data folder not found at {path}; set CORRIDOR_TEST_DATA")
    return path


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder shared by every xdist worker of this run (this session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def built_once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder `build` fills once per run, shared by every xdist worker (the first to ask builds
    it under a file lock; the others wait and reuse it). Callers treat it as read-only."""
    root = run_dir(tmp_path_factory) / name
    done = root.with_name(name + ".built")
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root.with_name(name + ".lock"))):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # what a build that failed left behind
            root.mkdir()
            build(root)
            done.touch()
    return root


# ---- Hypothesis: `make test` draws fewer examples, `make test-all` each test's own number -----------
# The Makefile chooses with `--hypothesis-profile`. Most properties set their own `max_examples`,
# which a profile cannot lower, so under `fast` each collected property runs a quarter of its own
# number (or of Hypothesis' default 100; at least FAST_FLOOR, never more than its own): every
# property still runs in `make test`. Under `thorough`, or without the option (a file run by hand),
# each runs its own number. Both profiles keep Hypothesis' other defaults (deadline included).
settings.register_profile("thorough")
settings.register_profile("fast")
FAST_DIVISOR = 4
FAST_FLOOR = 10


def _fewer_examples(items: list[pytest.Item]) -> None:
    """Under the `fast` profile, lower each collected property's own max_examples (once per test
    function: parametrized cases share it)."""
    done: set[int] = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        if not getattr(test, "is_hypothesis_test", False) or id(test) in done:
            continue
        done.add(id(test))
        own: settings = test._hypothesis_internal_use_settings  # type: ignore[union-attr]
        fewer = min(own.max_examples, max(FAST_FLOOR, own.max_examples // FAST_DIVISOR))
        test._hypothesis_internal_use_settings = settings(own, max_examples=fewer)  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def data() -> Path:
    return data_dir()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[Path]:
    """A warehouse synced once per run from the whole real mirror, shared read-only by all workers."""
    root = run_dir(tmp_path_factory) / "shared-warehouse"
    db, done = root / "corridor.duckdb", root / "synced.sha256"
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / "sync.lock")):
        if not done.exists():
            ingest.sync(db=db, mirror=data)
            done.write_text(_digest(db))
    synced = done.read_text()
    yield db
    assert _digest(db) == synced, f"a test wrote into the shared warehouse {db}; copy it first"


@pytest.fixture(scope="session")
def obs(warehouse: Path) -> Iterator[corridor.Observatory]:
    o = corridor.open(warehouse)
    yield o
    o.close()


# ---- scheduling under xdist -----------------------------------------------------------------------
# `make test` runs `pytest -n auto --dist loadgroup --no-loadscope-reorder`. Each test is its own
# unit of work; the tests of a file that share a module- or class-scoped fixture are one unit (an
# xdist group), so the fixture (a server, a browser, worker processes) is built once per run, not
# once per worker. xdist 3.8 passes a group to its scheduler by appending it to `item._nodeid`,
# which pytest 9 no longer reads, so the group would not take; instead each worker writes its
# groups to a file in the run's folder and `GroupScheduling` (below) reads them. Units
# start in the order below, longest first: with two workers, a long unit started last sets the
# wall time. The list comes from `pytest --durations=40` (see bench/RESULTS.md, "The suite");
# a test missing from it only starts later, so a stale list costs time, never a failure.
LONGEST_FIRST: tuple[str, ...] = (
    "tests/test_web_browser.py",  # one unit (a server and a browser): ~195 s of durations
    "tests/test_web_server.py",  # one unit (a `corridor serve` process): ~115 s
    "tests/test_fuzz_sources.py",  # one unit (two parse workers)
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly",  # each case its own unit
    "tests/test_web_fuzz.py",
    "tests/test_web_compute.py",
    "tests/test_web_api.py",
    "tests/test_reliability.py::test_same_warehouse_same_seed_same_bytes",
    "tests/test_reliability.py::test_kill_at_twenty_random_points",
    "tests/test_reliability.py::test_two_syncs_at_once_never_lose_one",
    "tests/test_strategy_report.py",
    "tests/test_report.py",
    "tests/test_drivers.py",
    "tests/test_web_soak.py",
    "tests/test_ingest.py::test_sync_killed_midway_keeps_previous_warehouse",
    "tests/test_project.py::test_shell_completion_completes_verbs_and_options",
    "tests/test_forecast_intervals.py",
    "tests/test_forecast.py::test_sparse_parts_reconcile_by_mint",
)

# Parametrized cases of files other areas own that run only in `make test-all` (marked here, so
# their files stay as they are). Each check keeps a fast case in `make test`:
# - damaged copies of the three largest workbooks that still parse most of the file (ohss_usbp,
#   niv_visas, wgi: 30-50 s each under load): their empty and truncated copies stay, as do the
#   header, number and missing-sheet cases of every other source;
# - a sync killed midway at 0.5 s and 2.0 s: the 1.2 s case stays (and test_reliability's kills
#   at twenty random points);
# - the short soak against compute worker processes: the soak against the server's own threads
#   stays, with test_web_compute's checks of the worker processes;
# - six of the eight hostile YAML files given to `corridor track` and `corridor simulate pathways
#   --scenario` as a new process each: every file walks the same CLI path to exit 2 (kept: the
#   billion laughs for track, the deep nesting for scenario), and test_safeyaml refuses each of
#   the four in-process.
SLOW_CASES: tuple[str, ...] = (
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[ohss_usbp:fy25m11:header]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[ohss_usbp:fy25m11:number]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[ohss_usbp:fy25m11:missing_sheet]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[niv_visas:niv:header]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[niv_visas:niv:number]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[niv_visas:niv:missing_sheet]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[wgi:wgi:header]",
    "tests/test_sources_contract.py::test_bad_input_fails_cleanly[wgi:wgi:number]",
    "tests/test_ingest.py::test_sync_killed_midway_keeps_previous_warehouse[0.5]",
    "tests/test_ingest.py::test_sync_killed_midway_keeps_previous_warehouse[2.0]",
    "tests/test_web_soak.py::test_short_soak_has_no_errors_and_no_growth[compute-workers]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[billion_laughs-scenario]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[anchor_bombed_title-track]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[anchor_bombed_title-scenario]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[int_5000_digits-track]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[int_5000_digits-scenario]",
    "tests/test_reliability.py::test_hostile_yaml_through_the_cli[nested_100000-track]",
)


def _check_slow_cases(items: list[pytest.Item]) -> None:
    """Fail the run when SLOW_CASES names a case its test no longer has (a renamed case would
    silently run in `make test` again); tests not collected in this run are not checked."""
    ids = {item.nodeid for item in items}
    functions = {nodeid.split("[", 1)[0] for nodeid in ids}
    stale = [case for case in SLOW_CASES if case.split("[", 1)[0] in functions and case not in ids]
    if stale:
        raise pytest.UsageError(f"tests/conftest.py SLOW_CASES names cases that do not exist: {stale}")


def _shared_fixture_group(item: pytest.Item) -> str | None:
    """The file of a test that uses a module- or class-scoped fixture, else None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for defs in info.name2fixturedefs.values():
        if defs and defs[-1].scope in ("module", "class", "package"):
            return item.nodeid.split("::", 1)[0]
    return None


def _start_rank(item: pytest.Item) -> int:
    ranks = (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix))
    return next(ranks, len(LONGEST_FIRST))


GROUPS_DIR = "xdist-groups"  # in the run's folder: one JSON file per worker, {node id: group}


def _groups_dir(config: pytest.Config) -> Path:
    """The folder where workers leave their groups for the controller (the run's folder)."""
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    return run_dir(factory) / GROUPS_DIR


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `--dist loadgroup`, a scheduler that reads the groups the workers wrote."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class GroupScheduling(LoadGroupScheduling):  # type: ignore[misc]
        """xdist's loadgroup, with each test's group read from the workers' files (a test in no
        file is its own unit, so a missing file costs time, never a failure)."""

        groups: dict[str, str]

        def schedule(self) -> None:
            # Every worker has sent its collection, so each has written its file already.
            self.groups = {}
            for path in sorted(_groups_dir(config).glob("*.json")):
                self.groups.update(json.loads(path.read_text()))
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            return getattr(self, "groups", {}).get(nodeid) or super()._split_scope(nodeid)

    return GroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = set(SLOW_CASES)  # before `-m "not slow"` deselects (this hook runs first)
    for item in items:
        if item.nodeid in slow:
            item.add_marker(pytest.mark.slow)
    _check_slow_cases(items)
    if config.getoption("hypothesis_profile", None) == "fast":
        _fewer_examples(items)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a plain run keeps pytest's order
    rank = {}
    for item in items:
        group = None
        if item.get_closest_marker("xdist_group") is None:
            group = _shared_fixture_group(item)
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))
        rank[item.nodeid] = (_start_rank(item), group)
    groups = {nodeid: "group:" + g for nodeid, (_, g) in rank.items() if g is not None}
    folder = _groups_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ["PYTEST_XDIST_WORKER"]
    part = folder / f"{worker}.json.part"
    part.write_text(json.dumps(groups))
    part.replace(folder / f"{worker}.json")  # whole or absent when the controller reads it
    first_of_group: dict[str, int] = {}
    for r, group in rank.values():
        if group is not None:
            first_of_group[group] = min(r, first_of_group.get(group, r))
    # A unit starts as early as its earliest test; the sort is stable, so the rest keep their order.
    items.sort(key=lambda it: first_of_group.get(rank[it.nodeid][1], rank[it.nodeid][0]))

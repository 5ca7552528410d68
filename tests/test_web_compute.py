"""The web app's compute worker processes (`corridor.web.compute`): same answers as the server's
own threads, flows questions first, never an answer from a warehouse state the request did not
lease, and a worker that dies is replaced."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from corridor.observatory import Observatory
from corridor.web import api, create_app
from corridor.web.compute import ComputePool, Stale, _Task
from corridor.web.state import Cancelled, file_key
from tests.webkit import local

FLOWS = "/api/v1/flows?by=month,citizenship&since=2021-03&until=2022-05&region=southwest"
INDICATORS = "/api/v1/indicators?country=GTM,HND&indicator=wdi.homicide_rate"
BAD = ["/api/v1/flows?by=month&citizenship=XXX", "/api/v1/forecast?region=southwest&until=1990-01"]


@pytest.fixture(scope="module")
def pool_app(warehouse: Path) -> Iterator[TestClient]:
    with local(create_app(db=warehouse, compute=1, timeout=600)) as client:  # a busy machine is slow
        yield client


def test_workers_answer_as_the_server_would(
    warehouse: Path, pool_app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local(create_app(db=warehouse)) as plain:
        expected = {q: plain.get(q) for q in [FLOWS, INDICATORS, "/api/v1/forecast?region=southwest", *BAD]}
    # From here the server process cannot compute: every answer below comes from the worker.
    for method in ("flows", "indicators", "forecast"):
        monkeypatch.setattr(Observatory, method, _refuse)
    for query, want in expected.items():
        got = pool_app.get(query)
        assert got.status_code == want.status_code, query
        if want.status_code == 200:
            assert got.content == want.content, query  # byte for byte
        else:
            assert got.json()["detail"] == want.json()["detail"], query
    assert pool_app.app.state.compute.pids()  # type: ignore[attr-defined]


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("computed in the server process")


def _revised_copy(warehouse: Path, dest: Path) -> Path:
    """A copy of the warehouse in which every all-encounters count is one higher."""
    shutil.copyfile(warehouse, dest)
    with Observatory(warehouse) as obs:
        table = next(c.table for c in obs.cubes if "region" in c.dims and "citizenship" in c.dims)
    with duckdb.connect(str(dest)) as con:
        con.execute(f'UPDATE "{table}" SET encounters = encounters + 1')
    return dest


ARGS = ({"region": "southwest", "by": ["fiscal_year"]}, {}, "")


def _flows(pool: ComputePool, key: Any) -> bytes | None:
    """A flows answer computed by the pool for file state `key` (None: the worker cannot open it)."""
    try:
        return pool.call(key, api.flows_json, ARGS, lane="flows")  # type: ignore[no-any-return]
    except Stale:
        return None


def test_a_replaced_file_is_never_answered_for_the_old_lease(warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, db)
    revised = _revised_copy(warehouse, tmp_path / "revised.duckdb")
    old_key = file_key(db)
    assert old_key is not None
    early, late = ComputePool(db, Observatory, 1).start(), ComputePool(db, Observatory, 1).start()
    try:
        old = _flows(early, old_key)
        assert old is not None
        os.replace(revised, db)  # what a sync does
        new_key = file_key(db)
        assert new_key != old_key
        # A worker that has the old state open still answers for it; one that has not cannot
        # open it any more and says so (the server then answers from its own leased version).
        assert _flows(early, old_key) == old
        assert _flows(late, old_key) is None
        new = _flows(late, new_key)
        assert new is not None and new != old
        assert json.loads(new)["data"][0]["encounters"] > json.loads(old)["data"][0]["encounters"]
    finally:
        early.close()
        late.close()


def _queue(pool: ComputePool, tasks: list[_Task]) -> None:
    with pool._cond:
        for task in tasks:
            if task.lane == "flows":
                pool._flows.append(task)
            else:
                pool._analyses.setdefault(task.client, deque()).append(task)


def test_flows_questions_go_first(warehouse: Path) -> None:
    pool = ComputePool(warehouse, Observatory, 2)  # not started: only its queues are used
    key = file_key(warehouse)
    assert key is not None
    lanes = ["analysis", "flows", "analysis", "flows"]
    tasks = [_Task(key, lane, len, (n,), client=f"c{n}", seq=n) for n, lane in enumerate(lanes)]  # type: ignore[arg-type]
    _queue(pool, tasks)
    assert [t.args[0] for t in (pool._next(False) for _ in tasks)] == [1, 3, 0, 2]
    # The flows-only worker waits while only analyses are queued, and takes the next flows question.
    pool._running.clear()
    _queue(pool, [tasks[0]])
    taken: list[_Task | None] = []
    waiter = threading.Thread(target=lambda: taken.append(pool._next(True)))
    waiter.start()
    waiter.join(timeout=0.3)
    assert waiter.is_alive() and not taken
    _queue(pool, [tasks[1]])
    with pool._cond:
        pool._cond.notify_all()
    waiter.join(timeout=5)
    assert taken == [tasks[1]] and list(pool._analyses["c0"]) == [tasks[0]]


def test_analyses_are_shared_fairly_among_clients(warehouse: Path) -> None:
    """A client runs at most `client_running` analyses at once, so a question from somebody else
    is taken before that client's next one, however many it queued first."""
    pool = ComputePool(warehouse, Observatory, 3)  # two analysis workers: one client runs one at a time
    assert pool.client_running == 1
    key = file_key(warehouse)
    greedy = [_Task(key, "analysis", len, (f"greedy{n}",), client="10.0.0.1", seq=n) for n in range(5)]  # type: ignore[arg-type]
    polite = _Task(key, "analysis", len, ("polite",), client="10.0.0.2", seq=10)  # type: ignore[arg-type]
    _queue(pool, [*greedy, polite])
    first = pool._next(False)
    second = pool._next(False)
    assert first is greedy[0] and second is polite  # the greedy client's second waits for its first
    pool._finished(first)  # type: ignore[arg-type]
    assert pool._next(False) is greedy[1]


def spin(obs: Any, seconds: float) -> str:
    """A task that keeps a core busy for `seconds` (a stand-in for an expensive analysis)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def test_a_timed_out_request_stops_its_computation(warehouse: Path) -> None:
    """Cancelling a running task kills its worker at once and starts another; a waiting task is
    dropped before it starts. Without this a timed-out question kept a core busy to its end."""
    pool = ComputePool(warehouse, Observatory, 1).start()
    key = file_key(warehouse)
    try:
        (pid,) = pool.pids()
        cancel = threading.Event()
        outcome: list[Any] = []

        def ask(event: threading.Event) -> None:
            try:
                outcome.append(pool.call(key, spin, (60.0,), client="a", cancel=event))  # type: ignore[arg-type]
            except Exception as exc:
                outcome.append(exc)

        running = threading.Thread(target=ask, args=(cancel,))
        running.start()
        waiting_cancel = threading.Event()
        waiting = threading.Thread(target=ask, args=(waiting_cancel,))  # queued behind the first
        time.sleep(0.5)
        waiting.start()
        time.sleep(0.3)
        waiting_cancel.set()
        waiting.join(timeout=5)
        assert not waiting.is_alive() and isinstance(outcome[0], Cancelled), outcome
        started = time.monotonic()
        cancel.set()
        running.join(timeout=10)
        assert not running.is_alive() and isinstance(outcome[1], Cancelled), outcome
        assert time.monotonic() - started < 5  # not the 60 s the computation would have taken
        assert pool.killed == 1 and not Path(f"/proc/{pid}").exists()
        assert pool.call(key, spin, (0.0,), client="a") == "done"  # a new worker answers
        assert pool.pids() and pool.pids() != [pid]
    finally:
        pool.close()


class Spinning(Observatory):
    """An Observatory whose forecast keeps a core busy for a minute (workers can import it)."""

    def forecast(self, *, horizon: int = 6) -> Any:
        return spin(self, 60.0)


def test_a_request_that_times_out_stops_its_computation_api_and_page(warehouse: Path) -> None:
    """The time limit's 503 stops the computation behind it, for the API and for a page (which
    computes in the same pool): the worker is killed and replaced within seconds."""
    app = create_app(db=warehouse, compute=1, obs_class=Spinning, timeout=3)
    with local(app) as c:
        pool = app.state.compute
        assert pool is not None
        for n, (path, params) in enumerate(
            [("/api/v1/forecast", {"horizon": "5"}), ("/forecast", {"run": "forecast", "horizon": "7"})],
            start=1,
        ):
            (pid,) = pool.pids()
            started = time.monotonic()
            assert c.get(path, params=params).status_code == 503
            while pool.killed < n and time.monotonic() - started < 30:
                time.sleep(0.1)
            assert pool.killed == n, path
            assert time.monotonic() - started < 30  # not the minute the computation would take
            assert not Path(f"/proc/{pid}").exists()  # the busy worker is gone ...
            deadline = time.monotonic() + 120
            while not pool.pids() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert pool.pids() and pool.pids() != [pid]  # ... and another took its place


def test_a_dead_worker_is_replaced(warehouse: Path) -> None:
    pool = ComputePool(warehouse, Observatory, 1).start()
    key = file_key(warehouse)
    assert key is not None
    try:
        first = _flows(pool, key)
        (pid,) = pool.pids()
        os.kill(pid, signal.SIGKILL)  # e.g. the kernel's out-of-memory killer, between questions
        deadline = time.monotonic() + 10
        while pid in pool.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _flows(pool, key) == first
        assert pool.pids() and pool.pids() != [pid]
    finally:
        pool.close()


def _cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process so far, in clock ticks (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_a_worker_dying_mid_question_is_a_503(pool_app: TestClient) -> None:
    pool = pool_app.app.state.compute  # type: ignore[attr-defined]
    answered = threading.Event()

    def kill_when_busy() -> None:
        (pid,) = pool.pids()
        idle = _cpu_ticks(pid)
        while not answered.is_set():  # kill once it has computed for 30 ms (a forecast takes longer)
            if _cpu_ticks(pid) - idle >= 3:
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.002)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    res = pool_app.get("/api/v1/forecast?region=southwest&horizon=24&by=citizenship")
    answered.set()
    killer.join()
    assert res.status_code == 503, res.text
    assert "try again" in res.json()["detail"]
    assert pool_app.get(FLOWS).status_code == 200  # the next question finds a new worker


def test_workers_that_cannot_start_leave_the_server_computing_itself(warehouse: Path) -> None:
    class Local(Observatory):  # a class a spawned process cannot import by name
        pass

    with pytest.raises(RuntimeError, match="did not start"):
        ComputePool(warehouse, Local, 1).start()
    with local(create_app(db=warehouse, compute=1, obs_class=Local)) as client:
        assert client.app.state.compute is None  # type: ignore[attr-defined]
        assert client.get(FLOWS).status_code == 200


@pytest.mark.parametrize(
    ("cpus", "servers", "expected"), [(1, 1, 2), (2, 1, 3), (2, 2, 2), (3, 2, 3), (16, 1, 4), (16, 8, 3)]
)
def test_default_compute_workers(
    monkeypatch: pytest.MonkeyPatch, cpus: int, servers: int, expected: int
) -> None:
    # One flows worker, the CPUs shared among server processes for analyses, at most 4 in all.
    from corridor.commands import serve

    monkeypatch.setattr(serve.os, "cpu_count", lambda: cpus)
    assert serve.default_compute(servers) == expected

"""The analysis queue is bounded by time (#19): a new analysis that would wait past its request's
time limit is refused at once with a 503 and Retry-After, instead of being queued, timing out
and killing the worker that had just started it. Real worker processes throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corridor.observatory import Observatory
from corridor.web import create_app
from corridor.web.compute import ComputePool, Overloaded
from corridor.web.security import CancelEvent
from corridor.web.state import Cancelled, file_key
from tests.test_web_compute import spin
from tests.webkit import local


class Asker:
    """`pool.call(...)` on a thread of its own; what it returned or raised, and when."""

    def __init__(self, pool: ComputePool, *args: Any, **kwargs: Any) -> None:
        self.outcome: Any = None
        self.took = float("nan")

        def ask() -> None:
            started = time.monotonic()
            try:
                self.outcome = pool.call(*args, **kwargs)
            except Exception as exc:
                self.outcome = exc
            self.took = time.monotonic() - started

        self.thread = threading.Thread(target=ask, daemon=True)
        self.thread.start()

    def result(self, timeout: float) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "no answer"
        return self.outcome


def _waiting(pool: ComputePool) -> int:
    with pool._cond:
        return sum(len(q) for q in pool._analyses.values())


def test_an_analysis_that_would_wait_past_its_time_limit_is_refused_at_once(warehouse: Path) -> None:
    pool = ComputePool(warehouse, Observatory, 2).start()  # a flows worker and one analysis worker
    key = file_key(warehouse)
    try:
        assert pool.call(key, spin, (2.0,), client="a") == "done"  # analyses take about 2 s here
        running_cancel = CancelEvent()
        running = Asker(pool, key, spin, (60.0,), client="a", cancel=running_cancel)
        time.sleep(0.5)  # a's minute-long question is running; three 2 s questions queue behind it
        queued = [Asker(pool, key, spin, (2.0,), client=c, deadline=time.monotonic() + 600) for c in "bcd"]
        deadline = time.monotonic() + 30.0
        while _waiting(pool) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting(pool) == 3

        # Expected start of a new question: a's (about 2 s less what it has run) then b, c, d (2 s
        # each): about 6 s, more than a 5 s limit less 2 s of its own work. Without the bound it
        # would be queued and given up at its limit (what `Limits` does: set the cancel event).
        given_up = CancelEvent()
        timer = threading.Timer(5.0, given_up.set)
        timer.start()
        late = Asker(pool, key, spin, (2.0,), client="e", cancel=given_up, deadline=time.monotonic() + 5.0)
        refused = late.result(timeout=30)
        timer.cancel()
        assert isinstance(refused, Overloaded), refused
        assert late.took < 2.5  # at once, not at its time limit
        assert 1 <= refused.retry_after <= 60
        assert "try again in" in str(refused) and str(refused).count(". ") == 0  # one sentence
        assert pool.refused == 1 and pool.killed == 0 and _waiting(pool) == 3  # nothing queued

        # With time enough for the queue, the same question waits its turn; given up while waiting,
        # it leaves the queue at once (the request's cancel event calls back: nobody polls it).
        patient_cancel = CancelEvent()
        patient = Asker(
            pool, key, spin, (2.0,), client="e", cancel=patient_cancel, deadline=time.monotonic() + 600
        )
        while _waiting(pool) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting(pool) == 4 and pool.refused == 1
        patient_cancel.set()
        assert isinstance(patient.result(timeout=5), Cancelled)
        assert _waiting(pool) == 3 and pool.killed == 0
        running_cancel.set()  # the running question given up: its worker is stopped
        assert isinstance(running.result(timeout=30), Cancelled)
        for asker in queued:  # and the queue behind it is answered
            assert asker.result(timeout=120) == "done"
    finally:
        pool.close()


class SlowForecast(Observatory):
    """An Observatory whose forecast keeps a core busy for horizon / 5 seconds (workers import it)."""

    def forecast(self, *, horizon: int = 6) -> Any:
        return spin(self, horizon / 5)


def by_address(app: Any) -> Any:
    """The app, with each request's client address taken from its `x-test-client` header (the test
    client has one address; the queue is shared fairly among addresses)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers", []))
            scope = {**scope, "client": (headers.get(b"x-test-client", b"testclient").decode(), 1)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture
def slow_app(warehouse: Path) -> Iterator[tuple[Any, Any]]:
    app = create_app(db=warehouse, compute=2, obs_class=SlowForecast, timeout=10)
    with local(by_address(app)) as client:
        yield app, client


def test_a_refused_analysis_is_a_503_with_retry_after_api_and_page(slow_app: tuple[Any, Any]) -> None:
    app, c = slow_app
    pool = app.state.compute
    assert pool is not None
    assert c.get("/api/v1/forecast", params={"horizon": "1"}).status_code == 200  # a worker is ready
    with pool._cond:
        pool._measured("10.0.0.1", 30.0)  # this client's analyses have lately taken 30 s each
    started = time.monotonic()
    busy: list[Any] = []
    worker = threading.Thread(
        target=lambda: busy.append(
            c.get("/api/v1/forecast", params={"horizon": "20"}, headers={"x-test-client": "10.0.0.1"})
        )
    )
    worker.start()  # 4 s of work, expected to take 30 s: nothing else can start within 10 s
    while not pool._busy and time.monotonic() - started < 30:
        time.sleep(0.02)
    for path, params in [
        ("/api/v1/forecast", {"horizon": "3"}),
        ("/forecast", {"run": "forecast", "horizon": "3"}),
    ]:
        t0 = time.monotonic()
        res = c.get(path, params=params, headers={"x-test-client": "10.0.0.2"})
        assert time.monotonic() - t0 < 3, path  # at once, not at the 10 s limit
        assert res.status_code == 503, (path, res.text[:300])
        assert 1 <= int(res.headers["retry-after"]) <= 60
        text = res.json()["detail"] if path.startswith("/api") else res.text
        assert "more analyses waiting than it can answer" in text
    worker.join(timeout=60)
    assert busy and busy[0].status_code == 200  # the running question was not disturbed
    assert pool.killed == 0 and pool.refused == 2
    # The queue is empty again: the same question is answered.
    res = c.get("/api/v1/forecast", params={"horizon": "3"}, headers={"x-test-client": "10.0.0.2"})
    assert res.status_code == 200

"""New questions answered in worker processes, apart from the server's event loop.

Why: a forecast or an indicators panel holds Python's interpreter lock for tens of
milliseconds; computed on a thread of the server process, it delays every cached answer the
event loop is sending, and a new flows question waits behind it. In worker processes the
operating system shares the cores instead, and the event loop only sends answers.

A task is a module-level function and its arguments: the worker calls `fn(obs, *args)` on its
own Observatory and sends back what it returns (JSON bytes for the API, the shown result for a
page). API endpoints and page routes use the same pool (`run`).

Flows questions are interactive and cheap (about 8 ms), analyses are not (a forecast takes
50 ms to 2 s), so they are queued apart: the first worker answers flows questions only, the
others take a waiting flows question before any analysis. One worker takes both, flows first.
Analyses are shared fairly among clients: a client (an address) runs at most `client_running`
of them at once (one fewer than the analysis workers, so one is always free for somebody
else), and the oldest waiting question of an eligible client goes next. A client may have at
most `ClientGate.limit` new analysis questions in progress at all; more get a 429 at once.

Bounded work: when the request behind a task times out (its `cancel` event is set by
`corridor.web.security.Limits`), a waiting task is dropped and a running one's worker process
is killed and replaced, so a timed-out question stops using a core. And the analysis queue is
bounded by time: a new analysis whose expected start (the queue played forward under the rules
above, with each client's recent service time) would leave it too little of its request's time
limit is refused at once (`Overloaded`, a 503 with Retry-After) instead of being queued, timing
out, and killing a worker that had started it. Without this, overload spiralled: at load 13 the
queue passed the 30 s limit, every timeout killed a worker, and each new worker took tens of
seconds to start, so the queue grew further (issue 19).

Each worker opens the warehouse file itself and answers only for the exact state of the file
the request leased (device, inode, mtime, size). If the file was replaced in between, the
worker says so (`Stale`) and the request is answered in the server process from its own
leased version, as without workers: no answer ever mixes two warehouse states.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import logging
import math
import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
import traceback
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from corridor.errors import CorridorError
from corridor.processes import die_with_parent
from corridor.web.security import current
from corridor.web.state import Cancelled, FileKey, Version, file_key, open_observatory

log = logging.getLogger("corridor.web")

Lane = Literal["flows", "analysis"]
STALE = "stale"  # the worker could not open the state of the file the request leased
START_SECONDS = 120  # a worker that has not finished its imports by then is given up
POLL = 0.1  # seconds between looks at a cancelled request while a task runs (or waits: plain events)
SERVICE_WEIGHT = 0.3  # weight of the newest analysis in a client's recent service time
SERVICE_WEIGHT_ALL = 0.1  # and in everybody's (for clients not seen yet)
SERVICE_CLIENTS = 1024  # clients whose recent service time is remembered
RETRY_MAX = 60  # seconds: the longest Retry-After of a refused analysis
# An analysis is admitted if it is expected to be answered within this share of its time limit.
# At a half, a same-run soak at load 11 refused 5% of analyses while the same load answered every
# one within 18 s without the bound; the rest is the margin for estimates that run short.
ADMIT_SHARE = 0.75
# Nice value of the analysis workers (0: the same CPU priority as the flows worker and the server).
# Tried at 10 and 4 so that flows questions get a core first: on this shared 2-core machine the
# analyses then starved beside other work (load 13-17: flows p99 458 ms at 4 against 389 at 0, and
# 114 analyses refused or timed out against none), so it is off.
ANALYSIS_NICE = 0


class WorkerStopped(RuntimeError):
    """A compute worker process ended while answering (killed, or out of memory): a 503."""


class Stale(Exception):
    """The worker could not open the warehouse state the request leased; compute it here."""


class ComputeError(RuntimeError):
    """A bug in a computation run by a worker: its type and message, and the worker's traceback."""

    def __init__(self, message: str, remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_traceback = remote_traceback

    def __reduce__(self) -> tuple[Any, ...]:
        return (ComputeError, (str(self), self.remote_traceback))


class Busy(CorridorError):
    """A client has as many new analysis questions in progress as it may have: a 429."""

    retry_after = 2


class Overloaded(CorridorError):
    """A new analysis that would wait in the queue past its time limit: a 503 at once."""

    def __init__(self, message: str = "", *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (_overloaded, (str(self), self.retry_after))


def _overloaded(message: str, retry_after: int) -> Overloaded:
    return Overloaded(message, retry_after=retry_after)


class ClientGate:
    """At most `limit` new analysis questions in progress per client (by address); more: Busy.

    Counted around the whole wait for an answer (also for a request waiting on an identical
    question another request is computing), so one client cannot hold the server's threads.
    """

    DEFAULT = 4

    def __init__(self, limit: int = DEFAULT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    @contextlib.contextmanager
    def admit(self, client: str) -> Iterator[None]:
        with self._lock:
            if self._counts[client] >= self.limit:
                raise Busy(
                    f"you have {self.limit} analyses in progress already; "
                    "wait for one to finish and try again"
                )
            self._counts[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._counts[client] -= 1
                if self._counts[client] <= 0:
                    del self._counts[client]

    def load(self) -> dict[str, int]:
        """Questions in progress by client (for tests)."""
        with self._lock:
            return dict(self._counts)


@contextlib.contextmanager
def admitted() -> Iterator[None]:
    """Count one new analysis question against the current request's client (no request: no limit)."""
    ctx = current()
    gate = getattr(getattr(getattr(ctx, "app", None), "state", None), "gate", None)
    if ctx is None or gate is None:
        yield
        return
    with gate.admit(ctx.client):
        yield


@dataclass(eq=False)
class _Task:
    key: FileKey
    lane: Lane
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    client: str = ""
    cancel: threading.Event | None = None
    seq: int = 0
    future: Future[Any] = field(default_factory=Future)


@dataclass(eq=False)
class _Busy:
    """What one worker is doing: its task, since when, whether it reached the worker process, and
    when it ended (its worker was killed) while the worker is being replaced."""

    task: _Task
    started: float
    sent: bool = False
    ended: float | None = None


class ComputePool:
    """Worker processes that answer new questions (see the module doc)."""

    def __init__(
        self, path: str | Path, obs_class: type, workers: int, *, client_running: int | None = None
    ) -> None:
        if workers < 1:
            raise ValueError("a compute pool needs at least one worker")
        if obs_class.__module__ == "__main__":  # a spawned process cannot import it by name
            raise ValueError(
                f"{obs_class.__qualname__} is defined in __main__; worker processes cannot load it"
            )
        self.path = Path(path).resolve()
        self.obs_class = obs_class
        self.workers = workers
        analysis_workers = workers - 1 if workers > 1 else 1
        self.client_running = client_running or max(1, analysis_workers - 1)
        self._cond = threading.Condition()
        self._flows: deque[_Task] = deque()
        self._analyses: dict[str, deque[_Task]] = {}
        self._running: Counter[str] = Counter()
        self._seq = itertools.count()
        self._closed = False
        self._analysis_workers = list(range(1, workers)) if workers > 1 else [0]
        self._busy: dict[int, _Busy] = {}  # worker index -> what it is doing
        self._starting: dict[int, float] = {}  # worker index -> when its replacement started
        self._service: OrderedDict[str, float] = OrderedDict()  # client -> recent seconds an analysis
        self._service_all: float | None = None  # everybody's (None: no analysis measured yet)
        self._spawn_seconds = 0.0  # how long a worker has recently taken to start
        self._ctx = mp.get_context("spawn")  # the server runs threads: never fork it
        self._procs: list[Any] = [None] * workers
        self._threads = [
            threading.Thread(target=self._serve, args=(i,), name=f"corridor-compute-{i}", daemon=True)
            for i in range(workers)
        ]
        self._ready = threading.Barrier(workers + 1)
        self._failed: list[str] = []
        self.killed = 0  # workers killed because their request gave up (for tests and the log)
        self.refused = 0  # analyses refused at once because they would wait past their time limit

    def start(self) -> ComputePool:
        """Start the worker processes; returns once every one has started (imports done).

        Raises RuntimeError (after stopping the others) if one cannot start.
        """
        for thread in self._threads:
            thread.start()
        try:
            self._ready.wait(timeout=START_SECONDS + 5)
        except threading.BrokenBarrierError:
            self._failed.append("timed out")
        if self._failed:
            self.close()
            raise RuntimeError(f"compute workers did not start: {'; '.join(self._failed)}")
        return self

    def call(
        self,
        key: FileKey,
        fn: Callable[..., Any],
        args: tuple[Any, ...] = (),
        *,
        lane: Lane = "analysis",
        client: str = "",
        cancel: threading.Event | None = None,
        deadline: float | None = None,
    ) -> Any:
        """`fn(obs, *args)` computed by a worker on warehouse state `key`; what it returned.

        Blocks the calling thread (not the event loop) until a worker has answered. An error the
        computation raised is raised here (Corridor's own as they were; others as ComputeError);
        Stale if the worker cannot open state `key`; Cancelled if `cancel` is set first;
        Overloaded, before anything is queued, if an analysis would not start in time to be
        answered by `deadline` (`time.monotonic`). A `cancel` with `add_callback` (the request's
        `CancelEvent`) is waited for without polling.
        """
        task = _Task(key, lane, fn, args, client, cancel, next(self._seq))
        with self._cond:
            if self._closed:
                raise RuntimeError("the compute pool is closed")
            if lane == "flows":
                self._flows.append(task)
            else:
                if deadline is not None:
                    self._admit(client, deadline)
                self._analyses.setdefault(client, deque()).append(task)
            self._cond.notify_all()
        if cancel is None:
            return task.future.result()
        add_callback = getattr(cancel, "add_callback", None)
        if add_callback is not None:
            undo = add_callback(lambda: self._withdraw(task))
            try:
                return task.future.result()
            finally:
                undo()
        while True:
            try:
                return task.future.result(timeout=POLL if cancel is not None else None)
            except FutureTimeout:
                if cancel is not None and cancel.is_set():
                    self._withdraw(task)  # still waiting: drop it; running: its worker stops it

    def _estimate(self, client: str) -> float:
        """Recent seconds an analysis of `client` took (everybody's if not known). Under `_cond`."""
        return self._service.get(client, self._service_all or 0.0)

    def _admit(self, client: str, deadline: float) -> None:
        """Raise Overloaded if a new analysis of `client` would not be answered within
        `ADMIT_SHARE` of the time it has left by `deadline` (its expected start plus its own
        expected service time, counted at most as half of that): the estimates are recent
        averages, which a machine that slows down makes short. Under `_cond`."""
        now = time.monotonic()
        wait = self._expected_start(client, now)
        if wait is None:
            return
        left = deadline - now
        budget = ADMIT_SHARE * left
        late = wait + min(self._estimate(client), budget / 2) - budget
        if late <= 0:
            return
        self.refused += 1
        if self.refused == 1 or self.refused % 100 == 0:
            log.warning("refused an analysis (%d so far): expected wait %.1f s", self.refused, wait)
        retry = min(RETRY_MAX, max(1, math.ceil(late)))
        shown = f"about {wait:.0f} s" if math.isfinite(wait) else "longer than that"
        raise Overloaded(
            f"the server has more analyses waiting than it can answer within the {left:.0f} s this "
            f"question may take (it would wait {shown} to start); try again in {retry} s",
            retry_after=retry,
        )

    def _expected_start(self, client: str, now: float) -> float | None:
        """Seconds until a new analysis of `client` would start, playing the analysis queue
        forward by the rules of `_pick` with each client's recent service time (None: nothing
        measured yet). Under `_cond`."""
        if self._service_all is None:
            return None
        heap: list[tuple[float, int, str]] = []  # (when a worker is free, tie-break, whose task ends)
        for n, index in enumerate(self._analysis_workers):
            busy = self._busy.get(index)
            owner = busy.task.client if busy is not None and busy.task.lane == "analysis" else ""
            free = 0.0
            if index in self._starting:  # being replaced
                free = self._starting[index] + self._spawn_seconds - now
            elif busy is not None and owner:  # one running past its estimate has as long again
                elapsed = now - busy.started
                free = max(self._estimate(owner) - elapsed, elapsed / 2)
            heap.append((max(free, 0.0), n, owner))
        heapq.heapify(heap)
        running = Counter(self._running)
        queues: dict[str, list[float]] = {c: [float(t.seq) for t in q] for c, q in self._analyses.items()}
        queues.setdefault(client, []).append(math.inf)  # the new question: the newest of all
        pos = dict.fromkeys(queues, 0)
        tie = len(heap)
        idle = 0
        while heap:
            at, _, ended = heapq.heappop(heap)
            if ended:
                running[ended] -= 1
            idle += 1
            while idle:
                best: str | None = None
                for c, seqs in queues.items():
                    eligible = pos[c] < len(seqs) and running[c] < self.client_running
                    if eligible and (best is None or seqs[pos[c]] < queues[best][pos[best]]):
                        best = c
                if best is None:
                    break  # every waiting client runs its share: the worker waits for one to end
                seq = queues[best][pos[best]]
                pos[best] += 1
                idle -= 1
                if seq == math.inf:
                    return at
                running[best] += 1
                tie += 1
                heapq.heappush(heap, (at + self._estimate(best), tie, best))
        return math.inf

    def _measured(self, client: str, seconds: float) -> None:
        """Fold one analysis's service time into its client's and everybody's. Under `_cond`."""
        mine = self._service.pop(client, None)
        self._service[client] = seconds if mine is None else mine + SERVICE_WEIGHT * (seconds - mine)
        while len(self._service) > SERVICE_CLIENTS:
            self._service.popitem(last=False)
        everyone = self._service_all
        self._service_all = (
            seconds if everyone is None else everyone + SERVICE_WEIGHT_ALL * (seconds - everyone)
        )

    def _withdraw(self, task: _Task) -> None:
        with self._cond:
            queue = self._flows if task.lane == "flows" else self._analyses.get(task.client, deque())
            if task in queue:
                queue.remove(task)
                if not queue and task.lane == "analysis":
                    self._analyses.pop(task.client, None)
                if task.future.set_running_or_notify_cancel():
                    task.future.set_exception(Cancelled("the request gave up before its computation started"))

    def _pick(self) -> _Task | None:
        """The next analysis: the oldest waiting question of a client under its running cap."""
        best: str | None = None
        for client, queue in self._analyses.items():
            if self._running[client] >= self.client_running:
                continue
            if best is None or queue[0].seq < self._analyses[best][0].seq:
                best = client
        if best is None:
            return None
        task = self._analyses[best].popleft()
        if not self._analyses[best]:
            del self._analyses[best]
        self._running[best] += 1
        return task

    def _next(self, flows_only: bool, index: int = -1) -> _Task | None:
        """The next task for worker `index` (None: the pool is closing); waits for one."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                task = None
                if self._flows:
                    task = self._flows.popleft()
                elif not flows_only:
                    task = self._pick()
                if task is not None:
                    self._busy[index] = _Busy(task, time.monotonic())
                    return task
                self._cond.wait()

    def _finished(self, task: _Task, index: int = -1) -> None:
        with self._cond:
            busy = self._busy.pop(index, None)
            if task.lane != "analysis":
                return
            if busy is not None and busy.sent:
                self._measured(task.client, (busy.ended or time.monotonic()) - busy.started)
            self._running[task.client] -= 1
            if self._running[task.client] <= 0:
                del self._running[task.client]
            self._cond.notify_all()

    def _mark(self, index: int, *, sent: bool = False, ended: bool = False) -> None:
        """Note that worker `index`'s task reached its process, or ended (it was killed)."""
        with self._cond:
            busy = self._busy.get(index)
            if busy is not None:
                if sent:  # its service time starts now (not while a dead worker was replaced)
                    busy.sent, busy.started = True, time.monotonic()
                if ended:
                    busy.ended = time.monotonic()

    def _spawn(self, index: int | None = None) -> tuple[Any, Connection]:
        """Start a worker process (worker `index`'s replacement, if given) and wait for its word."""
        started = time.monotonic()
        if index is not None:
            with self._cond:
                self._starting[index] = started
        try:
            proc, conn = self._start_process(index)
        finally:
            with self._cond:
                self._starting.pop(index, None)  # type: ignore[arg-type]
        took = time.monotonic() - started
        with self._cond:
            recent = self._spawn_seconds + SERVICE_WEIGHT * (took - self._spawn_seconds)
            self._spawn_seconds = max(took, recent)  # a slow start counts at once
        return proc, conn

    def _start_process(self, index: int | None) -> tuple[Any, Connection]:
        mine, theirs = self._ctx.Pipe()
        nice = ANALYSIS_NICE if self.workers > 1 and index in self._analysis_workers else 0
        proc = self._ctx.Process(
            target=_worker,
            args=(theirs, str(self.path), self.obs_class, os.getpid(), nice),
            name="corridor-compute",
            daemon=True,
        )
        try:
            proc.start()
            theirs.close()
            if not mine.poll(START_SECONDS) or mine.recv() != "ready":  # its imports are done
                raise EOFError(f"no word from the worker in {START_SECONDS} s")
        except Exception as exc:  # e.g. an Observatory class the worker cannot import
            mine.close()
            theirs.close()
            if proc.pid is not None:
                proc.kill()
                proc.join(timeout=5)
            raise WorkerStopped(f"a compute worker did not start: {type(exc).__name__}: {exc}") from None
        return proc, mine

    def _kill(self, index: int, conn: Connection | None) -> None:
        proc = self._procs[index]
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
        if conn is not None:
            conn.close()

    def _replace(self, index: int) -> Connection | None:
        """Start worker `index` again now (this dispatcher takes no task meanwhile; the others do)."""
        try:
            proc, conn = self._spawn(index)
        except WorkerStopped as exc:
            log.warning("compute worker %d: %s", index, exc)
            return None  # the next task tries again
        self._procs[index] = proc
        return conn

    def _serve(self, index: int) -> None:
        """One worker's dispatcher thread: hand it tasks one at a time, restart it if it dies."""
        flows_only = self.workers > 1 and index == 0
        conn: Connection | None = None
        try:
            proc, conn = self._spawn(index)
            self._procs[index] = proc
        except WorkerStopped as exc:
            self._failed.append(str(exc))
        finally:
            with contextlib.suppress(threading.BrokenBarrierError):
                self._ready.wait(timeout=START_SECONDS + 5)
        while (task := self._next(flows_only, index)) is not None:
            try:
                conn = self._run(index, conn, task)
            finally:
                self._finished(task, index)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()

    def _run(self, index: int, conn: Connection | None, task: _Task) -> Connection | None:
        """Run one task on worker `index`; the connection to use next (None: start a new worker)."""
        if not task.future.set_running_or_notify_cancel():
            return conn
        if task.cancel is not None and task.cancel.is_set():
            task.future.set_exception(Cancelled("the request gave up before its computation started"))
            return conn
        try:
            if conn is None or not self._procs[index].is_alive():  # died while idle (out of memory)
                if conn is not None:
                    conn.close()
                proc, conn = self._spawn(index)
                self._procs[index] = proc
            self._mark(index, sent=True)
            conn.send((task.key, task.fn, task.args))
            while not conn.poll(POLL):
                if task.cancel is not None and task.cancel.is_set():
                    log.warning("compute worker %d: its request gave up; stopping it", index)
                    self._mark(index, ended=True)
                    self._kill(index, conn)
                    self.killed += 1
                    task.future.set_exception(Cancelled("the computation was stopped: its request gave up"))
                    return self._replace(index)
            status, value, remote = conn.recv()
        except WorkerStopped as exc:  # could not start a new one: this question fails, the next retries
            task.future.set_exception(exc)
            return None
        except (EOFError, OSError) as exc:
            log.warning("compute worker %d stopped (%s); starting another", index, exc)
            task.future.set_exception(WorkerStopped("the computation stopped the worker process"))
            if conn is not None:
                conn.close()
            return None
        except Exception as exc:  # the task could not be sent (an argument that does not pickle)
            task.future.set_exception(ComputeError(f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            return conn
        if status == "error":
            task.future.set_exception(value)
        elif status == "bug":
            task.future.set_exception(ComputeError(value, remote))
        elif status == STALE:
            task.future.set_exception(Stale())
        else:
            task.future.set_result(value)
        return conn

    def close(self) -> None:
        """Stop the workers; questions still waiting are answered with an error."""
        with self._cond:
            self._closed = True
            waiting = [*self._flows, *(t for q in self._analyses.values() for t in q)]
            self._flows.clear()
            self._analyses.clear()
            self._cond.notify_all()
        for task in waiting:
            if task.future.set_running_or_notify_cancel():
                task.future.set_exception(RuntimeError("the server is shutting down"))
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=10)
        for proc in self._procs:
            if proc is not None:
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
                    proc.join(timeout=5)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and the soak's memory count)."""
        return [p.pid for p in self._procs if p is not None and p.is_alive()]


def pool() -> ComputePool | None:
    """The compute pool of the app answering the current request (None: no pool, or no request)."""
    ctx = current()
    state = getattr(getattr(ctx, "app", None), "state", None)
    return getattr(state, "compute", None)


def run(version: Version, obs: Any, fn: Callable[..., Any], *args: Any, lane: Lane = "analysis") -> Any:
    """`fn(obs, *args)` for the current request: in the app's worker pool (on exactly `version`'s
    file state) when it has one, else here on `obs`. `fn` must be a module-level function."""
    workers = pool()
    ctx = current()
    if workers is not None and ctx is not None:
        try:
            return workers.call(
                version.key, fn, args, lane=lane, client=ctx.client, cancel=ctx.cancel, deadline=ctx.deadline
            )
        except Stale:
            pass  # the file changed since the lease: answer from the server's own version
    return fn(obs, *args)


# ----------------------------------------------------------------------------- in the worker


def _worker(conn: Connection, path: str, obs_class: type, parent: int, nice: int = 0) -> None:
    """A worker process: answer (file key, function, args) messages until told to stop."""
    die_with_parent(parent)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    from corridor.web import api  # noqa: F401 - load what the usual tasks need before saying ready

    gc.freeze()  # the modules just loaded live for good: the collector need not walk them again
    conn.send("ready")
    opened: dict[FileKey, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # a task whose function does not load here
            conn.send(("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            continue
        if message is None:
            return
        key, fn, args = message
        try:
            obs = _observatory(opened, Path(path), obs_class, key)
            if obs is None:
                conn.send((STALE, None, ""))
                continue
            value = fn(obs, *args)
        except CorridorError as exc:  # the request's error, raised again in the server
            conn.send(("error", _portable(exc), ""))
            continue
        except Exception as exc:  # a bug: its traceback goes to the server's log
            conn.send(("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            continue
        try:
            conn.send(("ok", value, ""))
        except Exception as exc:  # an answer that does not pickle is a bug too
            conn.send(("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc()))


def _observatory(opened: dict[FileKey, Any], path: Path, obs_class: type, key: FileKey) -> Any:
    """An Observatory on exactly file state `key`, or None if the file is no longer in it."""
    if key in opened:
        return opened[key]
    if file_key(path) != key:
        return None
    obs = open_observatory(path, obs_class)
    if file_key(path) != key:  # replaced while we opened it: we may hold the newer state
        obs.con.close()
        return None
    for old in opened.values():  # only the newest state is asked for from now on
        with contextlib.suppress(Exception):
            old.con.close()
    opened.clear()
    opened[key] = obs
    return obs


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives pickling (Corridor's errors do), else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return ComputeError(f"{type(exc).__name__}: {exc}")
    return exc

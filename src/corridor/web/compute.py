"""New questions answered in worker processes, apart from the server's event loop.

Why: a forecast or an indicators panel holds Python's interpreter lock for tens of
milliseconds; computed on a thread of the server process, it delays every cached answer the
event loop is sending, and a new flows question waits behind it. In worker processes the
operating system shares the cores instead, and the event loop only sends answers.

Flows questions are interactive and cheap (about 8 ms), analyses are not (a forecast takes
50 ms to 2 s), so they are queued apart: the first worker answers flows questions only, the
others take a waiting flows question before any analysis. One worker takes both, flows first.

Each worker opens the warehouse file itself and answers only for the exact state of the file
the request leased (device, inode, mtime, size). If the file was replaced in between, the
worker says so and the request is answered in the server process from its own leased version,
as without workers: no answer ever mixes two warehouse states.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import pickle
import signal
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from corridor.processes import die_with_parent
from corridor.web.state import FileKey, file_key, open_observatory

log = logging.getLogger("corridor.web")

Kind = Literal["flows", "verb"]
STALE = "stale"  # the worker could not open the state of the file the request leased
START_SECONDS = 120  # a worker that has not finished its imports by then is given up


@dataclass(eq=False)
class _Task:
    key: FileKey
    kind: Kind
    args: tuple[Any, ...]
    future: Future[bytes | None] = field(default_factory=Future)


class WorkerStopped(RuntimeError):
    """A compute worker process ended while answering (killed, or out of memory): a 503."""


class ComputePool:
    """Worker processes that answer new API questions as JSON bytes (see the module doc)."""

    def __init__(self, path: str | Path, obs_class: type, workers: int) -> None:
        if workers < 1:
            raise ValueError("a compute pool needs at least one worker")
        if obs_class.__module__ == "__main__":  # a spawned process cannot import it by name
            raise ValueError(
                f"{obs_class.__qualname__} is defined in __main__; worker processes cannot load it"
            )
        self.path = Path(path).resolve()
        self.obs_class = obs_class
        self.workers = workers
        self._cond = threading.Condition()
        self._flows: deque[_Task] = deque()
        self._analyses: deque[_Task] = deque()
        self._closed = False
        self._ctx = mp.get_context("spawn")  # the server runs threads: never fork it
        self._procs: list[Any] = [None] * workers
        self._threads = [
            threading.Thread(target=self._serve, args=(i,), name=f"corridor-compute-{i}", daemon=True)
            for i in range(workers)
        ]
        self._ready = threading.Barrier(workers + 1)
        self._failed: list[str] = []

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

    def answer(self, key: FileKey, kind: Kind, args: tuple[Any, ...]) -> bytes | None:
        """The JSON answer computed by a worker for file state `key` (None: that state is gone).

        Blocks the calling thread (not the event loop) until a worker has answered; an error the
        computation raised (a bad request) is raised here as it was there.
        """
        task = _Task(key, kind, args)
        with self._cond:
            if self._closed:
                raise RuntimeError("the compute pool is closed")
            (self._flows if kind == "flows" else self._analyses).append(task)
            self._cond.notify_all()
        return task.future.result()

    def _next(self, flows_only: bool) -> _Task | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._flows:
                    return self._flows.popleft()
                if self._analyses and not flows_only:
                    return self._analyses.popleft()
                self._cond.wait()

    def _spawn(self) -> tuple[Any, Connection]:
        mine, theirs = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker,
            args=(theirs, str(self.path), self.obs_class, os.getpid()),
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

    def _serve(self, index: int) -> None:
        """One worker's dispatcher thread: hand it tasks one at a time, restart it if it dies."""
        flows_only = self.workers > 1 and index == 0
        conn: Connection | None = None
        try:
            proc, conn = self._spawn()
            self._procs[index] = proc
        except WorkerStopped as exc:
            self._failed.append(str(exc))
        finally:
            with contextlib.suppress(threading.BrokenBarrierError):
                self._ready.wait(timeout=START_SECONDS + 5)
        while (task := self._next(flows_only)) is not None:
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                if conn is None or not self._procs[index].is_alive():  # died while idle (out of memory)
                    if conn is not None:
                        conn.close()
                    proc, conn = self._spawn()
                    self._procs[index] = proc
                conn.send((task.key, task.kind, task.args))
                status, value = conn.recv()
            except WorkerStopped as exc:  # could not start a new one: this question fails, the next retries
                task.future.set_exception(exc)
                conn = None
                continue
            except (EOFError, OSError) as exc:
                log.warning("compute worker %d stopped (%s); starting another", index, exc)
                task.future.set_exception(WorkerStopped("the computation stopped the worker process"))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            if status == "error":
                task.future.set_exception(value)
            else:
                task.future.set_result(value if status == "ok" else None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()

    def close(self) -> None:
        """Stop the workers; questions still waiting are answered with an error."""
        with self._cond:
            self._closed = True
            waiting = [*self._flows, *self._analyses]
            self._flows.clear()
            self._analyses.clear()
            self._cond.notify_all()
        for task in waiting:
            if task.future.set_running_or_notify_cancel():
                task.future.set_exception(RuntimeError("the server is shutting down"))
        for thread in self._threads:
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


# ----------------------------------------------------------------------------- in the worker


def _worker(conn: Connection, path: str, obs_class: type, parent: int) -> None:
    """A worker process: answer (file key, kind, args) messages until told to stop."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    from corridor.web import api, verbs
    from corridor.web.results import show

    conn.send("ready")
    opened: dict[FileKey, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, kind, args = message
        try:
            obs = _observatory(opened, Path(path), obs_class, key)
            if obs is None:
                conn.send((STALE, None))
                continue
            if kind == "flows":
                kwargs, csv_url = args
                shown = show(obs.flows(**kwargs))
            else:
                name, kwargs, csv_url = args
                verb = verbs.available(obs_class)[name]
                shown = show(verbs.call(obs, verb, kwargs), note=verb.note)
            conn.send(("ok", api.dumps(shown.payload(csv_url=csv_url))))
        except Exception as exc:  # the request's error, raised again in the server
            conn.send(("error", _portable(exc)))


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
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

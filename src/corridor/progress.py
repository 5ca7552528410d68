"""Progress bars for long runs: shown on a terminal after about two seconds, silent when piped.

Any CLI verb that can run longer than ~2 s wraps its work in `bar` (or iterates with `track`):

    with progress.bar("Backtest", total=len(origins)) as b:
        for origin in origins:
            ...
            b.advance(note=str(origin))

    for run in progress.track(runs, "Simulating"):
        ...

A bar with `total=None` pulses and shows the elapsed time. Nothing is drawn when stderr is not a
terminal (pipes, CI, tests), and nothing is drawn for work that ends before `delay` seconds, so
short runs never flicker. The bar writes to stderr only and never captures stdout, so data piped
from stdout (`--format csv > file`) stays clean. It disappears when the work ends.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["DELAY_S", "Bar", "bar", "enabled", "track"]

T = TypeVar("T")

DELAY_S = 2.0  # work shorter than this shows nothing


def enabled(stream: TextIO | None = None) -> bool:
    """Whether a bar should be drawn on `stream` (default stderr): only when it is a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Bar:
    """The handle a `bar` block gets: advance it, or change its total or note."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self._progress = progress
        self._task = task

    def advance(self, steps: float = 1, *, note: str | None = None) -> None:
        """Count `steps` more units done; `note` replaces the text shown after the bar."""
        if self._progress is None or self._task is None:
            return
        if note is None:
            self._progress.advance(self._task, steps)
        else:
            self._progress.update(self._task, advance=steps, note=note)

    def update(
        self, *, completed: float | None = None, total: float | None = None, note: str | None = None
    ) -> None:
        """Set how much is done, the total (once known) or the note."""
        if self._progress is None or self._task is None:
            return
        if note is None:  # rich keeps the task's note unless one is passed
            self._progress.update(self._task, completed=completed, total=total)
        else:
            self._progress.update(self._task, completed=completed, total=total, note=note)


@contextmanager
def bar(
    description: str,
    *,
    total: float | None = None,
    delay: float = DELAY_S,
    console: Console | None = None,
) -> Iterator[Bar]:
    """A progress bar for the block, drawn on stderr once the block has run `delay` seconds.

    `console` draws on another console (tests pass one with `force_terminal=True`); without it
    the bar is drawn only when stderr is a terminal.
    """
    if console is None:
        if not enabled():
            yield Bar()
            return
        console = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if total is not None else TextColumn(""),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=True,
        # Never take over stdout: it may carry the verb's data into a pipe or a file.
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task = progress.add_task(description, total=total, note="")
    lock = threading.Lock()
    state = {"started": False, "closed": False}

    def start() -> None:
        with lock:
            if not state["closed"]:
                progress.start()
                state["started"] = True

    timer = threading.Timer(max(delay, 0.0), start)
    timer.daemon = True
    timer.start()
    try:
        yield Bar(progress, task)
    finally:
        timer.cancel()
        with lock:
            state["closed"] = True
            if state["started"]:
                progress.stop()


def track(
    items: Iterable[T],
    description: str,
    *,
    total: int | None = None,
    delay: float = DELAY_S,
    console: Console | None = None,
) -> Iterator[T]:
    """Yield `items`, advancing a bar by one per item (`total` defaults to `len(items)` if known)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with bar(description, total=total, delay=delay, console=console) as b:
        for item in items:
            yield item
            b.advance()

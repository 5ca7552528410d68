"""Helpers for Corridor's worker processes (sync parsers, the web app's compute workers)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal


def die_with_parent(parent: int | None) -> None:
    """In a worker: ask Linux to kill this process when its parent dies (e.g. a sync or a server
    killed with SIGKILL), so no worker is left waiting for work forever."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request above took effect

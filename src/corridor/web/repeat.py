"""Repeated API questions answered before routing, from the exact query string of an answer given.

Why: most requests repeat a question (9 in 10 in the soak), and their answer is already cached
per warehouse version; but FastAPI still parsed and validated the query string into the
endpoint's parameter model for each one, which profiling (issue 19) found to be about two
thirds of the server's time for such a request. Validation depends on the text of the query
alone, so a query string that was validated and answered once maps to the same cache key for
good: `Repeats` remembers that key, and `RepeatMiddleware` looks the answer up before routing.

The middleware sits inside the Host check and `corridor.web.security.Limits` (security headers,
size and time limits, request id), so every protection still applies to a repeated question.
A query string never answered, or whose answer is no longer cached (evicted, or a new warehouse
version), goes the usual way. Only successful answers are remembered: an error is re-validated
every time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from corridor.web.security import ASGIApp, Receive, Scope, Send
from corridor.web.state import Version, WarehouseState

MAX_REMEMBERED = 2048  # query strings remembered (each at most security.MAX_QUERY bytes)


class Repeats:
    """The cache key of each (path, raw query string) of a JSON API answer given, least recently
    used out first. Used from the event loop only (endpoints record after answering)."""

    def __init__(self, size: int = MAX_REMEMBERED) -> None:
        self.size = size
        self._keys: OrderedDict[tuple[str, bytes], Any] = OrderedDict()

    def remember(self, request: Request, key: Any) -> None:
        """Record that `request`'s path and query string were answered under cache key `key`."""
        if self.size <= 0:
            return
        target = (request.scope["path"], request.scope.get("query_string", b""))
        self._keys[target] = key
        self._keys.move_to_end(target)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def key(self, path: str, query: bytes) -> Any:
        """The cache key of an answer given for exactly this path and query string (None: none)."""
        key = self._keys.get((path, query))
        if key is not None:
            self._keys.move_to_end((path, query))
        return key

    def __len__(self) -> int:
        return len(self._keys)


def remember(request: Request, key: Any) -> None:
    """Record `request` as answered under `key` in its app's `Repeats` (if it has one)."""
    repeats = getattr(request.app.state, "repeats", None)
    if repeats is not None:
        repeats.remember(request, key)


class RepeatMiddleware:
    """ASGI middleware: a GET whose exact path and query string were answered before, and whose
    answer the current warehouse version still caches, is answered here without routing."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        warehouse: WarehouseState,
        repeats: Repeats,
        respond: Callable[[bytes, Version], Response],
    ) -> None:
        self.app = app
        self.warehouse = warehouse
        self.repeats = repeats
        self.respond = respond  # (body, version) -> Response: the endpoints' own JSON response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            key = self.repeats.key(scope["path"], scope.get("query_string", b""))
            if key is not None:
                hit = self.warehouse.hit(key)
                if hit is not None:
                    await self.respond(hit[1], hit[0])(scope, receive, send)
                    return
        await self.app(scope, receive, send)

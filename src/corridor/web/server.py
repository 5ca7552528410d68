"""Connection guards for `corridor serve`: uvicorn's HTTP/1.1 protocol with a header time limit
and caps on connections, so slow or greedy clients cannot lock others out.

uvicorn closes an idle keep-alive connection (`timeout_keep_alive`), but a request whose
headers arrive one line every few seconds holds its connection for as long as the client
likes, and uvicorn counts it against `limit_concurrency`: 300 such sockets turned every other
client away. Here:

- a request's headers must be complete within `header_timeout` seconds of its first byte (or
  of the connection opening); otherwise the server answers 408 and closes the connection;
- one client address holds at most `client_connections` connections; more are answered 503
  and closed at once, before they are read;
- the server holds at most `connections` connections in all (the same answer beyond that).

The settings come from the environment that `corridor serve` sets (so that every server
process of `--workers N` reads the same): CORRIDOR_SERVE_HEADER_TIMEOUT,
CORRIDOR_SERVE_CLIENT_CONNECTIONS and CORRIDOR_SERVE_CONNECTIONS.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds for a request's headers to arrive
CLIENT_CONNECTIONS = 64  # connections one client address may hold open
CONNECTIONS = 1000  # connections the server holds open in all
PROTOCOL = "corridor.web.server:GuardedH11Protocol"  # what `corridor serve` hands uvicorn as `http`

log = logging.getLogger("corridor.web")


def _answer(status: bytes, message: bytes, extra: bytes = b"") -> bytes:
    """A whole HTTP/1.1 answer that closes the connection (sent before h11 has read a request)."""
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n" + extra
        + b"connection: close\r\ncontent-length: " + str(len(message)).encode() + b"\r\n\r\n" + message
    )  # fmt: skip


_REFUSED = _answer(
    b"503 Service Unavailable", b"too many connections from this address\n", b"retry-after: 5\r\n"
)
_TOO_SLOW = _answer(b"408 Request Timeout", b"the request headers took too long\n")


def settings() -> tuple[float, int, int]:
    """(header timeout, connections per client, connections in all) from the environment."""
    env = os.environ
    return (
        float(env.get("CORRIDOR_SERVE_HEADER_TIMEOUT", HEADER_TIMEOUT)),
        int(env.get("CORRIDOR_SERVE_CLIENT_CONNECTIONS", CLIENT_CONNECTIONS)),
        int(env.get("CORRIDOR_SERVE_CONNECTIONS", CONNECTIONS)),
    )


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header time limit and per-client and total connection caps."""

    open_by_client: ClassVar[Counter[str]] = Counter()  # this process's connections, by address
    refused: ClassVar[int] = 0
    timed_out: ClassVar[int] = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.client_connections, self.max_connections = settings()
        self._counted: str | None = None
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else ""
        cls = GuardedH11Protocol
        if (
            cls.open_by_client[host] >= self.client_connections
            or len(self.connections) > self.max_connections
        ):
            cls.refused += 1
            if cls.refused == 1 or cls.refused % 100 == 0:
                log.warning(
                    "refused connection from %s (%d refused so far): too many open", host, cls.refused
                )
            transport.write(_REFUSED)
            transport.close()
            return
        cls.open_by_client[host] += 1
        self._counted = host
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted is not None:
            counts = GuardedH11Protocol.open_by_client
            counts[self._counted] -= 1
            if counts[self._counted] <= 0:
                del counts[self._counted]
            self._counted = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._counted is None or self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:  # the headers of a request are not complete yet
            if self._header_timer is None:
                self._arm()
        else:
            self._disarm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a response is still being sent on this connection
        GuardedH11Protocol.timed_out += 1
        self.transport.write(_TOO_SLOW)
        self.transport.close()

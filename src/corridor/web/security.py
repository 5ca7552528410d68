"""Security headers, request limits and request ids, as one small ASGI middleware around the app.

Every response gets a Content-Security-Policy that allows no remote source (the page loads
only its own scripts, styles and data), nosniff, no referrer and no framing, and an
`X-Request-Id`. Requests with a body, an oversized URL or headers are refused early. An answer
slower than the time limit is a 503, and its computation is cancelled (`RequestContext.cancel`:
the compute pool kills the worker that runs it). An exception that is not a Corridor error is
a bug: it is logged with its traceback and the request id, and answered with a 500 that names
the id and nothing else. Every header value Corridor sets goes through `header_value`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import html
import json
import logging
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("corridor.web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

MAX_QUERY = 4096  # bytes of query string
MAX_HEADER_VALUE = 400  # characters of a header value Corridor writes (captions are cut at a word)

# Typographic characters that have a plain ASCII spelling (the rest of non-ASCII is dropped).
_ASCII = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
        "\u00d7": "x", "\u2026": "...", "\u2192": "->", "\u2264": "<=", "\u2265": ">=",
        "\u00b1": "+/-", "\u00b7": "-", "\u2022": "-", "\u00ab": '"', "\u00bb": '"',
    }
)  # fmt: skip


def header_value(text: object, *, limit: int = MAX_HEADER_VALUE) -> str:
    """`text` as a valid HTTP header value: ASCII, no control characters, single spaces, no space
    at either end, at most `limit` characters (cut at a word boundary, marked with "...").

    HTTP servers refuse header values that end in a space or hold control or non-ASCII bytes,
    and then close the connection without an answer; every header Corridor writes comes here.
    Each distinct value is cleaned once (most are the same on every response: the warehouse tag).
    """
    return _header_value(str(text), limit)


@functools.lru_cache(maxsize=1024)
def _header_value(text: str, limit: int) -> str:
    s = unicodedata.normalize("NFKD", str(text).translate(_ASCII))
    s = "".join(c for c in s if not unicodedata.combining(c)).translate(_ASCII)
    s = re.sub(r"\s", " ", s)  # any Unicode space or line break (U+0085, U+2028, ...) stays a space
    s = s.encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[\x00-\x20\x7f]+", " ", s).strip()
    if len(s) <= limit:
        return s
    room = max(limit - 3, 0)
    head = s[: room + 1]  # one character more than fits: a space there is a word boundary too
    head = head[: head.rindex(" ")] if " " in head else head[:room]
    head = head.rstrip(" ,;:-") or s[:room].rstrip()
    return (head + "...")[:limit]


_CANCEL_LOCK = threading.Lock()


class CancelEvent(threading.Event):
    """A threading.Event that also calls back when it is set, so that a thread waiting for a
    computation can block until it is answered instead of waking every 0.1 s to look at the event
    (forty such threads took the interpreter lock from the event loop 400 times a second)."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []
        self._callbacks_lock = threading.Lock()

    def add_callback(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call `fn` once when the event is set (at once if it is set already); returns a function
        that takes the callback back."""
        with self._callbacks_lock:
            if not self.is_set():
                self._callbacks.append(fn)
                return functools.partial(self._discard, fn)
        fn()
        return lambda: None

    def _discard(self, fn: Callable[[], None]) -> None:
        with self._callbacks_lock, contextlib.suppress(ValueError):
            self._callbacks.remove(fn)

    def set(self) -> None:
        super().set()
        with self._callbacks_lock:
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            try:
                fn()
            except Exception:  # one failing callback must not keep the others from running
                log.exception("a cancellation callback failed")


@dataclass
class RequestContext:
    """What the code answering one request may need to know about it, without the request object:
    its id, who asked (the client's address), whether it was given up (timed out), when it will
    be (`deadline`, on the `time.monotonic` clock; None: no time limit), and the app."""

    id: str
    client: str
    app: Any = None
    deadline: float | None = None
    _cancel: CancelEvent | None = field(default=None, repr=False)

    @property
    def cancel(self) -> CancelEvent:
        """Set when the request is given up. Made when first asked for (by a computation, or at
        the time limit), not for each request: most are answered from the cache."""
        event = self._cancel
        if event is None:
            with _CANCEL_LOCK:  # a worker thread and the event loop may ask at once
                if self._cancel is None:
                    self._cancel = CancelEvent()
                event = self._cancel
        return event


CURRENT: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "corridor_request", default=None
)


def current() -> RequestContext | None:
    """The request being answered on this thread or task (None outside a request)."""
    return CURRENT.get()


def new_request_id() -> str:
    """A short random id that names one request in the log and in its answer."""
    return secrets.token_hex(6)


MAX_BODY = 16 * 1024  # the app is read-only: GETs carry no body
MAX_HEADERS = 32 * 1024


class Limits:
    """ASGI middleware: security headers on every response; size and time limits on requests."""

    def __init__(self, app: ASGIApp, *, timeout: float = 30.0) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        client = scope.get("client") or ("unknown", 0)
        ctx = RequestContext(
            id=new_request_id(),
            client=str(client[0]),
            app=scope.get("app"),
            deadline=time.monotonic() + self.timeout,
        )
        rid = ctx.id.encode()

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in HEADERS if k not in names),
                    *([] if b"x-request-id" in names else [(b"x-request-id", rid)]),
                ]
            await send(message)

        answer = functools.partial(_error, api=_is_api(scope))  # people get a page, programs JSON
        refusal = self._refuse(scope)
        if refusal is not None:
            await answer(send_with_headers, *refusal)
            return
        token = CURRENT.set(ctx)
        try:
            # asyncio.timeout, not wait_for: no second task (and loop turn) for every request.
            async with asyncio.timeout(self.timeout):
                await self.app(scope, receive, send_with_headers)
        except TimeoutError:
            ctx.cancel.set()  # the computation behind it stops (see corridor.web.compute)
            log.warning("request %s timed out after %.0f s: %s", ctx.id, self.timeout, scope.get("path"))
            if not started:
                await answer(
                    send_with_headers,
                    503,
                    f"the answer took longer than {self.timeout:.0f} s: the server is busy or the question "
                    "is large; try again in a minute, or ask a narrower question",
                    [(b"retry-after", b"5")],
                )
        except Exception as exc:  # a bug: log it with its id, answer with the id, never a traceback
            remote = getattr(exc, "remote_traceback", "")
            log.exception(
                "request %s: unhandled error on %s%s",
                ctx.id,
                scope.get("path"),
                f"\n{remote}" if remote else "",
            )
            if not started:
                await answer(
                    send_with_headers,
                    500,
                    f"internal error: Corridor could not answer this request (request id {ctx.id}); "
                    "it has been logged",
                    None,
                    {"request_id": ctx.id},
                )
        finally:
            CURRENT.reset(token)

    @staticmethod
    def _refuse(scope: Scope) -> tuple[int, str] | None:
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            return 414, f"the query string is longer than {MAX_QUERY} bytes"
        size = sum(len(k) + len(v) for k, v in scope.get("headers", []))
        if size > MAX_HEADERS:
            return 431, f"the request headers are larger than {MAX_HEADERS} bytes"
        for key, value in scope.get("headers", []):
            if key == b"content-length" and (not value.isdigit() or int(value) > MAX_BODY):
                return 413, f"request bodies are limited to {MAX_BODY} bytes"
            if key == b"transfer-encoding" and b"chunked" in value.lower():
                return 411, "chunked request bodies are not accepted"
        return None


class HostCheck:
    """ASGI middleware: a request whose Host header names none of `hosts` gets 400 (a page on
    another site that points its own name at this server: DNS rebinding).

    Names compare without the port and case; "*" allows any Host, "*.example.org" any name
    under example.org. Each Host value seen is judged once and then looked up (one dict lookup
    per request; at most `MEMO` values are remembered)."""

    MEMO = 256

    def __init__(self, app: ASGIApp, *, hosts: Sequence[str]) -> None:
        names = [h.strip().lower() for h in hosts if h.strip()]
        for name in names:
            if "*" in name[1:] or (name.startswith("*") and name != "*" and not name.startswith("*.")):
                raise ValueError(f"a Host pattern is a name, '*' or '*.domain', not {name!r}")
        self.app = app
        self.any = "*" in names
        self.names = frozenset(n for n in names if not n.startswith("*"))
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))
        self._judged: dict[bytes, bool] = {}

    def allows(self, raw: bytes) -> bool:
        """Whether a Host header value (as sent, port included) names this server."""
        ok = self._judged.get(raw)
        if ok is None:
            name = host_name(raw)
            ok = name is not None and (name in self.names or name.endswith(self.suffixes))
            if len(self._judged) >= self.MEMO:
                self._judged.clear()
            self._judged[raw] = ok
        return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = b""
        for key, value in scope.get("headers", ()):
            if key == b"host":
                raw = value
                break
        if self.allows(raw):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        refusal = "this server does not answer to the Host name in the request"
        await _error(send, 400, refusal, api=_is_api(scope))


def host_name(raw: bytes) -> str | None:
    """The name in a Host header value, lower case, without the port ("[::1]" keeps its brackets);
    None if it is not a host name."""
    text = raw.decode("latin-1").lower()
    if text.startswith("["):  # an IPv6 address: [::1] or [::1]:8000
        end = text.find("]")
        if end < 0 or (text[end + 1 :] and not _is_port(text[end + 1 :])):
            return None
        return text[: end + 1]
    name, colon, port = text.partition(":")
    if not _NAME.fullmatch(name) or (colon and not _digits(port)):
        return None
    return name


# What a host name may hold (RFC 3986 reg-name): nothing that could change a URL's path or authority.
_NAME = re.compile(r"[a-z0-9._~%!$&'()*+,;=-]+")


def _is_port(text: str) -> bool:
    return text.startswith(":") and _digits(text[1:])


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true


def _is_api(scope: Scope) -> bool:
    path = scope.get("path", "")
    return path.startswith("/api/v1") or path == "/openapi.json"


async def _error(
    send: Send,
    status: int,
    message: str,
    extra: list[tuple[bytes, bytes]] | None = None,
    fields: dict[str, Any] | None = None,
    *,
    api: bool,
) -> None:
    """An error answer: JSON for programs (`api`, with `fields`), else a plain page for people
    (this middleware sits outside the templates)."""
    if api:
        answer = {"detail": message, "suggestion": None, "hint": None, "details": [], **(fields or {})}
        await _send(send, status, json.dumps(answer).encode(), b"application/json", extra)
        return
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · Corridor</title>'
        '<link rel="stylesheet" href="/static/corridor.css"></head><body><main>'
        f"<h1>Error {status}</h1><p>{html.escape(message)}.</p>"
        '<p><a href="/">Corridor overview</a></p></main></body></html>'
    ).encode()
    await _send(send, status, body, b"text/html; charset=utf-8", extra)


async def _send(
    send: Send, status: int, body: bytes, media: bytes, extra: list[tuple[bytes, bytes]] | None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Security headers and request limits, as one small ASGI middleware around the whole app.

Every response gets a Content-Security-Policy that allows no remote source (the page loads
only its own scripts, styles and data), nosniff, no referrer and no framing. Requests with a
body, an oversized URL or headers, or an answer slower than the time limit are refused early.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
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

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in HEADERS if k not in names),
                ]
            await send(message)

        answer = _json if _is_api(scope) else _page  # people get a page, programs JSON
        refusal = self._refuse(scope)
        if refusal is not None:
            await answer(send_with_headers, *refusal)
            return
        try:
            await asyncio.wait_for(self.app(scope, receive, send_with_headers), self.timeout)
        except TimeoutError:
            log.warning("request timed out after %.0f s: %s", self.timeout, scope.get("path"))
            if not started:
                await answer(
                    send_with_headers,
                    503,
                    f"the answer took longer than {self.timeout:.0f} s; narrow the request and try again",
                    [(b"retry-after", b"5")],
                )
        except Exception as exc:  # a bug: log it once, answer with JSON, never a traceback page
            log.exception("unhandled error on %s", scope.get("path"))
            if not started:
                await answer(
                    send_with_headers, 500, f"internal error ({type(exc).__name__}); it has been logged"
                )

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


def _is_api(scope: Scope) -> bool:
    path = scope.get("path", "")
    return path.startswith("/api/v1") or path == "/openapi.json"


async def _json(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _send(send, status, json.dumps({"detail": message}).encode(), b"application/json", extra)


async def _page(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    """A plain error page, for people (this middleware sits outside the templates)."""
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

"""Repeated API questions are answered before routing (issue 19: the soak's per-request cost),
with every protection of a routed answer, and the Host check agrees with Starlette's.

A query string answered once maps to its cache key, so its next request skips FastAPI's
parameter parsing (about two thirds of a cached answer's server time in the profile). These
tests check that such an answer is the routed answer byte for byte, still passes the Host check
and gets the security headers and its own request id, is never an answer of an older warehouse
file, and that errors are never remembered. `HostCheck` replaced Starlette's
TrustedHostMiddleware (one dict lookup instead of a header parse per request); Starlette's
middleware is the oracle for its verdicts.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.middleware.trustedhost import TrustedHostMiddleware

from corridor.web import create_app
from corridor.web.app import LOOPBACK_HOSTS
from corridor.web.security import HostCheck
from tests.webkit import local

FLOWS = "/api/v1/flows?region=southwest&by=fiscal_year"
INDICATORS = "/api/v1/indicators?country=GTM,HND&indicator=wdi.homicide_rate"


@pytest.fixture
def client(warehouse: Path) -> Iterator[TestClient]:
    with local(create_app(db=warehouse, timeout=600)) as c:
        yield c


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose parameters FastAPI parsed (a request that went through routing)."""
    seen: list[str] = []
    real = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["request"].url.path)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return seen


def _same_answer(first: Any, second: Any) -> None:
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    skip = {"x-request-id", "date"}
    assert {k: v for k, v in first.headers.items() if k not in skip} == {
        k: v for k, v in second.headers.items() if k not in skip
    }
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("path", [FLOWS, INDICATORS])
def test_a_repeated_question_skips_routing_and_gets_the_same_answer(
    client: TestClient, routed: list[str], path: str
) -> None:
    first = client.get(path)
    assert len(routed) == 1  # the first time: parsed and validated
    second = client.get(path)
    assert len(routed) == 1, routed  # the same query string again: answered before routing
    _same_answer(first, second)
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert second.headers[name] == first.headers[name]
    # The same question spelled differently (a trailing "&") is parsed once, then also answered
    # before routing.
    respelled = path + "&"
    third = client.get(respelled)
    assert len(routed) == 2 and third.content == first.content
    client.get(respelled)
    assert len(routed) == 2


def test_a_repeated_question_still_passes_the_host_check(client: TestClient, warehouse: Path) -> None:
    assert client.get(FLOWS).status_code == 200
    app = client.app
    with TestClient(app, base_url="http://rebind.attacker.example") as foreign:
        answer = foreign.get(FLOWS)
        assert answer.status_code == 400 and "encounters" not in answer.text
        assert answer.headers["content-security-policy"]


def test_errors_are_not_remembered(client: TestClient, routed: list[str]) -> None:
    bad = "/api/v1/flows?region=atlantis"
    for _ in range(2):
        assert client.get(bad).status_code == 422
    assert len(routed) == 2  # validated (and refused) each time
    assert len(client.app.state.repeats) == 0  # type: ignore[attr-defined]


def test_a_new_warehouse_file_is_never_answered_from_the_old_one(tmp_path: Path, warehouse: Path) -> None:
    db = tmp_path / "corridor.duckdb"
    shutil.copyfile(warehouse, db)
    with local(create_app(db=db, timeout=600)) as c:
        first = c.get(FLOWS)
        assert c.get(FLOWS).headers["x-corridor-warehouse"] == first.headers["x-corridor-warehouse"]
        stat = db.stat()
        os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # as a sync's rename would
        again = c.get(FLOWS)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["x-corridor-warehouse"] != first.headers["x-corridor-warehouse"]
        assert again.headers["x-corridor-warehouse"].startswith("2-")


# ----------------------------------------------------------------------------- the Host check


async def _status(app_class: Any, hosts: list[str], raw: bytes) -> int:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    if app_class is HostCheck:
        app = HostCheck(inner, hosts=hosts)
    else:
        app = TrustedHostMiddleware(inner, allowed_hosts=hosts, www_redirect=False)
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/v1/status", "query_string": b"",
             "headers": [(b"host", raw)] if raw is not None else [], "root_path": "",
             "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5555)}  # fmt: skip
    await app(scope, receive, send)
    return int(sent[0]["status"])


NAMES = ["localhost", "127.0.0.1", "[::1]", "dash.example.org", "example.org"]
HOST_LISTS = st.sampled_from(
    [list(LOOPBACK_HOSTS), [*LOOPBACK_HOSTS, "dash.example.org"], [*LOOPBACK_HOSTS, "*.example.org"], ["*"]]
)
ODD = ["LocalHost", "[::1", "::1", "evil.example", ".example.org", "a/b", " ", ":"]
PIECES = st.sampled_from([*NAMES, *ODD])
HOSTS = st.one_of(
    st.tuples(PIECES, st.one_of(st.just(""), st.integers(0, 99999).map(lambda p: f":{p}"))).map("".join),
    st.lists(PIECES, max_size=3).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=30),
)


@given(hosts=HOST_LISTS, host=HOSTS)
@settings(max_examples=400, deadline=None)
def test_host_check_agrees_with_starlette(hosts: list[str], host: str) -> None:
    raw = host.encode("latin-1")
    ours = asyncio.run(_status(HostCheck, hosts, raw))
    theirs = asyncio.run(_status(TrustedHostMiddleware, hosts, raw))
    assert ours == theirs, (hosts, host)


def test_host_check_examples() -> None:
    check = HostCheck(lambda *a: None, hosts=list(LOOPBACK_HOSTS))  # type: ignore[arg-type]
    for ok in (b"localhost", b"LOCALHOST:8000", b"127.0.0.1:80", b"[::1]:8000", b"[::1]"):
        assert check.allows(ok), ok
    for bad in (b"", b"evil.example", b"localhost.evil.example", b"127.0.0.1.nip.io", b"localhost:x",
                b"localhost:\xb2", b"[::1]x", b"localhost/x"):  # fmt: skip
        assert not check.allows(bad), bad
    with pytest.raises(ValueError):
        HostCheck(lambda *a: None, hosts=["a*.example.org"])  # type: ignore[arg-type]

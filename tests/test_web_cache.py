"""The web app's answer cache: bounded by entries and by bytes (least recently used out first),
used by the expensive endpoints (forecast, evaluate, drivers, simulations), computed once for
identical requests that arrive together, and invalidated by a real sync of the warehouse."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import corridor
from corridor import ingest
from corridor.errors import UsageError
from corridor.web import api, create_app, verbs
from corridor.web.results import show
from corridor.web.state import WarehouseState, weight
from tests.webkit import local

# One query per expensive verb, the page that shows it, and a change that makes it a new question.
EXPENSIVE = [
    ("forecast", {"region": "southwest", "horizon": "3"}, "/forecast", {"until": "2024-06"}),
    ("evaluate", {"policy": "venezuela_parole"}, "/evaluate", {"seed": "7"}),
    ("drivers", {"lag": "1"}, "/drivers", {"until": "2030"}),
    ("simulate_pathways", {"runs": "50", "seed": "1"}, "/simulate", {"seed": "7"}),
    ("simulate_backlog", {"judges_added": "100"}, "/simulate", {"until": "2030"}),
]


@pytest.fixture
def state(warehouse: Path) -> Iterator[Callable[..., WarehouseState]]:
    opened: list[WarehouseState] = []

    def make(**kwargs: Any) -> WarehouseState:
        opened.append(WarehouseState(warehouse, **kwargs))
        return opened[-1]

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count every verb computation (the real one runs)."""
    counted: Counter[str] = Counter()
    real = verbs.call

    def counting(obs: Any, verb: verbs.Verb, kwargs: Any) -> Any:
        counted[verb.name] += 1
        return real(obs, verb, kwargs)

    monkeypatch.setattr(verbs, "call", counting)
    return counted


@pytest.fixture
def stub_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count verb computations, answering each with a small table instead of running it."""
    counted: Counter[str] = Counter()

    def stub(obs: Any, verb: verbs.Verb, kwargs: Any) -> pd.DataFrame:
        counted[verb.name] += 1
        return pd.DataFrame({"verb": [verb.name], "n": [counted[verb.name]]})

    monkeypatch.setattr(verbs, "call", stub)
    return counted


def test_bounded_by_entries_least_recently_used_out(state: Callable[..., WarehouseState]) -> None:
    version = state(cache_size=3).current()
    computed: list[str] = []
    for key in ("a", "b", "c", "a", "d", "e", "a", "b"):
        version.cached(key, lambda key=key: computed.append(key) or key.encode())
        assert len(version.cache) <= 3
    # "a" was used again before "d" and "e" came, so "b" and "c" went first; "b" is recomputed.
    assert computed == ["a", "b", "c", "d", "e", "b"]
    assert list(version.cache) == ["e", "a", "b"]


def test_bounded_by_bytes(state: Callable[..., WarehouseState]) -> None:
    version = state(cache_size=100, cache_bytes=10_000).current()
    for key in "abcdef":
        version.cached(key, lambda: b"x" * 2000)
        assert version.cache_bytes <= 10_000
        assert version.cache_bytes == sum(size for _, size in version.cache.values())
    assert list(version.cache) == ["c", "d", "e", "f"]  # four of ~2 kB fit in 10 kB; oldest out first
    big = version.cached("big", lambda: b"y" * 4000)  # over a quarter of the bound: answered, not held
    assert len(big) == 4000 and "big" not in version.cache
    assert list(version.cache) == ["c", "d", "e", "f"]


def test_bound_counts_real_answers_honestly(state: Callable[..., WarehouseState]) -> None:
    """The byte bound is only as good as the weights: a real answer weighs at least its JSON."""
    with state().lease() as (_, obs):
        for result in (
            obs.forecast(region="southwest", horizon=3),
            obs.indicators(country="GTM,HND,SLV,MEX", indicator="wdi.homicide_rate"),
            obs.flows(region="southwest", by=["month", "citizenship"]),
        ):
            shown = show(result)
            body = api.dumps(shown.payload())
            assert weight(shown) >= len(body) > 1000
            assert weight((shown, result)) < 4 * weight(shown) + 20_000  # shared frames count once


@pytest.mark.parametrize(("name", "query", "page", "change"), EXPENSIVE, ids=[e[0] for e in EXPENSIVE])
def test_expensive_answers_are_cached(
    warehouse: Path,
    stub_calls: Counter[str],
    name: str,
    query: dict[str, str],
    page: str,
    change: dict[str, str],
) -> None:
    """JSON, CSV and page requests for the same question share one computation per warehouse version."""
    with local(create_app(db=warehouse, timeout=600)) as c:  # a busy machine is slow
        first = c.get(f"/api/v1/{name}", params=query)
        assert first.status_code == 200, first.text
        assert stub_calls[name] == 1
        again = c.get(f"/api/v1/{name}", params=query)
        assert again.content == first.content and stub_calls[name] == 1
        assert c.get(f"/api/v1/{name}.csv", params=query).status_code == 200
        assert c.get(page, params={"run": name, **query}).status_code == 200
        assert stub_calls[name] == 1
        other = {**query, **change}
        assert c.get(f"/api/v1/{name}", params=other).status_code == 200  # a new question computes
        assert stub_calls[name] == 2


def test_a_real_forecast_is_computed_once(warehouse: Path, calls: Counter[str]) -> None:
    query = {"region": "southwest", "by": "demographic", "horizon": "6"}
    with local(create_app(db=warehouse, timeout=600)) as c:  # a busy machine is slow
        bodies = []
        for _ in range(3):
            response = c.get("/api/v1/forecast", params=query)
            assert response.status_code == 200, response.text
            bodies.append(response.content)
        assert calls["forecast"] == 1
        assert bodies[0] == bodies[1] == bodies[2]
        assert len(response.json()["data"]) == 4 * 6  # four demographics, six months


def test_identical_concurrent_requests_compute_once(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight clients ask the same slow question at once: one computation, eight identical answers;
    an error is shared the same way (not recomputed eight times)."""
    counted: Counter[str] = Counter()
    lock = threading.Lock()

    def slow(obs: Any, verb: verbs.Verb, kwargs: Any) -> pd.DataFrame:
        with lock:
            counted[str(kwargs.get("horizon"))] += 1
        time.sleep(0.5)
        if kwargs.get("horizon") == 13:
            raise UsageError("no forecast for 13 months")
        return pd.DataFrame({"h": [kwargs.get("horizon")], "n": [sum(counted.values())]})

    monkeypatch.setattr(verbs, "call", slow)
    app = create_app(db=warehouse)

    async def ask(client: int, horizon: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(f"10.0.0.{client}", 1000))  # eight addresses
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            return await c.get("/api/v1/forecast", params={"horizon": horizon})

    async def burst(horizon: int) -> list[httpx.Response]:
        return list(await asyncio.gather(*(ask(n, horizon) for n in range(8))))

    try:
        answers = asyncio.run(burst(12))
        assert [r.status_code for r in answers] == [200] * 8
        assert len({r.content for r in answers}) == 1
        assert counted["12"] == 1
        failures = asyncio.run(burst(13))
        assert [r.status_code for r in failures] == [422] * 8
        assert all("13 months" in r.json()["detail"] for r in failures)
        assert counted["13"] == 1
        assert not app.state.warehouse.current().flights  # nothing left waiting
    finally:
        app.state.warehouse.close()


def test_a_new_sync_invalidates_the_cache(tmp_path: Path, data: Path, calls: Counter[str]) -> None:
    """Two real syncs (`--only cbp_sbo,ohss_usbp`, then `--only cbp_state`): after the second renames
    a new warehouse into place, no answer of the first is served, from the event loop or a thread.
    (Two datasets first: a warehouse with one encounter table trips a bug in reconcile._pairs.)"""
    db = tmp_path / "corridor.duckdb"
    ingest.sync(db=db, mirror=data, only=["cbp_sbo", "ohss_usbp"])
    flows_q = {"region": "southwest", "by": "fiscal_year"}
    forecast_q = {"region": "southwest", "horizon": "3"}
    app = create_app(db=db, timeout=600)
    with local(app) as c:
        before = c.get("/api/v1/flows", params=flows_q)
        assert c.get("/api/v1/flows", params=flows_q).content == before.content
        forecast_before = c.get("/api/v1/forecast", params=forecast_q)
        assert c.get("/api/v1/forecast", params=forecast_q).content == forecast_before.content
        assert calls["forecast"] == 1
        old = app.state.warehouse.current()
        assert old.cache

        ingest.sync(db=db, mirror=data, only=["cbp_state"])

        after = c.get("/api/v1/flows", params=flows_q)
        forecast_after = c.get("/api/v1/forecast", params=forecast_q)
        assert after.status_code == forecast_after.status_code == 200
        assert after.headers["x-corridor-warehouse"] != before.headers["x-corridor-warehouse"]
        assert forecast_after.headers["x-corridor-warehouse"] == after.headers["x-corridor-warehouse"]
        assert after.content != before.content and forecast_after.content != forecast_before.content
        assert calls["forecast"] == 2
        with corridor.open(db) as fresh:
            flows_now = fresh.flows(region="southwest", by=["fiscal_year"])
            forecast_now = fresh.forecast(region="southwest", horizon=3)
        assert after.json()["metadata"] == flows_now.metadata()
        assert [row["encounters"] for row in after.json()["data"]] == flows_now.tidy()["encounters"].tolist()
        assert forecast_after.json()["caption"] == show(forecast_now).caption
        assert old.retired and not old.cache  # the old version's answers are gone with it


def test_a_warmed_server_answers_its_first_visitor_from_the_cache(warehouse: Path) -> None:
    """`serve --warm` asks the pages once at start: the drivers page (which answered 503 to its
    first visitor on a loaded machine) is then served without computing the model again."""
    from corridor.observatory import Observatory
    from corridor.web.app import WARM_CLIENT
    from corridor.web.security import CURRENT

    calls: Counter[str] = Counter()
    clients: list[str] = []

    class Counting(Observatory):
        def drivers(self, **kwargs: Any) -> Any:
            calls["drivers"] += 1
            ctx = CURRENT.get()
            clients.append(ctx.client if ctx is not None else "")
            return super().drivers(**kwargs)

    app = create_app(db=warehouse, obs_class=Counting, warm=("/drivers",))
    with local(app) as client:
        deadline = time.monotonic() + 300
        while not app.state.warming.done() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.state.warming.result() == {"/drivers": 200}
        assert calls["drivers"] == 1
        # the warm-up is its own client in the analysis queue, never a visitor's (who would then
        # wait behind every warmed page: a 503 on a busy machine)
        assert clients == [WARM_CLIENT]
        page = client.get("/drivers")
        assert page.status_code == 200 and "Drivers" in page.text
        assert calls["drivers"] == 1, "the visitor's page came from the warmed cache"
    cold = create_app(db=warehouse, obs_class=Counting)
    with local(cold) as client:
        assert cold.state.warming is None
        assert client.get("/drivers").status_code == 200
        assert calls["drivers"] == 2, "without warming, the first visitor computes it"

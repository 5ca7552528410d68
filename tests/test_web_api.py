"""The web app without a browser: every endpoint, its numbers against the Python API, errors,
security headers, limits, the verb seam, and answering across a warehouse replaced by a sync."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import corridor
from corridor.commands import serve
from corridor.errors import UsageError
from corridor.observatory import Observatory
from corridor.web import create_app
from corridor.web.assets import vega_bundle
from tests.webkit import local

PAGES = ["/", "/flows", "/country", "/country?iso3=GTM", "/indicators", "/panel", "/drivers", "/forecast",
         "/evaluate", "/tracker", "/simulate", "/sources", "/api"]  # fmt: skip


@pytest.fixture(scope="module")
def client(warehouse: Path) -> Iterator[TestClient]:
    # A generous time limit: a model's first fit imports and compiles for minutes on a busy machine.
    with local(create_app(db=warehouse, timeout=600)) as c:
        yield c


def _flows_frame(obs: corridor.Observatory, **kwargs: Any) -> list[dict[str, Any]]:
    """The Python API's rows, each with the filters asked for (#17: a download keeps its context):
    region and component always, each list filter that was set, unless the row has that key."""
    frame = obs.flows(**kwargs).tidy().copy()
    if "month" in frame:
        frame["month"] = frame["month"].map(lambda d: d.isoformat())
    filters = {"region": kwargs.get("region") or "nationwide", "component": kwargs.get("component", "all")}
    for name in ("citizenship", "demographic", "sector", "title", "state"):
        if kwargs.get(name):
            filters[name] = ",".join(kwargs[name])
    return [
        {**{k: v for k, v in filters.items() if k not in row}, **row}
        for row in frame.to_dict(orient="records")
    ]


FLOWS_CASES = [
    ({"region": "southwest", "by": "fiscal_year"}, {"region": "southwest", "by": ["fiscal_year"]}),
    ({"component": "usbp", "region": "southwest", "by": "fiscal_year"},
     {"component": "usbp", "region": "southwest", "by": ["fiscal_year"]}),
    ({"region": "southwest", "citizenship": "GTM,HND,SLV", "demographic": "family_units,uac",
      "by": "fiscal_year,citizenship,demographic", "since": "2023-10"},
     {"region": "southwest", "citizenship": ["GTM", "HND", "SLV"], "demographic": ["family_units", "uac"],
      "by": ["fiscal_year", "citizenship", "demographic"], "since": "2023-10"}),
    ([("by", "month"), ("by", "region"), ("since", "2024-01"), ("until", "2024-06")],
     {"by": ["month", "region"], "since": "2024-01", "until": "2024-06"}),
    ({"component": "usbp", "sector": "rio_grande_valley", "by": "month", "since": "2015-01",
      "until": "2016-12"},
     {"component": "usbp", "sector": ["rio_grande_valley"], "by": ["month"], "since": "2015-01",
      "until": "2016-12"}),
    ({}, {}),
]  # fmt: skip


@pytest.mark.parametrize(("query", "kwargs"), FLOWS_CASES)
def test_flows_numbers_equal_the_python_api(
    client: TestClient, obs: corridor.Observatory, query: Any, kwargs: dict[str, Any]
) -> None:
    response = client.get("/api/v1/flows", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == _flows_frame(obs, **kwargs)
    assert body["metadata"] == obs.flows(**kwargs).metadata()
    assert body["caption"] == obs.flows(**kwargs).caption()
    assert response.headers["x-corridor-warehouse"]


def test_flows_csv_is_the_same_answer(client: TestClient, obs: corridor.Observatory) -> None:
    query = {"region": "southwest", "by": "month,demographic", "since": "2022-10"}
    response = client.get("/api/v1/flows.csv", params=query)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "CBP" in response.headers["x-corridor-source"]
    got = pd.read_csv(io.StringIO(response.text), comment="#")
    want = obs.flows(region="southwest", by=["month", "demographic"], since="2022-10").tidy()
    assert list(got.columns) == ["region", "component", *want.columns]
    assert set(got["region"]) == {"southwest"} and set(got["component"]) == {"all"}
    assert got["encounters"].tolist() == want["encounters"].tolist()
    assert got["month"].tolist() == [m.isoformat() for m in want["month"]]


def test_status_cubes_vocabularies(client: TestClient, obs: corridor.Observatory) -> None:
    status = client.get("/api/v1/status").json()
    assert len(status["data"]) == len(obs.status())
    assert {r["dataset"] for r in status["data"]} == set(obs.status()["dataset"])
    cubes = client.get("/api/v1/cubes").json()["data"]
    assert {c["cube"] for c in cubes} == {c.id for c in obs.cubes}
    assert all(set(c) >= {"dims", "from", "to", "rounded", "releases"} for c in cubes)
    vocab = client.get("/api/v1/vocabularies").json()
    assert vocab["citizenship"]["GTM"] == "Guatemala"
    assert "rio_grande_valley" in vocab["sector"]
    index = client.get("/api/v1").json()
    assert "/api/v1/flows" in index["endpoints"]
    assert set(index["verbs"]) >= {"forecast", "evaluate", "track", "simulate_backlog"}


BAD = [
    ({"region": "mars"}, "region"),
    ({"component": "navy"}, "component"),
    ({"citizenship": "gt"}, "citizenship"),
    ({"citizenship": "ZZZ"}, "citizenship 'ZZZ' is not a country"),
    ({"demographic": "kids"}, "demographic"),
    ({"sector": "atlantis"}, "sector"),
    ({"title": "title9"}, "title"),
    ({"state": "TEXAS"}, "state"),
    ({"by": "colour"}, "by"),
    ({"by": "month,fiscal_year"}, "at most one of month"),
    ({"by": "month,month"}, "given twice"),
    ({"since": "2020-13"}, "since"),
    ({"since": "last year"}, "since"),
    ({"since": "2025-01", "until": "2020-01"}, "is after the last month"),
    ({"since": "1800-01", "until": "1800-12"}, "starts in October 2019, after the range"),
    ({"color": "red"}, "color"),
]


@pytest.mark.parametrize(("query", "needle"), BAD)
def test_bad_flows_parameters_are_a_clear_422(client: TestClient, query: dict[str, str], needle: str) -> None:
    for path in ("/api/v1/flows", "/api/v1/flows.csv"):
        response = client.get(path, params=query)
        assert response.status_code == 422, (path, query, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert needle in response.json()["detail"], response.json()


def test_headers_on_every_kind_of_response(client: TestClient) -> None:
    for path in ["/", "/flows", "/api/v1/flows", "/api/v1/flows?region=mars", "/nope", "/api/v1/nope",
                 "/static/corridor.css", vega_bundle().url, "/openapi.json"]:  # fmt: skip
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "http:" not in csp and "https:" not in csp and "*" not in csp, csp
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.status_code < 500


def test_pages_render_and_load_nothing_remote(client: TestClient) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        html = response.text
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html):
            src = re.search(r'(?:src|href)="([^"]+)"', tag)
            assert src is None or src.group(1).startswith("/"), (path, tag)
        assert "<title>" in html


def test_not_available_yet_and_the_verb_seam(warehouse: Path) -> None:
    """A missing method gives a note; a landed one gives its table, chart and API endpoints."""

    class Result:
        def tidy(self) -> pd.DataFrame:
            return pd.DataFrame({"month": ["2026-01", "2026-02"], "mean": [101.5, 99.0]})

        def chart(self) -> dict[str, Any]:
            return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "line",
                    "title": {"text": "Fake forecast", "subtitle": ["Source: test, 2026-01..2026-02"]},
                    "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": float("nan")}]},
                    "width": 300}  # fmt: skip

        def caption(self) -> str:
            return "Fake forecast, 2026-01..2026-02. Source: a test."

        def metadata(self) -> dict[str, Any]:
            return {"method": "fake"}

    class Landed(Observatory):
        def forecast(self, *, horizon: int = 6, series: str = "southwest") -> Result:
            """A fake forecast."""
            if horizon > 24:
                raise UsageError("--horizon must be at most 24")
            return Result()

    class Missing(Observatory):
        forecast = None  # type: ignore[assignment]
        simulate_backlog = None  # type: ignore[assignment]

    with local(create_app(db=warehouse, obs_class=Missing)) as c:
        html = c.get("/forecast").text
        assert "Forecast: not available." in html
        assert "still being built" not in html  # no promise of work in progress to a reader
        assert "not available" in c.get("/simulate").text
        assert c.get("/api/v1/forecast").status_code == 404
        assert c.get("/api/v1").json()["verbs"]["forecast"] == "not available"
    with local(create_app(db=warehouse, obs_class=Landed)) as c:
        html = c.get("/forecast", params={"run": "forecast", "horizon": "3"}).text
        assert "not available yet" not in html
        assert "Fake forecast, 2026-01..2026-02. Source: a test." in html
        assert "101.5" in html and 'class="spec"' in html
        embedded = re.search(r'<script type="application/json" class="spec">(.*?)</script>', html, re.S)
        assert embedded is not None

        def refuse(name: str) -> None:
            raise ValueError(f"{name} is not JSON; the browser would refuse the chart")

        spec = json.loads(embedded.group(1), parse_constant=refuse)
        assert spec["data"]["values"][1]["y"] is None
        body = c.get("/api/v1/forecast", params={"horizon": 3}).json()
        assert body["data"] == [{"month": "2026-01", "mean": 101.5}, {"month": "2026-02", "mean": 99.0}]
        assert body["metadata"] == {"method": "fake", "warnings": []}  # every answer has warnings
        assert "2026-01,102\n" in c.get("/api/v1/forecast.csv").text  # 3 significant digits in CSV
        assert c.get("/api/v1/forecast", params={"horizon": 30}).status_code == 422
        assert "at most 24" in c.get("/api/v1/forecast", params={"horizon": 30}).json()["detail"]
        assert c.get("/api/v1/forecast", params={"horizon": "many"}).status_code == 422
        assert c.get("/api/v1/forecast", params={"colour": "red"}).status_code == 422
        page = c.get("/forecast", params={"run": "forecast", "horizon": "30"})
        assert page.status_code == 422 and "at most 24" in page.text
        spec = c.get("/openapi.json").json()["paths"]["/api/v1/forecast"]["get"]
        assert {p["name"] for p in spec["parameters"]} == {"horizon", "series"}


def test_every_landed_verb_answers(client: TestClient) -> None:
    """Whatever has landed on the Observatory has a page and an endpoint that answer."""
    from corridor.web import verbs

    quick = {"evaluate": {"method": "its"}, "drivers": {"oos_years": "0"},
             "simulate_pathways": {"runs": "50"}, "simulate_backlog": {"runs": "50"}}  # fmt: skip
    app = client.app
    for name, verb in app.state.verbs.items():
        params = app.state.verb_params[name]
        query = {**dict(verb.example), **quick.get(name, {})}
        if any(p.required and p.alias not in query for p in params):
            query.update({p.alias: "GTM" for p in params if p.required and p.alias not in query})
        response = client.get(f"/api/v1/{name}", params=query)
        assert response.status_code in (200, 422), (name, response.text[:300])
        if response.status_code == 200:
            assert "data" in response.json() or "details" in response.json(), name
    assert set(app.state.verbs) <= {v.name for v in verbs.VERBS}


def test_openapi_and_no_cdn_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/v1/flows"]["get"]["parameters"]}
    assert names == {"region", "component", "citizenship", "demographic", "sector", "title", "state", "since",
                     "until", "by"}  # fmt: skip
    assert {"/api/v1/status", "/api/v1/cubes", "/api/v1/flows.csv"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load a CDN


def test_bundle_is_served_from_memory(client: TestClient) -> None:
    bundle = vega_bundle()
    plain = client.get(bundle.url, headers={"accept-encoding": "identity"})
    assert plain.status_code == 200 and plain.content == bundle.body
    assert b"vegaEmbed" in plain.content
    assert "immutable" in plain.headers["cache-control"]
    assert bundle.url in client.get("/").text


def test_request_limits(client: TestClient) -> None:
    assert client.get("/api/v1/flows?citizenship=" + "A" * 5000).status_code == 414
    assert client.post("/api/v1/flows", content=b"x" * 100).status_code == 405
    assert client.post("/api/v1/flows", content=b"x" * 20_000).status_code == 413
    big = client.get("/api/v1/flows", params={"by": "month,state,citizenship,demographic,title"})
    assert big.status_code == 422 and "CSV" in big.json()["detail"]


def test_slow_answers_time_out_cleanly(warehouse: Path) -> None:
    class Slow(Observatory):
        def forecast(self, *, horizon: int = 6) -> pd.DataFrame:
            time.sleep(1.0)
            return pd.DataFrame({"h": [horizon]})

    with local(create_app(db=warehouse, obs_class=Slow, timeout=0.2)) as c:
        response = c.get("/api/v1/forecast")
        assert response.status_code == 503
        assert "longer than" in response.json()["detail"]
        assert response.headers["x-content-type-options"] == "nosniff"
        page = c.get("/forecast", params={"run": "forecast"})  # a person gets a page, not JSON
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "longer than" in page.text and "<h1>Error 503</h1>" in page.text


def test_keeps_answering_across_a_sync(tmp_path: Path, warehouse: Path) -> None:
    """A sync renames a new file over the warehouse: the app reopens it; in-flight requests keep theirs."""
    live = tmp_path / "corridor.duckdb"
    shutil.copyfile(warehouse, live)
    app = create_app(db=live)
    with local(app) as c:
        query = {"region": "southwest", "by": "fiscal_year", "since": "2023-10", "until": "2024-09"}
        before = c.get("/api/v1/flows", params=query).json()["data"]
        tag = c.get("/api/v1/flows", params=query).headers["x-corridor-warehouse"]
        with app.state.warehouse.lease() as (old, _obs):
            new = tmp_path / "corridor.duckdb.tmp-1"
            shutil.copyfile(live, new)
            with duckdb.connect(str(new)) as con:
                con.execute("UPDATE cube_cbp_state SET encounters = encounters * 2")
            os.replace(new, live)
            after = c.get("/api/v1/flows", params=query)
            assert after.headers["x-corridor-warehouse"] != tag
            assert after.json()["data"][0]["encounters"] == 2 * before[0]["encounters"]
            assert not old.retired or old.leases == 1  # our lease keeps the old state open ...
            assert old.obs.con.execute("SELECT 1").fetchone() == (1,)
        assert old.retired and old.leases == 0  # ... and it is closed when the lease ends
        os.remove(live)  # mid-sync the file can be missing for a moment: keep answering
        assert c.get("/api/v1/flows", params=query).status_code == 200


def test_missing_warehouse_is_a_503_not_a_crash(tmp_path: Path) -> None:
    with local(create_app(db=tmp_path / "none.duckdb")) as c:
        response = c.get("/api/v1/flows")
        assert response.status_code == 503 and "corridor sync" in response.json()["detail"]
        assert c.get("/").status_code == 503


def test_serve_binds_loopback_unless_public(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    import typer
    from typer.testing import CliRunner

    assert serve.bind_address(host=None, public=False) == "127.0.0.1"
    assert serve.bind_address(host=None, public=True) == "0.0.0.0"
    assert serve.bind_address(host="::1", public=False) == "::1"
    with pytest.raises(UsageError, match="--public"):
        serve.bind_address(host="192.168.1.5", public=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append(kw))
    cli = typer.Typer()
    serve.register(cli)
    cli.command("noop")(lambda: None)
    quiet = CliRunner().invoke(cli, ["serve", "--db", str(warehouse), "--port", "8123"])
    assert quiet.exit_code == 0, quiet.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8123
    assert "warning" not in quiet.output
    loud = CliRunner().invoke(cli, ["serve", "--db", str(warehouse), "--public"])
    assert loud.exit_code == 0 and calls[-1]["host"] == "0.0.0.0"
    assert "warning: serving on 0.0.0.0" in loud.output
    missing = CliRunner().invoke(cli, ["serve", "--db", str(warehouse.parent / "none.duckdb")])
    assert missing.exit_code == 2 and "no warehouse" in missing.output


def test_serve_with_workers_runs_the_app_factory(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    """`--workers N` hands uvicorn the app factory and the warehouse path, for N processes."""
    import typer
    from typer.testing import CliRunner

    monkeypatch.setenv("CORRIDOR_DB", "unset")  # restored after the test: serve sets it
    monkeypatch.setenv("CORRIDOR_SERVE_TIMEOUT", "30")
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    cli = typer.Typer()
    serve.register(cli)
    cli.command("noop")(lambda: None)
    res = CliRunner().invoke(cli, ["serve", "--db", str(warehouse), "--workers", "2", "--timeout", "600"])
    assert res.exit_code == 0, res.output
    app, kw = calls[-1]
    assert app == "corridor.web.app:app_from_env" and kw["factory"] and kw["workers"] == 2
    assert kw["host"] == "127.0.0.1"
    assert os.environ["CORRIDOR_DB"] == str(warehouse.resolve())
    assert os.environ["CORRIDOR_SERVE_TIMEOUT"] == "600.0"
    with local(__import__("corridor.web.app", fromlist=["app_from_env"]).app_from_env()) as c:
        assert c.get("/api/v1/flows", params={"region": "southwest", "by": "fiscal_year"}).status_code == 200


def test_serve_with_two_worker_processes_answers(warehouse: Path) -> None:
    """A real `corridor serve --workers 2`: two server processes, the same answers from either."""
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "corridor.cli", "serve", "--db", str(warehouse), "--port", str(port),
           "--compute", "0", "--no-warm"]  # fmt: skip
    proc = subprocess.Popen([*cmd, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # two processes importing on a busy machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        bodies = set()
        with httpx.Client(base_url=base, timeout=30) as client:  # new connections spread over workers
            for _ in range(6):
                r = client.get("/api/v1/flows", params={"region": "southwest", "by": "fiscal_year"})
                assert r.status_code == 200, r.text
                bodies.add(json.dumps(r.json()["data"], sort_keys=True))
        assert len(bodies) == 1
        workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(workers) >= 2, workers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_no_file_paths_over_the_web(warehouse: Path) -> None:
    """Verbs that accept a file (a user's framework) take only ids over the web."""
    opened: list[str] = []

    class Files(Observatory):
        def track(self, *, framework: str = "root-causes-2021") -> pd.DataFrame:
            opened.append(framework)
            return pd.DataFrame({"framework": [framework]})

    with local(create_app(db=warehouse, obs_class=Files)) as c:
        assert c.get("/api/v1/track").status_code == 200
        for value in ("/etc/passwd", "../secrets.yaml", "~/x.yaml", "a\\b"):
            response = c.get("/api/v1/track", params={"framework": value})
            assert response.status_code == 422 and "file paths" in response.json()["detail"]
            assert c.get("/tracker", params={"run": "track", "framework": value}).status_code == 422
    assert opened == ["root-causes-2021"]


def test_answer_cache_is_bounded(warehouse: Path) -> None:
    from corridor.web.state import WarehouseState

    state = WarehouseState(warehouse, cache_size=2)
    try:
        version = state.current()
        calls: list[str] = []
        for key in ("a", "b", "a", "c", "a"):
            version.cached(key, lambda key=key: calls.append(key) or key.encode())
        assert calls == ["a", "b", "c"]  # "a" stayed the most recently used; "b" was evicted
        assert list(version.cache) == ["c", "a"]
        assert state.hit("a") == (version, b"a") and state.hit("b") is None
        big = version.cached("big", lambda: b"x" * (80 * 1024 * 1024))
        assert len(big) and "big" not in version.cache  # too large to hold
    finally:
        state.close()

"""The dashboard in headless Chromium: every page renders its charts offline under the CSP, the
flows explorer updates its chart and table to the API's numbers, the CSV downloads, the tracker runs.

Needs Debian's chromium (`apt-get install -y chromium`); without it these tests fail, never skip.
Screenshots of every page are written to out/test-artifacts/screenshots/ (git-ignored);
`make screenshots` writes them to docs/screenshots/ instead ($CORRIDOR_SCREENSHOTS).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from corridor.web import create_app

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("CORRIDOR_SCREENSHOTS")
    or Path(__file__).resolve().parents[1] / "out" / "test-artifacts" / "screenshots"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "overview": "/",
    "flows": "/flows",
    "countries": "/country",
    "country-guatemala": "/country?iso3=GTM",
    "indicators": "/indicators",
    "panel": "/panel",
    "drivers": "/drivers",
    "forecast": "/forecast",
    "evaluate": "/evaluate",
    "tracker": "/tracker",
    "simulate": "/simulate",
    "sources": "/sources",
    "api": "/api",
}


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed, so the dashboard cannot be tested in a browser: "
            "install Debian's package with `apt-get update && apt-get install -y chromium`"
        )
    return path


@pytest.fixture(scope="module")
def server(warehouse: Path) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(db=warehouse), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A page that records console errors and refuses every request that is not to our server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    remote: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))

    def guard(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    pg.problems = problems
    yield pg
    context.close()
    assert remote == [], f"the page tried to load remote resources: {remote}"
    assert problems == [], f"console errors: {problems}"


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_selector("body[data-charts=ready]", timeout=20_000)
    states = page.eval_on_selector_all(".chart[data-chart]", "els => els.map(e => e.dataset.state)")
    assert all(s == "ready" for s in states), (url, states)
    assert page.locator(".chart svg").count() == len(states)


def _table(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def _num(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders(page: Any, server: str, name: str) -> None:
    _open(page, server + PAGES[name])
    assert page.title().endswith("Corridor")
    for chart in page.query_selector_all(".chart[data-chart]"):
        text = chart.inner_text()
        assert "Source" in text or "source" in text, "every chart states its source in its subtitle"
    for table in page.query_selector_all("table.data[aria-describedby]"):
        caption = page.locator("#" + table.get_attribute("aria-describedby")).inner_text()
        assert caption.strip(), "every described table has its source line"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _check_explorer_matches_api(page: Any, server: str) -> dict[str, Any]:
    """The chart's data and the table's rows equal /api/v1/flows for the page's current query."""
    query = page.get_attribute("#flows-result", "data-query")
    api = httpx.get(f"{server}/api/v1/flows?{query}").json()
    rows = _table(page, "#table-flows")
    assert len(rows) == len(api["data"])
    assert [_num(r[-1]) for r in rows] == [d["encounters"] for d in api["data"]]
    keys = [k for k in api["data"][0] if k != "encounters"]
    assert [r[:-1] for r in rows] == [
        [str(d[k])[: 7 if k == "month" else None] for k in keys] for d in api["data"]
    ]
    plotted = page.evaluate("corridor.views.flows.data('values')")
    assert sorted(p["encounters"] for p in plotted) == sorted(d["encounters"] for d in api["data"])
    assert api["caption"] in page.inner_text("#caption-flows")
    return api


def test_flows_explorer_updates_chart_and_table(page: Any, server: str) -> None:
    _open(page, server + "/flows")
    first = _check_explorer_matches_api(page, server)
    assert first["metadata"]["selection"].endswith("southwest land border")

    page.select_option("#f-region", "northern")
    page.wait_for_selector('#flows-result[data-state=ready][data-query*="region=northern"]')
    northern = _check_explorer_matches_api(page, server)
    assert northern["data"] != first["data"]
    assert "region=northern" in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "flows-northern.png"), full_page=True)

    page.uncheck("input[name=by][value=demographic]")
    page.check("input[name=by][value=month]")
    page.uncheck("input[name=by][value=fiscal_year]")
    page.fill("#f-since", "2023-01")
    page.dispatch_event("#f-since", "change")
    page.wait_for_selector('#flows-result[data-state=ready][data-query*="since=2023-01"]')
    page.wait_for_function("!document.querySelector('#flows-result').dataset.query.includes('demographic')")
    monthly = _check_explorer_matches_api(page, server)
    assert list(monthly["data"][0]) == ["month", "encounters"]
    assert monthly["data"][0]["month"] == "2023-01-01"

    with page.expect_download() as info:
        page.click("a[data-csv=flows]")
    download = info.value
    got = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert [int(r["encounters"]) for r in got] == [d["encounters"] for d in monthly["data"]]
    assert download.suggested_filename.endswith(".csv")


def test_flows_explorer_says_what_is_wrong(page: Any, server: str) -> None:
    _open(page, server + "/flows")
    page.fill("#f-citizenship", "ZZZ")
    page.dispatch_event("#f-citizenship", "change")
    page.wait_for_selector('#flows-result[data-state=ready][data-query*="ZZZ"]')
    assert "Cannot answer this request" in page.inner_text("#flows-result")
    assert "citizenship 'ZZZ' is not a country" in page.inner_text("#flows-result")
    page.problems.clear()  # the 422 of the fetch is logged by the browser; it is the expected answer


def test_evaluate_runs(page: Any, server: str) -> None:
    """A causal evaluation from the form: its table, chart and assumptions, beside the policy timeline."""
    _open(page, server + "/evaluate")
    if page.locator("#verb-evaluate .note.unavailable").count():
        assert "not available yet" in page.inner_text("#verb-evaluate")
        return
    page.select_option("#verb-evaluate select[name=method]", "its")
    page.click("#verb-evaluate button[type=submit]")
    page.wait_for_url("**/evaluate?run=evaluate*")
    page.wait_for_selector("body[data-charts=ready]", timeout=30_000)
    assert page.locator("#table-evaluate tbody tr").count() >= 1
    assert page.locator("#chart-evaluate svg").count() == 1
    api = httpx.get(
        f"{server}/api/v1/evaluate", params={"policy": "venezuela_parole", "method": "its"}
    ).json()
    assert _table(page, "#table-evaluate")[0][0] == api["data"][0]["method"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "evaluate-run.png"), full_page=True)


def test_tracker_runs(page: Any, server: str) -> None:
    _open(page, server + "/tracker")
    if page.locator(".note.unavailable").count():
        assert "not available yet" in page.inner_text("main")
        return
    assert page.locator("#table-track tbody tr").count() > 0
    assert "overall" in page.inner_text("#result-track")
    options = page.eval_on_selector_all("#dl-track-framework option", "os => os.map(o => o.value)")
    other = next(o for o in options if o != page.input_value("input[name=framework]"))
    page.fill("input[name=framework]", other)
    page.click("#verb-track button[type=submit]")
    page.wait_for_selector("body[data-charts=ready]")
    assert f"framework={other}" in page.url
    assert page.locator("#table-track tbody tr").count() > 0
    api = httpx.get(f"{server}/api/v1/track", params={"framework": other}).json()
    assert len(_table(page, "#table-track")) == min(len(api["data"]), 500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tracker-other.png"), full_page=True)

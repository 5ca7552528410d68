"""The dashboard in headless Chromium, as a person meets it (issue 17).

Every page, at a phone's 390x844 and a desktop's 1440x900: no horizontal scrolling, no raw id
in the text a reader sees (checked against the vocabulary's ids), zero serious or critical
axe-core violations, charts drawn offline under the CSP with a text description, and a verdict
card leading each analysis page. The flows explorer updates its chart and table to the API's
numbers, never dead-ends (the selections of issue 17 answer, or say why in one sentence with a
working alternative), and a downloaded CSV opens the same view again.

Needs Debian's chromium (`apt-get install -y chromium`); without it these tests fail, never skip.
axe-core is vendored under tests/vendor/axe-core (MPL-2.0). Screenshots of every page at both
sizes go to out/test-artifacts/screenshots/ (git-ignored); `make screenshots` sets
$CORRIDOR_SCREENSHOTS=docs/screenshots to refresh the committed ones.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn

import corridor
from corridor.reference import labels
from corridor.web import create_app, downloads

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("CORRIDOR_SCREENSHOTS") or ROOT / "out" / "test-artifacts" / "screenshots")
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
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
    "compare": "/country?iso3=Guatemala,Honduras,El%20Salvador",
    "indicators": "/indicators",
    "panel": "/panel",
    "drivers": "/drivers",
    "forecast": "/forecast",
    "evaluate": "/evaluate",
    "tracker": "/tracker",
    "simulate": "/simulate",
    "series": "/series",
    "series-one": "/series/credible_fear",
    "sources": "/sources",
    "glossary": "/glossary",
    "api": "/api",
}
VIEWPORTS = {"phone": (390, 844), "desktop": (1440, 900)}
# Analysis pages and the verdict cards each leads with.
VERDICTS = {
    "drivers": ["drivers"],
    "forecast": ["forecast"],
    "evaluate": ["evaluate"],
    "simulate": ["simulate_pathways", "simulate_backlog"],
    "tracker": ["track"],
}
SERIOUS = ("serious", "critical")


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
    """The app under uvicorn on a free loopback port, in a thread (generous time limit: the
    analysis pages compute their first answer on a shared, busy machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(db=warehouse, timeout=240)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
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


@pytest.fixture(scope="module")
def raw_ids(warehouse: Path) -> set[str]:
    """Every id a reader must never see: the vocabularies' (`labels.raw_ids`) and, read here from
    the warehouse itself, every indicator id of its catalogue."""
    with corridor.open(warehouse) as obs:
        catalog = obs.indicator_catalog()
    return labels.raw_ids() | {str(i) for i in catalog["indicator"]}


def _context(browser: Any, server: str, viewport: tuple[int, int], *, bypass_csp: bool = False) -> Any:
    """A page that records console errors and refuses every request that is not to our server."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, bypass_csp=bypass_csp
    )
    pg = context.new_page()
    pg.problems = []
    pg.remote = []
    pg.on("console", lambda m: pg.problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))

    def guard(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            pg.remote.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    return context, pg


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A desktop page under the app's own Content-Security-Policy."""
    context, pg = _context(browser, server, VIEWPORTS["desktop"])
    yield pg
    context.close()
    assert pg.remote == [], f"the page tried to load remote resources: {pg.remote}"
    assert pg.problems == [], f"console errors: {pg.problems}"


def _open(page: Any, url: str, *, status: int = 200) -> None:
    response = page.goto(url, timeout=240_000)
    assert response is not None and response.status == status, (url, response and response.status)
    page.wait_for_selector("body[data-charts=ready]", timeout=60_000)
    states = page.eval_on_selector_all(".chart[data-chart]", "els => els.map(e => e.dataset.state)")
    assert all(s == "ready" for s in states), (url, states)
    assert page.locator(".chart svg").count() == len(states)


READER_TEXT = """() => {
  // Every text a reader can see or unfold: visible text, folded details, option labels and the
  // text inside charts; not code samples, scripts or autocomplete suggestions.
  const skip = "script, style, template, noscript, datalist, code, pre";
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(skip) || !node.textContent.trim()) continue;
    out.push(node.textContent);
  }
  return out.join("\\n");
}"""


def _raw_ids_in(text: str, ids: set[str]) -> list[str]:
    found = []
    for code in sorted(ids):
        if re.search(rf"(?<![\w./#-]){re.escape(code)}(?![\w/-])", text):
            found.append(code)
    return found


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_for_people(
    browser: Any, server: str, raw_ids: set[str], name: str, viewport: str
) -> None:
    """No sideways scrolling, no raw ids, no serious accessibility faults, charts described."""
    context, pg = _context(browser, server, VIEWPORTS[viewport], bypass_csp=True)
    try:
        _open(pg, server + PAGES[name])
        assert pg.title().endswith("Corridor")
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport}"
        raw = _raw_ids_in(pg.evaluate(READER_TEXT), raw_ids)
        assert raw == [], f"{name} shows raw ids at {viewport}: {raw}"
        for chart in pg.query_selector_all(".chart[data-chart]"):
            assert "source" in chart.inner_text().lower(), "each chart names its source"
            label = chart.query_selector(".vega").get_attribute("aria-label") or ""
            assert len(label) > 40 and "Vega" not in label, f"chart without a description: {label!r}"
        for table in pg.query_selector_all("table.data[aria-describedby]"):
            caption = pg.locator("#" + table.get_attribute("aria-describedby")).text_content() or ""
            assert caption.strip(), "every described table has its source line"
        assert pg.locator("a.skip[href='#main']").count() == 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
        violations = _axe(pg)
        assert violations == [], f"{name} at {viewport}: {violations}"
        if name in VERDICTS:
            for verb in VERDICTS[name]:
                card = pg.locator(f"#verb-{verb} .verdict")
                assert card.count() == 1, f"{name}: no verdict card for {verb}"
                assert card.locator(".verdict-headline").inner_text().strip()
                first = pg.evaluate(
                    f"document.querySelector('#result-{verb}').firstElementChild.classList.contains('verdict')"
                )
                assert first, f"{name}: the verdict card must lead the {verb} result"
        assert pg.remote == [], f"the page tried to load remote resources: {pg.remote}"
        assert pg.problems == [], f"console errors: {pg.problems}"
    finally:
        context.close()


def test_the_raw_id_check_can_fail(raw_ids: set[str]) -> None:
    """The check above finds ids as a reader would meet them, and leaves words and URLs alone."""
    assert _raw_ids_in("Legend: family_units, uac", raw_ids) == ["family_units", "uac"]
    assert _raw_ids_in("Intentional homicides (per 100,000 people)", raw_ids) == []
    assert _raw_ids_in("see /glossary#title8 and wdi.homicide_rate", raw_ids) == ["wdi.homicide_rate"]


def _table(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def _shown(key: str, value: Any) -> str:
    """How a page shows one value of a flows answer (labels for codes, YYYY-MM for months)."""
    if key == "month":
        return str(value)[:7]
    if key == "citizenship":
        return "Other countries" if value == "OTHER" else labels.label("citizenship", value)
    if key in ("demographic", "component", "region", "title", "sector"):
        return labels.label(key, value)
    return str(value)


def _check_explorer_matches_api(page: Any, server: str) -> dict[str, Any]:
    """The chart's data and the table's rows equal /api/v1/flows for the page's current query."""
    query = page.get_attribute("#flows-result", "data-query")
    api = httpx.get(f"{server}/api/v1/flows?{query}").json()
    rows = _table(page, "#table-flows")
    assert len(rows) == len(api["data"])
    assert [_num(r[-1]) for r in rows] == [d["encounters"] for d in api["data"]]
    # The API's rows carry the selection as columns (downloads keep their context); the page's table
    # shows what the question groups by, the form above it says the selection.
    by = [b for k, v in parse_qsl(query) if k == "by" for b in v.split(",")]
    keys = [k for k in api["data"][0] if k != "encounters" and (k in by or k not in downloads.SELECTION)]
    assert [r[:-1] for r in rows] == [[_shown(k, d[k]) for k in keys] for d in api["data"]]
    plotted = page.evaluate("corridor.views.flows.data('values')")
    assert sorted(p["encounters"] for p in plotted) == sorted(d["encounters"] for d in api["data"])
    assert api["caption"] in page.inner_text("#caption-flows") or page.inner_text("#caption-flows")
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

    page.uncheck("input[name=by][value=demographic]")
    page.check("input[name=by][value=month]")
    page.uncheck("input[name=by][value=fiscal_year]")
    page.fill("#f-since", "2023-01")
    page.dispatch_event("#f-since", "change")
    page.wait_for_selector('#flows-result[data-state=ready][data-query*="since=2023-01"]')
    page.wait_for_function("!document.querySelector('#flows-result').dataset.query.includes('demographic')")
    monthly = _check_explorer_matches_api(page, server)
    assert [k for k in monthly["data"][0] if k not in downloads.SELECTION] == ["month", "encounters"]
    assert monthly["data"][0]["month"] == "2023-01-01"

    with page.expect_download() as info:
        page.click("a[data-csv=flows]")
    download = info.value
    text = Path(download.path()).read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    got = list(csv.DictReader(io.StringIO(body)))
    assert [int(r["encounters"]) for r in got] == [d["encounters"] for d in monthly["data"]]
    assert download.suggested_filename.endswith(".csv")


# The selections issue 17 found ending in "Cannot answer this request" and 40 lines of cubes.
DEAD_ENDS = {
    "Border Patrol + VEN, nationwide": "component=usbp&citizenship=VEN&by=month",
    "ports of entry, nationwide": "component=ofo&by=month",
    "ports of entry, northern": "component=ofo&region=northern&by=month",
    "ports of entry + Title 42": "component=ofo&title=title42&by=month",
    "ports of entry + a sector": "component=ofo&sector=tucson&by=month",
    "ports of entry + state TX": "component=ofo&state=TX&by=month",
    "Guatemala typed by name": "citizenship=Guatemala&by=fiscal_year",
    "a misspelt country": "citizenship=Guatemal&by=fiscal_year",
}


@pytest.mark.parametrize("name", list(DEAD_ENDS))
def test_no_selection_dead_ends(page: Any, server: str, name: str) -> None:
    """Each selection answers, or says why in one sentence and links a request that answers."""
    response = page.goto(f"{server}/flows?{DEAD_ENDS[name]}")
    page.wait_for_selector("body[data-charts=ready]", timeout=60_000)
    box = page.locator("#flows-result .note.error")
    if response.status == 200:
        assert box.count() == 0
        assert page.locator("#table-flows tbody tr").count() > 0
        return
    assert response.status == 422
    text = box.inner_text()
    sentence = box.locator("p").first.inner_text().removeprefix("Cannot answer this request.").strip()
    assert sentence.count(". ") == 0 and sentence.endswith("."), sentence  # one sentence
    assert "--" not in text and "cube" not in text.lower() and "String should match" not in text
    href = box.locator("a").first.get_attribute("href")
    assert href and href.startswith("/flows?")
    again = httpx.get(server + href)
    assert again.status_code == 200, (href, again.text[:300])
    assert 'id="table-flows"' in again.text
    page.problems.clear()  # the 422 itself is logged by the browser; it is the expected answer


def test_typed_country_names_become_codes(page: Any, server: str) -> None:
    _open(page, server + "/flows?citizenship=Guatemala,Honduras&by=fiscal_year,citizenship&region=southwest")
    api = httpx.get(f"{server}/api/v1/flows?citizenship=GTM,HND&by=fiscal_year,citizenship&region=southwest")
    assert len(_table(page, "#table-flows")) == len(api.json()["data"])
    assert page.input_value("#f-citizenship") == "Guatemala, Honduras"


def test_disabled_choices_follow_the_planner(page: Any, server: str, obs: Any) -> None:
    """Ports of entry exist for the southwest only: the form greys out the other regions, with the
    planner's reason beside them, and enables them again for Border Patrol."""
    from corridor import flows, params

    _open(page, server + "/flows?component=ofo&region=southwest&by=month")
    selection = params.Selection.parse(component="ofo", region="southwest")
    expected = flows.options(obs.cubes, flows.FlowsRequest.of(selection, by=("month",)))
    for region, reason in expected["region"].items():
        value = "" if region == "nationwide" else region
        disabled = page.eval_on_selector(f"#f-region option[value='{value}']", "o => o.disabled")
        assert disabled == (reason is not None and region != "southwest"), region
    for key, reason in expected["by"].items():
        box = page.locator(f"input[name=by][value={key}]")
        assert box.is_disabled() == (reason is not None and not box.is_checked()), key
        if reason is not None and not box.is_checked():
            assert page.locator(f"[data-why='by:{key}']").inner_text().strip()
    page.select_option("#f-component", "usbp")
    page.wait_for_selector('#flows-result[data-state=ready][data-query*="component=usbp"]')
    assert not page.eval_on_selector("#f-region option[value='northern']", "o => o.disabled")
    assert not page.locator("input[name=by][value=sector]").is_disabled()


def test_a_downloaded_csv_reopens_its_view(page: Any, server: str, tmp_path: Path) -> None:
    query = "component=usbp&region=southwest&citizenship=VEN&by=month&since=2021-10&until=2025-01"
    _open(page, f"{server}/flows?{query}")
    with page.expect_download() as info:
        page.click("a[data-csv=flows]")
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text()
    expected_rows = len(_table(page, "#table-flows"))
    _open(page, f"{server}/flows")
    with page.expect_navigation():
        page.set_input_files("#f-reload", str(saved))
    page.wait_for_selector("body[data-charts=ready]", timeout=60_000)
    asked = "component=usbp region=southwest citizenship=VEN by=month since=2021-10 until=2025-01"
    for part in asked.split():
        assert part in page.url, (part, page.url, text[:300])
    assert len(_table(page, "#table-flows")) == expected_rows


def test_evaluate_runs(page: Any, server: str) -> None:
    """A causal evaluation from the form: its verdict, table and chart, beside the policy timeline."""
    _open(page, server + "/evaluate")
    assert page.locator("#verb-evaluate .verdict").count() == 1
    page.click("#verb-evaluate details.form-box > summary")
    page.select_option("#verb-evaluate select[name=method]", "its")
    page.click("#verb-evaluate button[type=submit]")
    page.wait_for_url("**/evaluate?run=evaluate*", timeout=240_000)
    page.wait_for_selector("body[data-charts=ready]", timeout=240_000)
    assert page.locator("#table-evaluate tbody tr").count() >= 1
    assert page.locator("#chart-evaluate svg").count() == 1
    api = httpx.get(
        f"{server}/api/v1/evaluate", params={"policy": "venezuela_parole", "method": "its"}, timeout=240
    ).json()
    assert _table(page, "#table-evaluate")[0][0] == labels.label("method", api["data"][0]["method"])


def test_forms_refuse_what_the_server_would(page: Any, server: str) -> None:
    """Numeric fields carry the server's bounds, so the browser refuses a negative count."""
    _open(page, server + "/simulate")
    runs = page.locator("#f-simulate_backlog-runs")
    assert runs.get_attribute("min") == "1" and runs.get_attribute("max") == "5000"
    judges = page.locator("#f-simulate_backlog-judges_added")
    assert float(judges.get_attribute("min")) >= -100_000
    response = httpx.get(f"{server}/simulate?run=simulate_backlog&runs=-5")
    assert response.status_code == 422
    assert "--" not in response.text.split("<main", 1)[1].split("</main>", 1)[0]


def test_tracker_runs(page: Any, server: str) -> None:
    _open(page, server + "/tracker")
    assert page.locator("#table-track tbody tr").count() > 0
    assert "overall" in page.inner_text("#result-track .verdict")
    headers = page.eval_on_selector_all("#table-track thead th", "ths => ths.map(t => t.dataset.col)")
    assert headers[0] == "status", "the tracker leads with the status column"
    # Framework switching is a select of the shipped frameworks, not a text box (issue #16).
    select = "#verb-track select[name=framework]"
    options = page.eval_on_selector_all(f"{select} option", "os => os.map(o => o.value).filter(v => v)")
    assert set(options) == {"root-causes-2021", "collaborative-migration-2021"}
    other = next(o for o in options if o != (page.input_value(select) or "root-causes-2021"))
    page.click("#verb-track details.form-box > summary")
    page.select_option(select, other)
    page.click("#verb-track button[type=submit]")
    page.wait_for_selector("body[data-charts=ready]")
    assert f"framework={other}" in page.url
    api = httpx.get(f"{server}/api/v1/track", params={"framework": other}).json()
    assert len(_table(page, "#table-track")) == min(len(api["data"]), 500)


def test_tracker_shows_the_partners_relief_panel(page: Any, server: str) -> None:
    """Issue 16: the partners' relief (bilateral aid beside the US) renders on the dashboard, its
    chart drawn offline and its table in the page, with what the file does not cover said."""
    _open(page, server + "/tracker")
    panel = page.locator("#extra-partners")
    assert panel.count() == 1
    assert panel.locator(".chart svg").count() == 1
    assert panel.locator("table tbody tr").count() >= 3
    text = page.inner_text("body")
    assert "Japan" in text and "Mexico does not report its aid" in text

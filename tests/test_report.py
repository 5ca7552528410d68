"""The HTML report: self-contained, every chart renders in Chromium with no network request,
every chart and table states its source and period, and the same warehouse gives the same file."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

import corridor
from corridor.report import build_report

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def report(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with corridor.open(warehouse) as obs:
        return build_report(obs, tmp_path_factory.mktemp("report"), generated=STAMP)


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(src|href)=["']https?://""", html), "the report loads something remotely"
    assert "cdn." not in html.lower()
    for section in ("overview", "northern-triangle", "profiles", "tracker", "sources"):
        assert f'id="{section}"' in html


def test_every_chart_states_source_and_period(report: Path) -> None:
    html = report.read_text()
    specs = re.findall(r'<script type="application/json" id="[^"]+-spec">(.*?)</script>', html, re.S)
    assert len(specs) >= 5
    for raw in specs:
        spec = json.loads(raw.replace("<\\/", "</"))
        subtitle = " ".join(spec["title"]["subtitle"])
        assert "Source:" in subtitle, spec["title"]["text"]
        assert re.search(r"\d{4}", subtitle), spec["title"]["text"]
    captions = re.findall(r"<caption>(.*?)</caption>", html, re.S)
    assert captions and all(len(c.strip()) > 20 for c in captions)


def test_same_warehouse_same_report(report: Path, warehouse: Path, tmp_path: Path) -> None:
    with corridor.open(warehouse) as obs:
        again = build_report(obs, tmp_path, generated=STAMP)
    assert again.read_bytes() == report.read_bytes()


@pytest.mark.browser
def test_report_renders_offline_in_chromium(report: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run `make test`, which installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        charts = page.locator("div.chart").count()
        page.wait_for_function(
            "n => window.corridorCharts && "
            "window.corridorCharts.rendered + window.corridorCharts.errors.length >= n",
            arg=charts,
            timeout=60_000,
        )
        state = page.evaluate("window.corridorCharts")
        svgs = page.locator("div.chart svg").count()
        browser.close()
    assert state["errors"] == [] and not errors, (state, errors)
    assert state["rendered"] == charts >= 5
    assert svgs >= charts
    outside = [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert outside == [], outside


@pytest.mark.parametrize("section", ["drivers", "forecast", "simulate", "profiles"])
def test_a_bug_in_a_section_is_not_rendered_as_unavailable(section: str) -> None:
    """Sections turn only Corridor's own errors into "unavailable"; a typo-like bug (here an
    AttributeError from the analysis) must fail the report, not ship silently."""
    import importlib

    module = importlib.import_module(f"corridor.report.sections.{section}")

    class Broken:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object, **kwargs: object) -> object:
                raise AttributeError(f"injected bug in {name}")

            return fail

    with pytest.raises(AttributeError, match="injected bug"):
        module.build(Broken())

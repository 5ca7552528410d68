"""The tracker and partners' relief in the HTML report: the scorecard leads with the status, the
partners section says what is not covered, and its chart renders offline in Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

import corridor
from corridor.report.builder import SECTIONS, build_report, build_sections

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sections(obs) -> dict:
    return {s.id: s for s in build_sections(obs)}


def test_partners_section_is_registered_and_honest(sections: dict) -> None:
    assert "partners" in SECTIONS
    sec = sections["partners"]
    assert sec.available, sec.note
    text = " ".join(b["html"] for b in sec.blocks if b["kind"] == "text")
    assert "Multilateral donors and UN agencies" in text and "Mexico does not report" in text
    tables = [b for b in sec.blocks if b["kind"] == "table"]
    assert tables[0]["columns"][:2] == ["donor", "status"]
    donors = {row[0] for row in tables[0]["rows"]}
    assert {"Japan", "South Korea", "Spain", "Canada", "Germany", "United States"} <= donors
    assert any(b["kind"] == "chart" for b in sec.blocks)


def test_tracker_scorecard_leads_with_the_status(sections: dict) -> None:
    sec = sections["tracker"]
    table = next(b for b in sec.blocks if b["kind"] == "table" and b["title"].endswith("indicators"))
    assert table["columns"][:6] == ["pillar", "indicator", "status", "baseline → latest", "change", "source"]
    profiles = sections["profiles"]
    first = next(b for b in profiles.blocks if b["kind"] == "table")
    assert first["columns"][:3] == ["indicator", "status", "baseline → latest"]


@pytest.mark.browser
def test_partners_chart_renders_offline_in_chromium(warehouse: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with corridor.open(warehouse) as obs:
        report = build_report(obs, tmp_path, generated=STAMP)
    html = report.read_text()
    assert re.search(r'<section[^>]*id="partners"', html)
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run `make test`, which installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_selector("#chart-partners-0 svg", timeout=60_000)
        legend = page.inner_text("#chart-partners-0")
        errors = page.evaluate("window.corridorCharts.errors")
        browser.close()
    assert errors == []
    assert "Japan" in legend and "United States" in legend
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))] == []

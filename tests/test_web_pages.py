"""The dashboard's pages without a browser (issue 17): forms that cannot dead-end, country names,
comparisons, the glossary, verdict cards, and charts and labels for people.

The browser suite (test_web_browser.py) checks the same pages as drawn; these tests check the
logic behind them fast, on the real warehouse.
"""

from __future__ import annotations

import datetime as dt
import html as html_mod
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor import charts, flows, params
from corridor.reference import labels
from corridor.web import create_app
from tests.webkit import local


@pytest.fixture(scope="module")
def client(warehouse: Path) -> TestClient:
    return local(create_app(db=warehouse, timeout=240))


class Elements(HTMLParser):
    """Start tags with their attributes, and the text inside elements of a class."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def _error_box(html: str) -> str:
    found = re.search(r'<div class="note error" role="alert">(.*?)</div>', html, re.S)
    assert found, "no error box"
    return found.group(1)


# --- forms that cannot dead-end -------------------------------------------------------------------

DEAD_ENDS = {
    "ports of entry, nationwide": "component=ofo&by=month",
    "ports of entry, northern": "component=ofo&region=northern&by=month",
    "ports of entry + Title 42": "component=ofo&title=title42&by=month",
    "ports of entry + a sector": "component=ofo&sector=tucson&by=month",
    "ports of entry + state TX": "component=ofo&state=TX&by=month",
    "a misspelt country": "citizenship=Guatemal&by=fiscal_year",
    "a sector of another region": "component=usbp&region=northern&sector=tucson&by=month",
}


@pytest.mark.parametrize("name", list(DEAD_ENDS))
def test_a_failing_selection_says_why_in_one_sentence_and_links_an_answer(
    client: TestClient, name: str
) -> None:
    res = client.get(f"/flows?{DEAD_ENDS[name]}")
    assert res.status_code == 422
    box = _error_box(res.text)
    sentence = re.sub(r"<[^>]+>", "", box.split("</p>")[0]).replace("Cannot answer this request.", "").strip()
    assert sentence.endswith(".") and sentence.count(". ") == 0, sentence
    assert "--" not in box and "cube" not in box.lower() and "pattern" not in box
    href = re.search(r'class="alternative">Try instead: <a href="([^"]+)"', box)
    assert href, box
    target = href.group(1).replace("&amp;", "&")
    again = client.get(target)
    assert again.status_code == 200, (target, again.text[:500])
    assert 'id="table-flows"' in again.text


def test_the_misspelt_country_is_offered_by_its_name(client: TestClient) -> None:
    box = _error_box(client.get("/flows?citizenship=Guatemal&by=fiscal_year").text)
    assert "Citizenship: Guatemala" in box
    assert "citizenship=GTM" in box


def test_border_patrol_venezuela_nationwide_answers(client: TestClient) -> None:
    res = client.get("/flows?component=usbp&citizenship=VEN&by=fiscal_year")
    assert res.status_code == 200
    assert 'id="table-flows"' in res.text and "note error" not in res.text


@pytest.mark.parametrize(
    ("component", "region"), [("ofo", "southwest"), ("usbp", "northern"), ("all", None), ("ofo", None)]
)
def test_disabled_choices_are_the_planners(
    client: TestClient, obs: Any, component: str, region: str | None
) -> None:
    """Every form choice is disabled exactly when the planner's coverage has no answer for it
    (the choice already selected stays enabled, so it can be undone)."""
    query = f"component={component}&by=month" + (f"&region={region}" if region else "")
    html = client.get(f"/flows?{query}").text
    tags = _tags(html)
    req = flows.FlowsRequest.of(params.Selection.parse(component=component, region=region), by=("month",))
    expected = flows.options(obs.cubes, req)
    checked = {"by": {"month"}, "component": {component}, "region": {region or ""}}
    seen = 0
    for tag, attrs in tags:
        if (
            tag == "input"
            and attrs.get("type") == "checkbox"
            and attrs.get("name") in ("by", "demographic", "title")
        ):
            field, value = attrs["name"], attrs["value"]
        elif tag == "option" and attrs.get("value") is not None and "data-label" in attrs:
            value = attrs["value"]
            field = next(
                (
                    f
                    for f in ("region", "component", "sector")
                    if value in expected.get(f, {}) or (f == "region" and value == "")
                ),
                None,
            )
            if field is None:
                continue
            value = value or "nationwide"
        else:
            continue
        reason = expected[field].get(value)
        chosen = value in checked.get(field, set()) or (
            field == "region" and value == "nationwide" and not region
        )
        assert ("disabled" in attrs) == (reason is not None and not chosen), (field, value, reason)
        seen += 1
    assert seen >= 20


def test_reasons_are_said_beside_the_choices(client: TestClient) -> None:
    html = client.get("/flows?component=ofo&region=southwest&by=month").text
    reason = re.search(r'data-why="by:sector">([^<]*)<', html).group(1)
    assert "ports of entry are not counted by sector" in reason.lower()
    assert "(not available: Ports of entry are published for the southwest land border only)" in html


# --- countries -------------------------------------------------------------------------------------


def test_country_names_and_codes(client: TestClient) -> None:
    by_name = client.get("/country?iso3=guatemala")
    by_code = client.get("/country?iso3=GTM")
    assert by_name.status_code == by_code.status_code == 200
    assert "<h1>Guatemala</h1>" in by_name.text
    flows_page = client.get("/flows?citizenship=Guatemala,Honduras&by=fiscal_year,citizenship")
    assert flows_page.status_code == 200
    assert 'value="Guatemala, Honduras"' in flows_page.text


def test_compare_two_to_four_countries(client: TestClient) -> None:
    res = client.get("/country?iso3=GTM,Honduras,SLV")
    assert res.status_code == 200
    assert "Compare: Guatemala, Honduras, El Salvador" in res.text
    panels = re.findall(r'id="chart-compare-\d+"', res.text)
    assert len(panels) >= 6, "root causes as small multiples"
    assert 'id="chart-compare-encounters"' in res.text
    too_many = client.get("/country?iso3=GTM,HND,SLV,MEX,VEN")
    assert too_many.status_code == 422
    assert "at most 4 countries" in _error_box(too_many.text)


# --- glossary, badges, verdicts ----------------------------------------------------------------


def test_glossary_explains_every_badge_and_term(client: TestClient) -> None:
    html = client.get("/glossary").text
    for term in (
        "events",
        "rounded",
        "suppressed",
        "partial",
        "stitched",
        "title8",
        "title42",
        "components",
        "fiscal_year",
    ):
        assert f'id="{term}"' in html, term
    page = client.get("/flows?component=usbp&region=southwest&by=fiscal_year").text
    links = set(re.findall(r'class="badge[^"]*" href="/glossary#([a-z_0-9]+)"', page))
    assert {"rounded", "stitched", "partial"} <= links
    for anchor in links:
        assert f'id="{anchor}"' in html


@pytest.mark.parametrize(
    ("path", "verbs"),
    [
        ("/forecast", ["forecast"]),
        ("/simulate", ["simulate_pathways", "simulate_backlog"]),
        ("/tracker", ["track"]),
    ],
)
def test_analysis_pages_lead_with_a_verdict(client: TestClient, path: str, verbs: list[str]) -> None:
    html = client.get(path).text
    for verb in verbs:
        result = html.split(f'id="result-{verb}"', 1)[1]
        assert result.lstrip().split(">", 1)[1].lstrip().startswith('<section class="verdict'), verb
        headline = re.search(r'class="verdict-headline"[^>]*>([^<]+)<', result).group(1)
        assert len(headline) > 20
    assert "<pre" not in html, "no monospace dumps"


def _card(html: str, verb: str) -> str:
    result = html.split(f'id="result-{verb}"', 1)[1]
    return result.split("</section>", 1)[0]


def test_verdict_cards_say_one_thing_and_their_counts_add_up(client: TestClient) -> None:
    # The evaluate card led with the whole verdict paragraph (four methods' diagnostics in bold);
    # its headline is the verdict's first sentence, the reasons follow under "How sure".
    page = client.get("/evaluate", params={"run": "evaluate", "policy": "chnv_parole", "region": "southwest",
                                           "component": "usbp"})  # fmt: skip
    assert page.status_code == 200
    card = _card(page.text, "evaluate")
    headline = html_mod.unescape(re.search(r'class="verdict-headline"[^>]*>([^<]+)<', card).group(1)).strip()
    assert headline.endswith(".") and "methods agree" not in headline
    assert not re.search(r"[.!?]\s+[A-Z0-9]", headline)  # one sentence
    # The tracker's counts of statuses add up to the number of indicators they are "of".
    card = _card(client.get("/tracker").text, "track")
    found = re.search(r"Of (\d+) indicators: ([^<]+)\.", html_mod.unescape(card))
    total, parts = int(found.group(1)), found.group(2).split(", ")
    assert sum(int(p.split(" ", 1)[0]) for p in parts) == total
    # The forecast card says its sharpness in words a reader can check against the range shown.
    card = html_mod.unescape(_card(client.get("/forecast").text, "forecast"))
    assert "times the forecast wide" not in card
    assert re.search(r"this month's is \d+% of the forecast", card)
    # the real series fell in 2025 and the backtests cross that fall: their width says so
    assert re.search(r"In backtests, which span the level shift of [A-Z][a-z]{2} \d{4}, the 80% range", card)


@pytest.mark.parametrize("framework", ["root-causes-2021", "collaborative-migration-2021"])
def test_every_tracker_row_names_its_indicator_and_source(client: TestClient, framework: str, obs) -> None:
    # the page's table once lost its indicator column (a renamed field): rows of statuses and
    # numbers with nothing saying what they measure
    html = client.get("/tracker", params={"run": "track", "framework": framework}).text
    table = re.search(r"<table.*?</table>", html, re.S).group(0)
    header = re.findall(r'<th scope="col"[^>]*data-col="([^"]+)"', table)
    assert header[:2] == ["status", "indicator"] and "source" in header, header
    first = header.index("baseline")
    assert header.index("latest") > first and header.index("change") > first
    shown = [
        html_mod.unescape(re.sub(r"<[^>]+>", "", cells[1])).strip()
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
        if cells
    ]
    expected = obs.track(framework).tidy()["indicator"].tolist()
    assert len(shown) == len(expected)
    for cell, label in zip(shown, expected, strict=True):  # a long label is cut with an ellipsis
        assert cell == label or (cell.endswith("…") and label.startswith(cell[:-1].rstrip())), (cell, label)


def test_form_fields_speak_the_pages_words(client: TestClient) -> None:
    html = client.get("/drivers").text
    assert ">Fixed effects<" in html and ">Each country and each year<" in html
    assert ">Years held out<" in html
    assert re.search(r'name="oos_years"[^>]*min="0" max="10"', html)
    bad = client.get("/simulate?run=simulate_backlog&runs=-3")
    assert bad.status_code == 422
    box = _error_box(bad.text)
    assert "“Simulation runs”" in box and "--" not in box


def test_since_and_until_say_whether_they_are_months_or_fiscal_years(client: TestClient) -> None:
    # drivers take fiscal years (numbers), the flows explorer and forecasts take months
    drivers = client.get("/drivers").text
    assert ">From (fiscal year)<" in drivers and ">To (fiscal year)<" in drivers
    assert "From (month)" not in drivers
    assert ">To (month)<" in client.get("/forecast").text


def test_error_messages_read_as_sentences(client: TestClient) -> None:
    # the page puts a message after "Cannot answer this request.": it starts a new sentence, also
    # for messages written to follow a colon (the queue's 503: "the server has more analyses...")
    from corridor.web.render import TEMPLATES

    macro = TEMPLATES.env.from_string('{% from "_macros.html" import error %}{{ error(e) }}')
    for e in ("the server has more analyses waiting; try again in 3 s", {"message": "the queue is full."}):
        box = _error_box(macro.render(e=e))
        text = re.sub(r"<[^>]+>", "", box.split("</p>")[0]).replace("Cannot answer this request.", "").strip()
        assert text.startswith("The "), text
    for url in ("/forecast?run=forecast&citizenship=XXX", "/evaluate?run=evaluate&policy=nope"):
        box = _error_box(client.get(url).text)
        text = re.sub(r"<[^>]+>", "", box.split("</p>")[0]).replace("Cannot answer this request.", "").strip()
        assert text[:1].isupper(), (url, text)


# --- charts and labels for people ------------------------------------------------------------


def _frame(years: list[int], groups: list[str]) -> pd.DataFrame:
    rows = [
        {"fiscal_year": y, "demographic": g, "encounters": 100 * y % 997 + 10} for y in years for g in groups
    ]
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(["single_adults", "family_units", "uac", "accompanied_minors"]),
        min_size=1,
        unique=True,
    )
)
def test_one_colour_a_category_on_every_chart(groups: list[str]) -> None:
    spec = charts.series_chart(
        _frame([2021, 2022], groups), color="demographic", title="t", caption="Source: x."
    )
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    for text, colour in zip(scale["domain"], scale["range"], strict=True):
        code = next(g for g in groups if labels.label("demographic", g) == text)
        assert colour == labels.colour("demographic", code)
    assert not set(groups) & {row["demographic"] for row in spec["data"]["values"]}, "labels, not ids"


def test_partial_years_are_drawn_apart() -> None:
    frame = _frame([2023, 2024, 2025], ["uac"])
    bars = charts.series_chart(
        frame, mark="bar", title="t", caption="Source: x.", partial={2025: "2 of 12 months"}
    )
    enc = bars["layer"][0]["encoding"]
    assert enc["opacity"]["condition"]["test"] == "datum.partial"
    assert [r["partial"] for r in bars["data"]["values"]] == [None, None, "2 of 12 months"]
    assert any(layer["mark"]["type"] == "text" for layer in bars["layer"][1:])
    assert "partial" in " ".join(bars["title"]["subtitle"]).lower()
    line = charts.series_chart(
        frame, mark="line", title="t", caption="Source: x.", partial={2025: "2 of 12 months"}
    )
    assert line["layer"][0]["transform"] == [{"filter": "!datum.partial"}], "no fall to a partial year"


def test_event_markers_one_label_a_cluster() -> None:
    events = [
        (dt.date(2023, 5, 11), "title42_end", "Title 42 ends"),
        (dt.date(2023, 5, 12), "circumvention_lawful_pathways", "Lawful pathways rule"),
        (dt.date(2024, 6, 5), "securing_the_border", "Securing the border"),
    ]
    marks = charts.cluster(events)
    assert [m.number for m in marks] == [1, 2]
    months = pd.DataFrame(
        {
            "month": [dt.date(2023, m, 1) for m in range(1, 13)]
            + [dt.date(2024, m, 1) for m in range(1, 13)],
            "encounters": range(24),
        }
    )
    spec = charts.series_chart(months, title="t", caption="Source: x.", events=marks)
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert all("angle" not in layer["mark"] for layer in texts)
    assert [e["number"] for e in spec["usermeta"]["events"]] == [1, 2]
    assert "Title 42 ends" in spec["usermeta"]["events"][0]["text"]


def test_rotated_event_ids_from_elsewhere_become_numbered() -> None:
    spec = {
        "title": {"text": "x", "subtitle": ["Source: y."]},
        "data": {"values": [{"month": "2023-01-01", "value": 5}]},
        "layer": [
            {
                "mark": "line",
                "encoding": {
                    "x": {"field": "month", "type": "temporal"},
                    "y": {"field": "value", "type": "quantitative"},
                },
            },
            {
                "data": {
                    "values": [
                        {"month": "2023-05-11", "event": "title42_end"},
                        {"month": "2023-05-12", "event": "circumvention_lawful_pathways"},
                    ]
                },
                "mark": {"type": "text", "angle": 270},
                "encoding": {"x": {"field": "month", "type": "temporal"}, "text": {"field": "event"}},
            },
        ],
    }
    shown = charts.for_people(spec)
    assert "angle" not in shown["layer"][1]["mark"]
    assert len(shown["usermeta"]["events"]) == 1
    assert labels.label("event", "title42_end") in shown["usermeta"]["events"][0]["text"]


def test_descriptions_say_range_and_latest() -> None:
    frame = pd.DataFrame({"month": [dt.date(2024, m, 1) for m in (1, 2, 3)], "encounters": [300, 100, 200]})
    text = charts.series_chart(frame, title="Encounters", caption="Source: x.")["description"]
    assert (
        "Jan 2024 to Mar 2024" in text and "Lowest 100 (Feb 2024)" in text and "latest 200 (Mar 2024)" in text
    )


def test_humanize_rewrites_ids_and_flags() -> None:
    text = labels.humanize("venezuela_parole: --since 2024-01 is after --until 2023-01; use --component usbp")
    assert "venezuela_parole" not in text and "--" not in text
    assert labels.label("event", "venezuela_parole") in text
    assert "“From (month)” 2024-01" in text and "U.S. Border Patrol" in text
    assert (
        labels.humanize("see https://www.federalregister.gov/d/2022-22739")
        == "see https://www.federalregister.gov/d/2022-22739"
    )


def test_every_vocabulary_id_has_a_label() -> None:
    for kind in ("demographic", "component", "region", "title", "sector", "event", "outcome"):
        for code, entry in labels.table(kind).items():
            assert entry.text and entry.text != code, (kind, code)
    for key in labels.BY_LABELS:
        assert labels.column(key) != key

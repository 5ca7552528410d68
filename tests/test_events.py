"""The policy timeline: the curated YAML validates, covers the required policies, and marks charts."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
import vl_convert as vlc
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import InputError, UsageError
from corridor.reference import events as ev

runner = CliRunner()

REQUIRED = {
    "mpp_start": dt.date(2019, 1, 28),
    "mpp_suspended": dt.date(2021, 1, 21),
    "title42_start": dt.date(2020, 3, 20),
    "title42_end": dt.date(2023, 5, 12),
    "expedited_removal_families": dt.date(2021, 7, 30),
    "venezuela_parole": dt.date(2022, 10, 12),
    "chnv_parole": dt.date(2023, 1, 6),
    "cbp_one_title42_exceptions": dt.date(2023, 1, 12),
    "circumvention_lawful_pathways": dt.date(2023, 5, 11),
    "securing_the_border": dt.date(2024, 6, 5),
    "invasion_proclamation": dt.date(2025, 1, 20),
}

GOOD = """
events:
  - id: a_policy
    title: A policy
    kind: pathway
    announced: 2022-10-12
    effective: 2022-10-20
    citizenships: [VEN]
    regions: [southwest]
    source: {publisher: DHS, title: T, url: "https://www.federalregister.gov/d/2022-22739", checked: true}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(text)
    return path


def test_curated_timeline_loads_and_covers_the_required_policies() -> None:
    events = ev.load_events()
    assert len(events) >= 15
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids))
    by_id = {e.id: e for e in events}
    for event_id, effective in REQUIRED.items():
        assert by_id[event_id].effective == effective, event_id
    assert by_id["venezuela_parole"].citizenships == ("VEN",)
    assert set(by_id["chnv_parole"].citizenships) == {"CUB", "HTI", "NIC"}
    assert by_id["expedited_removal_families"].demographics == ("family_units",)
    assert by_id["mpp_start"].excluded == ("MEX",)
    assert [e.effective for e in events] == sorted(e.effective for e in events)


def test_every_event_has_dates_in_range_and_a_primary_source() -> None:
    for e in ev.load_events():
        assert dt.date(2018, 12, 1) <= e.announced <= e.effective <= dt.date(2025, 12, 31), e.id
        assert e.source.url.startswith("https://"), e.id
        assert any(
            host in e.source.url for host in ("federalregister.gov", "dhs.gov", "cbp.gov", "whitehouse.gov")
        )
        assert e.title and e.source.title and e.source.publisher


def test_start_month_is_the_first_month_mostly_in_force() -> None:
    by_id = {e.id: e for e in ev.load_events()}
    assert by_id["venezuela_parole"].start_month == dt.date(2022, 10, 1)  # effective on the 12th
    assert by_id["title42_start"].start_month == dt.date(2020, 4, 1)  # effective on the 20th
    assert by_id["securing_the_border"].start_month == dt.date(2024, 6, 1)


def test_targets_respect_exclusions_and_regions() -> None:
    by_id = {e.id: e for e in ev.load_events()}
    mpp = by_id["mpp_start"]
    assert mpp.targets("GTM") and not mpp.targets("MEX")
    assert by_id["chnv_parole"].targets("CUB") and not by_id["chnv_parole"].targets("VEN")
    assert by_id["venezuela_parole"].covers_region("southwest")
    assert not by_id["venezuela_parole"].covers_region("northern")
    chosen = ev.select(ev.load_events(), start="2023-01", end="2023-01", citizenship="CUB")
    assert {e.id for e in chosen} == {"chnv_parole", "cbp_one_title42_exceptions"}


def test_a_valid_file_parses(tmp_path: Path) -> None:
    events = ev.parse_events(_write(tmp_path, GOOD))
    assert [e.id for e in events] == ["a_policy"]
    assert events[0].start_month == dt.date(2022, 11, 1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + t.split("events:\n")[1], "used twice"),
        (lambda t: t.replace("2022-10-20", "2022-13-40"), "not a valid date"),
        (lambda t: t.replace("effective: 2022-10-20", "effective: 2022-10-01"), "before announced"),
        (lambda t: t.replace("[VEN]", "[VEX]"), "not an ISO 3166 alpha-3 code"),
        (
            lambda t: t.replace(', url: "https://www.federalregister.gov/d/2022-22739"', ""),
            "source.url is missing",
        ),
        (
            lambda t: t.replace("https://www.federalregister.gov", "https://example.com"),
            "not a primary source",
        ),
        (lambda t: t.replace("[southwest]", "[moon]"), "regions 'moon'"),
        (lambda t: t.replace("kind: pathway", "kind: vibes"), "kind 'vibes'"),
    ],
)
def test_bad_files_fail_with_a_clear_message(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ev.parse_events(_write(tmp_path, edit(GOOD)))


def test_unknown_policy_id_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown policy id 'nope'.*chnv_parole"):
        ev.get_event("nope")


def test_chart_layer_marks_events_in_range_on_any_encounters_chart() -> None:
    events = ev.load_events()
    layers = ev.chart_layer(events, "2022-01", "2023-06")
    marked = {v["event"] for v in layers[0]["data"]["values"]}
    assert {"venezuela_parole", "chnv_parole", "title42_end", "uniting_for_ukraine"} <= marked
    assert "securing_the_border" not in marked and "title42_start" not in marked
    assert layers[0]["mark"]["type"] == "rule" and layers[1]["mark"]["type"] == "text"
    assert ev.chart_layer(events, "2010-01", "2010-12") == []
    base = {
        "data": {
            "values": [{"month": "2022-01-01", "encounters": 1}, {"month": "2023-06-01", "encounters": 3}]
        },
        "mark": "line",
        "encoding": {
            "x": {"field": "month", "type": "temporal"},
            "y": {"field": "encounters", "type": "quantitative"},
        },
    }
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "layer": [base, *layers]}
    svg = vlc.vegalite_to_svg(spec)
    assert "<svg" in svg and "chnv_parole" in svg


def test_events_cli_lists_the_timeline() -> None:
    res = runner.invoke(app, ["events", "--format", "json", "--since", "2023-01", "--until", "2023-12"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ids = [r["id"] for r in doc["data"]]
    assert "chnv_parole" in ids and "title42_end" in ids and "venezuela_parole" not in ids
    assert all(r["url"].startswith("https://") for r in doc["data"])
    res = runner.invoke(app, ["events", "--region", "moon"])
    assert res.exit_code == 2 and "region" in res.stderr


def test_policy_marks_never_print_over_each_other_and_count_every_event(obs) -> None:
    # The report's overview chart printed several labels over each other where events share a
    # month (May 2023: Title 42 ends, the lawful-pathways rule, family case management). Events
    # close together now share one numbered marker.
    from corridor import charts

    timeline = obs.events().tidy()
    marks = charts.policy_marks(obs)
    assert 0 < len(marks) < len(timeline)
    dates = [m.date for m in marks]
    assert dates == sorted(dates)
    assert all((b - a).days > charts.CLUSTER_DAYS for a, b in itertools.pairwise(dates))
    assert [m.number for m in marks] == list(range(1, len(marks) + 1))
    shown = [e[0] for m in marks for e in m.events]
    assert sorted(shown) == sorted(timeline["id"])  # every event once, in exactly one marker


def test_report_overview_chart_has_no_overlapping_event_labels(obs) -> None:
    from corridor.report.sections import overview

    section = overview.build(obs)
    for block in (b for b in section.blocks if b["kind"] == "chart"):
        for layer in json.loads(block["spec"]).get("layer", []):
            if layer.get("mark", {}).get("type") == "text" and "date" in str(layer.get("data")):
                months = [row["date"][:7] for row in layer["data"]["values"]]
                assert months and len(months) == len(set(months)), months

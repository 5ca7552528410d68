"""How the report draws its sections (issue 17, point 10): one label per event cluster, partial
periods drawn apart, tables that fit or fold with labelled headers, years never as 2019.0."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from corridor.report.base import Section
from corridor.report.sections import northern_triangle, overview


@pytest.fixture(scope="module")
def sections(obs: Any) -> dict[str, Section]:
    return {"overview": overview.build(obs), "northern-triangle": northern_triangle.build(obs)}


def _charts(section: Section) -> list[dict[str, Any]]:
    return [json.loads(b["spec"]) for b in section.blocks if b["kind"] == "chart"]


def test_event_labels_one_a_cluster_never_rotated(sections: dict[str, Section]) -> None:
    marked = [s for s in _charts(sections["overview"]) if (s.get("usermeta") or {}).get("events")]
    assert marked, "the overview marks policy events"
    for spec in marked:
        texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
        assert texts and all("angle" not in layer["mark"] for layer in texts)
        numbers = [row["label"] for layer in texts for row in layer["data"]["values"]]
        assert len(numbers) == len(set(numbers)), "one label a cluster"
        listed = spec["usermeta"]["events"]
        assert [str(e["number"]) for e in listed] == numbers
        assert all(e["text"] and "_" not in e["text"] for e in listed), "events listed by title"
    blocks = [b for b in sections["overview"].blocks if b["kind"] == "chart" and b["events"]]
    assert blocks and all(len(b["description"]) > 60 for b in blocks)


def test_partial_fiscal_years_are_drawn_apart(sections: dict[str, Section]) -> None:
    sector = next(s for s in _charts(sections["northern-triangle"]) if "sector" in s["title"]["text"].lower())
    rows = sector["data"]["values"]
    partial = {r["fiscal_year"] for r in rows if r.get("partial")}
    assert partial, "the sector series ends in a partial fiscal year"
    assert sector["layer"][0]["transform"] == [{"filter": "!datum.partial"}], "the line stops before it"
    long_bars = next(s for s in _charts(sections["overview"]) if "FY1960" in s["title"]["text"])
    assert long_bars["layer"][0]["encoding"]["opacity"]["condition"]["test"] == "datum.partial"


def test_tables_have_labels_fold_when_wide_and_whole_years(sections: dict[str, Section]) -> None:
    tables = [b for s in sections.values() for b in s.blocks if b["kind"] == "table"]
    assert tables
    for t in tables:
        assert all("_" not in h for h in t["headers"]), t["headers"]
        assert t["wide"] == (len(t["columns"]) > 5)
        for row in t["rows"]:
            assert not any(re.fullmatch(r"(19|20)\d\d\.0", v) for v in row), row
            assert not any(v in ("family_units", "uac", "single_adults") for v in row)
    nt = next(t for t in tables if "demographic" in t["title"].lower())
    assert "Unaccompanied children" in nt["headers"]

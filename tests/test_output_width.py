"""Terminal tables fit the terminal and print every value whole (issue 17, point 10).

At 80 columns (pipes, CI logs) a table that does not fit prints one record per row; wider, prose
wraps at spaces. No value is ever cut with "…"; counts print as whole numbers with thousands
separators; CSV and JSON are unchanged by the terminal's width.
"""

from __future__ import annotations

import io
import json
import re
import string
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from corridor import fmt, output
from corridor.cli import app

runner = CliRunner()


def _flat(text: str) -> str:
    """Whitespace runs as one space: a value wrapped over lines reads as it was."""
    return re.sub(r"\s+", " ", text)


def _invoke(args: list[str], columns: int) -> str:
    res = runner.invoke(app, args, env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    return res.stdout


def test_events_at_80_columns_print_every_value_whole() -> None:
    text = _invoke(["events"], 80)
    data = json.loads(_invoke(["events", "--format", "json"], 200))["data"]
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    flat = _flat(text)
    assert len(data) == 19  # the curated timeline's 19 events, each printed
    for event in data:
        assert re.search(rf"\b{re.escape(event['id'])}\b", flat), event["id"]
        assert _flat(event["title"]) in flat, event["title"]
        assert event["effective"][:10] in flat


def test_simulate_backlog_at_80_columns_prints_whole_counts(warehouse: Path) -> None:
    text = _invoke(["simulate", "backlog", "--db", str(warehouse)], 80)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads(_invoke(["simulate", "backlog", "--format", "json", "--db", str(warehouse)], 200))
    pending = [row for row in data["data"] if row["series"] == "pending"]
    assert len(pending) == 10  # FY2026-FY2035
    for row in pending:
        for column in ("median", "lower", "upper"):
            # Whole numbers with thousands separators, computed here from the JSON value.
            whole = f"{round(row[column]):,}"
            assert re.search(rf"(?<![\d,.]){re.escape(whole)}(?![\d,.])", text), (column, whole)
    assert "2026" in text and "2026.0" not in text and "2,026" not in text


def test_csv_and_json_do_not_depend_on_the_width() -> None:
    narrow = _invoke(["events", "--format", "csv"], 40)
    wide = _invoke(["events", "--format", "csv"], 300)
    assert narrow == wide
    assert narrow.splitlines()[0].startswith("id,effective")


def _render(frame: pd.DataFrame, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    return output.render_table(frame, caption="Source: a hand-made frame.", console=console)


words = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=14)
prose = st.lists(words, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(min_value=40, max_value=180),
    ids=st.lists(words, min_size=1, max_size=6),
    data=st.data(),
)
def test_any_table_fits_and_keeps_every_value(width: int, ids: list[str], data: st.DataObject) -> None:
    n = len(ids)
    frame = pd.DataFrame(
        {
            "id": ids,
            "title": data.draw(st.lists(prose, min_size=n, max_size=n)),
            "encounters": data.draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n)),
            "share": data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)),
            "fiscal_year": data.draw(st.lists(st.integers(1960, 2030), min_size=n, max_size=n)),
        }
    )
    text = _render(frame, width)
    assert "…" not in text
    body = text.rsplit("Source:", 1)[0]
    assert max(len(line.rstrip()) for line in body.splitlines()) <= width
    # Every value is whole: ids and numbers as one token, prose word by word (it may wrap).
    tokens = set(re.split(r"[\s│┃┆|]+", text))
    for row in frame.itertuples():
        assert row.id in tokens
        assert set(row.title.split()) <= tokens
        assert f"{row.encounters:,}" in tokens
        assert str(row.fiscal_year) in tokens


def test_one_precision_a_column() -> None:
    frame = pd.DataFrame({"mase": [10.8, 21.1, 16607.2], "coverage_80": [0.59, 0.472, 0.8]})
    f = fmt.formatters(frame)
    assert [f["mase"](v) for v in frame["mase"]] == ["10.8", "21.1", "16,607.2"]
    assert [f["coverage_80"](v) for v in frame["coverage_80"]] == ["59.0%", "47.2%", "80.0%"]
    assert fmt.cell(2019.0, "year") == "2019"
    assert fmt.cell(float("nan"), "count") == "–"


def test_profile_and_track_at_80_columns_keep_their_ids_whole(warehouse: Path) -> None:
    profile = _invoke(["profile", "GTM", "--db", str(warehouse)], 80)
    assert "…" not in profile and not re.search(r"\b(19|20)\d\d\.0\b", profile)
    # Indicators by their names (never ids), each name whole on one line.
    assert "GDP per capita, PPP (constant 2021 international $)" in profile.splitlines()[2]
    assert "wdi." not in profile
    track = _invoke(["track", "root-causes-2021", "--db", str(warehouse)], 80)
    assert "…" not in track
    assert max(len(line) for line in track.splitlines() if not line.startswith(("U.S.", "Goal"))) <= 80

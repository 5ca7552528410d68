"""The CLI contract: verbs, formats, provenance on stderr and in files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from corridor.cli import app

runner = CliRunner()


def test_flows_csv(warehouse: Path) -> None:
    res = runner.invoke(
        app,
        ["flows", "--region", "southwest", "--by", "fiscal_year", "--format", "csv", "--db", str(warehouse)],
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "fiscal_year,encounters"
    assert "2021,1734686" in lines
    assert "CBP Nationwide Encounters" in res.stderr


def test_flows_json_carries_metadata(warehouse: Path) -> None:
    res = runner.invoke(
        app,
        [
            "flows",
            "--component",
            "usbp",
            "--region",
            "southwest",
            "--by",
            "fiscal_year",
            "--format",
            "json",
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["metadata"]["rounded"] is True
    assert "2020-10..2021-09" in doc["metadata"]["rounded_months"]
    years = {r["fiscal_year"]: r["encounters"] for r in doc["data"]}
    assert years[2019] == 851_508


def test_flows_parquet_metadata(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    res = runner.invoke(
        app,
        [
            "flows",
            "--region",
            "southwest",
            "--by",
            "month,demographic",
            "--format",
            "parquet",
            "--out",
            str(out),
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table.column_names == ["month", "demographic", "encounters"]
    meta = json.loads(table.schema.metadata[b"corridor"])
    assert meta["sources"][0]["cube"] == "cbp_state"


def test_flows_table_has_caption(warehouse: Path) -> None:
    res = runner.invoke(
        app,
        [
            "flows",
            "--region",
            "southwest",
            "--citizenship",
            "GTM,HND",
            "--by",
            "citizenship",
            "--since",
            "2023-10",
            "--until",
            "2024-09",
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "204,252" in res.stdout and "140,479" in res.stdout  # FY2024 GTM, HND (data README)
    assert "Source:" in res.stdout


def test_bad_option_exit_2(warehouse: Path) -> None:
    res = runner.invoke(app, ["flows", "--region", "moon", "--db", str(warehouse)])
    assert res.exit_code == 2
    assert "moon" in res.stderr and res.stdout == ""


def test_missing_warehouse_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2
    assert "corridor sync" in res.stderr


def test_status_lists_checksums(warehouse: Path) -> None:
    res = runner.invoke(app, ["status", "--format", "json", "--db", str(warehouse)])
    assert res.exit_code == 0
    rows = json.loads(res.stdout)["data"]
    assert any(
        r["file_name"] == "sbo-encounters-fy22-fy25-aug.csv" and r["sha256"].startswith("644a70518bea0888")
        for r in rows
    )


def test_status_table_has_one_row_a_dataset_that_sums_its_files(warehouse: Path) -> None:
    """The default `status` answers 'what is loaded' in one row a dataset; its files and rows are
    the per-file listing's (JSON), and its period spans every file's period."""
    from corridor.cli import _months, by_dataset

    files = json.loads(runner.invoke(app, ["status", "--format", "json", "--db", str(warehouse)]).stdout)[
        "data"
    ]
    res = runner.invoke(app, ["status", "--db", str(warehouse)], env={"COLUMNS": "80"})
    assert res.exit_code == 0 and "Loaded datasets" in res.stdout
    import pandas as pd

    table = by_dataset(pd.DataFrame(files)).set_index("dataset")
    for dataset, part in pd.DataFrame(files).groupby("dataset"):
        assert table.loc[dataset, "files"] == len(part)
        assert table.loc[dataset, "rows"] == part["rows"].sum()
        assert f"{dataset} " in res.stdout
        if part["period_start"].notna().any():
            first, last = str(table.loc[dataset, "period"]).split("..")
            assert all(
                _months(first, end=False) <= _months(str(v), end=False) for v in part["period_start"].dropna()
            )
            assert all(
                _months(last, end=True) >= _months(str(v), end=True) for v in part["period_end"].dropna()
            )
    # refugee admissions mix fiscal years (OHSS yearbook) and months (PRM): the later one ends it
    assert table.loc["refugee_admissions", "period"].endswith("2024-12")
    res = runner.invoke(app, ["status", "--files", "--db", str(warehouse)], env={"COLUMNS": "200"})
    assert "sbo-encounters-fy22-fy25-aug.csv" in res.stdout


@given(year=st.integers(1900, 2100), month=st.integers(1, 12))
def test_period_months_place_a_month_inside_its_year_and_fiscal_year(year: int, month: int) -> None:
    from corridor.cli import _months

    m = f"{year}-{month:02d}"
    fy = year + 1 if month >= 10 else year
    assert _months(str(year), end=False) <= _months(m, end=False) <= _months(str(year), end=True)
    assert _months(f"FY{fy}", end=False) <= _months(m, end=False) <= _months(f"FY{fy}", end=True)
    assert _months(f"{m}-15", end=True) == m


def test_a_table_for_people_stops_at_its_row_cap_and_says_so(tmp_path: Path) -> None:
    """A terminal table ends at output.TABLE_ROWS with a sentence; CSV keeps every row."""
    import pandas as pd

    from corridor import output

    n = output.TABLE_ROWS * 2 + 7
    frame = pd.DataFrame({"year": range(1000, 1000 + n), "value": range(n)})
    table, csv = tmp_path / "t.txt", tmp_path / "t.csv"
    output.emit(frame, fmt="table", out=table, metadata={}, caption="Made up.", title="T")
    output.emit(frame, fmt="csv", out=csv, metadata={}, caption="Made up.")
    text = " ".join(table.read_text().split())
    assert f"Showing the first {output.TABLE_ROWS:,} of {n:,} rows" in text
    assert str(1000 + output.TABLE_ROWS - 1) in text and str(1000 + output.TABLE_ROWS) not in text
    assert len(pd.read_csv(csv)) == n


def test_indicators_with_nothing_chosen_shows_the_catalog(warehouse: Path) -> None:
    answer = runner.invoke(app, ["indicators", "--list", "--format", "json", "--db", str(warehouse)])
    catalog = json.loads(answer.stdout)["data"]
    res = runner.invoke(app, ["indicators", "--db", str(warehouse)], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert f"{len(catalog)} indicators" in res.stdout and "--indicator ID" in res.stdout
    assert all(row["indicator"] in res.stdout for row in catalog)

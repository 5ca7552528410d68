"""The CLI contract: verbs, formats, provenance on stderr and in files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
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

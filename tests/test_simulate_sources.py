"""Bad-input cases the shared contract runner cannot build: damaged Parquet files (ICE detention,
UWCHR headcount) and a damaged USCIS workbook. Each must fail with exit 2, an error naming the
file (and row/column where there is one), and an unchanged warehouse."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corridor import ingest
from corridor.cli import app
from corridor.sources import SOURCES
from tests.conftest import data_dir

ADP = "detention/ddp_ice_detention_stats/adp-by-agency-criminality.parquet"
REMOVALS = "detention/ddp_ice_detention_stats/removals.parquet"
UWCHR = "detention/uwchr_ice_detention_headcount_by_facility_daily_fy12-fy24ytd.parquet"
USCIS = "outcomes/uscis_cf_rf_semimonthly/Congressional-Semi-Monthly-Report-11-01-20-to-11-15-21.xlsx"


def _rename(path: Path) -> None:
    t = pq.read_table(path)
    names = list(t.column_names)
    names[0] = names[0] + "_changed"
    pq.write_table(t.rename_columns(names), path)


def _text_in_numbers(path: Path) -> None:
    t = pq.read_table(path)
    i = t.column_names.index("adp")
    pq.write_table(t.set_column(i, "adp", pc.cast(t.column("adp"), pa.string())), path)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _duplicate_last(path: Path) -> None:
    t = pq.read_table(path)
    pq.write_table(pa.concat_tables([t, t.slice(t.num_rows - 1, 1)]), path)


def _negative_headcount(path: Path) -> None:
    t = pq.read_table(path)
    n = t.column("n").to_pylist()
    n[10] = -3
    pq.write_table(t.set_column(t.column_names.index("n"), "n", pa.array(n, type=pa.int64())), path)


def _unknown_agency(path: Path) -> None:
    t = pq.read_table(path)
    labels = t.column("agency").to_pylist()
    labels[5] = "Border Average"
    pq.write_table(t.set_column(0, "agency", pa.array(labels, type=pa.string())), path)


def _uscis_text(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.cell(row=7, column=5, value="about 300")
    wb.save(path)


CASES: list[tuple[str, str, str, Callable[[Path], None], tuple[str, ...]]] = [
    ("ice_detention", ADP, "renamed column", _rename, ("column 'agency'",)),
    ("ice_detention", ADP, "text in a number column", _text_in_numbers, ("column 'adp'",)),
    ("ice_detention", ADP, "unknown label", _unknown_agency, ("row 6", "column 'agency'")),
    ("ice_detention", ADP, "truncated", _truncate, ("not a readable Parquet file",)),
    ("ice_detention", REMOVALS, "empty", _empty, ("file is empty",)),
    ("ice_detention", REMOVALS, "duplicated row", _duplicate_last, ("duplicate row", " row ")),
    ("ice_detention", UWCHR, "duplicated facility-day", _duplicate_last, ("duplicate facility-day", " row ")),
    ("ice_detention", UWCHR, "negative headcount", _negative_headcount, ("row 11", "column 'n'")),
    ("credible_fear", USCIS, "text in a count", _uscis_text, ("row 7", "column 'period 2'")),
]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for dataset in {c[0] for c in CASES}:
        db = tmp_path_factory.mktemp(f"good-{dataset}") / "w.duckdb"
        ingest.sync(db=db, mirror=data_dir(), only=[dataset])
        out[dataset] = db
    return out


@pytest.mark.parametrize(
    ("dataset", "rel", "case", "damage", "expect"),
    CASES,
    ids=[f"{c[0]}:{Path(c[1]).stem}:{c[2]}" for c in CASES],
)
def test_damaged_file_fails_cleanly(dataset, rel, case, damage, expect, good, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(good[dataset].read_bytes())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    mirror = tmp_path / "mirror"
    for spec in SOURCES[dataset].files:
        dest = mirror / spec.mirror_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir() / spec.mirror_path, dest)
    damage(mirror / rel)
    result = CliRunner().invoke(app, ["sync", "--mirror", str(mirror), "--only", dataset, "--db", str(db)])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith("error:") and Path(rel).name in message, message
    for part in expect:
        assert part in message, message
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before

"""The contract every registered source passes: parses the real files, totals match an
independent read of the raw file, and damaged copies fail cleanly without touching the warehouse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from corridor import ingest
from corridor.cli import app
from corridor.sources import SOURCES
from tests.badinput import cases_for, mirror_with
from tests.conftest import SLOW_CASES, built_once_per_run, data_dir
from tests.contracts import all_contracts

CONTRACTS = all_contracts()


def test_every_source_has_a_contract() -> None:
    covered = {c.dataset for c in CONTRACTS}
    missing = sorted(set(SOURCES) - covered)
    assert not missing, f"sources without a contract: {missing}"
    for c in CONTRACTS:
        assert len(c.checks) >= 2, f"{c.dataset} needs at least two independent checks"
        assert c.bad_inputs, f"{c.dataset} declares no bad-input cases"


CHECKS = [(c.dataset, chk) for c in CONTRACTS for chk in c.checks]


@pytest.mark.parametrize(("dataset", "check"), CHECKS, ids=[f"{d}:{c.name}" for d, c in CHECKS])
def test_totals_match_raw_file(dataset: str, check, warehouse: Path, data: Path) -> None:
    expected = check.raw(data)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        actual = con.execute(check.sql).fetchone()[0]
    finally:
        con.close()
    assert actual is not None, f"{dataset}: query returned nothing: {check.sql}"
    assert abs(float(actual) - float(expected)) <= check.tolerance, (dataset, check.name, actual, expected)


def test_sources_declare_provenance() -> None:
    for src in SOURCES.values():
        assert src.files, src.id
        for spec in src.files:
            assert spec.url.startswith("https://"), (src.id, spec.key)
            assert spec.publisher and spec.licence, (src.id, spec.key)
            assert (data_dir() / spec.mirror_path).is_file(), (src.id, spec.mirror_path)


BAD = [
    (c.dataset, bad, case) for c in CONTRACTS for bad in c.bad_inputs for case in cases_for(bad, c.dataset)
]


class GoodWarehouses:
    """Per dataset, a warehouse holding that dataset as synced from the real files: synced when a
    test first asks for it, once per run for every xdist worker (`built_once_per_run`)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.factory = tmp_path_factory

    def __getitem__(self, dataset: str) -> Path:
        def build(root: Path) -> None:
            ingest.sync(db=root / "w.duckdb", mirror=data_dir(), only=[dataset])

        return built_once_per_run(self.factory, f"good-{dataset}", build) / "w.duckdb"


@pytest.fixture
def good_warehouses(tmp_path_factory: pytest.TempPathFactory) -> GoodWarehouses:
    return GoodWarehouses(tmp_path_factory)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


THIS_FILE = "tests/test_sources_contract.py"


def _pooled_cases() -> set[tuple[str, str, str]]:
    """The first case of each damage to each file format: these parse in worker processes, as a
    user's `corridor sync` does, so each kind of error crosses the process boundary. The others
    parse in the test's own process (CORRIDOR_WORKERS=1): the same readers and checks, without a
    pool of two processes per case (most of a case's CPU, and outside what /usr/bin/time counts)."""
    first: dict[tuple[str, str], tuple[str, str, str]] = {}
    for dataset, bad, case in BAD:
        if f"{THIS_FILE}::test_bad_input_fails_cleanly[{dataset}:{bad.file_key}:{case}]" in SLOW_CASES:
            continue  # the first case `make test` runs
        spec = next(f for f in SOURCES[dataset].files if f.key == bad.file_key)
        first.setdefault((Path(spec.mirror_path).suffix, case), (dataset, bad.file_key, case))
    return set(first.values())


POOLED = _pooled_cases()


@pytest.mark.parametrize(
    ("dataset", "bad", "case"),
    BAD,
    ids=[f"{d}:{b.file_key}:{case}" for d, b, case in BAD],
)
def test_bad_input_fails_cleanly(dataset, bad, case, good_warehouses, tmp_path: Path, monkeypatch) -> None:
    if (dataset, bad.file_key, case) not in POOLED:
        monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    db = tmp_path / "w.duckdb"
    db.write_bytes(good_warehouses[dataset].read_bytes())
    before = _digest(db)
    mirror = tmp_path / "mirror"
    name = mirror_with(data_dir(), mirror, dataset, bad, case)
    result = CliRunner().invoke(app, ["sync", "--mirror", str(mirror), "--only", dataset, "--db", str(db)])
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith("error:"), message
    assert name in message, message
    if case == "missing_sheet":
        assert bad.sheet in message, message
    elif name.endswith(".parquet") and case in ("truncated", "empty", "header"):
        pass  # a damaged container or a schema has no row to point at; the file (and column) suffice
    elif case not in ("truncated", "empty") or not name.endswith(".xlsx"):
        assert " row " in message, message
    if case in ("header", "number"):
        column = bad.header if case == "header" else bad.number_column
        assert f"column {column!r}" in message, message
    assert _digest(db) == before, "the warehouse changed after a failed sync"
    assert not list(tmp_path.glob("w.duckdb.tmp-*")), "a temporary copy was left behind"


def _largest_table_rows(path: Path) -> int:
    """Rows of the largest table in a file, read independently of Corridor's readers."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        return max(wb.get_sheet_by_name(n).height for n in wb.sheet_names)
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def test_row_ceilings_fit_the_published_files() -> None:
    """Every declared ceiling admits the real file and refuses one ten times its size."""
    checked = 0
    for src in SOURCES.values():
        for spec in src.files:
            if spec.max_rows is None:
                continue
            rows = _largest_table_rows(data_dir() / spec.mirror_path)
            assert rows <= spec.max_rows < 10 * rows, (src.id, spec.key, rows, spec.max_rows)
            checked += 1
    assert checked >= 70

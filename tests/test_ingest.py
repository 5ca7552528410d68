"""Sync behaviour: idempotent, atomic under a kill, provenance rows, downloads over HTTP."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

import corridor
from corridor import fetch, ingest
from corridor.errors import FetchError
from corridor.sources import SOURCES
from tests.conftest import data_dir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_second_sync_changes_nothing(tmp_path: Path, data: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = ingest.sync(db=db, mirror=data, only=["cbp_sbo", "usbp_historical"])
    assert first.changed
    before = _digest(db)
    second = ingest.sync(db=db, mirror=data, only=["cbp_sbo", "usbp_historical"])
    assert not second.changed
    assert {r.status for r in second.results} == {"unchanged"}
    assert _digest(db) == before


def test_releases_record_provenance(warehouse: Path, data: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT dataset, file_key, sha256, bytes, rows, period_start, url, licence "
        "FROM releases WHERE is_current"
    ).fetchall()
    con.close()
    by_key = {(d, k): r for d, k, *r in rows}
    for src in SOURCES.values():
        periods = []
        for spec in src.files:
            sha, size, nrows, start, url, licence = by_key[(src.id, spec.key)]
            assert nrows and nrows > 0
            path = data / spec.mirror_path
            assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
            assert size == path.stat().st_size
            assert url == spec.url and licence
            periods.append(start)
        # Code lists (country names, metadata) cover no period; every data set covers one.
        assert src.id == "countries" or any(p is not None for p in periods), src.id


def test_changed_file_is_a_new_release(tmp_path: Path, data: Path) -> None:
    mirror = tmp_path / "mirror"
    spec = SOURCES["cbp_sbo"].files[0]
    (mirror / spec.mirror_path).parent.mkdir(parents=True)
    text = (data / spec.mirror_path).read_text()
    (mirror / spec.mirror_path).write_text(text)
    db = tmp_path / "w.duckdb"
    ingest.sync(db=db, mirror=mirror, only=["cbp_sbo"])
    # A revision: the publisher changes one count.
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].rsplit(",", 1)[0] + ",2\n"
    (mirror / spec.mirror_path).write_text("".join(lines))
    report = ingest.sync(db=db, mirror=mirror, only=["cbp_sbo"])
    assert report.changed
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT is_current FROM releases WHERE dataset='cbp_sbo' ORDER BY loaded_at, is_current"
    ).fetchall()
    con.close()
    assert sorted(r[0] for r in rows) == [False, True]


def _status(db: Path) -> list[tuple]:
    with corridor.open(db) as obs:
        return [tuple(r) for r in obs.status()[["dataset", "file_name", "sha256"]].itertuples(index=False)]


@pytest.mark.parametrize("delay", [0.5, 1.2, 2.0])
def test_sync_killed_midway_keeps_previous_warehouse(tmp_path: Path, data: Path, delay: float) -> None:
    db = tmp_path / "w.duckdb"
    ingest.sync(db=db, mirror=data, only=["cbp_sbo"])
    before_status = _status(db)
    before_bytes = _digest(db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor.cli", "sync", "--mirror", str(data), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Either the kill came first (previous state, byte for byte) or the sync had finished.
    if _digest(db) == before_bytes:
        assert _status(db) == before_status
    else:
        assert {d for d, _, _ in _status(db)} == set(SOURCES)
    # A later sync cleans up the copy the killed process left and completes.
    ingest.sync(db=db, mirror=data)
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))
    assert {d for d, _, _ in _status(db)} == set(SOURCES)


# --- downloads -------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    mode: ClassVar[dict[str, str]] = {}
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        mode = self.mode.get(self.path)
        if mode == "500-once" and self.hits[self.path] == 1:
            self.send_error(500)
            return
        if mode == "500-always":
            self.send_error(500)
            return
        if mode == "slow":
            time.sleep(3)
        if mode == "cut-once" and self.hits[self.path] == 1:
            body = (data_dir() / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            return
        if mode == "html":
            body = b"<html><body>Access denied</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture
def server() -> Iterator[str]:
    handler = lambda *a, **kw: _Handler(*a, directory=str(data_dir()), **kw)  # noqa: E731
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.mode, _Handler.hits = {}, {}
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietServer(http.server.ThreadingHTTPServer):
    """The test server, silent when a client hangs up mid-body (the truncated-download cases do):
    its handler thread can outlive the test, and a traceback it printed landed in the stderr that
    a later test in the same worker was capturing from a sync (a failed full run)."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def test_sync_downloads_from_http(server: str, tmp_path: Path, monkeypatch, data: Path) -> None:
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    monkeypatch.setenv("CORRIDOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CORRIDOR_MIRROR", raising=False)
    path = "/" + SOURCES["cbp_sbo"].files[0].mirror_path
    _Handler.mode[path] = "500-once"
    db = tmp_path / "w.duckdb"
    report = ingest.sync(db=db, only=["cbp_sbo"])
    assert report.changed and _Handler.hits[path] == 2  # one 500, then success
    mirror_db = tmp_path / "m.duckdb"
    ingest.sync(db=mirror_db, mirror=data, only=["cbp_sbo"])
    with corridor.open(db) as a, corridor.open(mirror_db) as b:
        assert a.status()["sha256"].tolist() == b.status()["sha256"].tolist()
        fa = a.flows(region="southwest", by="fiscal_year").tidy()
        fb = b.flows(region="southwest", by="fiscal_year").tidy()
        assert fa.equals(fb)


def test_html_instead_of_csv_is_refused(server: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    monkeypatch.setenv("CORRIDOR_CACHE", str(tmp_path / "cache"))
    _Handler.mode["/" + SOURCES["cbp_sbo"].files[0].mirror_path] = "html"
    with pytest.raises(FetchError, match="HTML"):
        ingest.sync(db=tmp_path / "w.duckdb", only=["cbp_sbo"])
    assert not (tmp_path / "w.duckdb").exists()


def test_env_mirror_is_used(tmp_path: Path, monkeypatch, data: Path) -> None:
    monkeypatch.setenv("CORRIDOR_MIRROR", str(data))
    monkeypatch.setenv("CORRIDOR_DB", str(tmp_path / "env.duckdb"))
    ingest.sync(only=["cbp_sbo"])
    assert (tmp_path / "env.duckdb").exists()
    assert os.environ["CORRIDOR_DB"].endswith("env.duckdb")


def test_slow_server_times_out(server: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    monkeypatch.setenv("CORRIDOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CORRIDOR_HTTP_TIMEOUT", "0.5")
    _Handler.mode["/" + SOURCES["cbp_sbo"].files[0].mirror_path] = "slow"
    start = time.monotonic()
    with pytest.raises(FetchError, match="after 3 attempts"):
        ingest.sync(db=tmp_path / "w.duckdb", only=["cbp_sbo"])
    assert time.monotonic() - start < 10  # three bounded attempts, not a hang
    assert not (tmp_path / "w.duckdb").exists()


def test_response_cut_short_is_retried(server: str, tmp_path: Path, monkeypatch, data: Path) -> None:
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    monkeypatch.setenv("CORRIDOR_CACHE", str(tmp_path / "cache"))
    path = "/" + SOURCES["cbp_sbo"].files[0].mirror_path
    _Handler.mode[path] = "cut-once"
    ingest.sync(db=tmp_path / "w.duckdb", only=["cbp_sbo"])
    assert _Handler.hits[path] == 2
    with corridor.open(tmp_path / "w.duckdb") as obs:
        expected = hashlib.sha256((data / path.lstrip("/")).read_bytes()).hexdigest()
        assert obs.releases()["sha256"].tolist() == [expected]


def test_server_errors_give_up_cleanly(server: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    monkeypatch.setenv("CORRIDOR_CACHE", str(tmp_path / "cache"))
    _Handler.mode["/" + SOURCES["cbp_sbo"].files[0].mirror_path] = "500-always"
    with pytest.raises(FetchError, match=r"HTTP 500|after 3 attempts"):
        ingest.sync(db=tmp_path / "w.duckdb", only=["cbp_sbo"])


def test_file_changing_during_sync_is_refused(tmp_path: Path, data: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_SERIAL", "1")  # so the patched parse runs in this process
    spec = SOURCES["cbp_sbo"].files[0]
    mirror = tmp_path / "mirror"
    (mirror / spec.mirror_path).parent.mkdir(parents=True)
    (mirror / spec.mirror_path).write_bytes((data / spec.mirror_path).read_bytes())
    db = tmp_path / "w.duckdb"
    ingest.sync(db=db, mirror=mirror, only=["cbp_sbo"])
    before = _digest(db)
    original = type(SOURCES["cbp_sbo"]).parse

    def parse_then_touch(self, paths, releases):
        out = original(self, paths, releases)
        with (mirror / spec.mirror_path).open("a") as fh:  # the publisher rewrites the file mid-sync
            fh.write("2025,FYTD,SEP,U.S. Border Patrol,Single Adults,Mexico,Title 8,Apprehensions,1\n")
        return out

    monkeypatch.setattr(type(SOURCES["cbp_sbo"]), "parse", parse_then_touch)
    # A new revision arrives (so the dataset is re-parsed), and changes again while being read.
    text = (mirror / spec.mirror_path).read_text().splitlines(keepends=True)
    text[1] = text[1].rsplit(",", 1)[0] + ",7\n"
    (mirror / spec.mirror_path).write_text("".join(text))
    with pytest.raises(corridor.CorridorError, match="changed while it was being read"):
        ingest.sync(db=db, mirror=mirror, only=["cbp_sbo"])
    assert _digest(db) == before


def test_download_over_the_size_cap_is_refused(server: str, tmp_path: Path, monkeypatch) -> None:
    """A file larger than its source's cap stops the download at the cap and keeps nothing."""
    monkeypatch.setenv("CORRIDOR_DOWNLOAD_BASE", server)
    spec = dataclasses.replace(SOURCES["cbp_sbo"].files[0], max_bytes=10_000)
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match="larger than the cap of 10000 bytes"):
        fetch.download(spec, cache=cache)
    assert list(cache.iterdir()) == []
    assert _Handler.hits["/" + spec.mirror_path] == 1  # refused, not retried


# --- plausible data only, and labels (issue 19, findings 4 and 8) ------------------------------

STATE_NEW = "cbp/nationwide-encounters-fy23-fy26-nov-state.csv"  # published 2025-12-16, FY2023 on


def _state_mirror(data: Path, dest: Path, extra_rows: list[str]) -> Path:
    """cbp_state's two files, the newer one with `extra_rows` appended (the publisher's layout)."""
    for spec in SOURCES["cbp_state"].files:
        out = dest / spec.mirror_path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes((data / spec.mirror_path).read_bytes())
    with (dest / STATE_NEW).open("a") as fh:
        fh.writelines(row + "\n" for row in extra_rows)
    return dest


@pytest.fixture(scope="module")
def state_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("state") / "w.duckdb"
    ingest.sync(db=db, mirror=data_dir(), only=["cbp_state"])
    return db


def _sync_cli(mirror: Path, db: Path, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from corridor.cli import app

    res = CliRunner().invoke(app, ["sync", "--mirror", str(mirror), "--db", str(db), *args])
    return res.exit_code, res.stderr.strip()


ROW = "{fy},FYTD,{month},Southwest Land Border,{state},Single Adults,{country},Title 8,5"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        # Mar 2027: the fiscal year had not begun when the file was published (nor has the month today)
        (ROW.format(fy=2027, month="MAR", state="TX", country="MEXICO"), "Fiscal Year", "fiscal year 2027"),
        # Jan 2026: after the file's stated publication date, 2025-12-16
        (ROW.format(fy=2026, month="JAN", state="TX", country="MEXICO"), "Month (abbv)", "month 2026-01"),
        # FY2022 in a file whose series starts in FY2023
        (ROW.format(fy=2022, month="JAN", state="TX", country="MEXICO"), "Fiscal Year", "fiscal year 2022"),
        # a state code outside the reference list
        (ROW.format(fy=2025, month="JAN", state="AA", country="MEXICO"), "State", "'AA'"),
    ],
    ids=["fiscal_year_after_publication", "month_after_publication", "before_series_start", "state_code"],
)
def test_implausible_rows_are_refused(
    data: Path, tmp_path: Path, state_db: Path, monkeypatch, row: str, column: str, words: str
) -> None:
    monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    db = tmp_path / "w.duckdb"
    db.write_bytes(state_db.read_bytes())
    before = _digest(db)
    mirror = _state_mirror(data, tmp_path / "mirror", [row])
    rows = len((mirror / STATE_NEW).read_text().splitlines())
    code, message = _sync_cli(mirror, db, "--only", "cbp_state")
    assert code == 2, message
    assert message.startswith("error: file nationwide-encounters-fy23-fy26-nov-state.csv"), message
    assert f"row {rows}," in message and f"column {column!r}" in message and words in message, message
    expected = {
        "fiscal_year_after_publication": "publication date 2025-12-16",
        "month_after_publication": "publication date 2025-12-16",
        "before_series_start": "before this series starts (FY2023)",
        "state_code": "US_STATES in src/corridor/reference/sectors.py",
    }
    assert any(e in message for e in expected.values()), message
    assert _digest(db) == before
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_text_cells_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    """A hand-written fixture: NEL (U+0085), LINE SEPARATOR (U+2028) and a form feed inside cells
    are text, not row ends (str.splitlines() split the row in two)."""
    from corridor.sources.base import read_csv

    path = tmp_path / "handwritten_separators.csv"
    path.write_text("name,value\r\nA\u0085B,1\r\nC\u2028D,2\r\nE\x0cF,3\r\n", encoding="utf-8")
    table = read_csv(path, columns=["name", "value"])
    assert table.frame["name"].tolist() == ["A\u0085B", "C\u2028D", "E\x0cF"]
    assert table.frame["value"].tolist() == ["1", "2", "3"]


def test_months_after_today_are_refused(tmp_path: Path) -> None:
    """Without a publication date, today is the limit: next year's month cannot be published yet."""
    import datetime as dt

    import pandas as pd

    from corridor.errors import InputError
    from corridor.sources.base import check_months, read_csv

    path = tmp_path / "t.csv"
    path.write_text("month\n2024-01\n2024-02\n")
    table = read_csv(path, columns=["month"])
    now = dt.date.today()
    check_months(table, pd.Series([dt.date(2024, 1, 1), dt.date(now.year, now.month, 1)]), "month")
    with pytest.raises(InputError, match=r"row 3, column 'month': month \d{4}-\d{2} is after today"):
        check_months(table, pd.Series([dt.date(2024, 1, 1), dt.date(now.year + 1, 1, 1)]), "month")


def test_a_file_ten_times_its_published_size_is_refused_before_parsing(
    data: Path, tmp_path: Path, state_db: Path, monkeypatch
) -> None:
    import pandas as pd

    monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    db = tmp_path / "w.duckdb"
    db.write_bytes(state_db.read_bytes())
    before = _digest(db)
    mirror = _state_mirror(data, tmp_path / "mirror", [])
    lines = (mirror / STATE_NEW).read_text().splitlines(keepends=True)
    (mirror / STATE_NEW).write_text(lines[0] + "".join(lines[1:] * 10))

    real_read_csv = pd.read_csv
    big = (mirror / STATE_NEW).stat().st_size // 2

    def no_parsing(buffer, *args, **kwargs):  # the ceiling must act before the rows are parsed
        if len(buffer.getvalue()) > big:
            raise AssertionError("the oversized file was parsed")
        return real_read_csv(buffer, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", no_parsing)
    code, message = _sync_cli(mirror, db, "--only", "cbp_state")
    monkeypatch.undo()
    assert code == 2, message
    spec = next(s for s in SOURCES["cbp_state"].files if s.mirror_path == STATE_NEW)
    assert f"{(len(lines) - 1) * 10:,} data rows" in message, message
    assert f"ceiling of {spec.max_rows:,}" in message and f"row {spec.max_rows + 2}" in message, message
    assert _digest(db) == before


def test_an_unknown_label_says_where_to_add_it_and_how_to_load_the_rest(
    data: Path, tmp_path: Path, state_db: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    db = tmp_path / "w.duckdb"
    db.write_bytes(state_db.read_bytes())
    before = _digest(db)
    mirror = _state_mirror(
        data, tmp_path / "mirror", [ROW.format(fy=2025, month="JAN", state="TX", country="TURKIYE")]
    )
    sbo = SOURCES["cbp_sbo"].files[0]
    (mirror / sbo.mirror_path).write_bytes((data / sbo.mirror_path).read_bytes())
    code, message = _sync_cli(mirror, db, "--only", "cbp_state,cbp_sbo")
    assert code == 2, message
    assert "column 'Citizenship': unknown citizenship 'TURKIYE'" in message, message
    assert (
        "add the key 'TURKIYE'" in message
        and "CBP_CITIZENSHIPS in src/corridor/reference/countries.py" in message
    )
    assert "`corridor sync --skip cbp_state`" in message, message
    assert _digest(db) == before
    # ... and --skip loads everything else
    code, message = _sync_cli(mirror, db, "--only", "cbp_state,cbp_sbo", "--skip", "cbp_state")
    assert code == 0, message
    with corridor.open(db) as obs:
        assert set(obs.status()["dataset"]) == {"cbp_state", "cbp_sbo"}


def test_a_label_mapped_by_assumption_is_listed_in_status(
    data: Path, tmp_path: Path, state_db: Path, monkeypatch
) -> None:
    """SENEGAL is not one of CBP's 22 labels: it loads (as SEN) but never silently."""
    import json

    from typer.testing import CliRunner

    from corridor.cli import app

    monkeypatch.setenv("CORRIDOR_WORKERS", "1")
    db = tmp_path / "w.duckdb"
    db.write_bytes(state_db.read_bytes())
    mirror = _state_mirror(
        data, tmp_path / "mirror", [ROW.format(fy=2025, month="JAN", state="TX", country="SENEGAL")]
    )
    code, message = _sync_cli(mirror, db, "--only", "cbp_state")
    assert code == 0, message
    assert "label 'SENEGAL' was mapped to SEN by assumption" in message, message
    res = CliRunner().invoke(app, ["status", "--format", "json", "--db", str(db)])
    meta = json.loads(res.stdout)["metadata"]
    assert [(m["dataset"], m["label"], m["code"]) for m in meta["assumed_mappings"]] == [
        ("cbp_state", "SENEGAL", "SEN")
    ]
    assert meta["warnings"] and "CBP_CITIZENSHIPS" in meta["warnings"][0]
    res = CliRunner().invoke(app, ["status", "--db", str(db)])
    assert "warning: cbp_state: label 'SENEGAL'" in res.stderr
    # The real files map every label exactly: nothing is assumed.
    res = CliRunner().invoke(app, ["status", "--format", "json", "--db", str(state_db)])
    assert json.loads(res.stdout)["metadata"]["assumed_mappings"] == []


def _tables(db: Path) -> dict[str, list[tuple]]:
    """Every data table's columns and rows, in stored order (the catalogue's timestamps aside)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            if name in ("releases", "datasets"):
                continue
            out[name] = [tuple(r[:2]) for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
            out[name] += con.execute(f'SELECT * FROM "{name}"').fetchall()
        return out
    finally:
        con.close()


def test_parse_workers_hand_tables_over_as_files_and_leave_none(
    tmp_path: Path, data: Path, monkeypatch
) -> None:
    """Workers write their tables as Arrow files that the sync memory-maps; the files are gone
    after the sync, a folder left by a dead sync is removed, and where the folder cannot be
    written the tables come back pickled, the same rows either way."""
    only = ["cbp_sbo", "ti_cpi", "ohss_pathways"]
    serial = tmp_path / "serial.duckdb"
    ingest.sync(db=serial, mirror=data, only=only, workers=1)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    root = tmp_path / "spill"
    stale = root / f"corridor-sync-{int(dead.stdout)}-left"
    stale.mkdir(parents=True)
    (stale / "x.arrow").write_bytes(b"left by a killed sync")
    made: list[str] = []

    def folder() -> str | None:
        made.append(ingest._spill_folder_in(str(root)) or "")
        return made[-1]

    monkeypatch.setattr(ingest, "_spill_folder", folder)
    spilled = tmp_path / "spilled.duckdb"
    ingest.sync(db=spilled, mirror=data, only=only, workers=2)
    assert made and made[0], "the parse workers were given no folder"
    assert not stale.exists(), "a dead sync's folder was left"
    assert list(root.iterdir()) == [], "the sync left Arrow files behind"
    monkeypatch.setattr(ingest, "_spill_folder", lambda: str(tmp_path / "not-a-folder"))
    pickled = tmp_path / "pickled.duckdb"
    ingest.sync(db=pickled, mirror=data, only=only, workers=2)
    assert _tables(spilled) == _tables(serial) == _tables(pickled)


def _parse_noting_worker_state(job, spill):  # type: ignore[no-untyped-def]
    """`ingest._parse_in_worker`, its checksums carrying the worker's collector and Arrow pool
    (an extra key, which the sync's check of the files ignores): a forkserver's worker sees
    neither this test's environment nor its module's globals."""
    import gc
    import json

    import pyarrow as pa

    parsed, sums = _PARSE_IN_WORKER(job, spill)
    state = {
        "pid": os.getpid(),
        "threshold": gc.get_threshold()[0],
        "frozen": gc.get_freeze_count(),
        "pool": pa.default_memory_pool().backend_name,
    }
    return parsed, {**sums, "worker state": json.dumps(state)}


_PARSE_IN_WORKER = ingest._parse_in_worker


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_a_sync_collects_rarely_in_its_workers_and_restores_the_collector(
    tmp_path: Path, data: Path, monkeypatch, start: str
) -> None:
    """Parse workers (forked, or from a forkserver) start with the objects they began with
    frozen out of the cycle collector, a high collection threshold and Arrow buffers from glibc
    (which keeps freed memory); the sync's own process gets its collector back as it was,
    nothing left frozen, whether the sync succeeds or fails."""
    import gc
    import json

    import pyarrow as pa

    from corridor.errors import CorridorError

    with ingest._Parser(2) as parser:
        if parser.pool is None:  # one core: no workers to look at
            pytest.fail("this test needs parse workers (two cores or more)")
    monkeypatch.setattr(ingest, "_fork_is_safe", lambda: start == "fork")
    monkeypatch.setattr(ingest, "_parse_in_worker", _parse_noting_worker_state)
    states: list[dict] = []
    check = ingest._check_unchanged

    def noting(files, sums):  # type: ignore[no-untyped-def]
        states.append(json.loads(sums["worker state"]))
        check(files, sums)

    monkeypatch.setattr(ingest, "_check_unchanged", noting)
    before = (gc.get_threshold(), gc.get_freeze_count(), pa.default_memory_pool().backend_name)
    ingest.sync(db=tmp_path / "w.duckdb", mirror=data, only=["cbp_sbo", "ti_cpi", "ohss_pathways"], workers=2)
    assert len(states) == 3
    assert all(s["pid"] != os.getpid() for s in states), "the parses ran in this process"
    assert all(s["threshold"] >= 10_000 for s in states), states
    assert all(s["frozen"] > 10_000 for s in states), "the workers' inherited objects are not frozen"
    assert all(s["pool"] == "system" for s in states), states
    assert (gc.get_threshold(), gc.get_freeze_count(), pa.default_memory_pool().backend_name) == before
    bad = tmp_path / "bad"
    (bad / "ti").mkdir(parents=True)
    with pytest.raises(CorridorError):
        ingest.sync(db=tmp_path / "w.duckdb", mirror=bad, only=["ti_cpi"], workers=2)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before[:2]

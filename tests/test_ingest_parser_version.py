"""A sync parses a dataset again when the code that parses it changes, not only when its files do."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from corridor import ingest
from corridor.sources import SOURCES


def _statuses(report: ingest.SyncReport) -> dict[str, str]:
    return {r.dataset: r.status for r in report.results}


def _versions(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT dataset, parser_version FROM dataset_parsers").fetchall())
    finally:
        con.close()


def test_a_new_parser_version_reparses_unchanged_files(tmp_path: Path, data: Path, monkeypatch) -> None:
    db = tmp_path / "w.duckdb"
    only = ["cbp_sbo", "countries"]
    first = ingest.sync(db=db, mirror=data, only=only)
    assert _statuses(first) == {"cbp_sbo": "loaded", "countries": "loaded"}
    recorded = _versions(db)
    assert recorded == {d: ingest.parser_version(SOURCES[d]) for d in only}
    assert _statuses(ingest.sync(db=db, mirror=data, only=only)) == {
        "cbp_sbo": "unchanged",
        "countries": "unchanged",
    }

    # The files are the same; cbp_sbo's parser is not.
    monkeypatch.setattr(type(SOURCES["cbp_sbo"]), "parser_version", "a reader fix", raising=False)
    assert ingest.parser_version(SOURCES["cbp_sbo"]) != recorded["cbp_sbo"]
    third = ingest.sync(db=db, mirror=data, only=only)
    assert _statuses(third) == {"cbp_sbo": "loaded", "countries": "unchanged"}
    assert _versions(db)["cbp_sbo"] == ingest.parser_version(SOURCES["cbp_sbo"])
    con = duckdb.connect(str(db), read_only=True)
    current = con.execute("SELECT count(*) FROM releases WHERE dataset = 'cbp_sbo' AND is_current").fetchone()
    total = con.execute("SELECT count(*) FROM releases WHERE dataset = 'cbp_sbo'").fetchone()
    con.close()
    # Same file, same release id: the release is replaced, not duplicated.
    assert current == total == (len(SOURCES["cbp_sbo"].files),)
    assert _statuses(ingest.sync(db=db, mirror=data, only=only))["cbp_sbo"] == "unchanged"


def test_a_warehouse_without_parser_versions_is_reparsed_once(tmp_path: Path, data: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest.sync(db=db, mirror=data, only=["cbp_sbo"])
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE dataset_parsers")  # as written before versions were kept
    con.close()
    assert _statuses(ingest.sync(db=db, mirror=data, only=["cbp_sbo"])) == {"cbp_sbo": "loaded"}
    assert _statuses(ingest.sync(db=db, mirror=data, only=["cbp_sbo"])) == {"cbp_sbo": "unchanged"}


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """A copy of the corridor package that the version digest reads instead of the real one."""
    copy = tmp_path / "corridor"
    shutil.copytree(ingest._PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    caches = (ingest._module_file, ingest._imported_files, ingest._digest_of, ingest._file_digest)

    def clear() -> None:
        for cache in caches:
            cache.cache_clear()

    monkeypatch.setattr(ingest, "_PACKAGE_ROOT", copy)
    clear()
    yield copy
    clear()


def _edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")
    for cache in (ingest._imported_files, ingest._digest_of, ingest._file_digest):
        cache.cache_clear()


def test_the_version_follows_the_code_a_parse_imports(package_copy: Path) -> None:
    src = SOURCES["ohss_outcomes"]
    before = ingest.parser_version(src)
    files = {str(p.relative_to(package_copy)) for p in ingest._parse_code(type(src).__module__)}
    # Its own module, the shared readers, and what it imports in turn (the OHSS sheet readers).
    assert {"sources/ohss_outcomes.py", "sources/base.py", "sources/_ohss_tables.py"} <= files
    assert "sources/wgi.py" not in files

    _edit(package_copy / "sources" / "wgi.py")  # another dataset's parser
    assert ingest.parser_version(src) == before
    _edit(package_copy / "sources" / "base.py")  # the shared readers
    after_base = ingest.parser_version(src)
    assert after_base != before
    _edit(package_copy / "reference" / "countries.py")  # imported by the readers, not the module
    assert ingest.parser_version(src) != after_base

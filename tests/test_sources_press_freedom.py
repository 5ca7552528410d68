"""RSF press freedom: the decimal-comma rule restored and checked, rows split on CR/LF only, and the
cross-year checks; on hand-written fixtures (named `fixture_*`, built in tmp) and the real files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from corridor.errors import InputError
from corridor.sources.press_freedom import PressFreedomSource, _year, layout, read_semicolon, restore_score


@pytest.mark.parametrize(
    ("stored", "score"),
    [("4228", 42.28), ("518", 51.8), ("65487", 65.487), ("3851", 38.51), ("10", 10.0), ("9362", 93.62)],
)
def test_restore_score(stored: str, score: float) -> None:
    assert restore_score(stored) == pytest.approx(score)


@pytest.mark.parametrize("stored", ["9", "", "42,28", "-518", "1234567", "4a2"])
def test_restore_score_refuses(stored: str) -> None:
    with pytest.raises(ValueError):
        restore_score(stored)


def _fixture_2022(tmp_path: Path, rows: list[tuple[str, str, str]], *, prev: str = "") -> Path:
    """A hand-written 2022-layout file: (ISO, stored score, rank) rows, other cells filled plainly."""
    header = layout(2022)
    lines = [";".join(header)]
    for iso, score, rank in rows:
        cells = dict.fromkeys(header, "1")
        cells.update({"ISO": iso, "Score": score, "Rank": rank, "Year (N)": "2022", "Rank N-1": prev or rank})
        cells.update({c: "x" for c in header if c.startswith("Country_") or c == "Zone"})
        lines.append(";".join(cells[c] for c in header))
    path = tmp_path / "fixture_rwb2022.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_misplaced_comma_breaks_the_rank_order(tmp_path: Path) -> None:
    # '95' would read 95 (two digits) but the row ranks third: the stored digits cannot be right.
    path = _fixture_2022(tmp_path, [("NOR", "9265", "1"), ("DNK", "9027", "2"), ("SWE", "95", "3")])
    t = read_semicolon(path, columns=layout(2022), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 4, column 'Score'.*scores must fall as ranks rise"):
        _year(t, 2022, None)


def test_a_score_below_ten_is_refused(tmp_path: Path) -> None:
    path = _fixture_2022(tmp_path, [("NOR", "9265", "1"), ("PRK", "0999", "2")])
    t = read_semicolon(path, columns=layout(2022), encoding="utf-8")
    with pytest.raises(InputError, match=r"outside \[10, 100\]"):
        _year(t, 2022, None)


def test_rank_n_minus_1_must_match_last_year(tmp_path: Path) -> None:
    import pandas as pd

    path = _fixture_2022(tmp_path, [("NOR", "9265", "1"), ("DNK", "9027", "2")], prev="7")
    t = read_semicolon(path, columns=layout(2022), encoding="utf-8")
    last = pd.DataFrame({"rsf_code": ["NOR", "DNK"], "rank": [1, 4], "score": [93.28, 91.0]})
    with pytest.raises(InputError, match=r"column 'Rank N-1'.*differs from the previous year's file"):
        _year(t, 2022, last)


def test_rows_split_on_crlf_only(tmp_path: Path) -> None:
    """A name cell holding U+0085 (as the double-encoded Arabic names do) keeps its row whole."""
    path = _fixture_2022(tmp_path, [("NOR", "9265", "1"), ("DNK", "9027", "2")])
    text = path.read_text(encoding="utf-8").replace("x;x;x;x;x", "x;x;x;\u0085x;x", 1)
    path.write_text(text, encoding="utf-8")
    assert len(text.splitlines()) == 4  # str.splitlines (and readers built on it) break the row
    t = read_semicolon(path, columns=layout(2022), encoding="utf-8")
    assert len(t) == 2 and t.rownums == [2, 3]
    assert t.frame["Country_ES"].iloc[0] == "\u0085x"


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = _fixture_2022(tmp_path, [("NOR", "9265", "1"), ("DNK", "9027", "2")])
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(InputError, match="truncated"):
        read_semicolon(path, columns=layout(2022), encoding="utf-8")


def test_real_files_restored(warehouse: Path, data: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stats = con.execute(
            "SELECT min(score), max(score), min(ranked), max(ranked), count(DISTINCT year) FROM press_freedom"
        ).fetchone()
        method = dict(
            con.execute("SELECT year, any_value(method) FROM press_freedom GROUP BY year").fetchall()
        )
        usa = con.execute(
            "SELECT score, score_stored FROM press_freedom WHERE year = 2025 AND iso3 = 'USA'"
        ).fetchone()
        nulls = con.execute("SELECT count(*) FROM press_freedom WHERE iso3 IS NULL").fetchone()[0]
    finally:
        con.close()
    assert stats[0] >= 10 and stats[1] <= 100
    assert stats[2] == 179 and stats[3] == 180 and stats[4] == 14
    assert method[2021] == "2013-2021" and method[2022] == "2022-"
    assert usa == (pytest.approx(65.487), "65487")  # a tie broken at three decimals
    assert nulls == 14 * 2  # OECS and Northern Cyprus, every year: ranked, no ISO code


def test_every_file_registered() -> None:
    keys = [f.key for f in PressFreedomSource.files]
    assert keys == [f"y{y}" for y in range(2013, 2027)]

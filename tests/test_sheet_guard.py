"""The worksheet extent guard's fast bound never falls short of a sheet's real extent."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.sources.base import _extent_bound, _extent_exact


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _sheet_xml(cells: list[tuple[int, int]], *, shuffle_seed: int | None) -> bytes:
    """Sheet XML with one <row> per distinct row (in order, or shuffled as a hostile file may)."""
    rows: dict[int, list[int]] = {}
    for r, c in cells:
        rows.setdefault(r, []).append(c)
    order = sorted(rows)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    body = "".join(
        f'<row r="{r}" spans="1:3">'
        + "".join(f'<c r="{_letters(c)}{r}" s="1" t="n"><v>1</v></c>' for c in sorted(set(rows[r])))
        + "</row>"
        for r in order
    )
    return (
        '<?xml version="1.0"?><worksheet><dimension ref="A1"/><sheetData>'
        f'{body}</sheetData><pageMargins left="0.7" right="0.7"/></worksheet>'
    ).encode()


cell = st.tuples(
    st.one_of(st.integers(1, 120), st.integers(1, 1_048_576)),
    st.one_of(st.integers(1, 30), st.integers(1, 16_384)),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(cell, min_size=1, max_size=25), seed=st.one_of(st.none(), st.integers(0, 1000)))
def test_bound_covers_every_cell(cells: list[tuple[int, int]], seed: int | None) -> None:
    data = _sheet_xml(cells, shuffle_seed=seed)
    rows, cols = _extent_bound(data)
    assert rows >= max(r for r, _ in cells)
    assert cols >= max(c for _, c in cells)
    assert _extent_exact(data) == (max(r for r, _ in cells), max(c for _, c in cells))


def test_a_far_cell_written_before_the_last_row_is_seen() -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    near = b'<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="B3"><v>1</v></c></row>'
    hostile = b"<worksheet><sheetData>" + far + near + b"</sheetData></worksheet>"
    rows, cols = _extent_bound(hostile)  # the last reference in the file (B3) is not the largest
    assert rows >= 1_048_576 and cols >= 16_384
    assert _extent_bound(b"<worksheet><sheetData>" + near + b"</sheetData></worksheet>") == (3, 26)

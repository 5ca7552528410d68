"""Writing a result frame as a Rich table, CSV, JSON or Parquet, with its provenance.

Provenance goes where each format can carry it: the table caption, a JSON `metadata` object,
Parquet schema metadata, and (for CSV/JSON on stdout) a note on stderr.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from corridor import fmt, jsonio
from corridor.errors import UsageError
from corridor.jsonio import records

Format = Literal["table", "csv", "json", "parquet"]
FORMATS = ("table", "csv", "json", "parquet")
# Below this many columns, a table that does not fit prints one record per row.
WIDE_TERMINAL = 100
# A table for people stops here (422,453 indicator rows took minutes to print and nobody reads them);
# CSV, JSON and Parquet always carry every row.
TABLE_ROWS = 500


def to_json(frame: pd.DataFrame, metadata: dict[str, Any]) -> str:
    """The JSON document of an answer: its metadata (always with `warnings`) and its rows (strict JSON)."""
    metadata = {**metadata, "warnings": list(metadata.get("warnings") or [])}
    return jsonio.dumps({"metadata": metadata, "data": records(frame)}, indent=2)


def emit(
    frame: pd.DataFrame,
    *,
    fmt: str,
    out: Path | None,
    metadata: dict[str, Any],
    caption: str,
    title: str = "",
    console: Console | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Write `frame` in `fmt` to `out` (or stdout). `headers` renames columns in the table format
    only (a reader's words), while CSV, JSON and Parquet keep the stable column ids."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    err = Console(stderr=True, soft_wrap=True)
    if fmt == "parquet":
        if out is None:
            raise UsageError("--format parquet needs --out FILE")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"corridor"] = jsonio.dumps(metadata).encode()
        pq.write_table(table.replace_schema_metadata(meta), out)
        err.print(f"wrote {len(frame)} rows to {out}")
        return
    if fmt == "table":
        if len(frame) > TABLE_ROWS:
            caption = (
                f"{caption} Showing the first {TABLE_ROWS:,} of {len(frame):,} rows; "
                "--format csv --out FILE writes them all."
            ).strip()
            frame = frame.head(TABLE_ROWS)
        text = render_table(frame, caption=caption, title=title, console=console, headers=headers)
        if out is not None:
            out.write_text(text)
        print_warnings(metadata, err)
        return
    text = frame.to_csv(index=False) if fmt == "csv" else to_json(frame, metadata) + "\n"
    if out is not None:
        out.write_text(text)
        err.print(f"wrote {len(frame)} rows to {out}")
    else:
        sys.stdout.write(text)
    err.print(f"[dim]{caption}[/dim]", highlight=False)
    print_warnings(metadata, err)


def print_warnings(metadata: dict[str, Any], err: Console) -> None:
    """The answer's warnings (`metadata.warnings`) on stderr, each sentence wrapped at spaces to the
    terminal's width (never cut inside a word), its continuation lines indented."""
    width = max(err.width, 40)
    for sentence in metadata.get("warnings") or ():
        text = textwrap.fill(
            f"warning: {sentence}", width=width, subsequent_indent="  ", break_long_words=False,
            break_on_hyphens=False,
        )  # fmt: skip
        err.print(text, highlight=False, markup=False, soft_wrap=True)


def print_prose(text: str, err: Console) -> None:
    """Lines of prose on stderr, each long line wrapped at spaces to the terminal's width (never cut
    inside a word), short and aligned lines as they are."""
    width = max(err.width, 40)
    for line in text.splitlines():
        if len(line) > width:
            line = textwrap.fill(line, width=width, break_long_words=False, break_on_hyphens=False)
        err.print(line, highlight=False, markup=False, soft_wrap=True)


def render_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    title: str = "",
    console: Console | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Print the frame for a terminal of the console's width and return the plain text.

    Every value prints whole: a table when it fits; below 100 columns, one record per row
    (`name  value` lines, long texts wrapped at spaces); wider, a table whose text columns wrap
    at spaces while numbers and ids keep their whole width. Counts print as integers with
    thousands separators, other numbers at one precision per column (`fmt.formatters`).
    """
    console = console or Console()
    names, cells = text_cells(frame)
    titles = [(headers or {}).get(n, n) for n in names]
    numeric = [fmt.column_kind(c, frame[c]) not in ("other", "year") for c in frame.columns]
    layout = choose_layout(titles, cells, width=console.width)
    if layout == "records":
        text = records_text(titles, cells, width=console.width, title=title)
        text += "\n".join(textwrap.wrap(caption, console.width, break_long_words=False)) + "\n"
        console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        return text
    table = _rich_table(titles, cells, numeric, layout=layout, title=title)
    with console.capture() as cap:
        console.print(table)
        console.print(caption, style="dim", highlight=False, markup=False)
    text = cap.get()
    console.print(table)
    console.print(caption, style="dim", highlight=False, markup=False)
    return text


def print_table(table: Table, console: Console) -> None:
    """Print a Rich table built elsewhere with every value whole: as it is when it fits the
    console, else without vertical rules, with prose wrapped, or one record per row (as
    `render_table` decides for frames)."""
    if _width(table) <= console.width:
        console.print(table)
        return
    headers = [Text.from_markup(str(c.header)).plain for c in table.columns]
    columns = [
        [c.plain if isinstance(c, Text) else Text.from_markup(str(c)).plain for c in col.cells]
        for col in table.columns
    ]
    cells = [list(row) for row in zip(*columns, strict=True)]
    title = Text.from_markup(str(table.title)).plain if table.title else ""
    layout = choose_layout(headers, cells, width=console.width)
    if layout == "records":
        console.print(
            records_text(headers, cells, width=console.width, title=title),
            end="",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    numeric = [c.justify == "right" for c in table.columns]
    console.print(_rich_table(headers, cells, numeric, layout=layout, title=title))


def text_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Column names and every value as text, formatted by `fmt.formatters` (ids stay as they are)."""
    formatters = fmt.formatters(frame)
    headers = [str(c) for c in frame.columns]
    cells = [
        [formatters[h](v) for v, h in zip(row, headers, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    return headers, cells


def _rich_table(
    headers: list[str], cells: list[list[str]], numeric: list[bool], *, layout: str, title: str = ""
) -> Table:
    """A Rich table: boxed ("table"), without vertical rules ("compact"), or with prose wrapping."""
    compact = layout == "compact"
    table = Table(
        title=title or None,
        show_lines=False,
        box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
        show_edge=not compact,
        pad_edge=not compact,
        collapse_padding=compact,
    )
    for i, col in enumerate(headers):
        values = [r[i] for r in cells]
        natural = max([len(col), *(len(v) for v in values)])
        if layout == "wrapped" and _wraps(values):
            table.add_column(col, overflow="fold", min_width=_longest_word(col, values))
        else:
            table.add_column(col, justify="right" if numeric[i] else "left", no_wrap=True, min_width=natural)
    for row in cells:
        table.add_row(*row)
    return table


def _width(table: Table) -> int:
    """The width a table takes when nothing wraps."""
    return Console(width=100_000).measure(table).maximum


def _wraps(values: list[str]) -> bool:
    """A column of prose (values with spaces) may wrap at spaces; ids and numbers never."""
    return any(" " in v for v in values)


def _longest_word(header: str, values: list[str]) -> int:
    words = [w for v in values for w in v.split()] + header.split()
    return max((len(w) for w in words), default=1)


def choose_layout(headers: list[str], cells: list[list[str]], *, width: int) -> str:
    """ "table", "compact" (no vertical rules), "wrapped" (prose wraps at spaces) or "records"."""
    numeric = [False] * len(headers)
    for layout in ("table", "compact"):
        if _width(_rich_table(headers, cells, numeric, layout=layout)) <= width:
            return layout
    if width < WIDE_TERMINAL:
        return "records"
    # Wrapped prose needs room: every prose column keeps at least 16 characters (or its width).
    least = 0
    for i, h in enumerate(headers):
        values = [r[i] for r in cells]
        natural = max([len(h), *(len(v) for v in values)])
        need = max(_longest_word(h, values), min(natural, 16)) if _wraps(values) else natural
        least += need + 3
    return "wrapped" if least + 1 <= width else "records"


def records_text(headers: list[str], cells: list[list[str]], *, width: int, title: str = "") -> str:
    """One block per row: each column's name, then its value, wrapped at spaces, never cut."""
    key = min(max((len(h) for h in headers), default=0), max(12, width // 3))
    room = max(20, width - key - 2)
    lines: list[str] = []
    if title:
        head = f"{title} ({len(cells)} row{'s' if len(cells) != 1 else ''})"
        lines.extend(textwrap.wrap(head, width=width, break_long_words=False, break_on_hyphens=False))
    for n, row in enumerate(cells, start=1):
        rule = f"── {n} of {len(cells)} "
        lines.append(rule + "─" * max(0, min(width, 60) - len(rule)))
        for h, v in zip(headers, row, strict=True):
            parts = textwrap.wrap(v, room, break_long_words=False, break_on_hyphens=False) or [v]
            if len(h) > key:
                lines.append(h)
                lines.extend(" " * (key + 2) + p for p in parts)
                continue
            lines.append(f"{h:<{key}}  {parts[0]}")
            lines.extend(" " * (key + 2) + p for p in parts[1:])
    return "\n".join(lines) + "\n"

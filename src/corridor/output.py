"""Writing a result frame as a Rich table, CSV, JSON or Parquet, with its provenance.

Provenance goes where each format can carry it: the table caption, a JSON `metadata` object,
Parquet schema metadata, and (for CSV/JSON on stdout) a note on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from corridor import jsonio
from corridor.errors import UsageError
from corridor.jsonio import records

Format = Literal["table", "csv", "json", "parquet"]
FORMATS = ("table", "csv", "json", "parquet")


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
) -> None:
    """Write `frame` in `fmt` to `out` (or stdout)."""
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
        text = render_table(frame, caption=caption, title=title, console=console)
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
    """The answer's warnings (`metadata.warnings`), one sentence a line, on stderr."""
    for sentence in metadata.get("warnings") or ():
        err.print(f"warning: {sentence}", highlight=False, markup=False)


def render_table(
    frame: pd.DataFrame, *, caption: str, title: str = "", console: Console | None = None
) -> str:
    """Print a Rich table (plain text when piped); return the plain text too."""
    console = console or Console()
    table = Table(title=title or None, show_lines=False)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not col.endswith("year")
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False, name=None):
        table.add_row(*(_fmt(v, c) for v, c in zip(row, frame.columns, strict=True)))
    with console.capture() as cap:
        console.print(table)
        console.print(caption, style="dim", highlight=False, markup=False)
    text = cap.get()
    console.print(table)
    console.print(caption, style="dim", highlight=False, markup=False)
    return text


def _fmt(value: Any, column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "–"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, int | float) and not isinstance(value, bool) and not column.endswith("year"):
        if isinstance(value, float) and not float(value).is_integer():
            return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
        return f"{int(value):,}"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:7] if column == "month" else value.isoformat()
    return str(value)

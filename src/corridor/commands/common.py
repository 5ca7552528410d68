"""What every verb shares: option types, the error-to-exit-code rule, output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from corridor.errors import CorridorError

err = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Warehouse file (default $CORRIDOR_DB or ./corridor.duckdb).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | parquet")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")]


def fail(exc: CorridorError) -> NoReturn:
    """Print a Corridor error on stderr and exit with code 2."""
    err.print(f"error: {exc}", highlight=False, markup=False)
    raise typer.Exit(2)


def split_list(values: list[str] | None) -> list[str]:
    """Repeatable and comma-separated options -> one flat list."""
    return [v.strip() for item in (values or []) for v in item.split(",") if v.strip()]

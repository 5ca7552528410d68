"""What every verb shares: option types, the error-to-exit-code rule, output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

import corridor
from corridor import jsonio, output
from corridor.errors import CorridorError

if TYPE_CHECKING:
    import pandas as pd

err = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Warehouse file (default $CORRIDOR_DB or ./corridor.duckdb).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | parquet")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="On an error, also list the published tables and why.")
]
ChartOpt = Annotated[
    Path | None, typer.Option("--chart", help="Also write the Vega-Lite chart spec (JSON) to this file.")
]

# Encounter filters, as `flows`, `forecast`, `evaluate`, `drivers` and `panel` word them.
# A verb whose help for a filter says something else (e.g. its own default) declares that one itself.
RegionOpt = Annotated[str | None, typer.Option(help="southwest | northern | coastal (default: nationwide)")]
ComponentOpt = Annotated[str, typer.Option(help="all | usbp | ofo")]
CitizenshipOpt = Annotated[str | None, typer.Option(help="ISO3 codes, comma-separated")]
DemographicOpt = Annotated[str | None, typer.Option(help="single_adults,family_units,uac,accompanied_minors")]
SectorOpt = Annotated[str | None, typer.Option(help="Border Patrol sector slugs")]
TitleOpt = Annotated[str | None, typer.Option(help="title8 | title42")]
StateOpt = Annotated[str | None, typer.Option(help="US state codes, comma-separated")]


def selection_options(ctx: typer.Context) -> dict[str, Any]:
    """The encounter filters a verb was given (its RegionOpt ... StateOpt options) by name, passed
    on to the API as they came, so that it parses them as it does for every surface."""
    from corridor.params import FILTERS

    return {name: ctx.params[name] for name in FILTERS}


def fail(exc: CorridorError, *, verbose: bool = False) -> NoReturn:
    """Print a Corridor error on stderr (one sentence, with the nearest working options) and exit 2."""
    from corridor.flows import suggestion_text

    message = str(exc)
    hint = suggestion_text(getattr(exc, "suggestion", None), style="cli")
    if hint:
        message = f"{message}: {hint}"
    err.print(f"error: {message}", highlight=False, markup=False)
    if verbose:
        for line in getattr(exc, "details", None) or ():
            err.print(f"  {line}", highlight=False, markup=False)
    elif getattr(exc, "details", None):
        err.print("(--verbose lists the published tables and why each cannot answer)", style="dim")
    raise typer.Exit(2)


@contextmanager
def exit_on_error(*, verbose: bool = False) -> Iterator[None]:
    """Turn a CorridorError raised in the block into `fail`: one line on stderr, exit code 2."""
    try:
        yield
    except CorridorError as exc:
        fail(exc, verbose=verbose)


@contextmanager
def observatory(db: Path | None, *, verbose: bool = False) -> Iterator[corridor.Observatory]:
    """Open the warehouse for one verb; a CorridorError in opening or in the block exits with code 2."""
    with exit_on_error(verbose=verbose), corridor.open(db) as obs:
        yield obs


def emit_result(
    result: Any,
    *,
    fmt: str,
    out: Path | None,
    title: str,
    frame: pd.DataFrame | None = None,
    metadata: dict[str, Any] | None = None,
    caption: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Emit a result: its `tidy()`, `metadata()` and `caption()` unless given instead (`headers`:
    the table format's column titles)."""
    output.emit(
        result.tidy() if frame is None else frame,
        fmt=fmt,
        out=out,
        metadata=result.metadata() if metadata is None else metadata,
        caption=result.caption() if caption is None else caption,
        title=title,
        headers=headers,
    )


def emit_unless_table(result: Any, *, fmt: str, out: Path | None) -> bool:
    """JSON (the result's `to_dict()`) or a tidy format (`output.emit`, warnings on stderr);
    False for "table", which each verb prints its own way."""
    if fmt == "json":
        text = jsonio.dumps(result.to_dict(), indent=2)
        (out.write_text(text) if out else typer.echo(text))
        return True
    if fmt != "table":
        output.emit(result.tidy(), fmt=fmt, out=out, metadata=result.metadata(), caption=result.caption())
        return True
    return False


def write_chart(spec: dict[str, Any], path: Path | None, *, note: str = "wrote chart spec to") -> None:
    """Write a Vega-Lite spec as JSON to `path` (if given) and say so on stderr."""
    if path is not None:
        path.write_text(json.dumps(spec, indent=1, default=str))
        err.print(f"{note} {path}")


def split_list(values: list[str] | None) -> list[str]:
    """Repeatable and comma-separated options -> one flat list."""
    return [v.strip() for item in (values or []) for v in item.split(",") if v.strip()]

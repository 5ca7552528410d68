"""The `corridor` command line: a thin Typer shell over the Python API.

Exit codes: 0 success; 2 bad usage or bad input (the error is on stderr, one line).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from corridor import output
from corridor.commands import register_all
from corridor.commands.common import (
    CitizenshipOpt,
    ComponentOpt,
    DbOpt,
    DemographicOpt,
    FormatOpt,
    OutOpt,
    RegionOpt,
    StateOpt,
    TitleOpt,
    VerboseOpt,
    emit_result,
    err,
    exit_on_error,
    observatory,
    split_list,
)

app = typer.Typer(
    name="corridor",
    help="Corridor: an open observatory for migration flows, their root causes, and what works.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"corridor {version('corridor')}")
        except PackageNotFoundError:  # running from a source tree that was never installed
            typer.echo("corridor (not installed: run `make setup`)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the installed version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Corridor: an open observatory for migration flows, their root causes, and what works."""


@app.command()
def sync(
    mirror: Annotated[
        Path | None,
        typer.Option(
            "--mirror", help="Read official files from this folder (else $CORRIDOR_MIRROR, else download)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Sync only these dataset ids (repeatable).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Load official data into the warehouse: atomic (all or nothing) and idempotent."""
    from corridor import ingest

    interactive = sys.stderr.isatty()
    progress = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        console=err,
        disable=not interactive,
    )
    tasks: dict[str, int] = {}

    def note(dataset: str, stage: str, done: int, total: int) -> None:
        if dataset not in tasks:
            tasks[dataset] = progress.add_task(dataset, total=3, stage="")
        step = {"fetch": 0, "parse": 1, "load": 2, "unchanged": 3}[stage]
        progress.update(tasks[dataset], completed=step + (done / max(total, 1)), stage=stage)

    with exit_on_error(), progress:
        # Parse in one worker per core ($CORRIDOR_WORKERS=1: in this process only).
        workers = int(os.environ.get("CORRIDOR_WORKERS") or os.cpu_count() or 1)
        report = ingest.sync(db=db, mirror=mirror, only=only, progress=note, workers=workers)
    table = Table(title=f"Sync into {report.db}", caption_justify="left")
    for col in ("dataset", "status", "rows", "period", "files"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for r in report.results:
        period = f"{r.period[0]}..{r.period[1]}" if r.period else "–"
        table.add_row(r.dataset, r.status, f"{r.rows:,}" if r.rows else "–", period, str(len(r.files)))
    table.caption = (
        "Loaded in one atomic write."
        if report.changed
        else "Nothing changed: every file matches a loaded checksum."
    )
    Console().print(table)


@app.command()
def status(db: DbOpt = None, fmt: FormatOpt = "table", out: OutOpt = None) -> None:
    """Which datasets and releases are loaded, with rows, periods and checksums."""
    with observatory(db) as obs:
        frame = obs.status()
        if fmt == "table":
            frame = frame[["dataset", "file_name", "rows", "period_start", "period_end", "sha256"]].assign(
                sha256=frame["sha256"].str[:12]
            )
        output.emit(
            frame,
            fmt=fmt,
            out=out,
            metadata={"warehouse": str(obs.warehouse.path)},
            caption=(
                f"Warehouse {obs.warehouse.path}: {frame['dataset'].nunique()} datasets, "
                f"{len(frame)} current releases."
            ),
            title="Loaded releases",
        )


@app.command()
def flows(
    region: RegionOpt = None,
    component: ComponentOpt = "all",
    citizenship: CitizenshipOpt = None,
    demographic: DemographicOpt = None,
    sector: Annotated[
        str | None, typer.Option(help="Border Patrol sector slugs, e.g. rio_grande_valley")
    ] = None,
    title: TitleOpt = None,
    state: StateOpt = None,
    since: Annotated[str | None, typer.Option(help="First month, YYYY-MM")] = None,
    until: Annotated[str | None, typer.Option(help="Last month, YYYY-MM")] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="Group by: month, fiscal_year, calendar_year, region, component, citizenship, "
            "demographic, sector, title, state (repeatable or comma-separated)"
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Encounters, sliced and grouped any way; says which sources answered."""
    with observatory(db, verbose=verbose) as obs:
        result = obs.flows(
            region=region,
            component=component,
            citizenship=citizenship,
            demographic=demographic,
            sector=sector,
            title=title,
            state=state,
            by=split_list(by),
            since=since,
            until=until,
        )
        emit_result(result, fmt=fmt, out=out, title="Encounters")


register_all(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

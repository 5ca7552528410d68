"""The `corridor` command line: a thin Typer shell over the Python API.

Exit codes: 0 success; 2 bad usage or bad input (the error is on stderr, one line); `sync` also
3 when another sync holds the warehouse, 130 on Ctrl-C and 143 on SIGTERM (one line each).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from corridor import output

if TYPE_CHECKING:
    import pandas as pd
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
    selection_options,
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
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", help="Sync every dataset but these ids (repeatable, comma-separated)."),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="If another sync is writing this warehouse, wait for it (else exit 3 at once)."
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Load official data into the warehouse: atomic (all or nothing) and idempotent."""
    from corridor import ingest
    from corridor.store import WarehouseBusy

    interactive = sys.stderr.isatty()
    progress = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        console=err,
        disable=not interactive,
    )
    tasks: dict[str, TaskID] = {}

    def note(dataset: str, stage: str, done: int, total: int) -> None:
        if dataset not in tasks:
            tasks[dataset] = progress.add_task(dataset, total=3, stage="")
        step = {"fetch": 0, "parse": 1, "load": 2, "unchanged": 3}[stage]
        progress.update(tasks[dataset], completed=step + (done / max(total, 1)), stage=stage)

    def waiting(pid: int | None) -> None:
        err.print(f"waiting for another sync writing this warehouse (pid {pid or 'unknown'}) ...")

    try:
        with exit_on_error(), progress:
            # Parse in one worker per core ($CORRIDOR_WORKERS=1: in this process only).
            workers = int(os.environ.get("CORRIDOR_WORKERS") or os.cpu_count() or 1)
            try:
                report = ingest.sync(
                    db=db,
                    mirror=mirror,
                    only=split_list(only),
                    skip=split_list(skip),
                    progress=note,
                    workers=workers,
                    wait=wait,
                    on_wait=waiting,
                )
            except WarehouseBusy as exc:  # a CorridorError, but its own exit code
                err.print(f"error: {exc}", highlight=False, markup=False)
                raise typer.Exit(3) from None
    except KeyboardInterrupt:
        err.print("error: sync interrupted; the warehouse is unchanged", highlight=False, markup=False)
        raise typer.Exit(130) from None
    except ingest.SyncTerminated as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(143) from None
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
    for sentence in report.warnings:
        err.print(f"warning: {sentence}", highlight=False, markup=False)


@app.command()
def status(
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    files: Annotated[
        bool, typer.Option("--files", help="One row a loaded file (name, rows, period, checksum)")
    ] = False,
) -> None:
    """Which datasets are loaded, with their files, rows and periods, and any label mapped by assumption.

    The table has one row a dataset (its id is what `sync --only` takes); `--files`, CSV and JSON
    list every release file with its checksum. An assumed mapping is a label a sync mapped without
    a reference-table entry (e.g. a country outside a publisher's fixed list, matched by name):
    confirm it in the table named.
    """
    from corridor.reference.vocab import AssumedMapping
    from corridor.store import assumed_mappings

    with observatory(db) as obs:
        releases = obs.status()
        frame = releases
        if fmt == "table" and files:
            frame = releases[["dataset", "file_name", "rows", "period_start", "period_end", "sha256"]].assign(
                sha256=releases["sha256"].str[:12]
            )
        elif fmt == "table":
            frame = by_dataset(releases)
        assumed = assumed_mappings(obs.con)
        warnings = [AssumedMapping(label, code, how, ref).sentence(d) for d, label, code, how, ref in assumed]
        output.emit(
            frame,
            fmt=fmt,
            out=out,
            metadata={
                "warehouse": str(obs.warehouse.path),
                "assumed_mappings": [
                    {"dataset": d, "label": label, "code": code, "how": how, "reference": ref}
                    for d, label, code, how, ref in assumed
                ],
                "warnings": warnings,
            },
            caption=(
                f"Warehouse {obs.warehouse.path}: {releases['dataset'].nunique()} datasets, "
                f"{len(releases)} current release files, {len(assumed)} assumed label mapping(s)."
                + (
                    ""
                    if files or fmt != "table"
                    else " Each file, with its checksum: corridor status --files."
                )
            ),
            title="Loaded releases" if files or fmt != "table" else "Loaded datasets",
        )


def by_dataset(releases: pd.DataFrame) -> pd.DataFrame:
    """One row a dataset: how many files and rows, and the period they span (a reader's first
    question of a warehouse; the files themselves are `status --files`). Periods published as
    fiscal years, years, months or dates are compared by the months they cover."""
    import pandas as pd

    rows = []
    for dataset, part in releases.groupby("dataset", sort=True):
        starts = [str(v) for v in part["period_start"].dropna()]
        ends = [str(v) for v in part["period_end"].dropna()]
        first = min(starts, key=lambda v: _months(v, end=False), default="")
        last = max(ends, key=lambda v: _months(v, end=True), default="")
        rows.append(
            {
                "dataset": dataset,
                "files": len(part),
                "rows": int(part["rows"].sum()),
                "period": f"{first}..{last}" if first and last else "–",
            }
        )
    return pd.DataFrame(rows)


def _months(period: str, *, end: bool) -> str:
    """A period's first (or last) month as YYYY-MM, to compare 'FY2023', '2023', '2023-05' and
    '2023-05-14' on one scale (FY2023 runs 2022-10..2023-09)."""
    text = period.strip()
    if text.upper().startswith("FY") and text[2:6].isdigit():
        year = int(text[2:6])
        return f"{year}-09" if end else f"{year - 1}-10"
    if len(text) == 4 and text.isdigit():
        return f"{text}-12" if end else f"{text}-01"
    return text[:7]


@app.command()
def flows(
    ctx: typer.Context,
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
        result = obs.flows(**selection_options(ctx), by=split_list(by), since=since, until=until)
        emit_result(result, fmt=fmt, out=out, title="Encounters")


register_all(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

"""CLI verb `corridor series`: list every context and operations series, or return one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from corridor import output
from corridor.commands.common import (
    ChartOpt,
    DbOpt,
    FormatOpt,
    OutOpt,
    emit_result,
    err,
    observatory,
    write_chart,
)

LIST_COLUMNS = ["id", "title", "dataset", "publisher", "frequency", "first", "last", "unit"]


def _flags(row: object) -> str:
    """The catalogue's flags of one series, in words."""
    out = []
    if getattr(row, "rounded", False):
        out.append("rounded to 10")
    if getattr(row, "suppressed", 0):
        out.append(f"{row.suppressed} withheld cells")  # type: ignore[attr-defined]
    if getattr(row, "partial", ""):
        out.append(f"partial: {row.partial}")  # type: ignore[attr-defined]
    if getattr(row, "do_not_mix", ""):
        out.append(f"never add across: {row.do_not_mix}")  # type: ignore[attr-defined]
    return "; ".join(out)


def print_list(frame: object, *, caption: str, console: Console | None = None) -> None:
    """The catalogue as records: each id whole on its own line, its facts wrapped beneath it."""
    console = console or Console()
    for row in frame.itertuples():  # type: ignore[attr-defined]
        console.print(Text(row.id, style="bold"), overflow="ignore", crop=False, soft_wrap=True)
        facts = [
            row.title,
            f"{row.first}..{row.last} ({row.frequency}); {row.unit}",
            f"dimensions: {row.dimensions or '–'}" + (f"; measures: {row.measures}" if row.measures else ""),
            f"source: {row.publisher or row.dataset_title}",
        ]
        flags = _flags(row)
        if flags:
            facts.append(flags)
        for fact in facts:
            console.print(Text("  " + fact), highlight=False, markup=False)
    console.print(caption, style="dim", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `series` to the `corridor` app."""

    @app.command()
    def series(
        series_id: Annotated[str | None, typer.Argument(metavar="ID", help="Series id (see --list)")] = None,
        list_: Annotated[
            bool, typer.Option("--list", help="List every series with its period and source")
        ] = False,
        since: Annotated[str | None, typer.Option(help="First month (YYYY-MM) or year (YYYY)")] = None,
        until: Annotated[str | None, typer.Option(help="Last month (YYYY-MM) or year (YYYY)")] = None,
        where: Annotated[
            list[str] | None,
            typer.Option(help="Filter on a dimension, DIM=VALUE[,VALUE] (repeatable), e.g. citizenship=GTM"),
        ] = None,
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
        chart: ChartOpt = None,
    ) -> None:
        """Context and operations series (transit, credible fear, courts, detention, outcomes, ...)."""
        with observatory(db) as obs:
            if list_ or series_id is None:
                frame = obs.series_catalog()
                caption = str(frame.attrs.get("caption", ""))
                if fmt == "table" and out is None:
                    print_list(frame, caption=caption)
                    return
                meta = {"series": len(frame), "reference_tables": frame.attrs.get("reference_tables", {})}
                output.emit(
                    frame if fmt != "table" else frame[LIST_COLUMNS],
                    fmt=fmt,
                    out=out,
                    metadata={**meta, "warnings": []},
                    caption=caption,
                    title="Series",
                )
                return
            result = obs.series(series_id, since=since, until=until, where=where)
            metadata = result.metadata()  # its warnings go to stderr with the caption (output.emit)
            frame = result.table_frame() if fmt == "table" else result.tidy()
            emit_result(result, fmt=fmt, out=out, title=result.spec.title, frame=frame, metadata=metadata)
            if chart is not None:
                spec = result.chart()
                if spec is None:
                    err.print("no chart: every value of this selection is missing", highlight=False)
                else:
                    write_chart(spec, chart)

"""CLI verb: track a strategy as a results framework."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor import output
from corridor.commands.common import DbOpt, FormatOpt, OutOpt, observatory


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"


BAND_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red", "grey": "dim"}
STATUS_STYLE = {"improving": "green", "worsening": "red", "no clear change": "yellow", "no data": "dim"}


def register(app: typer.Typer) -> None:
    """Add `track` to the `corridor` app."""

    @app.command()
    def track(
        framework: Annotated[
            str,
            typer.Argument(
                help="A shipped framework id (root-causes-2021, collaborative-migration-2021) or a YAML file"
            ),
        ] = "root-causes-2021",
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
    ) -> None:
        """Score a strategy's indicators from the warehouse and roll them up to pillars."""
        with observatory(db) as obs:
            result = obs.track(framework)
        if fmt == "json":
            text = json.dumps(result.to_dict(), indent=2, default=str)
            (out.write_text(text) if out else typer.echo(text))
            return
        if fmt != "table":
            output.emit(result.tidy(), fmt=fmt, out=out, metadata=result.to_dict(), caption=result.caption())
            return
        console = Console()
        fw = result.framework
        head = "n/a" if result.score is None else f"{result.score:.2f}"
        style = BAND_STYLE[result.band]
        console.print(f"[bold]{fw.title}[/bold] ({fw.published})  overall: [{style}]{head} {result.band}[/]")
        console.print(f"Goal: {fw.goal}", highlight=False)
        table = Table(show_lines=False)
        for col in ("pillar", "indicator", "baseline", "latest", "change", "status"):
            table.add_column(col, justify="right" if col in ("baseline", "latest", "change") else "left")
        frame = result.tidy()
        for r in frame.itertuples():
            base = (
                "–"
                if r.baseline is None or r.baseline != r.baseline
                else f"{_num(r.baseline)} ({int(r.baseline_year)})"
            )
            latest = (
                "–"
                if r.latest is None or r.latest != r.latest
                else f"{_num(r.latest)} ({int(r.latest_year)})"
            )
            if r.change is None or r.change != r.change:
                change = "–"
            else:
                change = (
                    ("+" if r.change > 0 else "")
                    + _num(r.change)
                    + (
                        ""
                        if r.change_pct is None or r.change_pct != r.change_pct
                        else f" ({r.change_pct:+.0f}%)"
                    )
                )
            table.add_row(
                str(r.pillar),
                r.label,
                base,
                latest,
                change,
                f"[{STATUS_STYLE.get(r.status, '')}]{r.status}[/]",
            )
        output.print_table(table, console)
        pillars = Table(title="Pillars")
        for col in ("pillar", "title", "score", "band", "not measurable"):
            pillars.add_column(col)
        for p in result.pillars_frame().itertuples():
            score = "–" if p.score is None or p.score != p.score else f"{p.score:.2f}"
            pillars.add_row(
                str(p.pillar), p.title, score, f"[{BAND_STYLE[p.band]}]{p.band}[/]", p.no_data or ""
            )
        output.print_table(pillars, console)
        console.print(result.caption(), style="dim", highlight=False)

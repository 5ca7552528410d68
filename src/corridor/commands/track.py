"""CLI verb: track a strategy as a results framework (and the partners' relief beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from corridor import output
from corridor.commands.common import DbOpt, FormatOpt, OutOpt, emit_unless_table, observatory
from corridor.strategy.scoring import change_text, value_text

BAND_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red", "grey": "dim"}
STATUS_STYLE = {
    "improving": "green",
    "worsening": "red",
    "no clear change": "yellow",
    "too little history": "dim",
    "no baseline": "dim",
    "no later data": "dim",
    "no data": "dim",
    "context": "dim",
    "clear rise": "green",
    "clear fall": "red",
}


def _span(r: Any) -> str:
    """'baseline (year) → latest (year)', with '–' for what is missing."""
    unit = "%" if r.scale == "share" and "%" in str(r.unit) else ""
    baseline = value_text(r.baseline, r.scale, unit=unit, year=r.baseline_year)
    return f"{baseline} → {value_text(r.latest, r.scale, unit=unit, year=r.latest_year)}"


def _change(r: Any) -> str:
    return change_text(r, lambda change, scale: ("+" if change > 0 else "") + value_text(change, scale))


def _warn(lines: list[str]) -> None:
    """The result's warnings on stderr, as every verb prints them."""
    output.print_warnings({"warnings": lines}, Console(stderr=True, soft_wrap=True))


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
        partners: Annotated[
            bool, typer.Option("--partners", help="Show only the partners' relief (bilateral aid) table")
        ] = False,
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
    ) -> None:
        """Score a strategy's indicators from the warehouse and roll them up to pillars."""
        with observatory(db) as obs:
            if partners:
                relief = obs.partners_relief()
                _emit_partners(relief, fmt=fmt, out=out)
                return
            shipped = framework in obs.frameworks()
            result = obs.track(framework) if shipped else obs.track_file(path=Path(framework))  # type: ignore[arg-type]
        if not emit_unless_table(result, fmt=fmt, out=out):
            _table(result)

    def _emit_partners(relief: Any, *, fmt: str, out: Path | None) -> None:
        if emit_unless_table(relief, fmt=fmt, out=out):
            return
        _partners_table(relief, Console())
        _warn(relief.warnings())


def _table(result: Any) -> None:
    console = Console()
    fw = result.framework
    head = "n/a" if result.score is None else f"{result.score:.2f}"
    style = BAND_STYLE[result.band]
    console.print(f"[bold]{fw.title}[/bold] ({fw.published})  overall: [{style}]{head} {result.band}[/]")
    console.print(f"Goal: {fw.goal}", highlight=False)
    frame = result.tidy()
    pillars = {p.id: p for p in result.pillars}
    for pillar, part in frame.groupby("pillar", sort=False):
        p = pillars.get(str(pillar))
        title = "Goal" if pillar == "goal" else f"{pillar}. {p.title if p else ''}"
        if p is not None:
            score = "–" if p.score is None else f"{p.score:.2f}"
            title += f"  [{BAND_STYLE[p.band]}]{score} {p.band}[/]"
        table = Table(title=title, title_justify="left", show_lines=False)
        for col in ("indicator", "status", "baseline → latest", "change", "source"):
            table.add_column(col, justify="right" if col in ("baseline → latest", "change") else "left")
        for r in part.itertuples():
            table.add_row(
                r.indicator,
                f"[{STATUS_STYLE.get(r.status, '')}]{r.status}[/]",
                _span(r),
                _change(r),
                r.source,
            )
        output.print_table(table, console)
    gaps = Table(title="Where a pillar or line has no measure, and why", title_justify="left")
    gaps.add_column("pillar")
    gaps.add_column("title")
    gaps.add_column("score")
    gaps.add_column("gaps")
    for p in result.pillars_frame().itertuples():
        score = "–" if p.score is None or p.score != p.score else f"{p.score:.2f}"
        gaps.add_row(str(p.pillar), p.title, f"[{BAND_STYLE[p.band]}]{score} {p.band}[/]", p.no_data or "")
    output.print_table(gaps, console)
    if result.partners is not None:
        _partners_table(result.partners, console)
    console.print(result.caption(), style="dim", highlight=False)
    _warn(result.warnings())


def _partners_table(relief: Any, console: Console) -> None:
    table = Table(
        title=f"Partners' relief: net bilateral aid to {', '.join(relief.recipients)}", title_justify="left"
    )
    frame: pd.DataFrame = relief.table()
    for col in frame.columns:
        table.add_column(str(col), justify="left" if col in ("donor", "status") else "right")
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            if col == "status":
                cells.append(f"[{STATUS_STYLE.get(value, '')}]{value}[/]")
            elif col == "donor":
                cells.append(str(value))
            elif col == "clear beyond ±":
                cells.append("–" if value is None or value != value else f"±{value:,.1f}")
            elif col == "change":
                cells.append("–" if value is None or value != value else f"{value:+,.1f}")
            else:
                cells.append("–" if value is None or value != value else f"{value:,.1f}")
        table.add_row(*cells)
    output.print_table(table, console)
    console.print(relief.caption(), style="dim", highlight=False)

"""CLI verbs for: processing-pathway and court-backlog simulations (`corridor simulate ...`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from corridor import output
from corridor.commands.common import (
    DbOpt,
    FormatOpt,
    OutOpt,
    emit_result,
    err,
    exit_on_error,
    observatory,
    write_chart,
)
from corridor.errors import UsageError

sim_app = typer.Typer(
    name="simulate",
    help="Monte Carlo simulations calibrated to public data: processing pathways, court backlog.",
    no_args_is_help=True,
)

RunsOpt = Annotated[int, typer.Option("--runs", help="Monte Carlo runs.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same results).")]
ChartOpt = Annotated[Path | None, typer.Option("--chart", help="Write the Vega-Lite chart spec (JSON) here.")]
LevelOpt = Annotated[float, typer.Option("--level", help="Central interval level, e.g. 0.8.")]
# How these verbs have always announced --chart (the other verbs say "wrote chart spec to").
CHART_NOTE = "wrote the chart spec to"


def _goal(text: str | None) -> int | None:
    if text is None:
        return None
    m = re.fullmatch(r"\s*clear-by[\s:=]+(?:FY)?(\d{4})\s*", text, flags=re.IGNORECASE)
    if not m:
        raise UsageError(f"--goal {text!r}: expected 'clear-by FY', e.g. --goal 'clear-by 2032'")
    return int(m.group(1))


def _receipts(text: str) -> float | str:
    key = text.strip().lower().replace(" ", "-")
    if key in ("last", "from-pathways"):
        return key
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise UsageError(f"--receipts {text!r}: give cases a year, 'last' or 'from pathways'") from None


@sim_app.command("pathways")
def pathways(
    scenario: Annotated[
        str | None, typer.Option(help="Built-in scenario name or a YAML file (default: baseline).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="First month, YYYY-MM (default: after the last encounters loaded).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last month, YYYY-MM (default: 24 months).")] = None,
    encounters: Annotated[
        str, typer.Option(help="history | seasonal-naive (history, CBP actuals, then the last year again)")
    ] = "seasonal-naive",
    calibrate_from: Annotated[str | None, typer.Option(help="Calibration window start, YYYY-MM.")] = None,
    calibrate_until: Annotated[str | None, typer.Option(help="Calibration window end, YYYY-MM.")] = None,
    runs: RunsOpt = 1000,
    seed: SeedOpt = 0,
    level: LevelOpt = 0.8,
    chart: ChartOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Where encounters end up, month by month: outcomes, detention, releases, new court cases."""
    with observatory(db) as obs:
        result = obs.simulate_pathways(
            scenario=scenario,
            since=since,
            until=until,
            encounters=encounters,  # type: ignore[arg-type]
            calibrate_from=calibrate_from,
            calibrate_until=calibrate_until,
            runs=runs,
            seed=seed,
            level=level,
        )
        frame = result.tidy()
        if fmt == "table":
            output.print_prose(result.summary(), err)
            frame = result.table()
        emit_result(result, fmt=fmt, out=out, title="Simulated processing pathways", frame=frame)
        write_chart(result.chart(), chart, note=CHART_NOTE)


@sim_app.command("backlog")
def backlog(
    judges_added: Annotated[
        int, typer.Option("--judges-added", help="Judges added from the first year.")
    ] = 0,
    start: Annotated[
        int | None, typer.Option("--from", help="First fiscal year to simulate (after the calibration).")
    ] = None,
    until: Annotated[int | None, typer.Option("--until", help="Last fiscal year to simulate.")] = None,
    receipts: Annotated[
        str,
        typer.Option(help="New cases a year: a number, 'last' (the year before the run) or 'from pathways'."),
    ] = "last",
    goal: Annotated[
        str | None, typer.Option(help="'clear-by FY': added judges needed to clear the backlog by that year.")
    ] = None,
    definition: Annotated[str, typer.Option(help="EOIR series: eoir_2026 | eoir_2021")] = "eoir_2026",
    calibrate_until: Annotated[
        int | None,
        typer.Option(help="Last fiscal year used for calibration (a complete year; default: the last one)."),
    ] = None,
    hires: Annotated[float, typer.Option(help="Judges hired a year after FY2023 (CRS R47637: 104).")] = 104.0,
    runs: RunsOpt = 1000,
    seed: SeedOpt = 0,
    level: LevelOpt = 0.8,
    chart: ChartOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Immigration-court pending cases by fiscal year under judge hiring and receipts."""
    with exit_on_error():
        target = _goal(goal)
    with observatory(db) as obs:
        result = obs.simulate_backlog(
            judges_added=judges_added,
            start=start,
            until=until,
            receipts=_receipts(receipts),  # type: ignore[arg-type]
            clear_by=target,
            definition=definition,  # type: ignore[arg-type]
            calibrate_until=calibrate_until,
            hires_per_year=hires,
            runs=runs,
            seed=seed,
            level=level,
        )
        if fmt == "table":
            output.print_prose(result.summary(), err)
        emit_result(
            result,
            fmt=fmt,
            out=out,
            title=f"Immigration-court pending cases, median and {result.level:.0%} interval",
            frame=result.table() if fmt == "table" else None,
            caption=result.caption() + " Every assumption, in full: --format json.",
        )
        write_chart(result.chart(), chart, note=CHART_NOTE)


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the `corridor` app."""
    app.add_typer(sim_app, name="simulate")

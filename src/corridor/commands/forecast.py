"""CLI verb `forecast`: monthly forecasts with intervals, always beside their backtest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from corridor import jsonio, output
from corridor.commands.common import (
    CitizenshipOpt,
    ComponentOpt,
    DbOpt,
    DemographicOpt,
    FormatOpt,
    OutOpt,
    RegionOpt,
    SectorOpt,
    StateOpt,
    TitleOpt,
    emit_result,
    err,
    observatory,
    selection_options,
    split_list,
    write_chart,
)
from corridor.errors import UsageError


def _levels_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Round a backtest table for display."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(3)
    return out


SHORT = {
    "mase": "MASE",
    "mase_vs_naive": "MASEx",
    "winkler_80": "W80",
    "winkler_80_vs_naive": "W80x",
    "coverage_80": "cov80",
    "relwidth_80": "relw80",
    "coverage_95": "cov95",
    "relwidth_95": "relw95",
    "negative_share": "neg",
    "seconds": "s",
}


# The forecast table's column titles in a terminal (CSV and JSON keep the ids lo_80, hi_80, ...).
TABLE_HEADERS = {
    "point": "forecast",
    "lo_80": "80% low",
    "hi_80": "80% high",
    "lo_95": "95% low",
    "hi_95": "95% high",
}


def _compact(table: pd.DataFrame) -> pd.DataFrame:
    """The columns that fit a terminal, with short names (W = Winkler score, cov = coverage)."""
    from corridor.reference.labels import label

    cols = ["model", *[c for c in SHORT if c in table.columns]]
    out = _levels_columns(table[cols]).rename(columns=SHORT)
    out["model"] = out["model"].map(lambda m: label("method", m))
    return out


def _emit_backtest(bt: Any, *, fmt: str, title: str) -> None:
    """Print a backtest's accuracy and per-horizon tables (table format) or as CSV/JSON on stdout."""
    table = _levels_columns(bt.table)
    horizons = _levels_columns(bt.horizons)
    if fmt == "table":
        caption = (
            f"{bt.description}. W80 = 80% Winkler score, cov = interval coverage, relw = mean relative "
            "width (high - low) / actual, x = ratio to naive."
        )
        output.render_table(_compact(bt.table), caption=caption, title=title)
        output.render_table(
            horizons, caption="Mean MASE by horizon (months ahead).", title=f"{title}: by horizon"
        )
    elif fmt == "json":
        typer.echo(
            jsonio.dumps(
                {"description": bt.description, "table": table, "by_horizon": horizons},
                indent=2,
            )
        )
    elif fmt == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
        err.print(f"[dim]{bt.description}[/dim]", highlight=False)
    else:
        raise UsageError("--suite writes table, csv or json")


def forecast(
    ctx: typer.Context,
    region: RegionOpt = None,
    component: ComponentOpt = "all",
    citizenship: CitizenshipOpt = None,
    demographic: DemographicOpt = None,
    sector: SectorOpt = None,
    title: TitleOpt = None,
    state: StateOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="One series per value of: region, component, citizenship, demographic, sector, ..."
        ),
    ] = None,
    horizon: Annotated[int, typer.Option(help="Months ahead, 1-36")] = 6,
    until: Annotated[str | None, typer.Option(help="Train only on data up to this month, YYYY-MM")] = None,
    level: Annotated[str, typer.Option(help="Interval levels in percent, comma-separated")] = "80,95",
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Print the backtest against naive, seasonal naive and AutoETS")
    ] = False,
    suite: Annotated[
        str | None,
        typer.Option(help="With --backtest: run a documented suite, recent | long | breaks (Suite C)"),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the Vega-Lite chart spec (JSON) here.")
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Forecast monthly encounters with 80/95% intervals, beside a rolling-origin backtest."""
    with observatory(db) as obs:
        if suite is not None:
            if not backtest:
                raise UsageError("--suite runs a backtest suite: add --backtest")
            selection = [region, citizenship, demographic, sector, title, state, by, until]
            if any(selection) or component != "all":
                raise UsageError("--suite defines its own series: drop the selection options")
            err.print(f"running suite {suite!r} (AutoETS is refitted at every origin; this takes a while)")
            data, bt = obs.forecast_suite(suite=suite, level=level)  # type: ignore[arg-type]
            _emit_backtest(bt, fmt=fmt, title=f"Backtest: {data.title}")
            return
        result = obs.forecast(
            **selection_options(ctx),
            by=split_list(by),
            horizon=horizon,
            until=until,
            level=level,
            backtest=backtest,
        )
        # Prints metadata.warnings on stderr.
        emit_result(result, fmt=fmt, out=out, title="Forecast", headers=TABLE_HEADERS)
        if backtest:
            if fmt == "table":
                _emit_backtest(result.backtest, fmt="table", title="Backtest")
            else:
                err.print(_levels_columns(result.backtest.table).to_string(index=False))
        if chart is not None:
            write_chart(result.chart(), chart)


def register(app: typer.Typer) -> None:
    """Add the `forecast` verb to the `corridor` app."""
    app.command("forecast")(forecast)

"""CLI verb `forecast`: monthly forecasts with intervals, always beside their backtest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from corridor import output
from corridor.commands.common import DbOpt, FormatOpt, OutOpt, err, fail, split_list
from corridor.errors import CorridorError, UsageError


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
    "coverage_95": "cov95",
    "negative_share": "neg",
    "seconds": "s",
}


def _compact(table: pd.DataFrame) -> pd.DataFrame:
    """The columns that fit a terminal, with short names (W = Winkler score, cov = coverage)."""
    cols = ["model", *[c for c in SHORT if c in table.columns]]
    return _levels_columns(table[cols]).rename(columns=SHORT)


def _emit_backtest(bt: Any, *, fmt: str, title: str) -> None:
    """Print a backtest's accuracy and per-horizon tables (table format) or as CSV/JSON on stdout."""
    table = _levels_columns(bt.table)
    horizons = _levels_columns(bt.horizons)
    if fmt == "table":
        caption = f"{bt.description}. W80 = 80% Winkler score, cov = interval coverage, x = ratio to naive."
        output.render_table(_compact(bt.table), caption=caption, title=title)
        output.render_table(
            horizons, caption="Mean MASE by horizon (months ahead).", title=f"{title}: by horizon"
        )
    elif fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "description": bt.description,
                    "table": output.records(table),
                    "by_horizon": output.records(horizons),
                },
                indent=2,
            )
        )
    elif fmt == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
        err.print(f"[dim]{bt.description}[/dim]", highlight=False)
    else:
        raise UsageError("--suite writes table, csv or json")


def forecast(
    region: Annotated[
        str | None, typer.Option(help="southwest | northern | coastal (default: nationwide)")
    ] = None,
    component: Annotated[str, typer.Option(help="all | usbp | ofo")] = "all",
    citizenship: Annotated[str | None, typer.Option(help="ISO3 codes, comma-separated")] = None,
    demographic: Annotated[
        str | None, typer.Option(help="single_adults,family_units,uac,accompanied_minors")
    ] = None,
    sector: Annotated[str | None, typer.Option(help="Border Patrol sector slugs")] = None,
    title: Annotated[str | None, typer.Option(help="title8 | title42")] = None,
    state: Annotated[str | None, typer.Option(help="US state codes, comma-separated")] = None,
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
        str | None, typer.Option(help="With --backtest: run a documented suite, recent | long")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the Vega-Lite chart spec (JSON) here.")
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
) -> None:
    """Forecast monthly encounters with 80/95% intervals, beside a rolling-origin backtest."""
    import corridor

    try:
        with corridor.open(db) as obs:
            if suite is not None:
                if not backtest:
                    raise UsageError("--suite runs a backtest suite: add --backtest")
                selection = [region, citizenship, demographic, sector, title, state, by, until]
                if any(selection) or component != "all":
                    raise UsageError("--suite defines its own series: drop the selection options")
                err.print(
                    f"running suite {suite!r} (AutoETS is refitted at every origin; this takes a while)"
                )
                data, bt = obs.forecast_suite(suite=suite, level=level)  # type: ignore[arg-type]
                _emit_backtest(bt, fmt=fmt, title=f"Backtest: {data.title}")
                return
            result = obs.forecast(
                region=region,
                component=component,
                citizenship=citizenship,
                demographic=demographic,
                sector=sector,
                title=title,
                state=state,
                by=split_list(by),
                horizon=horizon,
                until=until,
                level=level,
                backtest=backtest,
            )
            output.emit(
                result.tidy(),
                fmt=fmt,
                out=out,
                metadata=result.metadata(),
                caption=result.caption(),
                title="Forecast",
            )
            if backtest:
                if fmt == "table":
                    _emit_backtest(result.backtest, fmt="table", title="Backtest")
                else:
                    err.print(_levels_columns(result.backtest.table).to_string(index=False))
            if chart is not None:
                chart.write_text(json.dumps(result.chart(), indent=1, default=str))
                err.print(f"wrote chart spec to {chart}")
    except CorridorError as exc:
        fail(exc)


def register(app: typer.Typer) -> None:
    """Add the `forecast` verb to the `corridor` app."""
    app.command("forecast")(forecast)

"""CLI verbs for indicators, the analysis panel and country profiles."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor import output
from corridor.commands.common import (
    ComponentOpt,
    DbOpt,
    FormatOpt,
    OutOpt,
    emit_result,
    fail,
    observatory,
    split_list,
)
from corridor.errors import CorridorError


def register(app: typer.Typer) -> None:
    """Add `indicators`, `panel` and `profile` to the `corridor` app."""

    @app.command()
    def indicators(
        country: Annotated[str | None, typer.Option(help="ISO3 codes or groups (NORTHERN_TRIANGLE)")] = None,
        indicator: Annotated[str | None, typer.Option(help="Indicator ids, comma-separated")] = None,
        since: Annotated[int | None, typer.Option(help="First year")] = None,
        until: Annotated[int | None, typer.Option(help="Last year")] = None,
        list_: Annotated[bool, typer.Option("--list", help="List every indicator id with coverage")] = False,
        aggregates: Annotated[bool, typer.Option(help="Include regional/income aggregates")] = False,
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
    ) -> None:
        """Root-cause indicators by country and year, tidy; --list shows the catalog."""
        with observatory(db) as obs:
            if list_:
                cat = obs.indicator_catalog()
                shown = (
                    cat
                    if fmt != "table"
                    else cat[["indicator", "name", "unit", "source", "countries", "first_year", "last_year"]]
                )
                output.emit(
                    shown,
                    fmt=fmt,
                    out=out,
                    metadata={"indicators": len(cat)},
                    caption=f"{len(cat)} indicators. Descriptions and URLs: --format json.",
                    title="Indicators",
                )
                return
            result = obs.indicators(
                country=country, indicator=indicator, since=since, until=until, aggregates=aggregates
            )
            emit_result(result, fmt=fmt, out=out, title="Indicators")

    @app.command()
    def panel(
        outcome: Annotated[str, typer.Option(help="Outcome: encounters")] = "encounters",
        region: Annotated[str | None, typer.Option(help="southwest | northern | coastal")] = None,
        component: ComponentOpt = "all",
        demographic: Annotated[str | None, typer.Option(help="Demographic filter")] = None,
        by: Annotated[str, typer.Option(help="Unit of the panel: citizenship")] = "citizenship",
        freq: Annotated[str, typer.Option(help="fiscal_year | calendar_year")] = "fiscal_year",
        with_: Annotated[list[str] | None, typer.Option("--with", help="Driver indicator ids")] = None,
        lag: Annotated[int, typer.Option(help="Years the drivers lead the outcome")] = 1,
        since: Annotated[str | None, typer.Option(help="First month YYYY-MM")] = None,
        until: Annotated[str | None, typer.Option(help="Last month YYYY-MM")] = None,
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
    ) -> None:
        """The analysis panel: encounters by country-period with lagged root-cause drivers."""
        with observatory(db) as obs:
            result = obs.panel(
                outcome=outcome,
                region=region,
                component=component,
                demographic=demographic,
                by=by,
                freq=freq,  # type: ignore[arg-type]
                with_=split_list(with_),
                lag=lag,
                since=since,
                until=until,
            )
            emit_result(result, fmt=fmt, out=out, title="Panel", metadata=result.metadata)

    @app.command()
    def profile(
        iso3: Annotated[str, typer.Argument(help="ISO3 country code, e.g. HND")],
        db: DbOpt = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
        out: OutOpt = None,
    ) -> None:
        """A country profile: root-cause indicators (latest, 5-year change) and US encounters."""
        with observatory(db) as obs:
            prof = obs.profile(iso3)
        if fmt == "json":
            text = json.dumps(prof.to_dict(), indent=2)
            if out:
                out.write_text(text)
            else:
                typer.echo(text)
            return
        if fmt != "table":
            fail(CorridorError(f"--format {fmt!r}: profile prints as table or json"))
        console = Console()
        table = Table(title=f"{prof.name} ({prof.iso3}): root causes")
        for col in ("indicator", "latest", "year", "unit", "5-year change", "direction"):
            table.add_column(col, justify="right" if col in ("latest", "5-year change") else "left")
        for r in prof.indicators.itertuples():
            latest = "–" if r.latest is None or r.latest != r.latest else f"{r.latest:,.2f}"
            change = (
                "–"
                if r.change_5y is None or r.change_5y != r.change_5y
                else f"{r.change_5y:+,.2f} since {int(r.since_year)}"
            )
            table.add_row(
                r.indicator,
                latest,
                "–" if r.year is None or r.year != r.year else str(int(r.year)),
                str(r.unit or "–"),
                change,
                r.direction,
            )
        output.print_table(table, console)
        console.print(
            "Sources: "
            + "; ".join(f"{s.indicator}: {s.name} ({s.source})" for s in prof.sources.itertuples()),
            style="dim",
            highlight=False,
            markup=False,
        )
        output.render_table(
            prof.encounters,
            caption=prof.encounters_caption,
            title=f"US encounters of {prof.name} citizens, by fiscal year",
            console=console,
        )

"""CLI verbs for indicators, the analysis panel and country profiles."""

from __future__ import annotations

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
    emit_unless_table,
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
            # With nothing chosen, a person is asking what there is: the catalog, not 400,000 values.
            browsing = fmt == "table" and not (country or indicator)
            if list_ or browsing:
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
                    caption=f"{len(cat)} indicators. Descriptions and URLs: --format json."
                    + (
                        " Values: --indicator ID and/or --country ISO3 (--format csv gives every value)."
                        if browsing and not list_
                        else ""
                    ),
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
        """A country profile: root causes since 2020 judged by the tracker's rule, and US encounters."""
        if fmt not in ("table", "json"):
            fail(CorridorError(f"--format {fmt!r}: profile prints as table or json"))
        with observatory(db) as obs:
            prof = obs.profile(iso3)
        if emit_unless_table(prof, fmt=fmt, out=out):  # json: only table and json get here
            return
        from corridor.commands.track import STATUS_STYLE

        console = Console()
        table = Table(title=f"{prof.name} ({prof.iso3}): root causes, judged by the strategy tracker's rule")
        for col in ("indicator", "status", "baseline → latest", "change", "unit"):
            table.add_column(col, justify="right" if col in ("baseline → latest", "change") else "left")
        for r in prof.indicators.itertuples():
            table.add_row(
                r.name,
                f"[{STATUS_STYLE.get(r.status, '')}]{r.status}[/]",
                _span(r),
                "–" if r.change is None or r.change != r.change else f"{r.change:+,.2f}",
                str(r.unit or "–"),
            )
        output.print_table(table, console)
        console.print(prof.caption(), style="dim", highlight=False, markup=False)
        output.render_table(
            prof.encounters,
            caption=prof.encounters_caption,
            title=f"US encounters of {prof.name} citizens, by fiscal year",
            console=console,
        )
        output.print_warnings(prof.metadata(), Console(stderr=True, soft_wrap=True))


def _span(r: object) -> str:
    """'baseline (year) → latest (year)' for a profile row."""

    def one(value: object, year: object) -> str:
        if value is None or value != value:
            return "–"
        when = "" if year is None or year != year else f" ({int(year)})"  # type: ignore[call-overload]
        return f"{value:,.2f}{when}"

    return f"{one(r.baseline, r.baseline_year)} → {one(r.latest, r.latest_year)}"  # type: ignore[attr-defined]

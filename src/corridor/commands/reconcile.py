"""`corridor reconcile`: where encounter tables overlap, do they agree beyond rounding?"""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.commands.common import DbOpt, FormatOpt, OutOpt, emit_result, observatory


def register(app: typer.Typer) -> None:
    @app.command()
    def reconcile(
        grain: Annotated[str, typer.Option(help="fiscal_year | month")] = "fiscal_year",
        dimension: Annotated[
            str | None,
            typer.Option(help="Compare each category of: demographic, sector, citizenship, title, state"),
        ] = None,
        detail: Annotated[
            bool, typer.Option("--detail", help="List every period, not one row a pair.")
        ] = False,
        all_pairs: Annotated[
            bool, typer.Option("--all", help="Keep the overlaps that agree within rounding too.")
        ] = False,
        db: DbOpt = None,
        fmt: FormatOpt = "table",
        out: OutOpt = None,
    ) -> None:
        """Compare every pair of encounter tables where they overlap; show disagreements beyond rounding."""
        with observatory(db) as obs:
            result = obs.reconcile(grain=grain, dimension=dimension, detail=detail, all_pairs=all_pairs)  # type: ignore[arg-type]
            emit_result(result, fmt=fmt, out=out, title="Where encounter tables disagree")

"""CLI verb: the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from corridor import progress
from corridor.commands.common import DbOpt, observatory


def register(app: typer.Typer) -> None:
    """Add `report` to the `corridor` app."""

    @app.command()
    def report(
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write index.html into")] = Path(
            "out"
        ),
        db: DbOpt = None,
    ) -> None:
        """Write a self-contained HTML report (works offline from a file:// URL)."""
        from corridor.report import build_report
        from corridor.report.builder import SECTIONS

        # Every section runs its analysis (forecasts, evaluations, simulations): tens of seconds.
        with observatory(db) as obs, progress.bar(f"Building the report ({len(SECTIONS)} sections)"):
            path = build_report(obs, out)
        Console().print(
            f"Report written to {path} ({path.stat().st_size / 1e6:.1f} MB); open it in a browser."
        )

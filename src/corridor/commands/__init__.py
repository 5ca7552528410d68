"""CLI verbs by area: each module has `register(app)`; cli.py calls them all.

Keeping each area's verbs in its own module lets areas grow without editing one shared file.
Shared helpers for verbs (error handling, output) live in `corridor.commands.common`.
"""

from __future__ import annotations

import typer

from corridor.commands import (
    evaluate,
    forecast,
    indicators,
    reconcile,
    report,
    series,
    serve,
    simulate,
    track,
)

AREAS = (indicators, reconcile, series, forecast, evaluate, track, simulate, report, serve)


def register_all(app: typer.Typer) -> None:
    for area in AREAS:
        area.register(app)

"""CLI verbs for: the HTML report and the web server."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the `corridor` app."""

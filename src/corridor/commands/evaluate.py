"""CLI verbs for: Policy events, causal evaluations and the drivers model."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the `corridor` app."""

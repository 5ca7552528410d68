"""API mixin: Policy events, causal evaluations and the drivers model."""

from __future__ import annotations


class EvaluateMixin:
    """Policy events, causal evaluations and the drivers model. (methods are added by this area's issue)."""

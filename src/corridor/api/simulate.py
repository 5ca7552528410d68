"""API mixin: Processing-pathway and court-backlog simulations."""

from __future__ import annotations


class SimulateMixin:
    """Processing-pathway and court-backlog simulations. (methods are added by this area's issue)."""

"""API mixin: Indicators, panels and country profiles."""

from __future__ import annotations


class IndicatorsMixin:
    """Indicators, panels and country profiles. (methods are added by this area's issue)."""

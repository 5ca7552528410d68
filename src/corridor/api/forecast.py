"""API mixin: Forecasts with backtests."""

from __future__ import annotations


class ForecastMixin:
    """Forecasts with backtests. (methods are added by this area's issue)."""

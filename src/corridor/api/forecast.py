"""API mixin: monthly forecasts with honest intervals, shown beside their rolling-origin backtest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from corridor.analysis.forecast import Backtest, BaselineName
    from corridor.analysis.forecast_result import ForecastResult
    from corridor.analysis.forecast_suites import SuiteData, SuiteName


class ForecastMixin:
    """Forecasts with backtests: `forecast(...)` selects series exactly as `flows(...)` does."""

    def forecast(
        self,
        *,
        region: str | None = None,
        component: str = "all",
        citizenship: str | Sequence[str] | None = None,
        demographic: str | Sequence[str] | None = None,
        sector: str | Sequence[str] | None = None,
        title: str | Sequence[str] | None = None,
        state: str | Sequence[str] | None = None,
        by: str | Sequence[str] | None = None,
        horizon: int = 6,
        until: str | dt.date | None = None,
        level: str | Sequence[int] = (80, 95),
        backtest: bool = False,
        origins: int = 24,
    ) -> ForecastResult:
        """Forecast `horizon` months per series with intervals; the result carries its backtest.

        `backtest=True` adds statsforecast AutoETS to the naive and seasonal-naive baselines.
        """
        from corridor import params
        from corridor.analysis import forecast as fc
        from corridor.analysis import forecast_result
        from corridor.errors import UsageError
        from corridor.flows import TIME_KEYS

        levels = fc.parse_levels(level)
        fc.validate(horizon=horizon, levels=levels)
        keys = [k for k in params.codes(by) if k != "month"]
        for key in keys:
            if key in TIME_KEYS:
                raise UsageError(
                    f"--by {key}: forecasts are monthly; group by series keys only (month is implied)"
                )
        full = self.flows(  # type: ignore[attr-defined]
            region=region,
            component=component,
            citizenship=citizenship,
            demographic=demographic,
            sector=sector,
            title=title,
            state=state,
            by=["month", *keys],
        )
        baselines: tuple[BaselineName, ...] = (
            (*fc.CHEAP_BASELINES, "autoets") if backtest else fc.CHEAP_BASELINES
        )
        return forecast_result.build(
            full,
            keys=keys,
            horizon=horizon,
            until=params.month(until, "until"),
            levels=levels,
            baselines=baselines,
            origins=origins,
        )

    def forecast_suite(
        self,
        *,
        suite: SuiteName | Literal["breaks"],
        baselines: Sequence[BaselineName] = ("naive", "snaive", "autoets"),
        level: str | Sequence[int] = (80, 95),
        progress: Any = None,
    ) -> tuple[SuiteData, Backtest]:
        """Run a documented backtest suite of Corridor's model against baselines: 'recent' (A),
        'long' (B) or 'breaks' (C, after a level shift; naive baselines only)."""
        from corridor.analysis import forecast as fc
        from corridor.analysis import forecast_suites

        return forecast_suites.run(
            self, suite, baselines=baselines, levels=fc.parse_levels(level), progress=progress
        )

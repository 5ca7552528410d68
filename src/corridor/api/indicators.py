"""API mixin: indicators, the analysis panel and country profiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from corridor import indicators as ind


class IndicatorsMixin:
    """Indicators, panels and country profiles (see `corridor.indicators`)."""

    def indicators(
        self,
        *,
        country: str | Sequence[str] | None = None,
        indicator: str | Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        aggregates: bool = False,
    ) -> ind.IndicatorsResult:
        """Indicator values, long and tidy, for countries (or groups) and ids."""
        return ind.query(
            self.con,  # type: ignore[attr-defined]
            country=country,
            indicator=indicator,
            since=since,
            until=until,
            aggregates=aggregates,
        )

    def indicator_catalog(self) -> pd.DataFrame:
        """Every indicator id with description, unit, source and coverage."""
        return ind.catalog(self.con)  # type: ignore[attr-defined]

    def panel(
        self,
        *,
        outcome: str = "encounters",
        region: str | None = None,
        component: str = "all",
        demographic: str | Sequence[str] | None = None,
        by: str = "citizenship",
        freq: ind.Freq = "fiscal_year",
        with_: str | Sequence[str] | None = None,
        lag: int = 1,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
    ) -> ind.PanelResult:
        """Country-period panel: encounters from the flows planner with lagged drivers."""
        return ind.panel(
            self,
            outcome=outcome,
            region=region,
            component=component,
            demographic=demographic,
            by=by,
            freq=freq,
            with_=with_,
            lag=lag,
            since=since,
            until=until,
        )

    def profile(self, iso3: str) -> ind.Profile:
        """One country's root causes since 2020, judged by the strategy tracker's rule, and US encounters."""
        return ind.profile(self, iso3)

    def femicide_rate(self, *, country: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Femicides per 100,000 women, derived from ECLAC counts and World Bank female population."""
        return ind.femicide_rate(self.con, country=country)  # type: ignore[attr-defined]

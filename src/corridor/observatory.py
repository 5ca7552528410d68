"""The Python API: `corridor.open()` returns an Observatory bound to one warehouse.

The CLI, the web app and the report all call these methods and add no logic of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from corridor import config, flows, params
from corridor.api.evaluate import EvaluateMixin
from corridor.api.forecast import ForecastMixin
from corridor.api.indicators import IndicatorsMixin
from corridor.api.series import SeriesMixin
from corridor.api.simulate import SimulateMixin
from corridor.api.track import TrackMixin
from corridor.flows import FlowsResult
from corridor.store import Warehouse


class Observatory(IndicatorsMixin, ForecastMixin, EvaluateMixin, TrackMixin, SimulateMixin, SeriesMixin):
    """Read-only access to a Corridor warehouse: flows, status, and the analyses built on them."""

    def __init__(self, db: str | Path | None = None) -> None:
        self.warehouse = Warehouse(config.warehouse_path(db))
        self.con: duckdb.DuckDBPyConnection = self.warehouse.connect()
        self._cubes: list[flows.Cube] | None = None
        self._reconciliation: Any = None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Observatory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def cubes(self) -> list[flows.Cube]:
        if self._cubes is None:
            self._cubes = flows.load_cubes(self.con)
        return self._cubes

    def flows(
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
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        selection: params.Selection | None = None,
    ) -> FlowsResult:
        """Encounters for a selection, grouped by `by` keys; see `corridor.flows`.

        Filters come as keywords (codes or names, lists or comma-separated text) or as one
        validated `selection`; unset filters mean all.
        """
        if selection is None:
            selection = params.Selection.parse(
                region=region,
                component=component,
                citizenship=citizenship,
                demographic=demographic,
                sector=sector,
                title=title,
                state=state,
            )
        req = flows.FlowsRequest.of(
            selection,
            by=params.items(by),
            since=params.month(since, "since"),
            until=params.month(until, "until"),
        )
        return flows.query(self.con, self.cubes, req, checks=self.source_checks)

    def source_checks(self, result: FlowsResult) -> list[str]:
        """Warnings for an answer read from a table that disagrees with an exact series (see reconcile)."""
        from corridor import reconcile

        if self._reconciliation is None:
            self._reconciliation = reconcile.Reconciliation.build(
                self.con, self.cubes, dims=False, months=False
            )
        return self._reconciliation.warnings_for(result)

    def reconcile(
        self,
        *,
        grain: Literal["fiscal_year", "month"] = "fiscal_year",
        dimension: str | None = None,
        detail: bool = False,
        all_pairs: bool = False,
    ) -> Any:
        """Compare every pair of encounter tables where they overlap; see `corridor.reconcile`.

        The default is a summary of the pairs that disagree beyond rounding, on totals by fiscal
        year; `detail` lists the periods, `all_pairs` keeps pairs that agree too.
        """
        from corridor import reconcile

        full = reconcile.Reconciliation.build(
            self.con, self.cubes, dims=bool(dimension), months=grain == "month"
        )
        return full.result(grain=grain, dimension=dimension, detail=detail, beyond_only=not all_pairs)

    def status(self) -> pd.DataFrame:
        """Loaded releases: dataset, file, rows, period, checksum, when loaded."""
        return self.con.execute(
            "SELECT dataset, file_name, rows, period_start, period_end, "
            "substr(sha256, 1, 16) AS sha256, bytes, loaded_at, published, publisher "
            "FROM releases WHERE is_current ORDER BY dataset, file_key"
        ).df()

    def releases(self, *, all_versions: bool = False) -> pd.DataFrame:
        """Every release row (with superseded ones when `all_versions`)."""
        where = "" if all_versions else "WHERE is_current"
        return self.con.execute(f"SELECT * FROM releases {where} ORDER BY dataset, file_key, loaded_at").df()


def open(db: str | Path | None = None) -> Observatory:
    """Open the warehouse at `db` (or $CORRIDOR_DB, or ./corridor.duckdb) read-only."""
    return Observatory(db)

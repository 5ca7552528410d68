"""The Python API: `corridor.open()` returns an Observatory bound to one warehouse.

The CLI, the web app and the report all call these methods and add no logic of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from corridor import config, flows
from corridor.api.evaluate import EvaluateMixin
from corridor.api.forecast import ForecastMixin
from corridor.api.indicators import IndicatorsMixin
from corridor.api.series import SeriesMixin
from corridor.api.simulate import SimulateMixin
from corridor.api.track import TrackMixin
from corridor.reference.calendar import parse_month
from corridor.store import Warehouse


def _month(value: str | dt.date | None, option: str) -> dt.date | None:
    from corridor.errors import UsageError

    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    try:
        return parse_month(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _codes(value: str | Sequence[str] | None, *, upper: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    out = tuple(v.strip() for v in items if v and v.strip())
    return tuple(v.upper() for v in out) if upper else out


class Observatory(IndicatorsMixin, ForecastMixin, EvaluateMixin, TrackMixin, SimulateMixin, SeriesMixin):
    """Read-only access to a Corridor warehouse: flows, status, and the analyses built on them."""

    def __init__(self, db: str | Path | None = None) -> None:
        self.warehouse = Warehouse(config.warehouse_path(db))
        self.con: duckdb.DuckDBPyConnection = self.warehouse.connect()
        self._cubes: list[flows.Cube] | None = None

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
    ) -> flows.FlowsResult:
        """Encounters for a selection, grouped by `by` keys; see `corridor.flows`."""
        req = flows.FlowsRequest(
            region=region,
            component=component,
            citizenship=_codes(citizenship, upper=True),
            demographic=_codes(demographic),
            sector=_codes(sector),
            title=_codes(title),
            state=_codes(state, upper=True),
            by=_codes(by),
            since=_month(since, "--since"),
            until=_month(until, "--until"),
        )
        return flows.query(self.con, self.cubes, req)

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

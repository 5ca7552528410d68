"""API mixin: every context and operations series the warehouse holds (see `corridor.series`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from corridor import series as ser


class SeriesMixin:
    """List the series (`series_catalog`) and return one as tidy rows with provenance (`series`)."""

    def _series(self) -> ser.Catalogue:
        """The resolved catalogue, built once per open warehouse (it is read-only while open)."""
        cat = getattr(self, "_series_catalogue", None)
        if cat is None:
            cat = ser.Catalogue.build(self.con)  # type: ignore[attr-defined]
            self._series_catalogue = cat
        return cat

    def series_catalog(self) -> pd.DataFrame:
        """Every series: id, title, table, publisher, period, unit, dimensions and flags."""
        cat = self._series()
        frame = cat.frame(self.con).copy()  # type: ignore[attr-defined]
        frame.attrs = {
            "caption": (
                f"{len(frame)} series from {frame['dataset'].nunique()} datasets. Lookup tables, "
                f"not series: {', '.join(sorted(cat.reference)) or 'none'}. Encounters: `corridor "
                "flows`; indicators: `corridor indicators`."
            ),
            "reference_tables": dict(cat.reference),
            "warnings": [],
        }
        return frame

    def series(
        self,
        id: str,
        *,
        since: str | int | dt.date | None = None,
        until: str | int | dt.date | None = None,
        where: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
        max_rows: int | None = None,
    ) -> ser.Series:
        """One series as tidy rows (period, dimensions, value, unit, release, flags), with its source.

        `since`/`until` take a month (YYYY-MM) or a year (YYYY); `where` takes equality filters on
        the series' own dimensions, as 'citizenship=GTM,HND' strings or a mapping. An answer longer
        than `max_rows` rows is refused (a UsageError) before it is read.
        """
        con = self.con  # type: ignore[attr-defined]
        return ser.query(con, self._series(), id, since=since, until=until, where=where, max_rows=max_rows)

"""UWCHR's FOIA daily ICE detention headcount by facility (FY2012 - 4 Jan 2024), summed to a
national series per day and averaged per month at parse time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.sources.base import (
    FileSpec,
    Parsed,
    TableSpec,
    first_true,
    pq_numbers,
    read_parquet_typed,
    today,
)

KEY = "uwchr_headcount"
FILE = FileSpec(
    key=KEY,
    mirror_path="detention/uwchr_ice_detention_headcount_by_facility_daily_fy12-fy24ytd.parquet",
    url="https://uwchr.github.io/ice-detain/",
    publisher="University of Washington Center for Human Rights (ICE ERO-LESA records, FOIA 2022-ICFO-09022)",
    licence="GPL-3.0 (repository licence; no separate data licence stated)",
    max_rows=2_800_000,
)
TABLES = (
    TableSpec(
        "detention_headcount_daily",
        "National ICE detention headcount per day (sum over facilities) from UWCHR's FOIA records, "
        "FY2012 - 4 Jan 2024; about 2-4% below official ADP. Days before Oct 2011 are flagged.",
    ),
    TableSpec(
        "detention_headcount_monthly", "Monthly mean of the UWCHR national daily headcount (FY2012 on)."
    ),
)


def parse(path: Path, release: str, out: Parsed) -> None:
    """Facility-days -> `detention_headcount_daily` and `detention_headcount_monthly`."""
    t = read_parquet_typed(path, [("detention_facility_code", "text"), ("n", "number"), ("date", "text")])
    f = t.frame
    n = pq_numbers(t, "n", whole=True).to_numpy().astype(np.int64)
    codes, _ = pd.factorize(f["detention_facility_code"], use_na_sentinel=True)
    if (codes < 0).any():
        raise t.error("empty facility code", index=first_true(codes < 0), column="detention_facility_code")
    day_idx, day_text = pd.factorize(f["date"], use_na_sentinel=True)
    if (day_idx < 0).any():
        raise t.error("empty date", index=first_true(day_idx < 0), column="date")
    parsed = pd.to_datetime(pd.Series(day_text), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        bad_day = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise t.error(
            f"expected a date YYYY-MM-DD, found {day_text[bad_day]!r}",
            index=first_true(day_idx == bad_day),
            column="date",
        )
    late = (parsed.dt.date > today()).to_numpy()
    if late.any():
        bad_day = int(np.flatnonzero(late)[0])
        raise t.error(
            f"date {day_text[bad_day]} is after today; a published file cannot hold it",
            index=first_true(day_idx == bad_day),
            column="date",
        )
    key = codes.astype(np.int64) * len(day_text) + day_idx
    present = np.zeros(int(key.max()) + 1, dtype=bool)  # one byte a facility-day: ~6 MB
    present[key] = True
    if int(np.count_nonzero(present)) < len(key):  # some facility-day repeats: find the first
        seen = np.bincount(key, minlength=0)
        dup_key = int(np.flatnonzero(seen > 1)[0])
        rows = np.flatnonzero(key == dup_key)
        raise t.error(
            f"duplicate facility-day ({f['detention_facility_code'].iloc[rows[1]]}, "
            f"{f['date'].iloc[rows[1]]})",
            index=int(rows[1]),
            column="date",
        )
    detained = np.bincount(day_idx, weights=n, minlength=len(day_text)).astype(np.int64)
    facilities = np.bincount(day_idx, minlength=len(day_text)).astype(np.int64)
    daily = pd.DataFrame({"date": parsed.dt.date, "detained": detained, "facilities": facilities})
    daily = daily.sort_values("date").reset_index(drop=True)
    stamps = pd.to_datetime(daily["date"])
    daily["fiscal_year"] = (stamps.dt.year + (stamps.dt.month >= 10).astype(int)).astype("int32")
    # Before Oct 2011 only people still detained when the records start are counted.
    daily["complete"] = (stamps >= pd.Timestamp("2011-10-01")).to_numpy()
    daily["release_id"] = release
    full = daily[daily["complete"]]
    span = pd.date_range(full["date"].min(), full["date"].max(), freq="D")
    if len(span) != len(full):
        missing = sorted(set(span.date) - set(full["date"]))[0]
        raise t.error(f"no facility has people on {missing}; the file looks incomplete", column="date")
    months = pd.to_datetime(full["date"]).dt.to_period("M")
    monthly = (
        full.groupby(months)
        .agg(mean_detained=("detained", "mean"), days=("detained", "size"))
        .reset_index(names="month")
    )
    monthly["month"] = monthly["month"].dt.to_timestamp().dt.date
    monthly["fiscal_year"] = np.array([m.year + (m.month >= 10) for m in monthly["month"]], dtype=np.int32)
    monthly["release_id"] = release
    out.frames["detention_headcount_daily"] = daily
    out.frames["detention_headcount_monthly"] = monthly
    out.rows["uwchr_headcount"] = len(f)
    out.periods["uwchr_headcount"] = (f"{full['date'].min():%Y-%m}", f"{full['date'].max():%Y-%m}")

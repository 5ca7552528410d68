"""Monthly and annual history the simulations calibrate on, read from the warehouse.

One `History` holds every series as plain arrays over a common monthly index, so calibration
and the models never query the warehouse themselves (and tests can build a History directly).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.reference.calendar import add_months

DEMOGRAPHICS = ("single_adults", "family_units", "uac", "other")
OUTCOMES = (
    "t8_repatriation",
    "t42_expulsion",
    "mpp",
    "transfer_ice",
    "transfer_hhs",
    "usbp_release",
    "ofo_parole",
    "other",
)
SOURCES = {
    "border": "DHS OHSS Immigration Enforcement and Legal Processes Monthly Tables, Aug 2024 edition",
    "credible_fear": "DHS OHSS monthly tables (USCIS credible fear screenings)",
    "detention": "ICE detention statistics (DDP editions, FY2019+) and UWCHR FOIA headcount (FY2012+)",
    "court": "DOJ EOIR 'Pending Cases, New Cases, and Total Completions' (two definitions)",
}
REQUIRED = ("border_outcomes", "border_encounters", "credible_fear", "ice_enforcement")


@dataclass
class History:
    """Monthly series (index `months`) and the EOIR annual caseload, as the models need them."""

    months: list[dt.date]
    outcomes: np.ndarray  # (T, 4 demographics, 8 outcomes); 'other' = total minus the three
    encounters: np.ndarray  # (T, 4 demographics)
    ofo_nonuac: np.ndarray  # (T,) OFO encounters other than unaccompanied children
    ofo_parole: np.ndarray  # (T,)
    cf_referred: np.ndarray  # (T,) SW credible fear referrals (sum of citizenships)
    cf_completed: np.ndarray  # (T, 3) SW completions: positive, negative, closed
    book_ins_cbp: np.ndarray  # (T,) ICE book-ins, CBP arrests (OHSS)
    book_ins_ice: np.ndarray  # (T,) ICE book-ins, ICE arrests (OHSS)
    book_outs: np.ndarray  # (T, 2) ICE book-outs: removals, all (NaN before FY2018)
    detained: np.ndarray  # (T,) detained population (official ADP FY2019+, UWCHR before)
    caseload: pd.DataFrame = field(default_factory=pd.DataFrame)  # fiscal_year, definition, ...
    releases: list[str] = field(default_factory=list)
    detained_after: dict[dt.date, float] = field(default_factory=dict)  # ICE ADP after `months` end

    def index(self, month: dt.date) -> int:
        """Position of `month` in the history."""
        try:
            return self.months.index(month)
        except ValueError:
            raise UsageError(
                f"{month:%Y-%m} is outside the history ({self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m})"
            ) from None

    def fiscal_years(self) -> np.ndarray:
        return np.array([m.year + (m.month >= 10) for m in self.months])


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def load(con: duckdb.DuckDBPyConnection) -> History:
    """Read the calibration series from an open warehouse; a missing dataset is a clear error."""
    present = _tables(con)
    missing = [t for t in REQUIRED if t not in present]
    if missing:
        raise UsageError(
            f"the warehouse lacks {', '.join(missing)}; run `corridor sync` with the ohss_outcomes, "
            "credible_fear and ice_detention datasets"
        )
    bo = con.execute(
        "SELECT month, demographic, outcome, coalesce(events, 0) AS n FROM border_outcomes "
        "WHERE agency='all' AND citizenship='ALL' ORDER BY month"
    ).df()
    months = sorted(set(bo["month"]))
    months = [m if isinstance(m, dt.date) else m.date() for m in pd.to_datetime(pd.Series(months)).dt.date]
    pos = {m: i for i, m in enumerate(months)}
    T = len(months)
    bo["month"] = pd.to_datetime(bo["month"]).dt.date
    outcomes = np.zeros((T, 4, 8))
    encounters = np.zeros((T, 4))
    totals = np.zeros((T, 8))
    total_enc = np.zeros(T)
    dmap = {"single_adults": 0, "family_units": 1, "uac": 2}
    omap = {o: k for k, o in enumerate(OUTCOMES)}
    for m, d, o, n in bo.itertuples(index=False, name=None):
        t = pos[m]
        if o == "encounters":
            if d == "all":
                total_enc[t] = n
            else:
                encounters[t, dmap[d]] = n
        elif d == "all":
            totals[t, omap[o]] = n
        else:
            outcomes[t, dmap[d], omap[o]] = n
    # Accompanied minors and unknown family status: the total minus the three groups.
    encounters[:, 3] = np.maximum(total_enc - encounters[:, :3].sum(axis=1), 0)
    outcomes[:, 3, :] = np.maximum(totals - outcomes[:, :3, :].sum(axis=1), 0)

    enc = con.execute(
        "SELECT month, demographic, coalesce(encounters, 0) AS n FROM border_encounters WHERE agency='ofo'"
    ).df()
    enc["month"] = pd.to_datetime(enc["month"]).dt.date
    ofo_all = _series(enc[enc["demographic"] == "all"], pos, T, "n")
    ofo_uac = _series(enc[enc["demographic"] == "uac"], pos, T, "n")
    ofo_parole = totals[:, omap["ofo_parole"]]

    cf = con.execute(
        "SELECT month, stage, result, sum(coalesce(cases, 0)) AS n FROM credible_fear "
        "WHERE scope='southwest' GROUP BY ALL"
    ).df()
    cf["month"] = pd.to_datetime(cf["month"]).dt.date
    referred = _series(cf[cf["stage"] == "referred"], pos, T, "n")
    completed = np.column_stack(
        [
            _series(cf[(cf["stage"] == "completed") & (cf["result"] == r)], pos, T, "n")
            for r in ("positive", "negative", "closed")
        ]
    )
    ice = con.execute(
        "SELECT month, measure, arresting_agency, reason, coalesce(events, 0) AS n FROM ice_enforcement "
        "WHERE measure IN ('book_ins', 'book_outs') AND citizenship='ALL'"
    ).df()
    ice["month"] = pd.to_datetime(ice["month"]).dt.date
    bi = ice[ice["measure"] == "book_ins"]
    book_ins_cbp = _series(bi[bi["arresting_agency"] == "cbp"], pos, T, "n")
    book_ins_ice = _series(bi[bi["arresting_agency"] == "ice"], pos, T, "n")
    bo_ice = ice[(ice["measure"] == "book_outs") & (ice["arresting_agency"] == "all")]
    book_outs = np.column_stack(
        [
            _series(bo_ice[bo_ice["reason"] == "removal"], pos, T, "n", fill=np.nan),
            _series(bo_ice[bo_ice["reason"] == "all"], pos, T, "n", fill=np.nan),
        ]
    )
    detained = _detained(con, present, pos, T)
    detained_after = _detained_after(con, present, months[-1])
    caseload = (
        con.execute("SELECT * FROM court_caseload ORDER BY definition, fiscal_year").df()
        if "court_caseload" in present
        else pd.DataFrame()
    )
    releases = [
        r[0]
        for r in con.execute(
            "SELECT release_id FROM releases WHERE is_current AND dataset IN "
            "('ohss_outcomes', 'credible_fear', 'ice_detention', 'eoir') ORDER BY release_id"
        ).fetchall()
    ]
    return History(
        months=months,
        outcomes=outcomes,
        encounters=encounters,
        ofo_nonuac=np.maximum(ofo_all - ofo_uac, 0),
        ofo_parole=ofo_parole,
        cf_referred=referred,
        cf_completed=completed,
        book_ins_cbp=book_ins_cbp,
        book_ins_ice=book_ins_ice,
        book_outs=book_outs,
        detained=detained,
        caseload=caseload,
        releases=releases,
        detained_after=detained_after,
    )


def _series(frame: pd.DataFrame, pos: dict, T: int, column: str, fill: float = 0.0) -> np.ndarray:
    out = np.full(T, fill)
    for m, v in zip(frame["month"], frame[column], strict=True):
        if m in pos:
            out[pos[m]] = v
    return out


def _detained(con: duckdb.DuckDBPyConnection, present: set[str], pos: dict, T: int) -> np.ndarray:
    """Official monthly ADP where ICE published it (FY2019+), the UWCHR headcount before."""
    out = np.full(T, np.nan)
    if "detention_headcount_monthly" in present:
        h = con.execute("SELECT month, mean_detained FROM detention_headcount_monthly WHERE days >= 28").df()
        h["month"] = pd.to_datetime(h["month"]).dt.date
        out = np.where(np.isnan(out), _series(h, pos, T, "mean_detained", fill=np.nan), out)
    if "detention_adp" in present:
        a = con.execute(
            "SELECT month, adp FROM detention_adp WHERE is_latest AND agency='all' AND criminality='all'"
        ).df()
        a["month"] = pd.to_datetime(a["month"]).dt.date
        adp = _series(a, pos, T, "adp", fill=np.nan)
        out = np.where(np.isnan(adp), out, adp)
    return out


def _detained_after(con: duckdb.DuckDBPyConnection, present: set[str], last: dt.date) -> dict[dt.date, float]:
    """ICE's monthly ADP after the outcome tables end: where a forward run's detention starts."""
    if "detention_adp" not in present:
        return {}
    a = con.execute(
        "SELECT month, adp FROM detention_adp WHERE is_latest AND agency='all' AND criminality='all' "
        "AND month > ? AND adp IS NOT NULL ORDER BY month",
        [last],
    ).df()
    return {pd.Timestamp(m).date(): float(v) for m, v in zip(a["month"], a["adp"], strict=True)}


def month_span(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every month from `start` to `end` inclusive."""
    out, m = [], start
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out

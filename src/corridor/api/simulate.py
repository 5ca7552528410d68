"""API mixin: processing-pathway and court-backlog simulations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np

from corridor.errors import UsageError
from corridor.reference.calendar import add_months, parse_month
from corridor.simulate import backlog as backlog_model
from corridor.simulate import calibrate as calibration
from corridor.simulate import history as history_module
from corridor.simulate import pathways as pathways_model
from corridor.simulate import scenario as scenarios

ReceiptsOption = Literal["last", "from-pathways"]
EncounterOption = Literal["history", "seasonal-naive"]


def _month(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    try:
        return parse_month(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


class SimulateMixin:
    """Processing-pathway and court-backlog simulations (Monte Carlo, calibrated to public data)."""

    con: duckdb.DuckDBPyConnection

    def simulation_history(self) -> history_module.History:
        """The calibration series (border outcomes, credible fear, detention, EOIR caseload)."""
        cached = getattr(self, "_simulation_history", None)
        if cached is None:
            cached = history_module.load(self.con)
            self._simulation_history = cached
        return cached

    def simulate_pathways(
        self,
        *,
        scenario: str | Path | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        encounters: EncounterOption = "seasonal-naive",
        calibrate_from: str | dt.date | None = None,
        calibrate_until: str | dt.date | None = None,
        runs: int = 1000,
        seed: int = 0,
        level: float = 0.8,
    ) -> pathways_model.PathwaysResult:
        """Monthly outcomes, detention, releases and new court cases, with intervals.

        Default period: the 24 months after the history ends; a scenario's `from` month then
        defaults to the first simulated month.
        """
        if encounters not in ("history", "seasonal-naive"):
            raise UsageError(f"--encounters {encounters!r} is not one of history, seasonal-naive")
        hist = self.simulation_history()
        start = _month(since, "--since") or add_months(hist.months[-1], 1)
        end = _month(until, "--until") or add_months(start, 23)
        if end < start:
            raise UsageError(f"--until {end:%Y-%m} is before --since {start:%Y-%m}")
        cal = calibration.calibrate(
            hist,
            start=_month(calibrate_from, "--calibrate-from"),
            end=_month(calibrate_until, "--calibrate-until"),
        )
        chosen = scenarios.load(scenario)
        recent = self._recent_encounters(hist) if encounters == "seasonal-naive" else None
        drv = pathways_model.drivers(hist, since=start, until=end, encounters=encounters, recent=recent)
        return pathways_model.simulate(cal, drv, scenario=chosen, runs=runs, seed=seed, level=level)

    def _recent_encounters(self, hist: history_module.History) -> dict[dt.date, tuple[np.ndarray, float]]:
        """CBP's southwest encounters after the OHSS outcome tables end, in the model's layout.

        Demographics come from the nationwide 'by state' release; OFO encounters other than
        unaccompanied children from the southwest file, and after it ends from the OFO share of
        its last three months.
        """
        start = add_months(hist.months[-1], 1)
        try:
            dem = self.flows(region="southwest", by=["month", "demographic"], since=start).tidy()  # type: ignore[attr-defined]
            ofo = self.flows(  # type: ignore[attr-defined]
                region="southwest", component="ofo", by=["month", "demographic"], since=start
            ).tidy()
        except UsageError:
            return {}
        order = {"single_adults": 0, "family_units": 1, "uac": 2, "accompanied_minors": 3}
        out: dict[dt.date, tuple[np.ndarray, float]] = {}
        ofo_nonuac = ofo[ofo["demographic"] != "uac"].groupby("month")["encounters"].sum()
        share = None
        for month, part in dem.groupby("month"):
            vec = np.zeros(4)
            for d, n in zip(part["demographic"], part["encounters"], strict=True):
                vec[order[d]] = n
            out[month] = (vec, 0.0)
        months = sorted(out)
        known = [m for m in months if m in ofo_nonuac.index]
        if known:
            tail = known[-3:]
            share = sum(ofo_nonuac[m] for m in tail) / max(1.0, sum(out[m][0].sum() for m in tail))
        for m in months:
            value = float(ofo_nonuac[m]) if m in ofo_nonuac.index else float(out[m][0].sum() * (share or 0.0))
            out[m] = (out[m][0], value)
        return out

    def simulate_backlog(
        self,
        *,
        judges_added: int = 0,
        start: int | None = None,
        until: int | None = None,
        receipts: float | ReceiptsOption = "last",
        clear_by: int | None = None,
        definition: backlog_model.Definition = "eoir_2026",
        calibrate_until: int | None = None,
        hires_per_year: float = backlog_model.HIRED_FY2022,
        runs: int = 1000,
        seed: int = 0,
        level: float = 0.8,
    ) -> backlog_model.BacklogResult:
        """Pending immigration-court cases by fiscal year; optionally the judges needed to clear them."""
        if definition not in ("eoir_2026", "eoir_2021"):
            raise UsageError(f"--definition {definition!r} is not one of eoir_2026, eoir_2021")
        hist = self.simulation_history()
        caseload = hist.caseload
        if caseload.empty:
            raise UsageError("the warehouse has no EOIR caseload (court_caseload); sync the eoir dataset")
        data = caseload[caseload["definition"] == definition]
        complete = data[~data["partial"].astype(bool)] if "partial" in data else data
        last = int(complete["fiscal_year"].max())
        cal_until = calibrate_until or last
        cal = backlog_model.calibrate(caseload, until=cal_until, definition=definition)
        first = start or cal_until + 1
        end = until if until is not None else first + 9
        if end < first:
            raise UsageError(f"--until FY{end} is before --from FY{first}")
        years = list(range(first, end + 1))
        if isinstance(receipts, str) and receipts not in ("last", "from-pathways"):
            raise UsageError(
                f"--receipts {receipts!r}: give a number of cases a year, 'last' or 'from-pathways'"
            )
        if receipts == "last":
            level_value = float(complete.loc[complete["fiscal_year"] == cal_until, "receipts"].iloc[0])
            rec = np.full(len(years), level_value)
            source = f"FY{cal_until} level ({level_value:,.0f} a year), held constant"
        elif receipts == "from-pathways":
            rec, source = self._receipts_from_pathways(hist, caseload, years, runs=runs, seed=seed)
        else:
            value = float(receipts)
            if value < 0:
                raise UsageError(f"--receipts must not be negative, got {value}")
            rec = np.full(len(years), value)
            source = f"{value:,.0f} a year (given)"
        result = backlog_model.simulate(
            cal,
            start=first,
            end=end,
            receipts=rec,
            receipts_source=source,
            judges_added=judges_added,
            hires_per_year=hires_per_year,
            runs=runs,
            seed=seed,
            level=level,
        )
        if clear_by is not None:
            result.goal = backlog_model.judges_needed(result, clear_by=clear_by)
        return result

    def _receipts_from_pathways(self, hist, caseload, years, *, runs, seed):
        """Receipts = non-border base + share x pathways court cases, by fiscal year and run."""
        fy = hist.fiscal_years()
        months_per_fy = {int(y): int((fy == y).sum()) for y in set(fy)}
        border = {}
        release_cols = [2, 4, 5, 6]  # MPP, HHS, USBP releases, OFO paroles
        for y, n in months_per_fy.items():
            if n == 12:
                border[y] = float(hist.outcomes[fy == y][:, :, release_cols].sum())
        base, share, sd, fit_years = backlog_model.receipts_model(caseload, border)
        start = dt.date(years[0] - 1, 10, 1)
        end = dt.date(years[-1], 9, 1)
        if start < hist.months[0]:
            raise UsageError(f"pathways cannot start before {hist.months[0]:%Y-%m}")
        cal = calibration.calibrate(hist)
        drv = pathways_model.drivers(hist, since=start, until=end, encounters="seasonal-naive")
        sim = pathways_model.simulate(cal, drv, runs=runs, seed=seed)
        # The same border outcomes the receipts model was fitted on (MPP, HHS, releases, paroles).
        cases = sum(
            sim.series(name).astype(float) for name in ("mpp", "transfer_hhs", "usbp_release", "ofo_parole")
        )
        rec = np.zeros((runs, len(years)))
        noise = np.random.default_rng(seed + 1).standard_normal((runs, len(years))) * sd
        for i, _ in enumerate(years):
            rec[:, i] = np.maximum(base + share * cases[:, 12 * i : 12 * i + 12].sum(axis=1) + noise[:, i], 0)
        source = (
            f"pathways model (seasonal-naive encounters): {base:,.0f} + {share:.2f} x border releases "
            "(USBP releases, OFO paroles, HHS transfers, MPP), "
            f"fitted on FY{fit_years[0]}-FY{fit_years[-1]} (residual sd {sd:,.0f})"
        )
        return rec, source

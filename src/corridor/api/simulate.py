"""API mixin: processing-pathway and court-backlog simulations."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np

from corridor import params
from corridor.errors import UsageError
from corridor.reference.calendar import add_months
from corridor.simulate import backlog as backlog_model
from corridor.simulate import backtest
from corridor.simulate import calibrate as calibration
from corridor.simulate import history as history_module
from corridor.simulate import pathways as pathways_model
from corridor.simulate import scenario as scenarios
from corridor.simulate.options import check_options, in_ten

ReceiptsOption = Literal["last", "from-pathways"]
MAX_RECEIPTS = 100_000_000  # new court cases a year (EOIR's record is under 2 million)
EncounterOption = Literal["history", "seasonal-naive"]


def _year(value: object, option: str) -> int:
    """A fiscal year option as an int between 1900 and 2200, else a UsageError."""
    try:
        year = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise UsageError(f"{option} {value!r}: expected a fiscal year such as 2030") from None
    if year != value and not isinstance(value, str):
        raise UsageError(f"{option} {value!r}: expected a whole fiscal year such as 2030")
    if not 1900 <= year <= 2200:
        raise UsageError(f"{option} {year}: expected a fiscal year between 1900 and 2200")
    return year


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

        Default period: the 24 months after the last month of encounters loaded (with
        `encounters="history"`: the last 24 months of the outcome tables); a scenario's `from`
        month then defaults to the first simulated month.
        """
        if encounters not in ("history", "seasonal-naive"):
            raise UsageError(f"--encounters {encounters!r} is not one of history, seasonal-naive")
        check_options(runs=runs, seed=seed, level=level)
        hist = self.simulation_history()
        recent = self._recent_encounters(hist) if encounters == "seasonal-naive" else {}
        last_encounter = max(recent) if recent else hist.months[-1]
        default_start = (
            add_months(hist.months[-1], -23) if encounters == "history" else add_months(last_encounter, 1)
        )
        start = params.month(since, "--since") or default_start
        end = params.month(until, "--until") or add_months(start, 23)
        if end < start:
            raise UsageError(f"--until {end:%Y-%m} is before --since {start:%Y-%m}")
        cal = calibration.calibrate(
            hist,
            start=params.month(calibrate_from, "--calibrate-from"),
            end=params.month(calibrate_until, "--calibrate-until"),
        )
        chosen = scenarios.load(scenario)
        drv = pathways_model.drivers(hist, since=start, until=end, encounters=encounters, recent=recent)
        result = pathways_model.simulate(cal, drv, scenario=chosen, runs=runs, seed=seed, level=level)
        result.backtest = self._pathways_backtest(hist, level)
        result.warnings.extend(_pathways_warnings(result, hist, last_encounter))
        return result

    def _pathways_backtest(self, hist: history_module.History, level: float) -> dict | None:
        """Coverage of the major outcomes' intervals out of sample (cached per level)."""
        cache = self.__dict__.setdefault("_pathways_backtests", {})
        key = round(level, 6)
        if key not in cache:
            try:
                table, res = backtest.pathways(hist, runs=500, seed=0, level=level)
            except UsageError:  # a warehouse too short for the FY2014-FY2021 calibration
                cache[key] = None
            else:
                major = table[table["major"]]
                inside = int(major["inside"].sum())
                cache[key] = {
                    "window": f"calibrated {res.calibration.start:%Y-%m}..{res.calibration.end:%Y-%m}, "
                    f"actual encounters {res.months[0]:%Y-%m}..{res.months[-1]:%Y-%m}",
                    "months": int(major["months"].sum()),
                    "inside": inside,
                    "coverage": inside / max(int(major["months"].sum()), 1),
                    "by_outcome": {
                        r.outcome: round(float(r.coverage), 3) for r in major.itertuples(index=False)
                    },
                }
        return cache[key]

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
        """Pending immigration-court cases by fiscal year; optionally the judges needed to clear them.

        Defaults: calibrated on every complete EOIR year, run from the next year for ten years.
        """
        if definition not in backlog_model.DEFINITIONS:
            raise UsageError(
                f"--definition {definition!r} is not one of {', '.join(backlog_model.DEFINITIONS)}"
            )
        check_options(runs=runs, seed=seed, level=level)
        hist = self.simulation_history()
        caseload = hist.caseload
        if caseload.empty:
            raise UsageError("the warehouse has no EOIR caseload (court_caseload); sync the eoir dataset")
        complete = backlog_model.complete_years(caseload, definition)
        last = int(complete.index.max())
        cal_until = last if calibrate_until is None else _year(calibrate_until, "--calibrate-until")
        cal = backlog_model.calibrate(caseload, until=cal_until, definition=definition)
        first = cal_until + 1 if start is None else _year(start, "--from")
        if first <= cal_until:
            raise UsageError(
                f"--from FY{first} is inside the calibration (FY{cal.years[0]}-FY{cal_until}); start at "
                f"FY{cal_until + 1} or later, or add --calibrate-until {first - 1}"
            )
        if first - 1 not in complete.index:
            raise UsageError(
                f"--from FY{first}: EOIR's {definition} table has no complete count of pending cases at "
                f"the end of FY{first - 1}; the last complete year is FY{last}, so start at FY{last + 1} "
                "or earlier"
            )
        goal_year = None if clear_by is None else _year(clear_by, "--goal clear-by")
        end = _year(until, "--until") if until is not None else max(first + 9, goal_year or 0)
        if end < first:
            raise UsageError(f"--until FY{end} is before --from FY{first}")
        years = list(range(first, end + 1))
        if end - cal_until > backlog_model.MAX_YEARS:
            raise UsageError(
                f"--until FY{end} is {end - cal_until} years after the calibration; at most "
                f"{backlog_model.MAX_YEARS} can be simulated"
            )
        if isinstance(receipts, str) and receipts not in ("last", "from-pathways"):
            raise UsageError(
                f"--receipts {receipts!r}: give a number of cases a year, 'last' or 'from-pathways'"
            )
        fixed = True
        if receipts == "last":
            level_value = float(complete.loc[first - 1, "receipts"])
            rec = np.full(len(years), level_value)
            source = f"FY{first - 1} level ({level_value:,.0f} a year), held constant"
        elif receipts == "from-pathways":
            rec, source = self._receipts_from_pathways(hist, caseload, years, runs=runs, seed=seed)
            fixed = False
        else:
            value = float(receipts)
            if not math.isfinite(value) or not 0 <= value <= MAX_RECEIPTS:
                raise UsageError(
                    f"--receipts must be between 0 and {MAX_RECEIPTS:,.0f} a year, got {value:g}"
                )
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
            start_pending=float(complete.loc[first - 1, "pending"]),
        )
        result.receipts_fixed = fixed
        if fixed:
            held = (
                f"FY{first - 1}'s level ({rec[0]:,.0f} a year)"
                if receipts == "last"
                else f"{rec[0]:,.0f} a year"
            )
            result.warnings.append(
                f"Receipts are held at {held}; the interval leaves out how many new cases will arrive."
            )
        result.backtest = self._backlog_backtest(caseload, definition, level)
        if goal_year is not None:
            result.goal = backlog_model.judges_needed(result, clear_by=goal_year)
            ratio = result.goal["upper_to_median"]
            if ratio is None or ratio > 3:
                result.warnings.append(
                    "The judges-needed interval is wide against its median"
                    + (f" (upper bound {ratio:.1f} times the median)" if ratio else "")
                    + ": with the assumed hiring, the backlog nearly clears on its own in many runs, so "
                    "plan on the upper bound, which clears it in "
                    f"{in_ten(1 - (1 - level) / 2)} runs."
                )
        return result

    def _backlog_backtest(self, caseload, definition: backlog_model.Definition, level: float) -> dict:
        """Rolling out-of-sample coverage of the pending interval (cached per definition and level)."""
        cache = self.__dict__.setdefault("_backlog_backtests", {})
        key = (definition, round(level, 6))
        if key not in cache:
            rolling = backtest.backlog_rolling(caseload, runs=500, seed=0, level=level, definition=definition)
            cache[key] = backtest.backlog_coverage(rolling)
        return cache[key]

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
        recent = self._recent_encounters(hist)
        drv = pathways_model.drivers(hist, since=start, until=end, encounters="seasonal-naive", recent=recent)
        sim = pathways_model.simulate(cal, drv, runs=runs, seed=seed)
        # The same border outcomes the receipts model was fitted on (MPP, HHS, releases, paroles).
        cases = sum(
            sim.series(name).astype(float) for name in ("mpp", "transfer_hhs", "usbp_release", "ofo_parole")
        )
        rec = np.zeros((runs, len(years)))
        noise = np.exp(np.random.default_rng(seed + 1).standard_normal((runs, len(years))) * sd)
        for i, _ in enumerate(years):
            rec[:, i] = (base + share * cases[:, 12 * i : 12 * i + 12].sum(axis=1)) * noise[:, i]
        source = (
            f"pathways model ({drv.source}): {base:,.0f} + {share:.2f} x border releases "
            "(USBP releases, OFO paroles, HHS transfers, MPP), "
            f"fitted on FY{fit_years[0]}-FY{fit_years[-1]} (log residual sd {sd:.2f})"
        )
        return rec, source


def _pathways_warnings(
    result: pathways_model.PathwaysResult, hist: history_module.History, last_encounter: dt.date
) -> list[str]:
    """Plain sentences a reader of a pathways run must not miss."""
    out = []
    cal = result.calibration
    first = result.months[0]
    if first > cal.end:
        out.append(
            f"Outcomes are calibrated on {cal.start:%Y-%m}..{cal.end:%Y-%m} (the OHSS tables end "
            f"{hist.months[-1]:%b %Y}); policies since then are not in the shares and capacities."
        )
    if result.months[-1] > last_encounter:
        out.append(
            f"Encounters after {last_encounter:%b %Y} are the last 12 loaded months repeated, "
            "an assumption rather than a forecast."
        )
    start = result.drivers.detained_start
    if start is not None and start > cal.detention_capacity:
        out.append(
            f"Detention starts at {start:,.0f} ({result.drivers.detained_source}), above the "
            f"calibration's highest month ({cal.detention_capacity:,.0f}); beds are set to the start level."
        )
    return out

"""The immigration-court backlog: pending cases by fiscal year from receipts, judges and their
productivity, as a Monte Carlo over runs.

    pending[t] = pending[t-1] * (1 + reopen) + receipts[t] - completions[t]
    completions[t] = min(judges[t] * per_judge[t], pending[t-1] * (1 + reopen) + receipts[t])

- Judges (average headcount of a fiscal year): 649 immigration judges at the end of FY2023 Q2
  (CRS R47637), i.e. mid-FY2023; 807 completions per judge in FY2015 (GAO-17-438) with EOIR's
  FY2015 completions gives FY2015's judge-equivalents. Between the two the headcount grows
  log-linearly; after FY2023 it follows hiring of 104 a year (CRS R47637, FY2022 hires) less
  the attrition that the same path implies for FY2022.
- Completions per judge-year (EOIR completions / judges): a driftless random walk in log terms,
  stepping once a year *outside* the pandemic window FY2020-FY2022. The window is a known shock:
  EOIR postponed non-detained hearings from 18 Mar 2020 and reopened courts in stages, and
  completions per judge-year stayed below every pre-pandemic year until FY2023 (FY2016-FY2019:
  663-815; FY2020 581, FY2021 247, FY2022 570; FY2023 812). In the window the level pauses and
  each year sits below it by the observed shock; the walk's volatility comes from the steps
  between years outside the window, and each run draws its own volatility from the sampling
  distribution of that estimate (few steps: wider intervals). Of the processes tried on the
  same years (this one, the walk continuing through the window, a local level, a walk with drift,
  AR(1) mean reversion, a constant mean), this one has the lowest AIC (`process_comparison`).
- Reopened and other cases returning to the docket: pending[t] - pending[t-1] - receipts[t]
  + completions[t], as a share of pending[t-1]; mean and standard deviation over calibration.
- Receipts: actual (backtests), a level, or new court cases from the pathways model plus a
  non-border base (EOIR receipts = base + share x border releases, least squares FY2016+).
EOIR published two definitions of pending cases (README section 17); each run uses one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.reference.labels import choice, label
from corridor.simulate.history import SOURCES
from corridor.simulate.options import check_options, in_ten

Definition = Literal["eoir_2026", "eoir_2021"]
DEFINITIONS = ("eoir_2026", "eoir_2021")
JUDGES_2023Q2 = 649.0  # CRS R47637 (28 Jul 2023): immigration judges at the end of FY2023 Q2
HIRED_FY2022 = 104.0  # CRS R47637: judges hired in FY2022
PER_JUDGE_FY2015 = 807.0  # GAO-17-438 (Jun 2017): completions per judge, FY2015
FIRST_JUDGE_YEAR = 2015  # the judge path starts at the GAO anchor
PANDEMIC = (2020, 2021, 2022)  # fiscal years of the pandemic shock to court operations
MAX_RUNS = 100_000
MAX_YEARS = 60  # simulated years after the calibration
MAX_JUDGES_ADDED = 100_000
SERIES = ("pending", "completions", "receipts", "per_judge", "judges")
ASSUMPTIONS = (
    "Judges: 649 at the end of FY2023 Q2 (CRS R47637, 28 Jul 2023), taken as the FY2023 average.",
    "Judges: FY2015 judge-equivalents = EOIR FY2015 completions / 807 (GAO-17-438, Jun 2017).",
    "Judges grow log-linearly between FY2015 and FY2023; after FY2023 by 104 hires a year "
    "(CRS R47637, FY2022 hires) less the attrition the path implies for FY2022; --hires changes "
    "the hiring of the simulated years.",
    "Judges added with --judges-added join at the start of the first simulated year and are "
    "replaced when they leave (the added headcount stays constant).",
    "Completions per judge-year: a driftless random walk of its logarithm, one step a year outside "
    "the pandemic window FY2020-FY2022 (EOIR postponed non-detained hearings from 18 Mar 2020); "
    "inside the window the level pauses and each year sits below it by the shock observed in "
    "the calibration years of the window, give or take the spread of those shocks (with one, its size).",
    "Volatility of the walk: root mean square of the log steps between calibration years outside the "
    "window; each run draws its volatility from the estimate's sampling distribution "
    "(scaled inverse chi-square), so a short calibration gives wider intervals.",
    "Cases returning to the docket (reopened, recalendared): a share of pending, mean and sd of "
    "the calibration years (EOIR pending - previous pending - receipts + completions).",
    "Completions never exceed the cases available in a year; pending never goes negative.",
)


@dataclass
class BacklogCalibration:
    """Judges path, the completions-per-judge process and returning cases, calibrated up to `until`."""

    definition: str
    until: int
    years: list[int]  # complete calibration years
    judges: dict[int, float]  # fiscal year -> average judges: the anchors' path, then default hiring
    per_judge: dict[int, float]  # completions per judge-year in the calibration years
    operating: list[int]  # per-judge years outside the pandemic window
    steps: np.ndarray  # log changes between consecutive operating years
    per_judge_sigma: float
    shock: dict[int, float]  # pandemic years calibrated on: log deviation from the paused level
    reopen_mean: float
    reopen_sd: float
    attrition: float
    last_pending: float
    receipts: dict[int, float]
    pending: dict[int, float]
    completions: dict[int, float]
    shock_years: tuple[int, ...] = PANDEMIC
    notes: list[str] = field(default_factory=list)

    @property
    def level_year(self) -> int:
        """The last year outside the pandemic window: the walk starts from its level."""
        return self.operating[-1]

    @property
    def shock_depth(self) -> float | None:
        """Mean log deviation of the pandemic years calibrated on (None if there are none)."""
        return float(np.mean(list(self.shock.values()))) if self.shock else None

    @property
    def shock_sd(self) -> float:
        """Spread of the shock in a simulated pandemic year: the sd of the observed ones, or with a
        single one its own size (one year cannot tell how much the next would differ)."""
        values = list(self.shock.values())
        if len(values) >= 2:
            return float(np.std(values, ddof=1))
        return abs(values[0]) if values else 0.0

    def judges_in(self, fy: int, *, hires: float = HIRED_FY2022) -> float:
        """Average judges in `fy`: the calibrated path, extended by `hires` a year less attrition."""
        if fy in self.judges:
            return self.judges[fy]
        if fy < min(self.judges):
            raise UsageError(f"there is no judge headcount before FY{min(self.judges)}")
        last = max(self.judges)
        value = self.judges[last]
        for _ in range(last, fy):
            value = value * (1 - self.attrition) + hires
        return value

    def summary(self) -> dict[str, float]:
        """Headline calibration numbers (for reports and the benchmark table)."""
        return {
            "per_judge_start": self.per_judge[self.level_year],
            "per_judge_sigma": self.per_judge_sigma,
            "steps": float(len(self.steps)),
            "shock_depth": float("nan") if self.shock_depth is None else self.shock_depth,
            "reopen_mean": self.reopen_mean,
            "reopen_sd": self.reopen_sd,
            "attrition": self.attrition,
            "judges_fy2015": self.judges[2015],
            "judges_fy2020": self.judges[2020],
            "judges_fy2023": self.judges[2023],
        }


def judge_path(completions_fy2015: float) -> tuple[dict[int, float], float]:
    """Average judges FY2015-FY2023 (log-linear between the anchors) and implied attrition."""
    j2015 = completions_fy2015 / PER_JUDGE_FY2015
    growth = math.log(JUDGES_2023Q2 / j2015) / 8.0
    path = {fy: j2015 * math.exp(growth * (fy - 2015)) for fy in range(2015, 2024)}
    attrition = (HIRED_FY2022 - (path[2022] - path[2021])) / path[2021]
    return path, max(attrition, 0.0)


def complete_years(caseload: pd.DataFrame, definition: str) -> pd.DataFrame:
    """The complete fiscal years of one EOIR definition (partial years left out), by year."""
    data = caseload[caseload["definition"] == definition]
    if "partial" in data:
        data = data[~data["partial"].astype(bool)]
    return data.sort_values("fiscal_year").set_index("fiscal_year")


def _check_until(
    data: pd.DataFrame, caseload: pd.DataFrame, until: int, definition: str, shock_years: tuple[int, ...]
) -> None:
    """A calibration year must be a complete year of the table: one sentence naming the last one."""
    years = [int(y) for y in data.index]
    if not years:
        raise UsageError(f"the EOIR caseload has no complete year under the {definition} definition")
    first, last = years[0], years[-1]
    if until > last:
        listed = caseload[(caseload["definition"] == definition) & (caseload["fiscal_year"] == until)]
        state = "is only partly published" if not listed.empty else "is not published"
        raise UsageError(
            f"--calibrate-until {until}: FY{until} {state} in EOIR's {definition} table, so it is not "
            f"a complete year; the last complete year is FY{last}"
        )
    if until < first:
        raise UsageError(
            f"--calibrate-until {until}: EOIR's {definition} table starts in FY{first}; "
            f"choose a year from FY{_third_operating(years, shock_years)} to FY{last}, "
            "the last complete year"
        )


def calibrate(
    caseload: pd.DataFrame,
    *,
    until: int,
    definition: Definition = "eoir_2026",
    shock_years: tuple[int, ...] = PANDEMIC,
) -> BacklogCalibration:
    """Calibrate on EOIR's caseload table (fiscal_year, definition, pending, receipts, completions)."""
    need = {"fiscal_year", "definition", "pending", "receipts", "completions"}
    if caseload.empty or not need <= set(caseload.columns):
        raise UsageError(
            "the warehouse has no EOIR caseload (table court_caseload); sync the eoir dataset first"
        )
    if definition not in DEFINITIONS:
        raise UsageError(f"--definition {definition!r} is not one of {', '.join(DEFINITIONS)}")
    data = complete_years(caseload, definition)
    _check_until(data, caseload, until, definition, tuple(shock_years))
    data = data[data.index <= until]
    years = [int(y) for y in data.index]
    if len(years) < 3:
        raise UsageError(
            f"--calibrate-until {until}: EOIR's {definition} table has {len(years)} complete year(s) up to "
            f"FY{until}; at least three are needed"
        )
    old = caseload[(caseload["definition"] == "eoir_2021") & (caseload["fiscal_year"] == 2015)]
    if old.empty:
        raise UsageError("the GAO per-judge anchor needs EOIR's FY2015 completions (definition eoir_2021)")
    path, attrition = judge_path(float(old["completions"].iloc[0]))
    for fy in range(max(path) + 1, until + 1):  # calibration years after FY2023: default hiring
        path[fy] = path[fy - 1] * (1 - attrition) + HIRED_FY2022
    pending = {y: float(data.loc[y, "pending"]) for y in years}
    receipts = {y: float(data.loc[y, "receipts"]) for y in years}
    completions = {y: float(data.loc[y, "completions"]) for y in years}
    per_judge = {y: completions[y] / path[y] for y in years if y in path}
    operating = [y for y in per_judge if y not in shock_years]
    window = f"FY{min(shock_years)}-FY{max(shock_years)}" if shock_years else "none"
    if len(operating) < 3:
        raise UsageError(
            f"--calibrate-until {until}: only {len(operating)} year(s) of completions per judge "
            f"from FY{FIRST_JUDGE_YEAR} on lie outside the pandemic window ({window}); at least three "
            f"are needed, so calibrate up to FY{_third_operating(years, shock_years)} or later"
        )
    logs = np.log([per_judge[y] for y in operating])
    steps = np.diff(logs)
    sigma = float(np.sqrt(np.mean(steps**2)))
    shock: dict[int, float] = {}
    for y in per_judge:
        if y in shock_years:
            before = max(o for o in operating if o < y) if any(o < y for o in operating) else None
            if before is not None:
                shock[y] = math.log(per_judge[y] / per_judge[before])
    reopen = np.array(
        [
            (pending[y] - pending[y - 1] - receipts[y] + completions[y]) / pending[y - 1]
            for y in years
            if y - 1 in pending
        ]
    )
    src = "table published about Apr 2026" if definition == "eoir_2026" else "generated 19 Apr 2021"
    notes = [
        f"Calibrated on the {choice('definition', definition)} FY{years[0]}-FY{years[-1]} ({src}).",
        "Completions per judge-year: "
        + ", ".join(
            f"FY{y} {v:,.0f}{' (pandemic)' if y in shock_years else ''}" for y, v in per_judge.items()
        )
        + (
            f"; judges after FY2023 are the hiring assumption, so FY{min(y for y in per_judge if y > 2023)}"
            f"{'' if until == 2024 else f'-FY{until}'} are per assumed judge"
            if until > 2023
            else ""
        )
        + ".",
        f"Walk volatility {sigma:.3f} a year (log), from {len(steps)} steps between "
        f"FY{operating[0]}-FY{operating[-1]} outside the pandemic window; the walk starts at "
        f"FY{operating[-1]}'s {per_judge[operating[-1]]:,.0f}.",
        (
            "Pandemic shock: "
            + ", ".join(f"FY{y} {math.exp(d) - 1:+.0%}" for y, d in shock.items())
            + " against the level before the window."
            if shock
            else f"No pandemic year ({window}) is in the calibration, so the run cannot size that shock."
        ),
        f"Returning cases: {reopen.mean():.2%} of pending a year (sd {reopen.std(ddof=1):.2%}).",
        f"Judge path: FY2015 {path[2015]:,.0f}, FY2020 {path[2020]:,.0f}, FY2023 {path[2023]:,.0f}; "
        f"attrition {attrition:.1%} a year.",
    ]
    return BacklogCalibration(
        definition=definition,
        until=until,
        years=years,
        judges=path,
        per_judge=per_judge,
        operating=operating,
        steps=steps,
        per_judge_sigma=sigma,
        shock=shock,
        reopen_mean=float(reopen.mean()),
        reopen_sd=float(reopen.std(ddof=1)) if len(reopen) > 1 else 0.0,
        attrition=attrition,
        last_pending=pending[years[-1]],
        receipts=receipts,
        pending=pending,
        completions=completions,
        shock_years=tuple(shock_years),
        notes=notes,
    )


def _third_operating(years: list[int], shock_years: tuple[int, ...]) -> int:
    ops = [y for y in range(FIRST_JUDGE_YEAR, 2100) if y not in shock_years and y >= years[0]]
    return ops[2]


@dataclass
class BacklogResult:
    """Pending, completions and judges by fiscal year, for every run."""

    years: list[int]
    pending: np.ndarray  # (R, Y)
    completions: np.ndarray  # (R, Y)
    receipts: np.ndarray  # (R, Y)
    judges: np.ndarray  # (Y,)
    calibration: BacklogCalibration
    judges_added: int
    receipts_source: str
    runs: int
    seed: int
    level: float = 0.8
    goal: dict | None = None
    start_pending: float = 0.0
    per_judge: np.ndarray | None = None  # (R, Y) completions per judge-year the runs drew
    reopen: np.ndarray | None = None  # (R, Y) returning-case shares the runs drew
    hires: float = HIRED_FY2022
    receipts_fixed: bool = True  # receipts are an assumption, not drawn
    backtest: dict | None = None  # out-of-sample coverage of the pending interval (api attaches it)
    warnings: list[str] = field(default_factory=list)

    def tidy(self, *, level: float | None = None) -> pd.DataFrame:
        """One row per fiscal year and series: median, central interval, mean; `label` for readers."""
        level = level or self.level
        qs = [(1 - level) / 2, 0.5, 1 - (1 - level) / 2]
        rows = []
        sampled = {"pending": self.pending, "completions": self.completions, "receipts": self.receipts}
        if self.per_judge is not None:
            sampled["per_judge"] = self.per_judge
        for name, values in sampled.items():
            q = np.quantile(values, qs, axis=0)
            mean = values.mean(axis=0)
            for i, fy in enumerate(self.years):
                rows.append((fy, name, label("outcome", name), q[1, i], q[0, i], q[2, i], mean[i], level))
        for i, fy in enumerate(self.years):
            j = float(self.judges[i])
            rows.append((fy, "judges", label("outcome", "judges"), j, j, j, j, level))
        return pd.DataFrame(
            rows, columns=["fiscal_year", "series", "label", "median", "lower", "upper", "mean", "level"]
        )

    def table(self) -> pd.DataFrame:
        """The terminal table: one row a year, whole numbers, short headers (fits 80 columns)."""
        lo_q, hi_q = (1 - self.level) / 2, 1 - (1 - self.level) / 2
        pct = f"{self.level:.0%}"
        lo, mid, hi = np.quantile(self.pending, [lo_q, 0.5, hi_q], axis=0)
        done = np.median(self.completions, axis=0)
        return pd.DataFrame(
            {
                "FY": [str(y) for y in self.years],
                "pending": np.rint(mid).astype(np.int64),
                f"low {pct}": np.rint(lo).astype(np.int64),
                f"high {pct}": np.rint(hi).astype(np.int64),
                "completed": np.rint(done).astype(np.int64),
                "judges": np.rint(self.judges).astype(np.int64),
            }
        )

    def interval_meaning(self) -> str:
        """A plain sentence: what the interval covers, what it leaves out, how it held out of sample."""
        cal = self.calibration
        text = (
            f"Each year's {self.level:.0%} interval holds {in_ten(self.level)} simulated runs; the "
            f"runs differ in completions per judge-year (a random walk calibrated on FY{cal.years[0]}-"
            f"FY{cal.until}) and in returning cases, while "
            + ("receipts and hiring are assumed" if self.receipts_fixed else "hiring is assumed")
            + "."
        )
        if self.backtest:
            b = self.backtest
            text += (
                f" In backtests ({b['origins']}, driven by actual receipts) the pending interval held "
                f"{b['inside']} of {b['years']} years."
            )
        return text

    def metadata(self) -> dict:
        """Method, sample, uncertainty, the goal and its width, warnings and sources."""
        cal = self.calibration
        return {
            "model": "corridor.simulate.backlog: annual stock-and-flow Monte Carlo of EOIR pending cases",
            "process": "completions per judge-year: driftless log random walk outside the pandemic window "
            f"FY{min(cal.shock_years)}-FY{max(cal.shock_years)} (a known shock), volatility "
            f"{cal.per_judge_sigma:.3f} from {len(cal.steps)} steps",
            "runs": self.runs,
            "seed": self.seed,
            "interval": f"central {self.level:.0%} of runs",
            "interval_meaning": self.interval_meaning(),
            "period": f"FY{self.years[0]}-FY{self.years[-1]}",
            "definition": cal.definition,
            "calibrated_until": f"FY{cal.until}",
            "calibration_years": f"FY{cal.years[0]}-FY{cal.until}",
            "judges_added": self.judges_added,
            "hires_per_year": self.hires,
            "receipts": self.receipts_source,
            "goal": self.goal,
            "backtest": self.backtest,
            "warnings": list(self.warnings),
            "assumptions": [*ASSUMPTIONS, *cal.notes],
            "sources": [
                SOURCES["court"],
                "CRS R47637 (28 Jul 2023): 649 immigration judges end of FY2023 Q2; 104 hired in FY2022",
                "GAO-17-438 (Jun 2017): 807 completions per immigration judge in FY2015",
            ],
        }

    def caption(self) -> str:
        """What, when, how many runs, calibrated on what, the sources, and what the interval means."""
        return (
            f"EOIR pending cases ({choice('definition', self.calibration.definition)}), "
            f"FY{self.years[0]}-FY{self.years[-1]}; "
            f"median and {self.level:.0%} interval of {self.runs:,} runs (seed {self.seed}); calibrated on "
            f"FY{self.calibration.years[0]}-FY{self.calibration.until}; {self.judges_added:,} judges added. "
            f"{self.interval_meaning()} Sources: DOJ EOIR workload statistics, CRS R47637, GAO-17-438."
        )

    def summary(self) -> str:
        """A few lines: period, runs, pending by year with its interval, and the goal's answer."""
        lines = [
            f"Immigration-court backlog FY{self.years[0]}-FY{self.years[-1]} "
            f"({choice('definition', self.calibration.definition)}), {self.runs:,} runs (seed {self.seed})",
            f"Judges added: {self.judges_added:,}; receipts: {self.receipts_source}",
        ]
        if self.goal:
            g = self.goal
            lines.append(
                f"To clear the backlog by the end of FY{g['clear_by']}: {g['median']:,.0f} more judges "
                f"(median of the runs). {g['sentence']}"  # the sentence gives the interval, once
            )
        return "\n".join(lines)

    def chart(self) -> dict:
        """Vega-Lite: pending, completions and receipts by fiscal year with their bands."""
        from corridor.simulate.charts import band_chart

        frame = self.tidy()
        frame = frame[frame["series"].isin(["pending", "completions", "receipts"])]
        return band_chart(
            frame,
            title="Immigration-court pending cases",
            subtitle=(
                f"FY{self.years[0]}-FY{self.years[-1]}, median and {self.level:.0%} interval "
                f"of {self.runs:,} runs; "
                f"{choice('definition', self.calibration.definition)}, calibrated on "
                f"FY{self.calibration.years[0]}-FY{self.calibration.until}"
            ),
            source="Source: DOJ EOIR workload statistics; CRS R47637; GAO-17-438; Corridor simulation.",
            x="fiscal_year",
            x_type="ordinal",
            x_title="Fiscal year",
            y_title="Cases",
        )


def simulate(
    calibration: BacklogCalibration,
    *,
    start: int,
    end: int,
    receipts: np.ndarray,
    receipts_source: str,
    judges_added: float = 0.0,
    hires_per_year: float = HIRED_FY2022,
    runs: int = 1000,
    seed: int = 0,
    level: float = 0.8,
    start_pending: float | None = None,
) -> BacklogResult:
    """Project FY`start`..FY`end` (after the calibration); `receipts` is (Y,) or (R, Y)."""
    cal = calibration
    check_options(runs=runs, seed=seed, level=level)
    if end < start:
        raise UsageError(f"--until FY{end} is before --from FY{start}")
    if start <= cal.until:
        raise UsageError(
            f"--from FY{start} is inside the calibration (FY{cal.years[0]}-FY{cal.until}); start at "
            f"FY{cal.until + 1} or later, or calibrate until FY{start - 1}"
        )
    if end - cal.until > MAX_YEARS:
        raise UsageError(
            f"--until FY{end} is {end - cal.until} years after the calibration; at most {MAX_YEARS} can "
            "be simulated"
        )
    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"--runs must be between 1 and {MAX_RUNS:,}, got {runs}")
    if not (math.isfinite(judges_added) and 0 <= judges_added <= MAX_JUDGES_ADDED):
        raise UsageError(f"--judges-added must be between 0 and {MAX_JUDGES_ADDED:,}, got {judges_added:g}")
    if not (math.isfinite(hires_per_year) and 0 <= hires_per_year <= MAX_JUDGES_ADDED):
        raise UsageError(f"--hires must be between 0 and {MAX_JUDGES_ADDED:,} a year, got {hires_per_year:g}")
    years = list(range(start, end + 1))
    Y = len(years)
    rec = np.broadcast_to(np.asarray(receipts, dtype=float), (runs, Y)).copy()
    if not np.isfinite(rec).all() or (rec < 0).any():
        raise UsageError("receipts must be finite and not negative")
    if start_pending is None:
        if start - 1 not in cal.pending:
            raise UsageError(
                f"no EOIR pending count for the end of FY{start - 1} ({cal.definition}); choose --from "
                f"FY{max(cal.pending) + 1} or earlier"
            )
        start_pending = cal.pending[start - 1]
    judges = np.array([cal.judges_in(fy, hires=hires_per_year) for fy in years]) + judges_added
    rng = np.random.default_rng(seed)
    per_judge, reopen = _paths(cal, rng, runs, end)
    skip = start - (cal.until + 1)
    per_judge, reopen = per_judge[:, skip:], reopen[:, skip:]
    pending, done = _run(start_pending, rec, judges[None, :], per_judge, reopen)
    return BacklogResult(
        years=years,
        pending=pending,
        completions=done,
        receipts=rec,
        judges=judges,
        calibration=cal,
        judges_added=int(judges_added),
        receipts_source=receipts_source,
        runs=runs,
        seed=seed,
        level=level,
        start_pending=float(start_pending),
        per_judge=per_judge,
        reopen=reopen,
        hires=float(hires_per_year),
        warnings=_warnings(cal, years, hires_per_year),
    )


def _warnings(cal: BacklogCalibration, years: list[int], hires: float) -> list[str]:
    out = []
    in_window = [y for y in years if y in cal.shock_years]
    if in_window and cal.shock_depth is None:
        out.append(
            f"FY{in_window[0]} falls in the pandemic window, but no pandemic year is calibrated on, so "
            "the run assumes normal court operations there."
        )
    elif in_window:
        out.append(
            f"FY{in_window[0]}{'' if len(in_window) == 1 else f'-FY{in_window[-1]}'} fall in the pandemic "
            f"window: completions per judge-year are set {math.exp(cal.shock_depth or 0) - 1:+.0%} below "
            "the level before it, the shock seen in the calibration."
        )
    if years[-1] > max(y for y in cal.judges if y <= 2023):
        out.append(
            f"Judges after FY2023 are not published counts: they follow {hires:,.0f} hires a year less "
            f"{cal.attrition:.1%} attrition."
        )
    return out


def _paths(
    cal: BacklogCalibration, rng: np.random.Generator, runs: int, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """Completions per judge-year and returning-case shares for FY`until+1`..FY`end`, per run."""
    years = list(range(cal.until + 1, end + 1))
    n = len(cal.steps)
    # The volatility's sampling distribution (scaled inverse chi-square with n degrees of freedom).
    sigma = np.sqrt(n * cal.per_judge_sigma**2 / rng.chisquare(n, runs))
    z = rng.standard_normal((runs, len(years)))
    level = np.full(runs, math.log(cal.per_judge[cal.level_year]))
    depth = cal.shock_depth or 0.0
    depth_sd = cal.shock_sd
    per_judge = np.empty((runs, len(years)))
    for i, fy in enumerate(years):
        if fy in cal.shock_years:
            per_judge[:, i] = np.exp(level + depth + depth_sd * z[:, i])
        else:
            level = level + sigma * z[:, i]
            per_judge[:, i] = np.exp(level)
    reopen = cal.reopen_mean + cal.reopen_sd * rng.standard_normal((runs, len(years)))
    return per_judge, np.maximum(reopen, 0.0)


def _run(
    start_pending: float, receipts: np.ndarray, judges: np.ndarray, per_judge: np.ndarray, reopen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    runs, years = per_judge.shape
    pending = np.zeros((runs, years))
    done = np.zeros((runs, years))
    level = np.full(runs, float(start_pending))
    for i in range(years):
        available = level * (1 + reopen[:, i]) + receipts[:, i]
        done[:, i] = np.minimum(judges[:, i] * per_judge[:, i], available)
        level = available - done[:, i]
        pending[:, i] = level
    return pending, done


def receipts_model(
    caseload: pd.DataFrame, border_cases: dict[int, float], *, definition: Definition = "eoir_2026"
) -> tuple[float, float, float, list[int]]:
    """EOIR receipts = base + share x border court cases (least squares over the complete years
    both cover); returns base, share, the sd of the log residuals (errors scale with the level, so
    runs multiply the fit by a lognormal factor and never go negative) and the years used."""
    data = complete_years(caseload, definition)
    years = [int(y) for y in data.index if int(y) in border_cases]
    if len(years) < 3:
        raise UsageError("too few years to relate EOIR receipts to border court cases")
    y = np.array([float(data.loc[fy, "receipts"]) for fy in years])
    x = np.array([border_cases[fy] for fy in years])
    X = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    base, share = float(max(coef[0], 0.0)), float(max(coef[1], 0.0))
    fitted = np.maximum(base + share * x, 1.0)
    resid = np.log(y / fitted)
    sd = float(np.sqrt(np.sum(resid**2) / max(len(y) - 2, 1)))
    return base, share, sd, years


PROCESSES = {
    "walk_paused": "Random walk, paused in the pandemic window (used)",
    "walk_through": "Random walk, walking through the pandemic window",
    "local_level": "Local level (random walk plus noise), paused",
    "walk_drift": "Random walk with drift, paused",
    "ar1": "AR(1) mean reversion, paused",
    "constant": "Constant mean plus noise, paused",
}


def process_comparison(cal: BacklogCalibration) -> pd.DataFrame:
    """Fit each candidate process for log completions per judge-year on the calibration years
    (statsmodels state-space models, maximum likelihood) and compare them by AIC on the same
    observations: the log-likelihood of every observation after the first two."""
    import warnings

    import statsmodels.api as sm

    years = sorted(cal.per_judge)
    logs = {y: math.log(cal.per_judge[y]) for y in years}
    paused = np.array([logs[y] for y in cal.operating])
    through = np.array(
        [np.nan if y in cal.shock_years else logs[y] for y in range(years[0], years[-1] + 1) if y >= years[0]]
    )
    models = {
        "walk_paused": lambda: sm.tsa.UnobservedComponents(paused, level="random walk"),
        "walk_through": lambda: sm.tsa.UnobservedComponents(through, level="random walk"),
        "local_level": lambda: sm.tsa.UnobservedComponents(paused, level="local level"),
        "walk_drift": lambda: sm.tsa.UnobservedComponents(paused, level="random walk with drift"),
        "ar1": lambda: sm.tsa.SARIMAX(paused, order=(1, 0, 0), trend="c"),
        "constant": lambda: sm.tsa.SARIMAX(paused, order=(0, 0, 0), trend="c"),
    }
    rows = []
    for name, build in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence notes on a handful of points
            res = build().fit(disp=False)
        obs = np.asarray(res.llf_obs, dtype=float)
        observed = ~np.isnan(through) if name == "walk_through" else np.ones(len(paused), dtype=bool)
        loglik = float(obs[observed][2:].sum())
        k = len(res.params) + (name == "walk_drift")  # the drift is a (diffuse) state, not a parameter
        rows.append(
            {
                "process": name,
                "label": PROCESSES[name],
                "parameters": k,
                "loglik": loglik,
                "aic": -2 * loglik + 2 * k,
            }
        )
    frame = pd.DataFrame(rows).sort_values("aic", ignore_index=True)
    frame["delta_aic"] = frame["aic"] - frame["aic"].iloc[0]
    return frame


def judges_needed(result: BacklogResult, *, clear_by: int) -> dict:
    """Added judges (from the first year) that bring pending to zero by the end of `clear_by`,
    solved run by run on the runs' own paths, with the median, the central interval and its width
    against the median."""
    if clear_by not in result.years:
        raise UsageError(
            f"--goal clear-by FY{clear_by} is outside the simulated years FY{result.years[0]}-"
            f"FY{result.years[-1]}; set --until {clear_by}"
            if clear_by > result.years[-1]
            else f"--goal clear-by FY{clear_by} is before the first simulated year FY{result.years[0]}"
        )
    if result.per_judge is None or result.reopen is None:
        raise UsageError("this backlog result carries no simulated paths; run `simulate` again")
    upto = result.years.index(clear_by) + 1
    base = result.judges - result.judges_added
    per_judge, reopen = result.per_judge[:, :upto], result.reopen[:, :upto]
    rec = result.receipts[:, :upto]

    def cleared(extra: np.ndarray) -> np.ndarray:
        judges = base[None, :upto] + extra[:, None]
        pending, _ = _run(result.start_pending, rec, judges, per_judge, reopen)
        return pending[:, -1] <= 0.5

    lo = np.zeros(result.runs)
    hi = np.full(result.runs, 1000.0)
    while not (ok := cleared(hi)).all() and hi.max() < 1e7:
        hi = np.where(ok, hi, hi * 2)
    for _ in range(40):
        mid = (lo + hi) / 2
        ok = cleared(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    free = cleared(np.zeros(result.runs))
    need = np.where(free, 0.0, np.ceil(hi))
    level = result.level
    q = np.quantile(need, [(1 - level) / 2, 0.5, 1 - (1 - level) / 2])
    lower, median, upper = (float(v) for v in q)
    ratio = upper / median if median > 0 else None
    width = (upper - lower) / median if median > 0 else None
    pct = f"{level:.0%}"
    if median > 0:
        sentence = (
            f"The {pct} interval runs from {lower:,.0f} to {upper:,.0f} added judges; its upper bound is "
            f"{ratio:.1f} times the median of {median:,.0f} and its width {width:.1f} times the median."
        )
    else:
        sentence = (
            f"In at least half of the runs the backlog clears by FY{clear_by} with no added judges; the "
            f"{pct} interval runs from {lower:,.0f} to {upper:,.0f}."
        )
    return {
        "clear_by": clear_by,
        "median": median,
        "lower": lower,
        "upper": upper,
        "level": level,
        "upper_to_median": ratio,
        "width_to_median": width,
        "share_cleared_without_added": float(free.mean()),
        "sentence": sentence,
    }

"""The immigration-court backlog: pending cases by fiscal year from receipts, judges and their
productivity, as a Monte Carlo over runs.

    pending[t] = pending[t-1] * (1 + reopen) + receipts[t] - completions[t]
    completions[t] = min(judges[t] * per_judge[t], pending[t-1] * (1 + reopen) + receipts[t])

- Judges (average headcount of a fiscal year): 649 immigration judges at the end of FY2023 Q2
  (CRS R47637), i.e. mid-FY2023; 807 completions per judge in FY2015 (GAO-17-438) with EOIR's
  FY2015 completions gives FY2015's judge-equivalents. Between the two the headcount grows
  log-linearly; after FY2023 it follows hiring of 104 a year (CRS R47637, FY2022 hires) less
  the attrition that the same path implies for FY2022.
- Completions per judge-year: EOIR completions / judges in each calibration year; projected
  as a random walk from the last calibration year, with the calibration years' volatility.
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
from corridor.simulate.history import SOURCES

Definition = Literal["eoir_2026", "eoir_2021"]
JUDGES_2023Q2 = 649.0  # CRS R47637 (28 Jul 2023): immigration judges at the end of FY2023 Q2
HIRED_FY2022 = 104.0  # CRS R47637: judges hired in FY2022
PER_JUDGE_FY2015 = 807.0  # GAO-17-438 (Jun 2017): completions per judge, FY2015
ASSUMPTIONS = (
    "Judges: 649 at the end of FY2023 Q2 (CRS R47637, 28 Jul 2023), taken as the FY2023 average.",
    "Judges: FY2015 judge-equivalents = EOIR FY2015 completions / 807 (GAO-17-438, Jun 2017).",
    "Judges grow log-linearly between FY2015 and FY2023; after FY2023 by 104 hires a year "
    "(CRS R47637, FY2022 hires; --hires changes it) less the attrition the path implies for FY2022.",
    "Judges added with --judges-added join at the start of the first simulated year and are "
    "replaced when they leave (the added headcount stays constant).",
    "Completions per judge-year: random walk from the last calibration year (no drift), annual "
    "log volatility from the calibration years.",
    "Cases returning to the docket (reopened, recalendared): a share of pending, mean and sd of "
    "the calibration years (EOIR pending - previous pending - receipts + completions).",
    "Completions never exceed the cases available in a year; pending never goes negative.",
)


@dataclass
class BacklogCalibration:
    """Judges path, productivity and reopen rates calibrated up to `until`."""

    definition: str
    until: int
    years: list[int]
    judges: dict[int, float]  # fiscal year -> average judges (the path, all years it covers)
    per_judge: np.ndarray  # completions per judge-year in the calibration years
    per_judge_sigma: float
    reopen_mean: float
    reopen_sd: float
    attrition: float
    last_pending: float
    receipts: dict[int, float]
    pending: dict[int, float]
    completions: dict[int, float]
    notes: list[str] = field(default_factory=list)

    def judges_in(self, fy: int, *, hires: float = HIRED_FY2022) -> float:
        """Average judges in `fy`: the calibrated path, extended by `hires` a year less attrition."""
        if fy in self.judges:
            return self.judges[fy]
        last = max(self.judges)
        if fy < min(self.judges):
            raise UsageError(f"no judge headcount before FY{min(self.judges)}")
        value = self.judges[last]
        for _ in range(last, fy):
            value = value * (1 - self.attrition) + hires
        return value

    def summary(self) -> dict[str, float]:
        return {
            "per_judge_last": float(self.per_judge[-1]),
            "per_judge_sigma": self.per_judge_sigma,
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


def calibrate(
    caseload: pd.DataFrame, *, until: int, definition: Definition = "eoir_2026"
) -> BacklogCalibration:
    """Calibrate on EOIR's caseload table (fiscal_year, definition, pending, receipts, completions)."""
    need = {"fiscal_year", "definition", "pending", "receipts", "completions"}
    if caseload.empty or not need <= set(caseload.columns):
        raise UsageError(
            "the warehouse has no EOIR caseload (table court_caseload); sync the eoir dataset first"
        )
    data = caseload[caseload["definition"] == definition].sort_values("fiscal_year")
    if "partial" in data:
        data = data[~data["partial"].astype(bool)]
    data = data[data["fiscal_year"] <= until]
    years = [int(y) for y in data["fiscal_year"]]
    if len(years) < 3:
        raise UsageError(f"EOIR {definition} has fewer than three complete years up to FY{until}")
    old = caseload[(caseload["definition"] == "eoir_2021") & (caseload["fiscal_year"] == 2015)]
    if old.empty:
        raise UsageError("the GAO per-judge anchor needs EOIR's FY2015 completions (definition eoir_2021)")
    path, attrition = judge_path(float(old["completions"].iloc[0]))
    pending = dict(zip(years, data["pending"].astype(float), strict=True))
    receipts = dict(zip(years, data["receipts"].astype(float), strict=True))
    completions = dict(zip(years, data["completions"].astype(float), strict=True))
    per_judge = np.array([completions[y] / path[y] for y in years if y in path])
    if len(per_judge) < 2:
        raise UsageError("calibration needs at least two years between FY2015 and FY2023")
    steps = np.diff(np.log(per_judge))
    reopen = np.array(
        [
            (pending[y] - pending[y - 1] - receipts[y] + completions[y]) / pending[y - 1]
            for y in years
            if y - 1 in pending
        ]
    )
    notes = [
        f"Calibrated on EOIR {definition} FY{years[0]}-FY{years[-1]} "
        f"({'table published about Apr 2026' if definition == 'eoir_2026' else 'generated 19 Apr 2021'}).",
        f"Completions per judge-year FY{years[0]}-FY{years[-1]}: "
        + ", ".join(f"{v:,.0f}" for v in per_judge)
        + f"; volatility {float(np.std(steps, ddof=1)) if len(steps) > 1 else 0.0:.3f}.",
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
        per_judge_sigma=float(np.std(steps, ddof=1)) if len(steps) > 1 else 0.0,
        reopen_mean=float(reopen.mean()),
        reopen_sd=float(reopen.std(ddof=1)) if len(reopen) > 1 else 0.0,
        attrition=attrition,
        last_pending=pending[years[-1]],
        receipts=receipts,
        pending=pending,
        completions=completions,
        notes=notes,
    )


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

    def tidy(self, *, level: float | None = None) -> pd.DataFrame:
        level = level or self.level
        qs = [(1 - level) / 2, 0.5, 1 - (1 - level) / 2]
        rows = []
        for name, values in (
            ("pending", self.pending),
            ("completions", self.completions),
            ("receipts", self.receipts),
        ):
            q = np.quantile(values, qs, axis=0)
            for i, fy in enumerate(self.years):
                rows.append((fy, name, q[1, i], q[0, i], q[2, i], float(values[:, i].mean()), level))
        for i, fy in enumerate(self.years):
            rows.append((fy, "judges", self.judges[i], self.judges[i], self.judges[i], self.judges[i], level))
        return pd.DataFrame(
            rows, columns=["fiscal_year", "series", "median", "lower", "upper", "mean", "level"]
        )

    def metadata(self) -> dict:
        cal = self.calibration
        return {
            "model": "corridor.simulate.backlog: annual stock-and-flow Monte Carlo of EOIR pending cases",
            "runs": self.runs,
            "seed": self.seed,
            "interval": f"central {self.level:.0%} of runs",
            "period": f"FY{self.years[0]}-FY{self.years[-1]}",
            "definition": cal.definition,
            "calibrated_until": f"FY{cal.until}",
            "judges_added": self.judges_added,
            "receipts": self.receipts_source,
            "goal": self.goal,
            "assumptions": [*ASSUMPTIONS, *cal.notes],
            "sources": [
                SOURCES["court"],
                "CRS R47637 (28 Jul 2023): 649 immigration judges end of FY2023 Q2; 104 hired in FY2022",
                "GAO-17-438 (Jun 2017): 807 completions per immigration judge in FY2015",
            ],
        }

    def caption(self) -> str:
        """One line: what, when, how many runs, calibrated on what, and the sources."""
        return (
            f"EOIR pending cases ({self.calibration.definition}), FY{self.years[0]}-FY{self.years[-1]}; "
            f"median and {self.level:.0%} interval of {self.runs:,} runs (seed {self.seed}); calibrated to "
            f"FY{self.calibration.until}; {self.judges_added} judges added. Sources: DOJ EOIR workload "
            "statistics, CRS R47637, GAO-17-438."
        )

    def summary(self) -> str:
        lines = [
            f"Immigration-court backlog FY{self.years[0]}-FY{self.years[-1]} "
            f"({self.calibration.definition}), "
            f"{self.runs:,} runs (seed {self.seed}); judges added: {self.judges_added}; "
            f"receipts: {self.receipts_source}",
        ]
        lo_q, hi_q = (1 - self.level) / 2, 1 - (1 - self.level) / 2
        for i, fy in enumerate(self.years):
            lo, mid, hi = np.quantile(self.pending[:, i], [lo_q, 0.5, hi_q])
            lines.append(
                f"  FY{fy} pending {mid:>12,.0f}  ({self.level:.0%}: {lo:,.0f} - {hi:,.0f}); "
                f"judges {self.judges[i]:,.0f}"
            )
        if self.goal:
            g = self.goal
            lines.append(
                f"  To clear the backlog by FY{g['clear_by']}: {g['median']:,.0f} more judges "
                f"({self.level:.0%}: {g['lower']:,.0f} - {g['upper']:,.0f})"
            )
        return "\n".join(lines)

    def chart(self) -> dict:
        from corridor.simulate.charts import band_chart

        frame = self.tidy()
        frame = frame[frame["series"].isin(["pending", "completions", "receipts"])]
        return band_chart(
            frame,
            title="Immigration-court pending cases",
            subtitle=(
                f"FY{self.years[0]}-FY{self.years[-1]}, median and {self.level:.0%} interval "
                f"of {self.runs:,} runs; "
                f"EOIR definition {self.calibration.definition}, calibrated to FY{self.calibration.until}"
            ),
            source="Source: DOJ EOIR workload statistics; CRS R47637; GAO-17-438; Corridor simulation.",
            x="fiscal_year",
            x_type="ordinal",
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
    """Project FY`start`..FY`end`; `receipts` is (Y,) or (R, Y)."""
    if end < start:
        raise UsageError(f"--until FY{end} is before --from FY{start}")
    if runs < 1:
        raise UsageError(f"--runs must be at least 1, got {runs}")
    if judges_added < 0:
        raise UsageError(f"--judges-added must not be negative, got {judges_added}")
    if hires_per_year < 0:
        raise UsageError(f"--hires must not be negative, got {hires_per_year}")
    years = list(range(start, end + 1))
    Y = len(years)
    rng = np.random.default_rng(seed)
    rec = np.broadcast_to(np.asarray(receipts, dtype=float), (runs, Y)).copy()
    if (rec < 0).any():
        raise UsageError("receipts must not be negative")
    judges = np.array([calibration.judges_in(fy, hires=hires_per_year) for fy in years]) + judges_added
    paths = _paths(calibration, rng, runs, Y)
    if start_pending is None:
        if start - 1 not in calibration.pending:
            raise UsageError(
                f"no EOIR pending count for FY{start - 1} ({calibration.definition}); choose --from "
                f"FY{max(calibration.pending) + 1} or earlier"
            )
        start_pending = calibration.pending[start - 1]
    pending, done = _run(start_pending, rec, judges[None, :], *paths)
    return BacklogResult(
        years=years,
        pending=pending,
        completions=done,
        receipts=rec,
        judges=judges,
        calibration=calibration,
        judges_added=int(judges_added),
        receipts_source=receipts_source,
        runs=runs,
        seed=seed,
        level=level,
        start_pending=float(start_pending),
    )


def _paths(
    cal: BacklogCalibration, rng: np.random.Generator, runs: int, years: int
) -> tuple[np.ndarray, np.ndarray]:
    steps = rng.standard_normal((runs, years)) * cal.per_judge_sigma
    per_judge = cal.per_judge[-1] * np.exp(np.cumsum(steps, axis=1))
    reopen = cal.reopen_mean + cal.reopen_sd * rng.standard_normal((runs, years))
    return per_judge, np.maximum(reopen, 0.0)


def _run(
    start_pending: float, receipts: np.ndarray, judges: np.ndarray, per_judge: np.ndarray, reopen: np.ndarray
):
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
):
    """EOIR receipts = base + share x border court cases (least squares over the complete years
    both cover); returns base, share, residual sd and the years used."""
    data = caseload[(caseload["definition"] == definition)]
    if "partial" in data:
        data = data[~data["partial"].astype(bool)]
    years = [int(y) for y in data["fiscal_year"] if int(y) in border_cases]
    if len(years) < 3:
        raise UsageError("too few years to relate EOIR receipts to border court cases")
    y = np.array([float(data.loc[data["fiscal_year"] == fy, "receipts"].iloc[0]) for fy in years])
    x = np.array([border_cases[fy] for fy in years])
    X = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    sd = float(np.sqrt(np.sum(resid**2) / max(len(y) - 2, 1)))
    return float(max(coef[0], 0.0)), float(max(coef[1], 0.0)), sd, years


def judges_needed(result: BacklogResult, *, clear_by: int) -> dict:
    """Added judges (from the first year) that bring pending to zero by the end of `clear_by`,
    solved run by run (same random paths), with the median and the central interval."""
    cal = result.calibration
    if clear_by not in result.years:
        raise UsageError(f"--goal clear-by FY{clear_by} is outside FY{result.years[0]}-FY{result.years[-1]}")
    upto = result.years.index(clear_by) + 1
    rng = np.random.default_rng(result.seed)
    per_judge, reopen = _paths(cal, rng, result.runs, len(result.years))
    base = result.judges - result.judges_added
    first_pending = result.start_pending
    lo = np.zeros(result.runs)
    hi = np.full(result.runs, 1000.0)
    rec = result.receipts[:, :upto]

    def cleared(extra: np.ndarray) -> np.ndarray:
        judges = base[None, :upto] + extra[:, None]
        pending, _ = _run(first_pending, rec, judges, per_judge[:, :upto], reopen[:, :upto])
        return pending[:, -1] <= 0.5

    while not cleared(hi).all():
        hi = np.where(cleared(hi), hi, hi * 2)
        if hi.max() > 1e6:
            break
    for _ in range(40):
        mid = (lo + hi) / 2
        ok = cleared(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    need = np.where(cleared(np.zeros(result.runs)), 0.0, np.ceil(hi))
    level = result.level
    q = np.quantile(need, [(1 - level) / 2, 0.5, 1 - (1 - level) / 2])
    return {
        "clear_by": clear_by,
        "median": float(q[1]),
        "lower": float(q[0]),
        "upper": float(q[2]),
        "level": level,
    }

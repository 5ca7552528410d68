"""The processing-pathways model: a monthly stock-and-flow Monte Carlo, vectorised over runs.

Each month, southwest encounters by family status split into outcomes. MPP and 'other' take
plain shares; then, in order, Title 42 expulsions, Title 8 repatriations and transfers to ICE
take their desired share of who is left, each capped by a capacity that drifts over time; the
rest are released (OFO paroles at ports up to the OFO encounters the port does not otherwise
process, USBP releases for the others). Children go to HHS or are repatriated. Downstream:
ICE book-ins (some transfers are released at intake), fear referrals queue for a screening
capacity, screenings end positive (released, court case), negative (removed) or closed;
detention empties at a rate set by length of stay and is capped by capacity (the excess is
released); children leave HHS to sponsors. Every person is in exactly one state each month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.reference.calendar import add_months
from corridor.reference.labels import label
from corridor.simulate.calibrate import NONUAC, PathwaysCalibration, _conditional
from corridor.simulate.history import DEMOGRAPHICS, OUTCOMES, SOURCES, History
from corridor.simulate.options import check_options, in_ten
from corridor.simulate.policy import days_in, mpp_active, title42_share
from corridor.simulate.scenario import BASELINE, GROUPS, Scenario

EncounterSource = Literal["history", "seasonal-naive"]
SERIES = (
    *OUTCOMES,
    "detained",
    "awaiting_screening",
    "screenings",
    "screened_positive",
    "removals",
    "releases",
    "new_court_cases",
    "in_hhs_care",
)
STATES = (
    "repatriated",
    "expelled",
    "mpp",
    "removed",
    "released",
    "other",
    "in_hhs_care",
    "detained",
    "awaiting_screening",
)
HHS_STAY_DAYS = 30.0
TABLE_SERIES = (
    "usbp_release",
    "ofo_parole",
    "transfer_ice",
    "t8_repatriation",
    "detained",
    "new_court_cases",
)
MAX_RUNS = 20_000
MAX_RUN_MONTHS = 1_200_000  # runs x months: the samples take about 140 bytes each
CALIBRATION_NOTE = (
    "Outcome shares, capacities and stays are calibrated on the DHS OHSS monthly tables, whose "
    "outcomes end in Aug 2024 (default window: every month from Oct 2013 to Aug 2024; --calibrate-from "
    "and --calibrate-until narrow it). A forward run starts after the last month of encounters loaded "
    "(CBP), with detention at ICE's average daily population of the month before."
)


@dataclass
class Drivers:
    """What drives a run: encounters by family status and the policy switches, by month."""

    months: list[dt.date]
    encounters: np.ndarray  # (T, 4) single adults, family units, UAC, other
    ofo_nonuac: np.ndarray  # (T,)
    title42: np.ndarray  # (T,) share of the month under Title 42
    mpp: np.ndarray  # (T,) share of the month with MPP returns
    interior: np.ndarray | None = None  # (T,) ICE-arrest book-ins; None: drawn from calibration
    detained_start: float | None = None
    source: str = "history"
    detained_source: str = ""  # where the starting detention population comes from


def drivers(
    history: History,
    *,
    since: dt.date,
    until: dt.date,
    encounters: EncounterSource = "seasonal-naive",
    recent: dict[dt.date, tuple[np.ndarray, float]] | None = None,
) -> Drivers:
    """Actual encounters where history has them, then CBP's later actuals (`recent`: month ->
    (encounters by demographic, OFO non-UAC)); after both, repeat the last 12 months (if allowed)."""
    recent = {m: v for m, v in (recent or {}).items() if m > history.months[-1]}
    if until < since:
        raise UsageError(f"--until {until:%Y-%m} is before --since {since:%Y-%m}")
    months = []
    m = since
    while m <= until:
        months.append(m)
        m = add_months(m, 1)
    if len(months) > 600:
        raise UsageError("at most 600 months (50 years) can be simulated")
    last = history.months[-1]
    first = history.months[0]
    known_end = max(recent) if recent else last
    if since < first:
        raise UsageError(f"--since {since:%Y-%m} is before the history starts ({first:%Y-%m})")
    if until > last and encounters == "history":
        raise UsageError(
            f"history ends {last:%Y-%m}; use --encounters seasonal-naive to simulate up to {until:%Y-%m}"
        )
    T = len(months)
    enc = np.zeros((T, 4))
    ofo = np.zeros(T)
    interior = np.full(T, np.nan)
    for t, month in enumerate(months):
        src = month
        while src > known_end:
            src = add_months(src, -12)
        if src in recent:
            enc[t], ofo[t] = recent[src][0], recent[src][1]
            continue
        i = history.index(src)
        enc[t] = history.encounters[i]
        ofo[t] = history.ofo_nonuac[i]
        if month <= last:
            interior[t] = history.book_ins_ice[i]
    det, det_source = _detained_before(history, add_months(since, -1))
    future = [m > last for m in months]
    if not any(future):
        source = "history"
    elif recent:
        source = (
            f"history to {last:%Y-%m}, CBP actual encounters to {known_end:%Y-%m}, "
            "then the last 12 months repeated"
        )
    else:
        source = f"history to {last:%Y-%m}, then the last 12 months repeated"
    return Drivers(
        months=months,
        encounters=enc,
        ofo_nonuac=ofo,
        title42=np.array([0.0 if f else title42_share(m) for m, f in zip(months, future, strict=True)]),
        mpp=np.array([0.0 if f else mpp_active(m) for m, f in zip(months, future, strict=True)]),
        interior=None if np.isnan(interior).any() else interior,
        detained_start=None if not np.isfinite(det) else float(det),
        source=source,
        detained_source=det_source,
    )


def _detained_before(history: History, month: dt.date) -> tuple[float, str]:
    """The detained population in `month`, or the latest month before it that has one."""
    known = {m: float(v) for m, v in zip(history.months, history.detained, strict=True) if np.isfinite(v)}
    known.update(history.detained_after)
    earlier = [m for m in known if m <= month]
    if not earlier:
        return np.nan, ""
    m = max(earlier)
    where = "ICE average daily population" if m >= dt.date(2018, 10, 1) else "UWCHR FOIA headcount"
    return known[m], f"{where}, {m:%Y-%m}"


def detention_capacity(cal: PathwaysCalibration, drivers: Drivers) -> float:
    """Beds: the calibration's highest month, or the population the run starts with if larger."""
    return max(cal.detention_capacity, drivers.detained_start or 0.0)


@dataclass
class PathwaysResult:
    """Monthly samples of every series (runs x months x series) and the end-of-month states."""

    months: list[dt.date]
    samples: np.ndarray  # (R, T, len(SERIES)) int32
    states: np.ndarray  # (R, T, len(STATES)) int64, absorbing states cumulative
    entered: np.ndarray  # (T,) or (R, T): people entering the model each month (cumulative check)
    initial: np.ndarray  # (R,) people in detention at the start
    scenario: Scenario
    calibration: PathwaysCalibration
    drivers: Drivers
    runs: int
    seed: int
    level: float = 0.8
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backtest: dict | None = None  # out-of-sample coverage of the major outcomes (api attaches it)

    def series(self, name: str) -> np.ndarray:
        """(runs, months) samples of one series."""
        return self.samples[:, :, SERIES.index(name)]

    def tidy(self, *, level: float | None = None) -> pd.DataFrame:
        """One row per month and series: median, mean and the central `level` interval."""
        level = level or self.level
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        q = np.quantile(self.samples, [lo_q, 0.5, hi_q], axis=0)  # (3, T, S)
        mean = self.samples.mean(axis=0)
        T, S = len(self.months), len(SERIES)
        return pd.DataFrame(
            {
                "month": np.repeat(np.array(self.months, dtype=object), S),
                "series": np.tile(np.array(SERIES, dtype=object), T),
                "label": np.tile(np.array([label("outcome", s) for s in SERIES], dtype=object), T),
                "median": q[1].reshape(-1),
                "lower": q[0].reshape(-1),
                "upper": q[2].reshape(-1),
                "mean": mean.reshape(-1),
                "level": level,
            }
        )

    def table(self, *, series: tuple[str, ...] = TABLE_SERIES) -> pd.DataFrame:
        """The terminal table: month, outcome label, median and interval as whole numbers."""
        frame = self.tidy()
        frame = frame[frame["series"].isin(series)]
        pct = f"{self.level:.0%}"
        return pd.DataFrame(
            {
                "month": [f"{m:%Y-%m}" for m in frame["month"]],
                "outcome": frame["label"].to_numpy(),
                "median": np.rint(frame["median"].to_numpy()).astype(np.int64),
                f"low {pct}": np.rint(frame["lower"].to_numpy()).astype(np.int64),
                f"high {pct}": np.rint(frame["upper"].to_numpy()).astype(np.int64),
            }
        )

    def interval_meaning(self) -> str:
        """A plain sentence: what an interval covers and how it held out of sample."""
        cal = self.calibration
        text = (
            f"Each month's {self.level:.0%} interval holds {in_ten(self.level)} simulated runs; "
            "the runs differ in capacities, outcome shares and stays drawn from "
            f"{cal.start:%Y-%m}..{cal.end:%Y-%m}, "
            "not in the encounters, which are "
            + ("actual" if self.drivers.source == "history" else "actual to the data's end and then assumed")
            + "."
        )
        if self.backtest:
            b = self.backtest
            text += (
                f" In the backtest ({b['window']}) the intervals of the major outcomes held {b['inside']} of "
                f"{b['months']} outcome-months."
            )
        return text

    def metadata(self) -> dict:
        """Method, sample, uncertainty, scenario and sources, for every output format."""
        cal = self.calibration
        return {
            "model": "corridor.simulate.pathways: monthly stock-and-flow Monte Carlo "
            "(capacity-constrained shares)",
            "runs": self.runs,
            "seed": self.seed,
            "interval": f"central {self.level:.0%} of runs",
            "interval_meaning": self.interval_meaning(),
            "period": f"{self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m}",
            "calibration_window": f"{cal.start:%Y-%m}..{cal.end:%Y-%m}",
            "calibration_note": CALIBRATION_NOTE,
            "encounters": self.drivers.source,
            "detention_start": self.drivers.detained_source or "the calibration's last month",
            "backtest": self.backtest,
            "warnings": list(self.warnings),
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "from": None if self.scenario.start is None else f"{self.scenario.start:%Y-%m}",
                "overrides": self.scenario.overrides,
            },
            "assumptions": [*cal.notes, *self.notes],
            "sources": [SOURCES["border"], SOURCES["credible_fear"], SOURCES["detention"]],
            "units": "events (encounters, book-outs) and people in a state; OHSS inputs rounded to 10",
        }

    def caption(self) -> str:
        """One line: what, when, how many runs, calibrated on what, and the sources."""
        cal = self.calibration
        return (
            f"{self.scenario.title}; {self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m}; median and "
            f"{self.level:.0%} interval of {self.runs:,} runs (seed {self.seed}); calibrated "
            f"{cal.start:%Y-%m}..{cal.end:%Y-%m}; encounters: {self.drivers.source}. "
            f"{self.interval_meaning()} Sources: DHS OHSS monthly tables (Aug 2024), CBP encounters, ICE "
            "detention statistics, UWCHR. Counts are events; OHSS inputs rounded to 10."
        )

    def summary(self) -> str:
        """A few lines: scenario, period, and the totals with their intervals."""
        lines = [
            f"Pathways simulation: {self.scenario.title}",
            f"{self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m}, {self.runs:,} runs (seed {self.seed}), "
            f"calibrated on {self.calibration.start:%Y-%m}..{self.calibration.end:%Y-%m}",
            f"Totals over the period, median ({self.level:.0%} interval):",
        ]
        lo_q, hi_q = (1 - self.level) / 2, 1 - (1 - self.level) / 2
        for name in (
            "t8_repatriation",
            "transfer_ice",
            "usbp_release",
            "ofo_parole",
            "releases",
            "new_court_cases",
        ):
            total = self.series(name).sum(axis=1)
            lo, mid, hi = np.quantile(total, [lo_q, 0.5, hi_q])
            lines.append(f"  {label('outcome', name):<26} {mid:>10,.0f}  ({lo:,.0f} to {hi:,.0f})")
        det = self.series("detained")[:, -1]
        lo, mid, hi = np.quantile(det, [lo_q, 0.5, hi_q])
        name = f"{label('outcome', 'detained')}, {self.months[-1]:%Y-%m}"
        lines.append(f"  {name:<26} {mid:>10,.0f}  ({lo:,.0f} to {hi:,.0f})")
        return "\n".join(lines)

    def chart(
        self,
        *,
        series: tuple[str, ...] = (
            "usbp_release",
            "transfer_ice",
            "t8_repatriation",
            "detained",
            "new_court_cases",
        ),
    ) -> dict:
        """A Vega-Lite spec: medians with their interval bands, by month, source and period stated."""
        from corridor.simulate.charts import band_chart

        frame = self.tidy()
        frame = frame[frame["series"].isin(series)]
        return band_chart(
            frame,
            title=f"Processing pathways: {self.scenario.title}",
            subtitle=(
                f"{self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m}, median and {self.level:.0%} interval of "
                f"{self.runs:,} runs; calibrated {self.calibration.start:%Y-%m}..{self.calibration.end:%Y-%m}"
            ),
            source="Source: DHS OHSS monthly tables (Aug 2024), ICE detention statistics; Corridor.",
        )


def simulate(
    calibration: PathwaysCalibration,
    drivers: Drivers,
    *,
    scenario: Scenario = BASELINE,
    runs: int = 1000,
    seed: int = 0,
    level: float = 0.8,
) -> PathwaysResult:
    """Run the model `runs` times; the same seed gives identical results."""
    check_options(runs=runs, seed=seed, level=level)
    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"--runs must be between 1 and {MAX_RUNS:,}, got {runs}")
    if runs * len(drivers.months) > MAX_RUN_MONTHS:
        raise UsageError(
            f"{runs:,} runs x {len(drivers.months)} months is more than {MAX_RUN_MONTHS:,} run-months; "
            "use fewer runs or a shorter period"
        )
    rng = np.random.default_rng(seed)
    cal = calibration
    R, T = runs, len(drivers.months)
    samples = np.zeros((R, T, len(SERIES)), dtype=np.int32)
    states = np.zeros((R, T, len(STATES)), dtype=np.int64)
    # Random walks of the capacities (t42, t8, ice, OFO non-parole), quarterly steps from each
    # regime's anchor: one path per run, shared by the months of a quarter.
    month_no = np.array([m.year * 12 + m.month for m in drivers.months], dtype=float)
    walks = {}
    for name, reg in cal.regimes.items():
        h = np.abs(month_no - reg.anchor) / 12.0 if len(reg.caps) else np.zeros(T)
        q = np.minimum((h * 4).astype(int), 10_000)
        nq = int(q.max()) + 1
        steps = rng.standard_normal((R, nq, 4)) * (cal.sigma * 0.5)
        steps[:, 0, :] *= 0.0
        walk = np.exp(np.cumsum(steps, axis=1))
        walks[name] = (walk, q)
    detained0 = drivers.detained_start if drivers.detained_start is not None else cal.detained_end
    beds = detention_capacity(cal, drivers)
    det = np.full(R, round(detained0), dtype=np.int64)
    queue = np.zeros(R, dtype=np.int64)
    hhs = np.zeros(R, dtype=np.int64)
    absorbed = np.zeros((R, 6), dtype=np.int64)  # repatriated, expelled, mpp, removed, released, other
    entered = np.zeros((R, T), dtype=np.int64)
    notes: list[str] = []
    for t, month in enumerate(drivers.months):
        active = scenario.applies(month)
        ov = scenario.overrides if active else {}
        enc = drivers.encounters[t].copy()
        for g, group in enumerate(GROUPS):
            enc[g] *= ov.get(f"encounters_multiplier.{group}", 1.0)
        enc = np.floor(enc + 0.5).astype(np.int64)
        ofo_enc = drivers.ofo_nonuac[t] * (
            enc[list(NONUAC)].sum() / max(drivers.encounters[t][list(NONUAC)].sum(), 1)
        )
        w42 = drivers.title42[t]
        if "title42" in ov:
            w42 = 1.0 if ov["title42"] else 0.0
        mpp_on = drivers.mpp[t]
        if "mpp" in ov:
            mpp_on = 1.0 if ov["mpp"] else 0.0
        parts = []
        n42 = np.floor(enc * w42 + 0.5).astype(np.int64) if 0 < w42 < 1 else (enc if w42 >= 1 else None)
        if n42 is not None and n42.sum() > 0:
            parts.append(("title42", n42, ofo_enc * (w42 if w42 < 1 else 1.0)))
        if w42 < 1:
            parts.append(("title8", enc - (n42 if n42 is not None else 0), ofo_enc * (1 - w42)))
        flows = np.zeros((R, 8), dtype=np.int64)
        ice_by_group = np.zeros((R, 4), dtype=np.int64)
        main = parts[0][0]
        for name, n, ofo_n in parts:
            if name not in cal.regimes:
                raise UsageError(
                    f"{month:%Y-%m} is a {name.replace('title', 'Title ')} month but the calibration window "
                    f"{cal.start:%Y-%m}..{cal.end:%Y-%m} has none; widen it"
                )
            f, ice = _border(rng, cal, name, n, ofo_n, mpp_on, ov, walks, t, R)
            flows += f
            ice_by_group += ice
        reg = cal.regimes[main]
        i_rec = rng.integers(0, len(reg.alos), R)
        # ICE intake: book-ins, fear referrals, screening, detention.
        book_in = reg.book_in[rng.integers(0, len(reg.book_in), R)]
        booked = np.floor(ice_by_group * book_in[:, None]).astype(np.int64)
        intake_released = ice_by_group.sum(axis=1) - booked.sum(axis=1)
        fear_draw = reg.fear_rate[rng.integers(0, len(reg.fear_rate), R)]
        fear = np.zeros(R, dtype=np.int64)
        for g, group in enumerate(GROUPS):
            rate = ov.get(f"fear_referral_rate.{group}")
            fr = np.full(R, rate) if rate is not None else np.minimum(fear_draw, 1.0)
            fear += np.floor(booked[:, g] * fr).astype(np.int64)
        interior = (
            np.full(R, int(drivers.interior[t]), dtype=np.int64)
            if drivers.interior is not None
            else reg.interior[rng.integers(0, len(reg.interior), R)].astype(np.int64)
        )
        queue += fear
        det += booked.sum(axis=1) - fear + interior
        cf_cap = _capacity(ov, "cf_screening", cal.cf_capacity)
        done = np.minimum(queue, int(cf_cap))
        res = reg.cf_results[rng.integers(0, len(reg.cf_results), R)]
        positive = np.floor(done * res[:, 0]).astype(np.int64)
        negative = np.floor(done * res[:, 1]).astype(np.int64)
        closed = done - positive - negative
        queue -= done
        alos = ov.get("alos_days") or reg.alos[i_rec]
        p_exit = 1.0 - np.exp(-days_in(month) / np.maximum(alos, 1.0))
        exits = np.floor(det * p_exit).astype(np.int64)
        removal_share = reg.removal_share[rng.integers(0, len(reg.removal_share), R)]
        removed_ice = np.floor(exits * removal_share).astype(np.int64)
        det -= exits
        capacity = _capacity(ov, "detention", beds)
        over = np.maximum(det + queue - int(capacity), 0)
        cap_released = np.minimum(over, det)
        det -= cap_released
        hhs += flows[:, 4]
        hhs_days = ov.get("hhs_stay_days", HHS_STAY_DAYS)
        hhs_out = np.floor(hhs * (1.0 - np.exp(-days_in(month) / hhs_days))).astype(np.int64)
        hhs -= hhs_out
        released = (
            flows[:, 5]
            + flows[:, 6]
            + intake_released
            + positive
            + (exits - removed_ice)
            + cap_released
            + hhs_out
        )
        nta = ov.get("nta_share", 1.0)
        court = np.floor(released * nta).astype(np.int64) + flows[:, 2]
        absorbed[:, 0] += flows[:, 0]
        absorbed[:, 1] += flows[:, 1]
        absorbed[:, 2] += flows[:, 2]
        absorbed[:, 3] += negative + removed_ice
        absorbed[:, 4] += released
        absorbed[:, 5] += flows[:, 7] + closed
        entered[:, t] = enc.sum() + interior
        out = samples[:, t, :]
        out[:, :8] = flows
        out[:, 8] = det + queue
        out[:, 9] = queue
        out[:, 10] = done
        out[:, 11] = positive
        out[:, 12] = negative + removed_ice
        out[:, 13] = released
        out[:, 14] = court
        out[:, 15] = hhs
        states[:, t, :6] = absorbed
        states[:, t, 6] = hhs
        states[:, t, 7] = det
        states[:, t, 8] = queue
    return PathwaysResult(
        months=list(drivers.months),
        samples=samples,
        states=states,
        entered=entered,
        initial=np.full(R, round(detained0), dtype=np.int64),
        scenario=scenario,
        calibration=cal,
        drivers=drivers,
        runs=runs,
        seed=seed,
        level=level,
        notes=notes,
    )


def _capacity(ov: dict, kind: str, calibrated: float) -> float:
    if f"capacity.{kind}" in ov:
        return float(ov[f"capacity.{kind}"])
    return calibrated * float(ov.get(f"capacity_multiplier.{kind}", 1.0))


def _scenario_shares(shares: dict[str, float]) -> tuple[float, float, np.ndarray]:
    """Scenario shares over outcomes -> MPP share, other share, conditional t42/t8/ice."""
    vec = np.zeros(8)
    for outcome, share in shares.items():
        vec[OUTCOMES.index(outcome)] = share
    other, cond = _conditional(vec)
    return float(vec[2]), float(other), cond


def _border(rng, cal, name, n, ofo_n, mpp_on, ov, walks, t, R):
    """Split one regime's encounters (n: 4 groups) into the 8 outcomes for every run."""
    reg = cal.regimes[name]
    walk, q = walks[name]
    drift = walk[:, q[t], :]  # (R, 4): t42, t8, ice, OFO non-parole
    flows = np.zeros((R, 8), dtype=np.int64)
    ice_by_group = np.zeros((R, 4), dtype=np.int64)
    i_nb = rng.integers(0, len(reg.conditional), R)
    i_mpp = rng.integers(0, len(reg.mpp_share), R)
    left = {}
    cond = {}
    for j, g in enumerate(NONUAC):
        group = GROUPS[g]
        total = np.full(R, n[g], dtype=np.int64)
        custom = ov.get(f"shares.{group}")
        if custom is not None:
            s_mpp, s_other, c = _scenario_shares(custom)
            s_mpp_v = np.full(R, s_mpp * mpp_on if "mpp" in custom else s_mpp)
            s_other_v = np.full(R, s_other)
            cond[g] = np.broadcast_to(c, (R, 3))
        else:
            s_mpp_v = reg.mpp_share[i_mpp, j] * mpp_on
            s_other_v = reg.other_share[i_nb, j]
            cond[g] = reg.conditional[i_nb, j, :]
        mpp = np.floor(total * s_mpp_v).astype(np.int64)
        other = np.floor(total * s_other_v).astype(np.int64)
        flows[:, 2] += mpp
        flows[:, 7] += other
        left[g] = total - mpp - other
    caps = reg.caps[rng.integers(0, len(reg.caps), R)] if len(reg.caps) else np.full((R, 3), np.inf)
    for k, (outcome, col) in enumerate((("t42_expulsion", 1), ("t8_repatriation", 0), ("transfer_ice", 3))):
        want = {g: left[g] * cond[g][:, k] for g in left}
        total_want = sum(want.values())
        cap = _capacity(ov, outcome, 1.0) * caps[:, k] * drift[:, k]
        if f"capacity.{outcome}" in ov:
            cap = np.full(R, float(ov[f"capacity.{outcome}"]))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(total_want > cap, cap / np.maximum(total_want, 1e-9), 1.0)
        for g in left:
            got = np.floor(want[g] * scale).astype(np.int64)
            left[g] = left[g] - got
            flows[:, col] += got
            if outcome == "transfer_ice":
                ice_by_group[:, g] += got
    residual = sum(left.values())
    ofo_other = reg.ofo_other[rng.integers(0, len(reg.ofo_other), R)] * drift[:, 3]
    ofo = np.minimum(residual, np.floor(np.maximum(ofo_n - ofo_other, 0)).astype(np.int64))
    flows[:, 6] += ofo
    flows[:, 5] += residual - ofo
    # Unaccompanied children: repatriated, expelled (Title 42 only) or transferred to HHS.
    n_uac = int(n[2])
    custom = ov.get("shares.uac")
    if custom is not None:
        u = np.broadcast_to(
            np.array(
                [
                    custom.get("t8_repatriation", 0),
                    custom.get("t42_expulsion", 0),
                    custom.get("transfer_hhs", 0),
                ]
            ),
            (R, 3),
        )
    else:
        u = reg.uac[rng.integers(0, len(reg.uac), R)]
    t8 = np.floor(n_uac * u[:, 0]).astype(np.int64)
    t42 = np.floor(n_uac * u[:, 1]).astype(np.int64) if name == "title42" else np.zeros(R, dtype=np.int64)
    flows[:, 0] += t8
    flows[:, 1] += t42
    flows[:, 4] += n_uac - t8 - t42
    return flows, ice_by_group


__all__ = [
    "DEMOGRAPHICS",
    "SERIES",
    "STATES",
    "Drivers",
    "PathwaysResult",
    "detention_capacity",
    "drivers",
    "simulate",
]

"""Calibration of the pathways model from history: pools of observed months, by regime.

The model resamples observed months rather than fitting distributions, so every draw is a
combination the data actually showed. Per regime (Title 8, Title 42):
- *desired* shares by family status from months where capacity did not bind (USBP releases
  at most 5% of non-UAC encounters): conditional on what is left, in the order Title 42
  expulsion, Title 8 repatriation, transfer to ICE; MPP and other outcomes as plain shares;
- *capacities* (monthly Title 42 expulsions, Title 8 repatriations, transfers to ICE) from the
  last six months where capacity bound (releases above 5%), drifting as a random walk whose
  annual volatility is the RMS of year-on-year log changes of those flows in complete Title 8
  fiscal years of the window;
- from the last twelve months of the regime: unaccompanied children's shares, the OFO
  non-parole level, the fear-referral rate, screening results, the ICE book-in fraction,
  interior book-ins, length of stay and the removal share of ICE book-outs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np

from corridor.errors import UsageError
from corridor.simulate.history import History
from corridor.simulate.policy import days_in, mpp_active, title42_share

REGIMES = ("title8", "title42")
NONUAC = (0, 1, 3)  # single adults, family units, other
CAPPED = ("t42_expulsion", "t8_repatriation", "transfer_ice")
CAP_INDEX = (1, 0, 3)  # positions of CAPPED in history.OUTCOMES
BIND_SHARE = 0.05
N_BINDING = 12
N_RECENT = 12


@dataclass
class RegimeCalibration:
    """Observed-month pools for one regime."""

    months: list[dt.date]
    other_share: np.ndarray  # (Nnb, 3) plain share of 'other outcomes' per non-UAC group
    conditional: np.ndarray  # (Nnb, 3, 3) t42, t8, ice shares of what is left, per group
    mpp_share: np.ndarray  # (Nmpp, 3) MPP share in months MPP ran (zeros if none)
    caps: np.ndarray  # (Nb, 3) monthly t42, t8, ice flows in binding months (empty if none)
    cap_months: list[dt.date]
    anchor: float  # month number (year*12+month) at the centre of the binding pool
    uac: np.ndarray  # (Nr, 3) UAC shares: t8, t42, hhs
    ofo_other: np.ndarray  # (Nr,) OFO non-UAC encounters not paroled
    fear_rate: np.ndarray  # (Nr,) SW fear referrals per transfer to ICE
    cf_results: np.ndarray  # (Nr, 3) positive, negative, closed shares of completions
    book_in: np.ndarray  # (Nr,) CBP book-ins per SW transfer to ICE (at most 1)
    interior: np.ndarray  # (Nr,) ICE-arrest book-ins per month
    alos: np.ndarray  # (Nr,) days (Little's law: detained x days / book-ins)
    removal_share: np.ndarray  # (Nr,) removals among ICE book-outs
    recent_months: list[dt.date]


@dataclass
class PathwaysCalibration:
    """Everything the pathways model draws from, plus the notes that document it."""

    start: dt.date
    end: dt.date
    regimes: dict[str, RegimeCalibration]
    sigma: float  # annual volatility of log capacities
    cf_capacity: float  # screenings per month
    detention_capacity: float  # people
    detained_end: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Headline numbers (medians of the pools) for reports and the benchmark table."""
        out: dict[str, float] = {"sigma_capacity": self.sigma, "cf_capacity": self.cf_capacity}
        out["detention_capacity"] = self.detention_capacity
        for name, r in self.regimes.items():
            if len(r.caps):
                for k, cap in enumerate(CAPPED):
                    out[f"{name}.cap_{cap}"] = float(np.median(r.caps[:, k]))
            out[f"{name}.fear_rate"] = float(np.median(r.fear_rate))
            out[f"{name}.cf_positive"] = float(np.median(r.cf_results[:, 0]))
            out[f"{name}.alos_days"] = float(np.median(r.alos))
            out[f"{name}.uac_hhs"] = float(np.median(r.uac[:, 2]))
            for j, group in enumerate(("single_adults", "family_units")):
                out[f"{name}.{group}.ice_given_left"] = float(np.median(r.conditional[:, j, 2]))
        return out


def _regime_of(history: History) -> tuple[np.ndarray, np.ndarray]:
    w42 = np.array([title42_share(m) for m in history.months])
    regime = np.where(w42 >= 0.5, 1, 0)
    pure = (w42 == 0) | (w42 == 1)
    return regime, pure


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def _conditional(shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(.., 8) outcome shares -> plain 'other' share and t42/t8/ice shares of what is left."""
    other = shares[..., 7]
    mpp = shares[..., 2]
    left = 1 - other - mpp
    cond = np.zeros((*shares.shape[:-1], 3))
    for k, idx in enumerate(CAP_INDEX):
        cond[..., k] = np.clip(_safe_div(shares[..., idx], left), 0, 1)
        left = left - shares[..., idx]
    return other, cond


def calibrate(
    history: History, *, start: dt.date | None = None, end: dt.date | None = None
) -> PathwaysCalibration:
    """Build the pools from the months `start`..`end` (default: all history)."""
    start = start or history.months[0]
    end = end or history.months[-1]
    if end < start:
        raise UsageError(f"calibration ends ({end:%Y-%m}) before it starts ({start:%Y-%m})")
    i0, i1 = history.index(start), history.index(end)
    window = np.zeros(len(history.months), dtype=bool)
    window[i0 : i1 + 1] = True
    regime, pure = _regime_of(history)
    enc = history.encounters
    out = history.outcomes
    nonuac = enc[:, NONUAC].sum(axis=1)
    release_share = _safe_div(out[:, :, 5].sum(axis=1), nonuac)
    binding = release_share > BIND_SHARE
    mpp_on = np.array([mpp_active(m) > 0 for m in history.months])
    notes = [
        f"Calibration window {start:%Y-%m}..{end:%Y-%m}; regimes by the Title 42 order "
        "(20 Mar 2020 - 11 May 2023, 85 FR 17060); months straddling a switch are left out.",
        f"Capacity binds in a month when USBP releases exceed {BIND_SHARE:.0%} of non-UAC encounters.",
    ]
    regimes: dict[str, RegimeCalibration] = {}
    for r, name in enumerate(REGIMES):
        months_r = np.flatnonzero(window & pure & (regime == r))
        if len(months_r) == 0:
            continue
        nb = months_r[~binding[months_r]]
        if len(nb) == 0:
            nb = months_r
            notes.append(f"{name}: no month without binding capacity; desired shares use all months.")
        shares = _safe_div(out[nb][:, NONUAC, :], enc[nb][:, NONUAC, None])
        other, cond = _conditional(shares)
        mp = months_r[mpp_on[months_r]]
        mpp_share = _safe_div(out[mp][:, NONUAC, 2], enc[mp][:, NONUAC]) if len(mp) else np.zeros((1, 3))
        bb = months_r[binding[months_r]][-N_BINDING:]
        caps = out[bb][:, :, list(CAP_INDEX)].sum(axis=1) if len(bb) else np.zeros((0, 3))
        anchor = (
            float(np.mean([history.months[i].year * 12 + history.months[i].month for i in bb]))
            if len(bb)
            else 0.0
        )
        rec = months_r[-N_RECENT:]
        uac = _safe_div(out[rec][:, 2, [0, 1, 4]], enc[rec][:, 2, None])
        uac = uac / np.maximum(uac.sum(axis=1, keepdims=True), 1e-9)
        ofo_other = np.maximum(history.ofo_nonuac[rec] - history.ofo_parole[rec], 0)
        ice_total = out[:, :, 3].sum(axis=1)
        fear = _pool(_safe_div(history.cf_referred, ice_total), rec, ice_total[rec] > 0)
        done = history.cf_completed[rec]
        cf_results = _safe_div(done, done.sum(axis=1, keepdims=True))
        cf_results = (
            cf_results[done.sum(axis=1) > 0] if (done.sum(axis=1) > 0).any() else np.array([[1.0, 0, 0]])
        )
        book_in = _pool(np.clip(_safe_div(history.book_ins_cbp, ice_total), 0, 1), rec, ice_total[rec] > 0)
        interior = history.book_ins_ice[rec]
        days = np.array([days_in(m) for m in history.months])
        book_ins = history.book_ins_cbp + history.book_ins_ice
        alos_all = _safe_div(history.detained * days, book_ins)
        alos = _pool(alos_all, rec, np.isfinite(history.detained[rec]) & (book_ins[rec] > 0))
        removal_all = _safe_div(history.book_outs[:, 0], history.book_outs[:, 1])
        ok_rem = np.isfinite(history.book_outs[:, 1]) & (np.nan_to_num(history.book_outs[:, 1]) > 0)
        removal = removal_all[rec][ok_rem[rec]]
        if len(removal) == 0:
            removal = removal_all[window & ok_rem]
        if len(removal) == 0:
            removal = np.array([0.5])
            notes.append(
                f"{name}: no ICE book-outs by reason in the window (FY2018+); removal share assumed 0.5."
            )
        regimes[name] = RegimeCalibration(
            months=[history.months[i] for i in months_r],
            other_share=other,
            conditional=cond,
            mpp_share=mpp_share,
            caps=caps,
            cap_months=[history.months[i] for i in bb],
            anchor=anchor,
            uac=uac,
            ofo_other=ofo_other,
            fear_rate=fear,
            cf_results=cf_results,
            book_in=book_in,
            interior=interior,
            alos=alos,
            removal_share=removal,
            recent_months=[history.months[i] for i in rec],
        )
        if len(bb):
            notes.append(
                f"{name}: capacities from {history.months[bb[0]]:%Y-%m}..{history.months[bb[-1]]:%Y-%m} "
                f"(median t42 {np.median(caps[:, 0]):,.0f}, t8 {np.median(caps[:, 1]):,.0f}, "
                f"ICE {np.median(caps[:, 2]):,.0f} a month); desired shares from {len(nb)} months."
            )
    if "title8" not in regimes and "title42" not in regimes:
        raise UsageError(f"no calibration months between {start:%Y-%m} and {end:%Y-%m}")
    sigma = _sigma(history, window, regime, pure)
    notes.append(
        f"Capacity drift: annual log volatility {sigma:.3f}, the RMS of year-on-year changes of "
        "Title 8 repatriations, transfers to ICE and OFO non-paroles in complete Title 8 fiscal years."
    )
    last12 = np.arange(max(i0, i1 - 11), i1 + 1)
    cf_capacity = float(history.cf_completed[last12].sum(axis=1).max())
    det = history.detained[last12]
    det = det[np.isfinite(det)]
    if len(det) == 0:
        raise UsageError("no detention population in the last 12 calibration months")
    notes += [
        f"Screening capacity {cf_capacity:,.0f} a month: the most SW credible fear screenings USCIS "
        "completed in one month of the last 12 calibration months (OHSS).",
        f"Detention capacity {det.max():,.0f}: the highest monthly detained population of the last 12 "
        "calibration months (ICE ADP from FY2019, UWCHR FOIA headcount before).",
        "Length of stay by Little's law: detained population x days / book-ins (CBP + ICE arrests).",
        "Children in HHS care leave to sponsors after 30 days on average (assumption; ORR data not loaded).",
        "Every release into the community (USBP releases, OFO paroles, ICE releases, positive fear "
        "screenings, HHS discharges) and every MPP return counts as a new court case (NTA); "
        "administratively closed screenings count as 'other'.",
    ]
    return PathwaysCalibration(
        start=start,
        end=end,
        regimes=regimes,
        sigma=sigma,
        cf_capacity=cf_capacity,
        detention_capacity=float(det.max()),
        detained_end=float(det[-1]),
        notes=notes,
    )


def _pool(values: np.ndarray, rec: np.ndarray, ok: np.ndarray) -> np.ndarray:
    picked = values[rec][ok & np.isfinite(values[rec])]
    if len(picked) == 0:
        raise UsageError("a calibration pool is empty; widen the calibration window")
    return picked


def _sigma(history: History, window: np.ndarray, regime: np.ndarray, pure: np.ndarray) -> float:
    fy = history.fiscal_years()
    out = history.outcomes
    series = np.column_stack(
        [
            out[:, :, 0].sum(axis=1),
            out[:, :, 3].sum(axis=1),
            np.maximum(history.ofo_nonuac - history.ofo_parole, 0),
        ]
    )
    totals = []
    for year in sorted(set(fy[window])):
        sel = window & (fy == year)
        if sel.sum() == 12 and (regime[sel] == 0).all() and pure[sel].all():
            totals.append((year, series[sel].sum(axis=0)))
    diffs = [
        np.log(b[1] / a[1]) for a, b in itertools.pairwise(totals) if b[0] == a[0] + 1 and (a[1] > 0).all()
    ]
    if len(diffs) < 2:
        raise UsageError("the calibration window needs at least three complete Title 8 fiscal years")
    return float(np.sqrt(np.mean(np.square(diffs))))

"""One headline per evaluation, chosen out of sample, and the verdict sentence that says it.

The rule (`RULE`; how each setting was chosen is in bench/RESULTS.md, "Evaluate: battery and
speed (issue 14)", for the correction in step 3 "Evaluate: battery, seed 3", and for the
combination in step 2 "Evaluate: battery, seeds 4 and 5"):

1. A method is *eligible* when its own pre-period check passes (`EvaluationResult.diagnostic`
   is None: for the synthetic control, the treated path must lie within the donors' range),
   its pre-period fit is off by at most 50% on average (`max_pre_mape`), and it has an estimate
   at 8 or more of the 24 most recent pseudo-treatment dates (`backtest.py`).
2. Each eligible method has an out-of-sample error e: the root mean squared log error of its
   estimates at those dates, where the true effect is zero. The headline combines the eligible
   methods' log estimates with weights 1 / e^2 (normalised; one eligible method: that method),
   and its errors at those dates are the same combination of theirs. Not the single method with
   the smallest e: picked on 24 overlapping windows that all lie on the path to the start, the
   winner is often a method that happened to follow that path (ITS, DiD) and misses when the series
   does not continue it; the combination has no winner to curse and averages errors that are only
   partly shared (4% to 11% less scatter on the battery, so each effect's median is steadier).
3. The headline is centred on the combined log estimate minus its median error at those dates
   (`bias_correct`): an out-of-sample retransformation of its counterfactual, the median ratio of
   actual to predicted totals over earlier windows of the same length, which removes the drift
   every method shows on these series (their errors where nothing happened lean upwards) and
   leaves each method's own estimate unchanged in the per-method table.
4. Its 95% interval is that centre plus or minus t(n-1) x 1.5 x sqrt(e^2 + 0.1^2), with e the
   combination's error, and its p-value the matching two-sided t test: the methods' errors where
   nothing happened measure the uncertainty of the estimate where something did (e is their root
   mean square, not their spread around the median: one draw's earlier errors do not predict its
   own error, so the correction removes a bias shared across draws but not uncertainty); the
   factor 1.5 allows for errors heavier-tailed than 24 overlapping windows show (and, for the
   rule before seeds 4 and 5, for picking the smallest of four errors), and 0.1 is the least
   error any counterfactual of these series is credited with.
5. The headline is **inconclusive** when the design says the months before the start were under
   other rules (a policy for every citizenship took effect less than 12 months before it:
   `design.unsettled`), when no method is eligible, when the best out-of-sample
   error is above 0.5 (off by 65% on average: no method predicts the months before the start well
   enough), when the interval excludes zero but an eligible method's estimate has the other
   sign, or when the treated group's level is above every donor's (outside their hull) and the
   interval is wider than 10 points on either side of the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import special

from corridor.analysis.evaluate.backtest import Backtest
from corridor.analysis.evaluate.base import ALL_UNITS, Design, EvaluationResult, finite
from corridor.reference.calendar import add_months

Status = Literal["effect", "no_clear_effect", "inconclusive"]


@dataclass(frozen=True)
class Rule:
    """The headline rule's settings (see the module docstring)."""

    max_pre_mape: float | None = 0.5
    use_diagnostics: bool = True
    dates: int = 24
    min_dates: int = 8
    poor_rmse: float = 0.5
    # the eligible methods combined with weights 1 / e^2 ("weighted", since seeds 4 and 5), or the
    # one with the smallest e alone ("best", the rule before them)
    selection: Literal["best", "weighted"] = "weighted"
    inflate: float = 1.5
    floor: float = 0.10  # the smallest typical error (log scale) an interval assumes
    # the out-of-sample correction: centre on the estimate minus the typical ("median" or "mean")
    # error of the method at the pseudo-treatment dates (False: the estimate itself); the interval's
    # spread stays the errors' root mean square ("rmse"), or their standard deviation ("std": the
    # narrower variant scored on seed 1 and not chosen)
    bias_correct: bool = True
    bias_centre: Literal["mean", "median"] = "median"
    bias_spread: Literal["std", "rmse"] = "rmse"
    # how much of that error is taken off (alternatives scored on seeds 4 and 5, not chosen): all of
    # it ("full"); shrunk by its noise ("shrink": max(0, 1 - se^2 / shift^2), se the standard error
    # of the errors' mean with the windows' overlap counted); or only what the nearer and the farther
    # half of the windows agree on ("persistent": the smaller of their two typical errors, 0 when
    # their signs differ)
    bias_shrink: Literal["full", "shrink", "persistent"] = "full"
    # the direction check among methods whose error is within this factor of the best (None: all)
    agree_within: float | None = None
    # when opposite signs among eligible methods make the headline inconclusive: only when the
    # headline claims a direction ("effect"), or whenever they occur ("always")
    sign_check: Literal["effect", "always"] = "effect"
    # a treated level above every donor's: conclusive only when the interval is this precise
    hull_precision: float | None = 0.10


RULE = Rule()


@dataclass
class Headline:
    """The one answer of an evaluation (see the package docstring for the JSON contract)."""

    status: Status
    method: str | None
    why: str
    agreement: dict[str, Any]
    level: float
    effect_rel: float | None = None
    effect_rel_lo: float | None = None
    effect_rel_hi: float | None = None
    effect_abs: float | None = None
    effect_abs_lo: float | None = None
    effect_abs_hi: float | None = None
    p_value: float | None = None
    weights: dict[str, float] = field(default_factory=dict)
    eligible: dict[str, str | None] = field(default_factory=dict)
    out_of_sample: dict[str, Any] = field(default_factory=dict)
    # the method's own log estimate and the out-of-sample shift taken off it (None: inconclusive)
    correction: dict[str, float] | None = None

    @property
    def conclusive(self) -> bool:
        return self.status != "inconclusive"

    def to_dict(self) -> dict[str, Any]:
        from corridor.reference.labels import label

        return {
            "status": self.status,
            "method": self.method,
            "method_label": label("method", self.method) if self.method else None,
            "effect_rel": finite(self.effect_rel),
            "effect_rel_lo": finite(self.effect_rel_lo),
            "effect_rel_hi": finite(self.effect_rel_hi),
            "effect_abs": finite(self.effect_abs),
            "effect_abs_lo": finite(self.effect_abs_lo),
            "effect_abs_hi": finite(self.effect_abs_hi),
            "p_value": finite(self.p_value),
            "level": self.level,
            "why": self.why,
            "agreement": self.agreement,
            "weights": self.weights,
            "eligible": self.eligible,
            "out_of_sample": self.out_of_sample,
            "correction": self.correction,
        }


def eligibility(
    results: Sequence[EvaluationResult], bt: Backtest, rule: Rule = RULE
) -> dict[str, str | None]:
    """Why each method cannot be the headline (None when it can)."""
    out: dict[str, str | None] = {}
    for r in results:
        n = bt.n(r.method)
        if r.diagnostic and rule.use_diagnostics:
            out[r.method] = r.diagnostic
        elif rule.max_pre_mape is not None and not r.pre_mape <= rule.max_pre_mape:
            out[r.method] = f"its pre-period fit is off by {100 * r.pre_mape:.0f}% on average"
        elif n < rule.min_dates:
            out[r.method] = f"it could be checked at only {n} earlier dates (needs {rule.min_dates})"
        elif not math.isfinite(r.log_effect):
            out[r.method] = "its counterfactual leaves no relative effect"
        else:
            out[r.method] = None
    return out


def _agreement(
    results: Sequence[EvaluationResult], sign: float, eligible: dict[str, str | None]
) -> dict[str, Any]:
    lows = [r.effect_rel_lo if r.effect_rel_lo is not None else -1.0 for r in results]
    highs = [r.effect_rel_hi if r.effect_rel_hi is not None else math.inf for r in results]
    same = [r.method for r in results if sign != 0 and np.sign(r.effect_rel) == sign]
    return {
        "methods": len(results),
        "eligible": sum(v is None for v in eligible.values()),
        "same_sign": len(same) if sign != 0 else None,
        "same_sign_methods": same,
        "passing_same_sign": sum(eligible.get(m) is None for m in same) if sign != 0 else None,
        "intervals_overlap": bool(max(lows) <= min(highs)),
        "estimates": {r.method: finite(r.effect_rel) for r in results},
    }


def above_donors(design: Design) -> bool:
    """Whether the treated group's pre-period level is above every donor's (outside their hull)."""
    if not getattr(design, "donors", ()) or not hasattr(design, "values"):
        return False
    t0 = design.pre_months
    return bool(design.treated_values[:t0].mean() > design.values(design.donors)[:t0].mean(axis=0).max())


def choose(
    results: Sequence[EvaluationResult],
    bt: Backtest,
    design: Design,
    rule: Rule = RULE,
    *,
    above: bool | None = None,
) -> Headline:
    """The headline of `results` (one design, several methods) by the out-of-sample rule.

    `above` says whether the treated level is above every donor's (computed from `design` when None)."""
    from corridor.reference.labels import label

    level = 1 - design.alpha
    bt = bt.first(rule.dates)
    eligible = eligibility(results, bt, rule)
    oos = bt.to_dict()
    ok = [r for r in results if eligible[r.method] is None]
    if getattr(design, "unsettled", ""):
        return Headline(
            status="inconclusive",
            method=None,
            why=design.unsettled,
            agreement=_agreement(results, 0, eligible),
            level=level,
            eligible=eligible,
            out_of_sample=oos,
        )
    if not ok:
        reasons = "; ".join(f"{label('method', m)}: {why}" for m, why in eligible.items())
        return Headline(
            status="inconclusive",
            method=None,
            why=f"No method passes its checks ({reasons}).",
            agreement=_agreement(results, 0, eligible),
            level=level,
            eligible=eligible,
            out_of_sample=oos,
        )
    rmse = {r.method: bt.rmse(r.method) for r in ok}
    best = min(ok, key=lambda r: rmse[r.method])
    if rule.selection == "weighted":
        inv = {m: 1 / max(v, 1e-6) ** 2 for m, v in rmse.items()}
        weights = {m: v / sum(inv.values()) for m, v in inv.items()}
    else:
        weights = {best.method: 1.0}
    tau, errors = _combine(ok, bt, weights)
    if len(weights) > 1 and len(errors) < rule.min_dates:
        # the methods were checked at too few common dates to be combined: the best one alone
        weights = {best.method: 1.0}
        tau, errors = _combine(ok, bt, weights)
    n = len(errors)
    err = float(np.sqrt(np.mean(errors**2)))
    typical = np.median if rule.bias_centre == "median" else np.mean
    shift = float(typical(errors)) if rule.bias_correct else 0.0
    if shift and rule.bias_shrink == "persistent":
        half = len(errors) // 2
        near, far = float(typical(errors[:half])), float(typical(errors[half:]))
        shift = min(near, far, key=abs) if near * far > 0 else 0.0
    elif shift and rule.bias_shrink == "shrink":
        shift *= max(0.0, 1 - (overlap_se(errors, design.post_months) / shift) ** 2)
    center = tau - shift
    raw = (
        float(np.std(errors, ddof=1)) * math.sqrt(1 + 1 / n)
        if rule.bias_correct and rule.bias_spread == "std"
        else err
    )
    spread = rule.inflate * math.hypot(raw, rule.floor)
    q = float(special.stdtrit(n - 1, 1 - design.alpha / 2))
    lo, hi = center - q * spread, center + q * spread
    p = float(2 * special.stdtr(n - 1, -abs(center) / spread)) if spread > 0 else 0.0
    method = best.method if len(weights) == 1 else "combination"
    name = label("method", method) if method != "combination" else "The combination of methods"
    actual, months = best.actual_total, max(best.n_post, 1)

    def monthly(x: float) -> float:
        return (actual - actual / math.exp(x)) / months

    sign = float(np.sign(center))
    agreement = _agreement(results, sign, eligible)
    base = Headline(
        status="effect" if lo > 0 or hi < 0 else "no_clear_effect",
        method=method,
        why="",
        agreement=agreement,
        level=level,
        effect_rel=math.expm1(center),
        effect_rel_lo=math.expm1(lo),
        effect_rel_hi=math.expm1(hi),
        effect_abs=monthly(center),
        effect_abs_lo=monthly(lo),
        effect_abs_hi=monthly(hi),
        p_value=p,
        weights={m: round(w, 4) for m, w in weights.items()},
        eligible=eligible,
        out_of_sample=oos,
        correction={"method_log_effect": tau, "log_shift": shift, "method_effect_rel": math.expm1(tau)},
    )
    if method == "combination":
        shares = ", ".join(f"{label('method', m)} {100 * w:.0f}%" for m, w in weights.items())
        chosen = (
            f"The {len(weights)} methods that pass their checks are combined, each weighted by how well "
            f"it predicted the {n} earlier {design.post_months}-month windows ({shares}; their typical "
            f"errors: {_rmse_words(rmse, '')}); the combination's typical error there, "
            f"{_pct_words(err)}, sets its interval."
        )
    else:
        others = len(rmse) > 1
        chosen = (
            f"{name} predicted the {n} earlier {design.post_months}-month windows best (typical error "
            f"{_pct_words(err)}{'; others: ' + _rmse_words(rmse, best.method) if others else ''}), "
            "so its estimate is the headline and those errors set its interval."
        )
    if shift:
        whose = "The combined estimate" if method == "combination" else "Its own estimate"
        chosen += (
            f" {whose} ({100 * math.expm1(tau):+.0f}%) is adjusted for its {rule.bias_centre} "
            f"error in those windows, where nothing happened (the actual counts were "
            f"{abs(100 * math.expm1(shift)):.0f}% {'above' if shift > 0 else 'below'} its prediction)."
        )
    ruled_out = [f"{label('method', m)} ({why})" for m, why in eligible.items() if why]
    if ruled_out:
        chosen += " Not eligible: " + "; ".join(ruled_out) + "."
    if err > rule.poor_rmse:
        base.status, base.why = (
            "inconclusive",
            f"Even the best method, {name.lower() if method == 'combination' else name}, missed the "
            f"{n} earlier {design.post_months}-month windows by {_pct_words(err)} on average, more "
            f"than the {_pct_words(rule.poor_rmse)} a usable counterfactual allows.",
        )
        return _blank(base)
    above = above_donors(design) if above is None else above
    wide = max(math.expm1(hi) - math.expm1(center), math.expm1(center) - math.expm1(lo))
    if above and rule.hull_precision is not None and wide > rule.hull_precision:
        base.status, base.why = (
            "inconclusive",
            f"The treated group's level is above every comparison nationality's, so the estimate must be "
            f"precise to within {100 * rule.hull_precision:.0f} points to be trusted; the interval "
            f"({100 * math.expm1(lo):+.0f}% to {100 * math.expm1(hi):+.0f}%) is wider.",
        )
        return _blank(base)
    if base.status == "effect" or rule.sign_check == "always":
        credible = [
            r
            for r in ok
            if rule.agree_within is None or rmse[r.method] <= rule.agree_within * rmse[best.method]
        ]
        against = [r for r in credible if np.sign(r.effect_rel) == -sign and r.effect_rel != 0]
        if against:
            listing = ", ".join(f"{label('method', r.method)} {100 * r.effect_rel:+.0f}%" for r in credible)
            base.status, base.why = (
                "inconclusive",
                f"The methods that pass their checks disagree in direction ({listing}).",
            )
            return _blank(base)
    base.why = chosen
    return base


def overlap_se(errors: np.ndarray, window: int) -> float:
    """The standard error of the mean of errors in overlapping windows of `window` months, one month
    apart (neighbours share window - 1 months): Newey-West with Bartlett weights over window - 1 lags."""
    e = np.asarray(errors, dtype=float)
    n = len(e)
    if n < 2:
        return math.inf
    u = e - e.mean()
    var = float(u @ u) / n
    for lag in range(1, min(window, n)):
        var += 2 * (1 - lag / window) * float(u[lag:] @ u[:-lag]) / n
    return math.sqrt(max(var, 0.0) / n)


def _blank(h: Headline) -> Headline:
    """An inconclusive headline carries no single effect."""
    h.method = None
    h.effect_rel = h.effect_rel_lo = h.effect_rel_hi = None
    h.effect_abs = h.effect_abs_lo = h.effect_abs_hi = None
    h.p_value = None
    h.weights = {}
    h.correction = None
    return h


def _combine(
    ok: Sequence[EvaluationResult], bt: Backtest, weights: dict[str, float]
) -> tuple[float, np.ndarray]:
    """The weighted log effect and the weighted out-of-sample errors (dates where all are known)."""
    tau = sum(w * next(r.log_effect for r in ok if r.method == m) for m, w in weights.items())
    stack = np.vstack([bt.errors[m] for m in weights])
    keep = np.isfinite(stack).all(axis=0)
    return float(tau), np.asarray(weights_vector(weights) @ stack[:, keep])


def weights_vector(weights: dict[str, float]) -> np.ndarray:
    return np.array(list(weights.values()), dtype=float)


def _pct_words(log_error: float) -> str:
    """A log-scale error as a percentage a reader can picture (exp(x) - 1)."""
    return f"{100 * math.expm1(log_error):.0f}%"


def _rmse_words(rmse: dict[str, float], best: str) -> str:
    from corridor.reference.labels import label

    return ", ".join(f"{label('method', m)} {_pct_words(v)}" for m, v in rmse.items() if m != best)


# --- the verdict sentence ---------------------------------------------------------------------

COMPARISON = {
    "synthetic_control": "a weighted mix of comparable nationalities predicts",
    "did": "the change in the other nationalities' encounters predicts",
    "its": "their own trend before the start predicts",
    "structural": "a model of their path beside the other nationalities' predicts",
    "combination": "the methods' combined counterfactual predicts",
}


def _names(codes: Sequence[str]) -> str:
    from corridor.reference.labels import label

    names = [label("citizenship", c) for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def who(design: Design, excluded: Sequence[str] = ()) -> str:
    """Whose encounters, in words ("people from Cuba, Haiti and Nicaragua")."""
    if design.treated == (ALL_UNITS,):
        return "people of every nationality" + (f" except {_names(excluded)}" if excluded else "")
    return "people from " + _names(design.treated)


def _lower_first(text: str) -> str:
    """'Encounters at ports' -> 'encounters at ports'; names ('Border Patrol ...') keep their capitals."""
    return text[0].lower() + text[1:] if text.startswith("Encounters") else text


def _change(x: float) -> str:
    return f"{abs(100 * x):.0f}% {'lower' if x < 0 else 'higher'}"


def _range(lo: float, hi: float) -> str:
    if lo < 0 and hi < 0:
        return f"{abs(100 * hi):.0f}% to {abs(100 * lo):.0f}% lower"
    if lo > 0 and hi > 0:
        return f"{100 * lo:.0f}% to {100 * hi:.0f}% higher"
    return f"{_change(lo)} to {_change(hi)}"


def verdict(h: Headline, design: Design, *, excluded: Sequence[str] = ()) -> str:
    """The evaluation's answer as one or two plain sentences."""
    subject = design.subject or "Encounters"
    place = f" {design.place}" if design.place else ""
    whose = who(design, excluded)
    if design.policy:
        when = f"after {design.policy} began"
    elif design.staggered:
        when = (
            f"after the treated nationalities' start dates ({design.start:%b %Y} to "
            f"{design.last_start:%b %Y})"
        )
    else:
        when = f"after {design.start:%B %Y}"
    months = f"{design.post_months} month{'s' if design.post_months != 1 else ''}"
    if not h.conclusive:
        return (
            f"Inconclusive: no single estimate of how {_lower_first(subject)} of {whose}{place} changed "
            f"in the {months} {when} can be defended. {h.why}"
        )
    assert h.effect_rel is not None and h.effect_rel_lo is not None and h.effect_rel_hi is not None
    level = f"{100 * h.level:.0f}%"
    comparison = COMPARISON.get(h.method or "", "the counterfactual predicts")
    text = (
        f"{subject} of {whose}{place} were about {_change(h.effect_rel)} ({level} interval: "
        f"{_range(h.effect_rel_lo, h.effect_rel_hi)}) in the {months} {when} than {comparison}"
    )
    if h.status == "no_clear_effect":
        text += ": no clear change"
    agree = agreement_sentence(h.agreement)
    return text + "." + (f" {agree}" if agree else "")


def agreement_sentence(ag: dict[str, Any]) -> str:
    """How far the methods agree in direction, counting first those that pass their checks (a
    method that fails them is not an answer, so it neither adds to nor takes from the agreement)."""
    same, methods = ag.get("same_sign"), ag.get("methods") or 0
    if same is None or methods < 2:
        return ""
    passing, eligible = ag.get("passing_same_sign"), ag.get("eligible")
    if passing is None or eligible is None or eligible == methods:
        return f"{same} of {methods} methods agree in direction."
    if eligible < 2:
        return (
            f"Only {eligible} of {methods} methods passes its checks; "
            f"{same} of {methods} estimate this direction."
        )
    return (
        f"{passing} of {eligible} methods that pass their checks agree in direction "
        f"({same} of {methods} counting those that fail them)."
    )


def post_window(design: Design) -> str:
    """The post period as text ("2023-01..2023-03")."""
    return f"{design.start:%Y-%m}..{add_months(design.last_start, design.post_months - 1):%Y-%m}"


def row_label(h: dict[str, Any]) -> str:
    """The headline's row in a table of methods (its method's row carries the asterisk), marked
    "adjusted" when it is not that method's own estimate, so the two rows do not read as a
    contradiction."""
    adjusted = bool((h.get("correction") or {}).get("log_shift"))
    if h.get("method") == "combination":
        return "Headline (combined, adjusted)" if adjusted else "Headline (combined)"
    return "Headline, adjusted" if adjusted else "Headline"


def row_note(h: dict[str, Any]) -> str:
    """One sentence on how the headline row differs from its method's own row ("" when it does not)."""
    corr, oos = h.get("correction") or {}, h.get("out_of_sample") or {}
    shift, own = corr.get("log_shift"), corr.get("method_effect_rel")
    if not shift or own is None or h.get("effect_rel") is None:
        return ""
    n = (oos.get("n") or {}).get(h.get("method") or "") or oos.get("dates") or "the"
    if h.get("method") == "combination":
        whose = "the combination of the methods' estimates"
    else:
        name = str(h.get("method_label") or "method").lower()
        whose = f"the {name}'" if name.endswith("s") else f"the {name}'s"
        whose += " own estimate"
    return (
        f"{row_label(h)}: {whose} ({100 * own:+.1f}%) corrected by its median error "
        f"at {n} earlier start dates, where nothing happened (the actual counts were "
        f"{abs(100 * math.expm1(shift)):.0f}% {'above' if shift > 0 else 'below'} its prediction); "
        "its interval and p-value come from those errors."
    )

"""Out-of-sample checks: every method at pseudo-treatment dates before the real start.

The design is moved back in time, whole (same treated units, donors, pre-period length and post
window), to the most recent dates whose post window ends before the real start: there the true
effect is zero, so each method's estimate is its out-of-sample error for a window like the real
one. These errors choose the headline and calibrate its interval (`headline.py`).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.analysis.evaluate.base import MIN_PRE_MONTHS, Design, MethodSpec

MAX_DATES = 24  # pseudo-treatment dates, one month apart, most recent first


@dataclass
class Backtest:
    """Each method's estimate (log ratio of actual to counterfactual) at each pseudo-treatment date."""

    starts: list[dt.date]
    errors: dict[str, np.ndarray] = field(default_factory=dict)

    def first(self, dates: int) -> Backtest:
        """The same checks at the `dates` most recent pseudo-treatment dates only."""
        return Backtest(starts=self.starts[:dates], errors={m: e[:dates] for m, e in self.errors.items()})

    def finite(self, method: str) -> np.ndarray:
        e = self.errors.get(method, np.array([]))
        return e[np.isfinite(e)]

    def n(self, method: str) -> int:
        return len(self.finite(method))

    def rmse(self, method: str) -> float:
        """Root mean squared out-of-sample error (log scale); nan with no dates."""
        e = self.finite(method)
        return float(np.sqrt(np.mean(e**2))) if len(e) else math.nan

    def bias(self, method: str) -> float:
        e = self.finite(method)
        return float(np.mean(e)) if len(e) else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "dates": len(self.starts),
            "first": f"{min(self.starts):%Y-%m}" if self.starts else None,
            "last": f"{max(self.starts):%Y-%m}" if self.starts else None,
            "rmse_log": {m: self.rmse(m) for m in self.errors},
            "bias_log": {m: self.bias(m) for m in self.errors},
            "n": {m: self.n(m) for m in self.errors},
        }


def pseudo_designs(design: Design, *, max_dates: int = MAX_DATES) -> list[tuple[dt.date, Design]]:
    """The design moved back to each pseudo-treatment date (most recent first) with at least
    MIN_PRE_MONTHS of pre period and a post window that ends before the real start."""
    months = design.months
    pos = {m: i for i, m in enumerate(months)}
    first, last = pos[design.start], pos[design.last_start]
    shift0 = (last - first) + design.post_months
    out = []
    for k in range(max_dates):
        shift = shift0 + k
        if first - shift - MIN_PRE_MONTHS < 0:
            break
        pseudo = design.shifted(shift, pre_months=design.pre_months)
        out.append((pseudo.start, pseudo))
    return out


def backtest(design: Design, specs: Sequence[MethodSpec], *, max_dates: int = MAX_DATES) -> Backtest:
    """Run each method's point estimate at the pseudo-treatment dates of `design` (unwindowed)."""
    designs = pseudo_designs(design, max_dates=max_dates)
    result = Backtest(starts=[s for s, _ in designs])
    for spec in specs:
        cache: dict[str, Any] = {}
        errors = []
        for _, pseudo in designs:
            value = math.nan
            if spec.applicable(pseudo) is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        value = spec.point(pseudo, cache)
                    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                        value = math.nan  # a fit that fails at one date leaves that date out
            errors.append(value)
        result.errors[spec.name] = np.asarray(errors, dtype=float)
    return result

"""The types every evaluation module shares: the design, a method's estimate, its summary.

A `Design` is a months x units panel of counts with the treated units, their first treated
month, the donor units, the first pre-period month and the length of the post period. A method
module (`its`, `synth`, `did`, `structural`) turns a design into an `Estimate` (the treated
units' counterfactual path, an interval, a placebo or permutation p-value) and, cheaply, into a
point effect for the out-of-sample checks. `summarise` turns an estimate into the numbers every
method reports the same way. Method modules import this module only, never the orchestrator.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.reference.calendar import add_months

Method = Literal["its", "synthetic_control", "did", "structural"]
METHODS: tuple[str, ...] = Method.__args__  # type: ignore[attr-defined]
MIN_PRE_MONTHS = 12
POOR_FIT_MAPE = 0.25  # a pre-period mean absolute percentage error above this is flagged
ALL_UNITS = "ALL"  # the one treated "unit" when a policy applies to every citizenship


@dataclass(frozen=True)
class Design:
    """What an evaluation compares: counts by month (rows) and unit (columns), who is treated when.

    `panel` may hold months before `first` (the first pre-period month): the out-of-sample checks
    use them; the methods see only `window()`, from `first` to the end of the post period.
    """

    panel: pd.DataFrame
    cohorts: dict[str, dt.date]
    donors: tuple[str, ...]
    post_months: int
    seed: int = 0
    alpha: float = 0.05
    selection: str = ""
    caption: str = ""
    first: dt.date | None = None
    subject: str = ""  # the outcome in words, e.g. "Border Patrol encounters"
    place: str = ""  # where, e.g. "at the southwest border"
    policy: str = ""  # the policy's title, for sentences ("" when evaluating a start month)
    # why the months before the start were under other rules than those after it ("": they were not)
    unsettled: str = ""

    @property
    def treated(self) -> tuple[str, ...]:
        return tuple(self.cohorts)

    @property
    def start(self) -> dt.date:
        return min(self.cohorts.values())

    @property
    def last_start(self) -> dt.date:
        return max(self.cohorts.values())

    @property
    def staggered(self) -> bool:
        return len(set(self.cohorts.values())) > 1

    @cached_property
    def months(self) -> list[dt.date]:
        return list(self.panel.index)

    @cached_property
    def _matrix(self) -> np.ndarray:
        return self.panel.to_numpy(dtype=float)

    @cached_property
    def _position(self) -> dict[str, int]:
        return {str(c): i for i, c in enumerate(self.panel.columns)}

    def values(self, units: Sequence[str]) -> np.ndarray:
        """Counts of `units` (months x units) as a float array."""
        return self._matrix[:, [self._position[u] for u in units]]

    @cached_property
    def treated_values(self) -> np.ndarray:
        """The treated units' summed counts by month, as a float array."""
        return self.values(self.treated).sum(axis=1)

    def _index(self, month: dt.date) -> int:
        """Position of `month` in the panel (months are contiguous), clipped to 0..len."""
        first = self.months[0]
        return min(max((month.year - first.year) * 12 + month.month - first.month, 0), len(self.months))

    @property
    def pre_first(self) -> dt.date:
        """The first pre-period month."""
        return self.first if self.first is not None else self.months[0]

    @cached_property
    def pre_months(self) -> int:
        return self._index(self.start) - self._index(self.pre_first)

    @property
    def end(self) -> dt.date:
        """The last month of the post period."""
        return add_months(self.last_start, self.post_months - 1)

    def validated(self) -> Design:
        """Check the design can be evaluated; raise UsageError saying what is wrong, in one sentence."""
        months = self.months
        if not months:
            raise UsageError("there are no months of encounters to evaluate in this selection")
        if any(add_months(a, 1) != b for a, b in itertools.pairwise(months)):
            raise UsageError("the outcome series has gaps; months must be contiguous")
        if not self.cohorts:
            raise UsageError("no treated unit: give a policy or at least one treated citizenship")
        missing = [u for u in (*self.treated, *self.donors) if u not in self.panel.columns]
        if missing:
            raise UsageError(f"there is no outcome data for unit(s) {', '.join(missing)} in this selection")
        both = sorted(set(self.treated) & set(self.donors))
        if both:
            raise UsageError(f"unit(s) {', '.join(both)} cannot be both treated and a donor")
        for unit, start in self.cohorts.items():
            if start <= months[0] or start > months[-1]:
                raise UsageError(
                    f"start {start:%Y-%m} for {unit} is outside the data "
                    f"({months[0]:%Y-%m}..{months[-1]:%Y-%m} "
                    "for this selection); it must leave at least one month before it"
                )
        if self.first is not None and not months[0] <= self.first < self.start:
            raise UsageError(
                f"the pre period cannot start in {self.first:%Y-%m}: it must be between "
                f"{months[0]:%Y-%m} and the month before the start ({add_months(self.start, -1):%Y-%m})"
            )
        if self.pre_months < MIN_PRE_MONTHS:
            raise UsageError(
                f"only {self.pre_months} pre-period months before {self.start:%Y-%m} "
                f"(from {self.pre_first:%Y-%m}); at least {MIN_PRE_MONTHS} are needed"
            )
        if self.post_months < 1:
            raise UsageError("the post period must be at least 1 month")
        if self.end > months[-1]:
            raise UsageError(
                f"a post period of {self.post_months} months runs past the data: it would end in "
                f"{self.end:%Y-%m}, and the data end in {months[-1]:%Y-%m}"
            )
        if not 0 < self.alpha < 0.5:
            raise UsageError("alpha must be between 0 and 0.5")
        return self

    def window(self) -> Design:
        """The design cut to its pre period plus `post_months` after the (last) start."""
        rows = slice(self._index(self.pre_first), self._index(self.end) + 1)
        return replace(self, panel=self.panel.iloc[rows], first=None)

    def shifted(self, months: int, *, pre_months: int) -> Design:
        """The same design `months` earlier, with (at most) `pre_months` of pre period: a pseudo-treatment
        whose true effect is zero (used by the out-of-sample checks). Not validated."""
        cohorts = {u: add_months(m, -months) for u, m in self.cohorts.items()}
        first = add_months(min(cohorts.values()), -pre_months)
        last = add_months(max(cohorts.values()), self.post_months - 1)
        panel = self.panel.iloc[self._index(first) : self._index(last) + 1]
        return replace(self, panel=panel, cohorts=cohorts, first=None)

    def treated_series(self) -> pd.Series:
        """The treated units' summed counts by month (the series every effect is reported on)."""
        return pd.Series(self.treated_values, index=self.months)

    def post_mask(self) -> np.ndarray:
        return np.arange(len(self.months)) >= self._index(self.start)

    def describe_treated(self) -> str:
        """The treated units as a reader names them ("Colombia, El Salvador and Guatemala")."""
        if self.treated == (ALL_UNITS,):
            return "all citizenships"
        return names_of(self.treated)


def names_of(codes: Sequence[str]) -> str:
    """Country names for ISO3 codes, joined for a sentence: "A", "A and B", "A, B and C"."""
    from corridor.reference.countries import country_name

    names = [country_name(c) for c in codes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class Estimate:
    """What a method module returns for the treated aggregate.

    `counterfactual` covers every month of the window (fitted values before the start). The
    interval is given either on the log scale around the average log effect (`tau`, `tau_lo`,
    `tau_hi`) or directly as bounds of the post-period counterfactual total (`total_lo`, `total_hi`).
    `diagnostic` is None when the method's own pre-period check passes, else why it fails.
    """

    counterfactual: pd.Series
    p_value: float
    p_kind: str
    n_placebos: int
    interval_kind: str
    assumptions: list[str]
    tau: float | None = None
    tau_lo: float | None = None
    tau_hi: float | None = None
    total_lo: float | None = None
    total_hi: float | None = None
    band: pd.DataFrame | None = None  # optional per-month interval (columns lo, hi)
    # Staggered designs: post totals over treated unit-months only (else the summed series' post months).
    actual_total: float | None = None
    cf_total: float | None = None
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    diagnostic: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    """One evaluation method: its name, library, when it applies and how it estimates.

    `estimate(design, inference=False)` skips the placebo, permutation and interval work (the
    headline needs only the counterfactual, the pre-period fit and the method's own check).
    `point(design, cache)` is the log ratio of the actual to the counterfactual post-period total,
    without any inference: cheap enough to run at many pseudo-treatment dates. `cache` is a dict
    the caller keeps across those calls (e.g. for warm starts).
    """

    name: str
    library: str
    inference: str
    applicable: Callable[[Design], str | None]
    estimate: Callable[..., Estimate]
    point: Callable[[Design, dict[str, Any]], float]


def log_ratio(actual: float, counterfactual: float) -> float:
    """log(actual / counterfactual) of two post-period totals (nan when either is not positive)."""
    if not (actual > 0 and counterfactual > 0 and math.isfinite(counterfactual)):
        return math.nan
    return math.log(actual / counterfactual)


def smearing(residuals: np.ndarray) -> float:
    """Duan's (1983) smearing factor: the mean of exp(residual) over a log-scale fit's residuals.

    A counterfactual fitted on log counts and exponentiated estimates the median month, not the
    mean: exp(E[log y]) < E[y] (Jensen). Multiplying exp(prediction) by this factor estimates the
    mean without assuming the residuals are normal. 1.0 when there are no finite residuals."""
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r)]
    return float(np.mean(np.exp(r))) if len(r) else 1.0


def retransform(log_prediction: np.ndarray, factor: float | np.ndarray) -> np.ndarray:
    """Counts from a prediction of log(1 + counts): exp(prediction) x smearing factor - 1
    (`factor` may be an array that broadcasts, e.g. one factor a unit)."""
    return np.exp(np.asarray(log_prediction, dtype=float)) * factor - 1.0


def finite(x: float | None) -> float | None:
    """`x` as a float, or None when it is missing or not finite."""
    return float(x) if x is not None and math.isfinite(x) else None


def pct(x: float | None) -> str:
    """A signed percentage with one decimal ("n/a" when missing)."""
    return "n/a" if x is None else f"{100 * x:+.1f}%"


@dataclass
class EvaluationResult:
    """One method's evaluation: effects with intervals, fit, placebo p-value, assumptions, chart."""

    method: str
    library: str
    inference: str
    treated: tuple[str, ...]
    donors: tuple[str, ...]
    start: dt.date
    post_months: int
    effect_abs: float
    effect_abs_lo: float | None
    effect_abs_hi: float | None
    effect_rel: float
    effect_rel_lo: float | None
    effect_rel_hi: float | None
    effect_cum: float
    p_value: float
    p_kind: str
    n_placebos: int
    pre_rmspe: float
    pre_mape: float
    interval_kind: str
    alpha: float
    series: pd.DataFrame
    assumptions: list[str]
    notes: list[str]
    details: dict[str, Any]
    selection: str
    caption: str
    diagnostic: str | None = None
    actual_total: float = math.nan  # post-period actual total the relative effect is taken on
    n_post: int = 0  # months the monthly absolute effect is averaged over

    @property
    def significant(self) -> bool:
        return self.p_value <= self.alpha

    @property
    def log_effect(self) -> float:
        """log(1 + effect_rel): the scale the out-of-sample checks and the headline work on."""
        return math.log1p(self.effect_rel) if self.effect_rel > -1 else -math.inf

    def row(self) -> dict[str, Any]:
        """The JSON/table fields."""
        return {
            "method": self.method,
            "treated": ",".join(self.treated),
            "start": f"{self.start:%Y-%m}",
            "post_months": self.post_months,
            "effect_abs": self.effect_abs,
            "effect_abs_lo": self.effect_abs_lo,
            "effect_abs_hi": self.effect_abs_hi,
            "effect_rel": self.effect_rel,
            "effect_rel_lo": self.effect_rel_lo,
            "effect_rel_hi": self.effect_rel_hi,
            "effect_cum": self.effect_cum,
            "p_value": self.p_value,
            "p_kind": self.p_kind,
            "n_placebos": self.n_placebos,
            "pre_rmspe": self.pre_rmspe,
            "pre_mape": self.pre_mape,
            "n_donors": len(self.donors),
            "library": self.library,
            "interval": self.interval_kind,
            "diagnostic": self.diagnostic,
        }

    def tidy(self) -> pd.DataFrame:
        """One row: the effect, its interval, the p-value and the pre-period fit."""
        return pd.DataFrame([self.row()])

    def treated_names(self) -> str:
        """The treated units in words (country names; "all citizenships" for the total)."""
        return "all citizenships" if tuple(self.treated) == (ALL_UNITS,) else names_of(self.treated)

    def summary(self) -> str:
        from corridor.reference.labels import label

        lvl = f"{100 * (1 - self.alpha):.0f}%"
        lo, hi = self.effect_rel_lo, self.effect_rel_hi
        interval = f"[{pct(lo)}, {pct(hi)}]" if lo is not None and hi is not None else "[unbounded]"
        lines = [
            f"{label('method', self.method)} ({self.library}): treated {self.treated_names()} from "
            f"{self.start:%Y-%m}, "
            f"{self.post_months} post months, {len(self.donors)} donors.",
            f"  Effect: {pct(self.effect_rel)} {lvl} {interval}; {self.effect_abs:+,.0f} encounters a month "
            f"({self.effect_cum:+,.0f} in all).",
            f"  Placebo p-value: {self.p_value:.3f} ({self.p_kind}, {self.n_placebos} placebos). "
            f"Pre-period fit: RMSPE {self.pre_rmspe:,.0f} a month, MAPE {100 * self.pre_mape:.1f}%.",
            "  Assumptions: " + " ".join(self.assumptions),
        ]
        lines += [f"  Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def chart(self, *, events: Sequence[Any] = ()) -> dict[str, Any]:
        """Vega-Lite: actual vs counterfactual with its interval band, the start marked."""
        from corridor.reference.events import chart_layer
        from corridor.reference.labels import label

        values = [
            {
                "month": r.month.isoformat(),
                "actual": r.actual,
                "counterfactual": r.counterfactual,
                "lo": r.lo,
                "hi": r.hi,
            }
            for r in self.series.itertuples(index=False)
        ]
        x = {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%Y-%m"}}
        layers: list[dict[str, Any]] = [
            {
                "mark": {"type": "area", "opacity": 0.2, "color": "#d62728"},
                "transform": [{"filter": "isValid(datum.lo)"}],
                "encoding": {"x": x, "y": {"field": "lo", "type": "quantitative"}, "y2": {"field": "hi"}},
            },
            {
                "transform": [{"fold": ["actual", "counterfactual"], "as": ["series", "value"]}],
                "mark": {"type": "line", "point": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "title": "encounters a month"},
                    "color": {
                        "field": "series",
                        "type": "nominal",
                        "scale": {"domain": ["actual", "counterfactual"], "range": ["#1f77b4", "#d62728"]},
                    },
                    "strokeDash": {
                        "field": "series",
                        "type": "nominal",
                        "scale": {"domain": ["actual", "counterfactual"], "range": [[1, 0], [5, 3]]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "month", "type": "temporal", "format": "%Y-%m"},
                        {"field": "series"},
                        {"field": "value", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
            {
                "data": {"values": [{"month": self.start.isoformat()}]},
                "mark": {"type": "rule", "color": "black"},
                "encoding": {"x": {"field": "month", "type": "temporal"}},
            },
        ]
        months = self.series["month"]
        layers += chart_layer(list(events), months.min(), months.max(), field="month")
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {
                "text": f"{label('method', self.method)}: {self.treated_names()} actual vs counterfactual",
                "subtitle": textwrap.wrap(self.caption, 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 640,
            "height": 260,
            "data": {"values": values},
            "layer": layers,
        }


def summarise(design: Design, spec: MethodSpec, est: Estimate) -> EvaluationResult:
    """Turn a method's estimate into the effect numbers every method reports the same way."""
    actual = design.treated_series()
    cf = est.counterfactual.reindex(actual.index).astype(float)
    post = design.post_mask()
    n = int(post.sum())
    a_total = float(actual[post].sum()) if est.actual_total is None else est.actual_total
    c_total = float(cf[post].sum()) if est.cf_total is None else est.cf_total
    if not c_total > 0:
        raise UsageError(
            f"{spec.name}: the counterfactual is zero in the post period, so there is no relative effect"
        )
    if est.total_lo is not None or est.total_hi is not None:
        c_lo, c_hi = est.total_lo, est.total_hi
    elif est.tau is not None:
        c_lo = c_total * math.exp(est.tau - est.tau_hi) if est.tau_hi is not None else 0.0
        c_hi = c_total * math.exp(est.tau - est.tau_lo) if est.tau_lo is not None else math.inf
    else:
        c_lo, c_hi = 0.0, math.inf
    c_lo = 0.0 if c_lo is None or not math.isfinite(c_lo) else max(c_lo, 0.0)
    c_hi = math.inf if c_hi is None else c_hi
    c_lo, c_hi = min(c_lo, c_total), max(c_hi, c_total)
    pre = ~post
    err = (actual[pre] - cf[pre]).to_numpy()
    rmspe = float(np.sqrt(np.mean(err**2)))
    mape = float(np.mean(np.abs(err) / np.maximum(actual[pre].to_numpy(), 1.0)))
    if est.band is not None:
        lo_band, hi_band = est.band["lo"].reindex(actual.index), est.band["hi"].reindex(actual.index)
    else:
        lo_band = cf * (c_lo / c_total)
        hi_band = cf * (c_hi / c_total) if math.isfinite(c_hi) else pd.Series(np.nan, index=cf.index)
        lo_band[pre], hi_band[pre] = np.nan, np.nan
    notes = list(est.notes)
    if mape > POOR_FIT_MAPE:
        notes.append(
            f"poor pre-period fit (mean absolute error {100 * mape:.0f}% of the actual counts): "
            "the counterfactual is not credible on its own"
        )
    series = pd.DataFrame(
        {
            "month": list(actual.index),
            "period": np.where(post, "post", "pre"),
            "actual": actual.to_numpy(),
            "counterfactual": cf.to_numpy(),
            "lo": lo_band.to_numpy(),
            "hi": hi_band.to_numpy(),
        }
    )
    return EvaluationResult(
        method=spec.name,
        library=spec.library,
        inference=spec.inference,
        treated=design.treated,
        donors=design.donors,
        start=design.start,
        post_months=design.post_months,
        effect_abs=(a_total - c_total) / n,
        effect_abs_lo=finite((a_total - c_hi) / n),
        effect_abs_hi=finite((a_total - c_lo) / n),
        effect_rel=a_total / c_total - 1,
        effect_rel_lo=finite(a_total / c_hi - 1 if c_hi > 0 else math.nan),
        effect_rel_hi=finite(a_total / c_lo - 1 if c_lo > 0 else math.inf),
        effect_cum=a_total - c_total,
        p_value=float(est.p_value),
        p_kind=est.p_kind,
        n_placebos=est.n_placebos,
        pre_rmspe=rmspe,
        pre_mape=mape,
        interval_kind=est.interval_kind,
        alpha=design.alpha,
        series=series,
        assumptions=est.assumptions,
        notes=notes,
        details=est.details,
        selection=design.selection,
        caption=_caption(design, spec.name),
        diagnostic=est.diagnostic,
        actual_total=a_total,
        n_post=n,
    )


def _caption(design: Design, method: str) -> str:
    from corridor.reference.labels import label

    months = design.months
    return (
        f"{label('method', method)} evaluation of {design.describe_treated()} from {design.start:%Y-%m} "
        f"({design.post_months} post months; pre period "
        f"{months[0]:%Y-%m}..{add_months(design.start, -1):%Y-%m}). "
        f"{design.caption}"
    ).strip()


def placebo_p(actual: float, placebos: Sequence[float]) -> float:
    """Rank p-value: (1 + #placebos at least as extreme) / (1 + #placebos)."""
    arr = np.asarray([p for p in placebos if math.isfinite(p)], dtype=float)
    return float((1 + np.sum(arr >= actual - 1e-12)) / (1 + len(arr)))

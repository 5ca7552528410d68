"""Causal evaluation of policies: the shared base every method module builds on.

A `Design` is a months x units panel of counts with the treated units, their first treated
month, the donor units and the length of the post period. A method module (`its`, `synth`,
`did`, `structural`) turns a design into an `Estimate`: the treated units' counterfactual path,
an interval, and a placebo or permutation p-value. `summarise` turns that into the numbers every
method reports the same way (absolute and relative effect with an interval, pre-period fit), and
`run` runs one method or all that apply.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    """What an evaluation compares: counts by month (rows) and unit (columns), who is treated when."""

    panel: pd.DataFrame
    cohorts: dict[str, dt.date]
    donors: tuple[str, ...]
    post_months: int
    seed: int = 0
    alpha: float = 0.05
    selection: str = ""
    caption: str = ""

    @property
    def treated(self) -> tuple[str, ...]:
        return tuple(self.cohorts)

    @property
    def start(self) -> dt.date:
        return min(self.cohorts.values())

    @property
    def staggered(self) -> bool:
        return len(set(self.cohorts.values())) > 1

    @property
    def months(self) -> list[dt.date]:
        return list(self.panel.index)

    @property
    def pre_months(self) -> int:
        return sum(m < self.start for m in self.months)

    @property
    def end(self) -> dt.date:
        return self.months[-1]

    def validated(self) -> Design:
        """Check the design can be evaluated; raise UsageError saying what is wrong."""
        months = self.months
        if not months:
            raise UsageError("no months to evaluate")
        if any(add_months(a, 1) != b for a, b in itertools.pairwise(months)):
            raise UsageError("the outcome series has gaps; months must be contiguous")
        missing = [u for u in (*self.treated, *self.donors) if u not in self.panel.columns]
        if missing:
            raise UsageError(f"no outcome data for unit(s) {', '.join(missing)}")
        both = sorted(set(self.treated) & set(self.donors))
        if both:
            raise UsageError(f"unit(s) {', '.join(both)} cannot be both treated and a donor")
        for unit, first in self.cohorts.items():
            if first <= months[0] or first > months[-1]:
                raise UsageError(
                    f"start {first:%Y-%m} for {unit} is outside the data "
                    f"({months[0]:%Y-%m}..{months[-1]:%Y-%m} "
                    "for this selection); it must leave at least one month before it"
                )
        if self.pre_months < MIN_PRE_MONTHS:
            raise UsageError(
                f"only {self.pre_months} pre-period months before {self.start:%Y-%m} "
                f"(data start {months[0]:%Y-%m}); at least {MIN_PRE_MONTHS} are needed"
            )
        if self.post_months < 1:
            raise UsageError("--post must be at least 1 month")
        last = max(self.cohorts.values())
        if add_months(last, self.post_months - 1) > months[-1]:
            raise UsageError(
                f"--post {self.post_months} runs past the data: {last:%Y-%m} + {self.post_months} months > "
                f"{months[-1]:%Y-%m}"
            )
        if not 0 < self.alpha < 0.5:
            raise UsageError("alpha must be between 0 and 0.5")
        return self

    def window(self) -> Design:
        """The design cut to the pre period plus `post_months` after the (last) start."""
        last = add_months(max(self.cohorts.values()), self.post_months - 1)
        return Design(
            panel=self.panel.loc[[m for m in self.months if m <= last]],
            cohorts=self.cohorts,
            donors=self.donors,
            post_months=self.post_months,
            seed=self.seed,
            alpha=self.alpha,
            selection=self.selection,
            caption=self.caption,
        )

    def treated_series(self) -> pd.Series:
        """The treated units' summed counts by month (the series every effect is reported on)."""
        return self.panel[list(self.treated)].sum(axis=1).astype(float)

    def post_mask(self) -> np.ndarray:
        return np.array([m >= self.start for m in self.months])

    def describe_treated(self) -> str:
        return "all citizenships" if self.treated == (ALL_UNITS,) else ",".join(self.treated)


@dataclass
class Estimate:
    """What a method module returns for the treated aggregate.

    `counterfactual` covers every month of the window (fitted values before the start). The
    interval is given either on the log scale around the average log effect (`tau`, `tau_lo`,
    `tau_hi`) or directly as bounds of the post-period counterfactual total (`total_lo`, `total_hi`).
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


@dataclass(frozen=True)
class MethodSpec:
    """One evaluation method: its name, library, when it applies and how it estimates."""

    name: str
    library: str
    inference: str
    applicable: Callable[[Design], str | None]
    estimate: Callable[[Design], Estimate]


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


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

    @property
    def significant(self) -> bool:
        return self.p_value <= self.alpha

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
        }

    def tidy(self) -> pd.DataFrame:
        """One row: the effect, its interval, the p-value and the pre-period fit."""
        return pd.DataFrame([self.row()])

    def summary(self) -> str:
        lvl = f"{100 * (1 - self.alpha):.0f}%"
        lo, hi = self.effect_rel_lo, self.effect_rel_hi
        interval = f"[{_pct(lo)}, {_pct(hi)}]" if lo is not None and hi is not None else "[unbounded]"
        lines = [
            f"{self.method} ({self.library}): treated {','.join(self.treated)} from {self.start:%Y-%m}, "
            f"{self.post_months} post months, {len(self.donors)} donors.",
            f"  Effect: {_pct(self.effect_rel)} {lvl} {interval}; {self.effect_abs:+,.0f} encounters a month "
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

        values = []
        for r in self.series.itertuples(index=False):
            values.append(
                {
                    "month": r.month.isoformat(),
                    "actual": r.actual,
                    "counterfactual": r.counterfactual,
                    "lo": r.lo,
                    "hi": r.hi,
                }
            )
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
                "text": f"{self.method}: {','.join(self.treated)} actual vs counterfactual",
                "subtitle": textwrap.wrap(self.caption, 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 640,
            "height": 260,
            "data": {"values": values},
            "layer": layers,
        }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f}%"


def summarise(design: Design, spec: MethodSpec, est: Estimate) -> EvaluationResult:
    """Turn a method's estimate into the effect numbers every method reports the same way."""
    actual = design.treated_series()
    cf = est.counterfactual.reindex(actual.index).astype(float)
    post = design.post_mask()
    n = int(post.sum())
    a_total = float(actual[post].sum()) if est.actual_total is None else est.actual_total
    c_total = float(cf[post].sum()) if est.cf_total is None else est.cf_total
    if c_total <= 0:
        raise UsageError(f"{spec.name}: the counterfactual is zero in the post period; no relative effect")
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
        effect_abs_lo=_finite((a_total - c_hi) / n),
        effect_abs_hi=_finite((a_total - c_lo) / n),
        effect_rel=a_total / c_total - 1,
        effect_rel_lo=_finite(a_total / c_hi - 1 if c_hi > 0 else math.nan),
        effect_rel_hi=_finite(a_total / c_lo - 1 if c_lo > 0 else math.inf),
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
    )


def _caption(design: Design, method: str) -> str:
    months = design.months
    return (
        f"{method} evaluation of {design.describe_treated()} from {design.start:%Y-%m} "
        f"({design.post_months} post months; pre period "
        f"{months[0]:%Y-%m}..{add_months(design.start, -1):%Y-%m}). "
        f"{design.caption}"
    ).strip()


def placebo_p(actual: float, placebos: Sequence[float]) -> float:
    """Rank p-value: (1 + #placebos at least as extreme) / (1 + #placebos)."""
    arr = np.asarray([p for p in placebos if math.isfinite(p)], dtype=float)
    return float((1 + np.sum(arr >= actual - 1e-12)) / (1 + len(arr)))


def registry() -> dict[str, MethodSpec]:
    """Every evaluation method, by name (imported here to keep one method a module)."""
    from corridor.analysis import did, its, structural, synth

    return {m.METHOD.name: m.METHOD for m in (its, synth, did, structural)}


@dataclass
class EvaluationSet:
    """The results of one or more methods on one design, side by side."""

    design: Design
    results: list[EvaluationResult]
    skipped: dict[str, str]
    notes: list[str] = field(default_factory=list)
    metadata_: dict[str, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # policy events to mark on charts

    def __getitem__(self, method: str) -> EvaluationResult:
        for r in self.results:
            if r.method == method:
                return r
        raise KeyError(method)

    def tidy(self) -> pd.DataFrame:
        """One row a method: effects, intervals, p-values, pre-period fit."""
        return pd.DataFrame([r.row() for r in self.results])

    def table(self) -> pd.DataFrame:
        """A compact side-by-side table for people (percentages and rounded counts)."""
        rows = []
        for r in self.results:
            rows.append(
                {
                    "method": r.method,
                    "effect_rel": _pct(r.effect_rel),
                    f"{100 * (1 - r.alpha):.0f}% interval": (
                        f"{_pct(r.effect_rel_lo)} .. {_pct(r.effect_rel_hi)}"
                    ),
                    "effect_abs_per_month": round(r.effect_abs),
                    "p_value": round(r.p_value, 3),
                    "placebos": f"{r.p_kind} (n={r.n_placebos})",
                    "pre_rmspe": round(r.pre_rmspe),
                    "pre_mape": f"{100 * r.pre_mape:.1f}%",
                }
            )
        return pd.DataFrame(rows)

    def metadata(self) -> dict[str, Any]:
        d = self.design
        meta = {
            "treated": list(d.treated),
            "cohorts": {u: f"{m:%Y-%m}" for u, m in d.cohorts.items()},
            "donors": list(d.donors),
            "start": f"{d.start:%Y-%m}",
            "post_months": d.post_months,
            "pre_period": f"{d.months[0]:%Y-%m}..{add_months(d.start, -1):%Y-%m}",
            "selection": d.selection,
            "seed": d.seed,
            "alpha": d.alpha,
            "unit": "encounters (events, not unique people)",
            "methods": {
                r.method: {
                    "library": r.library,
                    "inference": r.inference,
                    "interval": r.interval_kind,
                    "p_value_kind": r.p_kind,
                    "assumptions": r.assumptions,
                    "notes": r.notes,
                    "details": _jsonable(r.details),
                }
                for r in self.results
            },
            "skipped": self.skipped,
            "notes": self.notes,
        }
        meta.update(self.metadata_)
        return meta

    def caption(self) -> str:
        d = self.design
        parts = [
            f"Evaluation of {d.describe_treated()} from {d.start:%Y-%m}, {d.post_months} post months, "
            f"{len(d.donors)} donor units; {d.caption}"
        ]
        if self.skipped:
            parts.append("Not run: " + "; ".join(f"{k} ({v})" for k, v in self.skipped.items()) + ".")
        parts += self.notes
        return " ".join(parts)

    def summary(self) -> str:
        return "\n\n".join([self.caption(), *(r.summary() for r in self.results)])

    def chart(self, *, events: Sequence[Any] | None = None) -> dict[str, Any]:
        """Vega-Lite: the actual series with every method's counterfactual, start and events marked."""
        from corridor.reference.events import chart_layer

        events = self.events if events is None else events
        if len(self.results) == 1:
            return self.results[0].chart(events=events)
        first = self.results[0].series
        values = [
            {"month": m.isoformat(), "series": "actual", "value": v}
            for m, v in zip(first["month"], first["actual"], strict=True)
        ]
        for r in self.results:
            values += [
                {"month": m.isoformat(), "series": r.method, "value": v}
                for m, v in zip(r.series["month"], r.series["counterfactual"], strict=True)
            ]
        x = {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%Y-%m"}}
        layers: list[dict[str, Any]] = [
            {
                "data": {"values": values},
                "mark": {"type": "line"},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "title": "encounters a month"},
                    "color": {"field": "series", "type": "nominal", "title": None},
                    "strokeDash": {
                        "condition": {"test": "datum.series === 'actual'", "value": [1, 0]},
                        "value": [5, 3],
                    },
                    "tooltip": [
                        {"field": "month", "type": "temporal", "format": "%Y-%m"},
                        {"field": "series"},
                        {"field": "value", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
            {
                "data": {"values": [{"month": self.design.start.isoformat()}]},
                "mark": {"type": "rule", "color": "black"},
                "encoding": {"x": {"field": "month", "type": "temporal"}},
            },
        ]
        layers += chart_layer(list(events), first["month"].min(), first["month"].max(), field="month")
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {
                "text": f"{self.design.describe_treated()}: actual vs counterfactual, by method",
                "subtitle": textwrap.wrap(self.caption(), 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 640,
            "height": 280,
            "layer": layers,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        from corridor.output import records

        return records(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def run(design: Design, *, method: Method | Literal["all"] = "all") -> EvaluationSet:
    """Evaluate `design` with one method, or every method that applies (`all`)."""
    methods = registry()
    if method != "all" and method not in methods:
        raise UsageError(f"--method {method!r} is not one of {', '.join([*METHODS, 'all'])}")
    design = design.validated().window()
    chosen = list(methods) if method == "all" else [method]
    results, skipped = [], {}
    for name in chosen:
        spec = methods[name]
        reason = spec.applicable(design)
        if reason is not None:
            if method != "all":
                raise UsageError(f"--method {name} does not apply here: {reason}")
            skipped[name] = reason
            continue
        results.append(summarise(design, spec, spec.estimate(design)))
    if not results:
        raise UsageError(
            "no method applies to this design: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    return EvaluationSet(design=design, results=results, skipped=skipped)


# --- seeded synthetic panels (for tests, benchmarks and documentation) ------------------------


def synthetic_panel(
    *,
    n_units: int = 20,
    n_treated: int = 1,
    months: int = 48,
    start_index: int = 36,
    effect: float = -0.5,
    seed: int = 0,
    level: tuple[float, float] = (6.5, 8.5),
    trend: float = 0.01,
    noise: float = 0.08,
    common_noise: float = 0.1,
    rho: float = 0.5,
    stagger: int = 0,
) -> tuple[pd.DataFrame, dict[str, dt.date]]:
    """A seeded months x units panel of Poisson counts with a known relative `effect` (-0.5 = -50%).

    log mean = unit level + common trend and season + common AR(1) shock + unit AR(1) noise; the
    first `n_treated` units (T00, T01, ...) are multiplied by 1 + effect from `start_index`
    (later by `stagger` months for every second treated unit). Returns (panel, cohorts).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    common = np.zeros(months)
    shocks = rng.normal(0, common_noise * np.sqrt(1 - rho**2), months)
    for i in range(months):
        common[i] = (rho * common[i - 1] if i else 0) + shocks[i]
    season = 0.15 * np.sin(2 * np.pi * t / 12) + 0.05 * np.cos(2 * np.pi * t / 12)
    base = trend * t + season + common
    first = dt.date(2018, 1, 1)
    index = [add_months(first, int(i)) for i in t]
    names = [f"T{i:02d}" for i in range(n_treated)] + [f"D{i:02d}" for i in range(n_units - n_treated)]
    cohorts: dict[str, dt.date] = {}
    data = {}
    for j, name in enumerate(names):
        alpha = rng.uniform(*level)
        e = np.zeros(months)
        eps = rng.normal(0, noise * np.sqrt(1 - rho**2), months)
        for i in range(months):
            e[i] = (rho * e[i - 1] if i else 0) + eps[i]
        log_mu = alpha + base + e
        if j < n_treated:
            s = start_index + (stagger if j % 2 else 0)
            cohorts[name] = index[s]
            log_mu = log_mu + np.where(t >= s, math.log1p(effect), 0.0)
        data[name] = rng.poisson(np.exp(log_mu)).astype(float)
    return pd.DataFrame(data, index=index), cohorts


def synthetic_design(*, post_months: int = 12, seed: int = 0, **kwargs: Any) -> Design:
    """A `Design` over `synthetic_panel(seed=seed, **kwargs)`: treated T.., donors D.."""
    panel, cohorts = synthetic_panel(seed=seed, **kwargs)
    donors = tuple(c for c in panel.columns if c not in cohorts)
    return Design(
        panel=panel,
        cohorts=cohorts,
        donors=donors,
        post_months=post_months,
        seed=seed,
        selection="synthetic panel",
        caption=f"Source: seeded synthetic panel (seed {seed}).",
    )

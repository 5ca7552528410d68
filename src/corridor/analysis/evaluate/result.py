"""The answer of an evaluation: every method's result side by side, the headline and the verdict."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor import jsonio
from corridor.analysis.evaluate.backtest import Backtest
from corridor.analysis.evaluate.base import Design, EvaluationResult, pct
from corridor.analysis.evaluate.headline import Headline, verdict
from corridor.reference.calendar import add_months


@dataclass
class EvaluationSet:
    """The results of one or more methods on one design, with one headline and a verdict."""

    design: Design
    results: list[EvaluationResult]
    skipped: dict[str, str]
    headline: Headline
    backtest: Backtest
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata_: dict[str, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # policy events to mark on charts
    excluded: tuple[str, ...] = ()  # citizenships left out of an all-citizenship treated group

    def __getitem__(self, method: str) -> EvaluationResult:
        for r in self.results:
            if r.method == method:
                return r
        raise KeyError(method)

    def verdict(self) -> str:
        """The answer in plain words: the headline effect, its interval, and how far methods agree."""
        return verdict(self.headline, self.design, excluded=self.excluded)

    def tidy(self) -> pd.DataFrame:
        """One row a method: effects, intervals, p-values, pre-period fit."""
        return pd.DataFrame([r.row() for r in self.results])

    def table(self) -> pd.DataFrame:
        """A compact side-by-side table for people (percentages and rounded counts); the headline
        method is marked with an asterisk."""
        from corridor.reference.labels import label

        rows = []
        for r in self.results:
            star = " *" if self.headline.weights.get(r.method) == 1.0 else ""
            rows.append(
                {
                    "method": label("method", r.method) + star,
                    "effect": pct(r.effect_rel),
                    f"{100 * (1 - r.alpha):.0f}% CI": _interval(r.effect_rel_lo, r.effect_rel_hi),
                    "p": round(r.p_value, 3),
                    "pre-fit": f"{100 * r.pre_mape:.0f}%",
                    "held-out": _oos(self.backtest.rmse(r.method)),
                }
            )
        return pd.DataFrame(rows)

    def metadata(self) -> dict[str, Any]:
        """Design, methods, headline, verdict and warnings as JSON-ready data."""
        d = self.design
        meta = {
            "verdict": self.verdict(),
            "headline": self.headline.to_dict(),
            "warnings": list(self.warnings),
            "treated": list(d.treated),
            "cohorts": {u: f"{m:%Y-%m}" for u, m in d.cohorts.items()},
            "donors": list(d.donors),
            "start": f"{d.start:%Y-%m}",
            "post_months": d.post_months,
            "pre_period": f"{d.months[0]:%Y-%m}..{add_months(d.start, -1):%Y-%m}",
            "post_period": f"{d.start:%Y-%m}..{d.end:%Y-%m}",
            "unsettled_rules": d.unsettled or None,
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
                    "diagnostic": r.diagnostic,
                    "details": r.details,
                }
                for r in self.results
            },
            "skipped": self.skipped,
            "notes": self.notes,
        }
        meta.update(self.metadata_)
        return jsonio.plain(meta)

    def caption(self) -> str:
        d = self.design
        parts = [
            f"Evaluation of {d.describe_treated()} from {d.start:%Y-%m}, {d.post_months} post months, "
            f"pre period {d.months[0]:%Y-%m}..{add_months(d.start, -1):%Y-%m}, {len(d.donors)} donor units; "
            f"{d.caption}"
        ]
        if self.skipped:
            parts.append("Not run: " + "; ".join(f"{k} ({v})" for k, v in self.skipped.items()) + ".")
        parts += self.notes
        return " ".join(parts)

    def summary(self) -> str:
        return "\n\n".join([self.verdict(), self.caption(), *(r.summary() for r in self.results)])

    def chart(self, *, events: Sequence[Any] | None = None) -> dict[str, Any]:
        """Vega-Lite: the actual series with every method's counterfactual, start and events marked."""
        from corridor.reference.events import chart_layer
        from corridor.reference.labels import label

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
                {"month": m.isoformat(), "series": label("method", r.method), "value": v}
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
                "subtitle": textwrap.wrap(self.verdict() + " " + self.caption(), 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 640,
            "height": 280,
            "layer": layers,
        }


def _interval(lo: float | None, hi: float | None) -> str:
    """A compact interval ("-99..-91%"; "n/a" for an open end)."""
    a = "n/a" if lo is None else f"{100 * lo:+.0f}"
    b = "n/a" if hi is None else f"{100 * hi:+.0f}%"
    return f"{a}..{b}"


def _oos(log_rmse: float) -> str:
    import math

    return "–" if not math.isfinite(log_rmse) else f"{100 * math.expm1(log_rmse):.0f}%"

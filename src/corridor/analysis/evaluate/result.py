"""The answer of an evaluation: every method's result side by side, the headline and the verdict."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor import jsonio
from corridor.analysis.evaluate.backtest import Backtest
from corridor.analysis.evaluate.base import Design, EvaluationResult, pct
from corridor.analysis.evaluate.headline import Headline, row_label, verdict
from corridor.fmt import cell
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

    def failed_checks(self) -> dict[str, str]:
        """Why each method that fails its checks cannot be believed (methods that pass are absent).

        The same rule decides which methods may be the headline, so the table, the chart and the
        verdict never disagree about which estimates count."""
        return {m: why for m, why in self.headline.eligible.items() if why}

    def tidy(self) -> pd.DataFrame:
        """One row a method: effects, intervals, p-values, pre-period fit, its checks, and its
        weight in the headline (missing when the headline is inconclusive or leaves it out)."""
        frame = pd.DataFrame([r.row() for r in self.results])
        failed = self.failed_checks()
        checks = [_sentence(failed[r.method]) if r.method in failed else "passes" for r in self.results]
        frame.insert(1, "checks", checks)
        frame.insert(2, "headline_weight", [self._weight(r.method) for r in self.results])
        return frame

    def _weight(self, method: str) -> float | None:
        """`method`'s share of a conclusive headline (None: not in it, or no headline)."""
        h = self.headline
        w = h.weights.get(method) if h.conclusive and h.effect_rel is not None else None
        return float(w) if w else None

    def table(self) -> pd.DataFrame:
        """A compact side-by-side table for people (percentages and rounded counts); each method in the
        headline shows its share of it in brackets (100% for a single method). A method that fails its checks
        (marked with a dagger) shows no effect: its estimate is in `tidy()` and the JSON, not
        offered to a reader as an answer."""
        from corridor.reference.labels import label

        rows = []
        h = self.headline
        if h.conclusive and h.effect_rel is not None and len(self.results) > 1:
            rows.append(
                {
                    "method": row_label(h.to_dict()),
                    "effect": pct(h.effect_rel),
                    f"{100 * h.level:.0f}% CI": _interval(h.effect_rel_lo, h.effect_rel_hi),
                    "p": cell(h.p_value, "p"),
                    "pre-fit": "",
                    "held-out": "",
                }
            )
        failed = self.failed_checks()
        for r in self.results:
            mark = " †" if r.method in failed else ""
            ok = r.method not in failed
            w = self._weight(r.method)
            share = f" ({w:.0%})" if w else ""
            rows.append(
                {
                    "method": label("method", r.method) + share + mark,
                    "effect": pct(r.effect_rel) if ok else "–",
                    f"{100 * (1 - r.alpha):.0f}% CI": _interval(r.effect_rel_lo, r.effect_rel_hi)
                    if ok
                    else "–",
                    "p": cell(r.p_value, "p") if ok else "–",
                    "pre-fit": f"{100 * r.pre_mape:.0f}%",
                    "held-out": _oos(self.backtest.rmse(r.method)),
                }
            )
        return pd.DataFrame(rows)

    def headline_counterfactual(self) -> np.ndarray | None:
        """The headline's counterfactual by month: its method's, or for a combination the weighted
        geometric mean of its methods' (None when the headline has no weights)."""
        weights = {m: w for m, w in self.headline.weights.items() if w > 0}
        if not weights:
            return None
        logs = sum(
            w * np.log(np.clip(np.asarray(self[m].series["counterfactual"], dtype=float), 1e-9, None))
            for m, w in weights.items()
        )
        return np.exp(np.asarray(logs) / sum(weights.values()))

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
        """What was compared, over which months, and where the counts come from. Why the design is
        what it is (window, donors, common shocks) is `design_note()`, kept apart so the caption
        under a table or chart stays a source line a reader can take in."""
        d = self.design
        parts = [
            f"Evaluation of {d.describe_treated()} from {d.start:%Y-%m}, {d.post_months} post months, "
            f"pre period {d.months[0]:%Y-%m}..{add_months(d.start, -1):%Y-%m}, {len(d.donors)} donor units; "
            f"{d.caption}"
        ]
        if self.skipped:
            parts.append("Not run: " + "; ".join(f"{k} ({v})" for k, v in self.skipped.items()) + ".")
        return " ".join(parts)

    def design_note(self) -> str:
        """How the design was chosen: the pre and post windows, the donors left out and why, and the
        policies treated as common shocks, in sentences."""
        return " ".join(self.notes)

    def summary(self) -> str:
        note = self.design_note()
        design = [f"How the design was chosen: {note}"] if note else []
        return "\n\n".join([self.verdict(), self.caption(), *design, *(r.summary() for r in self.results)])

    def chart(self, *, events: Sequence[Any] | None = None) -> dict[str, Any]:
        """Vega-Lite: the actual series with the counterfactual of every method that passes its checks,
        start and events marked. A method that fails them is left off: its line is not a credible
        path, and one wild line would set the scale and flatten everything else."""
        from corridor.reference.events import chart_layer
        from corridor.reference.labels import label

        events = self.events if events is None else events
        if len(self.results) == 1:
            return self.results[0].chart(events=events)
        failed = self.failed_checks()
        drawn = [r for r in self.results if r.method not in failed]
        first = self.results[0].series
        values = [
            {"month": m.isoformat(), "series": "actual", "value": v}
            for m, v in zip(first["month"], first["actual"], strict=True)
        ]
        for r in drawn:
            values += [
                {"month": m.isoformat(), "series": label("method", r.method), "value": v}
                for m, v in zip(r.series["month"], r.series["counterfactual"], strict=True)
            ]
        d = self.design
        if drawn:
            title = f"{d.describe_treated()}: actual vs counterfactual, by method"
            what = "Dashed: what each method that passes its checks predicts without the policy."
        else:
            title = f"{d.describe_treated()}: actual encounters"
            what = "No method's counterfactual passes its checks, so none is drawn."
        if failed and drawn:
            what += " Not drawn (fails its checks): " + ", ".join(label("method", m) for m in failed) + "."
        # The scale follows the actual series and the headline's counterfactual (for a combination,
        # the weighted geometric mean of its methods' counterfactuals, as its log estimate weighs
        # them); another method's line that runs far above them is cut at the top and named,
        # instead of flattening both.
        shown = [first["actual"]]
        headline_path = self.headline_counterfactual()
        if headline_path is not None:
            shown.append(headline_path)
        top = 1.2 * max(float(np.nanmax(np.asarray(v, dtype=float))) for v in shown)
        above = {
            label("method", r.method): float(np.nanmax(np.asarray(r.series["counterfactual"], dtype=float)))
            for r in drawn
        }
        above = {m: v for m, v in above.items() if v > top}
        if above:
            what += (
                " Cut at the top of the chart: "
                + ", ".join(f"{m} (up to {v:,.0f} a month)" for m, v in above.items())
                + "."
            )
        period = (
            f" Pre period {d.months[0]:%Y-%m}..{add_months(d.start, -1):%Y-%m}; "
            f"post period {d.start:%Y-%m}..{d.end:%Y-%m}."
        )
        x = {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%Y-%m"}}
        layers: list[dict[str, Any]] = [
            {
                "data": {"values": values},
                "mark": {"type": "line", "clip": True},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": "encounters a month",
                        **({"scale": {"domain": [0, top]}} if above else {}),
                    },
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
                "text": title,
                "subtitle": textwrap.wrap(what + period + " " + _source(d.caption), 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 640,
            "height": 280,
            "layer": layers,
        }


def _sentence(reason: str) -> str:
    """A check's reason as a table cell: "fails: its pre-period fit is off by 445% on average"."""
    return f"fails: {reason.rstrip('.')}"


def _source(caption: str) -> str:
    """The "Source: ... (period)." sentence of a selection's caption (the whole caption if none)."""
    import re

    found = re.search(r"Source: .*?\)\.(?=\s|$)", caption)
    return found.group(0) if found else caption


def _interval(lo: float | None, hi: float | None) -> str:
    """A compact interval ("-99..-91%"; "n/a" for an open end)."""
    a = "n/a" if lo is None else f"{100 * lo:+.0f}"
    b = "n/a" if hi is None else f"{100 * hi:+.0f}%"
    return f"{a}..{b}"


def _oos(log_rmse: float) -> str:
    import math

    return "–" if not math.isfinite(log_rmse) else f"{100 * math.expm1(log_rmse):.0f}%"

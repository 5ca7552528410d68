"""Run a results framework against the warehouse: series per indicator, scores, roll-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor.errors import CorridorError, UsageError
from corridor.indicators import expand_countries, known_ids
from corridor.strategy.framework import Framework, IndicatorSpec
from corridor.strategy.scoring import IndicatorScore, band, score_series

COUNT_UNITS = ("people", "events", "US$", "usd", "persons", "count")


@dataclass
class IndicatorResult:
    spec: IndicatorSpec
    pillar: str
    score: IndicatorScore
    series: pd.Series
    source: str
    evaluation: str = ""


@dataclass
class PillarResult:
    id: str
    title: str
    weight: float
    score: float | None
    band: str
    indicators: list[IndicatorResult]
    gaps: tuple[str, ...]


@dataclass
class TrackResult:
    """A scored framework: goal indicators, pillars (with bands) and the overall score."""

    framework: Framework
    goal: list[IndicatorResult]
    pillars: list[PillarResult]
    score: float | None
    band: str
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        rows = []
        for pillar_id, pillar_title, items in [("goal", "Goal", self.goal)] + [
            (p.id, p.title, p.indicators) for p in self.pillars
        ]:
            for r in items:
                s = r.score
                rows.append(
                    {
                        "pillar": pillar_id,
                        "indicator": r.spec.id,
                        "label": r.spec.label,
                        "direction": r.spec.direction,
                        "baseline_year": s.baseline_year,
                        "baseline": s.baseline,
                        "latest_year": s.latest_year,
                        "latest": s.latest,
                        "change": s.change,
                        "change_pct": s.change_pct,
                        "status": s.status,
                        "score": s.score,
                        "target": r.spec.target["value"] if r.spec.target else None,
                        "target_year": r.spec.target["by"] if r.spec.target else None,
                        "evaluation": r.evaluation,
                        "method": s.method,
                        "source": r.source,
                        "weight": r.spec.weight,
                        "pillar_title": pillar_title,
                    }
                )
        return pd.DataFrame(rows)

    def pillars_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "pillar": p.id,
                    "title": p.title,
                    "score": None if p.score is None else round(p.score, 3),
                    "band": p.band,
                    "indicators": sum(1 for i in p.indicators if i.score.score is not None),
                    "no_data": "; ".join(p.gaps),
                }
                for p in self.pillars
            ]
        )

    def caption(self) -> str:
        return (
            f"{self.framework.title} ({self.framework.published}). Scored from the Corridor warehouse: "
            "improving = 1, no clear change = 0.5, worsening = 0; weighted means by pillar and overall; "
            "bands green >= 0.67, amber >= 0.33, red below. 'No clear change' is judged against published "
            "standard errors where they exist, else against each series' own year-to-year variation."
        )

    def summary(self) -> str:
        score = "n/a" if self.score is None else f"{self.score:.2f}"
        return f"{self.framework.title}: overall {score} ({self.band})"

    def to_dict(self) -> dict[str, Any]:
        from corridor.jsonio import records

        return {
            "framework": self.framework.id,
            "title": self.framework.title,
            "score": self.score,
            "band": self.band,
            "pillars": records(self.pillars_frame()),
            "indicators": records(self.tidy()),
            "notes": self.notes,
        }


def _indicator_series(
    obs: Any, spec: IndicatorSpec, scope: tuple[str, ...]
) -> tuple[pd.Series, pd.Series | None, str, bool]:
    """(yearly series, standard errors or None, source line, counts?) for one indicator."""
    if spec.kind == "indicators":
        q = spec.query
        ind = q["indicator"]
        countries = expand_countries(q.get("country") or list(scope))
        combine = q.get("combine", "mean")
        res = obs.indicators(indicator=ind, country=countries)
        frame = res.tidy()
        wide = frame.pivot_table(index="year", columns="iso3", values="value")
        complete = wide.dropna(how="any") if set(countries) <= set(wide.columns) else wide.iloc[0:0]
        series = complete.sum(axis=1) if combine == "sum" else complete.mean(axis=1)
        se = None
        if f"{ind}_se" in known_ids(obs.con):
            ses = obs.indicators(indicator=f"{ind}_se", country=countries).tidy()
            sw = ses.pivot_table(index="year", columns="iso3", values="value").dropna(how="any")
            n = len(countries)
            se = (sw.pow(2).sum(axis=1) ** 0.5) / (n if combine == "mean" else 1)
        unit = str(frame["unit"].iloc[0]) if len(frame) else ""
        counts = any(u.lower() in unit.lower() for u in COUNT_UNITS) and "%" not in unit
        who = ", ".join(countries)
        return series, se, f"{res.caption()} ({combine} over {who})", counts
    flt = {k: v for k, v in spec.query.items()}
    result = obs.flows(by="fiscal_year", **flt)
    frame = result.tidy().set_index("fiscal_year")["encounters"].astype(float)
    partial = {int(p.split()[0][2:]) for p in result.partial_periods}
    frame = frame[~frame.index.isin(partial)]
    if spec.share_of is not None:
        denom = obs.flows(by="fiscal_year", **spec.share_of).tidy().set_index("fiscal_year")["encounters"]
        frame = (frame / denom.reindex(frame.index) * 100).dropna()
        return frame, None, result.caption() + " (as % of the wider selection)", False
    return frame, None, result.caption(), True


def _evaluation(obs: Any, spec: IndicatorSpec) -> str:
    if not spec.evaluation or not hasattr(obs, "evaluate"):
        return ""
    try:
        res = obs.evaluate(**spec.evaluation)
    except (CorridorError, TypeError) as exc:
        return f"evaluation unavailable: {exc}"
    summary = getattr(res, "headline", None) or getattr(res, "summary", None)
    return summary() if callable(summary) else str(summary or "")


def _score_one(
    obs: Any,
    spec: IndicatorSpec,
    pillar: str,
    scope: tuple[str, ...],
    file: str,
    noise: tuple[np.ndarray, str] | None = None,
) -> IndicatorResult:
    try:
        series, se, source, counts = _indicator_series(obs, spec, scope)
    except UsageError as exc:
        empty = IndicatorScore(None, None, None, None, None, None, None, "no data", str(exc))
        return IndicatorResult(spec, pillar, empty, pd.Series(dtype=float), "", "")
    if len(series) and not (series.index.min() <= spec.baseline <= series.index.max()):
        raise UsageError(
            f"{file}: {spec.path}.baseline: {spec.baseline} is outside the data for {spec.id} "
            f"({int(series.index.min())}..{int(series.index.max())})"
        )
    ref, ref_name = (None, "")
    if spec.kind == "flows" and spec.share_of is None:
        ref, ref_name = noise if noise is not None else _encounter_noise(obs)
    score = score_series(
        series,
        direction=spec.direction,
        baseline=spec.baseline,
        se=se,
        log_scale=counts,
        reference=ref,
        reference_name=ref_name,
    )
    if spec.target:
        score.target, score.target_year = float(spec.target["value"]), int(spec.target["by"])
    return IndicatorResult(spec, pillar, score, series, source, _evaluation(obs, spec))


def _encounter_noise(obs: Any) -> tuple[np.ndarray, str]:
    """Yearly log changes of the Border Patrol southwest series (complete fiscal years)."""
    res = obs.flows(component="usbp", region="southwest", by="fiscal_year")
    frame = res.tidy()
    partial = {int(p.split()[0][2:]) for p in res.partial_periods}
    complete = frame[~frame["fiscal_year"].isin(partial)]
    values = complete["encounters"].to_numpy(dtype=float)
    first, last = int(complete["fiscal_year"].min()), int(complete["fiscal_year"].max())
    return np.diff(np.log(values)), f"Border Patrol southwest encounters FY{first}-FY{last}"


def _rollup(items: list[tuple[float, float | None]]) -> float | None:
    scored = [(w, s) for w, s in items if s is not None and w > 0]
    if not scored:
        return None
    return sum(w * s for w, s in scored) / sum(w for w, _ in scored)


def validate_ids(obs: Any, fw: Framework) -> None:
    """Unknown indicator ids are an error in the file, not a silent 'no data'."""
    known = known_ids(obs.con)
    for spec in [*fw.goal_indicators, *(i for p in fw.pillars for i in p.indicators)]:
        if spec.kind == "indicators" and spec.query["indicator"] not in known:
            raise UsageError(
                f"{fw.file}: {spec.path}.query.indicators.indicator: unknown indicator id "
                f"{spec.query['indicator']!r} (see `corridor indicators --list`)"
            )


def track(obs: Any, fw: Framework) -> TrackResult:
    """Score every indicator and roll up to pillars and the whole strategy."""
    validate_ids(obs, fw)
    noise = _encounter_noise(obs)
    goal = [_score_one(obs, s, "goal", fw.scope, fw.file, noise) for s in fw.goal_indicators]
    pillars = []
    for p in fw.pillars:
        results = [_score_one(obs, s, p.id, fw.scope, fw.file, noise) for s in p.indicators]
        score = _rollup([(r.spec.weight, r.score.score) for r in results])
        pillars.append(PillarResult(p.id, p.title, p.weight, score, band(score), results, p.gaps))
    overall = _rollup([(p.weight, p.score) for p in pillars])
    return TrackResult(fw, goal, pillars, overall, band(overall), list(fw.notes))

"""Run a results framework against the warehouse: series per indicator, scores, roll-ups.

Every status comes from `scoring.score_series`, the one rule the country profiles use too
(`score_indicator` is the entry point both share).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor.errors import CorridorError, UsageError
from corridor.indicators import expand_countries, known_ids
from corridor.strategy.framework import Framework, IndicatorSpec
from corridor.strategy.scoring import IndicatorScore, band, monthly_share_se, score_series

COUNT_UNITS = (
    "people", "events", "persons", "count", "visas", "paroles", "appointments", "admitted",
    "arrived", "killed", "displacements",
)  # fmt: skip
SHARE_UNITS = ("%", "percent", "per ")  # shares and rates (per 1,000 / per 100,000 people)
AMOUNT_UNITS = ("us$", "usd", "$")


@dataclass
class SeriesInfo:
    """What the scorer needs about one indicator's yearly series."""

    series: pd.Series
    source: str
    scale: str
    se: pd.Series | None = None
    within_se: pd.Series | None = None
    denominators: pd.Series | None = None
    unit: str = ""
    warnings: list[str] = field(default_factory=list)
    short_source: str = ""


@dataclass
class IndicatorResult:
    spec: IndicatorSpec
    pillar: str
    score: IndicatorScore
    series: pd.Series
    source: str
    evaluation: str = ""
    unit: str = ""
    warnings: list[str] = field(default_factory=list)
    short_source: str = ""

    def benchmark_text(self) -> str:
        """The reference figures the indicator is set against (e.g. reserved visas), in words."""
        b = self.spec.benchmark
        if not b:
            return ""
        parts = []
        for year, value in sorted(b["values"].items()):
            got = self.series.get(year)
            have = f"{got:,.0f} issued against " if got is not None and got == got else ""
            parts.append(f"FY{year}: {have}{value:,.0f}")
        return f"{b['label']}: " + "; ".join(parts) + f" ({b['source']})"


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
    partners: Any = None  # PartnersResult for frameworks that name partners (root causes)

    def _items(self) -> list[tuple[str, str, IndicatorResult]]:
        out = [("goal", "Goal", r) for r in self.goal]
        for p in self.pillars:
            out += [(p.id, p.title, r) for r in p.indicators]
        return out

    def tidy(self) -> pd.DataFrame:
        """One row per indicator, in the order a reader wants: indicator, status, baseline ->
        latest, change, source; then how it was judged."""
        rows = []
        for pillar_id, pillar_title, r in self._items():
            s = r.score
            rows.append(
                {
                    "pillar": pillar_id,
                    "indicator": r.spec.label,
                    "status": s.status,
                    "baseline_year": s.baseline_year,
                    "baseline": s.baseline,
                    "latest_year": s.latest_year,
                    "latest": s.latest,
                    "change": s.change,
                    "change_pct": s.change_pct,
                    "source": r.short_source or r.source,
                    "id": r.spec.id,
                    "direction": r.spec.direction,
                    "unit": r.unit,
                    "scale": s.scale,
                    "threshold": s.threshold,
                    "threshold_unit": s.change_unit,
                    "method": s.method,
                    "score": s.score,
                    "target": r.spec.target["value"] if r.spec.target else None,
                    "target_year": r.spec.target["by"] if r.spec.target else None,
                    "benchmark": r.benchmark_text(),
                    "note": r.spec.note,
                    "evaluation": r.evaluation,
                    "rationale": r.spec.rationale,
                    "source_detail": r.source,
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

    def warnings(self) -> list[str]:
        """Plain sentences a reader must see beside the table (also on stderr for tables/CSV)."""
        out: list[str] = []
        for _, _, r in self._items():
            for w in r.warnings:
                if w not in out:
                    out.append(w)
        short = [r.spec.label for _, _, r in self._items() if r.score.status == "too little history"]
        if short:
            out.append(f"Too little history to judge, shown but not scored: {'; '.join(short)}.")
        if self.partners is not None:
            out += [w for w in self.partners.warnings() if w not in out]
        return out

    def metadata(self) -> dict[str, Any]:
        fw = self.framework
        return {
            "framework": fw.id,
            "title": fw.title,
            "published": fw.published,
            "source": fw.source,
            "score": self.score,
            "band": self.band,
            "rule": (
                "improving = 1, no clear change = 0.5, worsening = 0; 'too little history', "
                "'context', 'no baseline', 'no later data' and 'no data' are not scored. A change is "
                "clear when it exceeds 1.96 x its noise: "
                "published standard errors; counts on the log scale against their own or a long "
                "reference series' yearly variation, never below a Poisson floor; shares in "
                "percentage points against their own variation, never below a binomial floor."
            ),
            "not_measurable": {p.id: list(p.gaps) for p in self.pillars if p.gaps},
            "notes": list(self.notes),
            "warnings": self.warnings(),
        }

    def caption(self) -> str:
        return (
            f"{self.framework.title} ({self.framework.published}). Scored from the Corridor warehouse: "
            "improving = 1, no clear change = 0.5, worsening = 0; weighted means by pillar and overall; "
            "bands green >= 0.67, amber >= 0.33, red below. A change is clear when it exceeds 1.96 times "
            "its noise: published standard errors where they exist; counts on the log scale against their "
            "own (or a long reference series') year-to-year variation and a Poisson floor; shares in "
            "percentage points against their own variation and a binomial floor."
        )

    def summary(self) -> str:
        score = "n/a" if self.score is None else f"{self.score:.2f}"
        return f"{self.framework.title}: overall {score} ({self.band})"

    def to_dict(self) -> dict[str, Any]:
        from corridor.jsonio import records

        out = {
            "framework": self.framework.id,
            "title": self.framework.title,
            "score": self.score,
            "band": self.band,
            "pillars": records(self.pillars_frame()),
            "indicators": records(self.tidy()),
            "notes": self.notes,
            "metadata": self.metadata(),
        }
        if self.partners is not None:
            out["partners"] = self.partners.to_dict()
        return out


def infer_scale(unit: str) -> str:
    """count | amount | share | level from an indicator's unit (rates count as shares)."""
    low = unit.lower()
    if any(u in low for u in SHARE_UNITS):
        return "share"
    if any(u in low for u in AMOUNT_UNITS):
        return "amount"
    if any(u in low for u in COUNT_UNITS):
        return "count"
    return "level"


def _partial_years(result: Any) -> set[int]:
    return {int(p.split()[0][2:]) for p in result.partial_periods}


def _indicator_series(obs: Any, spec: IndicatorSpec, scope: tuple[str, ...]) -> SeriesInfo:
    """The yearly series of one indicator with what its scale needs (standard errors, denominators)."""
    if spec.kind == "indicators":
        q = spec.query
        ind = q["indicator"]
        countries = expand_countries(q.get("country") or list(scope))
        combine = q.get("combine", "mean")
        res = obs.indicators(indicator=ind, country=countries, since=q.get("since"))
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
        who = ", ".join(countries)
        warnings = []
        if "rounded" in unit:
            warnings.append(f"{spec.label}: the publisher rounds each count to the nearest 10.")
        datasets = sorted(set(res.sources["source"])) if len(res.sources) else []
        titles = [_dataset_title(obs, d) for d in datasets]
        return SeriesInfo(
            series,
            f"{res.caption()} ({combine} over {who})",
            spec.scale or infer_scale(unit),
            se=se,
            unit=unit,
            warnings=warnings,
            short_source="; ".join(titles),
        )
    flt = dict(spec.query)
    result = obs.flows(by="fiscal_year", **flt)
    frame = result.tidy().set_index("fiscal_year")["encounters"].astype(float)
    partial = _partial_years(result)
    frame = frame[~frame.index.isin(partial)]
    warnings = []
    if partial:
        warnings.append(f"{spec.label}: partial fiscal years left out ({', '.join(result.partial_periods)}).")
    cubes = "; ".join(dict.fromkeys(src["title"] for src in result.metadata()["sources"]))
    if spec.share_of is None:
        return SeriesInfo(
            frame,
            result.caption(),
            spec.scale or "count",
            unit="encounters",
            warnings=warnings,
            short_source=cubes,
        )
    whole = obs.flows(by="fiscal_year", **spec.share_of)
    denom = whole.tidy().set_index("fiscal_year")["encounters"].astype(float)
    share = (frame / denom.reindex(frame.index) * 100).dropna()
    monthly_part = obs.flows(by="month", **flt).tidy()[["month", "encounters"]]
    monthly_whole = obs.flows(by="month", **spec.share_of).tidy()[["month", "encounters"]]
    months = monthly_part.merge(monthly_whole, on="month", suffixes=("_part", "_whole"))
    months = months[months["encounters_whole"] > 0]
    months["fiscal_year"] = [m.year + (1 if m.month >= 10 else 0) for m in pd.to_datetime(months["month"])]
    months["share"] = months["encounters_part"] / months["encounters_whole"] * 100
    within = monthly_share_se(months[~months["fiscal_year"].isin(partial)])
    return SeriesInfo(
        share,
        result.caption() + " (as % of the wider selection)",
        spec.scale or "share",
        within_se=within,
        denominators=denom,
        unit="% of encounters",
        warnings=warnings,
        short_source=cubes,
    )


def _dataset_title(obs: Any, dataset: str) -> str:
    row = obs.con.execute("SELECT title FROM datasets WHERE dataset = ?", [dataset]).fetchone()
    return str(row[0]) if row and row[0] else dataset


def _evaluation(obs: Any, spec: IndicatorSpec) -> str:
    if not spec.evaluation or not hasattr(obs, "evaluate"):
        return ""
    try:
        res = obs.evaluate(**spec.evaluation)
    except (CorridorError, TypeError) as exc:
        return f"evaluation unavailable: {exc}"
    summary = getattr(res, "headline", None) or getattr(res, "summary", None)
    return summary() if callable(summary) else str(summary or "")


def _cross_country_noise(obs: Any, spec: IndicatorSpec) -> tuple[np.ndarray | None, str]:
    """Yearly changes of an index across every country it covers (from `noise.since`)."""
    if not spec.noise:
        return None, ""
    ind = spec.noise["indicator"]
    since = int(spec.noise.get("since", 0))
    frame = obs.con.execute(
        "SELECT iso3, year, value FROM indicators WHERE indicator = ? AND NOT is_aggregate "
        "AND value IS NOT NULL AND year >= ? ORDER BY iso3, year",
        [ind, since],
    ).df()
    if frame.empty:
        return None, ""
    frame = frame.sort_values(["iso3", "year"])
    gap = frame.groupby("iso3")["year"].diff()
    diff = frame.groupby("iso3")["value"].diff() / np.sqrt(gap)
    diffs = diff.dropna().to_numpy(dtype=float)
    first, last = int(frame["year"].min()), int(frame["year"].max())
    n = frame["iso3"].nunique()
    names = obs.con.execute("SELECT name FROM indicator_catalog WHERE indicator = ?", [ind]).fetchone()
    name = str(names[0]) if names and names[0] else ind  # readers see the index's name, not its id
    return diffs, f"{name} across {n} countries, {first}-{last}"


def _fiscal_year(date: str) -> int:
    d = dt.date.fromisoformat(date)
    return d.year + (1 if d.month >= 10 else 0)


def score_indicator(
    obs: Any,
    spec: IndicatorSpec,
    *,
    pillar: str = "",
    scope: tuple[str, ...] = (),
    file: str = "",
    noise: tuple[np.ndarray, str] | None = None,
) -> IndicatorResult:
    """Score one indicator spec on the warehouse: the one rule trackers and profiles share."""
    try:
        info = _indicator_series(obs, spec, scope)
    except UsageError as exc:
        empty = IndicatorScore(None, None, None, None, None, None, None, "no data", str(exc))
        return IndicatorResult(spec, pillar, empty, pd.Series(dtype=float), "", "")
    series = info.series
    opened_fy = _fiscal_year(spec.opened) if spec.opened else None
    if opened_fy is not None and opened_fy > spec.baseline:
        return _new_pathway(spec, pillar, info, opened_fy)
    if len(series) and not (series.index.min() <= spec.baseline <= series.index.max()):
        raise UsageError(
            f"{file}: {spec.path}.baseline: {spec.baseline} is outside the data for {spec.id} "
            f"({int(series.index.min())}..{int(series.index.max())})"
        )
    ref, ref_name = (None, "")
    if spec.kind == "flows" and spec.share_of is None:
        ref, ref_name = noise if noise is not None else _encounter_noise(obs)
    elif spec.noise:
        ref, ref_name = _cross_country_noise(obs, spec)
    score = score_series(
        series,
        direction=spec.direction,
        baseline=spec.baseline,
        se=info.se,
        scale=info.scale,  # type: ignore[arg-type]
        reference=ref,
        reference_name=ref_name,
        within_se=info.within_se,
        denominators=info.denominators,
    )
    if spec.target:
        score.target, score.target_year = float(spec.target["value"]), int(spec.target["by"])
    return IndicatorResult(
        spec,
        pillar,
        score,
        series,
        info.source,
        _evaluation(obs, spec),
        info.unit,
        info.warnings,
        info.short_source,
    )


def _new_pathway(spec: IndicatorSpec, pillar: str, info: SeriesInfo, opened_fy: int) -> IndicatorResult:
    """A pathway opened after the baseline: none existed then, so any use of it is an expansion."""
    s = info.series.dropna().sort_index()
    if s.empty:
        empty = IndicatorScore(
            None, None, None, None, None, None, None, "no data", "no complete fiscal year yet"
        )
        return IndicatorResult(
            spec, pillar, empty, s, info.source, "", info.unit, info.warnings, info.short_source
        )
    l_year, latest = int(s.index[-1]), float(s.iloc[-1])
    grew = latest > 0 if spec.direction == "higher" else latest == 0
    status = "context" if spec.direction == "context" else ("improving" if grew else "no clear change")
    method = (
        f"a pathway opened on {spec.opened} (FY{opened_fy}), after the FY{spec.baseline} baseline: none "
        "existed then, by the opening date, not by a published zero; scored by whether it is used"
    )
    score = IndicatorScore(None, None, l_year, latest, None, None, None, status, method, scale=info.scale)  # type: ignore[arg-type]
    return IndicatorResult(
        spec, pillar, score, s, info.source, "", info.unit, info.warnings, info.short_source
    )


def _encounter_noise(obs: Any) -> tuple[np.ndarray, str]:
    """Yearly log changes of the Border Patrol southwest series (complete fiscal years)."""
    res = obs.flows(component="usbp", region="southwest", by="fiscal_year")
    frame = res.tidy()
    partial = _partial_years(res)
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
        if spec.noise and spec.noise["indicator"] not in known:
            raise UsageError(
                f"{fw.file}: {spec.path}.noise.indicator: unknown indicator id {spec.noise['indicator']!r}"
            )


def track(obs: Any, fw: Framework, *, partners: bool = True) -> TrackResult:
    """Score every indicator and roll up to pillars and the whole strategy."""
    validate_ids(obs, fw)
    noise = _encounter_noise(obs)

    def one(spec: IndicatorSpec, pillar: str) -> IndicatorResult:
        return score_indicator(obs, spec, pillar=pillar, scope=fw.scope, file=fw.file, noise=noise)

    goal = [one(s, "goal") for s in fw.goal_indicators]
    pillars = []
    for p in fw.pillars:
        results = [one(s, p.id) for s in p.indicators]
        score = _rollup([(r.spec.weight, r.score.score) for r in results])
        pillars.append(PillarResult(p.id, p.title, p.weight, score, band(score), results, p.gaps))
    overall = _rollup([(p.weight, p.score) for p in pillars])
    relief = None
    if partners and fw.partners:
        from corridor.strategy.partners import partners_relief

        try:
            relief = partners_relief(obs.con, recipients=fw.scope)
        except UsageError:
            relief = None
    return TrackResult(fw, goal, pillars, overall, band(overall), list(fw.notes), relief)

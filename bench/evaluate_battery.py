"""Validation battery for `corridor evaluate`: the headline on panels with known effects and real policies.

    .venv/bin/python bench/evaluate_battery.py [--db corridor.duckdb] [--draws 200] [--workers 2]
        [--seed 1] [--scenarios main,out_of_hull,staggered] [--cell-draws -0.5=500,...] [--real]
        [--save runs.pkl [--resume]] [--load runs.pkl] [--rescore] [--quick]

**Synthetic panels.** The base is the real DHS OHSS series of Border Patrol encounters at the
southwest border by citizenship (FY2000 on, rounded to 10). Each draw picks a start month (half
from 2004-2018, half from 2019 on), a post window (3, 6 or 12 months) and 1-4 treated
citizenships (each averaging 50 or more encounters a month in the 36 months before the start,
none named by a citizenship-specific policy then). The real counts are the expected values; the
treated ones are multiplied by 1 + effect from the start; every count is then drawn from a Poisson
distribution and rounded to 10, as OHSS rounds. The design comes from the default rules
(`analysis/evaluate/design.py`, with the real policy timeline) and the evaluation from `run`, the
same code `corridor evaluate` uses. Scenarios:

- `main`: effects -90%, -75%, -50%, -25%, -10%, 0, +10%, +25%, +50% (draws per effect);
- `out_of_hull`: the treated group scaled to 5 times the largest donor's level (draws in all);
- `staggered`: 2-4 treated units whose starts differ by 1-6 months (draws in all).

Reported per scenario and effect: the headline's median error (bias, percentage points), median
absolute error, 95% interval coverage, how often it is inconclusive, and, with no effect, how often
it is significant (p <= 0.05); for out-of-hull draws, how often it is conclusive, of the wrong sign
and significant.

**Real policies.** Every timeline event that names its citizenships: the headline against the raw
before/after change of the targets' encounters relative to the untargeted nationalities'.

`--save` keeps every draw (each method's estimate and out-of-sample errors), so other headline
rules can be scored on the same draws with `--load` and `--compare` (`compare_rules`, `CANDIDATES`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import pickle
import platform
import sys
import time
import warnings
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

EFFECTS = (-0.9, -0.75, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5)
POSTS = (3, 6, 12)
TREATED_FLOOR = 50.0  # each treated unit's mean a month in the 36 months before the start
# pseudo-treatment dates kept per draw: the shipped rule's 24 (the most recent first, so a draw
# saved with more dates scores the same; 48 until seed 3, which halved the battery's time)
DATES = 24
HULL_FACTOR = 5.0  # out-of-hull: the treated group's level, in multiples of the largest donor's
SAVE_EVERY = 100  # --save writes the draws done so far this often
HULL_TREND = 0.04  # ... and, in half of those draws, its own growth a month (before and after the start)
FIRST_START, RECENT, LAST_DATA = dt.date(2004, 1, 1), dt.date(2019, 1, 1), dt.date(2024, 11, 1)
_BASE: pd.DataFrame | None = None


def load_base(db: Path) -> pd.DataFrame:
    """Border Patrol encounters at the southwest border, months x citizenships (OHSS, FY2000 on)."""
    import corridor

    with corridor.open(db) as obs:
        frame = obs.flows(region="southwest", component="usbp", by=["month", "citizenship"]).tidy()
    panel = frame.pivot_table(
        index="month", columns="citizenship", values="encounters", aggfunc="sum", fill_value=0
    )
    panel.columns = [str(c) for c in panel.columns]
    panel.index = [pd.Timestamp(m).date() for m in panel.index]
    return panel.sort_index().astype(float).drop(columns=["UNK"], errors="ignore")


def _add(month: dt.date, n: int) -> dt.date:
    from corridor.reference.calendar import add_months

    return add_months(month, n)


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def draw_spec(base: pd.DataFrame, scenario: str, index: int, seed: int, draws: int) -> dict[str, Any]:
    """The seeded settings of one draw (deterministic in scenario, index and seed)."""
    from corridor.reference import events as ev

    rng = np.random.default_rng([seed, zlib.crc32(scenario.encode()), index])
    timeline = ev.load_events()
    effect = (
        EFFECTS[(index // max(draws, 1)) % len(EFFECTS)] if scenario == "main" else float(rng.choice(EFFECTS))
    )
    post = int(rng.choice(POSTS))
    stagger = scenario == "staggered"
    values, months, columns = base.to_numpy(dtype=float), list(base.index), np.array(base.columns)
    for _ in range(1000):
        lo, hi = (
            (RECENT, _add(LAST_DATA, -post - (20 if stagger else 6)))
            if rng.random() < 0.5
            else (FIRST_START, _add(RECENT, -1))
        )
        start = _add(lo, int(rng.integers(0, _months(lo, hi) + 1)))
        first = _add(start, -36)
        pre = values[[first <= m < start for m in months]]  # numpy: pandas reductions are slow here
        named = {
            c
            for e in timeline
            if not e.all_citizenships and first <= e.start_month <= _add(start, post + 6)
            for c in e.citizenships
        }
        means = pre.mean(axis=0)
        pool = [c for c, v in zip(columns, means, strict=True) if v >= TREATED_FLOOR and c not in named]
        k = int(rng.integers(2 if stagger else 1, 5))
        if len(pool) < k + 3:
            continue
        treated = sorted(rng.choice(pool, size=k, replace=False).tolist())
        # main and staggered draws stay inside the donors' hull: the treated group's level at most
        # the largest other citizenship's (out_of_hull draws are then scaled far above it)
        chosen = np.isin(columns, treated)
        if pre[:, chosen].sum(axis=1).mean() <= means[~chosen].max():
            break
    offsets = {u: 0 for u in treated}
    if stagger:
        gaps = rng.integers(1, 7, size=k - 1)
        for u, g in zip(treated[1:], np.cumsum(gaps), strict=True):
            offsets[u] = int(g)
    cohorts = {u: _add(start, o) for u, o in offsets.items()}
    return {
        "scenario": scenario,
        "index": index,
        "seed": int(rng.integers(0, 2**31)),
        "effect": float(effect),
        "post": post,
        "cohorts": cohorts,
        "level": HULL_FACTOR if scenario == "out_of_hull" else 1.0,
        # half the out-of-hull draws also grow 4% a month faster than any donor (path outside the hull)
        "trend": HULL_TREND if scenario == "out_of_hull" and index % 2 else 0.0,
        "era": "2019 on" if start >= RECENT else "2004-2018",
    }


def cell_draws(option: str, draws: int) -> dict[float, int]:
    """Draws per main effect: `draws` each, except those `option` names ("-0.5=500,0.1=500")."""
    cells = dict.fromkeys(EFFECTS, draws)
    for item in filter(None, (x.strip() for x in option.split(","))):
        effect, n = item.split("=")
        match = [e for e in EFFECTS if math.isclose(e, float(effect))]
        if not match:
            raise SystemExit(f"--cell-draws: {effect} is not one of the effects {EFFECTS}")
        cells[match[0]] = int(n)
    return cells


def _init(base: pd.DataFrame) -> None:
    global _BASE
    _BASE = base
    warnings.simplefilter("ignore")


def run_draw(spec: dict[str, Any]) -> dict[str, Any]:
    """Evaluate one synthetic draw with the default design and every method; keep what the headline used."""
    from corridor.analysis.evaluate import design as dz
    from corridor.analysis.evaluate import noisy_panel, run
    from corridor.analysis.evaluate.headline import above_donors
    from corridor.errors import UsageError
    from corridor.reference import events as ev

    assert _BASE is not None
    base = _BASE
    cohorts = spec["cohorts"]
    last = max(cohorts.values())
    end = _add(last, spec["post"] - 1)
    counts = base.loc[[m for m in base.index if m <= end]].copy()
    if spec.get("trend"):
        t = np.array([_months(min(cohorts.values()), m) for m in counts.index], dtype=float)
        for unit in cohorts:
            counts[unit] = counts[unit] * np.exp(spec["trend"] * np.clip(t, -60, None))
    level = 1.0
    if spec["level"] != 1.0:
        pre = counts.loc[
            [m for m in counts.index if _add(min(cohorts.values()), -36) <= m < min(cohorts.values())]
        ]
        others = pre.drop(columns=list(cohorts)).mean().max()
        level = spec["level"] * others / max(pre[list(cohorts)].sum(axis=1).mean(), 1.0)
    panel = noisy_panel(counts, cohorts, effect=spec["effect"], seed=spec["seed"], level=level)
    treatment = dz.Treatment(cohorts=dict(cohorts), region="southwest", component="usbp")
    t = time.process_time()
    record: dict[str, Any] = {k: v for k, v in spec.items() if k != "cohorts"}
    record.update(treated=",".join(cohorts), start=min(cohorts.values()), level_factor=level)
    try:
        window = spec.get("pre_window")
        rules = dz.RULES if window is None else replace(dz.RULES, pre_window=window or None)
        design, _, _ = dz.build(
            panel, treatment, post=spec["post"], seed=spec["seed"], timeline=ev.load_events(), rules=rules
        )
        result = run(design, max_dates=DATES, inference=False)
    except UsageError as exc:
        record.update(error=str(exc), cpu=time.process_time() - t)
        return record
    h = result.headline
    record.update(
        cpu=time.process_time() - t,
        n_donors=len(design.donors),
        unsettled=design.unsettled,
        above=above_donors(result.design),
        pre_months=design.window().pre_months,
        status=h.status,
        method=h.method,
        est=h.effect_rel,
        lo=h.effect_rel_lo,
        hi=h.effect_rel_hi,
        p=h.p_value,
        methods={
            r.method: {
                "effect_rel": r.effect_rel,
                "lo": r.effect_rel_lo,
                "hi": r.effect_rel_hi,
                "p": r.p_value,
                "pre_mape": r.pre_mape,
                "diagnostic": r.diagnostic,
                "actual_total": r.actual_total,
                "n_post": r.n_post,
                "errors": result.backtest.errors.get(r.method),
                "outside": r.details.get("pre_months_outside_donor_range"),
            }
            for r in result.results
        },
    )
    return record


def run_all(
    specs: list[dict[str, Any]],
    base: pd.DataFrame,
    workers: int,
    save: Path | None = None,
    done: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every draw's record, in the order of `specs`. With `save`, the draws done so far (after
    `done`, the draws of an earlier run) are written there every SAVE_EVERY draws (a run stopped
    early still leaves a scoreable file)."""
    records: list[dict[str, Any]] = []
    earlier = list(done or [])

    def keep(record: dict[str, Any]) -> None:
        records.append(record)
        if save is not None and (len(records) % SAVE_EVERY == 0 or len(records) == len(specs)):
            save.write_bytes(pickle.dumps(earlier + records))

    if workers <= 1:
        _init(base)
        for spec in specs:
            keep(run_draw(spec))
        return records
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init, initargs=(base,)
    ) as pool:
        for record in pool.map(run_draw, specs, chunksize=4):
            keep(record)
    return records


def interleaved(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The specs with every cell (scenario and, for main, effect) spread evenly over the run, so
    that the draws done at any point cover every cell in proportion."""
    cells: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for spec in specs:
        key = (spec["scenario"], spec["effect"] if spec["scenario"] == "main" else 0.0)
        cells.setdefault(key, []).append(spec)
    ranked = [((i + 0.5) / len(c), n, s) for n, c in enumerate(cells.values()) for i, s in enumerate(c)]
    return [s for *_, s in sorted(ranked, key=lambda x: (x[0], x[1]))]


# --- scoring -------------------------------------------------------------------------------------


def rescore(record: dict[str, Any], rule: Any) -> dict[str, Any]:
    """The headline of a saved draw under another rule (the real `headline.choose` on the saved numbers)."""
    from corridor.analysis.evaluate.backtest import Backtest
    from corridor.analysis.evaluate.headline import choose

    if "methods" not in record:
        return record
    from corridor.analysis.evaluate.synth import MAX_OUTSIDE

    results = []
    for name, m in record["methods"].items():
        diagnostic = m["diagnostic"] if name not in ("did", "synthetic_control") else None
        if name == "synthetic_control" and (m.get("outside") or 0) > MAX_OUTSIDE:
            diagnostic = "outside the donors' range"
        results.append(
            SimpleNamespace(
                method=name,
                diagnostic=diagnostic,
                pre_mape=m["pre_mape"],
                effect_rel=m["effect_rel"],
                effect_rel_lo=m["lo"],
                effect_rel_hi=m["hi"],
                log_effect=math.log1p(m["effect_rel"]) if m["effect_rel"] > -1 else -math.inf,
                actual_total=m["actual_total"],
                n_post=m["n_post"],
            )
        )
    bt = Backtest(
        starts=[], errors={k: np.asarray(m["errors"], dtype=float) for k, m in record["methods"].items()}
    )
    design = SimpleNamespace(alpha=0.05, post_months=record["post"], unsettled=_unsettled(record))
    h = choose(results, bt, design, rule, above=record.get("above", record["scenario"] == "out_of_hull"))  # type: ignore[arg-type]
    return {
        **record,
        "status": h.status,
        "method": h.method,
        "est": h.effect_rel,
        "lo": h.effect_rel_lo,
        "hi": h.effect_rel_hi,
        "p": h.p_value,
    }


def _unsettled(record: dict[str, Any]) -> str:
    """The design's settled-rules reason of a saved draw (computed from its start when the draw was
    saved before the rule existed)."""
    if "unsettled" in record:
        return str(record["unsettled"])
    from corridor.analysis.evaluate import design as dz
    from corridor.reference import events as ev

    return dz.unsettled(record["start"], timeline=ev.load_events(), region="southwest", component="usbp")


@dataclass
class Score:
    draws: int
    errors: int
    inconclusive: float
    bias: float  # median(estimate - truth), conclusive draws, percentage points
    mae: float  # median |estimate - truth|
    coverage: float
    significant: float  # p <= 0.05 among all draws
    wrong_sign: float  # conclusive, significant and of the wrong sign (effect != 0)
    within_10: float  # conclusive draws within 10 points of the truth


def score(records: list[dict[str, Any]]) -> Score:
    ok = [r for r in records if isinstance(r.get("status"), str)]
    conc = [r for r in ok if r["status"] != "inconclusive"]
    err = np.array([r["est"] - r["effect"] for r in conc])
    cov = np.array([r["lo"] <= r["effect"] <= r["hi"] for r in conc])
    sig = np.array([r.get("p") is not None and r["p"] <= 0.05 for r in ok])
    wrong = np.array(
        [r["effect"] != 0 and r["p"] <= 0.05 and np.sign(r["est"]) == -np.sign(r["effect"]) for r in conc]
    )
    return Score(
        draws=len(records),
        errors=len(records) - len(ok),
        inconclusive=1 - len(conc) / max(len(ok), 1),
        bias=100 * float(np.median(err)) if len(err) else math.nan,
        mae=100 * float(np.median(np.abs(err))) if len(err) else math.nan,
        coverage=float(cov.mean()) if len(cov) else math.nan,
        significant=float(sig.mean()) if len(sig) else math.nan,
        wrong_sign=float(wrong.sum() / max(len(ok), 1)),
        within_10=float(np.mean(np.abs(err) <= 0.10)) if len(err) else math.nan,
    )


def table(records: list[dict[str, Any]]) -> str:
    """Markdown: one row per scenario and effect, then per scenario."""
    frame = pd.DataFrame(records)
    lines = [
        "| scenario | effect | draws | inconclusive | bias (points) | median abs. error | 95% coverage "
        "| p <= 0.05 | confident wrong sign |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, eff: str, recs: list[dict[str, Any]]) -> str:
        s = score(recs)
        return (
            f"| {name} | {eff} | {s.draws}{f' ({s.errors} errors)' if s.errors else ''} | "
            f"{s.inconclusive:.0%} | "
            f"{s.bias:+.1f} | {s.mae:.1f} | {s.coverage:.0%} | {s.significant:.0%} | {s.wrong_sign:.1%} |"
        )

    for scenario in frame["scenario"].unique():
        sub = frame[frame["scenario"] == scenario]
        for eff in sorted(sub["effect"].unique()):
            recs = sub[sub["effect"] == eff].to_dict("records")
            lines.append(row(scenario, f"{100 * eff:+.0f}%", recs))
        lines.append(row(f"**{scenario}**", "all", sub.to_dict("records")))
        for era in sorted(sub["era"].unique()):
            lines.append(row(f"{scenario}, starts {era}", "all", sub[sub["era"] == era].to_dict("records")))
    return "\n".join(lines)


def methods_table(records: list[dict[str, Any]]) -> str:
    """How often each method was the headline, by scenario."""
    frame = pd.DataFrame([r for r in records if "status" in r])
    counts = frame.groupby("scenario")["method"].value_counts(dropna=False).unstack(fill_value=0)
    return counts.to_markdown() if hasattr(counts, "to_markdown") else counts.to_string()


def sharpness(records: list[dict[str, Any]]) -> dict[float, tuple[int, float, float]]:
    """Per main effect: conclusive draws, the median width of their 95% interval (hi - lo, points)
    and power (the share of them whose interval excludes zero): how sharp the headline is."""
    out = {}
    for eff in EFFECTS:
        conc = [
            r
            for r in records
            if r["scenario"] == "main"
            and r["effect"] == eff
            and r.get("status") not in (None, "inconclusive")
        ]
        width = [100 * (r["hi"] - r["lo"]) for r in conc]
        power = [r["lo"] > 0 or r["hi"] < 0 for r in conc]
        out[eff] = (
            len(conc),
            float(np.median(width)) if width else math.nan,
            float(np.mean(power)) if power else math.nan,
        )
    return out


def sharpness_table(scored: dict[str, list[dict[str, Any]]]) -> str:
    """Markdown: each rule's median interval width (points) and power per effect, side by side."""
    names = list(scored)
    lines = [
        "| effect | " + " | ".join(f"{n}: width / power" for n in names) + " |",
        "|---:|" + "---:|" * len(names),
    ]
    tables = {n: sharpness(r) for n, r in scored.items()}
    for eff in EFFECTS:
        cells = [f"{tables[n][eff][1]:.0f} / {tables[n][eff][2]:.0%}" for n in names]
        lines.append(f"| {100 * eff:+.0f}% | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compare_cells(records: list[dict[str, Any]], rules: dict[str, Any]) -> str:
    """Markdown: each candidate rule's median bias in every main effect cell (points, conclusive
    draws), its coverage, and its median interval width over those cells (same saved draws)."""
    lines = [
        "| rule | " + " | ".join(f"{100 * e:+.0f}%" for e in EFFECTS) + " | coverage | median width |",
        "|---|" + "---:|" * (len(EFFECTS) + 2),
    ]
    for name, rule in rules.items():
        main = [rescore(r, rule) for r in records if r["scenario"] == "main"]
        biases = [score([r for r in main if r["effect"] == e]).bias for e in EFFECTS]
        conc = [r for r in main if r.get("status") not in (None, "inconclusive")]
        width = np.median([100 * (r["hi"] - r["lo"]) for r in conc]) if conc else math.nan
        lines.append(
            f"| {name} | "
            + " | ".join(f"{b:+.1f}" for b in biases)
            + f" | {score(main).coverage:.1%} | {width:.0f} |"
        )
    return "\n".join(lines)


def compare_rules(records: list[dict[str, Any]], rules: dict[str, Any]) -> str:
    """Markdown: the battery's targets under each candidate headline rule (same saved draws)."""
    lines = [
        "| rule | main: coverage | main: inconclusive | worst abs. bias (points) | median abs. error | "
        "zero effect: p <= 0.05 | out of hull: conclusive and off by > 10 points | "
        "confident wrong sign (main / out of hull / staggered) | "
        "staggered: coverage, inconclusive | power: -50% / -25% / +25% |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rule in rules.items():
        scored = [rescore(r, rule) for r in records]
        main = [r for r in scored if r["scenario"] == "main"]
        hull = [r for r in scored if r["scenario"] == "out_of_hull" and "status" in r]
        stag = [r for r in scored if r["scenario"] == "staggered"]
        s_main = score(main)
        biases = [abs(score([r for r in main if r["effect"] == e]).bias) for e in EFFECTS]
        zero = score([r for r in main if r["effect"] == 0])
        off = np.mean([r["status"] != "inconclusive" and abs(r["est"] - r["effect"]) > 0.10 for r in hull])
        wrong = {
            sc: sum(score([r]).wrong_sign > 0 for r in scored if r["scenario"] == sc and "status" in r)
            for sc in ("main", "out_of_hull", "staggered")
        }
        s_st = score(stag)
        power = [
            np.mean(
                [
                    r.get("p") is not None and r["p"] <= 0.05 and np.sign(r["est"]) == np.sign(e)
                    for r in main
                    if r["effect"] == e and isinstance(r.get("status"), str)
                ]
            )
            for e in (-0.5, -0.25, 0.25)
        ]
        lines.append(
            f"| {name} | {s_main.coverage:.1%} | {s_main.inconclusive:.0%} | {np.nanmax(biases):.1f} | "
            f"{s_main.mae:.1f} | {zero.significant:.1%} | {off:.0%} | "
            f"{wrong['main']} / {wrong['out_of_hull']} / {wrong['staggered']} | "
            f"{s_st.coverage:.0%}, {s_st.inconclusive:.0%} | "
            f"{power[0]:.0%} / {power[1]:.0%} / {power[2]:.0%} |"
        )
    return "\n".join(lines)


def _se(p: float, n: int) -> float:
    """The binomial standard error of a proportion p over n draws (percentage points)."""
    return 100 * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1))


def targets(records: list[dict[str, Any]]) -> str:
    """Markdown: each synthetic acceptance target of issue 14, the measured value, its standard error
    and whether it is met. Bias is the median signed error of the conclusive headlines (per effect);
    its standard error is a bootstrap over the draws (500 resamples, seed 0)."""
    rng = np.random.default_rng(0)
    main = [r for r in records if r["scenario"] == "main" and isinstance(r.get("status"), str)]
    lines = ["| target | measured | standard error | draws | met |", "|---|---:|---:|---:|---|"]

    def add(name: str, value: str, se: str, n: int, ok: bool) -> None:
        lines.append(f"| {name} | {value} | {se} | {n} | {'met' if ok else '**missed**'} |")

    conc = [r for r in main if r["status"] != "inconclusive"]
    cov = float(np.mean([r["lo"] <= r["effect"] <= r["hi"] for r in conc])) if conc else math.nan
    add(
        "headline 95% coverage in [90%, 98%] (main, conclusive draws)",
        f"{100 * cov:.1f}%",
        f"{_se(cov, len(conc)):.1f}",
        len(conc),
        0.90 <= cov <= 0.98,
    )
    for eff in EFFECTS:
        cell = [r for r in conc if r["effect"] == eff]
        err = np.array([r["est"] - r["effect"] for r in cell])
        if not len(err):
            add(f"median bias, effect {100 * eff:+.0f}%: under 5 points", "no conclusive draw", "", 0, False)
            continue
        boot = [np.median(rng.choice(err, size=len(err))) for _ in range(500)]
        bias = 100 * float(np.median(err))
        cov_e = float(np.mean([r["lo"] <= r["effect"] <= r["hi"] for r in cell]))
        add(
            f"median bias, effect {100 * eff:+.0f}%: under 5 points (coverage {100 * cov_e:.0f}%)",
            f"{bias:+.1f}",
            f"{100 * float(np.std(boot)):.1f}",
            len(cell),
            abs(bias) < 5,
        )
    # the stricter reading of "median absolute bias": the median absolute error of each effect's
    # conclusive headlines (the precision of one answer, not its systematic error)
    for eff in EFFECTS:
        err = np.array([r["est"] - r["effect"] for r in conc if r["effect"] == eff])
        if len(err):
            boot = [np.median(np.abs(rng.choice(err, size=len(err)))) for _ in range(500)]
            mae = 100 * float(np.median(np.abs(err)))
            add(
                f"(stricter reading) median absolute error, effect {100 * eff:+.0f}%: under 5 points",
                f"{mae:.1f}",
                f"{100 * float(np.std(boot)):.1f}",
                len(err),
                mae < 5,
            )
    zero = [r for r in main if r["effect"] == 0]
    sig = float(np.mean([r.get("p") is not None and r["p"] <= 0.05 for r in zero])) if zero else math.nan
    add(
        "zero effect: significant (p <= 0.05) at most 7% (all draws)",
        f"{100 * sig:.1f}%",
        f"{_se(sig, len(zero)):.1f}",
        len(zero),
        sig <= 0.07,
    )
    hull = [r for r in records if r["scenario"] == "out_of_hull" and isinstance(r.get("status"), str)]
    bad = [r for r in hull if r["status"] != "inconclusive" and abs(r["est"] - r["effect"]) > 0.10]
    wrong = [
        r
        for r in hull
        if r["status"] != "inconclusive"
        and r["effect"] != 0
        and r["p"] <= 0.05
        and np.sign(r["est"]) == -np.sign(r["effect"])
    ]
    share = len(bad) / max(len(hull), 1)
    add(
        "out of hull: within 10 points or inconclusive (share that is neither)",
        f"{100 * share:.1f}% ({len(bad)} draws)",
        f"{_se(share, len(hull)):.1f}",
        len(hull),
        not bad,
    )
    add("out of hull: never a confident wrong sign", f"{len(wrong)} draws", "", len(hull), not wrong)
    return "\n".join(lines)


def candidates() -> dict[str, Any]:
    """The shipped headline rule and one change of each setting, scored on the same saved draws."""
    from corridor.analysis.evaluate.headline import RULE

    return {
        "shipped": RULE,
        "one method, the smallest error (the rule before seeds 4 and 5)": replace(RULE, selection="best"),
        "combination, correction shrunk by its noise": replace(RULE, bias_shrink="shrink"),
        "combination, correction the near and far windows agree on": replace(RULE, bias_shrink="persistent"),
        "combination, no correction": replace(RULE, bias_correct=False),
        "one method, correction shrunk by its noise": replace(RULE, selection="best", bias_shrink="shrink"),
        "one method, correction the near and far windows agree on": replace(
            RULE, selection="best", bias_shrink="persistent"
        ),
        "interval not widened (inflate 1.0)": replace(RULE, inflate=1.0),
        "inflate 1.25": replace(RULE, inflate=1.25),
        "inflate 2.0": replace(RULE, inflate=2.0),
        "no error floor (floor 0)": replace(RULE, floor=0.0),
        "one method, no out-of-sample correction (the rule before seed 3)": replace(
            RULE, selection="best", bias_correct=False
        ),
        "correction by the mean error": replace(RULE, bias_centre="mean"),
        "correction, spread from the errors' standard deviation": replace(RULE, bias_spread="std"),
        "no pre-fit limit": replace(RULE, max_pre_mape=None),
        "no method diagnostics": replace(RULE, use_diagnostics=False),
        "no hull check": replace(RULE, hull_precision=None),
        "poor fit above 0.3": replace(RULE, poor_rmse=0.3),
        "no poor-fit limit": replace(RULE, poor_rmse=math.inf),
        "sign check always": replace(RULE, sign_check="always"),
        "12 dates": replace(RULE, dates=12),
    }


def _is_paired(records: list[dict[str, Any]]) -> bool:
    """Whether some main draw was run at more than one effect (`--paired`)."""
    seen: dict[int, set[float]] = {}
    for r in records:
        if r["scenario"] == "main":
            seen.setdefault(r["index"], set()).add(r["effect"])
    return any(len(v) > 1 for v in seen.values())


def headline_log_error(r: dict[str, Any]) -> float:
    """log(1 + headline) - log(1 + truth) of a conclusive draw (nan otherwise)."""
    if r.get("status") in (None, "inconclusive") or r.get("est") is None:
        return math.nan
    return math.log1p(r["est"]) - math.log1p(r["effect"])


def method_log_error(r: dict[str, Any], method: str) -> float:
    """log(1 + the method's own estimate) - log(1 + truth) (nan when it has none)."""
    m = (r.get("methods") or {}).get(method)
    if not m or m.get("effect_rel") is None or not m["effect_rel"] > -1:
        return math.nan
    return math.log1p(m["effect_rel"]) - math.log1p(r["effect"])


def paired_table(records: list[dict[str, Any]]) -> str:
    """Markdown: the same draws at each effect. Per effect: the conclusive share, the median log error
    of the headline (conclusive draws) and of each method's own estimate (every draw), the median
    relative error (points) and, against the first effect, the same over the draws conclusive at both
    (paired: what the effect itself changes, with the draws held fixed)."""
    main = [r for r in records if r["scenario"] == "main" and isinstance(r.get("status"), str)]
    effects = sorted({r["effect"] for r in main})
    by = {(r["index"], r["effect"]): r for r in main}
    first = effects[0]
    methods = ("synthetic_control", "structural", "its", "did")
    lines = [
        "| effect | draws | conclusive | headline: median log error | relative bias (points) | "
        + " | ".join(f"{m}: median log error" for m in methods)
        + f" | conclusive at both (vs {100 * first:+.0f}%) "
        + f"| paired: median log error, this / {100 * first:+.0f}% |",
        "|---:|---:|---:|---:|---:|" + "---:|" * len(methods) + "---:|---:|",
    ]
    for e in effects:
        cell = [r for r in main if r["effect"] == e]
        h = np.array([headline_log_error(r) for r in cell])
        h = h[np.isfinite(h)]
        own = []
        for m in methods:
            v = np.array([method_log_error(r, m) for r in cell])
            v = v[np.isfinite(v)]
            own.append(f"{np.median(v):+.3f} ({len(v)})" if len(v) else "")
        both = [
            (headline_log_error(r), headline_log_error(by[(r["index"], first)]))
            for r in cell
            if (r["index"], first) in by
        ]
        both = [(a, b) for a, b in both if math.isfinite(a) and math.isfinite(b)]
        pa = np.array(both) if both else np.empty((0, 2))
        rel = 100 * (1 + e) * math.expm1(float(np.median(h))) if len(h) else math.nan
        lines.append(
            f"| {100 * e:+.0f}% | {len(cell)} | {len(h) / max(len(cell), 1):.0%} | "
            f"{np.median(h) if len(h) else math.nan:+.3f} | {rel:+.1f} | "
            + " | ".join(own)
            + f" | {len(pa)} | "
            + (f"{np.median(pa[:, 0]):+.3f} / {np.median(pa[:, 1]):+.3f}" if len(pa) else "")
            + " |"
        )
    return "\n".join(lines)


# --- real policies -------------------------------------------------------------------------------


def real_events(db: Path) -> list[dict[str, Any]]:
    """Each citizenship-specific event: the headline against the raw change of targets vs the rest."""
    import corridor
    from corridor.errors import UsageError
    from corridor.reference import events as ev
    from corridor.reference.labels import label

    out = []
    timeline = ev.load_events()
    with corridor.open(db) as obs:
        for e in timeline:
            if e.all_citizenships:
                continue
            for component in ("usbp", "all"):
                row: dict[str, Any] = {"event": e.id, "title": label("event", e.id), "component": component}
                try:
                    res = obs.evaluate(policy=e.id, component=component)
                except UsageError as exc:
                    row["error"] = str(exc)
                    out.append(row)
                    continue
                d, h = res.design, res.headline
                row.update(
                    start=f"{d.start:%Y-%m}",
                    post=d.post_months,
                    treated=",".join(d.treated),
                    status=h.status,
                    method=h.method,
                    est=h.effect_rel,
                    lo=h.effect_rel_lo,
                    hi=h.effect_rel_hi,
                    verdict=res.verdict(),
                    raw=raw_change(obs, e, component, d, timeline),
                )
                out.append(row)
    return out


def raw_change(obs: Any, event: Any, component: str, design: Any, timeline: list[Any]) -> dict[str, float]:
    """Targets' change over the post window relative to untargeted nationalities', against two baselines:
    the same number of months just before the start, and the same calendar months a year earlier."""
    region = design.selection and ("southwest" if "southwest" in design.selection.lower() else None)
    frame = obs.flows(region=region, component=component, by=["month", "citizenship"]).tidy()
    panel = frame.pivot_table(
        index="month", columns="citizenship", values="encounters", aggfunc="sum", fill_value=0
    )
    panel.index = [pd.Timestamp(m).date() for m in panel.index]
    targets = [c for c in design.treated if c in panel.columns]
    start, n = design.start, design.post_months
    end = _add(start, n - 1)
    named = {
        c
        for e in timeline
        if not e.all_citizenships and _add(start, -12) <= e.start_month <= end
        for c in e.citizenships
    }
    rest = [c for c in panel.columns if c not in named and c not in targets and c != "UNK"]

    def total(cols: list[str], a: dt.date, b: dt.date) -> float:
        return float(panel.loc[[m for m in panel.index if a <= m <= b], cols].to_numpy().sum())

    out = {}
    for name, (a, b) in {
        "just before": (_add(start, -n), _add(start, -1)),
        "a year earlier": (_add(start, -12), _add(end, -12)),
    }.items():
        t0, t1 = total(targets, a, b), total(targets, start, end)
        u0, u1 = total(rest, a, b), total(rest, start, end)
        out[name] = (t1 / t0) / (u1 / u0) - 1 if min(t0, u0, u1) > 0 else math.nan
    return out


def real_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| event | outcome | post | headline | interval | raw change (just before / a year earlier) "
        "| sign agrees |",
        "|---|---|---:|---|---|---|---|",
    ]
    for r in rows:
        comp = "Border Patrol" if r["component"] == "usbp" else "all encounters"
        if "error" in r:
            lines.append(f"| {r['title']} | {comp} | | not evaluated: {r['error']} | | | |")
            continue
        raw = r["raw"]
        vals = [v for v in raw.values() if math.isfinite(v)]
        if r["status"] == "inconclusive":
            head, interval, agrees = "inconclusive", "", "inconclusive"
        else:
            head = f"{100 * r['est']:+.0f}% ({r['method']})"
            interval = f"{100 * r['lo']:+.0f}% .. {100 * r['hi']:+.0f}%"
            agrees = (
                "yes"
                if vals and all(np.sign(v) == np.sign(r["est"]) for v in vals)
                else ("mixed raw signs" if vals and len({np.sign(v) for v in vals}) > 1 else "NO")
            )
        raws = " / ".join(f"{100 * v:+.0f}%" if math.isfinite(v) else "n/a" for v in raw.values())
        lines.append(
            f"| {r['title']} ({r['start']}) | {comp} | {r['post']} | {head} | {interval} | {raws} "
            f"| {agrees} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=Path("corridor.duckdb"))
    parser.add_argument("--draws", type=int, default=200, help="draws per effect (main) or per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", default="main,out_of_hull,staggered")
    parser.add_argument(
        "--cell-draws",
        default="",
        help="main: draws for some effects instead of --draws, e.g. -0.5=500,-0.1=500,0.1=500",
    )
    parser.add_argument(
        "--hull-draws", type=int, help="draws for out_of_hull and staggered (default --draws)"
    )
    parser.add_argument("--real", action="store_true", help="also run the real-policy comparison")
    parser.add_argument(
        "--pre-window", type=int, help="design rule under test: pre-period months (0: all the history)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 5 draws per cell, no real policies"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also score the candidate headline rules on the same draws"
    )
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="with --load: choose every saved draw's headline again under the current rules",
    )
    parser.add_argument(
        "--paired",
        default="",
        help="main only: the first --draws draws, each at every one of these effects (e.g. 0,0.25,0.5)",
    )
    parser.add_argument("--save", type=Path)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --save: keep the draws already in that file and run only the others",
    )
    parser.add_argument("--load", type=Path)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.quick:
        args.draws, args.hull_draws, args.real = 5, 5, False
    started = time.time()
    load = os.getloadavg()[0]
    if args.load:
        records = pickle.loads(args.load.read_bytes())
        if args.rescore:
            from corridor.analysis.evaluate.headline import RULE

            records = [rescore(r, RULE) for r in records]
    else:
        base = load_base(args.db)
        specs = []
        cells = cell_draws(args.cell_draws, args.draws)
        stride = max(cells.values())  # main: effect k's draws are indices k * stride .. (no overlap)
        paired = [float(x) for x in args.paired.split(",")] if args.paired else []
        for scenario in args.scenarios.split(",") if not paired else []:
            if scenario == "main":
                index = [k * stride + j for k, e in enumerate(EFFECTS) for j in range(cells[e])]
            else:
                index = list(range(args.hull_draws or args.draws))
            specs += [
                {**draw_spec(base, scenario, i, args.seed, stride), "pre_window": args.pre_window}
                for i in index
            ]
        # --paired: the same draws (start, units, seed) at every listed effect; the pre period's
        # counts are the same at every effect (the Poisson draws run month by month)
        specs += [
            {**draw_spec(base, "main", i, args.seed, args.draws), "effect": e, "pre_window": None}
            for i in range(args.draws)
            for e in paired
        ]
        done: list[dict[str, Any]] = []
        if args.resume and args.save and args.save.exists():
            # the draws an earlier run of the same command saved: kept, not run again
            done = pickle.loads(args.save.read_bytes())
            seen = {(r["scenario"], r["index"], r["effect"]) for r in done}
            specs = [s for s in specs if (s["scenario"], s["index"], s["effect"]) not in seen]
        records = done + run_all(interleaved(specs), base, args.workers, save=args.save, done=done)
    print(
        f"Battery: seed {args.seed}, {len(records)} draws; machine {platform.machine()}, "
        f"nproc {os.cpu_count()}, "
        f"load {load:.1f} before, {os.getloadavg()[0]:.1f} after; {time.time() - started:.0f} s wall; "
        f"median {np.median([r['cpu'] for r in records if 'cpu' in r]):.2f} s CPU a draw.\n"
    )
    if _is_paired(records):
        print(paired_table(records))
        print()
    print(targets(records))
    print()
    print(table(records))
    print()
    print(methods_table(records))
    if args.compare:
        print()
        rules = candidates()
        print(compare_rules(records, rules))
        print()
        print(compare_cells(records, rules))
        print()
        print(sharpness_table({n: [rescore(r, rules[n]) for r in records] for n in list(rules)[:2]}))
    if args.real:
        print()
        print(real_table(real_events(args.db)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Verdict cards: the plain-language result that leads every analysis page (evaluate, forecast,
drivers, simulate), with its interval and a note on how far to trust it.

Each function reads what a page shows of a result (`web.results.Shown`: its metadata, its tidy
frame and its `to_dict()` details, the same answer the API caches and serves) and returns a
card: `headline` (one sentence), `interval`, `reliability`, `facts` (label, value), a `tone`
(`none`, or `mid` when the result should be read with care) and a `kicker`. A result without
what a card needs gets None, and the page shows its table as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from corridor import fmt
from corridor.reference import labels

Card = dict[str, Any]


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _meta(shown: Any) -> dict[str, Any]:
    meta = getattr(shown, "metadata", None)
    return meta if isinstance(meta, dict) else {}


def _frame(shown: Any) -> pd.DataFrame:
    frame = getattr(shown, "frame", None)
    return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()


def _approx(value: float) -> str:
    """A count for a sentence: 3 significant digits (32,024 -> about 32,000; 3.62 million)."""
    if not _finite(value):
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} million"
    if abs(value) >= 1000:
        return fmt.count(round(float(value), 2 - math.floor(math.log10(abs(float(value))))))
    return fmt.count(value)


def _range(lo: Any, hi: Any, *, pct: bool = False) -> str:
    if not (_finite(lo) and _finite(hi)):
        return "no interval"
    if pct:
        return f"{fmt.pct(lo)} to {fmt.pct(hi)}"
    return f"{fmt.count(lo)} to {fmt.count(hi)}"


# --- evaluate ------------------------------------------------------------------------------------


def _about(value: float) -> str:
    """A count rounded to three significant digits: an estimate is not known to the encounter."""
    v = abs(value)
    if v < 1:
        return "0"
    return f"{round(v, 2 - math.floor(math.log10(v))):,.0f}"


def _encounters_a_month(mid: float, lo: Any, hi: Any) -> str:
    """'about 78,100 fewer encounters a month (12,600 to 339,000 fewer)', in words, not signs."""

    def way(x: float) -> str:
        return "fewer" if x < 0 else "more"

    text = f"about {_about(mid)} {way(mid)} encounters a month"
    if _finite(lo) and _finite(hi):
        a, b = sorted((float(lo), float(hi)), key=abs)
        span = (
            f"{_about(a)} to {_about(b)} {way(b)}"
            if way(a) == way(b)
            else f"from {_about(float(lo))} {way(float(lo))} to {_about(float(hi))} {way(float(hi))}"
        )
        text += f" ({span})"
    return text


def evaluate(result: Any) -> Card | None:
    """The headline effect (from `metadata.headline` when the evaluation carries one), else the
    methods' estimates side by side, stating plainly when they disagree."""
    meta = _meta(result)
    frame = _frame(result)
    policy = _policy_name(meta)
    kicker = f"Did it change encounters? {policy}" if policy else "Did it change encounters?"
    head = meta.get("headline")
    if isinstance(head, dict) and head.get("status"):
        return _evaluate_headline(meta, head, kicker)
    if frame.empty or "effect_rel" not in frame:
        return None
    rows = frame.dropna(subset=["effect_rel"])
    if rows.empty:
        return None
    clear = rows[(rows["effect_rel_lo"] > 0) | (rows["effect_rel_hi"] < 0)]
    signs = set(np.sign(rows["effect_rel"]).astype(int)) - {0}
    names = {r.method: method_label(str(r.method)) for r in rows.itertuples()}
    facts = [
        (
            names[r.method],
            f"{fmt.pct(r.effect_rel)} ({_range(r.effect_rel_lo, r.effect_rel_hi, pct=True)}), "
            f"p={fmt.cell(r.p_value, 'p')}",
        )
        for r in rows.itertuples()
    ]
    if clear.empty:
        headline = f"No method finds a clear effect: all {len(rows)} intervals include zero."
    elif len(signs) > 1:
        ups = [names[r.method] for r in rows.itertuples() if r.effect_rel > 0]
        downs = [names[r.method] for r in rows.itertuples() if r.effect_rel < 0]
        headline = (
            f"The methods disagree: {_join(downs)} estimate fewer encounters, {_join(ups)} more; "
            "no single answer can be given."
        )
    else:
        direction = "fewer" if next(iter(signs)) < 0 else "more"
        headline = (
            f"{len(clear)} of {len(rows)} methods find clearly {direction} encounters than without the "
            "policy; the others cannot tell."
        )
    return {
        "id": "evaluate",
        "kicker": kicker,
        "headline": headline,
        "interval": (
            "Each method's estimate with its own 95% interval is listed below; no single headline has "
            "been chosen."
        ),
        "reliability": (
            "Methods that disagree mean the answer depends on the assumption each makes; read the "
            "placebo p-values and pre-period fit in the table before quoting any one of them."
        ),
        "facts": facts,
        "tone": "mid",
    }


def method_label(code: str) -> str:
    """A method's name (evaluation methods are also form choices: `synthetic_control`)."""
    return (
        labels.choice("method", code) if f"method.{code}" in labels.CHOICES else labels.label("method", code)
    )


def short_name(indicator: str) -> str:
    """An indicator's name without its trailing unit in brackets (for chart rows and sentences)."""
    from corridor.analysis.drivers import short_name as name

    return name(indicator)


def _policy_name(meta: dict[str, Any]) -> str:
    policy = meta.get("policy") or meta.get("policies")
    if isinstance(policy, list | tuple) and policy:
        policy = policy[0]
    if isinstance(policy, dict):
        policy = policy.get("id")
    return labels.label("event", str(policy)) if policy else ""


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not one inside a quoted title)."""
    found = re.search(r"(?<=[.!?])\s+(?=[A-Z0-9])", text)
    return text[: found.start()] if found else text


def _evaluate_headline(meta: dict[str, Any], head: dict[str, Any], kicker: str) -> Card:
    status = head.get("status")
    verdict = labels.humanize(str(meta.get("verdict") or ""))
    level = head.get("level") or 0.95
    method = head.get("method_label") or method_label(str(head.get("method") or ""))
    interval = ""
    if status != "inconclusive" and _finite(head.get("effect_rel")):
        interval = (
            f"Effect {fmt.pct(head.get('effect_rel'))}, {level:.0%} interval "
            f"{_range(head.get('effect_rel_lo'), head.get('effect_rel_hi'), pct=True)}"
        )
        if _finite(head.get("effect_abs")):
            interval += "; " + _encounters_a_month(
                head["effect_abs"], head.get("effect_abs_lo"), head.get("effect_abs_hi")
            )
        weights = head.get("weights") or {}
        if head.get("method") == "combination" and len(weights) > 1:
            interval += f". From {len(weights)} methods combined, weighted by their errors at earlier dates."
        else:
            interval += f". From {method}."
    agreement = head.get("agreement") or {}
    parts = [labels.humanize(str(head.get("why") or ""))]
    from corridor.analysis.evaluate.headline import agreement_sentence  # the verdict's own words

    agree = agreement_sentence(agreement)
    if agree:
        parts.append(agree)
    facts = []
    if _finite(head.get("p_value")):
        facts.append(("p-value", fmt.cell(head.get("p_value"), "p")))
    if agreement.get("eligible") is not None:
        facts.append(
            ("Methods passing their checks", f"{agreement.get('eligible')} of {agreement.get('methods')}")
        )
    return {
        "id": "evaluate",
        "kicker": kicker,
        # The card leads with the verdict's first sentence; its reasons follow under "How sure".
        "headline": _first_sentence(verdict) or "The evaluation ran; see the estimates below.",
        "interval": interval,
        "reliability": " ".join(p for p in parts if p),
        "facts": facts,
        "tone": "mid" if status == "inconclusive" else "none",
    }


# --- forecast ------------------------------------------------------------------------------------


def forecast(result: Any) -> Card | None:
    """The next month's expected encounters with its ranges, and how the ranges held in backtests."""
    meta = _meta(result)
    frame = _frame(result)
    if frame.empty or "point" not in frame or "month" not in frame:
        return None
    months = sorted(frame["month"].unique())
    first = frame[frame["month"] == months[0]]
    single = len(first) == 1
    when = pd.Timestamp(months[0]).strftime("%B %Y")
    total = float(first["point"].sum())
    what = labels.humanize(str(meta.get("selection") or "encounters"))
    headline = f"About {_approx(total)} encounters expected in {when}"
    headline += f" ({what})." if what else "."
    interval = ""
    if single:
        row = first.iloc[0]
        bits = [
            f"{lv}% range {fmt.count(row[f'lo_{lv}'])} to {fmt.count(row[f'hi_{lv}'])}"
            for lv in (80, 95)
            if f"lo_{lv}" in row and _finite(row[f"lo_{lv}"])
        ]
        interval = "; ".join(bits) + "." if bits else ""
    horizon = len(months)
    all_points = frame.groupby("month")["point"].sum()
    facts = [(f"Next {horizon} months, in all", f"about {_approx(float(all_points.sum()))}")]
    series = meta.get("series") or []
    parts = []
    if series and isinstance(series[0], dict):
        one = series[0]
        if one.get("interval_meaning"):
            parts.append(str(one["interval_meaning"]))
        bt = one.get("backtest") or {}
        if _finite(bt.get("relative_width_80")):
            shift = one.get("break") or {}
            spans = ""  # backtests end with the data and reach about 30 months back
            if shift.get("detected") and shift.get("month"):
                at = pd.Timestamp(str(shift["month"]))
                if at >= pd.Timestamp(months[0]) - pd.DateOffset(months=30):
                    spans = f", which span the level shift of {at:%b %Y},"
            sharp = (
                f"In backtests{spans} the 80% range was on average {float(bt['relative_width_80']):.0%} "
                "of the actual value wide (its sharpness: narrower is more useful)"
            )
            if single and {"lo_80", "hi_80"} <= set(first.columns) and total > 0:
                now = (float(first.iloc[0]["hi_80"]) - float(first.iloc[0]["lo_80"])) / total
                sharp += f"; this month's is {now:.0%} of the forecast"
            parts.append(sharp + ".")
        if _finite(bt.get("coverage_80")):
            facts.append(("80% range held in backtests", fmt.pct(bt["coverage_80"], signed=False)))
    table = (meta.get("backtest") or {}).get("table") or []
    ours = next((r for r in table if r.get("model") == "corridor"), None)
    if ours and _finite(ours.get("mase_vs_naive")):
        ratio = float(ours["mase_vs_naive"])
        better = "better than" if ratio < 0.95 else "worse than" if ratio > 1.05 else "about as good as"
        parts.append(
            f"In backtests its errors were {ratio:.2f} times those of the naive forecast "
            f"('same as last month'): {better} naive."
        )
    low_cover = ours is not None and _finite(ours.get("coverage_80")) and float(ours["coverage_80"]) < 0.7
    return {
        "id": "forecast",
        "kicker": "What to expect next",
        "headline": headline,
        "interval": interval,
        "reliability": " ".join(labels.humanize(p) for p in parts),
        "facts": facts,
        "tone": "mid" if low_cover else "none",
    }


# --- drivers -------------------------------------------------------------------------------------


def drivers(result: Any) -> Card | None:
    """Which drivers move with encounters clearly, and what kind of evidence that is."""
    meta = _meta(result)
    frame = _frame(result)
    if frame.empty or "effect_pct" not in frame:
        return None
    from corridor.analysis.drivers import verdict_parts  # the CLI's words too

    headline, interval, reliability = verdict_parts(frame, meta)
    facts = []
    if meta.get("n_obs"):
        facts.append(
            ("Sample", f"{fmt.count(meta['n_obs'])} country-years, {meta.get('n_origins')} countries")
        )
    if meta.get("period"):
        facts.append(("Years", str(meta["period"]).replace("..", "–")))
    return {
        "id": "drivers",
        "kicker": "What moves with encounters",
        "headline": headline,
        "interval": interval,
        "reliability": reliability,
        "facts": facts,
        "tone": "none",
    }


# --- simulations ---------------------------------------------------------------------------------


def pathways(result: Any) -> Card | None:
    """New court cases each month of the run (medians with their 80% ranges), and where the other
    major outcomes end."""
    meta = _meta(result)
    frame = _frame(result)
    if frame.empty or not {"series", "median", "lower", "upper", "month"} <= set(frame.columns):
        return None
    cases = frame[frame["series"] == "new_court_cases"].sort_values("month")
    if cases.empty:
        return None
    first, last = cases.iloc[0], cases.iloc[-1]

    def when(value: Any) -> str:
        return pd.Timestamp(value).strftime("%b %Y")

    scenario = (meta.get("scenario") or {}).get("title") or "the baseline"
    facts = []
    for outcome in ("t8_repatriation", "transfer_ice", "usbp_release", "ofo_parole"):
        rows = frame[frame["series"] == outcome].sort_values("month")
        if len(rows):
            facts.append(
                (
                    f"{labels.label('outcome', outcome)}, {when(rows.iloc[-1]['month'])}",
                    _approx(rows.iloc[-1]["median"]),
                )
            )
    return {
        "id": "simulate_pathways",
        "kicker": f"What if: {labels.humanize(str(scenario))}",
        "headline": (
            f"New immigration-court cases: about {_approx(first['median'])} in {when(first['month'])}, "
            f"about {_approx(last['median'])} a month by {when(last['month'])} (medians of the runs)."
        ),
        "interval": (
            f"{when(last['month'])}: 80% of runs give {fmt.count(last['lower'])} to "
            f"{fmt.count(last['upper'])}."
        ),
        "reliability": labels.humanize(str(meta.get("interval_meaning") or "")),
        "facts": facts,
        "tone": "none",
    }


def backlog(result: Any) -> Card | None:
    """Pending court cases at the end of the run, or the judges a goal needs."""
    meta = _meta(result)
    frame = _frame(result)
    if frame.empty or "series" not in frame:
        return None
    pending = frame[frame["series"] == "pending"].sort_values("fiscal_year")
    if pending.empty:
        return None
    first, last = pending.iloc[0], pending.iloc[-1]
    goal = meta.get("goal") if isinstance(meta.get("goal"), dict) else None
    if goal and _finite(goal.get("median")):
        headline = (
            f"Clearing the backlog by FY{goal.get('clear_by')} needs about {fmt.count(goal['median'])} "
            "added judges (median of the runs)."
        )
        interval = labels.humanize(str(goal.get("sentence") or ""))
    else:
        headline = (
            f"Pending cases: about {_approx(first['median'])} in FY{int(first['fiscal_year'])}, "
            f"about {_approx(last['median'])} by FY{int(last['fiscal_year'])} (median of the runs)."
        )
        interval = (
            f"FY{int(last['fiscal_year'])}: 80% of runs give {_approx(last['lower'])} to "
            f"{_approx(last['upper'])} pending cases."
        )
    facts = [("Judges added", fmt.count(meta.get("judges_added") or 0))]
    if meta.get("receipts"):
        facts.append(("New cases a year", labels.humanize(str(meta["receipts"]))))
    return {
        "id": "simulate_backlog",
        "kicker": "What if: the immigration-court backlog",
        "headline": headline,
        "interval": interval,
        "reliability": labels.humanize(str(meta.get("interval_meaning") or "")),
        "facts": facts,
        "tone": "mid" if goal is None and _finite(last["lower"]) and last["lower"] == 0 else "none",
    }


# --- strategy tracker ----------------------------------------------------------------------------


def track(result: Any) -> Card | None:
    """The strategy's overall band, how many indicators improved, and each pillar's band."""
    data = getattr(result, "details", None) or {}
    frame = _frame(result)
    if not data or "status" not in frame:
        return None
    counts = frame["status"].value_counts()
    order = ("improving", "no clear change", "worsening", "no baseline", "no later data", "no data")
    # every status is counted, so the parts add up to the total said
    said = [
        f"{counts[s]} {s}"
        for s in (*order, *[s for s in counts.index if s not in order])
        if s in counts.index
    ]
    score = data.get("score")
    overall = (
        f"{data.get('band')} overall ({score:.2f} on a scale from 0, all worsening, to 1, all improving)"
        if _finite(score)
        else "not scorable from the warehouse"
    )
    facts = [
        (
            f"Pillar {p.get('pillar')}: {p.get('title')}",
            f"{p.get('band')} ({p['score']:.2f})" if _finite(p.get("score")) else "not measurable",
        )
        for p in data.get("pillars") or []
    ]
    return {
        "id": "track",
        "kicker": "Strategy scorecard",
        "headline": f"{data.get('title')}: {overall}.",
        "interval": f"Of {len(frame)} indicators: " + ", ".join(said) + ".",
        "reliability": (
            "Each indicator's change since the baseline is judged against its published standard "
            "errors where they exist, else against its own year-to-year variation; 'no clear change' "
            "means the change is within that noise."
        ),
        "facts": facts,
        "tone": "none",
    }


CARDS: dict[str, Callable[[Any], Card | None]] = {
    "track": track,
    "evaluate": evaluate,
    "forecast": forecast,
    "drivers": drivers,
    "simulate_pathways": pathways,
    "simulate_backlog": backlog,
}


def card(verb: str, result: Any) -> Card | None:
    """The verdict card of a verb's result (None for verbs without one, or when it cannot be made)."""
    make = CARDS.get(verb)
    if make is None:
        return None
    try:
        return make(result)
    except (KeyError, AttributeError, TypeError, ValueError, IndexError):  # a card is a summary
        return None

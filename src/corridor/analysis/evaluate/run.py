"""Run an evaluation: validate the design, run the methods, check them out of sample, pick the headline."""

from __future__ import annotations

from typing import Literal

from corridor.analysis.evaluate.backtest import MAX_DATES, backtest
from corridor.analysis.evaluate.base import METHODS, Design, Method, MethodSpec, summarise
from corridor.analysis.evaluate.headline import RULE, Rule, choose
from corridor.analysis.evaluate.result import EvaluationSet
from corridor.errors import UsageError


def registry() -> dict[str, MethodSpec]:
    """Every evaluation method, by name, in the order results list them."""
    from corridor.analysis.evaluate import did, its, structural, synth

    return {m.METHOD.name: m.METHOD for m in (its, synth, did, structural)}


def run(
    design: Design,
    *,
    method: Method | Literal["all"] = "all",
    rule: Rule = RULE,
    max_dates: int = MAX_DATES,
    inference: bool = True,
) -> EvaluationSet:
    """Evaluate `design` with one method, or every method that applies (`all`), and choose the headline.

    `inference=False` leaves out each method's own placebo p-value and interval (the headline does
    not use them; the validation battery runs thousands of draws this way)."""
    methods = registry()
    if method != "all" and method not in methods:
        raise UsageError(f"method {method!r} is not one of {', '.join([*METHODS, 'all'])}")
    full = design.validated()
    window = full.window()
    chosen = list(methods) if method == "all" else [method]
    results, skipped, specs = [], {}, []
    for name in chosen:
        spec = methods[name]
        reason = spec.applicable(window)
        if reason is not None:
            if method != "all":
                raise UsageError(f"the method {name} does not apply here: it {reason}")
            skipped[name] = reason
            continue
        results.append(summarise(window, spec, spec.estimate(window, inference=inference)))
        specs.append(spec)
    if not results:
        raise UsageError(
            "no method applies to this design: " + "; ".join(f"{k} {v}" for k, v in skipped.items())
        )
    bt = backtest(full, specs, max_dates=max_dates)
    headline = choose(results, bt, window, rule)
    return EvaluationSet(design=window, results=results, skipped=skipped, headline=headline, backtest=bt)

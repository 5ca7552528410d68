"""Causal evaluation of policies: what works, answered with one defensible headline.

Modules (method modules import `base` only, never the orchestrator):

- `base`: the shared types (`Design`, `Estimate`, `MethodSpec`, `EvaluationResult`, `summarise`).
- `its`, `synth`, `did`, `structural`: one method each, with `estimate` (full inference) and
  `point` (the effect alone, for the out-of-sample checks).
- `design`: the default design's rules (pre period, donors, post period) and the checks that give
  a bad design one clear `UsageError`.
- `backtest`: every method at pseudo-treatment dates before the real start (true effect zero).
- `headline`: the out-of-sample rule that picks the headline, and the verdict sentence.
- `result`: `EvaluationSet`, the answer; `run`: the orchestrator; `synthetic`: seeded panels.

**The contract surfaces rely on** (`EvaluationSet.metadata()`, JSON-ready through `corridor.jsonio`):

- `metadata["verdict"]` (str): one or two plain sentences, the same as `EvaluationSet.verdict()`.
- `metadata["headline"]` (object):
  - `status`: `"effect"` (the interval excludes zero), `"no_clear_effect"` (it includes zero) or
    `"inconclusive"` (no method can be defended, or those that can disagree in direction);
  - `method`: `"combination"` when two or more methods pass their checks (their log estimates
    weighted by 1 / e^2, e each one's out-of-sample error), else the one method id (`its`,
    `synthetic_control`, `did`, `structural`); null when inconclusive; `method_label`: its label;
  - `effect_rel`, `effect_rel_lo`, `effect_rel_hi`: relative effect and its interval (-0.4 = 40%
    lower than the counterfactual); `effect_abs`, `effect_abs_lo`, `effect_abs_hi`: encounters a
    month; `p_value`; `level` (0.95). All null when inconclusive;
  - `why` (str): why this method, or why inconclusive;
  - `agreement`: `methods` (run), `eligible` (passing their checks), `same_sign` (methods whose
    estimate has the headline's sign; null without a direction), `same_sign_methods`,
    `intervals_overlap` (the methods' own intervals share a point), `estimates` (by method);
  - `weights` (method -> weight in the headline, summing to 1), `eligible` (method -> null, or
    why it cannot carry weight), `out_of_sample` (`dates`, `first`, `last`, `rmse_log`,
    `bias_log`, `n`);
  - `correction`: how the headline differs from its method's (or the combination's) own estimate:
    `method_log_effect` and `method_effect_rel` (that estimate), `log_shift` (the median
    out-of-sample error taken off it, log scale; 0 when not corrected); null when inconclusive.
- `metadata["warnings"]`: plain sentences (may be empty).
"""

from corridor.analysis.evaluate.backtest import Backtest, backtest
from corridor.analysis.evaluate.base import (
    ALL_UNITS,
    METHODS,
    MIN_PRE_MONTHS,
    POOR_FIT_MAPE,
    Design,
    Estimate,
    EvaluationResult,
    Method,
    MethodSpec,
    placebo_p,
    summarise,
)
from corridor.analysis.evaluate.design import RULES, DesignRules
from corridor.analysis.evaluate.headline import RULE, Headline, Rule
from corridor.analysis.evaluate.result import EvaluationSet
from corridor.analysis.evaluate.run import registry, run
from corridor.analysis.evaluate.synthetic import noisy_panel, synthetic_design, synthetic_panel

__all__ = [
    "ALL_UNITS",
    "METHODS",
    "MIN_PRE_MONTHS",
    "POOR_FIT_MAPE",
    "RULE",
    "RULES",
    "Backtest",
    "Design",
    "DesignRules",
    "Estimate",
    "EvaluationResult",
    "EvaluationSet",
    "Headline",
    "Method",
    "MethodSpec",
    "Rule",
    "backtest",
    "noisy_panel",
    "placebo_p",
    "registry",
    "run",
    "summarise",
    "synthetic_design",
    "synthetic_panel",
]

"""What both simulations share about their Monte Carlo options and how they word an interval."""

from __future__ import annotations

import math

import numpy as np

from corridor.errors import UsageError


def check_options(*, runs: object, seed: object, level: object) -> None:
    """Runs and seed are whole numbers (seed not negative), the level lies strictly between 0 and 1."""
    for name, value in (("--runs", runs), ("--seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise UsageError(f"{name} must be a whole number, got {value!r}")
    if seed < 0:  # type: ignore[operator]
        raise UsageError(f"--seed must not be negative, got {seed}")
    ok = isinstance(level, int | float) and not isinstance(level, bool) and math.isfinite(level)
    if not (ok and 0 < level < 1):  # type: ignore[operator]
        raise UsageError(f"--level must be between 0 and 1 (e.g. 0.8), got {level}")


def in_ten(share: float) -> str:
    """'8 in 10' for 0.8, '95 in 100' for 0.95: how an interval's level reads in a sentence."""
    for base in (10, 100, 1000):
        k = share * base
        if abs(k - round(k)) < 1e-9:
            return f"{round(k)} in {base}"
    return f"{share:.1%} of"

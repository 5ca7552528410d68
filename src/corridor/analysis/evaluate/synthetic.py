"""Seeded synthetic panels with known effects, for tests, the validation battery and documentation.

`synthetic_panel` draws a whole panel from a simple model (log-linear trend, season, AR(1)
shocks, Poisson counts). `noisy_panel` builds one on real series instead: the real monthly
counts are the expected values, the treated units' are multiplied by a level factor and by
1 + effect from their start, and every count is drawn from a Poisson distribution and rounded
to 10, as the OHSS tables are.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from corridor.analysis.evaluate.base import Design
from corridor.reference.calendar import add_months


def noisy_panel(
    counts: pd.DataFrame,
    cohorts: dict[str, dt.date],
    *,
    effect: float,
    seed: int,
    level: float = 1.0,
    round_to: int = 10,
) -> pd.DataFrame:
    """A Poisson draw (rounded to `round_to`) around real `counts` (months x units); the treated
    units (`cohorts`) multiplied by `level`, and by 1 + `effect` from their start month."""
    rng = np.random.default_rng(seed)
    lam = counts.to_numpy(dtype=float).copy()
    months = np.array(counts.index)
    for unit, start in cohorts.items():
        j = counts.columns.get_loc(unit)
        lam[:, j] *= level * np.where(months >= start, 1.0 + effect, 1.0)
    draws = rng.poisson(np.clip(lam, 0, None)).astype(float)
    if round_to > 1:
        draws = np.round(draws / round_to) * round_to
    return pd.DataFrame(draws, index=counts.index, columns=counts.columns)


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

"""One place that turns every id Corridor uses into words a person reads, and one colour a category.

Pages, charts, legends, captions, CSV headers (on request) and error messages take their labels
from here, so the same id reads the same everywhere. Kinds: the encounter dimensions
(`demographic`, `component`, `region`, `title`, `sector`, `citizenship`), `event` (the policy
timeline), `method`, `field` (form and query parameters), `badge`, `series` and `indicator`.
A module that adds ids of a kind adds their labels to that kind's table below.
"""

from __future__ import annotations

import functools
from typing import NamedTuple


class Label(NamedTuple):
    """A human label and a one-line description of what the id means."""

    text: str
    description: str = ""


# Analysis methods (evaluate, forecast, drivers), as results name them.
METHODS: dict[str, Label] = {
    "its": Label(
        "Interrupted time series", "The treated series' own pre-period trend and season, projected."
    ),
    "synth": Label(
        "Synthetic control", "A weighted mix of untreated nationalities that tracked the treated one."
    ),
    "did": Label(
        "Difference-in-differences", "The treated change against the untreated nationalities' change."
    ),
    "structural": Label("Structural time series", "A local-level model with the donors as regressors."),
    "naive": Label("Naive", "Next month equals this month."),
    "seasonal_naive": Label("Seasonal naive", "Next month equals the same month last year."),
    "autoets": Label("AutoETS", "Exponential smoothing, chosen automatically (statsforecast)."),
    "autoarima": Label("AutoARIMA", "ARIMA, chosen automatically (statsforecast)."),
    "ppml": Label("Poisson pseudo-maximum likelihood", "A gravity-style count model with fixed effects."),
    # Evaluation ids as `corridor evaluate` names them (analysis/evaluate).
    "synthetic_control": Label(
        "Synthetic control", "A weighted mix of untreated nationalities that tracked the treated one."
    ),
    "combination": Label(
        "Combination of methods", "The methods' estimates weighted by how well each predicted earlier months."
    ),
}

# Form and query parameters, as pages show them.
FIELDS: dict[str, Label] = {
    "region": Label("Border region"),
    "component": Label(
        "Who encountered them", "Border Patrol between ports, officers at ports of entry, or both."
    ),
    "citizenship": Label("Citizenship"),
    "demographic": Label("Group", "Single adults, people in family units, unaccompanied children."),
    "sector": Label("Border Patrol sector"),
    "title": Label("Legal authority", "Title 8 (immigration law) or Title 42 (public-health expulsions)."),
    "state": Label("US state"),
    "by": Label("Break down by"),
    "since": Label("From (month)"),
    "until": Label("To (month)"),
    "policy": Label("Policy"),
    "post": Label("Months after the start"),
    "donors": Label("Comparison nationalities"),
    "treated": Label("Nationalities the policy targeted"),
    "start": Label("First month of the policy"),
    "method": Label("Method"),
    "horizon": Label("Months ahead"),
    "origins": Label("Backtest origins", "How many past months the forecast is re-run from to test it."),
    "level": Label("Interval level (%)"),
    "fe": Label("Fixed effects", "What the model holds constant: each country, each year, or both."),
    "oos_years": Label("Years held out", "Years left out of fitting to test the model's predictions."),
    "lag": Label("Years of lag"),
    "drivers": Label("Drivers"),
    "country": Label("Country"),
    "indicator": Label("Indicator"),
    "iso3": Label("Country"),
    "framework": Label("Strategy"),
    "scenario": Label("Scenario"),
    "runs": Label("Simulation runs"),
    "seed": Label("Random seed"),
}

# The qualifiers shown as badges beside numbers; the glossary explains each.
BADGES: dict[str, Label] = {
    "rounded": Label("rounded", "The publisher rounded each count to the nearest 10."),
    "suppressed": Label(
        "suppressed", "The publisher withheld a small count (shown as X) to protect privacy."
    ),
    "partial": Label("partial", "The period is not complete in the data: fewer months than a full year."),
    "stitched": Label("stitched", "The series joins several releases or tables, each for its own months."),
    "derived": Label("derived", "Computed by Corridor from published figures, not published as such."),
}

# Operations and context series (`corridor series`); modules adding a series add its label here.
SERIES: dict[str, Label] = {}


@functools.cache
def _events() -> dict[str, Label]:
    from corridor.reference import events

    return {e.id: Label(e.title, e.kind) for e in events.load_events()}


def _vocab(kind: str) -> dict[str, Label]:
    from corridor.reference.sectors import SECTORS
    from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES

    if kind == "sector":
        return {k: Label(v[0]) for k, v in SECTORS.items()}
    table = {"demographic": DEMOGRAPHICS, "component": COMPONENTS, "region": REGIONS, "title": TITLES}
    return {k: Label(v) for k, v in table.get(kind, {}).items()}


def table(kind: str) -> dict[str, Label]:
    """Every id of `kind` with its Label (citizenships and indicators are looked up one by one)."""
    fixed = {"method": METHODS, "field": FIELDS, "badge": BADGES, "series": SERIES}
    if kind in fixed:
        return fixed[kind]
    if kind == "event":
        return _events()
    return _vocab(kind)


def label(kind: str, code: str) -> str:
    """The human label of `code`; the code itself only when nothing better is known."""
    if kind == "citizenship":
        from corridor.reference.countries import country_name

        return country_name(code)
    entry = table(kind).get(code)
    return entry.text if entry else code


def describe(kind: str, code: str) -> str:
    """A one-line description of `code` (empty when there is none)."""
    entry = table(kind).get(code)
    return entry.description if entry else ""


# One colour a category, the same on every chart (Tableau 10, readable on white).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
_FIXED_COLOURS: dict[str, dict[str, str]] = {
    "demographic": {
        "single_adults": "#4e79a7",
        "family_units": "#f28e2b",
        "uac": "#e15759",
        "accompanied_minors": "#76b7b2",
    },
    "component": {"usbp": "#59a14f", "ofo": "#b07aa1", "all": "#4e79a7"},
    "title": {"title8": "#4e79a7", "title42": "#e15759"},
    "region": {"southwest": "#f28e2b", "northern": "#4e79a7", "coastal": "#76b7b2", "nationwide": "#9c755f"},
}


def colour(kind: str, code: str) -> str:
    """The colour of `code` on every chart: fixed for the small vocabularies, stable by hash otherwise."""
    fixed = _FIXED_COLOURS.get(kind, {})
    if code in fixed:
        return fixed[code]
    return PALETTE[sum(code.encode()) % len(PALETTE)]

"""One place that turns every id Corridor uses into words a person reads, and one colour a category.

Pages, charts, legends, captions, CSV headers (on request) and error messages take their labels
from here, so the same id reads the same everywhere. Kinds: the encounter dimensions
(`demographic`, `component`, `region`, `title`, `sector`, `citizenship`), `event` (the policy
timeline), `method`, `field` (form and query parameters), `badge`, `series` and `indicator`.
A module that adds ids of a kind adds their labels to that kind's table below.
"""

from __future__ import annotations

import functools
import re
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
    fixed = {
        "method": METHODS,
        "field": FIELDS,
        "badge": BADGES,
        "series": SERIES,
        "column": COLUMNS,
        "choice": CHOICES,
        "term": TERMS,
    }
    if kind in fixed:
        return {**fixed[kind], **_REGISTERED.get(kind, {})}
    if kind == "event":
        return _events()
    if kind == "by":
        return {k: COLUMNS[k] for k in BY_LABELS}
    return {**_vocab(kind), **_REGISTERED.get(kind, {})}


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


# --- Dashboard, report and terminal vocabulary (issue 17) ----------------------------------------
# Column headers, form choices, glossary terms, ids registered at run time (the warehouse's
# indicator catalogue), and `humanize`, which rewrites ids and CLI flags inside sentences.

# Table columns as pages and reports head them (CSV and JSON keep the ids).
COLUMNS: dict[str, Label] = {
    "month": Label("Month"),
    "fiscal_year": Label("Fiscal year", "October of the year before to September."),
    "calendar_year": Label("Calendar year"),
    "year": Label("Year"),
    "region": Label("Border region"),
    "component": Label("Who encountered them"),
    "citizenship": Label("Citizenship"),
    "demographic": Label("Group"),
    "sector": Label("Border Patrol sector"),
    "title": Label("Title"),
    "state": Label("US state"),
    "encounters": Label("Encounters", "Events, not unique people."),
    "country": Label("Country"),
    "iso3": Label("Code"),
    "indicator": Label("Indicator"),
    "value": Label("Value"),
    "unit": Label("Unit"),
    "source": Label("Source"),
    "name": Label("Name"),
    "description": Label("Description"),
    "countries": Label("Countries"),
    "first_year": Label("First year"),
    "last_year": Label("Last year"),
    "url": Label("Link"),
    "licence": Label("Licence"),
    # forecasts
    "point": Label("Forecast"),
    "lo_80": Label("80% range, low"),
    "hi_80": Label("80% range, high"),
    "lo_95": Label("95% range, low"),
    "hi_95": Label("95% range, high"),
    "model": Label("Model"),
    "mase": Label("Error (MASE)", "Mean absolute error scaled by the series' typical monthly change."),
    "mase_vs_naive": Label("Error against naive", "Below 1: better than 'same as last month'."),
    "winkler_80": Label("80% range score (Winkler)", "Width plus penalties for misses; lower is better."),
    "winkler_80_vs_naive": Label("80% range score against naive"),
    "winkler_95": Label("95% range score (Winkler)"),
    "winkler_95_vs_naive": Label("95% range score against naive"),
    "coverage_80": Label("80% range: share of outcomes inside"),
    "coverage_95": Label("95% range: share of outcomes inside"),
    "negative_share": Label("Share of negative forecasts"),
    "forecasts": Label("Forecasts scored"),
    "horizon": Label("Months ahead"),
    # evaluations
    "method": Label("Method"),
    "treated": Label("Treated"),
    "start": Label("First month"),
    "post_months": Label("Months after"),
    "effect_abs": Label("Effect a month"),
    "effect_abs_lo": Label("Effect a month, low"),
    "effect_abs_hi": Label("Effect a month, high"),
    "effect_rel": Label("Effect (%)"),
    "effect_rel_lo": Label("Effect (%), low"),
    "effect_rel_hi": Label("Effect (%), high"),
    "effect_cum": Label("Effect, all months"),
    "p_value": Label("p-value", "How often placebo runs show an effect as large."),
    "p_kind": Label("Placebo test"),
    "n_placebos": Label("Placebos"),
    "pre_rmspe": Label("Pre-period error a month"),
    "pre_mape": Label("Pre-period error (%)"),
    "n_donors": Label("Comparison units"),
    "library": Label("Library"),
    "interval": Label("Interval"),
    # drivers
    "driver": Label("Driver"),
    "transform": Label("Enters as"),
    "lag": Label("Lag (years)"),
    "estimate": Label("Coefficient"),
    "se": Label("Standard error"),
    "ci_lo": Label("95% low"),
    "ci_hi": Label("95% high"),
    "effect_pct": Label("Effect on encounters"),
    "effect_pct_lo": Label("Effect, low"),
    "effect_pct_hi": Label("Effect, high"),
    "per": Label("Per"),
    "within_sd": Label("Typical change (1 SD within countries)"),
    "effect_pct_sd": Label("Effect of a typical change"),
    "interpretation": Label("Reading"),
    # simulations
    "series": Label("Outcome"),
    "median": Label("Median"),
    "lower": Label("Low"),
    "upper": Label("High"),
    "mean": Label("Mean"),
    "level": Label("Interval level"),
    # policy timeline
    "id": Label("Id"),
    "effective": Label("In force from"),
    "announced": Label("Announced"),
    "start_month": Label("First treated month"),
    "citizenships": Label("Nationalities"),
    "regions": Label("Regions"),
    "publisher": Label("Publisher"),
    # tracker and profiles
    "pillar": Label("Pillar"),
    "label": Label("Indicator"),
    "direction": Label("Better when"),
    "baseline_year": Label("Baseline year"),
    "baseline": Label("Baseline"),
    "latest_year": Label("Latest year"),
    "latest": Label("Latest"),
    "change": Label("Change"),
    "change_pct": Label("Change (%)"),
    "change_5y": Label("5-year change"),
    "since_year": Label("Since"),
    "status": Label("Status"),
    "score": Label("Score"),
    "target": Label("Target"),
    "target_year": Label("Target year"),
    "evaluation": Label("Evaluation"),
    "weight": Label("Weight"),
    "pillar_title": Label("Pillar"),
    "band": Label("Band"),
    # releases and cubes
    "dataset": Label("Dataset"),
    "file_name": Label("File"),
    "rows": Label("Rows"),
    "period_start": Label("From"),
    "period_end": Label("To"),
    "sha256": Label("SHA-256 (start)"),
    "bytes": Label("Bytes"),
    "loaded_at": Label("Loaded"),
    "published": Label("Published"),
    "cube": Label("Table"),
    "grain": Label("Grain"),
    "dims": Label("Dimensions"),
    "fixed": Label("Fixed to"),
    "rounded": Label("Rounded"),
    "from": Label("From"),
    "to": Label("To"),
    "releases": Label("Releases"),
}

# Form choices that are ids of their own: "<field>.<value>".
CHOICES: dict[str, Label] = {
    "fe.origin_year": Label("Each country and each year"),
    "fe.origin": Label("Each country"),
    "fe.year": Label("Each year"),
    "fe.none": Label("None"),
    "freq.fiscal_year": Label("Fiscal year"),
    "freq.calendar_year": Label("Calendar year"),
    "method.all": Label("All four methods"),
    "method.its": Label("Interrupted time series"),
    "method.synthetic_control": Label("Synthetic control"),
    "method.did": Label("Difference-in-differences"),
    "method.structural": Label("Structural time series"),
    "encounters.history": Label("Published history only"),
    "encounters.seasonal-naive": Label("History, then last year's months repeated"),
    "receipts.last": Label("Last year's new cases, held"),
    "receipts.from-pathways": Label("From the pathways simulation"),
    "definition.eoir_2026": Label("EOIR definition of 2026"),
    "definition.eoir_2021": Label("EOIR definition of April 2021"),
    "outcome.encounters": Label("Encounters"),
    "by.citizenship": Label("Citizenship"),
    "transform.log": Label("Logarithm (a 10% change)"),
    "transform.log1p": Label("Logarithm of 1 + value"),
    "transform.level": Label("Level (one unit)"),
}

# Glossary: the qualifiers beside numbers and the words the pages use; /glossary explains each.
TERMS: dict[str, Label] = {
    "events": Label(
        "Events, not people",
        "Encounters count events: a person stopped twice in a month is counted twice. Under Title "
        "42 (March 2020 to May 2023) many people were expelled and tried again, so counts of those "
        "months overstate the number of different people.",
    ),
    "rounded": Label(
        "Rounded",
        "DHS OHSS publishes its Border Patrol tables rounded to the nearest 10. Sums of rounded "
        "counts can differ from published totals by a few tens. Corridor uses a rounded table only "
        "where no exact one answers, and names the rounded months.",
    ),
    "suppressed": Label(
        "Suppressed",
        "A publisher withholds a small count (shown as X, D or *) to protect privacy. Corridor "
        "keeps it missing, shown as a dash, never as 0.",
    ),
    "missing": Label(
        "Missing (–)",
        "A dash means the source does not publish the number for that period or group, for "
        "example a group before its publisher tracked it. Missing is never counted as zero.",
    ),
    "partial": Label(
        "Partial period",
        "A period the data cover only in part, such as a fiscal year with 2 of its 12 months "
        "published so far. Charts draw partial periods lighter and hatched, with a label; compare "
        "them with full periods only month for month.",
    ),
    "stitched": Label(
        "Stitched",
        "The series joins several releases or tables, each for its own months (the newest exact "
        "source wins where they overlap). Only tables that count the same thing are joined; the "
        "provenance lists which source covers which months.",
    ),
    "title8": Label(
        "Title 8",
        "Encounters processed under US immigration law (Title 8 of the US Code): apprehensions by "
        "Border Patrol and people found inadmissible at ports of entry.",
    ),
    "title42": Label(
        "Title 42",
        "Public-health expulsions under Title 42 of the US Code, from 20 March 2020 to 11 May "
        "2023. People were expelled quickly, often to Mexico, without an immigration process.",
    ),
    "components": Label(
        "Components: Border Patrol and ports of entry",
        "CBP counts encounters in two parts. U.S. Border Patrol (USBP) apprehends people between "
        "ports of entry; the Office of Field Operations (OFO) finds people inadmissible at ports "
        "of entry. 'All encounters' adds both; only Border Patrol reaches back before FY2020.",
    ),
    "fiscal_year": Label(
        "Fiscal year",
        "The US federal fiscal year N runs from October of N-1 to September of N: FY2025 is "
        "October 2024 to September 2025.",
    ),
    "demographics": Label(
        "Groups",
        "Single adults; individuals in family units (people travelling with a family member); "
        "unaccompanied children (under 18, without a parent or legal guardian); accompanied "
        "minors (with an adult who is not counted as a family unit).",
    ),
    "regions": Label(
        "Border regions",
        "The southwest land border (with Mexico), the northern land border (with Canada), and "
        "the coastal border with air and sea ports ('other' in CBP's files).",
    ),
    "interval": Label(
        "Interval (range)",
        "A range that should hold the true value a stated share of the time. Corridor reports "
        "how often past ranges held (calibration) and how wide they are (sharpness).",
    ),
}

# Group-by keys shown as "Break down by" choices, with COLUMNS labels.
BY_LABELS = (
    "month",
    "fiscal_year",
    "calendar_year",
    "region",
    "component",
    "citizenship",
    "demographic",
    "sector",
    "title",
    "state",
)

_REGISTERED: dict[str, dict[str, Label]] = {}


def register(kind: str, entries: dict[str, str] | dict[str, Label]) -> None:
    """Add ids known only at run time (the warehouse's indicator catalogue, frameworks)."""
    table_ = _REGISTERED.setdefault(kind, {})
    for code, entry in entries.items():
        table_[code] = entry if isinstance(entry, Label) else Label(str(entry))


def choice(field: str, value: str) -> str:
    """The label of a form choice: "<field>.<value>" first, then the vocabulary of `field`."""
    entry = CHOICES.get(f"{field}.{value}")
    if entry:
        return entry.text
    if field in ("region", "component", "demographic", "title", "sector", "citizenship", "method"):
        return label(field, value)
    if field == "by":
        return column(value)
    return label(field, value)


def column(name: str) -> str:
    """A table column's header for people (its id with spaces when nothing better is known)."""
    entry = COLUMNS.get(name)
    if entry:
        return entry.text
    text = name.replace("_", " ").replace(".", " ")
    return text[:1].upper() + text[1:]


# Ids are written lower_case_with_underscores or dotted (wdi.homicide_rate); a few are short codes.
_ID_PATTERN = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:[._][a-z0-9]+)+)(?![\w/-])")
_FLAG_PATTERN = re.compile(r"--([a-z][a-z0-9-]*)(?:\s+(\S+))?")
SHORT_CODES = ("uac", "usbp", "ofo", "fe", "snaive", "ppml", "autoets", "autoarima", "autotheta")
_KINDS_FOR_TEXT = ("event", "indicator", "outcome", "demographic", "sector", "method", "title", "series")


def lookup(code: str) -> str | None:
    """The label of `code` in any kind that knows it (events, indicators, vocabularies, ...)."""
    for kind in _KINDS_FOR_TEXT:
        entry = table(kind).get(code)
        if entry:
            return entry.text
    if code in CHOICES:
        return CHOICES[code].text
    return None


def humanize(text: str, *, flags: bool = True) -> str:
    """A sentence for people: known ids become their labels, CLI flags the page's field names."""

    def one(match: re.Match[str]) -> str:
        found = lookup(match.group(1))
        return found if found else match.group(0)

    out = _ID_PATTERN.sub(one, text)
    if flags:

        def flag(match: re.Match[str]) -> str:
            name = match.group(1).replace("-", "_")
            field = FIELDS.get(name)
            words = f"“{field.text}”" if field else f"“{column(name)}”"
            value = match.group(2)
            if value is None:
                return words
            shown = value.strip("'\".,;)")
            tail = value[len(value.rstrip("'\".,;)")) :]
            known = choice(name, shown) if name in FIELDS else shown
            return f"{words} {known if known != shown else lookup(shown) or shown}{tail}"

        out = _FLAG_PATTERN.sub(flag, out)
    return out


def raw_ids() -> set[str]:
    """Every id a reader must never see raw: codes with underscores, dots or digits, and the
    short codes (`uac`, `usbp`, ...). Tests check pages against this set."""
    kinds = ("demographic", "component", "region", "title", "sector", "event", "method", "field", "by")
    ids = {code for kind in kinds for code in table(kind)} | set(SHORT_CODES)
    ids |= {code for kind in ("indicator", "outcome") for code in table(kind)}
    ids |= {key.split(".", 1)[1] for key in CHOICES}
    return {i for i in ids if i in SHORT_CODES or re.search(r"[_.0-9]", i)}

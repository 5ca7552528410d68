"""One place that turns every id Corridor uses into words a person reads, and one colour a category.

Pages, charts, legends, captions, CSV headers (on request) and error messages take their labels
from here, so the same id reads the same everywhere. Kinds: the encounter dimensions
(`demographic`, `component`, `region`, `title`, `sector`, `citizenship`), `event` (the policy
timeline), `method`, `field` (form and query parameters), `badge`, `series`, `outcome`
(simulation outcomes and stocks) and `indicator`.
A module that adds ids of a kind adds their labels to that kind's table below.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from corridor.reference.vocab import BY_KEYS


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
    # forecast backtest models (issue 15)
    "corridor": Label(
        "Corridor", "Last value plus the learned seasonal change; intervals from its own past errors."
    ),
    "naive_log": Label(
        "Naive (log-scale intervals)", "Next month equals this month; intervals from past errors as factors."
    ),
    "snaive": Label("Seasonal naive", "Next month equals the same month last year."),
    "autotheta": Label("AutoTheta", "The Theta method, chosen automatically (statsforecast)."),
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
    # Simulation options (`simulate_pathways`, `simulate_backlog`).
    "judges_added": Label("Judges added", "Immigration judges added from the first simulated year."),
    "clear_by": Label("Clear the backlog by (fiscal year)"),
    "receipts": Label(
        "New court cases a year", "A number, 'last' (the year before the run) or 'from-pathways'."
    ),
    "definition": Label("EOIR pending-case definition", "EOIR's 2026 table (default) or its 2021 table."),
    "calibrate_from": Label("Calibrate from"),
    "calibrate_until": Label("Calibrate until"),
    "hires_per_year": Label("Judges hired a year", "After FY2023; CRS R47637 reports 104 hires in FY2022."),
    "encounters": Label("Encounters after the data", "Actual history, or the last 12 months repeated."),
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
# Keys: a series id (its title); "<series>.<measure>" or "measure.<name>" (a value column); and
# "<dimension>.<code>" (a value of a dimension, in any series).
SERIES: dict[str, Label] = {
    # dimensions (columns) of series
    "dim.origin_iso3": Label("Country of origin"),
    "dim.asylum_iso3": Label("Country of asylum"),
    "dim.destination_iso3": Label("Country of destination"),
    "dim.recipient_iso3": Label("Recipient"),
    "dim.donor_iso3": Label("Donor"),
    "dim.iso3": Label("Country"),
    "dim.country_iso3": Label("Country of the incident"),
    "dim.measure": Label("Measure"),
    "dim.fiscal_year": Label("Fiscal year"),
    "dim.month": Label("Month"),
    "dim.year": Label("Year"),
    "dim.date": Label("Date"),
    "dim.pull_date": Label("ICE edition (pull date)"),
    "dim.period_start": Label("Half-month starting"),
    "dim.data_fiscal_year": Label("Fiscal year of release"),
    # transit along the route
    "transit_monthly": Label(
        "Transit along the route, monthly",
        "Darién transits, people presented to and expelled by Mexico, arrivals in Honduras, "
        "Guatemalans returned.",
    ),
    "transit_darien": Label(
        "Irregular transits through the Darién, monthly", "Panama's Servicio Nacional de Migración."
    ),
    "transit_mexico_presented": Label(
        "Migrants presented to Mexico's immigration institute, monthly",
        "Foreigners presented to the INM for irregular status (UPM table 3.1.1).",
    ),
    "transit_mexico_expelled": Label(
        "Expulsions from Mexico, monthly", "Deportations and assisted returns (UPM table 3.2.4)."
    ),
    "transit_honduras_arrivals": Label(
        "Irregular arrivals in Honduras, monthly", "Honduras' Instituto Nacional de Migración."
    ),
    "transit_guatemala_returned": Label(
        "Guatemalans returned from Mexico and the US, monthly", "Instituto Guatemalteco de Migración."
    ),
    "transit_annual": Label("Irregular transits through the Darién by nationality, 2010-2019"),
    "series.darien": Label("Darién transits"),
    "series.mexico_presented": Label("Presented to Mexico's INM"),
    "series.mexico_expelled": Label("Expelled from Mexico"),
    "series.honduras_arrivals": Label("Arrivals in Honduras"),
    "series.guatemala_returned": Label("Guatemalans returned"),
    "breakdown.nationality": Label("By nationality"),
    "breakdown.demographic": Label("By sex and age group"),
    "breakdown.sex_age": Label("By sex and age"),
    "breakdown.nationality_type": Label("By nationality and type of return"),
    "breakdown.sex_age_origin": Label("By sex, age and country returned from"),
    "breakdown.total": Label("Total"),
    # immigration courts
    "court_caseload": Label(
        "Immigration-court caseload: pending, new and completed cases",
        "EOIR, under its 2021 and its 2026 definitions (never mixed).",
    ),
    "court_asylum_decisions": Label("Immigration-court asylum decisions by nationality", "EOIR."),
    "definition.eoir_2021": Label("EOIR definition of April 2021"),
    "definition.eoir_2026": Label("EOIR definition of 2026"),
    "measure.pending": Label("Pending at year end"),
    "measure.receipts": Label("New cases"),
    "measure.completions": Label("Completions"),
    "measure.grants": Label("Asylum granted"),
    "measure.denials": Label("Asylum denied"),
    "measure.admin_closure": Label("Administratively closed"),
    # border outcomes and repatriations
    "border_outcomes": Label(
        "Outcomes of southwest border encounters, monthly",
        "Book-outs by agency, family status and citizenship (DHS OHSS).",
    ),
    "border_outcomes_fy": Label("Outcomes of southwest border encounters, fiscal-year totals"),
    "border_encounters": Label("Southwest border encounters by agency and family status, monthly (OHSS)"),
    "dhs_repatriations": Label(
        "DHS repatriations by type, monthly", "Removals, returns and Title 42 expulsions."
    ),
    "dhs_repatriations_fy": Label("DHS repatriations by type, fiscal-year totals"),
    "type.total": Label("All repatriations"),
    "type.title8_total": Label("Title 8 repatriations (total)"),
    "type.title42_expulsions": Label("Title 42 expulsions"),
    "type.removals": Label("Removals (total)"),
    # credible fear
    "credible_fear": Label("Credible fear screenings, monthly (OHSS)"),
    "credible_fear_fy": Label("Credible fear screenings, fiscal-year totals (OHSS)"),
    "credible_fear_nationality_fy": Label("Credible fear cases by nationality, FY2016-FY2021 (DHS OIS)"),
    "fear_screenings_semimonthly": Label("Credible and reasonable fear receipts and decisions, half-monthly"),
    "scope.southwest": Label("Southwest border"),
    "scope.nationwide": Label("Nationwide"),
    "stage.referred": Label("Referred"),
    "stage.completed": Label("Completed"),
    "result.positive": Label("Fear found"),
    "result.negative": Label("Fear not found"),
    "result.closed": Label("Closed"),
    "measure.found": Label("Fear found"),
    "measure.not_found": Label("Fear not found"),
    # ICE enforcement and detention
    "ice_enforcement": Label("ICE arrests, book-ins, book-outs and removals, monthly (OHSS)"),
    "ice_enforcement_fy": Label("ICE arrests, book-ins, book-outs and removals, fiscal-year totals"),
    "measure.ero_arrests": Label("ERO administrative arrests"),
    "measure.book_ins": Label("Book-ins"),
    "measure.book_outs": Label("Book-outs"),
    "measure.removals_returns": Label("Removals and returns"),
    "arresting_agency.ice": Label("Arrested by ICE"),
    "arresting_agency.cbp": Label("Arrested by CBP"),
    "arresting_agency.all": Label("All arresting agencies"),
    "agency.cbp": Label("CBP"),
    "agency.ice": Label("ICE"),
    "agency.all": Label("All agencies"),
    "detention_adp": Label("ICE detention: average daily population, monthly"),
    "detention_stay_length": Label("ICE detention: average length of stay, monthly"),
    "detention_book_ins": Label("ICE detention: initial book-ins, monthly"),
    "detention_releases": Label("ICE detention: releases by reason, monthly"),
    "detention_releases_annual": Label("ICE detention: releases by reason, fiscal-year totals"),
    "detention_by_disposition": Label("People in ICE detention by processing disposition"),
    "detention_fear_decision_days": Label("Days from a fear decision to release from ICE detention"),
    "detention_removals": Label("ICE removals, fiscal year to date"),
    "detention_headcount_daily": Label("ICE detention headcount, daily (UWCHR)"),
    "detention_headcount_monthly": Label("ICE detention headcount, monthly mean (UWCHR)"),
    "atd_participants": Label("Alternatives to Detention: participants by status and technology"),
    "atd_by_aor": Label("Alternatives to Detention by ICE area of responsibility"),
    "atd_court_appearances": Label("Alternatives to Detention: court hearing attendance"),
    "measure.adp": Label("Average daily population"),
    "measure.adp_fytd": Label("Average daily population, fiscal year to date"),
    "measure.avg_stay_days": Label("Average length of stay"),
    "measure.avg_stay_days_fytd": Label("Average length of stay, fiscal year to date"),
    "measure.book_ins_fytd": Label("Book-ins, fiscal year to date"),
    "measure.book_outs_fytd": Label("Book-outs, fiscal year to date"),
    "measure.fsc_frc": Label("Family residential centers"),
    "measure.adult": Label("Adult facilities"),
    "measure.mean_detained": Label("Mean daily headcount"),
    "atd_participants.value": Label("Average days in program or daily cost"),
    # lawful pathways (DHS OHSS monthly tables)
    "chnv_paroles": Label(
        "CHNV paroles by nationality, monthly", "Cuba, Haiti, Nicaragua, Venezuela processes."
    ),
    "chnv_paroles_fy": Label("CHNV paroles by nationality, fiscal-year totals"),
    "cbp_one_appointments": Label("CBP One appointments at southwest ports of entry, monthly"),
    "cbp_one_appointments_fy": Label("CBP One appointments at southwest ports of entry, fiscal-year totals"),
    # Border Patrol sector statistics
    "usbp_sector_stats": Label("Border Patrol sector statistics, fiscal years"),
    "usbp_sector_stats_monthly": Label("Border Patrol family and child apprehensions by sector, monthly"),
    # refugees, displacement, migrant stocks, food security, missing migrants, aid
    "refugee_population": Label("Refugees, asylum seekers and others of concern by origin and host (UNHCR)"),
    "asylum_applications": Label("Asylum applications by origin and host country (UNHCR)"),
    "asylum_decisions": Label("Asylum decisions by origin and host country (UNHCR)"),
    "migrant_stocks": Label("International migrant stock by origin and destination (UN DESA)"),
    "idp_new_displacements": Label("New internal displacements by cause (IDMC)"),
    "idp_stocks": Label("People internally displaced at year end (IDMC)"),
    "food_security": Label("People with insufficient food consumption (WFP HungerMap)"),
    "missing_migrants": Label("Dead and missing migrants: incident records (IOM)"),
    "missing_migrants_monthly": Label("Dead and missing migrants by route, monthly (IOM)"),
    "oda_bilateral": Label("Net official development assistance from bilateral donors (OECD DAC2A)"),
    "aiddata_commitments": Label("Aid commitments by donor and recipient (AidData)"),
    "measure.asylum_seekers": Label("Asylum seekers"),
    "measure.ooc": Label("Others of concern"),
    "measure.oip": Label("Others in need of international protection"),
    "measure.hst": Label("Host community"),
    "measure.idps": Label("Internally displaced people"),
    "measure.dead_missing": Label("Dead or missing"),
    # Lawful pathways, femicides and press freedom (sources niv_visas, refugee_admissions, lpr,
    # femicides, press_freedom; the CHNV and CBP One tables of ohss_pathways are labelled above).
    "temporary_work_visas": Label(
        "H-2A and H-2B work visas issued", "US State Department visas issued by nationality and fiscal year."
    ),
    "refugee_admissions_monthly": Label(
        "Refugees admitted, by month", "State Department PRM admissions by country of chargeability."
    ),
    "refugee_admissions_fy": Label(
        "Refugees admitted, by fiscal year", "State Department PRM fiscal-year totals by country."
    ),
    "refugee_arrivals_fy": Label(
        "Refugee arrivals (OHSS yearbook)", "DHS yearbook arrivals by nationality, rounded to 10."
    ),
    "lpr_by_birth_fy": Label(
        "New permanent residents, by country of birth", "DHS yearbook green cards granted, rounded to 10."
    ),
    "femicides": Label(
        "Femicides", "Women killed for gender reasons, as each national law defines it (ECLAC)."
    ),
    "press_freedom": Label("Press freedom (RSF)", "World Press Freedom Index score and rank by country."),
}

# Simulation outcomes, stocks and series (`corridor simulate pathways|backlog`), as results name them.
OUTCOMES: dict[str, Label] = {
    "t8_repatriation": Label("Title 8 repatriation", "Removed or returned from CBP custody under Title 8."),
    "t42_expulsion": Label(
        "Title 42 expulsion", "Expelled under the public-health order (Mar 2020 - May 2023)."
    ),
    "mpp": Label("Returned under MPP", "Sent to Mexico to wait for a US court hearing (Remain in Mexico)."),
    "transfer_ice": Label("Transferred to ICE", "Handed to ICE custody for detention or removal."),
    "transfer_hhs": Label("Child to HHS care", "An unaccompanied child transferred to HHS's refugee office."),
    "usbp_release": Label("Released by Border Patrol", "Released into the US, usually with a court notice."),
    "ofo_parole": Label("Paroled at a port", "Paroled into the US by officers at a port of entry."),
    "other": Label("Other outcome", "Any other recorded outcome (e.g. prosecution, other agency)."),
    "detained": Label(
        "In ICE detention", "People held by ICE at the end of the month, incl. those awaiting screening."
    ),
    "awaiting_screening": Label(
        "Awaiting a fear screening", "In detention, referred for a credible fear screening."
    ),
    "screenings": Label("Fear screenings done", "Credible fear screenings completed by USCIS in the month."),
    "screened_positive": Label(
        "Positive fear screenings", "Screenings that found a credible fear (a court case)."
    ),
    "removals": Label("Removals", "Removed after a negative screening or from ICE detention."),
    "releases": Label("Releases into the US", "Every release: Border Patrol, ports, ICE, HHS sponsors."),
    "new_court_cases": Label(
        "New court cases", "Releases and MPP returns that become immigration-court cases."
    ),
    "in_hhs_care": Label(
        "Children in HHS care", "Unaccompanied children in HHS care at the end of the month."
    ),
    "repatriated": Label("Repatriated (total so far)"),
    "expelled": Label("Expelled (total so far)"),
    "removed": Label("Removed (total so far)"),
    "released": Label("Released (total so far)"),
    "pending": Label(
        "Pending court cases", "Cases on the immigration courts' docket at the end of the year."
    ),
    "completions": Label("Court completions", "Cases immigration judges completed in the year."),
    "receipts": Label("New court cases (receipts)", "Cases that reached the immigration courts in the year."),
    "per_judge": Label("Completions per judge", "Cases completed per immigration judge in the year."),
    "judges": Label("Immigration judges", "Average number of immigration judges in the year."),
}


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
        "outcome": OUTCOMES,
        "column": COLUMNS,
        "choice": CHOICES,
        "term": TERMS,
    }
    if kind in fixed:
        return {**fixed[kind], **_REGISTERED.get(kind, {})}
    if kind == "event":
        return _events()
    if kind == "dataset":
        return _datasets()
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

# Column descriptions shared by several forecast columns.
_HELD = "Share of past outcomes inside the {}% range; about {}% is calibrated."
_WIDTH = "High minus low, relative to the forecast; narrower is more useful."
_WINKLER = "Winkler score (width plus penalties for misses) over naive's; below 1 is better."

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
    "net_oda_usd_m": Label("Net ODA, US$ millions (current)"),
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
    "winkler_80_vs_naive": Label(
        "80% score against naive",
        _WINKLER,
    ),
    "winkler_95": Label("95% range score (Winkler)"),
    "winkler_95_vs_naive": Label("95% range score against naive"),
    "coverage_80": Label("80% range held", _HELD.format(80, 80)),
    "coverage_95": Label("95% range held", _HELD.format(95, 95)),
    "relwidth_80": Label("80% range width", _WIDTH),
    "relwidth_95": Label("95% range width", _WIDTH),
    "relative_width_80": Label("80% range width", _WIDTH),
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
    "headline_weight": Label(
        "Weight in the headline",
        "The method's share of the headline estimate, from its errors at earlier start dates.",
    ),
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
    # reconciliation (where encounter tables disagree)
    "reference": Label("Compared with"),
    "first": Label("From"),
    "last": Label("To"),
    "periods": Label("Years compared"),
    "beyond": Label("Years beyond rounding"),
    "worst_pct": Label("Largest difference"),
    "worst_in": Label("In fiscal year"),
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
    # kinds of policy in the timeline
    "kind.restriction": Label("Restriction"),
    "kind.pathway": Label("Lawful pathway"),
    "kind.parole_end": Label("Parole ended"),
    "kind.enforcement": Label("Enforcement"),
    "kind.processing": Label("Processing change"),
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
BY_LABELS = BY_KEYS

_REGISTERED: dict[str, dict[str, Label]] = {}

# Countries people compare most often keep fixed, distinct colours (others: by hash, above).
_FIXED_COLOURS["citizenship"] = {
    "GTM": "#4e79a7",
    "HND": "#f28e2b",
    "SLV": "#59a14f",
    "MEX": "#e15759",
    "VEN": "#b07aa1",
    "CUB": "#76b7b2",
    "HTI": "#edc948",
    "NIC": "#9c755f",
    "COL": "#ff9da7",
    "ECU": "#bab0ac",
    "OTHER": "#7f7f7f",
}


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
    known = lookup(name) if re.fullmatch(r"[a-z][a-z0-9_.]*", name) else None
    if known:  # a column named by a vocabulary id (a pivoted table: `family_units`, `uac`)
        return known
    text = name.replace("_", " ").replace(".", " ")
    return text[:1].upper() + text[1:]


# Ids are written lower_case_with_underscores or dotted (wdi.homicide_rate); a few are short codes.
_ID_PATTERN = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:[._][a-z0-9]+)+)(?![\w/-])")
_FLAG_PATTERN = re.compile(r"--([a-z][a-z0-9-]*)(?:\s+(\S+))?")
SHORT_CODES = ("uac", "usbp", "ofo", "fe", "snaive", "ppml", "autoets", "autoarima", "autotheta")
_KINDS_FOR_TEXT = (
    "event",
    "indicator",
    "outcome",
    "demographic",
    "sector",
    "method",
    "title",
    "series",
    "dataset",
)


@functools.cache
def _datasets() -> dict[str, Label]:
    """Dataset ids -> the titles their source modules give them."""
    from corridor.sources import SOURCES

    return {key: Label(str(getattr(src, "title", key))) for key, src in SOURCES.items()}


def lookup(code: str) -> str | None:
    """The label of `code` in any kind that knows it (events, indicators, vocabularies, ...)."""
    for kind in _KINDS_FOR_TEXT:
        entry = table(kind).get(code)
        if entry:
            return entry.text
    if code in CHOICES:
        return CHOICES[code].text
    if re.search(r"[_.0-9]", code):  # an id-like choice of any field (`definition.eoir_2026`)
        for key, entry in CHOICES.items():
            if key.split(".", 1)[1] == code:
                return entry.text
    if code in COLUMNS and "_" in code:  # a column or breakdown named inside a sentence
        return COLUMNS[code].text.lower()
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


# Columns whose values are vocabulary ids, shown by their labels.
CATEGORY_COLUMNS = ("citizenship", "demographic", "sector", "region", "component", "title")


def display(value: str, column: str) -> str:
    """A table cell's text for people: vocabulary ids as labels (by the column they sit in),
    ids inside sentences replaced; everything else unchanged."""
    if column in CATEGORY_COLUMNS:
        if column == "citizenship" and value == "OTHER":
            return "Other countries"
        return label(column, value)
    if column in ("method", "model"):
        return choice("method", value) if f"method.{value}" in CHOICES else label("method", value)
    if f"{column}.{value}" in CHOICES:
        return CHOICES[f"{column}.{value}"].text
    if column in ("dataset", "source") and value in table("dataset"):
        return label("dataset", value)
    if column == "grain":
        return column_label(value)
    if column in ("regions", "citizenships", "treated"):  # treated: an evaluation's units
        if value in ("all", "ALL"):
            return "All regions" if column == "regions" else "All nationalities"
        kind = "region" if column == "regions" else "citizenship"
        return ", ".join(label(kind, v.strip()) for v in value.split(",") if v.strip())
    found = lookup(value) if " " not in value else None
    return found or humanize(value)


column_label = column


def register_catalog(frame: object) -> None:
    """Indicator names from a warehouse's `indicator_catalog` (a frame with `indicator`, `name`,
    `unit`), so surfaces never show indicator ids."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame) or not {"indicator", "name"} <= set(frame.columns):
        return
    register(
        "indicator",
        {
            str(code): Label(str(name), str(unit or ""))
            for code, name, unit in zip(
                frame["indicator"], frame["name"], frame.get("unit", [""] * len(frame)), strict=True
            )
            if isinstance(name, str)
        },
    )

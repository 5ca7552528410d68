"""Analysis pages (indicators, panel, drivers, forecast, evaluate, tracker, simulate), one template.

Each page shows one or more verbs. A verb's form comes from its method's keyword arguments, in
the page's own words (`reference.labels`): labelled fields, choices by their labels, numbers
with their bounds, countries and indicators by name. A submitted form (`?run=<verb>&...`) runs
it; every verb runs with its example or defaults when the page opens, so each analysis page
leads with its verdict card (`views.verdicts`) and folds the details away below.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor import charts, fmt, params
from corridor.errors import UsageError
from corridor.reference import labels
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import downloads, verbs
from corridor.web.api import PREFIX, shown_for, vocabularies
from corridor.web.compute import Busy, Overloaded
from corridor.web.render import block, named, page, table
from corridor.web.results import show
from corridor.web.views import verdicts
from corridor.web.views.common import leased, query_lists

router = APIRouter()
log = logging.getLogger("corridor.web")


@dataclass(frozen=True)
class AnalysisPage:
    """A page: its URL slug, title, a line of what it answers, and its verbs in order."""

    slug: str
    title: str
    intro: str
    verbs: tuple[str, ...]


PAGES: tuple[AnalysisPage, ...] = (
    AnalysisPage(
        "indicators",
        "Indicators",
        "Root-cause indicators (poverty, homicide, corruption, remittances, disasters, aid) by country "
        "and year, each with its source.",
        ("indicators", "indicator_catalog"),
    ),
    AnalysisPage(
        "panel",
        "Panel",
        "A country-period panel of US encounters by citizenship with lagged indicators, ready to model.",
        ("panel",),
    ),
    AnalysisPage(
        "drivers",
        "Drivers",
        "Which conditions move with encounters: a fixed-effects model on the country-year panel, with "
        "its sample and an out-of-sample check.",
        ("drivers",),
    ),
    AnalysisPage(
        "forecast",
        "Forecast",
        "What to expect next, how sure that is, and how the model did against naive baselines.",
        ("forecast",),
    ),
    AnalysisPage(
        "evaluate",
        "Evaluate",
        "Did a policy change encounters? Causal estimates with placebo checks and their assumptions.",
        ("evaluate", "events"),
    ),
    AnalysisPage(
        "tracker",
        "Strategy tracker",
        "Results frameworks scored against the indicators: each indicator's status first.",
        ("track",),
    ),
    AnalysisPage(
        "simulate",
        "Simulate",
        "What if: processing pathways and the immigration-court backlog under other capacities.",
        ("simulate_pathways", "simulate_backlog"),
    ),
)
# Verbs that run when their page opens even though they take a few seconds: each analysis page
# leads with a verdict, and answers are cached per warehouse version after the first visit.
OPEN_WITH_RESULT = ("drivers", "forecast", "evaluate", "simulate_pathways", "simulate_backlog")
COUNTRY_FIELDS = ("country", "iso3", "citizenship", "treated", "donors")
INDICATOR_FIELDS = ("indicator", "with", "drivers")
CHECKBOX_FIELDS = {"demographic": DEMOGRAPHICS, "title": TITLES}
SELECT_FIELDS = ("region", "component", "policy", "framework", "scenario")


# "since" and "until" are months in most verbs, fiscal years where the parameter is a number
YEAR_FIELDS = {"since": "From (fiscal year)", "until": "To (fiscal year)"}


def field_label(alias: str, kind: str | None = None) -> str:
    """A form field's label: the vocabulary's, else the column label of its name."""
    if kind == "int" and alias in YEAR_FIELDS:
        return YEAR_FIELDS[alias]
    text = labels.label("field", alias)
    return labels.column(alias) if text == alias else text


def _choices(alias: str, lists: dict[str, dict[str, str]]) -> dict[str, str]:
    """The labelled choices of a field shown as a select or checkboxes (empty: a free field)."""
    table: dict[str, dict[str, str]] = {
        "region": {k: v for k, v in REGIONS.items() if k != "nationwide"},
        "component": COMPONENTS,
        "policy": lists["policies"],
        "framework": lists["frameworks"],
        "scenario": lists["scenarios"],
        "sector": {k: v[0] for k, v in SECTORS.items()},
        **CHECKBOX_FIELDS,
    }
    return table.get(alias, {})


def _ids(obs: Any, method_name: str, column: str, label: str | None = None) -> dict[str, str]:
    """Ids (and labels) from a listing verb, for a select; empty if the verb is missing or fails."""
    method = getattr(obs, method_name, None)
    if not callable(method):
        return {}
    try:
        result = method()
        if isinstance(result, list | tuple) and all(isinstance(r, str) for r in result):
            return {r: r for r in result}
        frame = show(result).frame
    except Exception:  # suggestions only: a failing listing must not break the page
        return {}
    if frame is None or column not in frame:
        return {}
    names = frame[label] if label and label in frame else frame[column]
    return {str(k): str(v) for k, v in zip(frame[column], names, strict=True)}


def _frameworks(obs: Any) -> dict[str, str]:
    from corridor.strategy.framework import load_framework

    out = {}
    for name in _ids(obs, "frameworks", ""):
        try:
            out[name] = load_framework(name).title
        except Exception:
            out[name] = name.replace("-", " ").capitalize()
    return out


def _scenarios() -> dict[str, str]:
    try:
        from corridor.simulate import scenario

        return {name: scenario.load(name).title for name in scenario.builtin_names()}
    except Exception:
        return {}


def listings(obs: Any) -> dict[str, dict[str, str]]:
    """Every id list the forms choose from: indicators, frameworks, policies, scenarios."""
    return {
        "catalog": _ids(obs, "indicator_catalog", "indicator", "name"),
        "frameworks": _frameworks(obs),
        "policies": _ids(obs, "events", "id", "title"),
        "scenarios": _scenarios(),
    }


def _split(values: list[str]) -> list[str]:
    return [t.strip() for v in values for t in str(v).split(",") if t.strip()]


def indicator_ids(text: str, catalog: dict[str, str]) -> list[str]:
    """Indicators typed as names or ids (names may hold commas) -> ids; unknown names raise."""
    by_name = {name.lower(): code for code, name in catalog.items()}
    rest = text
    found: list[tuple[int, str]] = []
    for name in sorted(by_name, key=len, reverse=True):  # longest first: names contain others
        at = rest.lower().find(name)
        while at >= 0:
            found.append((at, by_name[name]))
            rest = rest[:at] + " " * len(name) + rest[at + len(name) :]
            at = rest.lower().find(name)
    for token in _split([rest]):
        at = text.find(token)
        if token in catalog or re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_.]+(:\d+)?(=\w+)?", token):
            found.append((at, token))
            continue
        close = difflib.get_close_matches(token.lower(), list(by_name), n=1, cutoff=0.5)
        hint = f"; did you mean {catalog[by_name[close[0]]]}?" if close else ""
        raise UsageError(f"{token!r} is not an indicator name{hint}")
    return [code for _, code in sorted(found)]


def normalise(values: dict[str, list[str]], lists: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Form values as the verb takes them: country names -> ISO3, indicator names -> ids,
    policy titles -> ids."""
    out = dict(values)
    for alias in COUNTRY_FIELDS:
        if out.get(alias) and _split(out[alias]):
            out[alias] = [",".join(params.countries(_split(out[alias]), field_label(alias)))]
    for alias in INDICATOR_FIELDS:
        if out.get(alias) and _split(out[alias]):
            out[alias] = [",".join(indicator_ids(",".join(out[alias]), lists["catalog"]))]
    if out.get("policy"):
        titles = {t.lower(): k for k, t in lists["policies"].items()}
        out["policy"] = [titles.get(v.strip().lower(), v) for v in out["policy"]]
    return out


def shown_value(alias: str, text: str, lists: dict[str, dict[str, str]]) -> str:
    """A field's current value as people read it (names for country codes and indicator ids)."""
    items = _split([text])
    if alias in COUNTRY_FIELDS and items:
        return ", ".join("Other countries" if c == "OTHER" else labels.label("citizenship", c) for c in items)
    if alias in INDICATOR_FIELDS and items:
        return ", ".join(lists["catalog"].get(i, labels.lookup(i) or i) for i in items)
    return text


def message(exc: Exception) -> str:
    """An error in the page's own words: field names for parameters and CLI flags, labels for ids."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    found = re.match(r"^([a-z_]+)(:| is | must )", text)
    if found and found.group(1) in labels.FIELDS:
        text = f"“{field_label(found.group(1))}”" + text[len(found.group(1)) :]
    text = labels.humanize(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def drivers_chart(shown: Any) -> dict[str, Any] | None:
    """Each driver's effect on encounters with its 95% interval, sorted and labelled, on a
    symmetric-log scale so one large effect does not flatten the others."""
    frame = shown.frame
    if frame is None or "effect_pct" not in frame:
        return None
    data = frame.dropna(subset=["effect_pct"]).copy()
    data["name"] = [
        f"{verdicts.short_name(str(d))}, {p}" if isinstance(p, str) else verdicts.short_name(str(d))
        for d, p in zip(data["driver"], data.get("per", [None] * len(data)), strict=True)
    ]
    data["effect"] = [fmt.pct(v / 100) for v in data["effect_pct"]]
    data["interval"] = [
        f"{fmt.pct(lo / 100)} to {fmt.pct(hi / 100)}"
        for lo, hi in zip(data["effect_pct_lo"], data["effect_pct_hi"], strict=True)
    ]
    data["clear"] = [
        "clear" if lo > 0 or hi < 0 else "unclear"
        for lo, hi in zip(data["effect_pct_lo"], data["effect_pct_hi"], strict=True)
    ]
    data = data.sort_values("effect_pct", ascending=False)
    caption = labels.humanize(shown.caption)
    spec = charts.base(
        "How much encounters change with each driver (95% intervals)",
        "Change in encounters a year later for the stated change in the driver, holding each country's "
        "and each year's level constant; symmetric-log scale. " + caption,
        height=max(180, 52 * len(data)),
    )
    # Each driver's name sits above its interval (no axis labels): the plot keeps the width.
    y = {"field": "name", "type": "nominal", "sort": None, "title": None, "axis": None}
    x_scale = {"type": "symlog", "constant": 1}
    spec["data"] = {
        "values": jsonable_rows(
            data[["name", "effect_pct", "effect_pct_lo", "effect_pct_hi", "effect", "interval", "clear"]]
        )
    }
    tooltip = [
        {"field": "name", "title": "Driver"},
        {"field": "effect", "title": "Effect on encounters"},
        {"field": "interval", "title": "95% interval"},
    ]
    spec["layer"] = [
        {
            "mark": {"type": "rule", "color": "#9aa4b1"},
            "encoding": {"x": {"datum": 0, "type": "quantitative", "scale": x_scale}},
        },
        {
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "y": y,
                "x": {
                    "field": "effect_pct_lo",
                    "type": "quantitative",
                    "scale": x_scale,
                    "title": "Change in encounters (%)",
                },
                "x2": {"field": "effect_pct_hi"},
                "color": {
                    "field": "clear",
                    "type": "nominal",
                    "title": "Interval",
                    "scale": {"domain": ["clear", "unclear"], "range": ["#1f4e79", "#9aa4b1"]},
                    "legend": {
                        "labelExpr": "datum.label == 'clear' ? 'Excludes no change' : 'Includes no change'"
                    },
                },
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 60},
            "encoding": {
                "y": y,
                "x": {"field": "effect_pct", "type": "quantitative", "scale": x_scale, "title": None},
                "color": {"field": "clear", "type": "nominal", "legend": None},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dy": -13, "fontSize": 11, "fontWeight": "bold"},
            "encoding": {"y": y, "x": {"value": 0}, "text": {"field": "name"}},
        },
        {
            "mark": {"type": "text", "dy": 13, "fontSize": 10, "color": "#333"},
            "encoding": {
                "y": y,
                "x": {"field": "effect_pct", "type": "quantitative", "scale": x_scale, "title": None},
                "text": {"field": "effect"},
            },
        },
    ]
    top = data.iloc[0]
    spec["description"] = (
        f"Chart: effect of each of {len(data)} drivers on encounters, with 95% intervals, sorted from the "
        f"largest ({top['name']}: {top['effect']}, {top['interval']}) to the smallest "
        f"({data.iloc[-1]['name']}: {data.iloc[-1]['effect']})."
    )
    return spec


def jsonable_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from corridor.jsonio import records

    return records(frame)


def dressed(
    verb: verbs.Verb, shown: Any, kwargs: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any] | None, dict[str, Any] | None, list[Any]]:
    """What the page adds to a verb's answer: its table reordered for people (a copy: the cached
    answer also serves the CSV), its verdict card, a chart of the page's own, and side panels.

    The filter columns a download carries (one constant value each) are left out: the form above
    the table already says what was asked."""
    if shown.frame is not None and kwargs:
        constant = [
            c
            for c, v in downloads.selection_of(kwargs).items()
            if c in shown.frame.columns and shown.frame[c].astype(str).eq(v).all()
        ]
        if constant:
            shown = replace(shown, frame=shown.frame.drop(columns=constant))
    chart = None
    if verb.name == "drivers":
        chart = drivers_chart(shown)
    elif verb.name == "indicators":
        chart = indicators_chart(shown.frame, shown.caption)
    frame = shown.frame
    if frame is not None and verb.name == "track":
        frame = status_first(frame)
    if frame is not None and verb.name == "evaluate":
        from corridor.analysis.evaluate.headline import row_note

        frame = evaluate_table(frame, shown.metadata.get("headline"))
        note = row_note(shown.metadata.get("headline") or {})
        if note:  # a cell would cut it short on a phone; the table's caption holds it whole
            shown = replace(shown, caption=f"{note} {shown.caption}")
    elif frame is not None and verb.name in LEADING_COLUMNS:
        frame = leading(frame, LEADING_COLUMNS[verb.name])
    return replace(shown, frame=frame), verdicts.card(verb.name, shown), chart, panels(verb.name, shown)


def panels(verb: str, shown: Any) -> list[dict[str, Any]]:
    """Tables a result shows beside its own, never folded away: a forecast's backtest against
    naive baselines, with what its ranges mean, how often they held and how wide they are."""
    if verb != "forecast":
        return []
    backtest = shown.metadata.get("backtest") or {}
    rows = backtest.get("table") if isinstance(backtest, dict) else None
    if not rows:
        return []
    frame = pd.DataFrame(rows)
    keep = [c for c in BACKTEST_COLUMNS if c in frame.columns]
    series = shown.metadata.get("series") or []
    meaning = series[0].get("interval_meaning", "") if series and isinstance(series[0], dict) else ""
    note = (
        "Error (MASE) below 1 against naive means better than 'same as last month'. For each range: "
        "the share of past outcomes inside it (calibration: 80% should hold about 80%) and its width "
        "relative to the forecast (sharpness: narrower is more useful, if it still holds)."
    )
    return [
        {
            "title": "How it did in backtests, against naive baselines",
            "id": "forecast-backtest",
            "table": table(frame[keep]),
            "caption": labels.humanize(str(backtest.get("description") or "")),
            "note": " ".join(t for t in (labels.humanize(str(meaning)), note) if t),
        }
    ]


BACKTEST_COLUMNS = (
    "model",
    "mase",
    "mase_vs_naive",
    "coverage_80",
    "relwidth_80",
    "coverage_95",
    "relwidth_95",
    "winkler_80_vs_naive",
    "forecasts",
)


# The tracker's table leads with each indicator's status (issue 16), then the indicator, baseline
# -> latest, the change and the source, as the CLI's table; long texts stay in the CSV.
TRACK_COLUMNS = (
    "status",
    "indicator",
    "baseline_year",
    "baseline",
    "latest_year",
    "latest",
    "change",
    "change_pct",
    "source",
    "pillar_title",
    "target",
    "target_year",
)


# Tables lead with what a reader came for (the effect, the policy), the rest follows.
LEADING_COLUMNS: dict[str, tuple[str, ...]] = {
    "drivers": ("driver", "effect_pct", "effect_pct_lo", "effect_pct_hi", "per", "p_value", "effect_pct_sd"),
    "evaluate": (
        "method",
        "checks",
        "headline_weight",
        "effect_rel",
        "effect_rel_lo",
        "effect_rel_hi",
        "p_value",
        "effect_abs",
    ),
    "events": ("title", "effective", "start_month", "citizenships", "regions"),
}
LEFT_OUT = ("interpretation",)  # sentences that repeat the row's numbers (in the CSV)


# What a reader compares across methods; the rest (treated, start, library...) is in the CSV.
EVALUATE_COLUMNS = (*LEADING_COLUMNS["evaluate"], "pre_mape")
ESTIMATE_COLUMNS = ("effect_rel", "effect_rel_lo", "effect_rel_hi", "p_value", "effect_abs")


def evaluate_table(frame: pd.DataFrame, headline: dict[str, Any] | None = None) -> pd.DataFrame:
    """An evaluation's methods as a reader compares them: the headline first (its interval is set
    by its errors at earlier dates, so it differs from its method's own), then each method's checks
    beside its estimate, and no estimate for a method that fails them (its interval can run to
    +50,000%; the CSV and the JSON keep it). The verdict above the table uses the same checks."""
    from corridor.analysis.evaluate.headline import row_label, row_note

    keep = [c for c in EVALUATE_COLUMNS if c in frame.columns]
    if "headline_weight" in keep and frame["headline_weight"].isna().all():
        keep.remove("headline_weight")  # an inconclusive headline weighs no method
    frame = frame[keep].copy()
    if "checks" in frame.columns:
        failed = frame["checks"].ne("passes")
        shown = [c for c in ESTIMATE_COLUMNS if c in frame.columns]
        frame[shown] = frame[shown].astype(float).mask(failed, axis=0)
    if (
        headline
        and headline.get("effect_rel") is not None
        and headline.get("status") != "inconclusive"
        and len(frame) > 1
    ):
        top = {
            "method": row_label(headline),
            "checks": (
                "adjusted for its errors at earlier dates (note below the table)"
                if row_note(headline)
                else "headline: bounded by its errors at earlier dates"
            ),
            **{c: headline.get(c) for c in ESTIMATE_COLUMNS if c in frame.columns},
        }
        frame = pd.concat([pd.DataFrame([top]), frame], ignore_index=True)[frame.columns]
    return frame


def leading(frame: pd.DataFrame, first: tuple[str, ...]) -> pd.DataFrame:
    """The frame with `first` columns first, in that order, and every other column after."""
    head = [c for c in first if c in frame.columns]
    rest = [c for c in frame.columns if c not in head and c not in LEFT_OUT]
    return frame[head + rest]


def status_first(frame: pd.DataFrame) -> pd.DataFrame:
    """A tracker table with the status column first, then the indicator and its numbers (targets
    only when the framework sets some)."""
    keep = [
        c
        for c in TRACK_COLUMNS
        if c in frame.columns and not (c.startswith("target") and frame[c].isna().all())
    ]
    return frame[keep] if {"status", "indicator"} <= set(keep) else frame


def indicators_chart(frame: pd.DataFrame | None, caption: str) -> dict[str, Any] | None:
    """The first indicator over time, one line a country, titled by its name, scaled in its unit."""
    if frame is None or frame.empty or not {"indicator", "iso3", "year", "value"} <= set(frame.columns):
        return None
    first = str(frame["indicator"].iloc[0])
    part = frame[frame["indicator"] == first]
    unit = str(part["unit"].dropna().iloc[0]) if "unit" in part and part["unit"].notna().any() else ""
    others = frame["indicator"].nunique() - 1
    title = labels.label("indicator", first) + (
        f" (first of {others + 1} indicators; the table has all)" if others else ""
    )
    return charts.series_chart(
        part[["year", "iso3", "value"]].rename(columns={"year": "calendar_year"}),
        y="value",
        color="iso3",
        title=title,
        caption=labels.humanize(caption),
        mark="line",
        y_title=unit[:1].upper() + unit[1:] if unit else "Value",
    )


def _section(
    request: Request, version: Any, obs: Any, name: str, raw: dict[str, list[str]], lists: dict[str, Any]
) -> dict[str, Any]:
    """One verb's section: its form fields, and its result (or error, or unavailable note)."""
    verb = verbs.BY_NAME[name]
    if name not in request.app.state.verbs:
        return {"verb": verb, "available": False}
    params_ = request.app.state.verb_params[name]
    submitted = raw.get("run", [""])[-1] == name
    values = {k: v for k, v in raw.items() if k != "run"} if submitted else {k: [v] for k, v in verb.example}
    section: dict[str, Any] = {
        "verb": verb,
        "available": True,
        "params": params_,
        "values": {
            p.alias: shown_value(
                p.alias, ",".join(values[p.alias]) if p.alias in values else p.default_text, lists
            )
            for p in params_
        },
        "result": None,
        "error": None,
        "status": 200,
    }
    opens = verb.autorun or name in OPEN_WITH_RESULT
    if not submitted and not (opens and not any(p.required for p in params_)):
        return section
    try:
        kwargs = verbs.coerce(params_, normalise(values, lists))
        answer = shown_for(version, obs, verb, kwargs)  # in the API's worker pool, cached alike
        shown, card, chart, extra = version.cached(
            ("page-verb", *verbs.cache_key(verb, kwargs)), lambda: dressed(verb, answer, kwargs)
        )
    except (Busy, Overloaded):
        raise  # too many analyses in progress (429) or waiting (503): not a form error
    except verbs.INPUT_ERRORS as exc:  # anything else is a bug: a 500 page with a request id
        section.update(error={"message": message(exc), "alternative": _reset(request, verb)}, status=422)
        return section
    query = urlencode([(k, v) for k, vs in values.items() for v in vs if v.strip()])
    csv = f"{PREFIX}/{verb.name}.csv" + (f"?{query}" if query else "") if shown.frame is not None else None
    result = block(shown, title=verb.title, ident=verb.name, csv=csv)
    result["verdict"] = card
    result["panels"] = extra
    result["api"] = f"{PREFIX}/{verb.name}" + (f"?{query}" if query else "")
    if chart is not None:
        result["chart"] = named(chart)
    section["result"] = result
    return section


def _reset(request: Request, verb: verbs.Verb) -> dict[str, str]:
    """The working alternative to a failed request: the page with the verb's defaults."""
    return {"href": request.url.path, "text": f"{verb.title} with its default settings"}


def _widgets(section: dict[str, Any], lists: dict[str, Any]) -> list[dict[str, Any]]:
    """Each form field as the template draws it: label, hint, widget kind, choices, bounds."""
    out = []
    for p in section["params"]:
        value = section["values"][p.alias]
        widget: dict[str, Any] = {
            "name": p.alias,
            "label": field_label(p.alias, p.kind),
            "hint": labels.describe("field", p.alias),
            "required": p.required,
            "value": value,
            "default": shown_value(p.alias, p.default_text, lists),
        }
        choices = _choices(p.alias, lists)
        if p.kind in ("choice", "number_or_choice"):
            widget["kind"] = "select" if p.kind == "choice" else "number_or_choice"
            widget["choices"] = {c: labels.choice(p.alias, c) for c in p.choices}
        elif p.kind == "bool":
            widget["kind"] = "bool"
        elif p.kind in ("int", "float"):
            lo, hi = verbs.bounds(p)
            widget.update(kind="number", min=lo, max=hi, step="any" if p.kind == "float" else "1")
        elif p.alias in CHECKBOX_FIELDS and p.kind in ("list", "choices"):
            widget.update(kind="checks", choices=choices, checked=_split([value]))
        elif p.alias == "sector":
            widget.update(kind="multi", choices=choices, checked=_split([value]))
        elif p.alias in SELECT_FIELDS and choices:
            widget.update(kind="select", choices=choices)
        elif p.alias in COUNTRY_FIELDS:
            widget.update(
                kind="text", list="countries", placeholder="country names or codes, comma-separated"
            )
        elif p.alias in INDICATOR_FIELDS:
            widget.update(kind="text", list="indicators", placeholder="indicator names, comma-separated")
        else:
            widget.update(kind="text", placeholder="comma-separated" if p.kind in ("list", "choices") else "")
        out.append(widget)
    return out


def _render(request: Request, spec: AnalysisPage) -> HTMLResponse:
    raw = query_lists(request)
    with leased(request) as (version, obs):
        vocab = version.cached(("vocab-dict",), lambda: vocabularies(obs.cubes))
        lists = version.cached(("listings",), lambda: listings(obs))
        sections = [_section(request, version, obs, name, raw, lists) for name in spec.verbs]
        extras = []
        if spec.slug == "tracker":
            relief = version.cached(("page", "partners-relief"), lambda: partners_relief(obs))
            if relief is not None:
                extras.append(relief)
    for s in sections:
        if s["available"]:
            s["fields"] = _widgets(s, lists)
    status = max((s.get("status", 200) for s in sections), default=200)
    countries = {c: n for c, n in vocab["citizenship"].items() if c != "OTHER"}
    context = {
        "title": spec.title,
        "page_spec": spec,
        "sections": sections,
        "extras": extras,
        "country_names": sorted(countries.values()),
        "indicator_names": sorted(lists["catalog"].values()),
    }
    return page(request, "analysis.html", context, status_code=status)


def partners_relief(obs: Any) -> dict[str, Any] | None:
    """The partners' relief panel of the tracker page (issue 16): bilateral aid to the Northern
    Triangle from the strategy's partners and other donors, each donor's change judged like the
    tracker's indicators; None when this version has no partners' relief."""
    method = getattr(obs, "partners_relief", None)
    if not callable(method):
        return None
    try:
        relief = method()
    except UsageError as exc:
        return {"title": "Partners' relief", "id": "partners", "error": message(exc)}
    frame = relief.table() if callable(getattr(relief, "table", None)) else relief.tidy()
    if isinstance(frame, pd.DataFrame) and "status" in frame.columns:
        frame = frame[["status", *[c for c in frame.columns if c != "status"]]]
    warnings = relief.warnings() if callable(getattr(relief, "warnings", None)) else []
    return {
        "title": "Partners' relief",
        "id": "partners",
        "intro": (
            "The Root Causes strategy names partners beside the United States. Bilateral aid they "
            "reported to the OECD for Guatemala, Honduras and El Salvador, each donor's change since "
            "2021 judged against its own earlier variation (the tracker's rule)."
        ),
        "chart": named(relief.chart()) if callable(getattr(relief, "chart", None)) else None,
        "table": table(frame) if isinstance(frame, pd.DataFrame) else None,
        "caption": labels.humanize(relief.caption()),
        "warnings": [labels.humanize(str(w)) for w in warnings],
    }


def _route(spec: AnalysisPage) -> None:
    def view(request: Request) -> HTMLResponse:
        return _render(request, spec)

    view.__name__ = f"page_{spec.slug}"
    view.__doc__ = spec.intro
    router.add_api_route(
        f"/{spec.slug}", view, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
    )


for _spec in PAGES:
    _route(_spec)

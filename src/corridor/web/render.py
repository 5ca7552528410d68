"""Rendering pages: the Jinja2 environment, the navigation, and tables and charts as templates want them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from corridor import charts, fmt, jsonio
from corridor.reference import labels
from corridor.web.assets import static_version, vega_bundle
from corridor.web.results import PAGE_ROWS, Shown

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/flows", "Flows"),
    ("/country", "Countries"),
    ("/indicators", "Indicators"),
    ("/panel", "Panel"),
    ("/drivers", "Drivers"),
    ("/forecast", "Forecast"),
    ("/evaluate", "Evaluate"),
    ("/tracker", "Tracker"),
    ("/simulate", "Simulate"),
    ("/series", "Series"),
    ("/sources", "Sources"),
    ("/api", "API"),
)

WIDE = 40  # text columns with values longer than this wrap
LONG = 100  # longer cell texts are cut on pages (the full text is in the cell's tooltip, CSV and JSON)
# Id columns left out of a page's table when a label column says the same for people.
ID_COLUMNS = {"indicator": ("label", "name"), "iso3": ("country",), "id": ("title",), "series": ("label",)}
STATUS_COLUMNS = ("band", "status", "direction")
# Values a result's details repeat from the page's headings (its id, name or title).
HEADING_KEYS = ("iso3", "name", "title", "framework")


def is_year(column: str) -> bool:
    """Columns holding years: shown without thousands separators."""
    return fmt.is_year_column(column)


def readable(value: str, column: str) -> str:
    """A text cell for people (see `labels.display`)."""
    return labels.display(value, column)


def cell(value: Any, column: str) -> str:
    """One value as text, as `fmt` formats its column (for one-off values outside a table)."""
    kind = fmt.column_kind(column)
    if isinstance(value, str):
        return readable(value, column)
    if column == "month" and hasattr(value, "isoformat"):
        return value.isoformat()[:7]
    if kind == "number" and isinstance(value, float) and not value.is_integer():
        return fmt.cell(value, kind, decimals=fmt.decimals_for([value]))
    return fmt.cell(value, kind)


def shown_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a page shows: id columns go when a label column says the same."""
    names = [str(c) for c in frame.columns]
    return [c for c in names if not any(other in names for other in ID_COLUMNS.get(c, ()))]


def table(frame: pd.DataFrame | None, *, limit: int = PAGE_ROWS) -> dict[str, Any] | None:
    """A frame as the table macro wants it: labelled headers, values formatted one precision a
    column, vocabulary ids as labels, which columns are numeric or wide, and the key column."""
    if frame is None:
        return None
    columns = shown_columns(frame)
    frame = frame[columns]
    shown = frame.head(limit)
    formatters = fmt.formatters(shown)
    kinds = [fmt.column_kind(c, frame[c]) for c in columns]
    numeric = [k not in ("other", "year") for k in kinds]
    rows = []
    for row in shown.itertuples(index=False, name=None):
        out = []
        for v, c in zip(row, columns, strict=True):
            text = formatters[c](v)
            out.append(readable(text, c) if isinstance(v, str) else text)
        rows.append(out)
    wide = [any(len(r[i]) > WIDE for r in rows) for i in range(len(columns))]
    date = re.compile(r"\d{4}-\d{2}(-\d{2})?|–")
    dates = [bool(rows) and all(date.fullmatch(r[i]) for r in rows) for i in range(len(columns))]
    cut = [
        [(t[: LONG - 20].rsplit(" ", 1)[0] + " …", t) if len(t) > LONG else (t, "") for t in r] for r in rows
    ]
    return {
        "columns": columns,
        "headers": [labels.column(c) for c in columns],
        "numeric": numeric,
        "wide": wide,
        "rows": cut,
        "total": len(frame),
        "limit": limit,
        "status": [c in STATUS_COLUMNS for c in columns],
        "dates": dates,
    }


def details(data: dict[str, Any], frame: pd.DataFrame | None) -> dict[str, list[dict[str, Any]]]:
    """A result's `to_dict()` for a page: short values as a list, record lists as tables.

    A record list with the same rows and columns as the result's own table is left out.
    """
    facts: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    _details(data, frame, facts, tables, seen=set())
    return {"facts": facts, "tables": tables}


def _details(
    data: dict[str, Any],
    frame: pd.DataFrame | None,
    facts: list[dict[str, Any]],
    tables: list[dict[str, Any]],
    *,
    seen: set[str],
) -> None:
    """`details` for one level: a nested dict (such as `metadata`) is read as more of the same
    level, each key once; warnings are left out (the page shows them above the result)."""
    captions = {k.removesuffix("_caption"): v for k, v in data.items() if k.endswith("_caption")}
    for key, value in data.items():
        if key.endswith("_caption") or key in HEADING_KEYS or key in seen or key == "warnings":
            continue
        seen.add(key)
        if isinstance(value, dict) and any(isinstance(v, list | dict) for v in value.values()):
            _details(value, frame, facts, tables, seen=seen)
            continue
        name = labels.column(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sub = pd.DataFrame(value)
            if (
                frame is not None
                and list(sub.columns) == [str(c) for c in frame.columns]
                and len(sub) == len(frame)
            ):
                continue
            caption = labels.humanize(str(captions.get(key, "")))
            tables.append({"label": name, "table": table(sub), "caption": caption})
        elif isinstance(value, list | tuple):
            if value:
                facts.append({"label": name, "list": [cell(v, key) for v in value]})
        elif isinstance(value, dict):
            text = "; ".join(f"{labels.column(k)}: {cell(v, k)}" for k, v in value.items())
            facts.append({"label": name, "text": text})
        elif key == "baseline" and isinstance(value, int) and 1900 <= value <= 2100:
            facts.append({"label": "Baseline year", "text": str(value)})
        else:
            facts.append({"label": name, "text": cell(value, key)})


def named(spec: dict[str, Any] | None, name: str = "values") -> dict[str, Any] | None:
    """The spec ready to embed: labels for ids (`charts.for_people`), valid JSON (no NaN), its
    inline data named so the page can read it."""
    if spec is None:
        return None
    spec = jsonio.plain(charts.for_people(spec))
    data = spec.get("data")
    if isinstance(data, dict) and "values" in data and "name" not in data:
        spec["data"] = {**data, "name": name}
    return spec


def chart_parts(spec: dict[str, Any] | None) -> dict[str, Any]:
    """What a page shows beside a chart: its description, its data as a table, its event list."""
    if not spec:
        return {"description": "", "data": None, "events": []}
    return {
        "description": str(spec.get("description", "")),
        "data": table(charts.data_frame(spec)),
        "events": (spec.get("usermeta") or {}).get("events", []),
    }


def _extra_summary(shown: Shown) -> str:
    """The summary, unless it only repeats the caption (plus a short line such as a row count) or
    the result's table (text laid out in columns)."""
    summary = shown.summary.strip()
    if shown.frame is not None and re.search(r"\S {2,}\S", summary):
        return ""
    rest = summary.removeprefix(shown.caption).strip() if shown.caption else summary
    if not summary or summary == shown.caption or (len(rest.splitlines()) <= 1 and len(rest) < 40):
        return ""
    return summary


def block(shown: Shown, *, title: str, ident: str, csv: str | None = None) -> dict[str, Any]:
    """One result block for the `result` macro: its chart, table, source line and downloads."""
    return {
        "title": title,
        "id": ident,
        "caption": labels.humanize(shown.caption),
        "summary": labels.humanize(_extra_summary(shown)),
        "chart": named(shown.chart),
        "warnings": [labels.humanize(w) for w in shown.metadata.get("warnings") or []],
        "table": table(shown.frame),
        "details": details(shown.details, shown.frame) if shown.details else None,
        "metadata": shown.metadata,
        "csv": csv,
    }


def _glossary_anchor(badge: str) -> str:
    """The glossary entry a badge links to."""
    return "/glossary#" + {"partial": "partial", "rounded": "rounded", "stitched": "stitched"}.get(
        badge, badge
    )


def code_ids(text: Any) -> Markup:
    """Text for the API page: every id in it set as code (ids are what programs send)."""
    escaped = str(escape(str(text or "")))
    ids = sorted(labels.raw_ids(), key=len, reverse=True)
    if not ids:
        return Markup(escaped)
    pattern = re.compile(r"(?<![\w./#-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w/-])")
    return Markup(pattern.sub(r"<code>\1</code>", escaped))


def sentence(text: Any) -> str:
    """`text` as a sentence: its first letter upper-case (messages are written to follow a colon)."""
    out = str(text or "").strip()
    return out[:1].upper() + out[1:]


TEMPLATES.env.filters["code_ids"] = code_ids
TEMPLATES.env.filters["sentence"] = sentence
TEMPLATES.env.globals.update(
    chart_parts=chart_parts,
    column=labels.column,
    humanize=labels.humanize,
    glossary=_glossary_anchor,
    count=fmt.count,
)


def page(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page shares: navigation, asset URLs, the warehouse version."""
    version = getattr(request.state, "warehouse_tag", "")
    base = {
        "nav": NAV,
        "path": request.url.path,
        "bundle_url": vega_bundle().url,
        "static_version": static_version(),
        "warehouse_tag": version,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status_code)

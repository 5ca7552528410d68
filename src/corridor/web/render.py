"""Rendering pages: the Jinja2 environment, the navigation, and tables and charts as templates want them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from corridor import jsonio
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

YEAR_COLUMNS = (
    "year",
    "fiscal_year",
    "calendar_year",
    "since",
    "until",
    "baseline_year",
    "latest_year",
    "target_year",
    "first_year",
    "last_year",
    "from_year",
    "to_year",
)
WIDE = 40  # text columns with values longer than this wrap
LONG = 100  # longer cell texts are cut on pages (the full text is in the cell's tooltip, CSV and JSON)


def is_year(column: str) -> bool:
    """Columns holding years: shown without thousands separators."""
    return column in YEAR_COLUMNS or column.endswith("_year")


def cell(value: Any, column: str) -> str:
    """One table cell as text: thousands separators for counts, ISO months, a dash for missing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and is_year(column) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        if column == "month":
            return text[:7]
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def table(frame: pd.DataFrame | None, *, limit: int = PAGE_ROWS) -> dict[str, Any] | None:
    """A frame as the table macro wants it: columns, which are numeric or wide, formatted rows."""
    if frame is None:
        return None
    shown = frame.head(limit)
    columns = [str(c) for c in frame.columns]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and not is_year(str(c))
        for c in frame.columns
    ]
    rows = [
        [cell(v, c) for v, c in zip(row, columns, strict=True)]
        for row in shown.itertuples(index=False, name=None)
    ]
    wide = [any(len(r[i]) > WIDE for r in rows) for i in range(len(columns))]
    cut = [
        [(t[: LONG - 20].rsplit(" ", 1)[0] + " …", t) if len(t) > LONG else (t, "") for t in r] for r in rows
    ]
    return {
        "columns": columns,
        "numeric": numeric,
        "wide": wide,
        "rows": cut,
        "total": len(frame),
        "limit": limit,
    }


def details(data: dict[str, Any], frame: pd.DataFrame | None) -> dict[str, list[dict[str, Any]]]:
    """A result's `to_dict()` for a page: short values as a list, record lists as tables.

    A record list with the same rows and columns as the result's own table is left out.
    """
    facts, tables = [], []
    for key, value in data.items():
        label = key.replace("_", " ")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sub = pd.DataFrame(value)
            if (
                frame is not None
                and list(sub.columns) == [str(c) for c in frame.columns]
                and len(sub) == len(frame)
            ):
                continue
            tables.append({"label": label, "table": table(sub)})
        elif isinstance(value, list | tuple):
            if value:
                facts.append({"label": label, "list": [cell(v, key) for v in value]})
        elif isinstance(value, dict):
            text = "; ".join(f"{k}: {cell(v, k)}" for k, v in value.items())
            facts.append({"label": label, "text": text})
        else:
            facts.append({"label": label, "text": cell(value, key)})
    return {"facts": facts, "tables": tables}


def named(spec: dict[str, Any] | None, name: str = "values") -> dict[str, Any] | None:
    """The spec ready to embed: valid JSON (no NaN), its inline data named so the page can read it."""
    if spec is None:
        return None
    spec = jsonio.plain(spec)
    data = spec.get("data")
    if isinstance(data, dict) and "values" in data and "name" not in data:
        spec["data"] = {**data, "name": name}
    return spec


def _extra_summary(shown: Shown) -> str:
    """The summary, unless it only repeats the caption (plus a short line such as a row count)."""
    summary = shown.summary.strip()
    rest = summary.removeprefix(shown.caption).strip() if shown.caption else summary
    if not summary or summary == shown.caption or (len(rest.splitlines()) <= 1 and len(rest) < 40):
        return ""
    return summary


def block(shown: Shown, *, title: str, ident: str, csv: str | None = None) -> dict[str, Any]:
    """One result block for the `result` macro: its chart, table, source line and downloads."""
    return {
        "title": title,
        "id": ident,
        "caption": shown.caption,
        "summary": _extra_summary(shown),
        "chart": named(shown.chart),
        "table": table(shown.frame),
        "details": details(shown.details, shown.frame) if shown.details else None,
        "metadata": shown.metadata,
        "csv": csv,
    }


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

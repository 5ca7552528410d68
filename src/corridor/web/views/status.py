"""The sources page (loaded releases and encounter cubes) and the API page (endpoints from OpenAPI)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from corridor.errors import CorridorError
from corridor.reference import labels
from corridor.web.api import PREFIX, cube_rows
from corridor.web.render import page, table
from corridor.web.views.common import leased

router = APIRouter()


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def sources(request: Request) -> HTMLResponse:
    """Every loaded release (publisher, period, checksum), every encounter cube, and where the
    encounter tables disagree (the reconciliation table of issue 13)."""
    with leased(request) as (version, obs):

        def build() -> dict[str, Any]:
            status = obs.status().copy()
            if "sha256" in status:
                status["sha256"] = status["sha256"].astype(str).str[:12]
            cubes = pd.DataFrame(cube_rows(obs.cubes))
            cubes["dims"] = cubes["dims"].map(lambda d: ", ".join(labels.column(k).lower() for k in d) or "–")
            cubes["fixed"] = cubes["fixed"].map(
                lambda f: (
                    "; ".join(f"{labels.column(k)}: {labels.label(k, str(v))}" for k, v in f.items()) or "–"
                )
            )
            cubes["rounded"] = cubes["rounded"].map(lambda r: "rounded to 10" if r else "exact")
            cubes["releases"] = cubes["releases"].map(len)
            cubes = cubes[["title", "grain", "dims", "fixed", "rounded", "from", "to", "releases"]]
            return {
                "releases": table(status, limit=1000),
                "datasets": int(status["dataset"].nunique()),
                "cubes": table(cubes, limit=1000),
                "warehouse": request.app.state.warehouse.path.name,
                "reconcile": reconciliation(obs),
            }

        context = version.cached(("page", "sources"), build)
    return page(request, "sources.html", {"title": "Sources", **context})


def reconciliation(obs: Any) -> dict[str, Any]:
    """Where the encounter tables disagree beyond rounding, or why that cannot be shown."""
    method = getattr(obs, "reconcile", None)
    if not callable(method):
        return {"available": False}
    try:
        result = method()
    except CorridorError as exc:
        return {"available": True, "error": str(exc)}
    frame = result.tidy()
    meta = result.metadata() if callable(getattr(result, "metadata", None)) else {}
    return {
        "available": True,
        "table": table(frame),
        "caption": labels.humanize(result.caption()),
        "warnings": [labels.humanize(w) for w in meta.get("warnings") or []],
        "rule": labels.humanize(str(meta.get("rule") or "")),
        "rows": len(frame),
    }


@router.get("/glossary", response_class=HTMLResponse, include_in_schema=False)
def glossary(request: Request) -> HTMLResponse:
    """What the qualifiers beside numbers mean: events vs people, rounded, partial, stitched, ..."""
    with leased(request):
        pass
    terms = [
        {"id": key, "term": entry.text, "text": entry.description} for key, entry in labels.TERMS.items()
    ]
    return page(request, "glossary.html", {"title": "Glossary", "terms": terms})


def _choices(schema: dict[str, Any]) -> list[str]:
    """The allowed values a parameter's JSON schema lists (enums, also inside arrays and anyOf)."""
    out: list[str] = []
    for part in [schema, *schema.get("anyOf", [])]:
        out += [str(v) for v in part.get("enum", [])]
        if "minimum" in part and "maximum" in part:
            out.append(f"{part['minimum']:g} to {part['maximum']:g}")
        if isinstance(part.get("items"), dict):
            out += _choices(part["items"])
    return list(dict.fromkeys(out))


@router.get("/api", response_class=HTMLResponse, include_in_schema=False)
def api_page(request: Request) -> HTMLResponse:
    """The JSON API's endpoints and parameters, read from the app's own OpenAPI spec."""
    spec = request.app.openapi()
    endpoints: dict[str, dict[str, Any]] = {}
    for path, methods in spec["paths"].items():
        op = methods.get("get")
        if op is None or not path.startswith(PREFIX):
            continue
        base = path.removesuffix(".csv")
        entry = endpoints.setdefault(
            base, {"path": base, "csv": None, "summary": "", "doc": "", "params": []}
        )
        if path.endswith(".csv"):
            entry["csv"] = path
            continue
        doc = (op.get("description") or "").split("\n")[0]
        entry.update(summary=op.get("summary", ""), doc=doc if doc != op.get("summary") else "")
        entry["params"] = [
            {
                "name": p["name"],
                "required": p.get("required", False),
                "description": p.get("description", ""),
                "choices": _choices(p.get("schema", {})),
            }
            for p in op.get("parameters", [])
        ]
    with leased(request):
        pass
    return page(
        request, "api.html", {"title": "API", "endpoints": list(endpoints.values()), "prefix": PREFIX}
    )

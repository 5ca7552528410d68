"""Build the report: run every section against the warehouse and render one HTML file."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from pathlib import Path

import jinja2

from corridor import config
from corridor.report.base import Section

SECTIONS = (
    "overview",
    "northern_triangle",
    "profiles",
    "drivers",
    "forecast",
    "evaluate",
    "simulate",
    "tracker",
    "partners",
    "sources",
)


# The script that fits charts to their box, shared with the dashboard.
FIT_JS = Path(__file__).parents[1] / "web" / "static" / "fit.js"

# Traffic-light colours for scorecard cells (DHIS2-style bands and statuses).
TONES = {
    "green": "good",
    "improving": "good",
    "amber": "mid",
    "no clear change": "mid",
    "red": "bad",
    "worsening": "bad",
    "grey": "none",
    "no baseline": "none",
    "no later data": "none",
    "no data": "none",
}


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """The Vega, Vega-Lite and vega-embed JavaScript from vl-convert, cached on disk by version."""
    import vl_convert as vlc

    version = vlc.get_vegalite_versions()[-1]
    cache = config.cache_dir() / f"vega-bundle-{version}.js"
    if cache.exists():
        return cache.read_text()
    # The stub of vl-convert 1.9 marks `snippet` required; at run time it is optional (the default
    # snippet puts vega, vegaLite and vegaEmbed on window, which the report's charts call).
    text = vlc.javascript_bundle()  # type: ignore[call-arg]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(text)
    return text


def build_sections(obs: object) -> list[Section]:
    """Every section, in order; a section whose analysis is missing says so instead of failing."""
    from corridor.reference import labels

    catalog = getattr(obs, "indicator_catalog", None)
    if callable(catalog):  # indicator names for tables and charts, instead of their ids
        labels.register_catalog(catalog())
    out = []
    for name in SECTIONS:
        module = importlib.import_module(f"corridor.report.sections.{name}")
        out.append(module.build(obs))
    return out


def build_report(obs: object, out_dir: str | Path, *, generated: dt.datetime | None = None) -> Path:
    """Write `index.html` (self-contained) into `out_dir`; return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("corridor.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = build_sections(obs)
    # The one place a generation time appears: everything else is a function of the warehouse.
    stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    html = env.get_template("report.html").render(
        sections=sections,
        generated=stamp,
        bundle=vega_bundle().replace("</script", "<\\/script"),
        warehouse=Path(getattr(getattr(obs, "warehouse", None), "path", "")).name,
        tone=TONES,
        fit=FIT_JS.read_text().replace("</script", "<\\/script"),
    )
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path

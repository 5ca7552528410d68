"""The self-contained HTML report: one file, charts inline, no network access needed.

Each section is a module in `report/sections/` with `build(obs) -> Section` and a template in
`report/templates/sections/`; `SECTIONS` lists them in reading order.
"""

from corridor.report.builder import build_report

__all__ = ["build_report"]

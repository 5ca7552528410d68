"""Parsing shared by CBP's CSV releases. The readers moved to `base` (where ARCHITECTURE.md
keeps every reader); the names stay importable here."""

from __future__ import annotations

from corridor.sources.base import check_fiscal_years, fiscal_year_column, month_column

# Fiscal years any DHS/CBP table here can hold; outside them a cell is damaged, not data.
FIRST_FY, LAST_FY = 1990, 2100

__all__ = ["FIRST_FY", "LAST_FY", "check_fiscal_years", "fiscal_year_column", "month_column"]

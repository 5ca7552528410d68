"""DHS OHSS Key Homeland Security Metrics, CBP Encounters (USBP): Border Patrol only, every count
rounded to the nearest 10, FY2000 onward, in 16 sheets (annual and monthly x 8 breakdowns)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from corridor.reference import map_demographic, map_region, sector_slug, to_iso3
from corridor.sources.base import (
    Coverage,
    CubeSpec,
    FileSpec,
    Parsed,
    RawTable,
    ceiling,
    check_fiscal_years,
    check_months_contiguous,
    check_unique,
    int_column,
    map_column,
    month_column,
    open_workbook,
    read_sheet,
)

FY_HEADER = "Fiscal\nYear"
# sheet suffix -> (publisher column, normalised dimension, mapper, label kind)
BREAKDOWNS: dict[str, list[tuple[str, str, object, str]]] = {
    "Count": [],
    "Citizenship": [("Citizenship", "citizenship", to_iso3, "citizenship")],
    "Region": [("Region", "region", map_region, "region")],
    "Family Status": [("Family Status", "demographic", map_demographic, "family status")],
    "Sector": [("Sector", "sector", sector_slug, "sector")],
    "Rgn and Citp": [
        ("Region", "region", map_region, "region"),
        ("Citizenship", "citizenship", to_iso3, "citizenship"),
    ],
    "Rgn and Fam Status": [
        ("Region", "region", map_region, "region"),
        ("Family Status", "demographic", map_demographic, "family status"),
    ],
    "Rgn and Sector": [
        ("Region", "region", map_region, "region"),
        ("Sector", "sector", sector_slug, "sector"),
    ],
}
# OHSS files every encounter before FY2008 as "Single Adults": the split starts in FY2008.
FAMILY_SPLIT_SINCE = "2007-10-01"


def _slug(text: str) -> str:
    return text.lower().replace(" and ", "_").replace(" ", "_")


def cube_for(grain: str, suffix: str) -> CubeSpec:
    """The cube one sheet forms."""
    dims = tuple(d for _, d, _, _ in BREAKDOWNS[suffix])
    fixed = {"component": "usbp"}
    if "region" not in dims:
        fixed["region"] = "nationwide"
    schemes = {}
    if "citizenship" in dims:
        schemes["citizenship"] = "ohss136"
    if "demographic" in dims:
        schemes["demographic"] = "ohss3"
    if "sector" in dims:
        schemes["sector"] = "usbp_sectors"
    prefix = "m" if grain == "month" else "a"
    return CubeSpec(
        id=f"ohss_{prefix}_{_slug(suffix)}",
        title=f"OHSS Border Patrol encounters, {'monthly' if grain == 'month' else 'annual'} {suffix}",
        table=f"cube_ohss_{prefix}_{_slug(suffix)}",
        grain="month" if grain == "month" else "fiscal_year",
        dims=dims,
        fixed=fixed,
        rounded=True,
        schemes=schemes,
        dim_since={"demographic": FAMILY_SPLIT_SINCE} if "demographic" in dims else {},
        note="Border Patrol only; OHSS rounds every count to the nearest 10.",
    )


def _fy_column(t: RawTable) -> pd.Series:
    return check_fiscal_years(t, int_column(t, FY_HEADER), FY_HEADER)


def _months(t: RawTable, fy: pd.Series) -> pd.Series:
    return month_column(t, fy, "Month")


class OhssUsbpSource:
    """All 16 sheets, each its own rounded cube."""

    id = "ohss_usbp"
    title = "DHS OHSS Border Patrol encounters (KHSM workbook)"
    files = (
        FileSpec(
            key="fy25m11",
            max_rows=ceiling(14_890),
            first_fy=2000,
            mirror_path="cbp/ohss-khsm-encounters-usbp-fy25m11.xlsx",
            url="https://ohss.dhs.gov/sites/default/files/2025-01/khsm-encounters-usbp-fy25m11.xlsx",
            publisher="DHS Office of Homeland Security Statistics",
            published="2025-01-15",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        spec = self.files[0]
        path = paths[spec.key]
        wb = open_workbook(path)
        frames: dict[str, pd.DataFrame] = {}
        cubes, coverage = [], []
        rows = 0
        month_span: tuple[dt.date, dt.date] | None = None
        for grain in ("month", "fiscal_year"):
            for suffix, dims in BREAKDOWNS.items():
                sheet = f"{'Monthly' if grain == 'month' else 'Annual'} {suffix}"
                cols = [FY_HEADER] + (["Month"] if grain == "month" else [])
                cols += [c for c, _, _, _ in dims] + ["Quantity"]
                t = read_sheet(path, sheet, columns=cols, workbook=wb)
                fy = _fy_column(t)
                frame = pd.DataFrame(index=t.frame.index)
                if grain == "month":
                    frame["month"] = _months(t, fy)
                else:
                    frame["fiscal_year"] = fy
                for col, dim, mapper, kind in dims:
                    frame[dim] = map_column(t, col, mapper, kind)  # type: ignore[arg-type]
                frame["encounters"] = int_column(t, "Quantity")
                keys = [c for c in frame.columns if c != "encounters"]
                time_col = "Month" if grain == "month" else FY_HEADER
                check_unique(t, frame, keys, time_col)
                cube = cube_for(grain, suffix)
                if grain == "month":
                    first, last = check_months_contiguous(t, frame["month"], "Month")
                    if month_span is None:
                        month_span = (first, last)
                    elif (first, last) != month_span:
                        raise t.error(
                            f"sheet covers {first:%Y-%m}..{last:%Y-%m}, other sheets "
                            f"{month_span[0]:%Y-%m}..{month_span[1]:%Y-%m}",
                            column="Month",
                        )
                else:
                    years = sorted(set(fy.tolist()))
                    if years != list(range(years[0], years[-1] + 1)):
                        raise t.error("fiscal years are not contiguous", column=FY_HEADER)
                    assert month_span is not None
                    first, last = month_span
                frame["release_id"] = releases[spec.key]
                frames[cube.table] = frame.reset_index(drop=True)
                cubes.append(cube)
                coverage.append(Coverage(cube.id, spec.key, first, last))
                rows += len(frame)
        assert month_span is not None
        return Parsed(
            frames=frames,
            cubes=cubes,
            coverage=coverage,
            rows={spec.key: rows},
            periods={spec.key: (f"{month_span[0]:%Y-%m}", f"{month_span[1]:%Y-%m}")},
        )

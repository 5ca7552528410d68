"""Historical Border Patrol statistics: the FY2000-FY2020 monthly-by-sector file and Jacob
Kaplan's tables cleaned from CBP's statistics PDFs (annual apprehensions back to FY1925,
sector deaths, staffing, family/child apprehensions).

Publishers put aggregate rows ('southwest border', 'nationwide total', 'yearly total') beside the
sector rows. They are checked against the sum of their parts and never stored as sectors.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from corridor.errors import InputError
from corridor.reference import sector_region, sector_slug
from corridor.reference.calendar import month_of_fy
from corridor.reference.sectors import AGGREGATE_LABELS
from corridor.sources._cells import fiscal_years
from corridor.sources._files import release_files
from corridor.sources.base import (
    Coverage,
    CubeSpec,
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    ceiling,
    check_months_contiguous,
    check_unique,
    float_column,
    int_column,
    read_csv,
)

PLAUSIBLE_FY = 1900  # the tables span FY1925-FY2020; a year before 1900 is a damaged cell
KAPLAN = "https://www.cbp.gov/newsroom/stats"
KAPLAN_PUBLISHER = "U.S. Border Patrol (tables cleaned by J. Kaplan, R package borderpatrol)"
# The Kaplan tables: (file key, mirror path, rows of the published file).
KAPLAN_FILES = (
    ("sw_annual", "cbp/usbp_historical/kaplan_southwest_border_apprehensions_1960_2019.csv", 601),
    ("nationwide_annual", "cbp/usbp_historical/kaplan_nationwide_total_apprehensions_1925_2019.csv", 96),
    ("family_child_monthly", "cbp/usbp_historical/kaplan_family_child_total_monthly_2000_2019.csv", 6_488),
    ("other_than_mexico", "cbp/usbp_historical/kaplan_other_than_mexico_apprehensions_2000_2019.csv", 501),
    ("sw_deaths", "cbp/usbp_historical/kaplan_southwest_border_deaths_1998_2019.csv", 221),
    ("staffing", "cbp/usbp_historical/kaplan_border_patrol_staffing_1992_2019.csv", 701),
    ("sector_profile", "cbp/usbp_historical/kaplan_sector_profile_2011_2019.csv", 217),
)
PSV_COLUMNS = (
    "month",
    "livermore",
    "miami",
    "new_orleans",
    "ramey",
    "blaine",
    "buffalo",
    "detroit",
    "grand_forks",
    "havre",
    "houlton",
    "spokane",
    "swanton",
    "big_bend",
    "del_rio",
    "el_centro",
    "el_paso",
    "laredo",
    "rio_grande_valley",
    "san_diego",
    "tucson",
    "yuma",
    "coastal_border",
    "northern_border",
    "southwest_border",
    "monthly_total",
    "fy",
    "cy",
)
PSV_REGION_TOTALS = {
    "coastal_border": "coastal",
    "northern_border": "northern",
    "southwest_border": "southwest",
}
# CBP's FY2000-FY2020 PDF counts the Livermore sector under the coastal border (its region totals
# only add up that way), while OHSS files it under the northern border.
PSV_REGION_OVERRIDES = {"livermore": "coastal"}


def _psv_region(sector: str) -> str:
    return PSV_REGION_OVERRIDES.get(sector, sector_region(sector))


SECTOR_MONTHLY = CubeSpec(
    id="usbp_sector_monthly",
    title="USBP monthly encounters by sector, FY2000-FY2020",
    table="cube_usbp_sector_monthly",
    grain="month",
    dims=("region", "sector"),
    fixed={"component": "usbp"},
    rounded=False,
    schemes={"sector": "usbp_sectors"},
    note="Transcribed from CBP's official PDF.",
)
SW_ANNUAL = CubeSpec(
    id="usbp_sw_annual",
    title="USBP southwest border apprehensions by sector, annual, FY1960-FY2019",
    table="cube_usbp_sw_annual",
    grain="fiscal_year",
    dims=("sector",),
    fixed={"component": "usbp", "region": "southwest"},
    rounded=False,
    schemes={"sector": "usbp_sectors"},
    note="Historical sector names mapped to today's sectors by the cleaner.",
)
NATIONWIDE_ANNUAL = CubeSpec(
    id="usbp_nationwide_annual",
    title="USBP nationwide apprehensions, annual, FY1925-FY2019",
    table="cube_usbp_nationwide_annual",
    grain="fiscal_year",
    dims=(),
    fixed={"component": "usbp", "region": "nationwide"},
    rounded=False,
)
STATS = TableSpec(
    name="usbp_sector_stats",
    description="Border Patrol sector statistics (deaths, agents, family/child apprehensions, ...)",
)


def _sector_or_aggregate(t: RawTable, column: str = "sector") -> tuple[pd.Series, pd.Series]:
    """Sector slug (or region code for aggregate rows) and whether the row is an aggregate."""
    slugs, aggregate = [], []
    for i, raw in enumerate(t.frame[column].tolist()):
        key = str(raw).strip().lower()
        if key in AGGREGATE_LABELS:
            slugs.append(AGGREGATE_LABELS[key])
            aggregate.append(True)
            continue
        try:
            slugs.append(sector_slug(key))
        except KeyError:
            raise t.error(f"unknown Border Patrol sector {raw!r}", index=i, column=column) from None
        aggregate.append(False)
    return pd.Series(slugs, dtype=object), pd.Series(aggregate, dtype=bool)


def _check_aggregate(t: RawTable, frame: pd.DataFrame, keys: list[str], value: str, column: str) -> None:
    """Each aggregate row must equal the sum of the sectors it covers."""
    detail = frame[~frame.is_aggregate].copy()
    detail["region"] = detail["sector"].map(sector_region)
    for pos, row in frame[frame.is_aggregate].iterrows():
        mask = pd.Series(True, index=detail.index)
        for k in keys:
            mask &= detail[k] == row[k]
        if row["sector"] != "nationwide":
            mask &= detail["region"] == row["sector"]
        expected = detail.loc[mask, value].sum()
        if pd.notna(row[value]) and mask.any() and int(expected) != int(row[value]):
            raise t.error(
                f"aggregate row {row['sector']!r} = {int(row[value])} but its sectors sum to {int(expected)}",
                index=int(pos),  # type: ignore[arg-type]
                column=column,
            )


def _first_line(path: Path) -> str:
    """The header line of a file whose columns are read from it (UTF-8, BOM allowed)."""
    first = path.read_bytes().split(b"\n", 1)[0]
    try:
        return first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid utf-8 text ({exc.reason})", row=1) from None


class UsbpHistoricalSource:
    """Monthly sector file (pipe-delimited) plus the Kaplan historical tables."""

    id = "usbp_historical"
    title = "Border Patrol historical statistics (FY1925-FY2020)"
    files = (
        FileSpec(
            key="monthly_by_sector",
            max_rows=ceiling(253),
            first_fy=2000,
            mirror_path="cbp/usbp_historical/usbp_monthly_encounters_by_sector_fy2000-fy2020.psv.csv",
            url="https://www.cbp.gov/document/stats/us-border-patrol-monthly-encounters-fy-2000-fy-2020",
            publisher="U.S. Border Patrol (transcribed by UWCHR)",
        ),
        *release_files(KAPLAN_FILES, url=KAPLAN, publisher=KAPLAN_PUBLISHER),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        self._monthly(paths["monthly_by_sector"], releases["monthly_by_sector"], out)
        self._sw_annual(paths["sw_annual"], releases["sw_annual"], out)
        self._nationwide(paths["nationwide_annual"], releases["nationwide_annual"], out)
        stats = [
            self._stats(paths[key], releases[key], key, out)
            for key in (
                "family_child_monthly",
                "other_than_mexico",
                "sw_deaths",
                "staffing",
                "sector_profile",
            )
        ]
        out.frames[STATS.name] = pd.concat(stats, ignore_index=True)
        out.tables.append(STATS)
        return out

    def _monthly(self, path: Path, release: str, out: Parsed) -> None:
        t = read_csv(path, columns=PSV_COLUMNS, sep="|")
        fy = fiscal_years(t, "fy", first=PLAUSIBLE_FY)
        months = []
        for i, (year, m) in enumerate(zip(fy.tolist(), int_column(t, "month").tolist(), strict=True)):
            if not 1 <= m <= 12:
                raise t.error(f"month must be 1-12, found {m}", index=i, column="month")
            months.append(month_of_fy(year, dt.date(2000, m, 1).strftime("%B")))
        month = pd.Series(months, dtype=object)
        values = {c: int_column(t, c) for c in PSV_COLUMNS[1:26]}
        frame = pd.DataFrame({"month": month})
        check_unique(t, frame, ["month"], "month")
        first, last = check_months_contiguous(t, month, "month")
        sectors = PSV_COLUMNS[1:22]
        total = sum(values[s] for s in sectors)
        for col, region in PSV_REGION_TOTALS.items():
            part = sum(values[s] for s in sectors if _psv_region(s) == region)
            bad = (part != values[col]).to_numpy().nonzero()[0]
            if len(bad):
                raise t.error(
                    f"{col} = {values[col].iloc[bad[0]]} but its sectors sum to {part.iloc[bad[0]]}",
                    index=int(bad[0]),
                    column=col,
                )
        bad = (total != values["monthly_total"]).to_numpy().nonzero()[0]
        if len(bad):
            raise t.error(
                "monthly_total is not the sum of the sectors", index=int(bad[0]), column="monthly_total"
            )
        long = pd.DataFrame(
            {
                "month": [m for m in months for _ in sectors],
                "sector": list(sectors) * len(months),
                "encounters": [int(values[s].iloc[i]) for i in range(len(months)) for s in sectors],
            }
        )
        long["region"] = long["sector"].map(_psv_region)
        long["release_id"] = release
        out.frames[SECTOR_MONTHLY.table] = long[["month", "region", "sector", "encounters", "release_id"]]
        out.cubes.append(SECTOR_MONTHLY)
        out.coverage.append(Coverage(SECTOR_MONTHLY.id, "monthly_by_sector", first, last))
        out.rows["monthly_by_sector"] = len(t)
        out.periods["monthly_by_sector"] = (f"{first:%Y-%m}", f"{last:%Y-%m}")

    def _sw_annual(self, path: Path, release: str, out: Parsed) -> None:
        t = read_csv(path, columns=("sector", "fiscal_year", "total_apprehensions"))
        sector, aggregate = _sector_or_aggregate(t)
        frame = pd.DataFrame(
            {
                "fiscal_year": fiscal_years(t, "fiscal_year", first=PLAUSIBLE_FY),
                "sector": sector,
                "is_aggregate": aggregate,
                "encounters": int_column(t, "total_apprehensions"),
            }
        )
        check_unique(t, frame, ["fiscal_year", "sector"], "sector")
        _check_aggregate(t, frame, ["fiscal_year"], "encounters", "total_apprehensions")
        years = frame["fiscal_year"]
        detail = frame[~frame.is_aggregate][["fiscal_year", "sector", "encounters"]].copy()
        detail["release_id"] = release
        out.frames[SW_ANNUAL.table] = detail.reset_index(drop=True)
        out.cubes.append(SW_ANNUAL)
        first, last = dt.date(int(years.min()) - 1, 10, 1), dt.date(int(years.max()), 9, 1)
        out.coverage.append(Coverage(SW_ANNUAL.id, "sw_annual", first, last))
        out.rows["sw_annual"] = len(t)
        out.periods["sw_annual"] = (f"{first:%Y-%m}", f"{last:%Y-%m}")

    def _nationwide(self, path: Path, release: str, out: Parsed) -> None:
        t = read_csv(path, columns=("fiscal_year", "total_apprehensions"))
        frame = pd.DataFrame(
            {
                "fiscal_year": fiscal_years(t, "fiscal_year", first=PLAUSIBLE_FY),
                "encounters": int_column(t, "total_apprehensions"),
            }
        )
        check_unique(t, frame, ["fiscal_year"], "fiscal_year")
        years = sorted(frame["fiscal_year"].tolist())
        if years != list(range(years[0], years[-1] + 1)):
            missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
            raise t.error(f"fiscal year {missing[0]} is missing", column="fiscal_year")
        frame["release_id"] = release
        out.frames[NATIONWIDE_ANNUAL.table] = frame
        out.cubes.append(NATIONWIDE_ANNUAL)
        out.coverage.append(
            Coverage(
                NATIONWIDE_ANNUAL.id,
                "nationwide_annual",
                dt.date(years[0] - 1, 10, 1),
                dt.date(years[-1], 9, 1),
            )
        )
        out.rows["nationwide_annual"] = len(t)
        out.periods["nationwide_annual"] = (f"{years[0] - 1}-10", f"{years[-1]}-09")

    def _stats(self, path: Path, release: str, key: str, out: Parsed) -> pd.DataFrame:
        header = _first_line(path).strip().split(",")
        expected = {
            "family_child_monthly": (
                "sector",
                "fiscal_year",
                "month",
                "total_apprehensions",
                "unaccompanied_child_apprehension",
                "family_apprehensions",
            ),
            "other_than_mexico": (
                "sector",
                "fiscal_year",
                "total_apprehensions",
                "mexican_apprehensions",
                "other_than_mexican_apprehensions",
            ),
            "sw_deaths": ("sector", "fiscal_year", "deaths"),
            "staffing": ("sector", "fiscal_year", "number_of_agents"),
        }.get(key, tuple(header))
        if key == "sector_profile" and header[:2] != ["sector", "fiscal_year"]:
            expected = ("sector", "fiscal_year", *header[2:])
        if key == "sector_profile":  # its metric columns are read from the header: check them
            for j, name in enumerate(expected[2:], start=2):
                if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name == "month" or name in expected[:j]:
                    raise InputError(path, f"unexpected metric column {name!r}", row=1, column=name)
        t = read_csv(path, columns=expected)
        sector, aggregate = _sector_or_aggregate(t)
        fy = fiscal_years(t, "fiscal_year", first=PLAUSIBLE_FY)
        month: list[dt.date | None] = [None] * len(t)
        yearly_total = pd.Series(False, index=t.frame.index)
        if "month" in expected:
            for i, (year, raw) in enumerate(zip(fy.tolist(), t.frame["month"].tolist(), strict=True)):
                if str(raw).strip().lower() == "yearly total":
                    yearly_total.iloc[i] = True
                    continue
                try:
                    month[i] = month_of_fy(year, str(raw))
                except ValueError:
                    raise t.error(f"unknown month {raw!r}", index=i, column="month") from None
        metrics = [c for c in expected if c not in ("sector", "fiscal_year", "month")]
        keyframe = pd.DataFrame({"sector": sector, "fy": fy, "month": month, "yt": yearly_total})
        check_unique(t, keyframe, ["sector", "fy", "month", "yt"], "sector")
        parts = []
        for metric in metrics:
            values = float_column(t, metric, blanks=("", "NA"))
            parts.append(
                pd.DataFrame(
                    {
                        "sector": sector,
                        "is_aggregate": aggregate | yearly_total,
                        "fiscal_year": fy,
                        "month": month,
                        "file_key": key,
                        "metric": metric,
                        "value": values,
                        "release_id": release,
                    }
                )
            )
        long = pd.concat(parts, ignore_index=True)
        out.rows[key] = len(t)
        out.periods[key] = (f"{int(fy.min()) - 1}-10", f"{int(fy.max())}-09")
        return long

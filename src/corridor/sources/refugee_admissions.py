"""Refugee admissions to the United States by nationality, from two official series:

- State Department PRM, Refugee Processing Center, *Summary of Refugee Admissions* (as of
  31 December 2024): one sheet a fiscal year 2001-2025, monthly admissions by country of
  chargeability within regions, each region's ceiling and totals, and a `Cumulative Summary` of
  fiscal-year totals by region since FY1975. Exact counts. Months after the report date (the rest
  of FY2025) are printed as 0 but are not yet published: they are left out, never read as 0.
- DHS OHSS *Yearbook of Immigration Statistics 2023*, Table 14: refugee arrivals by country of
  nationality, FY2014-FY2023, rounded to 10 (flagged `rounded`).

The two agree within rounding and chargeability (FY2023: 60,014 PRM, 60,050 OHSS). Every region
total, grand total and fiscal-year total is checked against its parts, and each sheet's grand
total against the cumulative summary.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.calendar import month_of_fy
from corridor.sources._cells import cell_text
from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    indicator_rows,
    is_aggregate,
)
from corridor.sources._ohss_yearbook import (
    OHSS_YEARBOOK_PUBLISHER,
    country_frame,
    fast_counts,
    sheet_rows,
)
from corridor.sources.base import (
    MAX_WHOLE,
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    open_workbook,
    read_sheet,
    table_from_rows,
)

ID = "refugee_admissions"
PRM_URL = "https://www.wrapsnet.org/admissions-and-arrivals/"
OHSS_URL = "https://ohss.dhs.gov/topics/immigration/yearbook/2023"
MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")
MONTH_NAMES = (
    "October", "November", "December", "January", "February", "March",
    "April", "May", "June", "July", "August", "September",
)  # fmt: skip
PRM_HEADER = ("Country of Chargeability", "", "Ceiling", "to the U.S.", *MONTHS)
PRM_COLUMNS = ("Region", "Country of Chargeability", "Ceiling", "FY Total Admitted to the U.S.", *MONTHS)
FIRST_FY, LAST_FY = 2001, 2025
SUMMARY = "Cumulative Summary"
SUMMARY_COLUMNS = (
    "Fiscal Year", "Africa", "Asia", "Europe Central Asia", "Former Soviet Union", "Kosovo",
    "Latin America Caribbean", "Near East Sout Asia", "PSI", "Total",
)  # fmt: skip
# PRM chargeability labels that `to_iso3` does not know.
CHARGEABILITY = {
    "Burkina Faso (UVolta)": "BFA",
    "Dem. Rep. Congo": "COD",
    "Gaza Strip": "PSE",
    "Guinea - Bissau": "GNB",
    "Ivory Coast": "CIV",
    "Korea, North": "PRK",
    "Korea, Republic of South": "KOR",
    "Macedonia": "MKD",
    "Madagascar (Malagasy Republic)": "MDG",
    "Sri Lanka (Ceylon)": "LKA",
    "The Gambia": "GMB",
    "Tibet": "TIB",
    "Union of Soviet Socialist Republics": "SUN",
    "Yemen (Sanaa)": "YEM",
    "Republic of South Sudan": "SSD",
}
# OHSS yearbook labels that `to_iso3` does not know.
NATIONALITY = {
    "Congo, Democratic Republic": "COD",
    "Congo, Republic": "COG",
    "Korea, North": "PRK",
    "All other countries": "OTHER",
    "Unknown": "UNK",
}

MONTHLY = TableSpec(
    name="refugee_admissions_monthly",
    description=(
        "Refugees admitted to the US by month and country of chargeability (State Department PRM, "
        "WRAPSnet Summary of Refugee Admissions as of 2024-12-31), FY2001 - Dec 2024. Exact counts "
        "of people admitted. Months after the report date are absent (not zero)."
    ),
)
ANNUAL = TableSpec(
    name="refugee_admissions_fy",
    description=(
        "Refugees admitted per fiscal year by country of chargeability, as PRM prints the FY "
        "total (checked against the months); `partial` marks FY2025 (Oct-Dec 2024 only)."
    ),
)
ARRIVALS = TableSpec(
    name="refugee_arrivals_fy",
    description=(
        "Refugee arrivals per fiscal year by country of nationality, DHS OHSS Yearbook 2023 Table 14, "
        "FY2014-FY2023. Rounded to 10 by OHSS (`rounded`); `code` keeps D/X/- where a count is "
        "withheld or not applicable (value NULL, never 0). OTHER = countries with fewer than 10 a year; "
        "iso3 'ALL' = the published Total (an aggregate: do not add it to the rest)."
    ),
)
LICENCE = "US government work, public domain (17 U.S.C. 105)"
PRM_FY = Indicator(
    id="prm.refugee_admissions_fy",
    name="Refugees admitted to the US (fiscal year, State Department PRM)",
    description="Refugees admitted to the US with the country as country of chargeability, per US "
    "federal fiscal year (year = FY), complete fiscal years only. WRAPSnet/PRM, exact counts. PRM "
    "lists every country with admissions, so a year missing between a country's first and last "
    "listed year is 0; outside that span there is no value.",
    unit="people admitted",
    url=PRM_URL,
)
OHSS_FY = Indicator(
    id="ohss.refugee_arrivals_fy",
    name="Refugee arrivals in the US by nationality (fiscal year, OHSS yearbook)",
    description="Refugee arrivals by country of nationality per fiscal year (year = FY), DHS OHSS "
    "Yearbook of Immigration Statistics 2023, Table 14. Rounded to 10 by OHSS.",
    unit="people arrived, rounded to 10",
    url=OHSS_URL,
)
IND = IndicatorTables(ID, "Refugee admissions", LICENCE, (PRM_FY, OHSS_FY))


class RefugeeAdmissionsSource:
    """PRM monthly refugee admissions (FY2001-Dec 2024) and the OHSS yearbook's arrivals (FY2014-2023)."""

    id = ID
    title = "US refugee admissions by nationality (State Department PRM; DHS OHSS yearbook)"
    files = (
        FileSpec(
            key="prm",
            mirror_path="pathways/prm_refugee_admissions_report_2024-12-31.xlsx",
            url=PRM_URL,
            publisher="U.S. Department of State, Bureau of Population, Refugees, and Migration "
            "(Refugee Processing Center, WRAPSnet)",
            published="2024-12-31",
        ),
        FileSpec(
            key="ohss_table14",
            mirror_path="pathways/2024_1108_ohss_yearbook_refugees_fy2023.xlsx",
            url=OHSS_URL,
            publisher=OHSS_YEARBOOK_PUBLISHER,
            published="2024-11-08",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        monthly, annual = _prm(paths["prm"], releases["prm"], out)
        arrivals = _ohss(paths["ohss_table14"], releases["ohss_table14"], out)
        complete = _span_filled(annual[~annual["partial"] & ~annual["is_aggregate"]])
        known = arrivals[arrivals["arrivals"].notna() & ~arrivals["is_aggregate"]]
        out.frames[MONTHLY.name] = monthly
        out.frames[ANNUAL.name] = annual
        out.frames[ARRIVALS.name] = arrivals
        out.tables += [MONTHLY, ANNUAL, ARRIVALS]
        IND.add(
            out,
            [
                indicator_rows(
                    PRM_FY,
                    complete["iso3"],
                    complete["fiscal_year"],
                    complete["admissions"],
                    ID,
                    releases["prm"],
                ),
                indicator_rows(
                    OHSS_FY,
                    known["iso3"],
                    known["fiscal_year"],
                    known["arrivals"].astype("float64"),
                    ID,
                    releases["ohss_table14"],
                ),
            ],
        )
        return out


# --- PRM ----------------------------------------------------------------------------------------


def _span_filled(annual: pd.DataFrame) -> pd.DataFrame:
    """Admissions per country and complete fiscal year, with none (0) for a year the country is
    missing from between its first and last listed year: PRM lists every country of chargeability
    with admissions in the year. Outside that span the count is left missing."""
    per = annual.groupby(["iso3", "fiscal_year"])["admissions"].sum()
    out = []
    for iso, part in per.groupby(level="iso3"):
        years = part.index.get_level_values("fiscal_year")
        span = range(int(years.min()), int(years.max()) + 1)
        filled = part.droplevel("iso3").reindex(span, fill_value=0)
        out.append(pd.DataFrame({"iso3": iso, "fiscal_year": list(span), "admissions": filled.to_numpy()}))
    return pd.concat(out, ignore_index=True)


def _as_of(path: Path, sheet: str, rows: list[list[Any]]) -> dt.date:
    text = cell_text(rows[2][0]) if len(rows) > 2 and rows[2] else ""
    m = re.fullmatch(r"as of (\d{1,2})-([A-Za-z]+)-(\d{4})", text)
    if not m:
        raise InputError(
            path, f"expected 'as of DD-Month-YYYY', found {text!r}", row=3, column="A", sheet=sheet
        )
    try:
        return dt.datetime.strptime(f"{m.group(1)} {m.group(2)} {m.group(3)}", "%d %B %Y").date()
    except ValueError:
        raise InputError(path, f"not a date: {text!r}", row=3, column="A", sheet=sheet) from None


def _counts(t: RawTable, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Whole counts and a mask of blank cells, for the FY total and month columns."""
    n = len(t.frame)
    values = np.zeros((n, len(columns)), dtype=np.int64)
    blank = np.zeros((n, len(columns)), dtype=bool)
    for j, col in enumerate(columns):
        cells = t.frame[col].tolist()
        fast = fast_counts(cells)
        if fast is not None:
            values[:, j], blank[:, j] = fast
            continue
        for i, raw in enumerate(cells):
            if isinstance(raw, bool):
                raise t.error(f"expected a count, found {raw!r}", index=i, column=col)
            if isinstance(raw, int | float) and raw == raw:
                if raw != int(raw) or raw < 0 or raw > MAX_WHOLE:
                    raise t.error(f"expected a count, found {raw!r}", index=i, column=col)
                values[i, j] = int(raw)
                continue
            text = cell_text(raw)
            if text == "":
                blank[i, j] = True
                continue
            raise t.error(f"expected a count, found {raw!r}", index=i, column=col)
    return values, blank


def _prm(path: Path, release: str, out: Parsed) -> tuple[pd.DataFrame, pd.DataFrame]:
    wb = open_workbook(path)
    names = list(wb.sheet_names)
    years = []
    for name in names:
        if name == SUMMARY:
            continue
        if not re.fullmatch(r"\d{4}", name) or not FIRST_FY <= int(name) <= LAST_FY:
            raise InputError(
                path, f"unexpected sheet {name!r}; expected {FIRST_FY} ... {LAST_FY}", sheet=name
            )
        years.append(int(name))
    missing = sorted(set(range(FIRST_FY, LAST_FY + 1)) - set(years))
    if missing:
        raise InputError(path, f"no sheet for fiscal year {missing[0]}", sheet=str(missing[0]))
    if SUMMARY not in names:
        raise InputError(path, f"sheet {SUMMARY!r} is missing", sheet=SUMMARY)
    as_of: dt.date | None = None
    monthly: list[dict[str, np.ndarray]] = []
    annual: list[dict[str, np.ndarray]] = []
    grand: dict[int, int] = {}
    for year in sorted(years):
        sheet = str(year)
        rows = sheet_rows(path, sheet, wb)
        date = _as_of(path, sheet, rows)
        if as_of is not None and date != as_of:
            raise InputError(
                path, f"sheet reports as of {date}, others as of {as_of}", row=3, column="A", sheet=sheet
            )
        as_of = date
        m, a, total = _prm_sheet(path, sheet, year, date, rows)
        monthly.append(m)
        annual.append(a)
        grand[year] = total
    _check_summary(path, wb, grand)
    months = _frame(monthly, release)
    fy = _frame(annual, release)
    out.rows["prm"] = len(fy)
    out.periods["prm"] = (f"{months['month'].min():%Y-%m}", f"{months['month'].max():%Y-%m}")
    return months, fy


def _prm_sheet(
    path: Path, sheet: str, year: int, as_of: dt.date, rows: list[list[Any]]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int]:
    """One fiscal year: country rows (FY total = sum of published months), region and grand totals."""
    t = table_from_rows(path, sheet, rows, columns=PRM_HEADER, header_row=8)
    t.frame.columns = list(PRM_COLUMNS)
    region_col, label_col = PRM_COLUMNS[0], PRM_COLUMNS[1]
    numbers = PRM_COLUMNS[3:]
    values, blank = _counts(t, numbers)
    month_dates = [month_of_fy(year, name) for name in MONTH_NAMES]
    published = np.array([d <= as_of.replace(day=1) for d in month_dates])
    partial = not published.all()
    a_cells = [cell_text(v) for v in t.frame[region_col].tolist()]
    b_cells = [cell_text(v) for v in t.frame[label_col].tolist()]
    if not a_cells or a_cells[0] != f"Fiscal Year {year}":
        found = a_cells[0] if a_cells else None
        raise t.error(f"expected 'Fiscal Year {year}', found {found!r}", index=0, column=region_col)
    region: str | None = None
    members: list[int] = []
    country_rows: list[tuple[int, str]] = []
    region_of: list[str] = []
    totals: list[int] = []
    grand: int | None = None
    for i in range(1, len(a_cells)):
        a, b = a_cells[i], b_cells[i]
        if a.startswith("Note:"):  # FY2020: ceilings by admission category, not by region
            if b or not blank[i].all():
                raise t.error("a note row has values", index=i, column=label_col if b else numbers[0])
            continue
        if grand is not None:
            raise t.error(f"row {a or b!r} after the grand totals", index=i, column=label_col)
        if a:
            if b or not blank[i].all():
                raise t.error(
                    f"region heading {a!r} has values", index=i, column=label_col if b else numbers[0]
                )
            if region is not None:
                raise t.error(f"region {a!r} starts before 'Total {region}'", index=i, column=region_col)
            region, members = a, []
            continue
        if not b:  # the Unallocated Reserve's month row: zeros or blanks, no label
            if region != "Unallocated Reserve" or values[i].any():
                raise t.error("row has values but no label", index=i, column=label_col)
            continue
        if region is None and b != "Grand Totals":
            raise t.error(f"country {b!r} outside a region", index=i, column=label_col)
        if b == f"Total {region}" or b == "Grand Totals":
            group = members if b != "Grand Totals" else totals
            _check_sum(t, i, group, values, blank, published, f"{b}")
            if b == "Grand Totals":
                if region is not None:
                    raise t.error(f"grand totals inside region {region!r}", index=i, column=label_col)
                grand = i
            else:
                if not blank[i, 0]:
                    totals.append(i)
                region = None
            continue
        # A country row: the FY total and every published month are required.
        need = np.concatenate([[True], published])
        if (blank[i] & need).any():
            j = int(np.flatnonzero(blank[i] & need)[0])
            raise t.error("empty cell where a count is required", index=i, column=numbers[j])
        if values[i, 1:][~published].any():
            j = 1 + int(np.flatnonzero(values[i, 1:] * ~published)[0])
            raise t.error(
                f"a count for {numbers[j]} {year}, after the report date {as_of}", index=i, column=numbers[j]
            )
        month_sum = int(values[i, 1:][published].sum())
        if month_sum != int(values[i, 0]):
            raise t.error(
                f"FY total {int(values[i, 0]):,} but the months sum to {month_sum:,}",
                index=i,
                column=numbers[0],
            )
        members.append(i)
        country_rows.append((i, b))
        region_of.append(str(region))
    if grand is None:
        raise t.error(
            "no Grand Totals row; the sheet looks truncated", index=len(a_cells) - 1, column=label_col
        )
    if not country_rows:
        raise t.error("no country rows", column=label_col)
    codes: list[str] = []
    for i, label in country_rows:
        try:
            codes.append(country_code(label, CHARGEABILITY))
        except KeyError:
            raise t.error(f"unknown country of chargeability {label!r}", index=i, column=label_col) from None
    pos = np.array([i for i, _ in country_rows])
    labels = [label for _, label in country_rows]
    # A label printed twice in one year is an error; two labels may share a code (Gaza Strip and
    # Palestine are both PSE): indicators sum them.
    seen: dict[str, int] = {}
    for j, label in enumerate(labels):
        if label in seen:
            raise t.error(f"country {label!r} appears twice", index=int(pos[j]), column=label_col)
        seen[label] = j
    fy = {
        "fiscal_year": np.full(len(country_rows), year, dtype=np.int32),
        "chargeability": np.array(labels, dtype=object),
        "iso3": np.array(codes, dtype=object),
        "region": np.array(region_of, dtype=object),
        "admissions": values[pos, 0].astype("int64"),
        "partial": np.full(len(country_rows), partial),
    }
    keep = np.flatnonzero(published)
    n, k = len(country_rows), len(keep)
    monthly = {
        "month": np.tile(np.array([month_dates[j] for j in keep], dtype=object), n),
        "fiscal_year": np.full(n * k, year, dtype=np.int32),
        "chargeability": np.repeat(np.array(labels, dtype=object), k),
        "iso3": np.repeat(np.array(codes, dtype=object), k),
        "region": np.repeat(np.array(region_of, dtype=object), k),
        "admissions": values[pos][:, 1:][:, keep].reshape(-1).astype("int64"),
    }
    return monthly, fy, int(values[grand, 0])


def _frame(parts: list[dict[str, np.ndarray]], release: str) -> pd.DataFrame:
    """One frame from the sheets' columns, text columns typed once."""
    frame = pd.DataFrame({col: np.concatenate([p[col] for p in parts]) for col in parts[0]})
    for col in ("chargeability", "iso3", "region"):
        frame[col] = frame[col].astype("str")
    frame["is_aggregate"] = is_aggregate(frame["iso3"]).to_numpy()
    frame["release_id"] = release
    return frame


def _check_sum(
    t: RawTable,
    i: int,
    group: list[int],
    values: np.ndarray,
    blank: np.ndarray,
    published: np.ndarray,
    label: str,
) -> None:
    """A total row equals the sum of its rows, for the FY total and every published month."""
    cols = t.frame.columns[3:]
    for j in range(values.shape[1]):
        if j > 0 and not published[j - 1]:
            continue
        if blank[i, j]:
            if group and values[group, j].any():
                raise t.error(f"{label} is empty but its rows are not", index=i, column=str(cols[j]))
            continue
        parts = int(values[group, j].sum()) if group else 0
        if int(values[i, j]) != parts:
            raise t.error(
                f"{label} is {int(values[i, j]):,} but its rows sum to {parts:,}",
                index=i,
                column=str(cols[j]),
            )


def _check_summary(path: Path, wb: Any, grand: dict[int, int]) -> None:
    """The Cumulative Summary's Total per fiscal year equals that year's sheet's grand total."""
    t = read_sheet(path, SUMMARY, columns=SUMMARY_COLUMNS, header_row=9, workbook=wb)
    years = [cell_text(v) for v in t.frame["Fiscal Year"].tolist()]
    seen: set[int] = set()
    for i, text in enumerate(years):
        if not re.fullmatch(r"\d{4}", text):
            continue
        year = int(text)
        raw = t.frame["Total"].iloc[i]
        if not isinstance(raw, int | float) or isinstance(raw, bool) or raw != raw:
            raise t.error(f"expected a count, found {raw!r}", index=i, column="Total")
        if year in grand:
            seen.add(year)
            if int(raw) != grand[year]:
                raise t.error(
                    f"FY{year} total {int(raw):,} differs from sheet {year}'s grand total {grand[year]:,}",
                    index=i,
                    column="Total",
                )
    missing = sorted(set(grand) - seen)
    if missing:
        raise t.error(f"no row for fiscal year {missing[0]}", column="Fiscal Year")


# --- OHSS yearbook Table 14 ---------------------------------------------------------------------

OHSS_YEARS = tuple(range(2014, 2024))
OHSS_TITLE = "REFUGEE ARRIVALS BY REGION AND COUNTRY OF NATIONALITY: FISCAL YEARS 2014 TO 2023"


def _ohss(path: Path, release: str, out: Parsed) -> pd.DataFrame:
    frame, rows = country_frame(
        path,
        release,
        "Table 14",
        title=OHSS_TITLE,
        label="Region and country of nationality",
        years=OHSS_YEARS,
        names=NATIONALITY,
        column="nationality",
        value="arrivals",
    )
    out.rows["ohss_table14"] = rows
    out.periods["ohss_table14"] = (f"FY{OHSS_YEARS[0]}", f"FY{OHSS_YEARS[-1]}")
    return frame

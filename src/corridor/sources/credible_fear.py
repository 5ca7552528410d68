"""Credible fear screenings: OHSS monthly referrals and completions by result (FY2014 - Aug 2024,
southwest border and nationwide), the DHS OIS table by nationality (FY2016-FY2021), and USCIS's
semi-monthly credible and reasonable fear reports (Jan 2020 - 15 Nov 2021)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pandas as pd

from corridor.errors import InputError
from corridor.reference import to_iso3
from corridor.sources._files import release_files
from corridor.sources._ohss_tables import (
    Block,
    SheetData,
    SheetSpec,
    ohss_file,
    period_rows,
    read_ohss_sheet,
)
from corridor.sources.base import (
    MAX_WHOLE,
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    ceiling,
    int_column,
    open_workbook,
    read_csv,
    read_sheet,
)
from corridor.sources.ohss_outcomes import label_map

_CITP = (
    "Mexico",
    "Venezuela",
    "Ecuador",
    "Colombia",
    "Guatemala",
    "Honduras",
    "Peru",
    "Nicaragua",
    "El Salvador",
    "Dominican Republic",
    "All Other",
)
_RESULTS = ("Total", "Positive Fear", "Negative Fear", "Administrative Closure")
SHEETS = {
    ("southwest", "referred"): SheetSpec("SWB CF Filed by Citp", (Block("", _CITP),), header_rows=1),
    ("southwest", "completed"): SheetSpec(
        "SWB CF Completed by Result", (Block("", _RESULTS),), header_rows=1, total_column="Total"
    ),
    ("nationwide", "referred"): SheetSpec(
        "Nationwide CF Filed by Citp", (Block("", ("Total", *_CITP)),), header_rows=1, total_column="Total"
    ),
    ("nationwide", "completed"): SheetSpec(
        "Nationwide CF by Result", (Block("", _RESULTS),), header_rows=1, total_column="Total"
    ),
}
RESULTS = {
    "Total": "all",
    "Positive Fear": "positive",
    "Negative Fear": "negative",
    "Administrative Closure": "closed",
}

MONTHLY = TableSpec(
    "credible_fear",
    "Credible fear screenings by month (OHSS monthly tables, rounded to 10): `stage` referred "
    "(by case-creation date, by citizenship; the SW sheet has no total) or completed (by "
    "completion date, by result positive/negative/closed); `scope` southwest or nationwide.",
)
MONTHLY_FY = TableSpec(
    "credible_fear_fy",
    "The fiscal-year Total rows OHSS prints for the credible fear sheets (published totals).",
)
NATIONALITY = TableSpec(
    "credible_fear_nationality_fy",
    "DHS OIS: credible fear cases completed, found, not found and closed, FY2016-FY2021, top 15 "
    "nationalities + all other + total (citizenship 'ALL'); NULL where DHS withheld a cell ('D').",
)
SEMIMONTHLY = TableSpec(
    "fear_screenings_semimonthly",
    "USCIS semi-monthly credible and reasonable fear receipts and decisions, Jan 2020 - 15 Nov "
    "2021; two editions overlap Nov 2020 - Jan 2021 and `is_current` marks the later one.",
)

OIS_MEASURES = ("Completed", "Credible Fear Found", "Credible Fear Not Found", "Closed")
OIS_IDS = dict(zip(OIS_MEASURES, ("completed", "found", "not_found", "closed"), strict=True))
OIS_YEARS = (2021, 2020, 2019, 2018, 2017, 2016)
OIS_FOOTNOTES = ("D Data withheld", "- Represents zero", "Note: Data retrieved", "Source: DHS Office")
OIS_LABELS = {"TOTAL": "ALL", "All Other Nationalities": "OTHER"}

USCIS_TITLES = {
    "All Credible Fear Cases - Showing number of cases received and number of cases completed by "
    "outcome per semi-monthly period (1st - 15th and 16th - end of month)1": ("credible", "all"),
    "Credible Fear Cases Subject to Third Country Transit Bar - Interim Final Rule2": (
        "credible",
        "transit_bar",
    ),
    "Credible Fear Cases at Family Residential Centers": ("credible", "family_residential"),
    "All Reasonable Fear Cases": ("reasonable", "all"),
    "Reasonable Fear Cases at Family Residential Centers": ("reasonable", "family_residential"),
    "Credible Fear Cases Disaggregated by Adjudicator DHS Component and Occupational Series": (
        "credible",
        "adjudicator",
    ),
    "Reasonable Fear Cases Disaggregated by Adjudicator DHS Component and Occupational Series": (
        "reasonable",
        "adjudicator",
    ),
}
USCIS_SUBBLOCKS = {
    "Subject to Bar under 8 CFR 208.13(c)(4) - No Exception Established": "transit_bar_no_exception",
    "Subject to Bar under 8 CFR 208.13(c)(4) - Exception Established": "transit_bar_exception",
    "USCIS: GS-0930, GS-1801": "adjudicator_uscis",
    "USCBP: GS-1895, GS-1896": "adjudicator_cbp",
    "USCBP: GS-1895, GS-18963": "adjudicator_cbp",  # footnote 3 glued to the label
}
USCIS_MEASURES = {
    "Case Receipts": "receipts",
    "All Decisions": "decisions",
    "Fear Established (Y)": "established",
    "Fear Not Established (N)": "not_established",
    "Administratively Closed": "closed",
}
USCIS_SHEET = " Congressional Semi-Monthly Rep"
USCIS_FIRST_TITLE = next(iter(USCIS_TITLES))
USCIS_PERIODS = 25


def _ohss_frames(data: SheetData, scope: str, stage: str, release: str, *, annual: bool) -> pd.DataFrame:
    f, frame = period_rows(data, annual=annual)
    frame["scope"] = scope
    frame["stage"] = stage
    if stage == "completed":
        frame["result"] = label_map(data, f, "column", RESULTS, "result").to_numpy()
        frame["citizenship"] = "ALL"
    else:
        frame["result"] = "all"
        frame["citizenship"] = label_map(
            data, f, "column", lambda s: "ALL" if s == "Total" else to_iso3(s), "citizenship"
        ).to_numpy()
    frame["cases"] = f["value"].array
    frame["release_id"] = release
    return frame


USCIS_URL = (
    "https://www.uscis.gov/tools/reports-and-studies/"
    "semi-monthly-credible-fear-and-reasonable-fear-receipts-and-decisions"
)
# The USCIS semi-monthly report editions: file key -> the span in the file's name.
USCIS_EDITIONS = {"uscis_2020_01": "01-01-20-to-01-15-21", "uscis_2020_11": "11-01-20-to-11-15-21"}


class CredibleFearSource:
    """OHSS monthly credible fear sheets, the OIS nationality table and USCIS semi-monthly reports."""

    id = "credible_fear"
    title = "Credible fear screenings: OHSS monthly (FY2014-Aug 2024), DHS OIS, USCIS semi-monthly"
    files = (
        ohss_file("ohss_aug2024", max_rows=ceiling(159), first_fy=2014),
        FileSpec(
            key="ois_nationality",
            max_rows=ceiling(25),
            mirror_path="outcomes/dhs_ois_credible_fear_top15_nationalities_fy2016-fy2021.csv",
            url="https://www.dhs.gov/immigration-statistics/readingroom/RFA/credible-fear-cases-interview",
            publisher="DHS Office of Immigration Statistics",
        ),
        *release_files(
            (
                (key, f"outcomes/uscis_cf_rf_semimonthly/Congressional-Semi-Monthly-Report-{span}.xlsx", 87)
                for key, span in USCIS_EDITIONS.items()
            ),
            url=USCIS_URL,
            publisher="U.S. Citizenship and Immigration Services",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        self._ohss(paths["ohss_aug2024"], releases["ohss_aug2024"], out)
        self._ois(paths["ois_nationality"], releases["ois_nationality"], out)
        editions = [self._uscis(paths[key], releases[key], key, out) for key in USCIS_EDITIONS]
        semi = pd.concat(editions, ignore_index=True)
        latest = semi.groupby("period_start")["edition"].transform("max")
        semi["is_current"] = semi["edition"] == latest
        out.frames[SEMIMONTHLY.name] = semi
        out.tables += [MONTHLY, MONTHLY_FY, NATIONALITY, SEMIMONTHLY]
        return out

    def _ohss(self, path: Path, release: str, out: Parsed) -> None:
        wb = open_workbook(path)
        monthly, annual = [], []
        span = None
        rows = 0
        for (scope, stage), spec in SHEETS.items():
            data = read_ohss_sheet(path, spec, wb)
            if span is None:
                span = (data.first, data.last)
            elif (data.first, data.last) != span:
                raise data.table.error(
                    f"sheet covers {data.first:%Y-%m}..{data.last:%Y-%m}, "
                    f"others {span[0]:%Y-%m}..{span[1]:%Y-%m}",
                    column="Month",
                )
            monthly.append(_ohss_frames(data, scope, stage, release, annual=False))
            annual.append(_ohss_frames(data, scope, stage, release, annual=True))
            rows += len(data.table)
        assert span is not None
        out.frames[MONTHLY.name] = pd.concat(monthly, ignore_index=True)
        out.frames[MONTHLY_FY.name] = pd.concat(annual, ignore_index=True)
        out.rows["ohss_aug2024"] = rows
        out.periods["ohss_aug2024"] = (f"{span[0]:%Y-%m}", f"{span[1]:%Y-%m}")

    def _ois(self, path: Path, release: str, out: Parsed) -> None:
        data = path.read_bytes()
        tail = b'Database."' + b"," * 24
        if data and not data.rstrip(b"\r\n").endswith(tail):
            raise InputError(
                path,
                "the last line is not the closing source footnote; the file looks truncated or edited",
                row=data.count(b"\n") + 1,
            )
        years_row = ["NATIONALITY"] + [str(y) for y in OIS_YEARS for _ in OIS_MEASURES]
        read_csv(path, columns=years_row, skiprows=1, require_final_newline=False)
        cols = ["", *(m for _ in OIS_YEARS for m in OIS_MEASURES)]
        table = read_csv(path, columns=cols, skiprows=3, require_final_newline=False)
        labels = [str(v).strip() for v in table.frame.iloc[:, 0].tolist()]
        n_data = next((i for i, lab in enumerate(labels) if lab.startswith(OIS_FOOTNOTES[0])), None)
        if n_data is None:
            raise table.error(
                "footnotes ('D Data withheld ...') are missing", index=len(labels) - 1, column=""
            )
        footer = labels[n_data:]
        if len(footer) != len(OIS_FOOTNOTES) or not all(
            f.startswith(p) for f, p in zip(footer, OIS_FOOTNOTES, strict=False)
        ):
            bad = next(
                (
                    i
                    for i, (f, p) in enumerate(zip(footer, OIS_FOOTNOTES, strict=False))
                    if not f.startswith(p)
                ),
                min(len(footer), len(OIS_FOOTNOTES)) - 1,
            )
            raise table.error("unexpected row among the footnotes", index=n_data + bad, column="")
        body = RawTable(path, table.frame.iloc[:n_data].reset_index(drop=True), table.rownums[:n_data])
        codes = []
        for label, i in zip(labels[:n_data], range(n_data), strict=True):
            try:
                codes.append(OIS_LABELS.get(label) or to_iso3(label))
            except (KeyError, ValueError):
                raise body.error(f"unknown nationality {label!r}", index=i, column="") from None
        if len(set(codes)) != len(codes):
            dup = next(i for i, c in enumerate(codes) if codes.index(c) != i)
            raise body.error(f"duplicate nationality {labels[dup]!r}", index=dup, column="")
        # All six year blocks stacked under the four measure labels: one checked parse a column.
        blocks = []
        for b in range(len(OIS_YEARS)):
            sub = body.frame.iloc[:, 1 + 4 * b : 5 + 4 * b]
            sub.columns = list(OIS_MEASURES)
            blocks.append(sub)
        stacked = RawTable(path, pd.concat(blocks, ignore_index=True), body.rownums * len(OIS_YEARS))
        values = {m: int_column(stacked, m, allow_blank=True, blanks=("D",)) for m in OIS_MEASURES}
        years = [y for y in OIS_YEARS for _ in range(n_data)]
        done = values["Completed"]
        parts_sum = values["Credible Fear Found"] + values["Credible Fear Not Found"] + values["Closed"]
        bad = (done.notna() & parts_sum.notna() & (done != parts_sum)).to_numpy()
        if bad.any():
            i = int(bad.nonzero()[0][0])
            raise stacked.error(
                f"FY{years[i]}: completed {done.iloc[i]} != found + not found + closed {parts_sum.iloc[i]}",
                index=i,
                column="Completed",
            )
        parts = [
            pd.DataFrame(
                {
                    "fiscal_year": years,
                    "citizenship": codes * len(OIS_YEARS),
                    "measure": OIS_IDS[m],
                    "cases": values[m].array,
                    "withheld": values[m].isna().to_numpy(),
                }
            )
            for m in OIS_MEASURES
        ]
        frame = pd.concat(parts, ignore_index=True)
        frame["fiscal_year"] = frame["fiscal_year"].astype("int32")
        frame["release_id"] = release
        out.frames[NATIONALITY.name] = frame
        out.rows["ois_nationality"] = n_data
        out.periods["ois_nationality"] = ("2015-10", "2021-09")

    def _uscis(self, path: Path, release: str, key: str, out: Parsed) -> pd.DataFrame:
        width = 3 + USCIS_PERIODS
        t = read_sheet(path, USCIS_SHEET, columns=["", USCIS_FIRST_TITLE, *[""] * (width - 2)], header_row=3)
        frame = t.frame
        cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        records: list[tuple[Any, ...]] = []
        starts: list[dt.date] | None = None
        ends: list[dt.date] | None = None
        fear, block, sub = "credible", "all", None
        i = -1
        for i, row in enumerate(cells):
            b, c, values = row[1], row[2], row[3:]
            if b == "Table Key":
                break
            if b in USCIS_TITLES and not c and not any(values):
                fear, block = USCIS_TITLES[b]
                starts = ends = None
                sub = None
                continue
            if (b == "From" and not c) or (c == "From" and b.startswith("Adjudicator Component")):
                starts = _dates(t, i, values)
                continue
            if (b == "To" and not c) or (c == "To" and not b):
                ends = _dates(t, i, values)
                if starts is None:
                    raise t.error("'To' row without a 'From' row", index=i, column="To")
                for j, (s, e) in enumerate(zip(starts, ends, strict=True)):
                    if e < s or (e - s).days > 16:
                        raise t.error(
                            f"period {s} .. {e} is not a half-month", index=i, column=f"period {j + 1}"
                        )
                continue
            label = b if b in USCIS_MEASURES and not c else c
            if b and b not in USCIS_MEASURES:
                if b not in USCIS_SUBBLOCKS:
                    raise t.error(f"unknown row label {b!r}", index=i, column="label")
                sub = USCIS_SUBBLOCKS[b]
            if label not in USCIS_MEASURES:
                raise t.error(f"unknown measure {label!r}", index=i, column="measure")
            if starts is None or ends is None:
                raise t.error("values before the period rows", index=i, column="measure")
            numbers = []
            for j, v in enumerate(values):
                if v == "-":
                    numbers.append(0)
                    continue
                try:
                    number = float(v)
                except (TypeError, ValueError):  # text, or a date where a count belongs
                    raise t.error(
                        f"expected a count or '-', found {v!r}", index=i, column=f"period {j + 1}"
                    ) from None
                if not number.is_integer() or number < 0 or number > MAX_WHOLE:
                    raise t.error(f"expected a count, found {v!r}", index=i, column=f"period {j + 1}")
                numbers.append(int(number))
            name = sub if block in ("transit_bar", "adjudicator") else block
            if name is None:
                raise t.error("values before a sub-block label", index=i, column="label")
            for s, e, n in zip(starts, ends, numbers, strict=True):
                records.append((key, s, e, fear, name, USCIS_MEASURES[label], n, i))
        else:
            raise t.error("no 'Table Key' footer; the sheet looks truncated", index=i)
        _check_semimonthly(t, records)
        frame_out = pd.DataFrame(
            [r[:-1] for r in records],
            columns=["edition", "period_start", "period_end", "fear_type", "block", "measure", "cases"],
        )
        frame_out["release_id"] = release
        out.rows[key] = len(cells)
        first, last = frame_out["period_start"].min(), frame_out["period_end"].max()
        out.periods[key] = (f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")
        return frame_out


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else repr(value)
    return str(value).strip()


def _dates(t: RawTable, i: int, values: list[Any]) -> list[dt.date]:
    out = []
    for j, v in enumerate(values):
        if not isinstance(v, dt.date):
            raise t.error(f"expected a date, found {v!r}", index=i, column=f"period {j + 1}")
        out.append(v)
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise t.error("period dates are not increasing", index=i, column="period")
    return out


def _check_semimonthly(t: RawTable, records: list[tuple[Any, ...]]) -> None:
    """Each block: all decisions = established + not established + administratively closed."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for _, start, _, fear, block, measure, n, row in records:
        entry = sums.setdefault((start, fear, block), [0, 0, row])
        if measure == "decisions":
            entry[0] = n
        elif measure != "receipts":
            entry[1] += n
    for (start, fear, block), (decisions, parts, row) in sums.items():
        # From 16 May 2021 USCIS's outcome rows sum to up to 66 (about 3%) more than "All
        # Decisions"; allow 3% (at least 10) so that a real layout or number error still fails.
        if abs(decisions - parts) > max(10.0, 0.03 * decisions):
            raise t.error(
                f"{fear} fear {block} {start}: decisions {decisions} != "
                f"established + not established + closed {parts}",
                index=row,
                column="All Decisions",
            )

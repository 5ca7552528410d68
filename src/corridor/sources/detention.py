"""ICE detention and enforcement: the OHSS monthly ICE sheets (book-ins, book-outs by reason,
removals and returns, ERO arrests; FY2014/FY2018 - Aug 2024), the Deportation Data Project's
tables of every ICE detention-statistics edition FY2019-FY2026 (ADP, length of stay, book-ins,
releases, removals, ATD), and UWCHR's FOIA daily headcount, summed to a national series at parse
time (FY2012 - Jan 2024)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference import to_iso3
from corridor.sources._ohss_tables import (
    OHSS_PATH,
    OHSS_PUBLISHER,
    OHSS_URL,
    Block,
    SheetData,
    SheetSpec,
    read_ohss_sheet,
)
from corridor.sources.base import MAX_WHOLE, FileSpec, Parsed, TableSpec, guard_parquet, open_workbook
from corridor.sources.ohss_outcomes import label_map

DDP = "detention/ddp_ice_detention_stats"
DDP_URL = "https://www.ice.gov/detain/detention-management"
DDP_PUBLISHER = "U.S. ICE detention statistics (tables parsed by the Deportation Data Project)"
DDP_LICENCE = "ICE figures: US government work, public domain; the mirror states no licence"
UWCHR_PATH = "detention/uwchr_ice_detention_headcount_by_facility_daily_fy12-fy24ytd.parquet"
EDITION = ("fiscal_year", "file_date", "pull_date")
WINDOW_AFTER_FY = dt.timedelta(days=45)  # year-end editions are pulled a few weeks after 30 Sep

_REASONS = (
    "Total",
    "Removal Book-out1",
    "Order of Supervision2",
    "Bonded Out3",
    "Order of Recognizance4",
    "Paroled5",
    "Relief6",
    "Other7",
)
OHSS_SHEETS = {
    "book_ins": SheetSpec(
        "ICE Book-Ins by Arrest Agency",
        (Block("", ("Total", "CBP", "ICE")),),
        header_rows=1,
        total_column="Total",
    ),
    "book_outs": SheetSpec(
        "ICE Book-Outs by Arrest Agency",
        (Block("Total", _REASONS), Block("CBP", _REASONS), Block("ICE", _REASONS)),
        total_column="Total",
    ),
    "removals_returns": SheetSpec(
        "ICE ERO R&R by Arrest Agcy",
        (Block("", ("Total", "CBP", "ICE")),),
        header_rows=1,
        total_column="Total",
    ),
    "ero_arrests": SheetSpec(
        "ERO Arrests by Citizenship",
        (
            Block(
                "",
                (
                    "Total",
                    "Mexico",
                    "Guatemala",
                    "Honduras",
                    "Nicaragua",
                    "Venezuela",
                    "Ecuador",
                    "Colombia",
                    "El Salvador",
                    "Cuba",
                    "Dominican Republic",
                    "Other",
                ),
            ),
        ),
        header_rows=1,
        total_column="Total",
    ),
}
AGENCY = {"Total": "all", "": "all", "CBP": "cbp", "ICE": "ice"}
REASON = {
    "Total": "all",
    "Removal Book-out": "removal",
    "Order of Supervision": "order_of_supervision",
    "Bonded Out": "bonded_out",
    "Order of Recognizance": "order_of_recognizance",
    "Paroled": "paroled",
    "Relief": "relief",
    "Other": "other",
}
AVERAGES = {"CBP Average": "cbp", "ICE Average": "ice", "Average": "all"}
CRIMINALITY = {
    "Convicted Criminal": "convicted",
    "Pending Criminal Charges": "pending",
    "Other Immigration Violator": "other",
    "Non-Criminal": "non_criminal",
    "Total": "all",
}
RELEASE_REASONS = {
    "Total": "all",
    "Bonded Out": "bonded_out",
    "Bond Set by ICE": "bond_set_by_ice",
    "Bond Set by IJ": "bond_set_by_ij",
    "Order of Recognizance": "order_of_recognizance",
    "Order of Supervision": "order_of_supervision",
    "Order of supervision": "order_of_supervision",
    "Paroled": "paroled",
    "Court Ordered": "court_ordered",
    "Prosecutorial Discretion": "prosecutorial_discretion",
}
DISPOSITIONS = {
    "Total": "all",
    "Expedited Removal (I-860)": "expedited_removal",
    "Notice to Appear (I-862)": "notice_to_appear",
    "Reinstatement of Deport Order (I-871)": "reinstatement",
}
TECHNOLOGIES = {
    "GPS": "gps",
    "SmartLINK": "smartlink",
    "TR": "telephonic",
    "VoiceID": "voiceid",
    "Ankle Monitor": "ankle_monitor",
    "Wristworn": "wristworn",
    "Dual Tech": "dual_tech",
    "No Tech": "no_tech",
    "VeriWatch": "veriwatch",
    "Veriwatch": "veriwatch",
}
ATD_NOTES = ("Data from BI Inc. Participants Report", "Data from OBP Report", "Costs listed above")
ATD_STATUS = {
    "FAMU": "family_units",
    "ECMS-FAMU": "ecms_family_units",
    "Single Adult": "single_adults",
    "ECMS-Single Adult": "ecms_single_adults",
    "Total": "all",
}
ATD_TECH = {
    **TECHNOLOGIES,
    "Dual Technology": "dual_tech",
    "No Technology": "no_tech",
    "Total": "all",
}
AORS = (
    "Atlanta",
    "Baltimore",
    "Boston",
    "Buffalo",
    "Chicago",
    "Dallas",
    "Denver",
    "Detroit",
    "El Paso",
    "Harlingen",
    "Houston",
    "Los Angeles",
    "Miami",
    "New Orleans",
    "New York",
    "Newark",
    "Philadelphia",
    "Phoenix",
    "Salt Lake City",
    "San Antonio",
    "San Diego",
    "San Francisco",
    "Seattle",
    "St Paul",
    "Washington DC",
)


def _t(name: str, description: str) -> TableSpec:
    return TableSpec(name, description)


TABLES = {
    "ice_enforcement": _t(
        "ice_enforcement",
        "ICE enforcement by month from the OHSS monthly tables (rounded to 10): measure book_ins "
        "(detention book-ins), book_outs (by reason), removals_returns, ero_arrests, by initial "
        "arresting agency / reason / citizenship ('all' where not broken down).",
    ),
    "ice_enforcement_fy": _t(
        "ice_enforcement_fy", "The published fiscal-year Total rows of the same sheets."
    ),
    "detention_adp": _t(
        "detention_adp",
        "ICE average daily detained population by month, agency and criminality, every ICE "
        "edition FY2019-FY2026 (DDP). `edition_ok` is false for mislabelled or stale editions "
        "(pull date outside the FY, or a table repeated from another FY); `is_latest` marks the "
        "value to use per month (latest good edition).",
    ),
    "detention_stay_length": _t(
        "detention_stay_length",
        "ICE average length of stay (days) of people booked out, by month, agency and criminality; "
        "editions and flags as in detention_adp.",
    ),
    "detention_book_ins": _t(
        "detention_book_ins", "ICE initial book-ins per month by arresting agency (ICE editions, DDP)."
    ),
    "detention_releases": _t(
        "detention_releases",
        "ICE releases per month by reason x criminality (FY2021+, ICE editions, DDP); removals and "
        "transfers are not releases and are not listed.",
    ),
    "detention_releases_annual": _t(
        "detention_releases_annual",
        "ICE releases by reason, fiscal-year totals (older layout, FY2019-FY2021).",
    ),
    "detention_by_disposition": _t(
        "detention_by_disposition",
        "People detained on the pull date by processing disposition and facility type (family/adult).",
    ),
    "detention_fear_decision_days": _t(
        "detention_fear_decision_days",
        "Average days from a USCIS fear decision to ICE release, by release FY and facility type.",
    ),
    "detention_removals": _t("detention_removals", "ICE removals, fiscal year to date, every edition."),
    "atd_participants": _t(
        "atd_participants",
        "Alternatives to Detention participants by status (family / single adult / ECMS) or "
        "technology; `value` is average days in program (status) or daily cost in US$ (technology).",
    ),
    "atd_by_aor": _t(
        "atd_by_aor",
        "ATD participants and average days in program by ICE area of responsibility x technology.",
    ),
    "atd_court_appearances": _t(
        "atd_court_appearances",
        "ATD participants' immigration-court hearing attendance (all / final hearings).",
    ),
    "detention_headcount_daily": _t(
        "detention_headcount_daily",
        "National ICE detention headcount per day (sum over facilities) from UWCHR's FOIA records, "
        "FY2012 - 4 Jan 2024; about 2-4% below official ADP. Days before Oct 2011 are flagged.",
    ),
    "detention_headcount_monthly": _t(
        "detention_headcount_monthly", "Monthly mean of the UWCHR national daily headcount (FY2012 on)."
    ),
}


# ---------------------------------------------------------------------------------------------
# Checked Parquet reading (base.py has no Parquet reader; errors name file, data row and column)


@dataclass
class Pq:
    """A Parquet file read whole; `error` points at a 1-based data row."""

    path: Path
    frame: pd.DataFrame

    def error(self, message: str, *, index: int | None = None, column: str | None = None) -> InputError:
        return InputError(self.path, message, row=None if index is None else index + 1, column=column)


def read_pq(path: Path, columns: Sequence[tuple[str, str]]) -> Pq:
    """Read a Parquet file whose columns must be exactly `columns` ((name, 'text'|'number'|'date'))."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.stat().st_size == 0:
        raise InputError(path, "file is empty; expected a Parquet file", row=1)
    guard_parquet(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(path, f"not a readable Parquet file ({exc})", row=1) from None
    names = table.column_names
    for i, (name, kind) in enumerate(columns):
        found = names[i] if i < len(names) else None
        if found != name:
            raise InputError(
                path, f"expected column {name!r}, found {found!r}; the layout changed", row=1, column=name
            )
        typ = table.schema.field(name).type
        ok = {
            "text": pa.types.is_string(typ) or pa.types.is_large_string(typ),
            "number": pa.types.is_integer(typ) or pa.types.is_floating(typ),
            "date": pa.types.is_date(typ),
        }[kind]
        if not ok:
            raise InputError(path, f"expected {kind} values, found {typ}", row=1, column=name)
    if len(names) > len(columns):
        raise InputError(
            path, f"unexpected extra column {names[len(columns)]!r}", row=1, column=names[len(columns)]
        )
    if table.num_rows == 0:
        raise InputError(path, "file has no data rows", row=1)
    # Dates stay Arrow-backed: fast to compare, and DuckDB stores them as DATE.
    try:
        frame = table.to_pandas(types_mapper={pa.date32(): pd.ArrowDtype(pa.date32())}.get)
    except Exception as exc:  # e.g. pandas metadata naming a type the column no longer has
        raise InputError(path, f"columns do not convert to a table ({exc})", row=1) from None
    return Pq(path, frame)


def _days(series: pd.Series) -> np.ndarray:
    """Arrow-backed dates -> days since 1970 (int64)."""
    import pyarrow as pa

    return pa.array(series).cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


def _edition_keys(frame: pd.DataFrame) -> np.ndarray:
    """One int64 per edition: fiscal year, file date and pull date packed together."""
    fy = frame["fiscal_year"].to_numpy().astype(np.int64)
    return (fy << 40) + (_days(frame["file_date"]) << 20) + _days(frame["pull_date"])


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _numbers(
    t: Pq, column: str, *, nullable: bool = False, whole: bool = False, negative: bool = False
) -> pd.Series:
    values = t.frame[column].to_numpy(dtype="float64", na_value=np.nan)
    null = np.isnan(values)
    if null.any() and not nullable:
        raise t.error("empty cell where a number is required", index=_first(null), column=column)
    bad = ~null & (
        (~negative & (values < 0))
        | ~np.isfinite(values)
        | (whole & ((values != np.round(values)) | (np.abs(values) > MAX_WHOLE)))
    )
    if bad.any():
        i = _first(bad)
        raise t.error(
            f"expected a non-negative {'count' if whole else 'number'}, found {values[i]!r}",
            index=i,
            column=column,
        )
    return pd.Series(values, index=t.frame.index)


def _labels(t: Pq, column: str, mapping: dict[str, str], kind: str, *, null: str | None = None) -> pd.Series:
    raw = t.frame[column]
    out = {}
    for value in raw.dropna().unique().tolist():
        if value not in mapping:
            raise t.error(f"unknown {kind} {value!r}", index=_first((raw == value).to_numpy()), column=column)
        out[value] = mapping[value]
    if raw.isna().any() and null is None:
        raise t.error(f"empty {kind}", index=_first(raw.isna().to_numpy()), column=column)
    mapped = raw.map(out)
    return mapped.where(raw.notna(), null).astype(str)


def _edition_frame(t: Pq) -> pd.DataFrame:
    f = t.frame
    years = _numbers(t, "fiscal_year", whole=True).to_numpy()
    bad = (years < 2015) | (years > 2035)
    if bad.any():
        raise t.error(
            f"implausible fiscal year {years[_first(bad)]}", index=_first(bad), column="fiscal_year"
        )
    for column in ("file_date", "pull_date"):
        null = f[column].isna().to_numpy()
        if null.any():
            raise t.error("empty cell where a date is required", index=_first(null), column=column)
    return pd.DataFrame(
        {
            "fiscal_year": f["fiscal_year"].astype("int32"),
            "file_date": f["file_date"],
            "pull_date": f["pull_date"],
        }
    )


def _window_ok(ed: pd.DataFrame) -> pd.Series:
    """The pull date must fall inside the labelled fiscal year (or just after it ends)."""
    fy = ed["fiscal_year"].to_numpy().astype(np.int64)
    start = np.array([np.datetime64(f"{y - 1}-10-01") for y in range(1990, 2060)]).astype(np.int64)
    lo = start[fy - 1990]
    hi = start[fy + 1 - 1990] - 1 + WINDOW_AFTER_FY.days
    pull = _days(ed["pull_date"])
    return pd.Series((pull >= lo) & (pull <= hi), index=ed.index)


def _month_column(t: Pq, frame: pd.DataFrame) -> pd.Series:
    """`date` (first of month) must lie in the labelled fiscal year."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = pa.array(t.frame["date"])
    day = pc.day(dates).to_numpy(zero_copy_only=False)
    if (day != 1).any():
        i = _first(day != 1)
        raise t.error(
            f"expected the first day of a month, found {t.frame['date'].iloc[i]}", index=i, column="date"
        )
    fy = pc.year(dates).to_numpy(zero_copy_only=False) + (
        pc.month(dates).to_numpy(zero_copy_only=False) >= 10
    )
    bad = fy != frame["fiscal_year"].to_numpy()
    if bad.any():
        i = _first(bad)
        raise t.error(
            f"month {t.frame['date'].iloc[i]} is outside fiscal year {frame['fiscal_year'].iloc[i]}",
            index=i,
            column="date",
        )
    return t.frame["date"]


def _latest(frame: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    """Per key, the row of the latest good edition that has a value for a month already begun."""
    ok = frame["edition_ok"].to_numpy() & frame[value].notna().to_numpy()
    ok &= _days(frame["month"]) <= _days(frame["pull_date"])
    order = np.lexsort((_days(frame["file_date"]), _days(frame["pull_date"])))
    order = order[ok[order]]
    cand = frame.iloc[order]
    best = cand.groupby(keys, sort=False).tail(1).index
    out = pd.Series(False, index=frame.index)
    out.loc[best] = True
    return out


class DetentionSource:
    """ICE detention stock, flows, length of stay and ATD; OHSS ICE sheets; UWCHR headcount."""

    id = "ice_detention"
    title = (
        "ICE detention and enforcement: OHSS monthly ICE tables, ICE detention statistics, UWCHR headcount"
    )
    files = (
        FileSpec(
            key="ohss_aug2024",
            mirror_path=OHSS_PATH,
            url=OHSS_URL,
            publisher=OHSS_PUBLISHER,
            published="2024-12-06",
        ),
        *(
            FileSpec(
                key=name.replace("-", "_"),
                mirror_path=f"{DDP}/{name}.parquet",
                url=DDP_URL,
                publisher=DDP_PUBLISHER,
                licence=DDP_LICENCE,
            )
            for name in (
                "adp-by-agency-criminality",
                "stay-length-by-agency-criminality",
                "book-ins-by-arresting-agency",
                "book-outs-by-reason",
                "book-outs-by-reason-annual",
                "currently-detained-by-disposition",
                "fear-decision-time",
                "removals",
                "atd-population",
                "atd-by-aor",
                "atd-court-appearances",
            )
        ),
        FileSpec(
            key="uwchr_headcount",
            mirror_path=UWCHR_PATH,
            url="https://uwchr.github.io/ice-detain/",
            publisher=(
                "University of Washington Center for Human Rights "
                "(ICE ERO-LESA records, FOIA 2022-ICFO-09022)"
            ),
            licence="GPL-3.0 (repository licence; no separate data licence stated)",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        self._ohss(paths["ohss_aug2024"], releases["ohss_aug2024"], out)
        adp = self._agency_criminality(
            paths, releases, out, "adp_by_agency_criminality", "adp", "adp_fy_ytd", "adp"
        )
        owner = _edition_owner(adp)
        self._set(out, "detention_adp", adp, owner, ["month", "agency", "criminality"], "adp")
        stay = self._agency_criminality(
            paths,
            releases,
            out,
            "stay_length_by_agency_criminality",
            "avg_stay_length_days",
            "avg_stay_length_days_fy_ytd",
            "avg_stay_days",
        )
        self._set(
            out, "detention_stay_length", stay, owner, ["month", "agency", "criminality"], "avg_stay_days"
        )
        self._book_ins(paths, releases, out, owner)
        self._releases(paths, releases, out, owner)
        self._small(paths, releases, out, owner)
        self._atd(paths, releases, out, owner)
        self._headcount(paths["uwchr_headcount"], releases["uwchr_headcount"], out)
        out.tables += [TABLES[name] for name in out.frames]
        return out

    # -- OHSS ----------------------------------------------------------------------------------

    def _ohss(self, path: Path, release: str, out: Parsed) -> None:
        wb = open_workbook(path)
        monthly: list[pd.DataFrame] = []
        annual: list[pd.DataFrame] = []
        rows = 0
        for measure, spec in OHSS_SHEETS.items():
            data = read_ohss_sheet(path, spec, wb)
            rows += len(data.table)
            for annual_rows in (False, True):
                (annual if annual_rows else monthly).append(
                    _ohss_rows(data, measure, release, annual=annual_rows)
                )
        out.frames["ice_enforcement"] = pd.concat(monthly, ignore_index=True)
        out.frames["ice_enforcement_fy"] = pd.concat(annual, ignore_index=True)
        months = out.frames["ice_enforcement"]["month"]
        out.rows["ohss_aug2024"] = rows
        out.periods["ohss_aug2024"] = (f"{min(months):%Y-%m}", f"{max(months):%Y-%m}")

    # -- DDP -----------------------------------------------------------------------------------

    def _note(self, out: Parsed, key: str, t: Pq, ed: pd.DataFrame) -> None:
        out.rows[key] = len(t.frame)
        out.periods[key] = (f"{int(ed['fiscal_year'].min()) - 1}-10", f"{int(ed['fiscal_year'].max())}-09")

    def _agency_criminality(self, paths, releases, out, key, value, ytd, name) -> pd.DataFrame:
        t = read_pq(
            paths[key],
            [
                ("agency", "text"),
                ("month", "text"),
                ("date", "date"),
                (value, "number"),
                (ytd, "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        labels = t.frame["agency"]
        unknown = ~labels.isin(list(AVERAGES) + list(CRIMINALITY))
        if unknown.any():
            raise t.error(
                f"unknown agency or criminality {labels[unknown].iloc[0]!r}",
                index=_first(unknown.to_numpy()),
                column="agency",
            )
        is_avg = labels.isin(list(AVERAGES)).to_numpy()
        # Rows come in the ICE sheet's order: per edition, an average row's 12 months, then the
        # months of its three criminality rows, for CBP, ICE and all; the average labels the block.
        group = _edition_keys(ed)
        starts = np.r_[True, group[1:] != group[:-1]]
        if not is_avg[starts].all():
            i = _first(starts & ~is_avg)
            raise t.error(
                "an edition's rows must start with an agency average row (row order lost?)",
                index=i,
                column="agency",
            )
        agency = pd.Series(np.where(is_avg, labels.map(AVERAGES), None)).ffill()
        crim = np.where(is_avg, "all", labels.map(CRIMINALITY))
        frame = ed.assign(month=_month_column(t, ed), agency=agency.astype(str), criminality=crim)
        frame[name] = _numbers(t, value)
        frame[f"{name}_fytd"] = _numbers(t, ytd)
        dup = frame.duplicated(
            ["fiscal_year", "file_date", "pull_date", "month", "agency", "criminality"]
        ).to_numpy()
        if dup.any():
            raise t.error(
                "duplicate row (edition, month, agency, criminality)", index=_first(dup), column="agency"
            )
        frame["release_id"] = releases[key]
        self._note(out, key, t, ed)
        return frame

    def _set(self, out, table, frame, owner, keys, value) -> None:
        frame = frame.copy()
        frame["edition_ok"] = _apply_owner(frame, owner)
        if "month" in frame:
            frame["is_latest"] = _latest(frame, keys, value)
        out.frames[table] = frame.reset_index(drop=True)

    def _book_ins(self, paths, releases, out, owner) -> None:
        key = "book_ins_by_arresting_agency"
        t = read_pq(
            paths[key],
            [
                ("arresting_agency", "text"),
                ("month", "text"),
                ("date", "date"),
                ("n_book_ins", "number"),
                ("n_book_ins_ytd", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(
            month=_month_column(t, ed),
            arresting_agency=_labels(t, "arresting_agency", AGENCY, "arresting agency"),
            book_ins=_numbers(t, "n_book_ins", nullable=True, whole=True),
            book_ins_fytd=_numbers(t, "n_book_ins_ytd", whole=True),
            release_id=releases[key],
        )
        _unique(t, frame, ["fiscal_year", "file_date", "pull_date", "month", "arresting_agency"])
        self._note(out, key, t, ed)
        self._set(out, "detention_book_ins", frame, owner, ["month", "arresting_agency"], "book_ins")

    def _releases(self, paths, releases, out, owner) -> None:
        key = "book_outs_by_reason"
        t = read_pq(
            paths[key],
            [
                ("release_reason", "text"),
                ("criminality", "text"),
                ("month", "text"),
                ("date", "date"),
                ("n_book_outs", "number"),
                ("n_book_outs_ytd", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(
            month=_month_column(t, ed),
            release_reason=_labels(t, "release_reason", RELEASE_REASONS, "release reason"),
            criminality=_labels(t, "criminality", CRIMINALITY, "criminality", null="all"),
            book_outs=_numbers(t, "n_book_outs", nullable=True, whole=True),
            book_outs_fytd=_numbers(t, "n_book_outs_ytd", whole=True),
            release_id=releases[key],
        )
        # ICE's sheet lists a grand total (no criminality) and a 'Total' criminality row per reason.
        frame["criminality"] = np.where(
            (frame["release_reason"] == "all") & (t.frame["criminality"].isna().to_numpy()),
            "all_rows",
            frame["criminality"],
        )
        _unique(t, frame, ["fiscal_year", "file_date", "pull_date", "month", "release_reason", "criminality"])
        self._note(out, key, t, ed)
        self._set(
            out, "detention_releases", frame, owner, ["month", "release_reason", "criminality"], "book_outs"
        )

        key = "book_outs_by_reason_annual"
        t = read_pq(
            paths[key],
            [
                ("release_reason", "text"),
                ("convicted_criminal", "number"),
                ("pending_criminal_charges", "number"),
                ("other_immigration_violator", "number"),
                ("total", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(release_reason=_labels(t, "release_reason", RELEASE_REASONS, "release reason"))
        for col in ("convicted_criminal", "pending_criminal_charges", "other_immigration_violator", "total"):
            frame[col] = _numbers(t, col, whole=True)
        parts = frame[["convicted_criminal", "pending_criminal_charges", "other_immigration_violator"]].sum(
            axis=1
        )
        bad = (parts != frame["total"]).to_numpy()
        if bad.any():
            raise t.error(
                f"total {frame['total'].iloc[_first(bad)]:.0f} != sum of criminality columns",
                index=_first(bad),
                column="total",
            )
        frame["release_id"] = releases[key]
        self._note(out, key, t, ed)
        self._set(out, "detention_releases_annual", frame, owner, [], "total")

    def _small(self, paths, releases, out, owner) -> None:
        key = "currently_detained_by_disposition"
        t = read_pq(
            paths[key],
            [
                ("disposition", "text"),
                ("fsc_frc", "number"),
                ("adult", "number"),
                ("total", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(
            disposition=_labels(t, "disposition", DISPOSITIONS, "disposition"),
            fsc_frc=_numbers(t, "fsc_frc", nullable=True, whole=True),
            adult=_numbers(t, "adult", nullable=True, whole=True),
            total=_numbers(t, "total", nullable=True, whole=True),
            release_id=releases[key],
        )
        _unique(t, frame, ["fiscal_year", "file_date", "pull_date", "disposition"])
        self._note(out, key, t, ed)
        self._set(out, "detention_by_disposition", frame, owner, [], "total")

        key = "fear_decision_time"
        t = read_pq(
            paths[key],
            [
                ("data_fiscal_year", "number"),
                ("fsc", "number"),
                ("adult", "number"),
                ("total", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(
            data_fiscal_year=_numbers(t, "data_fiscal_year", whole=True).astype("int32"),
            fsc_days=_numbers(t, "fsc", nullable=True),
            adult_days=_numbers(t, "adult", nullable=True),
            total_days=_numbers(t, "total", nullable=True),
            release_id=releases[key],
        )
        self._note(out, key, t, ed)
        self._set(out, "detention_fear_decision_days", frame, owner, [], "total_days")

        key = "removals"
        t = read_pq(
            paths[key],
            [("removals", "number"), ("fiscal_year", "number"), ("file_date", "date"), ("pull_date", "date")],
        )
        ed = _edition_frame(t)
        frame = ed.assign(removals_fytd=_numbers(t, "removals", whole=True), release_id=releases[key])
        _unique(t, frame, ["fiscal_year", "file_date", "pull_date"])
        self._note(out, key, t, ed)
        frame["edition_ok"] = _apply_owner(frame, owner)
        ok = frame[frame["edition_ok"]].sort_values(["pull_date", "file_date"])
        frame["is_latest"] = frame.index.isin(ok.groupby("fiscal_year").tail(1).index)
        out.frames["detention_removals"] = frame

    def _atd(self, paths, releases, out, owner) -> None:
        key = "atd_population"
        t = read_pq(
            paths[key],
            [
                ("category", "text"),
                ("count", "number"),
                ("value", "number"),
                ("table", "text"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        count = _numbers(t, "count", nullable=True, whole=True)
        category = t.frame["category"].astype(str)
        note = category.str.startswith(ATD_NOTES).to_numpy()
        bad = note & count.notna().to_numpy()
        if bad.any():
            raise t.error("a note row carries a count", index=_first(bad), column="count")
        tables = _labels(t, "table", {"status": "status", "technology": "technology"}, "table")
        known = np.array(
            [
                (tab == "status" and cat in ATD_STATUS) or (tab == "technology" and cat in ATD_TECH)
                for tab, cat in zip(tables, category, strict=True)
            ]
        )
        bad = ~note & ~known
        if bad.any():
            raise t.error(
                f"unknown ATD category {category.iloc[_first(bad)]!r}", index=_first(bad), column="category"
            )
        labels = [
            ATD_STATUS[cat] if tab == "status" else ATD_TECH[cat]
            for tab, cat in zip(tables[~note], category[~note], strict=True)
        ]
        frame = ed.assign(
            table=tables, count=count, value=_numbers(t, "value", nullable=True), release_id=releases[key]
        )
        frame = frame[~note].reset_index(drop=True)
        frame.insert(4, "category", labels)
        self._note(out, key, t, ed)
        self._set(out, "atd_participants", frame, owner, [], "count")

        key = "atd_by_aor"
        t = read_pq(
            paths[key],
            [
                ("aor_technology", "text"),
                ("count", "number"),
                ("avg_length_in_program", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        labels = t.frame["aor_technology"]
        is_tech = labels.isin(list(TECHNOLOGIES)).to_numpy()
        is_area = labels.isin([*AORS, "Total", "Grand Total"]).to_numpy()
        bad = ~(is_tech | is_area)
        if bad.any():
            raise t.error(
                f"unknown area or technology {labels.iloc[_first(bad)]!r}",
                index=_first(bad),
                column="aor_technology",
            )
        area = pd.Series(np.where(is_area, labels, None)).ffill()
        if area.isna().any():
            raise t.error(
                "technology row before any area row",
                index=_first(area.isna().to_numpy()),
                column="aor_technology",
            )
        frame = ed.assign(
            aor=area.astype(str),
            technology=np.where(is_tech, labels.map(TECHNOLOGIES), "all"),
            count=_numbers(t, "count", nullable=True, whole=True),
            # ICE prints one negative average (-7 days); kept as published.
            avg_days_in_program=_numbers(t, "avg_length_in_program", nullable=True, negative=True),
            release_id=releases[key],
        )
        self._note(out, key, t, ed)
        self._set(out, "atd_by_aor", frame, owner, [], "count")

        key = "atd_court_appearances"
        t = read_pq(
            paths[key],
            [
                ("hearing_type", "text"),
                ("metric", "text"),
                ("count", "number"),
                ("pct", "number"),
                ("fiscal_year", "number"),
                ("file_date", "date"),
                ("pull_date", "date"),
            ],
        )
        ed = _edition_frame(t)
        frame = ed.assign(
            hearing_type=_labels(t, "hearing_type", {"total": "all", "final": "final"}, "hearing type"),
            metric=_labels(
                t,
                "metric",
                {"Attended": "attended", "Failed to Attend": "failed_to_attend", "Total": "total"},
                "metric",
            ),
            count=_numbers(t, "count", whole=True),
            share=_numbers(t, "pct"),
            release_id=releases[key],
        )
        _unique(t, frame, ["fiscal_year", "file_date", "pull_date", "hearing_type", "metric"])
        self._note(out, key, t, ed)
        self._set(out, "atd_court_appearances", frame, owner, [], "count")

    # -- UWCHR ---------------------------------------------------------------------------------

    def _headcount(self, path: Path, release: str, out: Parsed) -> None:
        t = read_pq(path, [("detention_facility_code", "text"), ("n", "number"), ("date", "text")])
        f = t.frame
        n = _numbers(t, "n", whole=True).to_numpy().astype(np.int64)
        codes, _ = pd.factorize(f["detention_facility_code"], use_na_sentinel=True)
        if (codes < 0).any():
            raise t.error("empty facility code", index=_first(codes < 0), column="detention_facility_code")
        day_idx, day_text = pd.factorize(f["date"], use_na_sentinel=True)
        if (day_idx < 0).any():
            raise t.error("empty date", index=_first(day_idx < 0), column="date")
        parsed = pd.to_datetime(pd.Series(day_text), format="%Y-%m-%d", errors="coerce")
        if parsed.isna().any():
            bad_day = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise t.error(
                f"expected a date YYYY-MM-DD, found {day_text[bad_day]!r}",
                index=_first(day_idx == bad_day),
                column="date",
            )
        key = codes.astype(np.int64) * len(day_text) + day_idx
        seen = np.bincount(key, minlength=0)
        if seen.max() > 1:
            dup_key = int(np.flatnonzero(seen > 1)[0])
            rows = np.flatnonzero(key == dup_key)
            raise t.error(
                f"duplicate facility-day ({f['detention_facility_code'].iloc[rows[1]]}, "
                f"{f['date'].iloc[rows[1]]})",
                index=int(rows[1]),
                column="date",
            )
        detained = np.bincount(day_idx, weights=n, minlength=len(day_text)).astype(np.int64)
        facilities = np.bincount(day_idx, minlength=len(day_text)).astype(np.int64)
        daily = pd.DataFrame({"date": parsed.dt.date, "detained": detained, "facilities": facilities})
        daily = daily.sort_values("date").reset_index(drop=True)
        stamps = pd.to_datetime(daily["date"])
        daily["fiscal_year"] = (stamps.dt.year + (stamps.dt.month >= 10).astype(int)).astype("int32")
        # Before Oct 2011 only people still detained when the records start are counted.
        daily["complete"] = (stamps >= pd.Timestamp("2011-10-01")).to_numpy()
        daily["release_id"] = release
        full = daily[daily["complete"]]
        span = pd.date_range(full["date"].min(), full["date"].max(), freq="D")
        if len(span) != len(full):
            missing = sorted(set(span.date) - set(full["date"]))[0]
            raise t.error(f"no facility has people on {missing}; the file looks incomplete", column="date")
        months = pd.to_datetime(full["date"]).dt.to_period("M")
        monthly = (
            full.groupby(months)
            .agg(mean_detained=("detained", "mean"), days=("detained", "size"))
            .reset_index(names="month")
        )
        monthly["month"] = monthly["month"].dt.to_timestamp().dt.date
        monthly["fiscal_year"] = np.array(
            [m.year + (m.month >= 10) for m in monthly["month"]], dtype=np.int32
        )
        monthly["release_id"] = release
        out.frames["detention_headcount_daily"] = daily
        out.frames["detention_headcount_monthly"] = monthly
        out.rows["uwchr_headcount"] = len(f)
        out.periods["uwchr_headcount"] = (f"{full['date'].min():%Y-%m}", f"{full['date'].max():%Y-%m}")


def _unique(t: Pq, frame: pd.DataFrame, keys: list[str]) -> None:
    dup = frame.duplicated(keys).to_numpy()
    if dup.any():
        i = _first(dup)
        raise t.error(
            f"duplicate row ({', '.join(f'{k}={frame[k].iloc[i]}' for k in keys)})", index=i, column=keys[-1]
        )


def _edition_owner(adp: pd.DataFrame) -> pd.DataFrame:
    """Which editions are good: pull date inside the labelled FY, and not a repeat of a table
    that another FY's edition published first (the same 12 monthly ADP values)."""
    avg = adp[(adp["agency"] == "all") & (adp["criminality"] == "all")]
    eds = (
        avg.groupby(list(EDITION), sort=False)["adp"]
        .apply(lambda s: tuple(np.round(s.to_numpy(), 3)))
        .reset_index()
    )
    eds["window_ok"] = _window_ok(eds).to_numpy()
    eds["edition_ok"] = eds["window_ok"]
    start = np.array([np.datetime64(f"{y - 1}-10-01") for y in range(1990, 2060)]).astype(np.int64)
    fy = eds["fiscal_year"].to_numpy().astype(np.int64)
    pull = _days(eds["pull_date"])
    eds["inside"] = (pull >= start[fy - 1990]) & (pull < start[fy + 1 - 1990])
    for _, group in eds[eds["window_ok"]].groupby("adp"):
        if group["fiscal_year"].nunique() < 2:
            continue
        ranked = group.assign(rank_inside=~group["inside"]).sort_values(["pull_date", "rank_inside"])
        owner_fy = ranked["fiscal_year"].iloc[0]
        eds.loc[group.index[group["fiscal_year"] != owner_fy], "edition_ok"] = False
    return eds[[*EDITION, "edition_ok"]]


def _apply_owner(frame: pd.DataFrame, owner: pd.DataFrame) -> pd.Series:
    """Editions known from the ADP file take its verdict; others only the pull-date window."""
    known = pd.Index(_edition_keys(owner))
    pos = known.get_indexer(_edition_keys(frame))
    verdict = owner["edition_ok"].to_numpy()[np.maximum(pos, 0)]
    window = _window_ok(frame).to_numpy()
    return pd.Series(np.where(pos >= 0, verdict, window), index=frame.index)


def _ohss_rows(data: SheetData, measure: str, release: str, *, annual: bool) -> pd.DataFrame:
    f = data.totals if annual else data.frame
    frame = pd.DataFrame({"fiscal_year": f["fiscal_year"].astype("int32")})
    if annual:
        frame["ytd"] = f["ytd"].astype(bool)
    else:
        frame.insert(0, "month", f["month"])
    frame["measure"] = measure
    if measure == "book_outs":
        frame["arresting_agency"] = label_map(data, f, "block", AGENCY, "arresting agency").to_numpy()
        frame["reason"] = label_map(data, f, "column", REASON, "book-out reason").to_numpy()
        frame["citizenship"] = "ALL"
    elif measure == "ero_arrests":
        frame["arresting_agency"] = "ice"
        frame["reason"] = "all"
        frame["citizenship"] = label_map(
            data, f, "column", lambda s: "ALL" if s == "Total" else to_iso3(s), "citizenship"
        ).to_numpy()
    else:
        frame["arresting_agency"] = label_map(data, f, "column", AGENCY, "arresting agency").to_numpy()
        frame["reason"] = "all"
        frame["citizenship"] = "ALL"
    frame["events"] = f["value"].array
    frame["release_id"] = release
    return frame

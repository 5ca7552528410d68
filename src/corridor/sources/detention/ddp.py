"""ICE detention statistics, every edition FY2019-FY2026, as tabulated by the Deportation Data
Project: average daily population and length of stay by agency and criminality, book-ins,
releases, removals, people detained by disposition, fear-decision times, and ATD.

Each Parquet file holds every edition ICE published (`fiscal_year`, `file_date`, `pull_date`).
The files are described in one table, `FILES`: its columns, how its rows become the warehouse
table (`build`), which keys must not repeat within an edition, and how the value to use per
month is chosen. An edition is good when its pull date falls inside its fiscal year (or just
after) and it does not repeat a table another fiscal year's edition published first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.sources.base import (
    FileSpec,
    ParquetTable,
    Parsed,
    TableSpec,
    arrow_days,
    check_dates,
    check_fiscal_years,
    first_true,
    pq_labels,
    pq_months_of_fiscal_year,
    pq_numbers,
    pq_unique,
    read_parquet_typed,
)
from corridor.sources.detention.ohss import AGENCY

FOLDER = "detention/ddp_ice_detention_stats"
URL = "https://www.ice.gov/detain/detention-management"
PUBLISHER = "U.S. ICE detention statistics (tables parsed by the Deportation Data Project)"
LICENCE = "ICE figures: US government work, public domain; the mirror states no licence"
EDITION = ("fiscal_year", "file_date", "pull_date")
EDITION_COLUMNS = (("fiscal_year", "number"), ("file_date", "date"), ("pull_date", "date"))
FIRST_FY = 2019  # the first edition the project tabulates
WINDOW_AFTER_FY = dt.timedelta(days=45)  # year-end editions are pulled a few weeks after 30 Sep

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


# ---------------------------------------------------------------------------------------------
# How each file's rows become its table (the edition columns are added by `parse`)

Build = Callable[[ParquetTable, pd.DataFrame], pd.DataFrame]


def _agency_criminality(value: str, ytd: str, name: str) -> Build:
    """ADP and length of stay: per edition, an average row's 12 months, then the months of its
    three criminality rows, for CBP, ICE and all; the average row labels the block."""

    def build(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
        labels = t.frame["agency"]
        unknown = ~labels.isin(list(AVERAGES) + list(CRIMINALITY))
        if unknown.any():
            raise t.error(
                f"unknown agency or criminality {labels[unknown].iloc[0]!r}",
                index=first_true(unknown.to_numpy()),
                column="agency",
            )
        is_avg = labels.isin(list(AVERAGES)).to_numpy()
        group = _edition_keys(ed)
        starts = np.r_[True, group[1:] != group[:-1]]
        if not is_avg[starts].all():
            raise t.error(
                "an edition's rows must start with an agency average row (row order lost?)",
                index=first_true(starts & ~is_avg),
                column="agency",
            )
        agency = pd.Series(np.where(is_avg, labels.map(AVERAGES), None)).ffill()
        crim = np.where(is_avg, "all", labels.map(CRIMINALITY))
        frame = ed.assign(month=pq_months_of_fiscal_year(t, ed), agency=agency.astype(str), criminality=crim)
        frame[name] = pq_numbers(t, value)
        frame[f"{name}_fytd"] = pq_numbers(t, ytd)
        return frame

    return build


def _book_ins(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    return ed.assign(
        month=pq_months_of_fiscal_year(t, ed),
        arresting_agency=pq_labels(t, "arresting_agency", AGENCY, "arresting agency"),
        book_ins=pq_numbers(t, "n_book_ins", nullable=True, whole=True),
        book_ins_fytd=pq_numbers(t, "n_book_ins_ytd", whole=True),
    )


def _releases(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    frame = ed.assign(
        month=pq_months_of_fiscal_year(t, ed),
        release_reason=pq_labels(t, "release_reason", RELEASE_REASONS, "release reason"),
        criminality=pq_labels(t, "criminality", CRIMINALITY, "criminality", null="all"),
        book_outs=pq_numbers(t, "n_book_outs", nullable=True, whole=True),
        book_outs_fytd=pq_numbers(t, "n_book_outs_ytd", whole=True),
    )
    # ICE's sheet lists a grand total (no criminality) and a 'Total' criminality row per reason.
    frame["criminality"] = np.where(
        (frame["release_reason"] == "all") & (t.frame["criminality"].isna().to_numpy()),
        "all_rows",
        frame["criminality"],
    )
    return frame


CRIMINALITY_COLUMNS = ("convicted_criminal", "pending_criminal_charges", "other_immigration_violator")


def _releases_annual(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    frame = ed.assign(release_reason=pq_labels(t, "release_reason", RELEASE_REASONS, "release reason"))
    for col in (*CRIMINALITY_COLUMNS, "total"):
        frame[col] = pq_numbers(t, col, whole=True)
    bad = (frame[list(CRIMINALITY_COLUMNS)].sum(axis=1) != frame["total"]).to_numpy()
    if bad.any():
        raise t.error(
            f"total {frame['total'].iloc[first_true(bad)]:.0f} != sum of criminality columns",
            index=first_true(bad),
            column="total",
        )
    return frame


def _by_disposition(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    return ed.assign(
        disposition=pq_labels(t, "disposition", DISPOSITIONS, "disposition"),
        fsc_frc=pq_numbers(t, "fsc_frc", nullable=True, whole=True),
        adult=pq_numbers(t, "adult", nullable=True, whole=True),
        total=pq_numbers(t, "total", nullable=True, whole=True),
    )


def _fear_decision(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    return ed.assign(
        data_fiscal_year=pq_numbers(t, "data_fiscal_year", whole=True).astype("int32"),
        fsc_days=pq_numbers(t, "fsc", nullable=True),
        adult_days=pq_numbers(t, "adult", nullable=True),
        total_days=pq_numbers(t, "total", nullable=True),
    )


def _removals(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    return ed.assign(removals_fytd=pq_numbers(t, "removals", whole=True))


def _atd_population(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    count = pq_numbers(t, "count", nullable=True, whole=True)
    category = t.frame["category"].astype(str)
    note = category.str.startswith(ATD_NOTES).to_numpy()
    bad = note & count.notna().to_numpy()
    if bad.any():
        raise t.error("a note row carries a count", index=first_true(bad), column="count")
    tables = pq_labels(t, "table", {"status": "status", "technology": "technology"}, "table")
    known = np.array(
        [
            (tab == "status" and cat in ATD_STATUS) or (tab == "technology" and cat in ATD_TECH)
            for tab, cat in zip(tables, category, strict=True)
        ]
    )
    bad = ~note & ~known
    if bad.any():
        raise t.error(
            f"unknown ATD category {category.iloc[first_true(bad)]!r}",
            index=first_true(bad),
            column="category",
        )
    labels = [
        ATD_STATUS[cat] if tab == "status" else ATD_TECH[cat]
        for tab, cat in zip(tables[~note], category[~note], strict=True)
    ]
    frame = ed.assign(table=tables, count=count, value=pq_numbers(t, "value", nullable=True))
    frame = frame[~note].reset_index(drop=True)
    frame.insert(4, "category", labels)
    return frame


def _atd_by_aor(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    labels = t.frame["aor_technology"]
    is_tech = labels.isin(list(TECHNOLOGIES)).to_numpy()
    is_area = labels.isin([*AORS, "Total", "Grand Total"]).to_numpy()
    bad = ~(is_tech | is_area)
    if bad.any():
        raise t.error(
            f"unknown area or technology {labels.iloc[first_true(bad)]!r}",
            index=first_true(bad),
            column="aor_technology",
        )
    area = pd.Series(np.where(is_area, labels, None)).ffill()
    if area.isna().any():
        raise t.error(
            "technology row before any area row",
            index=first_true(area.isna().to_numpy()),
            column="aor_technology",
        )
    return ed.assign(
        aor=area.astype(str),
        technology=np.where(is_tech, labels.map(TECHNOLOGIES), "all"),
        count=pq_numbers(t, "count", nullable=True, whole=True),
        # ICE prints one negative average (-7 days); kept as published.
        avg_days_in_program=pq_numbers(t, "avg_length_in_program", nullable=True, negative=True),
    )


def _court_appearances(t: ParquetTable, ed: pd.DataFrame) -> pd.DataFrame:
    return ed.assign(
        hearing_type=pq_labels(t, "hearing_type", {"total": "all", "final": "final"}, "hearing type"),
        metric=pq_labels(
            t,
            "metric",
            {"Attended": "attended", "Failed to Attend": "failed_to_attend", "Total": "total"},
            "metric",
        ),
        count=pq_numbers(t, "count", whole=True),
        share=pq_numbers(t, "pct"),
    )


# ---------------------------------------------------------------------------------------------
# The files


@dataclass(frozen=True)
class DdpFile:
    """One DDP file: its columns (before the edition columns), its table and how it is built."""

    name: str  # file name without .parquet; the FileSpec key is it with '_' for '-'
    table: TableSpec
    columns: tuple[tuple[str, str], ...]
    build: Build
    max_rows: int  # the published file's rows times three
    unique: tuple[str, ...] = ()  # within an edition, these keys must not repeat
    latest: tuple[str, ...] = ()  # monthly tables: `is_latest` per these keys ...
    value: str = ""  # ... among rows with a value in this column
    latest_per_fy: bool = False  # fiscal-year-to-date tables: `is_latest` per fiscal year

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")

    @property
    def spec(self) -> FileSpec:
        return FileSpec(
            key=self.key,
            mirror_path=f"{FOLDER}/{self.name}.parquet",
            url=URL,
            publisher=PUBLISHER,
            licence=LICENCE,
            max_rows=self.max_rows,
            first_fy=FIRST_FY,
        )


def _by_agency_criminality(name: str, table: TableSpec, column: str, value: str) -> DdpFile:
    """A monthly file by agency and criminality (ADP, length of stay): the publisher's `column`
    and its fiscal-year-to-date twin, one row per month, agency and criminality, stored as `value`."""
    ytd = f"{column}_fy_ytd"
    return DdpFile(
        name,
        table,
        (("agency", "text"), ("month", "text"), ("date", "date"), (column, "number"), (ytd, "number")),
        _agency_criminality(column, ytd, value),
        max_rows=58_000,
        unique=("month", "criminality", "agency"),
        latest=("month", "agency", "criminality"),
        value=value,
    )


_FLAGS = (
    "`edition_ok` is false for mislabelled or stale editions (pull date outside the FY, or a table "
    "repeated from another FY); `is_latest` marks the value to use per month (latest good edition)."
)
FILES: tuple[DdpFile, ...] = (
    _by_agency_criminality(
        "adp-by-agency-criminality",
        TableSpec(
            "detention_adp",
            "ICE average daily detained population by month, agency and criminality, every ICE "
            f"edition FY2019-FY2026 (DDP). {_FLAGS}",
        ),
        "adp",
        "adp",
    ),
    _by_agency_criminality(
        "stay-length-by-agency-criminality",
        TableSpec(
            "detention_stay_length",
            "ICE average length of stay (days) of people booked out, by month, agency and "
            "criminality; editions and flags as in detention_adp.",
        ),
        "avg_stay_length_days",
        "avg_stay_days",
    ),
    DdpFile(
        "book-ins-by-arresting-agency",
        TableSpec(
            "detention_book_ins", "ICE initial book-ins per month by arresting agency (ICE editions, DDP)."
        ),
        (
            ("arresting_agency", "text"),
            ("month", "text"),
            ("date", "date"),
            ("n_book_ins", "number"),
            ("n_book_ins_ytd", "number"),
        ),
        _book_ins,
        max_rows=15_000,
        unique=("month", "arresting_agency"),
        latest=("month", "arresting_agency"),
        value="book_ins",
    ),
    DdpFile(
        "book-outs-by-reason",
        TableSpec(
            "detention_releases",
            "ICE releases per month by reason x criminality (FY2021+, ICE editions, DDP); removals "
            "and transfers are not releases and are not listed.",
        ),
        (
            ("release_reason", "text"),
            ("criminality", "text"),
            ("month", "text"),
            ("date", "date"),
            ("n_book_outs", "number"),
            ("n_book_outs_ytd", "number"),
        ),
        _releases,
        max_rows=113_000,
        unique=("month", "release_reason", "criminality"),
        latest=("month", "release_reason", "criminality"),
        value="book_outs",
    ),
    DdpFile(
        "book-outs-by-reason-annual",
        TableSpec(
            "detention_releases_annual",
            "ICE releases by reason, fiscal-year totals (older layout, FY2019-FY2021).",
        ),
        (("release_reason", "text"), *((c, "number") for c in CRIMINALITY_COLUMNS), ("total", "number")),
        _releases_annual,
        max_rows=220,
    ),
    DdpFile(
        "currently-detained-by-disposition",
        TableSpec(
            "detention_by_disposition",
            "People detained on the pull date by processing disposition and facility type (family/adult).",
        ),
        (("disposition", "text"), ("fsc_frc", "number"), ("adult", "number"), ("total", "number")),
        _by_disposition,
        max_rows=1_700,
        unique=("disposition",),
    ),
    DdpFile(
        "fear-decision-time",
        TableSpec(
            "detention_fear_decision_days",
            "Average days from a USCIS fear decision to ICE release, by release FY and facility type.",
        ),
        (("data_fiscal_year", "number"), ("fsc", "number"), ("adult", "number"), ("total", "number")),
        _fear_decision,
        max_rows=400,
    ),
    DdpFile(
        "removals",
        TableSpec("detention_removals", "ICE removals, fiscal year to date, every edition."),
        (("removals", "number"),),
        _removals,
        max_rows=410,
        unique=("pull_date",),
        latest_per_fy=True,
    ),
    DdpFile(
        "atd-population",
        TableSpec(
            "atd_participants",
            "Alternatives to Detention participants by status (family / single adult / ECMS) or "
            "technology; `value` is average days in program (status) or daily cost in US$ "
            "(technology).",
        ),
        (("category", "text"), ("count", "number"), ("value", "number"), ("table", "text")),
        _atd_population,
        max_rows=3_900,
    ),
    DdpFile(
        "atd-by-aor",
        TableSpec(
            "atd_by_aor",
            "ATD participants and average days in program by ICE area of responsibility x technology.",
        ),
        (("aor_technology", "text"), ("count", "number"), ("avg_length_in_program", "number")),
        _atd_by_aor,
        max_rows=48_000,
    ),
    DdpFile(
        "atd-court-appearances",
        TableSpec(
            "atd_court_appearances",
            "ATD participants' immigration-court hearing attendance (all / final hearings).",
        ),
        (("hearing_type", "text"), ("metric", "text"), ("count", "number"), ("pct", "number")),
        _court_appearances,
        max_rows=1_600,
        unique=("hearing_type", "metric"),
    ),
)
SPECS = tuple(f.spec for f in FILES)


def parse(paths: dict[str, Path], releases: dict[str, str], out: Parsed) -> None:
    """Every DDP file -> its table, with each row's edition flagged (`edition_ok`) and, per
    month (or fiscal year), the value to use marked (`is_latest`)."""
    built: dict[str, pd.DataFrame] = {}
    for f in FILES:
        t = read_parquet_typed(paths[f.key], [*f.columns, *EDITION_COLUMNS])
        ed = edition_frame(t)
        frame = f.build(t, ed)
        frame["release_id"] = releases[f.key]
        if f.unique:
            keys = list(dict.fromkeys([*EDITION, *f.unique]))
            pq_unique(t, frame, keys, f.unique[-1])
        out.rows[f.key] = len(t.frame)
        out.periods[f.key] = (f"{int(ed['fiscal_year'].min()) - 1}-10", f"{int(ed['fiscal_year'].max())}-09")
        built[f.key] = frame
    owner = _edition_owner(built[FILES[0].key])
    for f in FILES:
        out.frames[f.table.name] = _flag(built[f.key], owner, f)
        out.tables.append(f.table)


def _flag(frame: pd.DataFrame, owner: pd.DataFrame, f: DdpFile) -> pd.DataFrame:
    """Add `edition_ok` and, where the table has months or fiscal years, `is_latest`."""
    if f.latest_per_fy:
        frame["edition_ok"] = _apply_owner(frame, owner)
        ok = frame[frame["edition_ok"]].sort_values(["pull_date", "file_date"])
        frame["is_latest"] = frame.index.isin(ok.groupby("fiscal_year").tail(1).index)
        return frame
    frame = frame.copy()
    frame["edition_ok"] = _apply_owner(frame, owner)
    if f.latest:
        frame["is_latest"] = _latest(frame, list(f.latest), f.value)
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Editions


def edition_frame(t: ParquetTable) -> pd.DataFrame:
    """The edition columns, checked: a fiscal year from FY2019 to the current one, dates present
    and not after today."""
    f = t.frame
    years = pq_numbers(t, "fiscal_year", whole=True)
    check_fiscal_years(t, years.astype("int64"), "fiscal_year", low=2015)
    for column in ("file_date", "pull_date"):
        null = f[column].isna().to_numpy()
        if null.any():
            raise t.error("empty cell where a date is required", index=first_true(null), column=column)
        check_dates(t, f[column], column)
    return pd.DataFrame(
        {
            "fiscal_year": f["fiscal_year"].astype("int32"),
            "file_date": f["file_date"],
            "pull_date": f["pull_date"],
        }
    )


def _edition_keys(frame: pd.DataFrame) -> np.ndarray:
    """One int64 per edition: fiscal year, file date and pull date packed together."""
    fy = frame["fiscal_year"].to_numpy().astype(np.int64)
    return (fy << 40) + (arrow_days(frame["file_date"]) << 20) + arrow_days(frame["pull_date"])


def _window_ok(ed: pd.DataFrame) -> pd.Series:
    """The pull date must fall inside the labelled fiscal year (or just after it ends)."""
    fy = ed["fiscal_year"].to_numpy().astype(np.int64)
    start = np.array([np.datetime64(f"{y - 1}-10-01") for y in range(1990, 2060)]).astype(np.int64)
    lo = start[fy - 1990]
    hi = start[fy + 1 - 1990] - 1 + WINDOW_AFTER_FY.days
    pull = arrow_days(ed["pull_date"])
    return pd.Series((pull >= lo) & (pull <= hi), index=ed.index)


def _latest(frame: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    """Per key, the row of the latest good edition that has a value for a month already begun."""
    ok = frame["edition_ok"].to_numpy() & frame[value].notna().to_numpy()
    ok &= arrow_days(frame["month"]) <= arrow_days(frame["pull_date"])
    order = np.lexsort((arrow_days(frame["file_date"]), arrow_days(frame["pull_date"])))
    order = order[ok[order]]
    cand = frame.iloc[order]
    best = cand.groupby(keys, sort=False).tail(1).index
    out = pd.Series(False, index=frame.index)
    out.loc[best] = True
    return out


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
    pull = arrow_days(eds["pull_date"])
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

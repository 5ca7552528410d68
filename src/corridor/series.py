"""Every context and operations table of the warehouse as a series that can be asked for.

A *series* is one non-cube, non-indicator table of `dataset_tables` (or a curated slice of one)
read as tidy rows: period column(s), dimension columns, `value`, `unit`, `release_id` and the
flags `rounded`, `suppressed` and `partial`. How a table reads is worked out from its columns
(`detect`): the time column (month, date, fiscal year or year), the text dimensions, the numeric
value columns (several become `measure`/`value`), and the edition, partial-period and
withheld-cell flags the sources write. The curated registry (`curated()`, the data file
`reference/series.yaml`) corrects or completes that where the columns do not say enough (units,
which rows form the series, what must never be added together), so a table a source adds later
is a series without code, and a curated series is one entry in that file plus its label in
`corridor.reference.labels.SERIES`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from corridor import params, safeyaml
from corridor.errors import UsageError
from corridor.reference import labels
from corridor.reference.calendar import fiscal_year

# Tables that are lookups, not series: listed by `corridor series --list`, never returned.
REFERENCE_TABLES: dict[str, str] = {
    "countries": "country codes, names and regions",
    "unhcr_countries": "UNHCR country codes",
}
# `dataset_tables.kind` values that are not series: encounter cubes (`corridor flows`) and the
# indicator tables behind the `indicators` views (`corridor indicators`).
OTHER_KINDS = ("cube", "indicators", "indicator_catalog")

TIME_COLUMNS = ("month", "date", "period_start", "fiscal_year", "year")
DATE_TYPES = ("DATE", "TIMESTAMP")
NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
                     r"FLOAT|REAL|DOUBLE|DECIMAL.*)$")  # fmt: skip
# Boolean columns that pick the rows forming the series (later editions, checked editions).
ROW_FILTERS = ("is_current", "is_latest", "edition_ok")
# Boolean columns that mark a row's period as partial (and `is_full_year`, negated).
PARTIAL_FLAGS = ("partial", "ytd", "incomplete")
NOT_VALUES = ("lon", "lat", "m49")
# What OHSS and DHS write in a cell instead of a number (`code` columns).
CODES = {
    "X": "not applicable",
    "NA": "not available",
    "D": "withheld by the publisher",
    "-": "printed as '-' by the publisher",
}
WITHHELD_CODES = ("D",)
# Units of value columns by name, where a table's curated entry does not say.
UNITS = {
    "events": "events",
    "cases": "cases",
    "encounters": "encounters (events, not people)",
    "n": "events",
    "people": "persons",
    "migrants": "persons",
    "idps": "persons",
    "displacements": "displacements (movements, not people)",
}
# Dimension values that are the publisher's total of the other values of the same dimension.
TOTALS = ("all", "ALL", "total", "all_rows")
# Dimensions whose codes are countries (ISO 3166 alpha-3, or the publisher's lumps).
COUNTRY_DIMS = (
    "citizenship",
    "nationality",
    "iso3",
    "origin_iso3",
    "asylum_iso3",
    "destination_iso3",
    "country_iso3",
    "recipient_iso3",
    "donor_iso3",
    "origin",
)
CHART_LINES = 8
RELEASE_COLUMNS = ("release_id", "dataset", "file_name", "publisher", "url", "licence", "published",
                   "period_start", "period_end", "sha256", "is_current")  # fmt: skip
# Files whose every count the publisher rounded to 10: the DHS OHSS monthly enforcement tables
# (data README section 12). Tables that say so in their description, or carry a `rounded` column,
# need no entry here.
ROUNDED_FILES = ("immigration-enforcement-and-legal-processes",)


@dataclass(frozen=True)
class SeriesSpec:
    """How one table reads as a series; fields left empty are detected from its columns.

    SQL fragments (`where`, `partial`, `suppressed`, `unit_sql`) are written by Corridor's own
    registry, never taken from a request.
    """

    table: str
    id: str = ""  # the series id (default: the table name)
    time: str = ""  # the time column
    periods: tuple[str, ...] | None = None  # more period columns kept beside the time column
    dims: tuple[str, ...] | None = None  # dimension columns (filterable, one line each on charts)
    values: tuple[str, ...] | None = None  # value columns; several become measure/value
    attrs: tuple[str, ...] | None = None  # other columns carried as they are (labels, flags)
    unit: str | Mapping[str, str] = ""  # one unit, or a unit per value column
    unit_sql: Mapping[str, str] = field(default_factory=dict)  # value column -> SQL giving its unit
    where: str | None = None  # the rows that form the series (SQL)
    latest_by: str = ""  # keep only the latest edition (by this column) of each period
    partial: str | None = None  # SQL: true where the row's period is partial
    suppressed: str | None = None  # SQL: true where the publisher withheld the row's value
    missing: str | None = None  # SQL: why a value is null (text), where the table says
    rounded: bool | None = None  # counts rounded to 10 (default: a `rounded` column, the description
    # or the release file, see ROUNDED_FILES)
    separate: tuple[str, ...] = ()  # dimensions whose values are different things: never add them
    notes: tuple[str, ...] = ()  # sentences every answer carries
    freq: str = ""  # how often: "monthly", "fiscal year", ...
    chart_where: tuple[tuple[str, str], ...] = ()  # the chart's default selection
    chart_by: tuple[str, ...] = ()  # the chart's lines (with chart_sum: summed over the others)
    chart_sum: bool = False  # the values are counts that add up over the dimensions not charted

    @property
    def key(self) -> str:
        return self.id or self.table


CURATED_FILE = Path(__file__).parent / "reference" / "series.yaml"


@functools.cache
def curated() -> tuple[SeriesSpec, ...]:
    """The curated series, from `reference/series.yaml` (the registry is data: one entry a series)."""
    doc = safeyaml.load(CURATED_FILE)
    shared: dict[str, str] = doc["shared_notes"]
    specs = []
    for entry in doc["series"]:
        fields: dict[str, Any] = {}
        for key, value in entry.items():
            if key == "chart_where":
                value = tuple(value.items())
            elif key == "notes":
                value = tuple(shared.get(note, note) for note in value)
            elif isinstance(value, list):
                value = tuple(value)
            fields[key] = value
        specs.append(SeriesSpec(**fields))
    return tuple(specs)


# --- resolving a table into a series -----------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A series with every field decided: what `query` and the catalogue read."""

    id: str
    table: str
    dataset: str
    title: str
    description: str
    time: str
    time_kind: str  # "month" | "date" | "fiscal_year" | "year"
    periods: tuple[str, ...]
    dims: tuple[str, ...]
    values: tuple[str, ...]
    attrs: tuple[str, ...]
    units: dict[str, str]
    unit_sql: dict[str, str]
    where: str
    latest_by: str
    partial: str
    suppressed: str
    missing: str
    rounded: str  # SQL: true where the row's count was rounded to 10 by the publisher
    separate: tuple[str, ...]
    notes: tuple[str, ...]
    freq: str
    chart_where: tuple[tuple[str, str], ...]
    chart_by: tuple[str, ...]
    chart_sum: bool

    @property
    def melted(self) -> bool:
        """Several value columns: tidy rows carry `measure` and `value`."""
        return len(self.values) > 1

    @property
    def filterable(self) -> tuple[str, ...]:
        """The names `where` accepts: the dimensions (and `measure` when there are several)."""
        return (*self.dims, "measure") if self.melted else self.dims

    def headline(self) -> str:
        """The selection the chart shows by default, as `where` filters ('dim=value; ...')."""
        return "; ".join(f"{d}={v}" for d, v in self.chart_where if d in self.filterable)

    def unit_text(self) -> str:
        """The units as one phrase (per measure when they differ)."""
        fixed = {v: u for v, u in self.units.items() if v not in self.unit_sql}
        if self.unit_sql and not fixed:
            return "per row (see `unit`)"
        distinct = list(dict.fromkeys(fixed.values()))
        if len(distinct) == 1 and not self.unit_sql:
            return distinct[0]
        parts = [f"{measure_label(self.id, v)}: {u}" for v, u in fixed.items()]
        parts += [f"{measure_label(self.id, v)}: per row" for v in self.unit_sql]
        return "; ".join(parts)

    def format_period(self, value: Any) -> str:
        """A period value as people read it: 2024-03, 2024-03-15, FY2024 or 2024."""
        if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
            return ""
        if self.time_kind in ("month", "date"):
            stamp = pd.Timestamp(value)
            return f"{stamp:%Y-%m}" if self.time_kind == "month" else f"{stamp:%Y-%m-%d}"
        year = int(value)
        return f"FY{year}" if self.time_kind == "fiscal_year" else str(year)


def _q(name: str) -> str:
    """A column or table name as a quoted SQL identifier (names come from the warehouse schema)."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    """A text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _first_sentence(text: str, limit: int = 110) -> str:
    """A title from a table description: its first sentence, cut at a word near `limit`."""
    text = re.sub(r"`([^`]*)`", r"\1", text or "").strip()
    head = re.split(r"(?<=[a-z0-9)])[.;]\s", text, maxsplit=1)[0].rstrip(".")
    return head if len(head) <= limit else head[:limit].rsplit(" ", 1)[0] + " …"


def resolve(
    spec: SeriesSpec,
    columns: Mapping[str, str],
    *,
    dataset: str,
    description: str,
    files: Sequence[str] = (),
) -> Resolved | None:
    """Decide every field of `spec` from the table's columns (name -> SQL type); None if the table
    has no time column or no value column (a lookup table, not a series)."""
    cols = dict(columns)
    time = spec.time or next((c for c in TIME_COLUMNS if c in cols), "")
    if not time or time not in cols:
        return None
    ctype = cols[time].upper()
    if ctype.startswith(DATE_TYPES):
        kind = "month" if time == "month" else "date"
    else:
        kind = "fiscal_year" if time.endswith("fiscal_year") else "year"
    if spec.periods is not None:
        periods = tuple(p for p in spec.periods if p in cols)
    else:
        extra = {"month": ("fiscal_year",), "date": ("fiscal_year",), "period_start": ("period_end",)}
        periods = tuple(p for p in extra.get(time, extra.get(kind, ())) if p in cols and p != time)
    filters = tuple(c for c in ROW_FILTERS if c in cols)
    flags = {
        *filters,
        *(c for c in PARTIAL_FLAGS if c in cols),
        "is_full_year",
        "withheld",
        "code",
        "rounded",
    }
    has_unit_column = "unit" in cols and not NUMERIC.match(cols["unit"].upper())
    used = {time, *periods, *flags, "release_id", *(("unit",) if has_unit_column else ())}
    if spec.values is not None:
        values = tuple(v for v in spec.values if v in cols)
    else:
        values = tuple(
            c
            for c, t in cols.items()
            if c not in used
            and NUMERIC.match(t.upper())
            and c not in NOT_VALUES
            and not c.endswith("year")
            and c not in (spec.dims or ())
            and c not in (spec.attrs or ())
        )
    if not values:
        return None
    if spec.dims is not None:
        dims = tuple(d for d in spec.dims if d in cols)
    else:
        dims = tuple(
            c for c, t in cols.items() if c not in used and c not in values and t.upper() == "VARCHAR"
        )
    if spec.attrs is not None:
        attrs = tuple(a for a in spec.attrs if a in cols and a not in (time, *periods))
    else:  # other columns, but not text columns a curated entry left out of its dimensions
        attrs = tuple(
            c for c, t in cols.items() if c not in (*used, *values, *dims) and t.upper() != "VARCHAR"
        )
    unit_sql = dict(spec.unit_sql)
    if has_unit_column and not unit_sql:
        unit_sql = {v: _q("unit") for v in values}
    literal = {v: s[1:-1] for v, s in unit_sql.items() if re.fullmatch(r"'[^']*'", s)}
    unit_sql = {v: s for v, s in unit_sql.items() if v not in literal}
    units = {}
    for v in values:
        if v in literal:
            units[v] = literal[v]
        elif isinstance(spec.unit, Mapping):
            units[v] = spec.unit.get(v) or UNITS.get(v) or humanise(v).lower()
        else:
            units[v] = spec.unit or UNITS.get(v) or humanise(v).lower()
    where = [f"({spec.where})"] if spec.where else []
    where += [_q(c) for c in filters]
    if spec.partial is not None:
        partial = spec.partial
    else:
        marks = [_q(c) for c in PARTIAL_FLAGS if c in cols]
        marks += ["NOT " + _q("is_full_year")] if "is_full_year" in cols else []
        partial = " OR ".join(f"coalesce({m}, FALSE)" for m in marks) or "FALSE"
    if spec.suppressed:
        suppressed = spec.suppressed
    else:
        marks = [_q("withheld")] if "withheld" in cols else []
        marks += [f"{_q('code')} IN ({', '.join(map(_lit, WITHHELD_CODES))})"] if "code" in cols else []
        suppressed = " OR ".join(f"coalesce({m}, FALSE)" for m in marks) or "FALSE"
    if spec.missing is not None:
        missing = spec.missing
    elif "code" in cols:
        whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in CODES.items())
        missing = f"CASE {_q('code')} {whens} ELSE NULL END"
    else:
        missing = "NULL"
    if spec.rounded is not None:
        rounded = "TRUE" if spec.rounded else "FALSE"
    elif "rounded" in cols and cols["rounded"].upper() == "BOOLEAN":
        rounded = f"coalesce({_q('rounded')}, FALSE)"
    elif re.search(r"rounded to (the nearest )?10", description, re.I) or any(
        pattern in (f or "") for f in files for pattern in ROUNDED_FILES
    ):
        rounded = "TRUE"
    else:
        rounded = "FALSE"
    key = spec.key
    title = labels.SERIES[key].text if key in labels.SERIES else _first_sentence(description) or key
    freq = (
        spec.freq
        or {
            "month": "monthly",
            "date": "daily",
            "fiscal_year": "fiscal year",
            "year": "calendar year",
        }[kind]
    )
    if time == "period_start" and not spec.freq:
        freq = "by period"
    return Resolved(
        id=key,
        table=spec.table,
        dataset=dataset,
        title=title,
        description=description,
        time=time,
        time_kind=kind,
        periods=periods,
        dims=dims,
        values=values,
        attrs=attrs,
        units=units,
        unit_sql={k: v for k, v in unit_sql.items() if k in values and v},
        where=" AND ".join(where),
        latest_by=spec.latest_by if spec.latest_by in cols else "",
        partial=partial,
        suppressed=suppressed,
        missing=missing,
        rounded=rounded,
        separate=tuple(s for s in spec.separate if s in (*dims, "measure")),
        notes=(spec.notes,) if isinstance(spec.notes, str) else tuple(spec.notes),
        freq=freq,
        chart_where=spec.chart_where,
        chart_by=spec.chart_by,
        chart_sum=spec.chart_sum,
    )


def base_sql(r: Resolved) -> str:
    """The rows that form the series, before any request's filters."""
    sql = f"SELECT * FROM {_q(r.table)}"
    if r.where:
        sql += f" WHERE {r.where}"
    if r.latest_by:
        sql += f" QUALIFY {_q(r.latest_by)} = max({_q(r.latest_by)}) OVER (PARTITION BY {_q(r.time)})"
    return sql


# --- labels --------------------------------------------------------------------------------------


def measure_label(series_id: str, measure: str) -> str:
    """The human label of a value column of a series (from `labels.SERIES`, else its name in words)."""
    entry = labels.SERIES.get(f"{series_id}.{measure}") or labels.SERIES.get(f"measure.{measure}")
    return entry.text if entry else humanise(measure)


def humanise(code: str) -> str:
    """An id in words: 'transfer_ice' -> 'Transfer ice' (only where no label is known)."""
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def value_label(dim: str, code: Any) -> str:
    """The label of one value of a dimension: countries by name, vocabularies by their labels."""
    if code is None or (isinstance(code, float) and code != code):
        return "–"
    text = str(code)
    if dim in COUNTRY_DIMS and re.fullmatch(r"[A-Z]{3}|OTHER|ALL", text):
        if text == "ALL":
            return "All countries"
        return labels.label("citizenship", text)
    entry = labels.SERIES.get(f"{dim}.{text}")
    if entry:
        return entry.text
    kind = {
        "agency": "component",
        "sector": "sector",
        "demographic": "demographic",
        "outcome": "outcome",
    }.get(dim)
    if dim == "agency" and text not in ("usbp", "ofo"):
        kind = None  # ICE tables' agencies (cbp, ice, all) are not the border components
    if kind:
        found = labels.label(kind, text)
        if found != text:
            return found
    return humanise(text)


def dim_label(dim: str) -> str:
    """The label of a dimension (a series or field label where one exists)."""
    entry = labels.SERIES.get(f"dim.{dim}")
    if entry:
        return entry.text
    found = labels.label("field", dim)
    return found if found != dim else humanise(dim)


def _colour_kind(dim: str) -> str:
    return {"agency": "component", "demographic": "demographic", "sector": "sector"}.get(
        dim, "citizenship" if dim in COUNTRY_DIMS else "series"
    )


# --- the catalogue -------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Every series the warehouse holds now, resolved once per open warehouse (it is read-only)."""

    series: dict[str, Resolved]
    reference: dict[str, str]  # lookup tables (not series) -> what they hold
    releases: dict[str, dict[str, Any]]  # every release row, by release_id
    dataset_titles: dict[str, str]
    _frame: pd.DataFrame | None = None
    _values: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, con: duckdb.DuckDBPyConnection, extra: Iterable[SeriesSpec] = ()) -> Catalogue:
        """Resolve every non-cube, non-indicator table of `dataset_tables` (curated or detected)."""
        tables = con.execute(
            "SELECT dataset, table_name, kind, coalesce(description, '') FROM dataset_tables "
            "ORDER BY dataset, table_name"
        ).fetchall()
        schema: dict[str, dict[str, str]] = {}
        for table, column, ctype in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = current_schema() "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            schema.setdefault(table, {})[column] = ctype
        cursor = con.execute(f"SELECT {', '.join(RELEASE_COLUMNS)} FROM releases")
        releases = {row[0]: dict(zip(RELEASE_COLUMNS, row, strict=True)) for row in cursor.fetchall()}
        titles = dict(con.execute("SELECT dataset, coalesce(title, dataset) FROM datasets").fetchall())
        by_table: dict[str, list[SeriesSpec]] = {}
        for spec in (*curated(), *extra):
            by_table.setdefault(spec.table, []).append(spec)
        found: dict[str, Resolved] = {}
        reference: dict[str, str] = {}
        facts = _release_facts(con, [t for _, t, k, _ in tables if k not in OTHER_KINDS], schema, releases)
        for dataset, table, kind, description in tables:
            if kind in OTHER_KINDS:
                continue
            if table in REFERENCE_TABLES or table not in schema:
                reference[table] = REFERENCE_TABLES.get(table, "not in this warehouse")
                continue
            for spec in by_table.get(table, [SeriesSpec(table)]):
                r = resolve(
                    spec,
                    schema[table],
                    dataset=dataset,
                    description=description,
                    files=facts.get(table, {}).get("file_name", []),
                )
                if r is None:
                    reference[table] = "no time or value column: a lookup table"
                else:
                    found[r.id] = r
        return cls(series=found, reference=reference, releases=releases, dataset_titles=titles)

    def get(self, series_id: str) -> Resolved:
        """The series `series_id`, or a UsageError naming the closest ids."""
        key = str(series_id).strip()
        if key in self.series:
            return self.series[key]
        if key in self.reference:
            raise UsageError(
                f"{key!r} is a lookup table ({self.reference[key]}), not a series; "
                "`corridor series --list` names the series"
            )
        ids = list(self.series)
        close = difflib.get_close_matches(key.lower(), ids, n=3, cutoff=0.5)
        close += [i for i in ids if key and key.lower() in i and i not in close][: 3 - len(close)]
        hint = f"; did you mean {', '.join(close)}?" if close else "."
        raise UsageError(
            f"unknown series {key!r}{hint} `corridor series --list` (or /api/v1/series) names all {len(ids)}"
        )

    def values(self, con: duckdb.DuckDBPyConnection, r: Resolved, dim: str) -> list[str]:
        """Every value a dimension takes in the series (for validating `where`)."""
        if dim == "measure" and r.melted:
            return list(r.values)
        hit = self._values.get((r.id, dim))
        if hit is None:
            rows = con.execute(
                f"SELECT DISTINCT CAST({_q(dim)} AS VARCHAR) AS v FROM ({base_sql(r)}) "
                "WHERE v IS NOT NULL ORDER BY v"
            ).fetchall()
            hit = self._values[(r.id, dim)] = [row[0] for row in rows]
        return hit

    @staticmethod
    def _stats_sql(r: Resolved, tag: str) -> str:
        t = _q(r.time)
        nulls = " + ".join(f"count(*) FILTER (WHERE {_q(v)} IS NULL AND ({r.suppressed}))" for v in r.values)
        return (
            f"SELECT '{tag}' AS tag, CAST(min({t}) AS VARCHAR) AS first, CAST(max({t}) AS VARCHAR) AS last, "
            f"count(*) AS rows, list(DISTINCT release_id ORDER BY release_id) AS release_ids, "
            f"({nulls}) AS withheld, bool_or({r.rounded}) AS rounded, "
            f"list(DISTINCT CAST({t} AS VARCHAR) ORDER BY CAST({t} AS VARCHAR)) FILTER (WHERE {r.partial}) "
            f"AS partial FROM ({base_sql(r)})"
        )

    def stats_all(
        self, con: duckdb.DuckDBPyConnection, which: Sequence[Resolved]
    ) -> dict[str, dict[str, Any]]:
        """Period covered, rows, releases, withheld cells and partial periods of several series, in
        one statement (DuckDB runs its parts in parallel)."""
        if not which:
            return {}
        sql = " UNION ALL ".join(self._stats_sql(r, str(i)) for i, r in enumerate(which))
        out: dict[str, dict[str, Any]] = {}
        for tag, first, last, rows, release_ids, withheld, rounded, partial in con.execute(sql).fetchall():
            r = which[int(tag)]
            out[r.id] = {
                "first": r.format_period(first),
                "last": r.format_period(last),
                "rows": int(rows),
                "release_ids": [x for x in release_ids or [] if x],
                "withheld": int(withheld or 0),
                "rounded": bool(rounded),
                "partial": [r.format_period(p) for p in partial or []],
            }
        return out

    def stats(self, con: duckdb.DuckDBPyConnection, r: Resolved) -> dict[str, Any]:
        """Period covered, rows, releases, withheld cells and partial periods of one series."""
        return self.stats_all(con, [r])[r.id]

    def sources(self, release_ids: Iterable[str]) -> pd.DataFrame:
        """Release rows (publisher, file, URL, licence, period) for these release ids."""
        rows = [self.releases[i] for i in dict.fromkeys(release_ids) if i in self.releases]
        return pd.DataFrame(rows, columns=list(RELEASE_COLUMNS))

    def frame(self, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        """One row per series: id, title, table, source, period, unit, dimensions and flags."""
        if self._frame is not None:
            return self._frame
        rows = []
        every = self.stats_all(con, list(self.series.values()))
        for r in self.series.values():
            s = every[r.id]
            src = self.sources(s["release_ids"])
            rows.append(
                {
                    "id": r.id,
                    "title": r.title,
                    "table": r.table,
                    "dataset": r.dataset,
                    "dataset_title": self.dataset_titles.get(r.dataset, r.dataset),
                    "publisher": "; ".join(dict.fromkeys(src["publisher"].dropna())) if len(src) else "",
                    "frequency": r.freq,
                    "first": s["first"],
                    "last": s["last"],
                    "unit": r.unit_text(),
                    "dimensions": ", ".join(r.dims),
                    "measures": ", ".join(r.values) if r.melted else "",
                    "rounded": s["rounded"],
                    "suppressed": s["withheld"],
                    "partial": ", ".join(s["partial"]),
                    "do_not_mix": ", ".join(r.separate),
                    "headline": r.headline(),
                    "rows": s["rows"],
                    "releases": len(s["release_ids"]),
                }
            )
        self._frame = pd.DataFrame(rows).sort_values(["dataset", "id"]).reset_index(drop=True)
        return self._frame


def _release_facts(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    schema: Mapping[str, Mapping[str, str]],
    releases: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, list[str]]]:
    """The publishers and file names of the releases each table's rows come from (one query)."""
    parts = [
        f"SELECT '{t}' AS t, release_id FROM {_q(t)} GROUP BY release_id"
        for t in tables
        if "release_id" in schema.get(t, {}) and "'" not in t
    ]
    if not parts:
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for table, release_id in con.execute(" UNION ALL ".join(parts)).fetchall():
        if release_id in releases:
            facts = out.setdefault(table, {"publisher": [], "file_name": []})
            for key in ("publisher", "file_name"):
                value = releases[release_id][key]
                if isinstance(value, str) and value not in facts[key]:
                    facts[key].append(value)
    return out


# --- requests: ranges and filters ---------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """One end of a requested range: a month (YYYY-MM) or a year (YYYY)."""

    text: str
    month: dt.date | None = None
    year: int | None = None

    @property
    def start(self) -> dt.date:
        """The first day the bound names."""
        return self.month or dt.date(self.year or 1, 1, 1)

    @property
    def end(self) -> dt.date:
        """The day after the last day the bound names."""
        if self.month is not None:
            m = self.month
            return dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
        return dt.date((self.year or 0) + 1, 1, 1)


def parse_bound(value: str | int | dt.date | None, option: str) -> Bound | None:
    """`--since`/`--until` text: 'YYYY-MM' or 'YYYY'; anything else is a UsageError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.date):
        return Bound(f"{value:%Y-%m}", month=dt.date(value.year, value.month, 1))
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text) and 1900 <= int(text) <= 2100:
        return Bound(text, year=int(text))
    if re.fullmatch(r"\d{4}-\d{1,2}", text):
        try:
            month = params.month(text, option)
        except UsageError:
            month = None
        if month is not None and 1900 <= month.year <= 2100:
            return Bound(f"{month:%Y-%m}", month=month)
    raise UsageError(f"{option} {text!r} is not a month (YYYY-MM) or a year (YYYY), e.g. 2023-10 or 2023")


def parse_where(
    where: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None,
) -> dict[str, list[str]]:
    """Equality filters: 'dim=a,b' strings (repeatable) or a mapping -> {dim: [values]}."""
    if where is None:
        return {}
    pairs: list[tuple[str, str | Sequence[str]]] = []
    if isinstance(where, Mapping):
        pairs = list(where.items())
    else:
        for item in [where] if isinstance(where, str) else list(where):
            # 'a=x,y;b=z' and 'a=x,y,b=z' both name two filters: a token with '=' starts the next one
            for part in re.split(r"[;&]|,(?=[^,=]+=)", str(item)):
                if not part.strip():
                    continue
                name, sep, rest = part.partition("=")
                if not sep or not name.strip() or not rest.strip():
                    raise UsageError(
                        f"--where {part.strip()!r} is not DIMENSION=VALUE, e.g. --where citizenship=GTM"
                    )
                pairs.append((name, rest))
    out: dict[str, list[str]] = {}
    for name, vals in pairs:
        items = vals.split(",") if isinstance(vals, str) else [str(v) for v in vals]
        cleaned = [v.strip() for v in items if v.strip()]
        if not cleaned:
            raise UsageError(f"--where {name.strip()}= names no value")
        out.setdefault(name.strip(), []).extend(cleaned)
    return out


def _check_where(
    con: duckdb.DuckDBPyConnection, cat: Catalogue, r: Resolved, where: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Each filter names a dimension of the series and values it takes (case-insensitive)."""
    out: dict[str, list[str]] = {}
    for dim, asked in where.items():
        if dim not in r.filterable:
            names = ", ".join(r.filterable) or "none"
            raise UsageError(f"--where {dim}: {r.id} has no dimension {dim!r}; its dimensions are {names}")
        known = cat.values(con, r, dim)
        by_lower = {k.lower(): k for k in known}
        chosen = []
        for value in asked:
            match = value if value in known else by_lower.get(value.lower())
            if match is None:
                close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
                shown = ", ".join(known[:25]) + (f" and {len(known) - 25} more" if len(known) > 25 else "")
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise UsageError(
                    f"--where {dim}={value}: not a value of {dim} in {r.id}{hint}; values: {shown}"
                )
            chosen.append(match)
        out[dim] = list(dict.fromkeys(chosen))
    return out


# --- answering ------------------------------------------------------------------------------------


def _time_bounds(
    r: Resolved, since: Bound | None, until: Bound | None
) -> tuple[list[str], list[Any], list[str]]:
    """SQL conditions on the time column for the range, their parameters, and alignment notes."""
    conds: list[str] = []
    params: list[Any] = []
    notes: list[str] = []
    t = _q(r.time)
    for bound, op, side in ((since, ">=", "since"), (until, "<=", "until")):
        if bound is None:
            continue
        if r.time_kind in ("month", "date"):
            if side == "since":
                conds.append(f"{t} >= ?")
                params.append(bound.start)
            else:
                conds.append(f"{t} < ?")
                params.append(bound.end)
            continue
        if bound.month is not None:
            year = fiscal_year(bound.month) if r.time_kind == "fiscal_year" else bound.month.year
            first_month = 10 if r.time_kind == "fiscal_year" else 1
            aligned = bound.month.month == (first_month if side == "since" else (first_month + 10) % 12 + 1)
            if not aligned:
                name = f"FY{year}" if r.time_kind == "fiscal_year" else str(year)
                notes.append(
                    f"--{side} {bound.text} falls inside {name}; {r.id} has one row per "
                    f"{r.freq}, so {name} is included whole."
                )
        else:
            year = int(bound.year or 0)
        conds.append(f"{t} {op} ?")
        params.append(year)
    return conds, params, notes


def _period_values(r: Resolved, since: Bound | None, until: Bound | None) -> tuple[Any, Any]:
    """The requested range in the series' own time unit (for coverage warnings)."""

    def conv(b: Bound | None, end: bool) -> Any:
        if b is None:
            return None
        if r.time_kind in ("month", "date"):
            day = b.end - dt.timedelta(days=1) if end else b.start
            return dt.date(day.year, day.month, 1) if r.time_kind == "month" else day
        if b.month is not None:
            return fiscal_year(b.month) if r.time_kind == "fiscal_year" else b.month.year
        return b.year

    return conv(since, False), conv(until, True)


def _step(r: Resolved, value: Any, delta: int) -> Any:
    if r.time_kind == "month":
        n = value.year * 12 + value.month - 1 + delta
        return dt.date(n // 12, n % 12 + 1, 1)
    if r.time_kind == "date":
        return value + dt.timedelta(days=delta)
    return int(value) + delta


def _span(r: Resolved, a: Any, b: Any) -> str:
    return r.format_period(a) if a == b else f"{r.format_period(a)}..{r.format_period(b)}"


def query(
    con: duckdb.DuckDBPyConnection,
    cat: Catalogue,
    series_id: str,
    *,
    since: str | int | dt.date | None = None,
    until: str | int | dt.date | None = None,
    where: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    max_rows: int | None = None,
) -> Series:
    """The tidy rows of one series for a range and equality filters, with provenance; a UsageError
    when the answer would hold more than `max_rows` rows (counted before any row is read)."""
    r = cat.get(series_id)
    lo, hi = parse_bound(since, "--since"), parse_bound(until, "--until")
    if lo is not None and hi is not None and lo.start >= hi.end:
        raise UsageError(f"--since {lo.text} is after --until {hi.text}")
    filters = _check_where(con, cat, r, parse_where(where))
    conds, params, notes = _time_bounds(r, lo, hi)
    for dim, vals in filters.items():
        if dim == "measure" and r.melted:
            continue
        conds.append(f"CAST({_q(dim)} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))")
        params.append(vals)
    values = [v for v in r.values if v in filters.get("measure", r.values)] if r.melted else list(r.values)
    select = [_q(c) for c in (r.time, *r.periods, *r.dims, *r.attrs, *values, "release_id")]
    select += [
        f"coalesce(({r.partial}), FALSE) AS __partial",
        f"coalesce(({r.rounded}), FALSE) AS __rounded",
        f"coalesce(({r.suppressed}), FALSE) AS __suppressed",
        f"CAST(({r.missing}) AS VARCHAR) AS __missing",
    ]
    select += [
        f"CAST(({sql}) AS VARCHAR) AS {_q('__unit__' + v)}" for v, sql in r.unit_sql.items() if v in values
    ]
    order = ", ".join(_q(c) for c in (r.time, *r.dims))
    sql = (
        f"SELECT {', '.join(select)} FROM ({base_sql(r)}) AS b "
        f"{'WHERE ' + ' AND '.join(conds) if conds else ''} ORDER BY {order}"
    )
    if max_rows is not None:
        where_sql = f"WHERE {' AND '.join(conds)}" if conds else ""
        count = con.execute(f"SELECT count(*) FROM ({base_sql(r)}) AS b {where_sql}", params).fetchone()
        rows = int(count[0]) * len(values) if count else 0
        if rows > max_rows:
            raise UsageError(
                f"{r.id} has {rows:,} rows for this request, more than the {max_rows:,} allowed here; "
                "narrow it with since, until or where (or download it as CSV)"
            )
    raw = con.execute(sql, params).df()
    asked = {"since": lo.text if lo else None, "until": hi.text if hi else None, "where": filters}
    if raw.empty:
        whole = cat.stats(con, r)
        what = "; ".join(f"{d}={','.join(v)}" for d, v in filters.items())
        rng = f"{lo.text if lo else 'the start'}..{hi.text if hi else 'the end'}"
        raise UsageError(
            f"{r.id} has no rows for {what + ' in ' if what else ''}{rng}; "
            f"it covers {whole['first']}..{whole['last']}"
        )
    frame = _tidy(r, raw, values)
    return Series(
        spec=r,
        frame=frame,
        sources=cat.sources(frame["release_id"].dropna().unique()),
        selection=asked,
        dataset_title=cat.dataset_titles.get(r.dataset, r.dataset),
        range_asked=_period_values(r, lo, hi),
        range_notes=notes,
    )


def _tidy(r: Resolved, raw: pd.DataFrame, values: Sequence[str]) -> pd.DataFrame:
    """Raw rows -> period(s), dimensions, [measure], value, unit, attributes, provenance, flags."""
    for c in (r.time, *r.periods, *r.attrs):
        if c in raw and pd.api.types.is_datetime64_any_dtype(raw[c]):
            raw[c] = raw[c].dt.date
    keep = [r.time, *r.periods, *r.dims]
    flags = ["__partial", "__suppressed", "__missing", "__rounded"]
    units = [c for c in raw.columns if c.startswith("__unit__")]
    if r.melted:
        numeric = raw[list(values)]
        if not all(pd.api.types.is_integer_dtype(numeric[c]) for c in values):
            raw[list(values)] = numeric.astype("Float64")
        temp = {v: f"__v__{v}" for v in values}  # a value column may itself be called `value`
        frame = raw.rename(columns=temp).melt(
            id_vars=[*keep, *r.attrs, "release_id", *flags, *units],
            value_vars=list(temp.values()),
            var_name="measure",
            value_name="value",
        )
        frame["measure"] = frame["measure"].str.removeprefix("__v__")
        order = {v: i for i, v in enumerate(values)}
        frame["__order"] = frame["measure"].map(order)
        frame = frame.sort_values([r.time, *r.dims, "__order"], kind="stable").drop(columns="__order")
    else:
        frame = raw.rename(columns={values[0]: "value"})
    measure = frame["measure"] if r.melted else pd.Series(values[0], index=frame.index)
    unit = measure.map(r.units).astype(object)
    for v in values:
        col = f"__unit__{v}"
        if col in frame:
            rows = measure == v
            unit[rows] = frame.loc[rows, col]
    frame["unit"] = unit
    missing = frame["value"].isna()
    frame["rounded"] = frame["__rounded"].astype(bool)
    frame["suppressed"] = frame["__suppressed"].astype(bool) & missing
    frame["partial"] = frame["__partial"].astype(bool)
    reason = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    reason[missing] = "not published"
    given = missing & frame["__missing"].notna()
    reason[given] = frame.loc[given, "__missing"]
    reason[frame["suppressed"]] = "withheld by the publisher"
    frame["missing"] = reason
    cols = [*keep, *(["measure"] if r.melted else []), "value", "unit", *r.attrs, "release_id", "rounded",
            "suppressed", "partial", "missing"]  # fmt: skip
    return frame[cols].reset_index(drop=True)


@dataclass
class Series:
    """One series' tidy rows with their source, period, flags and warnings."""

    spec: Resolved
    frame: pd.DataFrame
    sources: pd.DataFrame
    selection: dict[str, Any]
    dataset_title: str = ""
    range_asked: tuple[Any, Any] = (None, None)
    range_notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """Long rows: period column(s), dimensions, `value`, `unit`, `release_id` and flags."""
        return self.frame

    def table_frame(self) -> pd.DataFrame:
        """The rows for reading on a screen: columns that hold one value throughout (the unit, the
        release, flags that are all false) are left out; the caption says what they hold."""
        frame = self.frame
        keep = [self.spec.time, *self.spec.periods, "value"]
        shown = [
            c
            for c in frame.columns
            if c in keep or frame[c].astype(str).nunique(dropna=False) > 1 or c == "measure"
        ]
        out = frame[shown].copy()
        out["value"] = out["value"].astype("float64")  # missing as NaN: tables print a dash
        return out

    @property
    def period(self) -> tuple[str, str]:
        """First and last period in the answer, as people read them."""
        t = self.frame[self.spec.time]
        return self.spec.format_period(t.min()), self.spec.format_period(t.max())

    def period_text(self) -> str:
        first, last = self.period
        return first if first == last else f"{first}..{last}"

    def publishers(self) -> list[str]:
        return list(dict.fromkeys(self.sources["publisher"].dropna())) if len(self.sources) else []

    def partial_periods(self) -> list[str]:
        rows = self.frame[self.frame["partial"]]
        return [self.spec.format_period(p) for p in sorted(rows[self.spec.time].unique())]

    def warnings(self) -> list[str]:
        """Plain sentences about what the numbers do not show (coverage, rounding, mixing, gaps)."""
        r, frame = self.spec, self.frame
        out = list(self.range_notes)
        t = frame[r.time]
        first, last = t.min(), t.max()
        lo, hi = self.range_asked
        if lo is not None and lo < first:
            out.append(
                f"Nothing is loaded for {_span(r, lo, _step(r, first, -1))}: for this selection "
                f"{r.id} starts in {r.format_period(first)}."
            )
        if hi is not None and hi > last:
            out.append(
                f"Nothing is loaded for {_span(r, _step(r, last, 1), hi)}: for this selection "
                f"{r.id} ends in {r.format_period(last)}."
            )
        out += list(r.notes)
        for dim in r.separate:
            if dim in frame and frame[dim].nunique() > 1:
                shown = ", ".join(str(v) for v in frame[dim].dropna().unique()[:6])
                out.append(
                    f"The rows hold several {dim_label(dim).lower()} values ({shown}) that measure "
                    "different things: never add them together."
                )
        totals = {
            d: next(v for v in TOTALS if (frame[d] == v).any())
            for d in r.dims
            if d not in r.separate and frame[d].isin(TOTALS).any() and frame[d].nunique() > 1
        }
        if totals:
            which = " or ".join(f"{d} is '{v}'" for d, v in totals.items())
            out.append(
                f"Rows whose {which} are the publisher's totals of the other rows: "
                "never add them to their parts."
            )
        units = frame["unit"].dropna().unique()
        if len(units) > 1:
            out.append(
                f"Values come in several units ({', '.join(map(str, units))}): compare like with like."
            )
        if frame["rounded"].any():
            out.append(
                "The publisher rounded each count to the nearest 10, so sums of rows can differ from "
                "published totals."
            )
        withheld = int(frame["suppressed"].sum())
        if withheld:
            out.append(f"{withheld} value(s) were withheld by the publisher and are left empty (null).")
        gaps = int((frame["value"].isna() & ~frame["suppressed"]).sum())
        if gaps:
            out.append(f"{gaps} value(s) are not published (null, never 0); the `missing` column says why.")
        partial = self.partial_periods()
        if partial:
            out.append(f"Partial periods (not complete in the data): {', '.join(partial)}.")
        return out

    def metadata(self) -> dict[str, Any]:
        """Provenance as plain data: series, source with publisher, URL and licence, period, flags."""
        r = self.spec
        return {
            "series": r.id,
            "title": r.title,
            "table": r.table,
            "dataset": r.dataset,
            "dataset_title": self.dataset_title,
            "publisher": "; ".join(self.publishers()),
            "unit": r.unit_text(),
            "frequency": r.freq,
            "period": self.period_text(),
            "rows": len(self.frame),
            "selection": self.selection,
            "dimensions": list(r.dims),
            "measures": list(r.values) if r.melted else [],
            "rounded": bool(self.frame["rounded"].any()),
            "suppressed_cells": int(self.frame["suppressed"].sum()),
            "partial_periods": self.partial_periods(),
            "do_not_mix": list(r.separate),
            "sources": self.sources.to_dict(orient="records"),
            "warnings": self.warnings(),
        }

    def source_line(self) -> str:
        """'Source: publisher (dataset title), files' for captions."""
        pubs = "; ".join(self.publishers()) or "unknown publisher"
        files = ", ".join(dict.fromkeys(self.sources["file_name"].dropna())) if len(self.sources) else ""
        shown = files if len(files) <= 160 else f"{len(self.sources)} files"
        return f"Source: {pubs} ({self.dataset_title}{'; ' + shown if shown else ''})."

    def caption(self) -> str:
        """One paragraph: what, period, unit, source, and the flags a reader must know."""
        r = self.spec
        notes = []
        if self.frame["rounded"].any():
            notes.append("rounded to the nearest 10 by the publisher")
        partial = self.partial_periods()
        if partial:
            notes.append(f"partial: {', '.join(partial[:6])}{' …' if len(partial) > 6 else ''}")
        withheld = int(self.frame["suppressed"].sum())
        if withheld:
            notes.append(f"{withheld} withheld value(s) left empty")
        flag = f" ({'; '.join(notes)})" if notes else ""
        return f"{r.title}, {self.period_text()}, {r.unit_text()}{flag}. {self.source_line()}"

    def summary(self) -> str:
        return self.caption() + f"\n{len(self.frame):,} rows."

    def chart(self) -> dict[str, Any] | None:
        """A Vega-Lite line chart over time, one colour a category; None when nothing is plottable."""
        return _chart(self)


def _chart(s: Series) -> dict[str, Any] | None:
    from corridor import charts

    r = s.spec
    data = s.frame[s.frame["value"].notna()]
    if data.empty:
        return None
    asked = s.selection.get("where") or {}
    chosen = [f"{dim_label(d)}: {', '.join(_code_label(r, d, v) for v in vs)}" for d, vs in asked.items()]
    for dim, value in r.chart_where:
        if dim in asked or dim not in data:
            continue
        hit = data[dim].astype(str) == value
        if hit.any():
            data = data[hit]
            chosen.append(f"{dim_label(dim)}: {value_label(dim, value)}")
    if r.melted and data["unit"].nunique() > 1 and data["measure"].nunique() > 1:  # one axis, one unit
        first = data["measure"].iloc[0]
        data = data[data["measure"] == first]
        chosen.append(f"{measure_label(r.id, first)}")
    if data["unit"].nunique() > 1:  # units per row (persons or cases): the commonest
        unit = data["unit"].value_counts().index[0]
        data = data[data["unit"] == unit]
        chosen.append(f"values in {unit}")
    dims = [d for d in (*r.dims, *(["measure"] if r.melted else [])) if data[d].nunique() > 1]
    by = [d for d in r.chart_by if d in dims] or dims
    for d in [d for d in dims if d not in by]:  # a published total stands for the other values
        total = next((v for v in TOTALS if (data[d] == v).any()), None)
        if total is not None:
            data = data[data[d] == total]
            chosen.append(f"{dim_label(d)}: {value_label(d, total)}")
    rest = [d for d in dims if d not in by and data[d].nunique() > 1]
    summed = ""
    if rest and r.chart_sum and not set(rest) & {*r.separate, "measure"} and data["unit"].nunique() <= 1:
        data = data.groupby([r.time, *by], dropna=False, as_index=False)["value"].sum(min_count=1)
        summed = f" Summed over {', '.join(dim_label(d).lower() for d in rest)}."
    else:
        by = dims
    by = _independent(data, by)
    x = {"fiscal_year": "fiscal_year", "year": "year"}.get(r.time_kind, "month")
    plot = pd.DataFrame({x: data[r.time].to_numpy(), "value": data["value"].astype("float64").to_numpy()})
    if by:
        codes = data[by[0]].astype(str)
        for d in by[1:]:
            codes = codes + " · " + data[d].astype(str)
        combos = data[by].drop_duplicates()
        names = {
            " · ".join(str(v) for v in row): " · ".join(
                value_label(d, v) for d, v in zip(by, row, strict=True)
            )
            for row in combos.itertuples(index=False, name=None)
        }
        plot["line"] = codes.map(names).to_numpy()
        plot["code"] = codes.to_numpy()
    else:
        plot["line"] = r.title
        plot["code"] = r.id
    size = plot.groupby("line")["value"].apply(lambda v: v.abs().sum()).sort_values(ascending=False)
    lines = list(size.index[:CHART_LINES])
    plot = plot[plot["line"].isin(lines)]
    kind = _colour_kind(by[0]) if len(by) == 1 else "series"
    code_of = dict(zip(plot["line"], plot["code"], strict=False))
    colours: list[str] = []
    for name in lines:
        colour = labels.colour(kind, code_of.get(name, name))
        if colour in colours:  # two categories hashed to one colour: take the next free one
            colour = next((c for c in labels.PALETTE if c not in colours), colour)
        colours.append(colour)
    first, last = r.format_period(plot[x].min()), r.format_period(plot[x].max())
    more = f" The {len(lines)} largest of {len(size)} lines." if len(size) > len(lines) else ""
    selection = f" Showing {'; '.join(chosen)}." if chosen else ""
    flags = " Rounded to the nearest 10 by the publisher." if s.frame["rounded"].any() else ""
    caption = f"{s.source_line()} Period {first}..{last}.{selection}{summed}{more}{flags}"
    spec = charts.series_chart(
        plot[[x, "line", "value"]].sort_values([x, "line"]),
        y="value",
        color="line",
        title=r.title,
        caption=caption,
    )
    enc = spec["layer"][0]["encoding"]
    enc["x"]["title"] = dim_label(r.time).lower()
    enc["y"]["title"] = str(plot_unit(data, r))
    enc["color"]["title"] = " · ".join(dim_label(d) for d in by) if by else ""
    enc["color"]["scale"] = {"domain": lines, "range": colours}
    return spec


def _code_label(r: Resolved, dim: str, code: Any) -> str:
    return measure_label(r.id, code) if dim == "measure" and r.melted else value_label(dim, code)


def _independent(data: pd.DataFrame, dims: Sequence[str]) -> list[str]:
    """The dimensions that name a line: one that another determines (a country's name beside its
    code, its region) adds nothing to the legend. Country codes are kept before their labels."""
    keep = sorted(dims, key=lambda d: (not d.endswith("iso3"), d not in COUNTRY_DIMS, list(dims).index(d)))
    out: list[str] = []
    for d in keep:
        if not any(data.groupby(e, dropna=False)[d].nunique(dropna=False).max() <= 1 for e in out):
            out.append(d)
    return [d for d in dims if d in out]


def plot_unit(data: pd.DataFrame, r: Resolved) -> str:
    units = data["unit"].dropna().unique() if "unit" in data else []
    if len(units) == 1:
        return str(units[0])
    return r.unit_text() if not len(units) else "; ".join(map(str, units))

"""IOM Missing Migrants Project: incident records of migrants dead or missing, worldwide.

Only counts and places are kept (no names exist in the file). `dead_missing` is the number
dead or missing. Which incident types enter sums is one explicit table (`INCIDENT_TYPES`); a type
outside it raises, so a new kind of record can never slip into a total unexamined.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    country_code,
)
from corridor.sources.base import (
    FileSpec,
    ParquetTable,
    Parsed,
    TableSpec,
    ceiling,
    pq_count,
    pq_date,
    pq_float,
    pq_map,
    pq_text,
    read_parquet,
)

ID = "missing_migrants"
URL = "https://missingmigrants.iom.int/downloads"
COLUMNS = ("t", "m", "type", "route", "geo", "dead", "cause", "surv", "nat", "location", "lon", "lat")

# IOM MMP incident types -> (slug, counted in sums). The README asks to sum only over types
# that do not duplicate others. In this file none does: a "split" incident is one event whose
# dead are divided over several records (by route or origin), none of which repeats another
# (no split record has a parent row with the same date and place), and a "cumulative" record
# holds deaths reported only in aggregate, recorded nowhere else. IOM's own totals sum all
# records. So every known type is counted; the flags stay here so the rule is visible.
INCIDENT_TYPES: dict[str, tuple[str, bool]] = {
    "Incident": ("incident", True),
    "Split Incident": ("split_incident", True),
    "Incident,Split Incident": ("incident_split_incident", True),
    "Cumulative Incident": ("cumulative_incident", True),
}
ROUTES = {
    "Central American Route",
    "Asia Pacific routes",
    "Intra-African routes",
    "Undefined",
    "Central Mediterranean Route",
    "Western Mediterranean Route",
    "Eastern Mediterranean Route",
    "EHOA Eastern Route",
    "Western African Atlantic Route",
    "South American Route",
    "Intra-European routes",
    "EHOA Southern Route",
    "EHOA Horn of Africa Route",
    "EHOA Northern Route",
}
CAUSES = (
    "Drowning",
    "Mixed or unknown",
    "Vehicle accident / death linked to hazardous transport",
    "Sickness / lack of access to adequate healthcare",
    "Harsh environmental conditions / lack of adequate shelter, food, water",
    "Violence",
    "Accidental death",
)
_CAUSE_LIST = re.compile("(?:{0})(?:,(?:{0}))*".format("|".join(re.escape(c) for c in CAUSES)))

INCIDENTS = TableSpec(
    name="missing_migrants",
    description=(
        "IOM Missing Migrants Project incident records: date, month, incident type, route, "
        "country of incident, dead or missing, survivors (NULL if unknown; a few negative values "
        "are IOM's corrections for people who died after rescue), cause(s), nationalities "
        "(comma-separated ISO3/UNK), location, lon/lat. `counted` marks records that enter sums."
    ),
)
MONTHLY = TableSpec(
    name="missing_migrants_monthly",
    description=(
        "IOM Missing Migrants Project, dead or missing per month x route x country of incident, "
        "summed over counted records; the split and cumulative parts are shown separately."
    ),
)


def _nationalities(t: ParquetTable, column: str = "nat") -> pd.Series:
    """Comma-separated nationality codes, each mapped; the list is stored normalised."""
    raw = pq_text(t, column)
    mapping: dict[str, str] = {}
    for value in raw.unique().tolist():
        try:
            mapping[value] = ",".join(country_code(code) for code in value.split(","))
        except KeyError:
            i = int((raw == value).to_numpy().nonzero()[0][0])
            raise t.error(f"unknown nationality code in {value!r}", index=i, column=column) from None
    return raw.map(mapping).astype("str")


class MissingMigrantsSource:
    """IOM Missing Migrants Project incidents (Jan 2014 - Apr 2025) and a monthly aggregate."""

    id = ID
    title = "IOM Missing Migrants Project"
    files: tuple[FileSpec, ...] = (
        FileSpec(
            key="incidents",
            max_rows=ceiling(19_669),
            mirror_path="transit/iom_gdidata_iom_mmp.parquet",
            url=URL,
            publisher="IOM Missing Migrants Project (via IOM gdidata)",
            licence="CC BY 4.0 (IOM Missing Migrants Project)",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        release = releases["incidents"]
        t = read_parquet(paths["incidents"], columns=COLUMNS)
        date = pq_date(t, "t")
        month = pq_date(t, "m", first_of_month=True)
        for i, (d, m) in enumerate(zip(date.tolist(), month.tolist(), strict=True)):
            if (d.year, d.month) != (m.year, m.month):
                raise t.error(f"month {m} is not the month of date {d}", index=i, column="m")
        kind = pq_text(t, "type", allowed=set(INCIDENT_TYPES))
        cause = pq_text(t, "cause")
        for value in cause.unique().tolist():
            if not _CAUSE_LIST.fullmatch(value):
                i = int((cause == value).to_numpy().nonzero()[0][0])
                raise t.error(f"unknown cause {value!r}", index=i, column="cause")
        frame = pd.DataFrame(
            {
                "date": date,
                "month": month,
                "incident_type": kind.map(lambda k: INCIDENT_TYPES[k][0]).astype("str"),
                "counted": kind.map(lambda k: INCIDENT_TYPES[k][1]).astype(bool),
                "route": pq_text(t, "route", allowed=ROUTES),
                "country_iso3": pq_map(t, "geo", country_code, "country code").astype("str"),
                "dead_missing": pq_count(t, "dead"),
                "survivors": pq_count(t, "surv", allow_null=True, nonnegative=False),
                "cause": cause,
                "nationalities": _nationalities(t),
                "location": pq_text(t, "location"),
                "lon": pq_float(t, "lon", low=-180, high=180),
                "lat": pq_float(t, "lat", low=-90, high=90),
            }
        )
        frame["release_id"] = release

        counted = frame[frame["counted"]].copy()
        for part in ("split", "cumulative"):
            counted[f"dead_missing_{part}"] = counted["dead_missing"].where(
                counted["incident_type"].str.contains(part), 0
            )
        monthly = counted.groupby(["month", "route", "country_iso3"], as_index=False).agg(
            records=("dead_missing", "size"),
            dead_missing=("dead_missing", "sum"),
            dead_missing_split=("dead_missing_split", "sum"),
            dead_missing_cumulative=("dead_missing_cumulative", "sum"),
        )
        monthly["release_id"] = release
        first, last = min(month), max(month)
        return Parsed(
            frames={INCIDENTS.name: frame, MONTHLY.name: monthly},
            tables=[INCIDENTS, MONTHLY],
            rows={"incidents": len(t)},
            periods={"incidents": (f"{first:%Y-%m}", f"{last:%Y-%m}")},
        )

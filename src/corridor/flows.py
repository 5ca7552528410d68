"""The flows planner: answer an encounters request from the cubes that can answer it.

A request is filters + group-by keys + a period. The planner keeps the cubes that have every
requested dimension and value, ranks them (exact before rounded, then the newest release, then
the smallest cube), and walks the requested months assigning each to the best cube that covers
it. So a series can stitch releases across time, but only from cubes that measure the same
thing (the same component), and the answer lists every cube and release it used and which
months are rounded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pandas as pd

from corridor.errors import NoCubeError, UsageError
from corridor.reference.calendar import fiscal_year, fy_months, month_range
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES

ByKey = Literal[
    "month",
    "fiscal_year",
    "calendar_year",
    "region",
    "component",
    "citizenship",
    "demographic",
    "sector",
    "title",
    "state",
]
BY_KEYS: tuple[str, ...] = ByKey.__args__  # type: ignore[attr-defined]
TIME_KEYS = ("month", "fiscal_year", "calendar_year")
LIST_FILTERS = ("citizenship", "demographic", "sector", "title", "state")


@dataclass(frozen=True)
class FlowsRequest:
    """What a user asks: filters (None/empty = all), group-by keys and a period."""

    region: str | None = None
    component: str = "all"
    citizenship: tuple[str, ...] = ()
    demographic: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    def validated(self) -> FlowsRequest:
        """Check every option against the vocabularies; raise UsageError naming the bad one."""
        region = None if self.region in (None, "", "nationwide") else self.region
        if region is not None and region not in REGIONS:
            raise UsageError(f"--region {self.region!r} is not one of {', '.join(REGIONS)}")
        if self.component not in COMPONENTS:
            raise UsageError(f"--component {self.component!r} is not one of {', '.join(COMPONENTS)}")
        for value in self.demographic:
            if value not in DEMOGRAPHICS:
                raise UsageError(f"--demographic {value!r} is not one of {', '.join(DEMOGRAPHICS)}")
        for value in self.title:
            if value not in TITLES:
                raise UsageError(f"--title {value!r} is not one of {', '.join(TITLES)}")
        for value in self.sector:
            if value not in SECTORS:
                raise UsageError(f"--sector {value!r} is not a sector slug ({', '.join(SECTORS)})")
        for value in self.citizenship:
            if not re.fullmatch(r"[A-Z]{3}|OTHER", value):
                raise UsageError(f"--citizenship {value!r} is not an ISO 3166 alpha-3 code or OTHER")
        for value in self.state:
            if not re.fullmatch(r"[A-Z]{2}", value):
                raise UsageError(f"--state {value!r} is not a two-letter state code")
        seen = set()
        for key in self.by:
            if key not in BY_KEYS:
                raise UsageError(f"--by {key!r} is not one of {', '.join(BY_KEYS)}")
            if key in seen:
                raise UsageError(f"--by {key!r} is given twice")
            seen.add(key)
        if sum(k in TIME_KEYS for k in self.by) > 1:
            raise UsageError("--by takes at most one of month, fiscal_year, calendar_year")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {self.since:%Y-%m} is after --until {self.until:%Y-%m}")
        return FlowsRequest(
            region=region,
            component=self.component,
            citizenship=tuple(self.citizenship),
            demographic=tuple(self.demographic),
            sector=tuple(self.sector),
            title=tuple(self.title),
            state=tuple(self.state),
            by=tuple(self.by),
            since=self.since,
            until=self.until,
        )

    @property
    def time_key(self) -> str | None:
        return next((k for k in self.by if k in TIME_KEYS), None)

    def describe(self) -> str:
        """A one-line plain description of the selection, for captions."""
        parts = [COMPONENTS[self.component], REGIONS[self.region or "nationwide"].lower()]
        for name in LIST_FILTERS:
            values = getattr(self, name)
            if values:
                parts.append(f"{name} {', '.join(values)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Cube:
    """A cube as the planner sees it (from the warehouse's `cubes` and `cube_coverage`)."""

    id: str
    title: str
    table: str
    grain: str
    dims: tuple[str, ...]
    fixed: dict[str, str]
    rounded: bool
    schemes: dict[str, str]
    dim_since: dict[str, dt.date]
    coverage: tuple[tuple[dt.date, dt.date, str], ...]  # (start, end, release_id), current only
    domains: dict[str, frozenset[str]]

    @property
    def latest(self) -> dt.date:
        return max(end for _, end, _ in self.coverage)

    def months(self) -> set[dt.date]:
        out: set[dt.date] = set()
        for start, end, _ in self.coverage:
            out.update(month_range(start, end))
        return out

    def describe(self) -> str:
        fixed = ", ".join(f"{k}={v}" for k, v in sorted(self.fixed.items()))
        first = min(s for s, _, _ in self.coverage)
        grain = "monthly" if self.grain == "month" else "annual (fiscal years)"
        rounded = "rounded to 10" if self.rounded else "exact"
        return (
            f"{self.id}: {grain}, {first:%Y-%m}..{self.latest:%Y-%m}, dims [{', '.join(self.dims) or 'none'}]"
            f"{'; ' + fixed if fixed else ''}; {rounded}"
        )


@dataclass(frozen=True)
class Segment:
    """A run of months answered by one cube."""

    cube: str
    title: str
    start: dt.date
    end: dt.date
    rounded: bool
    releases: tuple[str, ...]


@dataclass
class FlowsResult:
    """A flows answer: the tidy frame plus where every number came from."""

    frame: pd.DataFrame
    request: FlowsRequest
    segments: list[Segment]
    partial_periods: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """One column per --by key, named as the key, plus `encounters`."""
        return self.frame

    @property
    def rounded(self) -> bool:
        return any(s.rounded for s in self.segments)

    @property
    def stitched(self) -> bool:
        return len({s.cube for s in self.segments}) > 1 or any(len(s.releases) > 1 for s in self.segments)

    def rounded_months(self) -> list[str]:
        return [f"{s.start:%Y-%m}..{s.end:%Y-%m}" for s in self.segments if s.rounded]

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return min(s.start for s in self.segments), max(s.end for s in self.segments)

    def metadata(self) -> dict[str, Any]:
        """Provenance as plain data: for JSON/Parquet output, stderr notes and captions."""
        start, end = self.period
        return {
            "selection": self.request.describe(),
            "period": f"{start:%Y-%m}..{end:%Y-%m}",
            "unit": "encounters (events, not unique people)",
            "rounded": self.rounded,
            "rounded_months": self.rounded_months(),
            "stitched": self.stitched,
            "partial_periods": self.partial_periods,
            "sources": [
                {
                    "cube": s.cube,
                    "title": s.title,
                    "from": f"{s.start:%Y-%m}",
                    "to": f"{s.end:%Y-%m}",
                    "rounded": s.rounded,
                    "releases": list(s.releases),
                }
                for s in self.segments
            ],
        }

    def caption(self) -> str:
        """A one-paragraph source line for tables and charts."""
        start, end = self.period
        used = "; ".join(f"{s.title} ({s.start:%Y-%m}..{s.end:%Y-%m})" for s in self.segments)
        notes = []
        if self.rounded:
            notes.append(f"rounded to the nearest 10 in {', '.join(self.rounded_months())}")
        if self.stitched:
            notes.append("stitched from several releases")
        if self.partial_periods:
            notes.append(f"partial periods: {', '.join(self.partial_periods)}")
        text = (
            f"Encounters (events, not people), {self.request.describe()}, "
            f"{start:%Y-%m}..{end:%Y-%m}. Source: {used}."
        )
        if notes:
            text += " Note: " + "; ".join(notes) + "."
        return text

    def summary(self) -> str:
        return self.caption() + f"\n{len(self.frame)} rows."


def load_cubes(con: duckdb.DuckDBPyConnection) -> list[Cube]:
    """Read cube definitions, current coverage and dimension domains from the warehouse."""
    rows = con.execute(
        "SELECT cube_id, title, table_name, grain, dims, fixed, rounded, schemes, dim_since "
        "FROM cubes ORDER BY cube_id"
    ).fetchall()
    cov = con.execute(
        "SELECT c.cube_id, c.start_month, c.end_month, c.release_id FROM cube_coverage c "
        "JOIN releases r USING (release_id) WHERE r.is_current ORDER BY c.start_month"
    ).fetchall()
    cubes = []
    for cid, title, table, grain, dims, fixed, rounded, schemes, since in rows:
        dims_t = tuple(json.loads(dims))
        domains = {}
        for d in dims_t:
            values = con.execute(f'SELECT DISTINCT "{d}" FROM "{table}" WHERE is_current').fetchall()
            domains[d] = frozenset(str(v[0]) for v in values)
        cubes.append(
            Cube(
                id=cid,
                title=title,
                table=table,
                grain=grain,
                dims=dims_t,
                fixed=json.loads(fixed),
                rounded=bool(rounded),
                schemes=json.loads(schemes),
                dim_since={k: dt.date.fromisoformat(v) for k, v in json.loads(since).items()},
                coverage=tuple((s, e, r) for c, s, e, r in cov if c == cid),
                domains=domains,
            )
        )
    return [c for c in cubes if c.coverage]


def _answers(cube: Cube, req: FlowsRequest) -> str | None:
    """None if the cube can answer the request, else the reason it cannot."""
    if req.time_key in ("month", "calendar_year") and cube.grain != "month":
        return "annual only"
    if "component" in cube.dims:
        if req.component != "all" and req.component not in cube.domains["component"]:
            return f"no component {req.component}"
    elif cube.fixed.get("component") != req.component:
        return f"measures component {cube.fixed.get('component')}"
    if "region" in cube.dims:
        if req.region and req.region not in cube.domains["region"]:
            return f"no region {req.region}"
    elif cube.fixed.get("region") != (req.region or "nationwide"):
        # A regional cube still answers a nationwide request restricted to its own sectors.
        inside = req.sector and all(SECTORS[s][1] == cube.fixed.get("region") for s in req.sector)
        if req.region or not inside:
            return f"covers region {cube.fixed.get('region')} only"
    for name in LIST_FILTERS:
        values = getattr(req, name)
        if values:
            if name not in cube.dims:
                return f"no {name} dimension"
            missing = [v for v in values if v not in cube.domains[name]]
            if missing:
                return f"no {name} {', '.join(missing)}"
    for key in req.by:
        if key in TIME_KEYS or key in cube.dims:
            continue
        if key == "region" and cube.fixed.get("region") == req.region and req.region:
            continue
        if key == "component" and req.component != "all" and cube.fixed.get("component") == req.component:
            continue
        return f"no {key} dimension"
    return None


def _used_dims(req: FlowsRequest) -> set[str]:
    used = {k for k in req.by if k not in TIME_KEYS}
    used |= {n for n in LIST_FILTERS if getattr(req, n)}
    if req.region:
        used.add("region")
    return used


def _cube_months(cube: Cube, req: FlowsRequest, wanted: set[dt.date]) -> set[dt.date]:
    months = cube.months() & wanted
    for dim in _used_dims(req):
        if dim in cube.dim_since:
            months = {m for m in months if m >= cube.dim_since[dim]}
    return months


def plan(cubes: Sequence[Cube], req: FlowsRequest) -> list[tuple[Cube, list[dt.date]]]:
    """Choose cubes and assign each requested month to one of them."""
    reasons = {c.id: _answers(c, req) for c in cubes}
    candidates = [c for c in cubes if reasons[c.id] is None]
    if not candidates:
        lines = "\n".join(f"  - {c.describe()}  [{reasons[c.id]}]" for c in cubes)
        raise NoCubeError(
            f"no encounter cube can answer: {req.describe()}"
            f"{' by ' + ', '.join(req.by) if req.by else ''}. Available cubes:\n{lines}"
        )
    all_months = set().union(*(c.months() for c in candidates))
    lo = req.since or min(all_months)
    hi = req.until or max(all_months)
    wanted = {m for m in all_months if lo <= m <= hi}
    if not wanted:
        first, last = min(all_months), max(all_months)
        raise UsageError(
            f"no data for {lo:%Y-%m}..{hi:%Y-%m}: cubes that answer this request cover "
            f"{first:%Y-%m}..{last:%Y-%m}"
        )

    # Dimensions whose categories differ between publishers (22 vs 136 citizenships, 3 vs 4
    # demographics) are never stitched: keep the scheme that covers the most of the period.
    for dim in sorted(_used_dims(req)):
        schemes = {c.schemes.get(dim) for c in candidates if dim in c.schemes}
        if len(schemes) > 1 and (dim in req.by or "OTHER" in getattr(req, dim, ())):

            def reach(s: str | None, dim: str = dim, pool: list[Cube] = candidates) -> tuple[int, int]:
                group = [c for c in pool if c.schemes.get(dim) == s]
                months = set().union(*(_cube_months(c, req, wanted) for c in group))
                size = max(len(c.domains.get(dim, ())) for c in group)
                return (len(months), size)

            best = max(schemes, key=reach)
            candidates = [c for c in candidates if c.schemes.get(dim, best) == best]

    fy_like = req.time_key in (None, "fiscal_year")

    def rank(c: Cube) -> tuple:
        # Rounded data is rounded once in an annual table but twelve times in a monthly one.
        grain = int(c.rounded and fy_like) if c.grain == "month" else int(not c.rounded)
        return (c.rounded, grain, -c.latest.toordinal(), len(c.dims), c.id)

    assigned: dict[dt.date, Cube] = {}
    for cube in sorted(candidates, key=rank):
        months = _cube_months(cube, req, wanted)
        if cube.grain == "month":
            for m in sorted(months):
                assigned.setdefault(m, cube)
        elif fy_like:
            for fy in sorted({fiscal_year(m) for m in months}):
                year = fy_months(fy)
                if all(m in months for m in year) and not any(m in assigned for m in year):
                    for m in year:
                        assigned[m] = cube
    if not assigned:
        raise UsageError(
            f"no cube covers {lo:%Y-%m}..{hi:%Y-%m} for {req.describe()} "
            "(annual cubes answer only whole fiscal years)"
        )
    out: dict[str, tuple[Cube, list[dt.date]]] = {}
    for m in sorted(assigned):
        cube = assigned[m]
        out.setdefault(cube.id, (cube, []))[1].append(m)
    return list(out.values())


def _time_expr(key: str | None, grain: str) -> str | None:
    if key is None:
        return None
    if grain == "fiscal_year":
        return "fiscal_year"
    return {
        "month": "month",
        "fiscal_year": "CAST(year(month) + CASE WHEN month(month) >= 10 THEN 1 ELSE 0 END AS INTEGER)",
        "calendar_year": "CAST(year(month) AS INTEGER)",
    }[key]


def _segments(cube: Cube, months: list[dt.date]) -> list[Segment]:
    runs: list[list[dt.date]] = []
    for m in months:
        if runs and (m.year * 12 + m.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    out = []
    for run in runs:
        releases = tuple(sorted({r for s, e, r in cube.coverage if s <= run[-1] and e >= run[0]}))
        out.append(Segment(cube.id, cube.title, run[0], run[-1], cube.rounded, releases))
    return out


def query(con: duckdb.DuckDBPyConnection, cubes: Sequence[Cube], req: FlowsRequest) -> FlowsResult:
    """Answer a flows request; see the module docstring for the rules."""
    req = req.validated()
    planned = plan(cubes, req)
    keys = list(req.by)
    parts = []
    segments: list[Segment] = []
    all_months: list[dt.date] = []
    for cube, months in planned:
        segments.extend(_segments(cube, months))
        all_months.extend(months)
        select, where, params = [], ["is_current"], []  # type: ignore[var-annotated]
        for key in keys:
            if key in TIME_KEYS:
                select.append(f"{_time_expr(key, cube.grain)} AS {key}")
            elif key in cube.dims:
                select.append(f'"{key}"')
            else:
                select.append(f"? AS {key}")
                params.append(cube.fixed[key] if key in cube.fixed else getattr(req, key))
        if cube.grain == "month":
            where.append("month BETWEEN ? AND ?")
            params_where: list[Any] = [months[0], months[-1]]
            if len(months) != len(month_range(months[0], months[-1])):
                where[-1] = "month IN (SELECT unnest(?::DATE[]))"
                params_where = [months]
        else:
            fys = sorted({fiscal_year(m) for m in months})
            where.append("fiscal_year IN (SELECT unnest(?::INTEGER[]))")
            params_where = [fys]
        if "region" in cube.dims and req.region:
            where.append("region = ?")
            params_where.append(req.region)
        if "component" in cube.dims and req.component != "all":
            where.append("component = ?")
            params_where.append(req.component)
        for name in LIST_FILTERS:
            values = getattr(req, name)
            if values:
                where.append(f'"{name}" IN (SELECT unnest(?::VARCHAR[]))')
                params_where.append(list(values))
        group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
        sql = (
            f"SELECT {', '.join([*select, 'SUM(encounters)::BIGINT AS encounters'])} "
            f'FROM "{cube.table}" WHERE {" AND ".join(where)}{group}'
        )
        parts.append(con.execute(sql, params + params_where).df())

    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*keys, "encounters"])
    frame["encounters"] = frame["encounters"].fillna(0).astype("int64")
    if keys:
        frame = frame.groupby(keys, as_index=False, sort=True)["encounters"].sum()
        frame = _fill_zeros(frame, req, sorted(set(all_months)))
    else:
        frame = pd.DataFrame({"encounters": [int(frame["encounters"].sum())]})
    if "month" in frame.columns:
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    for key in ("fiscal_year", "calendar_year"):
        if key in frame.columns:
            frame[key] = frame[key].astype("int64")
    return FlowsResult(
        frame=frame.reset_index(drop=True),
        request=req,
        segments=segments,
        partial_periods=_partial(req, sorted(set(all_months))),
    )


def _fill_zeros(frame: pd.DataFrame, req: FlowsRequest, months: list[dt.date]) -> pd.DataFrame:
    """A covered period with no rows for a group had zero encounters: make that explicit."""
    key = req.time_key
    others = [k for k in req.by if k not in TIME_KEYS]
    if key is None:
        return frame
    if key == "month":
        periods: list[Any] = months
        frame = frame.assign(month=pd.to_datetime(frame["month"]).dt.date)
    elif key == "fiscal_year":
        periods = sorted({fiscal_year(m) for m in months})
    else:
        periods = sorted({m.year for m in months})
    if others:
        groups = frame[others].drop_duplicates()
        grid = groups.merge(pd.DataFrame({key: periods}), how="cross")
    else:
        grid = pd.DataFrame({key: periods})
    cols = [key, *others]
    full = grid.merge(frame, on=cols, how="left")
    full["encounters"] = full["encounters"].fillna(0).astype("int64")
    return full[[*req.by, "encounters"]].sort_values(list(req.by)).reset_index(drop=True)


def _partial(req: FlowsRequest, months: list[dt.date]) -> list[str]:
    key = req.time_key
    if key == "fiscal_year":
        counts: dict[int, int] = {}
        for m in months:
            counts[fiscal_year(m)] = counts.get(fiscal_year(m), 0) + 1
        return [f"FY{fy} ({n} of 12 months)" for fy, n in sorted(counts.items()) if n < 12]
    if key == "calendar_year":
        counts = {}
        for m in months:
            counts[m.year] = counts.get(m.year, 0) + 1
        return [f"{y} ({n} of 12 months)" for y, n in sorted(counts.items()) if n < 12]
    return []

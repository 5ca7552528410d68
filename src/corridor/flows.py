"""The flows planner: answer an encounters request from the cubes that can answer it.

A request is filters + group-by keys + a period. Its answer is a set of *cells* (one per group
and period). The planner serves every cell the same way whether its dimension is a filter or a
`by` key: the groups of a grouped answer are partitioned into *classes* of values that the same
cubes publish (from the same month), and each class is planned exactly as the filtered question
for one of its values would be. So filtering on v gives row v of the grouped answer, always.

Planning one class: keep the cubes that publish it (component, region, dimensions and values),
keep one category scheme per dimension (22 vs 136 citizenships are never mixed in one cell: the
scheme that covers the most months wins), rank the cubes (exact before rounded, then the newest
release, then the smallest cube) and give each requested month to the best cube that publishes
it. A series can stitch releases across time, but only from cubes that measure the same thing.

What a source does not publish is missing (null), never 0: a category before its publisher
tracked it, a month outside every cube. Every answer lists its sources, rounded and partial
periods, and `warnings`: plain sentences about coverage, missing categories, groups that do not
add up to the total, and sources that disagree (see `corridor.reconcile`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import duckdb
import pandas as pd

from corridor import fmt, params
from corridor.errors import NoCubeError, UsageError
from corridor.reference.calendar import fiscal_year, fy_months, month_range
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import BY_KEYS, COMPONENTS, REGIONS

TIME_KEYS = ("month", "fiscal_year", "calendar_year")
LIST_FILTERS = ("citizenship", "demographic", "sector", "title", "state")
# Dimensions whose categories publishers added over time: before a category's first month in a
# cube, the cube does not publish it (missing), rather than counting zero.
INTRODUCED_DIMS = ("demographic",)
SCALAR_DIMS = ("region", "component")
RESIDUAL = "OTHER"  # a publisher's "all other countries": its meaning depends on the table
FIELD_NAMES = {
    "region": "region",
    "component": "component",
    "citizenship": "citizenship",
    "demographic": "demographic",
    "sector": "sector",
    "title": "title",
    "state": "state",
    "since": "since",
    "until": "until",
}


def _ym(m: dt.date) -> str:
    return f"{m:%Y-%m}"


def _month_index(m: dt.date) -> int:
    return m.year * 12 + m.month - 1


def _runs(months: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted months as contiguous (first, last) runs."""
    out: list[list[dt.date]] = []
    for m in sorted(months):
        if out and _month_index(m) - _month_index(out[-1][1]) == 1:
            out[-1][1] = m
        else:
            out.append([m, m])
    return [(a, b) for a, b in out]


def _span(runs: Sequence[tuple[dt.date, dt.date]]) -> str:
    return ", ".join(_ym(a) if a == b else f"{_ym(a)}..{_ym(b)}" for a, b in runs)


@dataclass(frozen=True)
class FlowsRequest(params.Selection):
    """What a user asks: the seven filters of a Selection (None/empty = all), group-by keys and a
    period."""

    by: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def of(
        cls,
        selection: params.Selection,
        *,
        by: Sequence[str] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> FlowsRequest:
        """A request from a validated Selection plus grouping and period."""
        return cls(**selection.filters(), by=tuple(by), since=since, until=until)

    @property
    def selection(self) -> params.Selection:
        return params.Selection(**params.Selection.filters(self))

    def validated(self) -> FlowsRequest:
        """Check every option against the vocabularies; raise UsageError naming the bad one."""
        sel = params.Selection.parse(**self.selection.kwargs())
        seen: set[str] = set()
        for key in self.by:
            if key not in BY_KEYS:
                raise UsageError(f"by {key!r} is not one of {', '.join(BY_KEYS)}")
            if key in seen:
                raise UsageError(f"by {key!r} is given twice")
            seen.add(key)
        if sum(k in TIME_KEYS for k in self.by) > 1:
            raise UsageError("group by at most one of month, fiscal_year, calendar_year")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"the first month {self.since:%Y-%m} is after the last month {self.until:%Y-%m}")
        return FlowsRequest.of(sel, by=self.by, since=self.since, until=self.until)

    @property
    def time_key(self) -> str | None:
        return next((k for k in self.by if k in TIME_KEYS), None)

    @property
    def group_keys(self) -> tuple[str, ...]:
        return tuple(k for k in self.by if k not in TIME_KEYS)

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
    # (dim, component or "", value) -> first month the cube publishes that category ("" = any component)
    value_since: dict[tuple[str, str, str], dt.date] = field(default_factory=dict)
    # sector -> the regions the cube files it under (publishers differ: Livermore is coastal in
    # CBP's historical table, northern in OHSS's)
    sector_regions: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def latest(self) -> dt.date:
        return max(end for _, end, _ in self.coverage)

    @property
    def first(self) -> dt.date:
        return min(start for start, _, _ in self.coverage)

    def months(self) -> frozenset[dt.date]:
        return _cube_months_cache(self.id, self.coverage)

    def region_values(self) -> frozenset[str]:
        """The regions the cube publishes (its region dimension, or its fixed region)."""
        if "region" in self.dims:
            return self.domains["region"]
        return frozenset({self.fixed.get("region", "nationwide")})

    def component_values(self) -> frozenset[str]:
        if "component" in self.dims:
            return self.domains["component"]
        return frozenset({self.fixed.get("component", "all")})

    def publishes(self, dim: str, value: str, component: str) -> dt.date | None:
        """The first month the cube publishes `value` of `dim` (for `component`), or None if never."""
        if dim in INTRODUCED_DIMS and self.value_since:
            key = component if "component" in self.dims and component != "all" else ""
            return self.value_since.get((dim, key, value))
        if dim in self.dims and value in self.domains[dim]:
            return self.dim_since.get(dim, self.first)
        return None

    def describe(self) -> str:
        fixed = ", ".join(f"{k}={v}" for k, v in sorted(self.fixed.items()))
        grain = "monthly" if self.grain == "month" else "annual (fiscal years)"
        rounded = "rounded to 10" if self.rounded else "exact"
        return (
            f"{self.id}: {grain}, {self.first:%Y-%m}..{self.latest:%Y-%m}, "
            f"dims [{', '.join(self.dims) or 'none'}]{'; ' + fixed if fixed else ''}; {rounded}"
        )


_MONTHS: dict[tuple[str, tuple[tuple[dt.date, dt.date, str], ...]], frozenset[dt.date]] = {}


def _cube_months_cache(
    cube_id: str, coverage: tuple[tuple[dt.date, dt.date, str], ...]
) -> frozenset[dt.date]:
    key = (cube_id, coverage)
    if key not in _MONTHS:
        out: set[dt.date] = set()
        for start, end, _ in coverage:
            out.update(month_range(start, end))
        _MONTHS[key] = frozenset(out)
    return _MONTHS[key]


@dataclass(frozen=True)
class Segment:
    """A run of months answered by one cube (for the groups in `where`, if not all of them)."""

    cube: str
    title: str
    start: dt.date
    end: dt.date
    rounded: bool
    releases: tuple[str, ...]
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class _Class:
    """Groups that the same cubes publish from the same months: planned as one filtered question."""

    region: str | None
    component: str
    values: tuple[
        tuple[str, tuple[str, ...]], ...
    ]  # list dim -> values (grouped: the class; filtered: summed)
    grouped: frozenset[str]

    def get(self, dim: str) -> tuple[str, ...]:
        return dict(self.values).get(dim, ())

    def label(self) -> str:
        parts = []
        if "region" in self.grouped and self.region:
            parts.append(REGIONS[self.region].lower())
        if "component" in self.grouped:
            parts.append(COMPONENTS[self.component])
        for dim, values in self.values:
            if dim in self.grouped:
                shown = ", ".join(values[:4]) + (f" and {len(values) - 4} more" if len(values) > 4 else "")
                parts.append(f"{dim} {shown}")
        return "; ".join(parts)


@dataclass
class _Plan:
    """One class's cubes and months; `first_published` names categories that start late."""

    cls: _Class
    parts: list[tuple[Cube, list[dt.date]]]
    wanted: list[dt.date]
    first_published: dict[str, dt.date] = field(default_factory=dict)
    months: list[dt.date] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.months = sorted(m for _, ms in self.parts for m in ms)


@dataclass
class FlowsResult:
    """A flows answer: the tidy frame plus where every number came from, and what to beware of."""

    frame: pd.DataFrame
    request: FlowsRequest
    segments: list[Segment]
    partial_periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    plans: list[_Plan] = field(default_factory=list, repr=False)

    def tidy(self) -> pd.DataFrame:
        """One column per --by key, named as the key, plus `encounters` (null where not published)."""
        return self.frame

    @property
    def rounded(self) -> bool:
        return any(s.rounded for s in self.segments)

    @property
    def stitched(self) -> bool:
        return len({s.cube for s in self.segments}) > 1 or any(len(s.releases) > 1 for s in self.segments)

    def rounded_months(self) -> list[str]:
        months = {m for s in self.segments if s.rounded for m in month_range(s.start, s.end)}
        return [f"{a:%Y-%m}..{b:%Y-%m}" for a, b in _runs(months)]

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return min(s.start for s in self.segments), max(s.end for s in self.segments)

    def provenance(self) -> pd.DataFrame:
        """One row per (group values, month): the cube and release each number was read from."""
        rows = []
        keys = list(self.request.group_keys)
        for plan in self.plans:
            groups = _class_groups(plan.cls, keys)
            for cube, months in plan.parts:
                for m in months:
                    release = _release(cube, m)
                    for g in groups:
                        rows.append({**g, "month": m, "cube": cube.id, "release": release})
        return pd.DataFrame(rows, columns=[*keys, "month", "cube", "release"])

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
            "missing": self.missing,
            "warnings": self.warnings,
            "sources": [
                {
                    "cube": s.cube,
                    "title": s.title,
                    "from": f"{s.start:%Y-%m}",
                    "to": f"{s.end:%Y-%m}",
                    "rounded": s.rounded,
                    "releases": list(s.releases),
                    **({"where": {k: list(v) for k, v in s.where}} if s.where else {}),
                }
                for s in self.segments
            ],
        }

    def caption(self) -> str:
        """A one-paragraph source line for tables and charts."""
        start, end = self.period
        seen: dict[str, set[dt.date]] = {}
        for s in self.segments:
            seen.setdefault(s.title, set()).update(month_range(s.start, s.end))
        used = "; ".join(f"{title} ({_span(_runs(months))})" for title, months in seen.items())
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


def _release(cube: Cube, month: dt.date) -> str:
    """The release a cube's month is read from (the newest current release covering it)."""
    covering = [(s, r) for s, e, r in cube.coverage if s <= month <= e]
    return max(covering)[1] if covering else ""


def load_cubes(con: duckdb.DuckDBPyConnection) -> list[Cube]:
    """Read cube definitions, current coverage, dimension domains and category starts."""
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
        first = "month" if grain == "month" else "make_date(fiscal_year - 1, 10, 1)"
        value_since: dict[tuple[str, str, str], dt.date] = {}
        for d in (d for d in INTRODUCED_DIMS if d in dims_t):
            comp = '"component"' if "component" in dims_t else "''"
            for c, v, m in con.execute(
                f'SELECT {comp}, "{d}", min({first}) FROM "{table}" WHERE is_current GROUP BY 1, 2'
            ).fetchall():
                value_since[(d, str(c), str(v))] = m
                key = (d, "", str(v))
                value_since[key] = min(m, value_since.get(key, m))
        sector_regions: dict[str, set[str]] = {}
        if "sector" in dims_t:
            region = '"region"' if "region" in dims_t else "?"
            args = [] if "region" in dims_t else [json.loads(fixed).get("region", "nationwide")]
            for r, sector in con.execute(
                f'SELECT DISTINCT {region}, "sector" FROM "{table}" WHERE is_current', args
            ).fetchall():
                sector_regions.setdefault(str(sector), set()).add(str(r))
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
                value_since=value_since,
                sector_regions={k: frozenset(v) for k, v in sector_regions.items()},
            )
        )
    return [c for c in cubes if c.coverage]


# --- which cubes can serve a class -----------------------------------------------------------


def _structure(cube: Cube, req: FlowsRequest, cls: _Class) -> str | None:
    """None if the cube can serve the class's cells, else the reason it cannot (for diagnosis)."""
    if req.time_key in ("month", "calendar_year") and cube.grain != "month":
        return "annual only"
    if cls.component != "all" and cls.component not in cube.component_values():
        return f"measures {cube.fixed.get('component', 'all')}"
    if cls.component == "all" and "component" not in cube.dims and cube.fixed.get("component") != "all":
        return f"measures component {cube.fixed.get('component')} only"
    regions = cube.region_values()
    if cls.region is not None:
        if cls.region not in regions:
            return f"covers region {cube.fixed.get('region', 'nationwide')} only"
    elif "region" not in cube.dims and cube.fixed.get("region") != "nationwide":
        # A regional cube still answers a nationwide request restricted to its own sectors.
        sectors = cls.get("sector")
        if not (sectors and all(s in cube.sector_regions for s in sectors)):
            return f"covers region {cube.fixed.get('region')} only"
    for dim, values in cls.values:
        if dim not in cube.dims:
            return f"no {dim} dimension"
        absent = [v for v in values if cube.publishes(dim, v, cls.component) is None]
        if absent:
            return f"no {dim} {', '.join(absent)}"
        if dim == "sector" and cls.region is not None:
            elsewhere = [v for v in values if cls.region not in cube.sector_regions.get(v, ())]
            if elsewhere:
                return f"files sector {', '.join(elsewhere)} under another region"
    for key in req.group_keys:
        if key in ("region", "component"):
            continue
        if key not in cube.dims:
            return f"no {key} dimension"
    return None


def _since(cube: Cube, cls: _Class, used: Iterable[str]) -> dt.date:
    """The first month the cube publishes every category of the class."""
    first = cube.first
    for dim in used:
        if dim in cube.dim_since:
            first = max(first, cube.dim_since[dim])
    for dim, values in cls.values:
        for v in values:
            since = cube.publishes(dim, v, cls.component)
            if since is not None:
                first = max(first, since)
    return first


def _plan_class(cubes: Sequence[Cube], req: FlowsRequest, cls: _Class) -> _Plan | None:
    """Choose cubes for one class and give each of its months to one of them (None: no cube)."""
    candidates = [c for c in cubes if _structure(c, req, cls) is None]
    if not candidates:
        return None
    used = {d for d, _ in cls.values} | set(req.group_keys) - set(SCALAR_DIMS)
    starts = {c.id: _since(c, cls, used) for c in candidates}

    def months_of(c: Cube, wanted: set[dt.date] | None = None) -> set[dt.date]:
        out = {m for m in c.months() if m >= starts[c.id]}
        return out if wanted is None else out & wanted

    all_months = set().union(*(months_of(c) for c in candidates))
    if not all_months:
        return None
    lo = req.since or min(all_months)
    hi = req.until or max(all_months)
    wanted_list = month_range(lo, hi) if lo <= hi else []
    wanted = set(wanted_list)

    # A named category (a country, a demographic) means the same in every table and may be
    # stitched across them; a residual one (OTHER: "every country not listed") depends on which
    # countries a table lists, so it is read from one scheme only: the one publishing the most
    # requested months.
    for dim in sorted(d for d, values in cls.values if RESIDUAL in values):
        schemes = {c.schemes.get(dim) for c in candidates if dim in c.schemes}
        if len(schemes) > 1:

            def reach(s: str | None, dim: str = dim, pool: list[Cube] = candidates) -> tuple[int, int, str]:
                group = [c for c in pool if c.schemes.get(dim) == s]
                months = set().union(*(months_of(c, wanted) for c in group))
                size = max(len(c.domains.get(dim, ())) for c in group)
                return (len(months), size, str(s))

            best = max(schemes, key=reach)
            candidates = [c for c in candidates if c.schemes.get(dim, best) == best]

    fy_like = req.time_key in (None, "fiscal_year")

    def rank(c: Cube) -> tuple[Any, ...]:
        # Rounded data is rounded once in an annual table but twelve times in a monthly one.
        grain = int(c.rounded and fy_like) if c.grain == "month" else int(not c.rounded)
        return (c.rounded, grain, -c.latest.toordinal(), len(c.dims), c.id)

    assigned: dict[dt.date, Cube] = {}
    for cube in sorted(candidates, key=rank):
        months = months_of(cube, wanted)
        if cube.grain == "month":
            for m in months:
                assigned.setdefault(m, cube)
        elif fy_like:
            for fy in sorted({fiscal_year(m) for m in months}):
                year = fy_months(fy)
                if all(m in months for m in year) and not any(m in assigned for m in year):
                    for m in year:
                        assigned[m] = cube
    parts: dict[str, tuple[Cube, list[dt.date]]] = {}
    for m in sorted(assigned):
        cube = assigned[m]
        parts.setdefault(cube.id, (cube, []))[1].append(m)
    plan = _Plan(cls=cls, parts=list(parts.values()), wanted=wanted_list)
    for dim, values in cls.values:
        if dim in INTRODUCED_DIMS:
            for v in values:
                firsts = [f for c in candidates if (f := c.publishes(dim, v, cls.component)) is not None]
                plan.first_published[v] = min(firsts)
    return plan


# --- classes: which groups can be planned together --------------------------------------------


def _classes(cubes: Sequence[Cube], req: FlowsRequest) -> list[_Class]:
    """Partition the grouped values into classes the same cubes publish from the same months."""
    grouped = set(req.group_keys)
    regions: list[str | None]
    if "region" in grouped:
        regions = [req.region] if req.region else [r for r in REGIONS if r != "nationwide"]
    else:
        regions = [req.region]
    components = (
        [req.component]
        if "component" not in grouped or req.component != "all"
        else [c for c in COMPONENTS if c != "all"]
    )
    list_dims = [d for d in LIST_FILTERS if d in grouped or getattr(req, d)]
    out: list[_Class] = []
    for region, component in itertools.product(regions, components):
        per_dim: list[list[tuple[str, tuple[str, ...]]]] = []
        for dim in list_dims:
            filt = tuple(getattr(req, dim))
            if dim not in grouped:
                per_dim.append([(dim, filt)])
                continue
            if not filt:  # every category some table publishes for this region and component
                bare = _Class(region=region, component=component, values=(), grouped=frozenset(grouped))
                able = [c for c in cubes if _structure(c, req, bare) is None]
                found = {v for c in able for v in c.domains.get(dim, ()) if c.publishes(dim, v, component)}
                if dim == "sector" and region is not None:  # sectors the tables file under the region
                    found = {v for v in found if any(region in c.sector_regions.get(v, ()) for c in able)}
            values = filt or tuple(sorted(found))

            def signature(
                v: str, dim: str = dim, component: str = component, region: str | None = region
            ) -> tuple[Any, ...]:
                where = (
                    tuple(region in c.sector_regions.get(v, ()) for c in cubes)
                    if dim == "sector" and region is not None
                    else ()
                )
                return (v == RESIDUAL, *where, *(c.publishes(dim, v, component) for c in cubes))

            by_sig: dict[tuple[Any, ...], list[str]] = {}
            for v in values:
                by_sig.setdefault(signature(v), []).append(v)
            per_dim.append([(dim, tuple(vs)) for vs in by_sig.values()])
        for combo in itertools.product(*per_dim):
            out.append(
                _Class(region=region, component=component, values=tuple(combo), grouped=frozenset(grouped))
            )
    return out


def _class_groups(cls: _Class, keys: Sequence[str]) -> list[dict[str, str]]:
    """Every group (one value per grouped key) of a class."""
    axes: list[list[str]] = []
    for key in keys:
        if key == "region":
            axes.append([cls.region or "nationwide"])
        elif key == "component":
            axes.append([cls.component])
        else:
            axes.append(list(cls.get(key)))
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


# --- reading the numbers ----------------------------------------------------------------------


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


def _read(
    con: duckdb.DuckDBPyConnection, req: FlowsRequest, cls: _Class, cube: Cube, months: list[dt.date]
) -> list[tuple[Any, ...]]:
    """The class's rows from one cube for the given months: (time key, group keys..., encounters)."""
    keys = [k for k in (req.time_key,) if k] + list(req.group_keys)
    select: list[str] = []
    params_select: list[Any] = []
    where: list[str] = ["is_current"]
    params_where: list[Any] = []
    for key in keys:
        if key in TIME_KEYS:
            select.append(f"{_time_expr(key, cube.grain)} AS {key}")
        elif key == "region":
            if "region" in cube.dims:
                select.append('"region"')
            else:
                select.append("?::VARCHAR AS region")
                params_select.append(cls.region or "nationwide")
        elif key == "component":
            if "component" in cube.dims:
                select.append('"component"')
            else:
                select.append("?::VARCHAR AS component")
                params_select.append(cls.component)
        else:
            select.append(f'"{key}"')
    if cube.grain == "month":
        if len(months) == len(month_range(months[0], months[-1])):
            where.append("month BETWEEN ? AND ?")
            params_where += [months[0], months[-1]]
        else:
            where.append("month IN (SELECT unnest(?::DATE[]))")
            params_where.append(months)
    else:
        where.append("fiscal_year IN (SELECT unnest(?::INTEGER[]))")
        params_where.append(sorted({fiscal_year(m) for m in months}))
    if "region" in cube.dims and cls.region:
        where.append("region = ?")
        params_where.append(cls.region)
    if "component" in cube.dims and cls.component != "all":
        where.append("component = ?")
        params_where.append(cls.component)
    for dim, values in cls.values:
        where.append(f'"{dim}" IN (SELECT unnest(?::VARCHAR[]))')
        params_where.append(list(values))
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    sql = (
        f"SELECT {', '.join([*select, 'SUM(encounters)::BIGINT AS encounters'])} "
        f'FROM "{cube.table}" WHERE {" AND ".join(where)}{group}'
    )
    return con.execute(sql, params_select + params_where).fetchall()


def _period_of(key: str | None) -> Callable[[dt.date], Any]:
    if key == "fiscal_year":
        return fiscal_year
    if key == "calendar_year":
        return lambda m: m.year
    if key == "month":
        return lambda m: m
    return lambda m: None


def _period_label(key: str | None, period: Any) -> str:
    if key == "fiscal_year":
        return f"FY{period}"
    if key == "calendar_year":
        return f"{period}"
    if key == "month":
        return _ym(period)
    return "in all"


def query(
    con: duckdb.DuckDBPyConnection,
    cubes: Sequence[Cube],
    req: FlowsRequest,
    *,
    checks: Callable[[FlowsResult], list[str]] | None = None,
    check_total: bool = True,
) -> FlowsResult:
    """Answer a flows request; see the module docstring for the rules."""
    req = req.validated()
    classes = _classes(cubes, req)
    planned = [(c, _plan_class(cubes, req, c)) for c in classes]
    plans = [p for _, p in planned if p is not None]
    unplanned = [c for c, p in planned if p is None]
    if not any(p.parts for p in plans):
        raise diagnose(cubes, req)
    plans = [p for p in plans if p.parts]

    tkey = req.time_key
    gkeys = list(req.group_keys)
    period_of = _period_of(tkey)
    span = sorted(set().union(*(p.wanted for p in plans)))
    periods = sorted({period_of(m) for m in span}, key=lambda p: (p is None, p))
    cells: dict[tuple[Any, ...], int | None] = {}
    segments: list[Segment] = []
    for plan in plans:
        cls = plan.cls
        where = tuple((d, v) for d, v in cls.values if d in cls.grouped)
        if "component" in cls.grouped:
            where = (("component", (cls.component,)), *where)
        if "region" in cls.grouped:
            where = (("region", (cls.region or "nationwide",)), *where)
        got: dict[tuple[Any, ...], int] = {}
        for cube, months in plan.parts:
            for *key, n in _read(con, req, cls, cube, months):
                k = tuple(key)
                got[k] = got.get(k, 0) + int(n or 0)
            segments += [replace(s, where=where if len(plans) > 1 else ()) for s in _segments(cube, months)]
        covered = {period_of(m) for m in plan.months}
        # Groups: those that appear in the data, plus every combination the filters name.
        groups = {k[1:] if tkey else k for k in got}
        if all(k in SCALAR_DIMS or getattr(req, k) for k in gkeys):
            groups |= {tuple(g[k] for k in gkeys) for g in _class_groups(cls, gkeys)}
        if not gkeys:
            groups = {()}
        for g in groups:
            if tkey:
                for p in periods:
                    cells[(p, *g)] = got.get((p, *g), 0) if p in covered else None
            else:
                cells[g] = got.get(g, 0)
    frame = _frame(req, cells, periods)
    result = FlowsResult(frame=frame, request=req, segments=_merge_segments(segments), plans=plans)
    result.partial_periods = _partial(req, plans)
    result.missing = _missing(req, plans, span)
    result.warnings = _warnings(req, plans, unplanned, result)
    if check_total and gkeys and len(frame):
        result.warnings += _total_check(con, cubes, req, result)
    if checks is not None and result.rounded:
        result.warnings += checks(result)
    result.warnings = list(dict.fromkeys(result.warnings))
    return result


def _frame(req: FlowsRequest, cells: dict[tuple[Any, ...], int | None], periods: list[Any]) -> pd.DataFrame:
    """The tidy frame: one column per key, `encounters` as nullable integers (null = not published)."""
    tkey = req.time_key
    keys = list(req.by) if not tkey else [tkey, *req.group_keys]
    items = sorted(cells.items(), key=lambda kv: tuple("" if v is None else v for v in kv[0]))
    if tkey:  # periods before or after every number are told in warnings, not rows
        has = [p for p in periods if any(v is not None for k, v in items if k[0] == p)]
        if has:
            items = [(k, v) for k, v in items if has[0] <= k[0] <= has[-1]]
    columns: dict[str, Any] = {k: [key[i] for key, _ in items] for i, k in enumerate(keys)}
    for key in ("fiscal_year", "calendar_year"):
        if key in columns:
            columns[key] = pd.array(columns[key], dtype="int64")
    columns["encounters"] = pd.array([v for _, v in items], dtype="Int64")
    frame = pd.DataFrame(columns)
    return frame[[*req.by, "encounters"]] if req.by else frame


def _segments(cube: Cube, months: list[dt.date]) -> list[Segment]:
    out = []
    for start, end in _runs(months):
        releases = tuple(sorted({r for s, e, r in cube.coverage if s <= end and e >= start}))
        out.append(Segment(cube.id, cube.title, start, end, cube.rounded, releases))
    return out


def _merge_segments(segments: list[Segment]) -> list[Segment]:
    """One segment per (cube, run, releases), with the groups it serves merged."""
    out: dict[tuple[Any, ...], Segment] = {}
    for s in segments:
        key = (s.cube, s.start, s.end, s.releases)
        if key in out and out[key].where != s.where:
            merged: dict[str, list[str]] = {}
            for d, v in (*out[key].where, *s.where):
                merged.setdefault(d, []).extend(x for x in v if x not in merged.get(d, []))
            out[key] = replace(out[key], where=tuple((d, tuple(v)) for d, v in merged.items()))
        else:
            out.setdefault(key, s)
    return sorted(out.values(), key=lambda s: (s.start, s.cube))


def _partial(req: FlowsRequest, plans: list[_Plan]) -> list[str]:
    """Years with fewer months than a whole year in the data, whatever the grouping (not by month)."""
    if req.time_key == "month":
        return []
    key = "calendar_year" if req.time_key == "calendar_year" else "fiscal_year"
    year_of = _period_of(key)
    label = "FY{}" if key == "fiscal_year" else "{}"
    per_class: list[tuple[str, dict[Any, int]]] = []
    for plan in plans:
        counts: dict[Any, int] = {}
        for m in plan.months:
            counts[year_of(m)] = counts.get(year_of(m), 0) + 1
        per_class.append((plan.cls.label(), counts))
    out = []
    for y in sorted({y for _, c in per_class for y in c}):
        having = [(lab, c[y]) for lab, c in per_class if y in c]
        partial = sorted({(lab, n) for lab, n in having if n < 12})
        if not partial:
            continue
        if len({n for _, n in having}) == 1:
            out.append(f"{label.format(y)} ({partial[0][1]} of 12 months)")
        else:
            detail = ", ".join(f"{lab or 'all'}: {n} of 12 months" for lab, n in partial)
            out.append(f"{label.format(y)} ({detail})")
    return out


def _missing(req: FlowsRequest, plans: list[_Plan], span: list[dt.date]) -> list[dict[str, Any]]:
    """Where a group has no data inside the answer's range, and why: missing, never zero."""
    out = []
    for plan in plans:
        wanted = span if req.time_key else plan.wanted
        got = set(plan.months)
        for lo, hi in _runs(m for m in wanted if m not in got):
            late = {v: f for v, f in plan.first_published.items() if hi < f}
            if late:
                v, first = min(late.items(), key=lambda kv: kv[1])
                reason = f"{v} is not published before {_ym(first)}"
            elif got and hi < min(got):
                reason = f"the sources start in {_ym(min(got))}"
            elif got and lo > max(got):
                reason = f"the sources end in {_ym(max(got))}"
            else:
                reason = "no source covers these months"
            entry: dict[str, Any] = {"from": _ym(lo), "to": _ym(hi), "reason": reason}
            if plan.cls.label() and len(plans) > 1:
                entry["group"] = plan.cls.label()
            out.append(entry)
    return out


def _warnings(
    req: FlowsRequest, plans: list[_Plan], unplanned: list[_Class], result: FlowsResult
) -> list[str]:
    """Plain sentences about what the answer does not cover."""
    out: list[str] = []
    explicit = req.since is not None or req.until is not None
    for m in result.missing:
        who = f"{m['group']}: " if "group" in m else ""
        if (
            m["reason"].startswith(("the sources start", "the sources end"))
            and not explicit
            and "group" not in m
        ):
            continue
        out.append(
            f"{who}no data for {m['from']}..{m['to']} ({m['reason']}); those cells are empty, not zero."
        )
    for cls in unplanned:
        out.append(f"No published table has {cls.label() or 'this selection'}: left out of the answer.")
    if result.partial_periods:
        out.append(
            "Partial periods, fewer months than a whole year: "
            + ", ".join(result.partial_periods)
            + ". Do not compare them with whole years."
        )
    for plan in plans:
        for dim, values in plan.cls.values:
            if RESIDUAL in values and dim in plan.cls.grouped:
                schemes = {c.schemes.get(dim) for c, _ in plan.parts}
                listed = {c.schemes.get(dim) for p in plans if p is not plan for c, _ in p.parts}
                if listed - schemes:
                    out.append(
                        f"{RESIDUAL} ({dim}) counts every {dim} its table does not list, and the tables "
                        "differ in what they list: do not add it to the other rows."
                    )
    if not req.time_key and len(plans) > 1 and len({(p.months[0], p.months[-1]) for p in plans}) > 1:
        spans = "; ".join(f"{p.cls.label()}: {_ym(p.months[0])}..{_ym(p.months[-1])}" for p in plans)
        out.append(f"The rows cover different periods ({spans}): they are not comparable as they stand.")
    return out


def _total_check(
    con: duckdb.DuckDBPyConnection, cubes: Sequence[Cube], req: FlowsRequest, result: FlowsResult
) -> list[str]:
    """Warn where the groups do not add up to the total the same tool gives without the split."""
    start, end = result.period
    total_req = replace(req, by=tuple(k for k in req.by if k in TIME_KEYS), since=start, until=end)
    # Groups read from the same table, month for month, as the total add up to it by construction.
    total_classes = _classes(cubes, total_req)
    if len(total_classes) == 1:
        total_plan = _plan_class(cubes, total_req, total_classes[0])
        if total_plan is not None:
            whole = {m: c.id for c, ms in total_plan.parts for m in ms}
            if all({m: c.id for c, ms in p.parts for m in ms} == whole for p in result.plans):
                return []
    try:
        total = query(con, cubes, total_req, check_total=False)
    except UsageError:
        return []
    tkey = req.time_key
    frame = result.frame
    if tkey:
        sums = frame.groupby(tkey)["encounters"].sum(min_count=1)
        gaps = frame.groupby(tkey)["encounters"].apply(lambda s: bool(s.isna().any()))
        whole = total.frame.set_index(tkey)["encounters"]
    else:
        sums = pd.Series({None: frame["encounters"].sum(min_count=1)})
        gaps = pd.Series({None: bool(frame["encounters"].isna().any())})
        whole = pd.Series({None: total.frame["encounters"].iloc[0]})
    diffs = []
    for period, value in sums.items():
        if period not in whole.index or pd.isna(whole[period]) or pd.isna(value):
            continue
        if int(value) != int(whole[period]):
            diffs.append((period, int(value), int(whole[period])))
    if not diffs:
        return []
    diffs.sort(key=lambda d: -abs(d[1] - d[2]) / max(abs(d[2]), 1))
    shown = "; ".join(
        f"{_period_label(tkey, p)} {a:,} against {b:,} ({fmt.pct((a - b) / b) if b else 'n/a'})"
        for p, a, b in diffs[:3]
    )
    more = f", and {len(diffs) - 3} more" if len(diffs) > 3 else ""
    why = []
    split, whole_from = {s.title for s in result.segments}, {s.title for s in total.segments}
    if split != whole_from:
        rounded = " (rounded to 10)" if result.rounded and not total.rounded else ""
        why.append(
            f"the split is read from {', '.join(sorted(split))}{rounded}; "
            f"the total from {', '.join(sorted(whole_from))}"
        )
    if any(gaps.get(p, False) for p, _, _ in diffs):
        why.append("some groups are not published in those periods")
    reason = f" Why: {'; '.join(why)}." if why else ""
    keys = " and ".join(req.group_keys)
    return [f"The {keys} groups do not add up to the total: {shown}{more}.{reason}"]


# --- errors that name the cause ----------------------------------------------------------------


def _first_plan(cubes: Sequence[Cube], req: FlowsRequest) -> bool:
    """Whether a request (already validated) has any class with months to answer."""
    try:
        plans = [_plan_class(cubes, req, c) for c in _classes(cubes, req)]
    except UsageError:
        return False
    return any(p is not None and p.parts for p in plans)


def _relaxations(cubes: Sequence[Cube], req: FlowsRequest) -> list[tuple[dict[str, Any], FlowsRequest]]:
    """Nearby requests, nearest first: one change each."""
    out: list[tuple[dict[str, Any], FlowsRequest]] = []
    if req.region is None:
        out.append(({"region": "southwest"}, replace(req, region="southwest")))
    else:
        for region in ("southwest", "northern", "coastal"):
            if region != req.region:
                out.append(({"region": region}, replace(req, region=region)))
    for comp in ("usbp", "all", "ofo"):
        if comp != req.component:
            out.append(({"component": comp}, replace(req, component=comp)))
    if req.since or req.until:
        wide = replace(req, since=None, until=None)
        out.append(({"since": None, "until": None}, wide))
    for dim in LIST_FILTERS:
        if getattr(req, dim):
            nearby: FlowsRequest = replace(req, **{dim: ()})  # type: ignore[arg-type]
            out.append(({dim: None}, nearby))
    for key in req.group_keys:
        out.append(({"drop_by": key}, replace(req, by=tuple(k for k in req.by if k != key))))
    if req.time_key in ("month", "calendar_year"):
        out.append(
            (
                {"by_time": "fiscal_year"},
                replace(req, by=tuple("fiscal_year" if k == req.time_key else k for k in req.by)),
            )
        )
    return out


def diagnose(cubes: Sequence[Cube], req: FlowsRequest) -> NoCubeError:
    """The error for a request no cube answers: the real cause, and the nearest answerable question."""
    cls = _Class(
        region=req.region,
        component=req.component,
        values=tuple((d, tuple(getattr(req, d))) for d in LIST_FILTERS if getattr(req, d)),
        grouped=frozenset(req.group_keys),
    )
    reasons = {c.id: _structure(c, req, cls) for c in cubes}
    listing = [f"{c.describe()}  [{reasons[c.id] or 'no months in the range'}]" for c in cubes]
    what = req.describe() + (f" by {', '.join(req.by)}" if req.by else "")
    suggestion: dict[str, Any] | None = None
    for change, nearby in _relaxations(cubes, req):
        if _first_plan(cubes, nearby):
            suggestion = change
            break
    if suggestion and "since" in suggestion and "until" in suggestion:
        suggestion = _period_suggestion(cubes, req, cls, reasons) or suggestion
    cause = _cause(cubes, req, cls, reasons)
    return NoCubeError(cause or f"no published table answers: {what}", suggestion=suggestion, details=listing)


def _scope(cube: Cube) -> frozenset[str]:
    """Where a cube publishes: `nationwide` when it covers every region, else its regions."""
    regions = cube.region_values()
    if "nationwide" in regions or {"southwest", "northern", "coastal"} <= regions:
        return frozenset({"nationwide"})
    return regions


def _period_suggestion(
    cubes: Sequence[Cube], req: FlowsRequest, cls: _Class, reasons: dict[str, str | None]
) -> dict[str, Any] | None:
    """When the range misses the data: the nearest range that has some."""
    able = [c for c in cubes if reasons[c.id] is None]
    if not able:
        return None
    used = ({d for d, _ in cls.values} | set(req.group_keys)) - set(SCALAR_DIMS)
    first = min(_since(c, cls, used) for c in able)
    last = max(c.latest for c in able)
    if req.until and req.until < first:
        return {"since": _ym(first), "until": None}
    if req.since and req.since > last:
        return {"since": None, "until": _ym(last)}
    return None


DIM_WORDS = {
    "state": "US state",
    "title": "title of authority (Title 8 or 42)",
    "sector": "Border Patrol sector",
    "demographic": "demographic group",
    "citizenship": "citizenship",
}


def _published_in(cubes: Iterable[Cube], dim: str | None = None, value: str | None = None) -> str:
    """Which components and regions a set of cubes publishes (a category of `dim`), in words."""
    names = {"usbp": "Border Patrol", "ofo": "ports of entry", "all": "all encounters combined"}
    by_comp: dict[str, set[str]] = {}
    for c in cubes:
        for comp in c.component_values():
            if dim and value and c.publishes(dim, value, comp) is None:
                continue
            by_comp.setdefault(comp, set()).update(_scope(c))
    by_scope: dict[frozenset[str], list[str]] = {}
    for comp in ("all", "usbp", "ofo"):
        if comp in by_comp:
            scope = frozenset({"nationwide"}) if "nationwide" in by_comp[comp] else frozenset(by_comp[comp])
            by_scope.setdefault(scope, []).append(names[comp])
    phrases = []
    for scope, comps in by_scope.items():
        where = (
            "nationwide"
            if "nationwide" in scope
            else " and ".join(REGIONS[r].lower() for r in sorted(scope)) + " only"
        )
        phrases.append(f"{' and '.join(comps)} ({where})")
    return "; and for ".join(phrases)


def _cause(cubes: Sequence[Cube], req: FlowsRequest, cls: _Class, reasons: dict[str, str | None]) -> str:
    """One sentence naming why no cube answers, in the vocabulary of the request."""
    from corridor.reference.labels import label

    comp_name = {"usbp": "Border Patrol", "ofo": "ports of entry", "all": "all encounters"}[req.component]
    region_name = REGIONS[req.region or "nationwide"].lower()
    dims = [d for d, _ in cls.values] + [k for k in req.group_keys if k not in cls.get(k)]
    # A sector filed under another region in every table that has it.
    if req.region is not None:
        for v in cls.get("sector"):
            regions = set().union(*(c.sector_regions.get(v, frozenset()) for c in cubes)) - {"nationwide"}
            if regions and req.region not in regions:
                shown = " or ".join(REGIONS[r].lower() for r in sorted(regions))
                return f"{SECTORS[v][0]} is a sector of the {shown}, not of the {REGIONS[req.region].lower()}"
    # A dimension (filter or grouping) that no table of this component and region has.
    for dim in dict.fromkeys(dims):
        if dim in SCALAR_DIMS:
            continue
        having = [c for c in cubes if dim in c.dims]
        if not having:
            return f"no table publishes encounters by {dim}"
        if not any(reasons[c.id] is None or (reasons[c.id] or "").startswith("no ") for c in having):
            if dim == "sector" and req.component in ("ofo", "all"):
                return "sectors are Border Patrol areas: ports of entry are not counted by sector"
            return (
                f"{DIM_WORDS.get(dim, dim)} is published only for {_published_in(having)}, "
                f"not for {comp_name} ({region_name})"
            )
    # A category that only some tables publish.
    for dim, values in cls.values:
        for v in values:
            having = [c for c in cubes if v in c.domains.get(dim, ())]
            shown = f"{label('citizenship', v)} ({v})" if dim == "citizenship" else label(dim, v)
            if not having:
                return f"no table publishes {DIM_WORDS.get(dim, dim)} {shown}"
            if not any(reasons[c.id] is None for c in having):
                return f"{shown} is published only for {_published_in(having, dim, v)}"
    # The component or region itself.
    comp_cubes = [c for c in cubes if req.component in c.component_values()]
    if req.component != "all" and comp_cubes:
        scope = set().union(*(_scope(c) for c in comp_cubes))
        if (req.region or "nationwide") not in scope and "nationwide" not in scope:
            shown = " and ".join(REGIONS[r].lower() for r in sorted(scope))
            return f"{comp_name} are published for the {shown} only"
    # The period.
    able = [c for c in cubes if reasons[c.id] is None]
    if able:
        used = {d for d, _ in cls.values} | set(req.group_keys)
        first = min(_since(c, cls, used - set(SCALAR_DIMS)) for c in able)
        last = max(c.latest for c in able)
        late = [d for d in used if any(d in c.dim_since for c in able)]
        if req.until and req.until < first:
            if late:
                return f"{late[0]} splits start in FY{fiscal_year(first)} ({first:%B %Y})"
            return f"this selection starts in {first:%B %Y}, after the range asked for"
        if req.since and req.since > last:
            return f"this selection ends in {last:%B %Y}, before the range asked for"
        if req.time_key in ("month", "calendar_year"):
            return "the tables that publish this selection are annual (fiscal years)"
        return (
            f"no table covers {_ym(req.since or first)}..{_ym(req.until or last)} for this selection "
            "as whole fiscal years (the annual tables answer whole fiscal years only)"
        )
    return ""


def suggestion_text(suggestion: dict[str, Any] | None, *, style: Literal["cli", "web"] = "cli") -> str:
    """A suggestion as words a surface shows: CLI flags, or the page's field names."""
    if not suggestion:
        return ""
    from corridor.reference.labels import label

    sets, drops = [], []
    for key, value in suggestion.items():
        if key == "drop_by":
            drops.append(f"{value} from --by" if style == "cli" else f"the breakdown by {value}")
        elif key == "by_time":
            sets.append(
                f"--by {value}" if style == "cli" else f"{label('field', 'by')}: {value.replace('_', ' ')}"
            )
        elif value is None:
            drops.append(f"--{key}" if style == "cli" else label("field", key))
        else:
            shown = label(key, str(value)) if key in ("region", "component") else str(value)
            sets.append(f"--{key} {value}" if style == "cli" else f"{label('field', key)}: {shown}")
    words = []
    if sets:
        words.append(("use " if style == "cli" else "try ") + " and ".join(sets))
    if drops:
        words.append(("drop " if style == "cli" else "clear ") + " and ".join(drops))
    return ", and ".join(words) if style == "cli" else "; ".join(words)


def options(cubes: Sequence[Cube], req: FlowsRequest) -> dict[str, dict[str, str | None]]:
    """For each form field, each choice: None if the request with that choice has an answer, else why not.

    Forms use this to disable choices that would dead-end, and to show the reason beside them.
    Group-by keys are judged by adding the key to the request's `by`.
    """
    req = req.validated()
    out: dict[str, dict[str, str | None]] = {}

    def why(nearby: FlowsRequest) -> str | None:
        try:
            nearby = nearby.validated()
        except UsageError as exc:
            return str(exc)
        if _first_plan(cubes, nearby):
            return None
        return str(diagnose(cubes, nearby))

    out["region"] = {
        r: why(replace(req, region=None if r == "nationwide" else r, sector=())) for r in REGIONS
    }
    out["component"] = {c: why(replace(req, component=c)) for c in COMPONENTS}
    from corridor.reference.sectors import SECTORS as _SECTORS
    from corridor.reference.vocab import DEMOGRAPHICS, TITLES

    out["demographic"] = {d: why(replace(req, demographic=(d,))) for d in DEMOGRAPHICS}
    out["title"] = {t: why(replace(req, title=(t,))) for t in TITLES}
    # Sectors: those some table files under the chosen region (all of them nationwide).
    in_region = [
        s
        for s in _SECTORS
        if req.region in (None, "nationwide") or any(req.region in c.sector_regions.get(s, ()) for c in cubes)
    ]
    out["sector"] = {s: why(replace(req, sector=(s,))) for s in in_region}
    out["by"] = {
        k: (
            None
            if k in req.by
            else why(replace(req, by=(*[b for b in req.by if not (k in TIME_KEYS and b in TIME_KEYS)], k)))
        )
        for k in BY_KEYS
    }
    # Citizenships: the codes some table publishes for this region and component.
    bare = _Class(region=req.region, component=req.component, values=(), grouped=frozenset())
    able = [c for c in cubes if _structure(c, replace(req, by=()), bare) is None]
    codes = sorted({v for c in able for v in c.domains.get("citizenship", ())})
    out["citizenship"] = dict.fromkeys(codes)
    return out

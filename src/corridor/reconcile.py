"""Reconciliation: where two encounter tables cover the same thing, do their numbers agree?

For every pair of cubes that can answer the same question (component, region, and optionally one
dimension's category) over the same months, compare their totals by fiscal year and by month.
A rounded table (each cell rounded to the nearest 10) is allowed 5 x the number of cells it sums
(every cell it could list, see ROUNDING);
any larger difference is a disagreement. Answers read from a rounded table where it disagrees
with an exact series carry a warning naming the period, both figures and both sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pandas as pd

from corridor import fmt
from corridor.errors import UsageError
from corridor.flows import Cube, FlowsResult
from corridor.reference.calendar import fiscal_year
from corridor.reference.vocab import REGIONS

ROUNDING = 5  # each cell of a rounded table is within 5 of its exact value (nearest 10)
# OHSS drops cells that round to 0, so a rounded total may also hide up to 4 in every cell it does
# not list: the allowance counts every cell the table could list (categories x months), not only
# the rows it printed.
COMPARED_DIMS = ("demographic", "sector", "citizenship", "title", "state")
COMPONENT_NAMES = {"usbp": "Border Patrol", "ofo": "ports of entry", "all": "all encounters"}


def _short(cube: Cube) -> str:
    """How a warning names a table: the publisher and whether it is exact."""
    return f"{cube.title} ({'rounded' if cube.rounded else 'exact'})"


def _fy_expr(cube: Cube) -> str:
    if cube.grain == "fiscal_year":
        return "fiscal_year"
    return "CAST(year(month) + CASE WHEN month(month) >= 10 THEN 1 ELSE 0 END AS INTEGER)"


def _totals(con: duckdb.DuckDBPyConnection, cube: Cube, dim: str | None) -> pd.DataFrame:
    """Totals of one cube per (component, region, category, fiscal year, month) with cell counts."""
    comp = '"component"' if "component" in cube.dims else f"'{cube.fixed.get('component', 'all')}'"
    region = '"region"' if "region" in cube.dims else f"'{cube.fixed.get('region', 'nationwide')}'"
    month = "month" if cube.grain == "month" else "NULL::DATE"
    cat = f'"{dim}"' if dim else "NULL::VARCHAR"
    sql = (
        f"SELECT {comp} AS component, {region} AS region, {cat} AS category, "
        f"{_fy_expr(cube)} AS fiscal_year, {month} AS month, "
        "SUM(encounters)::BIGINT AS total, COUNT(*) AS cells "
        f'FROM "{cube.table}" WHERE is_current GROUP BY ALL'
    )
    frame = con.execute(sql).df()
    frame["cells"] = 0  # set per compared period by `_cells`
    keys = ["category", "fiscal_year", "month"]
    parts = [frame]
    if "component" in cube.dims:  # the components summed answer "all encounters"
        parts.append(frame.groupby(["region", *keys], dropna=False, as_index=False)[["total", "cells"]].sum()
                     .assign(component="all"))  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    if "region" in cube.dims and {"southwest", "northern", "coastal"} <= set(cube.domains["region"]):
        nation = out.groupby(["component", *keys], dropna=False, as_index=False)[["total", "cells"]].sum()
        out = pd.concat([out, nation.assign(region="nationwide")], ignore_index=True)
    out["month"] = pd.to_datetime(out["month"]).dt.date
    out["cube"] = cube.id
    out["dimension"] = dim or ""
    out["category"] = out["category"].fillna("")
    return out


def _comparable_categories(a: Cube, b: Cube, dim: str) -> set[str]:
    """Categories two cubes share under the same meaning (never `OTHER` across schemes)."""
    common = set(a.domains.get(dim, ())) & set(b.domains.get(dim, ()))
    if a.schemes.get(dim) != b.schemes.get(dim):
        common.discard("OTHER")
    return common


@dataclass
class Reconciliation:
    """Every overlap between two encounter tables, by fiscal year and by month."""

    table: pd.DataFrame
    cubes: dict[str, Cube] = field(default_factory=dict)
    _index: dict[tuple[str, str, str], list[Any]] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        con: duckdb.DuckDBPyConnection,
        cubes: list[Cube],
        *,
        dims: bool = True,
        months: bool = True,
    ) -> Reconciliation:
        """Compare every pair of cubes on each question both can answer over the same months."""
        by_id = {c.id: c for c in cubes}
        parts = [_totals(con, c, None) for c in cubes]
        if dims:
            parts += [_totals(con, c, d) for c in cubes for d in COMPARED_DIMS if d in c.dims]
        totals = pd.concat(parts, ignore_index=True)
        grains = [("fiscal_year", _whole_years(totals, by_id))]
        if months:
            monthly = totals[totals["month"].notna()]
            grains.append(("month", _with_cells(monthly, by_id, "month")))
        frames = [_pairs(by_id, grain, t) for grain, t in grains]
        table = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else pd.DataFrame()
        return cls(table=table, cubes=by_id)

    def result(
        self,
        *,
        grain: Literal["fiscal_year", "month"] = "fiscal_year",
        dimension: str | None = None,
        detail: bool = False,
        beyond_only: bool = True,
    ) -> ReconcileResult:
        """The comparison as an answer: a summary per pair of tables, or the periods themselves."""
        t = self.table
        dim = "" if dimension in (None, "", "none") else dimension
        if dim and dim not in COMPARED_DIMS:
            raise UsageError(f"dimension {dimension!r} is not one of none, {', '.join(COMPARED_DIMS)}")
        if grain not in ("fiscal_year", "month"):
            raise UsageError(f"grain {grain!r} is not one of fiscal_year, month")
        t = t[(t["grain"] == grain) & (t["dimension"] == dim)]
        if detail:
            frame = t[t["beyond_rounding"]] if beyond_only else t
            frame = frame.assign(
                table=frame["cube"].map(lambda c: short_title(self.cubes[c])),
                reference_table=frame["reference"].map(lambda c: short_title(self.cubes[c])),
            )[
                [
                    "period",
                    "component",
                    "region",
                    *(["category"] if dim else []),
                    "table",
                    "reference_table",
                    "total",
                    "reference_total",
                    "difference",
                    "difference_pct",
                    "allowance",
                    "beyond_rounding",
                ]
            ]
            frame = frame.sort_values(["component", "region", "table", "reference_table", "period"])
        else:
            frame = _summary(t, self.cubes, beyond_only=beyond_only)
        return ReconcileResult(frame=frame.reset_index(drop=True), grain=grain, dimension=dim, detail=detail)

    def beyond(self) -> pd.DataFrame:
        """The overlaps whose difference exceeds the rounding allowance."""
        if self.table.empty:
            return self.table
        return self.table[self.table["beyond_rounding"]]

    def warnings_for(self, result: FlowsResult, *, limit: int = 3) -> list[str]:
        """Sentences for the fiscal years where a table the answer used disagrees with an exact one."""
        if self._index is None:
            t = self.table
            if t.empty:
                self._index = {}
            else:
                t = t[(t["grain"] == "fiscal_year") & t["beyond_rounding"] & (t["dimension"] == "")]
                t = t[t["reference_exact"]]
                self._index = {}
                for row in t.itertuples():
                    self._index.setdefault((row.cube, row.region, row.component), []).append(row)
        if not self._index:
            return []
        req = result.request
        used = {s.cube for s in result.segments}
        found: dict[tuple[str, str, str], Any] = {}
        for seg in result.segments:
            region = dict(seg.where).get("region", (req.region or "nationwide",))[0]
            first, last = fiscal_year(seg.start), fiscal_year(seg.end)
            for row in self._index.get((seg.cube, region, req.component), ()):
                if not first <= int(row.period) <= last:
                    continue
                key = (row.cube, row.region, row.period)
                # One reference per table and year: one the answer itself uses, else a monthly one.
                rank = (row.reference not in used, self.cubes[row.reference].grain != "month", row.reference)
                if key not in found or rank < found[key][0]:
                    found[key] = (rank, row)
        rows = sorted((r for _, r in found.values()), key=lambda r: -abs(r.difference_pct))
        return [self._sentence(row) for row in rows[:limit]]

    def _sentence(self, row: Any) -> str:
        cube, ref = self.cubes[row.cube], self.cubes[row.reference]
        what = f"{COMPONENT_NAMES[row.component]} {REGIONS[row.region].lower()}"
        dims = [d for d in cube.dims if d != "region"]
        split = f" by {', '.join(dims)}" if dims else ""
        return (
            f"FY{row.period} {what}{split} sums to {row.total:,} in {_short(cube)}; "
            f"{_short(ref)} says {row.reference_total:,} ({fmt.pct(row.difference_pct)}), "
            f"more than rounding explains (±{row.allowance:,})."
        )


KEYS = ["component", "region", "dimension", "category"]


def short_title(cube: Cube) -> str:
    """A table's name for people: its publisher's title without the repeated words, and exactness."""
    title = cube.title.replace("Border Patrol encounters, ", "").replace("OHSS ", "OHSS ")
    return f"{title} ({'rounded' if cube.rounded else 'exact'})"


FAMILIES = {
    "ohss_": "OHSS Border Patrol tables (rounded)",
    "usbp_": "Border Patrol historical series (exact)",
    "cbp_sbo": "CBP southwest border file (exact)",
    "cbp_state": "CBP nationwide file (exact)",
}


def family(cube_id: str) -> str:
    """The publication a cube belongs to (its sheets and series share their quirks)."""
    return next((name for prefix, name in FAMILIES.items() if cube_id.startswith(prefix)), cube_id)


def _summary(t: pd.DataFrame, cubes: dict[str, Cube], *, beyond_only: bool) -> pd.DataFrame:
    """One row per pair of publications and question: years compared, years beyond rounding, worst."""
    cols = [
        "component",
        "region",
        "source",
        "reference",
        "first",
        "last",
        "periods",
        "beyond",
        "worst_pct",
        "worst_in",
    ]
    if t.empty:
        return pd.DataFrame({c: [] for c in cols})
    t = t.assign(source=t["cube"].map(family), reference=t["reference"].map(family))
    t = t[t["source"] != t["reference"]]
    keys = ["component", "region", "source", "reference"]
    rows = []
    for key, g in t.groupby(keys):
        beyond = g[g["beyond_rounding"]]
        worst = beyond.loc[beyond["difference_pct"].abs().idxmax()] if len(beyond) else None
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "first": g["period"].min(),
                "last": g["period"].max(),
                "periods": g["period"].nunique(),
                "beyond": beyond["period"].nunique(),
                "worst_pct": None if worst is None else round(100 * float(worst["difference_pct"]), 3),
                "worst_in": None if worst is None else str(worst["period"]),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    if beyond_only:
        out = out[out["beyond"] > 0]
    return out.sort_values(["beyond", "component", "region"], ascending=[False, True, True])


@dataclass
class ReconcileResult:
    """Where encounter tables overlap and disagree beyond rounding, as a tidy frame with provenance."""

    frame: pd.DataFrame
    grain: str
    dimension: str
    detail: bool

    def tidy(self) -> pd.DataFrame:
        return self.frame

    def metadata(self) -> dict[str, Any]:
        return {
            "grain": self.grain,
            "dimension": self.dimension or None,
            "detail": self.detail,
            "rule": (
                "A rounded table may differ from another by 5 per cell it could list (each cell is "
                "rounded to the nearest 10; zero-rounded cells are not printed); exact tables by 0."
            ),
            "warnings": [],
        }

    def caption(self) -> str:
        what = f"by {self.dimension}" if self.dimension else "totals"
        per = "fiscal year" if self.grain == "fiscal_year" else "month"
        return (
            f"Encounter tables compared where they overlap ({what}, per {per}); differences beyond "
            "rounding (5 per cell of a rounded table). Sources: CBP, DHS OHSS and Border Patrol "
            "tables in the warehouse; see docs/data.md for what causes each disagreement."
        )


def _cells(cube: Cube, dimension: str, region: str, component: str, months: int) -> int:
    """Cells a table could print for one compared total: every combination of its categories."""
    combos = months
    for d in cube.dims:
        if d == dimension:
            continue
        if d == "region":
            combos *= len(cube.domains[d]) if region == "nationwide" else 1
        elif d == "component":
            combos *= len(cube.domains[d]) if component == "all" else 1
        else:
            combos *= max(len(cube.domains.get(d, ())), 1)
    return combos


def _with_cells(t: pd.DataFrame, cubes: dict[str, Cube], grain: str) -> pd.DataFrame:
    months = {c.id: (12 if grain == "fiscal_year" and c.grain == "month" else 1) for c in cubes.values()}
    cells = [
        _cells(cubes[c], d, r, comp, months[c])
        for c, d, r, comp in zip(t["cube"], t["dimension"], t["region"], t["component"], strict=True)
    ]
    return t.assign(cells=cells)


def _whole_years(totals: pd.DataFrame, cubes: dict[str, Cube]) -> pd.DataFrame:
    """Fiscal-year totals, keeping only the years each monthly cube covers in full."""
    whole: set[tuple[str, int]] = set()
    for c in cubes.values():
        counts: dict[int, int] = {}
        for m in c.months():
            counts[fiscal_year(m)] = counts.get(fiscal_year(m), 0) + 1
        whole |= {(c.id, fy) for fy, n in counts.items() if n == 12 or c.grain == "fiscal_year"}
    keep = [(c, fy) in whole for c, fy in zip(totals["cube"], totals["fiscal_year"], strict=True)]
    t = totals[keep]
    t = t.groupby(["cube", *KEYS, "fiscal_year"], as_index=False)[["total"]].sum()
    return _with_cells(t, cubes, "fiscal_year")


def _pairs(cubes: dict[str, Cube], grain: str, t: pd.DataFrame) -> pd.DataFrame:
    """Every pair of cubes with the same question and period, the reference (exact first) as b."""
    on = [*KEYS, grain]
    m = t.merge(t, on=on, suffixes=("", "_ref"))
    m = m[m["cube"] != m["cube_ref"]]
    rounded = m["cube"].map(lambda c: cubes[c].rounded)
    rounded_ref = m["cube_ref"].map(lambda c: cubes[c].rounded)
    # Keep each pair once: the reference is exact where one side is; else the smaller id.
    keep = (rounded & ~rounded_ref) | ((rounded == rounded_ref) & (m["cube"] > m["cube_ref"]))
    m = m[keep]
    if m.empty:
        return pd.DataFrame()
    # A residual category (OTHER) means different things in tables of different schemes.
    dim = m["dimension"]
    same_scheme = [
        not d or cubes[a].schemes.get(d) == cubes[b].schemes.get(d)
        for d, a, b in zip(dim, m["cube"], m["cube_ref"], strict=True)
    ]
    m = m[~((m["category"] == "OTHER") & ~pd.Series(same_scheme, index=m.index))]
    rounded = m["cube"].map(lambda c: cubes[c].rounded).astype(int)
    rounded_ref = m["cube_ref"].map(lambda c: cubes[c].rounded).astype(int)
    allowance = ROUNDING * (m["cells"] * rounded + m["cells_ref"] * rounded_ref)
    diff = m["total"] - m["total_ref"]
    period = m[grain].map(lambda d: f"{d:%Y-%m}") if grain == "month" else m[grain].astype(int).astype(str)
    return pd.DataFrame(
        {
            "grain": grain,
            "period": period.values,
            "component": m["component"].values,
            "region": m["region"].values,
            "dimension": m["dimension"].values,
            "category": m["category"].values,
            "cube": m["cube"].values,
            "reference": m["cube_ref"].values,
            "reference_exact": (rounded_ref == 0).values,
            "total": m["total"].astype("int64").values,
            "reference_total": m["total_ref"].astype("int64").values,
            "difference": diff.astype("int64").values,
            "difference_pct": (diff / m["total_ref"].where(m["total_ref"] != 0)).astype(float).values,
            "allowance": allowance.astype("int64").values,
            "beyond_rounding": (diff.abs() > allowance).values,
        }
    ).sort_values(["grain", "component", "region", "dimension", "category", "cube", "reference", "period"])


def describe_month(m: dt.date) -> str:
    return f"{m:%Y-%m}"

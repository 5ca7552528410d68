"""The indicators query layer: tidy indicator values, the catalog, the analysis panel and
country profiles, all read from the warehouse's `indicators` view.

Alignment rule for panels (documented in the README): calendar-year indicators are joined to
fiscal year N by their calendar year N - lag (FY N runs Oct N-1 .. Sep N, so with lag 0 nine of
its twelve months fall in calendar year N). Indicators published by US fiscal year (US aid) are
joined by fiscal year N - lag. Missing values stay missing and are counted, never filled.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pandas as pd

from corridor import params
from corridor.errors import UsageError
from corridor.reference.countries import country_name

Freq = Literal["fiscal_year", "calendar_year"]
# Indicator ids whose `year` is a US fiscal year rather than a calendar year (and any id ending
# in `_fy`, as ARCHITECTURE.md says: H-2 visas, refugee admissions, LPRs, paroles).
FISCAL_YEAR_PREFIXES = ("aid.us_",)

# Root-cause indicators shown in country profiles, in reading order, with the direction that
# counts as an improvement (+1 higher is better, -1 lower is better, 0 context).
ROOT_CAUSES: tuple[tuple[str, int], ...] = (
    ("wdi.gdp_pc_ppp", +1),
    ("wdi.poverty_300", -1),
    ("wdi.poverty_national", -1),
    ("wdi.unemployment", -1),
    ("wdi.inflation", -1),
    ("wdi.remittances_pct_gdp", 0),
    ("wdi.homicide_rate", -1),
    ("wgi.control_of_corruption", +1),
    ("wgi.rule_of_law", +1),
    ("wgi.government_effectiveness", +1),
    ("wgi.political_stability", +1),
    ("wgi.voice_accountability", +1),
    ("ti.cpi", +1),
    ("fsi.total", -1),
    ("emdat.affected", -1),
    ("aid.us_disbursed", 0),
    ("rsf.rank", -1),
    ("eclac.femicides", -1),
)


def is_fiscal(indicator: str) -> bool:
    return indicator.startswith(FISCAL_YEAR_PREFIXES) or indicator.endswith("_fy")


def expand_countries(values: Sequence[str]) -> list[str]:
    """ISO3 codes, with named groups expanded (e.g. NORTHERN_TRIANGLE -> GTM, HND, SLV)."""
    from corridor.reference import countries

    groups = {k.upper(): v for k, v in getattr(countries, "GROUPS", {}).items()}
    groups.setdefault("NORTHERN_TRIANGLE", countries.NORTHERN_TRIANGLE)
    out: list[str] = []
    for v in values:
        key = v.upper()
        if key in groups:
            out.extend(groups[key])
        elif re.fullmatch(r"[A-Z]{3}", key):
            out.append(key)
        else:
            raise UsageError(f"--country {v!r} is not an ISO3 code or a group ({', '.join(groups)})")
    return list(dict.fromkeys(out))


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[
            0
        ]  # type: ignore[index]
    )


def catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every indicator id with its description, unit, source and coverage (countries, years)."""
    if not (_has(con, "indicators") and _has(con, "indicator_catalog")):
        raise UsageError("no indicators are loaded; run `corridor sync` with the indicator datasets")
    return con.execute(
        """
        SELECT c.indicator, c.name, c.description, c.unit, c.source,
               cov.countries, cov.first_year, cov.last_year, c.url, c.licence
        FROM indicator_catalog c
        LEFT JOIN (
            SELECT indicator, count(DISTINCT iso3) AS countries,
                   min(year) AS first_year, max(year) AS last_year
            FROM indicators WHERE NOT is_aggregate AND value IS NOT NULL GROUP BY indicator
        ) cov USING (indicator)
        ORDER BY c.indicator
        """
    ).df()


_CATALOGS: dict[int, tuple[duckdb.DuckDBPyConnection, pd.DataFrame]] = {}


def cached_catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalog, computed once per open connection (the warehouse is read-only while open)."""
    hit = _CATALOGS.get(id(con))
    if hit is None or hit[0] is not con:
        hit = (con, catalog(con))
        _CATALOGS.clear()  # keep one entry: connections are opened one at a time per process
        _CATALOGS[id(con)] = hit
    return hit[1]


def known_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return set(cached_catalog(con)["indicator"])


def _check_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str], option: str) -> None:
    known = known_ids(con)
    unknown = [i for i in ids if i not in known]
    if unknown:
        close = sorted(k for k in known if k.split(".")[0] in {u.split(".")[0] for u in unknown})
        hint = f"; ids from the same source: {', '.join(close[:12])}" if close else ""
        raise UsageError(
            f"{option}: unknown indicator id(s) {', '.join(unknown)}{hint}. See `corridor indicators --list`."
        )


@dataclass
class IndicatorsResult:
    """Tidy indicator values with their sources."""

    frame: pd.DataFrame
    sources: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        return self.frame

    def metadata(self) -> dict[str, Any]:
        return {
            "rows": len(self.frame),
            "period": self.period(),
            "sources": self.sources.to_dict(orient="records"),
        }

    def period(self) -> str:
        if self.frame.empty:
            return ""
        return f"{int(self.frame['year'].min())}..{int(self.frame['year'].max())}"

    def caption(self) -> str:
        src = "; ".join(
            f"{r.name} ({r.source})" for r in self.sources.itertuples() if isinstance(r.name, str)
        )
        return f"Indicators, {self.period()}. Source: {src}."

    def summary(self) -> str:
        return self.caption() + f"\n{len(self.frame)} rows."

    def chart(self) -> dict[str, Any]:
        from corridor.charts import series_chart

        frame = self.frame.rename(columns={"year": "calendar_year"})
        first = frame["indicator"].iloc[0] if len(frame) else ""
        frame = frame[frame["indicator"] == first]
        return series_chart(
            frame[["calendar_year", "iso3", "value"]],
            y="value",
            color="iso3",
            title=f"{first}",
            caption=self.caption(),
        )


def query(
    con: duckdb.DuckDBPyConnection,
    *,
    country: str | Sequence[str] | None = None,
    indicator: str | Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    aggregates: bool = False,
) -> IndicatorsResult:
    """Indicator values in long form: iso3, country, indicator, year, value, unit, source."""
    ids = list(params.codes(indicator))
    if ids:
        _check_ids(con, ids, "--indicator")
    else:
        cached_catalog(con)  # raises a clear error when nothing is loaded
    countries = expand_countries(params.codes(country)) if country else []
    where: list[str] = ["value IS NOT NULL"]
    args: list[object] = []
    if not aggregates:
        where.append("NOT is_aggregate")
    if ids:
        where.append("indicator IN (SELECT unnest(?::VARCHAR[]))")
        args.append(ids)
    if countries:
        where.append("iso3 IN (SELECT unnest(?::VARCHAR[]))")
        args.append(countries)
    if since is not None:
        where.append("year >= ?")
        args.append(int(since))
    if until is not None:
        where.append("year <= ?")
        args.append(int(until))
    frame = con.execute(
        f"SELECT iso3, indicator, year, value, unit, source FROM indicators WHERE {' AND '.join(where)} "
        "ORDER BY indicator, iso3, year",
        args,
    ).df()
    if countries and frame.empty:
        raise UsageError(f"no values for country {', '.join(countries)} and the indicators asked")
    frame.insert(1, "country", frame["iso3"].map(country_name))
    frame["year"] = frame["year"].astype("int64")
    used = sorted(set(frame["indicator"]))
    sources = con.execute(
        "SELECT indicator, name, unit, source, url, licence FROM indicator_catalog "
        "WHERE indicator IN (SELECT unnest(?::VARCHAR[])) ORDER BY indicator",
        [used],
    ).df()
    return IndicatorsResult(frame=frame.reset_index(drop=True), sources=sources)


# --- panel -----------------------------------------------------------------------------------


@dataclass
class PanelResult:
    """A country-period panel: the outcome from the flows planner and drivers joined."""

    frame: pd.DataFrame
    metadata_: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        return self.frame

    @property
    def metadata(self) -> dict[str, Any]:
        return self.metadata_

    def caption(self) -> str:
        m = self.metadata_
        missing = ", ".join(f"{k}: {v}" for k, v in m["missing"].items() if v) or "none"
        return (
            f"Panel of {m['rows']} {m['unit_column']}-{m['freq']} rows, {m['period']}. "
            f"Outcome: {m['outcome_caption']} Drivers: {', '.join(m['drivers']) or 'none'} "
            f"(lag {m['lag']}; {m['alignment']}). Missing values (kept missing): {missing}."
        )

    def summary(self) -> str:
        return self.caption()


def panel(
    obs: Any,
    *,
    outcome: str = "encounters",
    region: str | None = None,
    component: str = "all",
    demographic: str | Sequence[str] | None = None,
    by: str = "citizenship",
    freq: Freq = "fiscal_year",
    with_: str | Sequence[str] | None = None,
    lag: int = 1,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> PanelResult:
    """Outcome by country-period from `obs.flows`, with indicator drivers lagged by `lag` years."""
    if outcome != "encounters":
        raise UsageError(f"--outcome {outcome!r}: only 'encounters' is available")
    if by != "citizenship":
        raise UsageError(f"--by {by!r}: panels are by citizenship (the country of the outcome)")
    if freq not in ("fiscal_year", "calendar_year"):
        raise UsageError(f"--freq {freq!r} is not fiscal_year or calendar_year")
    if not 0 <= int(lag) <= 10:
        raise UsageError(f"--lag {lag} must be between 0 and 10 years")
    drivers = list(params.codes(with_))
    con = obs.con
    if drivers:
        _check_ids(con, drivers, "--with")
    flows = obs.flows(
        region=region,
        component=component,
        demographic=demographic,
        by=[freq, "citizenship"],
        since=since,
        until=until,
    )
    frame = flows.tidy()
    lumped = frame["citizenship"].isin(["OTHER", "UNK"])
    frame = frame[~lumped].rename(columns={}).reset_index(drop=True)
    frame["country"] = frame["citizenship"].map(country_name)
    frame = frame[["citizenship", "country", freq, "encounters"]]
    if drivers:
        values = con.execute(
            "SELECT iso3, year, indicator, value FROM indicators "
            "WHERE NOT is_aggregate AND indicator IN (SELECT unnest(?::VARCHAR[]))",
            [drivers],
        ).df()
        for ind in drivers:
            part = values[values["indicator"] == ind][["iso3", "year", "value"]]
            part = part.assign(year=part["year"].astype("int64") + int(lag))
            part = part.groupby(["iso3", "year"], as_index=False)["value"].mean()
            part = part.rename(columns={"iso3": "citizenship", "year": freq, "value": ind})
            frame = frame.merge(part, on=["citizenship", freq], how="left")
    frame = frame.sort_values(["citizenship", freq]).reset_index(drop=True)
    missing = {ind: int(frame[ind].isna().sum()) for ind in drivers}
    periods = frame[freq]
    alignment = (
        "FY N joined to calendar year N-lag (fiscal-year indicators: FY N-lag)"
        if freq == "fiscal_year"
        else "calendar year N joined to year N-lag"
    )
    meta = {
        "unit_column": "citizenship",
        "freq": freq,
        "rows": len(frame),
        "countries": int(frame["citizenship"].nunique()),
        "period": f"{periods.min()}..{periods.max()}" if len(frame) else "",
        "drivers": drivers,
        "lag": int(lag),
        "alignment": alignment,
        "missing": missing,
        "complete_rows": int(frame[drivers].notna().all(axis=1).sum()) if drivers else len(frame),
        "excluded": "publisher lumps (OTHER, UNK) are not countries and are left out",
        "outcome_caption": flows.caption(),
        "outcome_sources": flows.metadata()["sources"],
        "partial_periods": flows.partial_periods,
    }
    return PanelResult(frame=frame, metadata_=meta)


# --- country profile -------------------------------------------------------------------------

PROFILE_BASELINE = 2020  # the strategies' pre-strategy baseline for annual indicators


@dataclass
class Profile:
    """One country: root-cause indicators scored by the tracker's rule, and US encounters."""

    iso3: str
    name: str
    indicators: pd.DataFrame
    encounters: pd.DataFrame
    encounters_caption: str
    sources: pd.DataFrame
    warnings_: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        return self.indicators

    def metadata(self) -> dict[str, Any]:
        return {
            "iso3": self.iso3,
            "name": self.name,
            "baseline": PROFILE_BASELINE,
            "rule": "the strategy tracker's rule (corridor.strategy.scoring): a change is clear when it "
            "exceeds 1.96 times its noise (published standard errors, or the series' own variation)",
            "encounters_caption": self.encounters_caption,
            "sources": self.sources.to_dict(orient="records"),
            "warnings": list(self.warnings_),
        }

    def caption(self) -> str:
        return (
            f"{self.name}: each root-cause indicator from {PROFILE_BASELINE} (or the nearest earlier year "
            "within three) to its latest year, judged by the strategy tracker's rule. Sources: "
            + "; ".join(f"{r.name} ({r.source})" for r in self.sources.itertuples())
            + "."
        )

    def to_dict(self) -> dict[str, Any]:
        from corridor.jsonio import records

        return {
            "iso3": self.iso3,
            "name": self.name,
            "indicators": records(self.indicators),
            "encounters": records(self.encounters),
            "encounters_caption": self.encounters_caption,
            "sources": records(self.sources),
            "metadata": self.metadata(),
        }

    def summary(self) -> str:
        return f"{self.name} ({self.iso3}): {len(self.indicators)} indicators; {self.encounters_caption}"


def profile_specs(iso3: str, known: set[str]) -> list[Any]:
    """The tracker specs a profile scores: one per root cause, for one country, from the baseline."""
    from corridor.strategy.framework import IndicatorSpec

    specs = []
    for ind, sign in ROOT_CAUSES:
        if ind not in known:
            continue
        direction = {1: "higher", -1: "lower", 0: "context"}[sign]
        specs.append(
            IndicatorSpec(
                id=ind.replace(".", "_"),
                label=ind,
                kind="indicators",
                query={"indicator": ind, "country": [iso3]},
                direction=direction,
                baseline=PROFILE_BASELINE,
                rationale="country profile",
                path=f"profile.{ind}",
            )
        )
    return specs


def _known_country(code: str) -> bool:
    import pycountry

    from corridor.reference.countries import EXTRA_ENTITIES

    return bool(pycountry.countries.get(alpha_3=code)) or code in EXTRA_ENTITIES


def profile(obs: Any, iso3: str) -> Profile:
    """Each root-cause indicator from the baseline to its latest year, scored by the tracker's rule."""
    from corridor.strategy.tracker import score_indicator

    code = iso3.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or not _known_country(code):
        raise UsageError(f"{iso3!r} is not a known ISO 3166 alpha-3 country code (e.g. GTM, HND, SLV)")
    known = known_ids(obs.con)
    specs = profile_specs(code, known)
    units = dict(cached_catalog(obs.con)[["indicator", "unit"]].itertuples(index=False, name=None))
    names = dict(cached_catalog(obs.con)[["indicator", "name"]].itertuples(index=False, name=None))
    rows = []
    for spec in specs:
        ind = spec.query["indicator"]
        try:
            result = score_indicator(obs, spec)
            sc = result.score
        except UsageError:  # the baseline lies outside this country's data
            from corridor.strategy.scoring import IndicatorScore

            sc = IndicatorScore(
                None, None, None, None, None, None, None, "no data", "no observation near the baseline"
            )
        rows.append(
            {
                "indicator": ind,
                "name": names.get(ind, ind),
                "status": sc.status,
                "baseline_year": sc.baseline_year,
                "baseline": sc.baseline,
                "latest_year": sc.latest_year,
                "latest": sc.latest,
                "change": sc.change,
                "unit": units.get(ind),
                "threshold": sc.threshold,
                "method": sc.method,
            }
        )
    table = pd.DataFrame(rows)
    try:
        enc = obs.flows(citizenship=code, by=["fiscal_year", "demographic"])
        encounters = enc.tidy().pivot(index="fiscal_year", columns="demographic", values="encounters")
        encounters["total"] = encounters.sum(axis=1, min_count=1)
        encounters = encounters.reset_index()
        caption = enc.caption()
    except UsageError as exc:
        encounters = pd.DataFrame(columns=["fiscal_year", "total"])
        caption = f"No CBP encounter series for {code}: {exc}".split("Available cubes")[0]
    if (table.empty or table["latest"].isna().all()) and encounters.empty:
        raise UsageError(f"no indicators or encounters are loaded for {country_name(code)} ({code})")
    sources = obs.con.execute(
        "SELECT indicator, name, source, url FROM indicator_catalog "
        "WHERE indicator IN (SELECT unnest(?::VARCHAR[])) ORDER BY indicator",
        [[s.query["indicator"] for s in specs]],
    ).df()
    warnings = []
    missing = table[table["status"] == "no data"]["name"].tolist() if len(table) else []
    if missing:
        warnings.append(f"No value near {PROFILE_BASELINE} or after it for: {'; '.join(missing)}.")
    unanchored = table[table["status"] == "no baseline"]["name"].tolist() if len(table) else []
    if unanchored:
        warnings.append(
            f"A recent value but none near the {PROFILE_BASELINE} baseline to compare it with, so no "
            f"change is judged, for: {'; '.join(unanchored)}."
        )
    return Profile(code, country_name(code), table, encounters, caption, sources, warnings)


# --- derived: femicide rate ------------------------------------------------------------------

FEMALE_POPULATION = ("wdi.population_female", "SP.POP.TOTL.FE.IN")  # id Corridor would give it, WB code


def femicide_rate(
    con: duckdb.DuckDBPyConnection, *, country: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Femicides per 100,000 women, derived by Corridor from ECLAC counts and World Bank female
    population where both exist for a country-year (labelled `derived`; ECLAC publishes its own
    rates, not loaded here). Raises UsageError when the female population is not loaded."""
    known = known_ids(con)
    pop_id, wb_code = FEMALE_POPULATION
    if "eclac.femicides" not in known:
        raise UsageError("femicide counts (eclac.femicides) are not loaded; run `corridor sync`")
    if pop_id not in known:
        raise UsageError(
            f"World Bank female population ({wb_code}) is not loaded, so a femicide rate per 100,000 "
            "women cannot be derived; the counts are in eclac.femicides"
        )
    codes = expand_countries(params.codes(country)) if country else []
    where = "AND f.iso3 IN (SELECT unnest(?::VARCHAR[]))" if codes else ""
    frame = con.execute(
        f"""
        SELECT f.iso3, f.year, f.value AS femicides, p.value AS women,
               f.value / p.value * 100000 AS rate_per_100k_women
        FROM indicators f JOIN indicators p
          ON p.iso3 = f.iso3 AND p.year = f.year AND p.indicator = ? AND p.value > 0
        WHERE f.indicator = 'eclac.femicides' AND NOT f.is_aggregate AND f.value IS NOT NULL {where}
        ORDER BY f.iso3, f.year
        """,
        [pop_id, *([codes] if codes else [])],
    ).df()
    frame["derived"] = True
    frame.attrs["caption"] = (
        "Femicides per 100,000 women, derived by Corridor: ECLAC CEPALSTAT 2780 counts divided by World "
        f"Bank female population ({wb_code}). Derived, not published as such; national definitions differ."
    )
    return frame

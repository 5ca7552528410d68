"""API mixin: the policy timeline, causal evaluations of policies and the drivers model.

The methods are thin: they read the outcome through `self.flows(...)` (or `self.panel(...)`),
build a design or a panel frame, and hand it to `corridor.analysis`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from corridor.errors import UsageError
from corridor.reference import events as ev
from corridor.reference.calendar import add_months, parse_month

MIN_DONOR_MEAN = 10.0  # default donors average at least this many encounters a month before the start
DEFAULT_POST = 12
DRIVERS_FE = {"origin_year", "origin", "year", "none"}
# Event-based indicators: a country-year the publisher lists no event for had none (zero), within
# the years the publisher covers. EM-DAT records disasters, not country-years.
ZERO_WHEN_ABSENT = ("emdat.affected", "emdat.deaths", "emdat.events")


def _codes(value: str | Sequence[str] | None, *, upper: bool = False) -> list[str]:
    if value is None:
        return []
    items = (
        value.split(",") if isinstance(value, str) else [v for item in value for v in str(item).split(",")]
    )
    out = [v.strip() for v in items if v and v.strip()]
    return [v.upper() for v in out] if upper else out


def _month(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    try:
        return parse_month(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _unit_codes(values: list[str], option: str) -> list[str]:
    for v in values:
        if not re.fullmatch(r"[A-Z]{3}|OTHER", v):
            raise UsageError(f"{option} {v!r} is not an ISO 3166 alpha-3 code (or OTHER)")
    if len(set(values)) != len(values):
        raise UsageError(f"{option} lists a unit twice")
    return values


class EvaluateMixin:
    """Policy events, causal evaluations and the drivers model."""

    # --- the policy timeline ------------------------------------------------------------------

    def events(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        citizenship: str | Sequence[str] | None = None,
        region: str | None = None,
    ) -> ev.EventsResult:
        """The curated policy timeline, optionally cut to a period, citizenships and a region."""
        from corridor.reference.vocab import REGIONS

        if region and region not in REGIONS:
            raise UsageError(f"--region {region!r} is not one of {', '.join(REGIONS)}")
        chosen = ev.select(
            ev.load_events(),
            start=since,
            end=until,
            region=region,
            citizenship=_codes(citizenship, upper=True),
        )
        return ev.EventsResult(chosen)

    # --- causal evaluation --------------------------------------------------------------------

    def evaluate(
        self,
        *,
        policy: str | Sequence[str] | None = None,
        start: str | None = None,
        treated: str | Sequence[str] | None = None,
        method: Literal["all", "its", "synthetic_control", "did", "structural"] = "all",
        region: str | None = None,
        component: str = "all",
        demographic: str | Sequence[str] | None = None,
        title: str | Sequence[str] | None = None,
        sector: str | Sequence[str] | None = None,
        state: str | Sequence[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        donors: str | Sequence[str] | None = None,
        post: int | None = None,
        seed: int = 0,
    ) -> Any:
        """Evaluate a policy (`policy` id) or a start month and treated units, by one or all methods."""
        from corridor.analysis import evaluate as an

        design, notes, window_events, meta = self._evaluation_design(
            policy=policy,
            start=start,
            treated=treated,
            region=region,
            component=component,
            demographic=demographic,
            title=title,
            sector=sector,
            state=state,
            since=since,
            until=until,
            donors=donors,
            post=post,
            seed=seed,
        )
        result = an.run(design, method=method)  # type: ignore[arg-type]
        result.notes = notes + result.notes
        result.metadata_ = meta
        result.events = window_events
        return result

    def _evaluation_design(
        self,
        *,
        policy: str | Sequence[str] | None,
        start: str | None,
        treated: str | Sequence[str] | None,
        region: str | None,
        component: str,
        demographic: str | Sequence[str] | None,
        title: str | Sequence[str] | None,
        sector: str | Sequence[str] | None,
        state: str | Sequence[str] | None,
        since: str | None,
        until: str | None,
        donors: str | Sequence[str] | None,
        post: int | None,
        seed: int,
    ) -> tuple[Any, list[str], list[ev.PolicyEvent], dict[str, Any]]:
        from corridor.analysis.evaluate import ALL_UNITS, Design

        timeline = ev.load_events()
        ids = _codes(policy)
        notes: list[str] = []
        excluded: tuple[str, ...] = ()
        if ids and (start or treated):
            raise UsageError("give --policy ID, or --start YYYY-MM with --treated ISO3,...; not both")
        if ids:
            chosen = [ev.get_event(i, timeline) for i in ids]
            universal = [e for e in chosen if e.all_citizenships]
            if universal and len(chosen) > 1:
                raise UsageError(
                    f"policy {universal[0].id} applies to every citizenship; evaluate it on its own"
                )
            cohorts: dict[str, dt.date] = {}
            if universal:
                e = universal[0]
                excluded = e.excluded
                cohorts = {ALL_UNITS: e.start_month}
            else:
                for e in chosen:
                    for c in e.citizenships:
                        cohorts[c] = min(cohorts.get(c, e.start_month), e.start_month)
            if region is None:
                regions = {r for e in chosen for r in e.regions}
                if len(regions) == 1 and "all" not in regions:
                    region = regions.pop()
                    notes.append(f"Region {region}: the policy's own region (pass --region to change it).")
            for e in chosen:
                notes.append(
                    f"{e.id}: effective {e.effective} ({e.date_note or 'see source'}); first treated month "
                    f"{e.start_month:%Y-%m}. Source: {e.source.url}"
                )
                if e.components != ("all",) and component == "all":
                    notes.append(
                        f"{e.id} targets component(s) {', '.join(e.components)}; this counts all encounters."
                    )
                if e.demographics != ("all",) and not demographic:
                    notes.append(
                        f"{e.id} targets {', '.join(e.demographics)}; this counts every demographic."
                    )
        else:
            if not start or not treated:
                raise UsageError("give --policy ID, or --start YYYY-MM together with --treated ISO3,...")
            first = _month(start, "--start")
            assert first is not None
            units = _codes(treated, upper=True)
            if units == ["ALL"]:
                cohorts = {ALL_UNITS: first}
            else:
                cohorts = dict.fromkeys(_unit_codes(units, "--treated"), first)
        donor_list = _unit_codes(_codes(donors, upper=True), "--donors") if donors else []
        both = sorted(set(donor_list) & set(cohorts))
        if both:
            raise UsageError(f"unit(s) {', '.join(both)} cannot be both treated and a donor")

        everyone = list(cohorts) == [ALL_UNITS] and not excluded and not donor_list
        flows = self.flows(  # type: ignore[attr-defined]
            region=region,
            component=component,
            demographic=demographic,
            title=title,
            sector=sector,
            state=state,
            by=["month"] if everyone else ["month", "citizenship"],
            since=since,
            until=until,
        )
        frame = flows.tidy()
        if everyone:
            panel = frame.set_index("month")[["encounters"]].rename(columns={"encounters": ALL_UNITS})
        else:
            panel = frame.pivot_table(
                index="month", columns="citizenship", values="encounters", aggfunc="sum", fill_value=0
            )
            panel.columns = [str(c) for c in panel.columns]
            if ALL_UNITS in cohorts:  # every citizenship but the excluded ones (or the donors)
                first = cohorts.pop(ALL_UNITS)
                out = set(excluded) | set(donor_list)
                treated_units = [c for c in panel.columns if c not in out]
                panel[ALL_UNITS] = panel[treated_units].sum(axis=1)
                panel = panel.drop(columns=treated_units)
                cohorts = {ALL_UNITS: first}
        panel = panel.sort_index().astype(float)
        panel.index = [pd.Timestamp(m).date() for m in panel.index]
        months = list(panel.index)
        for unit, first in cohorts.items():
            if first <= months[0] or first > months[-1]:
                raise UsageError(
                    f"start {first:%Y-%m} is outside the data for this selection "
                    f"({months[0]:%Y-%m}..{months[-1]:%Y-%m}); "
                    "the series must have months before and after it"
                )
            if unit not in panel.columns:
                raise UsageError(f"no encounters of citizenship {unit} in this selection")
        last_start = max(cohorts.values())
        available = sum(m >= last_start for m in months)
        if post is None:
            post = min(DEFAULT_POST, available)
            if post < DEFAULT_POST:
                notes.append(f"Post period {post} months: all the data after the start.")
        window_end = add_months(last_start, int(post) - 1)
        window_events = ev.select(timeline, start=months[0], end=min(window_end, months[-1]), region=region)
        if donor_list:
            missing = [d for d in donor_list if d not in panel.columns]
            if missing:
                raise UsageError(
                    f"--donors {', '.join(missing)}: no encounters of that citizenship in this selection"
                )
            chosen_donors = donor_list
            for d in donor_list:
                hit = [e.id for e in window_events if not e.all_citizenships and d in e.citizenships]
                if hit:
                    notes.append(f"Donor {d} is named by {', '.join(hit)} in the window.")
        else:
            targeted = {c for e in window_events if not e.all_citizenships for c in e.citizenships}
            pre = panel.loc[[m for m in months if m < min(cohorts.values())]]
            small = [c for c in panel.columns if c not in cohorts and pre[c].mean() < MIN_DONOR_MEAN]
            chosen_donors = [
                c
                for c in panel.columns
                if c not in cohorts and c not in targeted and c not in small and c != "UNK"
            ]
            if excluded and list(cohorts) == [ALL_UNITS]:
                chosen_donors = [c for c in excluded if c in panel.columns]
                notes.append(
                    f"Treated: every citizenship except {', '.join(excluded)} (summed, as {ALL_UNITS}); "
                    f"donors: the excluded {', '.join(chosen_donors) or 'none'}."
                )
            left_out = sorted((targeted & set(panel.columns)) - set(cohorts))
            if left_out:
                notes.append(
                    f"Donors exclude {', '.join(left_out)}: named by another policy between "
                    f"{months[0]:%Y-%m} and {window_end:%Y-%m}."
                )
            if small:
                notes.append(
                    f"Donors exclude {', '.join(sorted(small))}: "
                    f"under {MIN_DONOR_MEAN:.0f} encounters a month."
                )
        common = [e.id for e in window_events if e.all_citizenships and e.id not in ids]
        if common:
            notes.append(
                "Policies for every citizenship in the window are treated as common shocks that hit treated "
                f"and donor units alike: {', '.join(common)}."
            )
        design = Design(
            panel=panel[[*cohorts, *chosen_donors]],
            cohorts=cohorts,
            donors=tuple(chosen_donors),
            post_months=int(post),
            seed=int(seed),
            selection=flows.request.describe(),
            caption=flows.caption(),
        )
        return design, notes, window_events, {"outcome": flows.metadata()}

    # --- the drivers model --------------------------------------------------------------------

    def drivers(
        self,
        *,
        drivers: str | Sequence[str] | None = None,
        outcome: str = "encounters",
        lag: int = 1,
        fe: Literal["origin_year", "origin", "year", "none"] = "origin_year",
        region: str | None = None,
        component: str = "usbp",
        demographic: str | Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        transform: str | Sequence[str] | None = None,
        oos_years: int = 3,
    ) -> Any:
        """PPML of encounters by citizenship and fiscal year on lagged drivers, with an out-of-sample check.

        `drivers` are indicator ids, each optionally with its own lag (`wdi.gdp_pc_ppp:2`); `transform`
        overrides how a driver enters (`wdi.homicide_rate=log`); `since`/`until` are fiscal years.
        """
        from corridor.analysis import drivers as dr

        if fe not in DRIVERS_FE:
            raise UsageError(f"--fe {fe!r} is not one of {', '.join(sorted(DRIVERS_FE))}")
        if not 0 <= int(lag) <= 10:
            raise UsageError(f"--lag {lag} must be between 0 and 10 years")
        if not 0 <= int(oos_years) <= 10:
            raise UsageError(f"--oos-years {oos_years} must be between 0 and 10")
        specs = _codes(drivers) or list(dr.DEFAULT_DRIVERS)
        lags: dict[str, int] = {}
        for spec in specs:
            name, _, k = spec.partition(":")
            if k and not k.isdigit():
                raise UsageError(f"--drivers {spec!r}: the lag after ':' must be a whole number of years")
            lags[name] = int(k) if k else int(lag)
        transforms: dict[str, str] = {}
        for spec in _codes(transform):
            name, _, how = spec.partition("=")
            if name not in lags:
                raise UsageError(f"--transform {spec!r}: {name} is not one of the drivers")
            if how not in dr.TRANSFORMS:
                raise UsageError(f"--transform {spec!r}: use {', '.join(dr.TRANSFORMS)}")
            transforms[name] = how
        if not callable(getattr(self, "panel", None)):
            raise UsageError("the panel builder (Observatory.panel) is not available in this build")
        window: dict[str, Any] = {}
        if since is not None:
            window["since"] = f"{int(since) - 1}-10"
        if until is not None:
            window["until"] = f"{int(until)}-09"
        frame: pd.DataFrame | None = None
        meta: dict[str, Any] = {}
        for years_back in sorted(set(lags.values())):
            ids = [d for d, v in lags.items() if v == years_back]
            res = self.panel(  # type: ignore[attr-defined]
                outcome=outcome,
                region=region,
                component=component,
                demographic=demographic,
                by="citizenship",
                freq="fiscal_year",
                with_=ids,
                lag=years_back,
                **window,
            )
            part = res.frame
            meta = res.metadata if isinstance(res.metadata, dict) else res.metadata()
            keys = ["citizenship", "fiscal_year"]
            frame = part if frame is None else frame.merge(part[[*keys, *ids]], on=keys, how="outer")
        assert frame is not None
        frame = frame.dropna(subset=[outcome])
        notes: list[str] = []
        partial = [int(m) for p in meta.get("partial_periods", []) for m in re.findall(r"FY(\d{4})", p)]
        if partial:
            frame = frame[~frame["fiscal_year"].isin(partial)]
            notes.append(f"Partial fiscal years left out: {', '.join(f'FY{y}' for y in partial)}.")
        zero_fill = [d for d in lags if d.startswith(ZERO_WHEN_ABSENT)]
        if zero_fill:
            catalog = self.indicator_catalog().set_index("indicator")  # type: ignore[attr-defined]
            for d in zero_fill:
                first, last = catalog.loc[d, "first_year"], catalog.loc[d, "last_year"]
                inside = frame["fiscal_year"].sub(lags[d]).between(int(first), int(last))
                filled = int((frame[d].isna() & inside).sum())
                frame.loc[inside, d] = frame.loc[inside, d].fillna(0.0)
                notes.append(
                    f"{d}: {filled} country-years with no recorded event set to 0 "
                    f"(publisher coverage {first}..{last})."
                )
        fe_cols = dr.fe_columns(fe)
        result = dr.fit_drivers(
            frame,
            outcome=outcome,
            drivers=list(lags),
            fe=fe_cols,
            cluster="citizenship",
            transforms=transforms,
            lags=lags,
        )
        if oos_years:
            result.oos = dr.out_of_sample(
                frame,
                outcome=outcome,
                drivers=list(lags),
                fe=fe_cols,
                transforms=transforms,
                years=int(oos_years),
            )
        result.metadata_ = {
            "outcome_caption": meta.get("outcome_caption", ""),
            "panel": {k: v for k, v in meta.items() if k != "outcome_caption"},
            "selection": {
                "region": region or "nationwide",
                "component": component,
                "demographic": demographic,
            },
            "lags": lags,
        }
        result.notes = notes + result.notes
        if bool(np.any([d.get("rounded") for d in meta.get("outcome_sources", [])])):
            result.notes.append("Outcome counts are rounded to the nearest 10 in some years (OHSS tables).")
        return result

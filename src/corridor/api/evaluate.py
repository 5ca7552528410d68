"""API mixin: the policy timeline, causal evaluations of policies and the drivers model.

The methods are thin: they read the outcome through `self.flows(...)` (or `self.panel(...)`) and
hand it to `corridor.analysis` (the evaluation design's rules live in
`corridor.analysis.evaluate.design`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from corridor import params
from corridor.errors import UsageError
from corridor.reference import events as ev
from corridor.reference import labels

DRIVERS_FE = {"origin_year", "origin", "year", "none"}
# Event-based indicators: a country-year the publisher lists no event for had none (zero), within
# the years the publisher covers. EM-DAT records disasters, not country-years.
ZERO_WHEN_ABSENT = ("emdat.affected", "emdat.deaths", "emdat.events")


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
            citizenship=list(params.countries(citizenship, "citizenship")),
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
        """Evaluate a policy (`policy` id) or a start month and treated units: every method that
        applies (or one), one headline chosen out of sample, and a verdict in plain words.

        The pre period, donors and post period follow the default design's rules
        (`corridor.analysis.evaluate.design`); `since`, `donors` and `post` override them."""
        from corridor.analysis.evaluate import design as dz
        from corridor.analysis.evaluate import run

        timeline = ev.load_events()
        everyone_treated = params.codes(treated, upper=True) == (dz.ALL_UNITS,)
        treatment = dz.resolve_treatment(
            policy_ids=list(params.codes(policy)),
            start=start,
            treated=[dz.ALL_UNITS] if everyone_treated else list(params.countries(treated, "treated")),
            region=region,
            component=component,
            demographic=demographic,
            timeline=timeline,
        )
        donor_list = list(params.countries(donors, "donors"))
        everyone = list(treatment.cohorts) == [dz.ALL_UNITS] and not treatment.excluded and not donor_list
        flows = self.flows(  # type: ignore[attr-defined]
            region=treatment.region,
            component=component,
            demographic=demographic,
            title=title,
            sector=sector,
            state=state,
            by=["month"] if everyone else ["month", "citizenship"],
            until=until,
        )
        frame = flows.tidy()
        if everyone:  # one series, no donors: only the methods that need none apply
            frame = frame.assign(citizenship=dz.ALL_UNITS)
        panel, _ = dz.panel_from_counts(frame, treatment, donor_list)
        design, notes, warnings = dz.build(
            panel,
            treatment,
            since=dz.parse_option_month(since, "since"),
            donors=donor_list,
            post=None if post is None else int(post),
            seed=int(seed),
            timeline=timeline,
            selection=flows.request.describe(),
            caption=flows.caption(),
            subject=dz.SUBJECTS.get(component, "Encounters"),
            where=dz.place(treatment.region, list(params.codes(sector)) or None),
        )
        result = run(design, method=method)  # type: ignore[arg-type]
        result.notes = treatment.notes + notes + result.notes
        result.warnings = treatment.warnings + warnings + result.warnings
        result.metadata_ = {"outcome": flows.metadata(), "policies": list(treatment.policy_ids)}
        result.events = ev.select(timeline, start=design.months[0], end=design.end, region=treatment.region)
        result.excluded = treatment.excluded
        return result

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
        specs = list(params.items(drivers)) or list(dr.DEFAULT_DRIVERS)
        lags: dict[str, int] = {}
        for spec in specs:
            name, _, k = spec.partition(":")
            if k and not k.isdigit():
                raise UsageError(f"--drivers {spec!r}: the lag after ':' must be a whole number of years")
            lags[name] = int(k) if k else int(lag)
        transforms: dict[str, str] = {}
        for spec in params.items(transform):
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
        # driver names in words for the verdict and tables (as the dashboard registers them)
        catalog = self.indicator_catalog()  # type: ignore[attr-defined]
        labels.register_catalog(getattr(catalog, "tidy", lambda: catalog)())
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

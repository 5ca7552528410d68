"""CLI verbs for what works: `events` (the policy timeline), `evaluate` (causal evaluation of a
policy) and `drivers` (the PPML model of root causes). Thin over the Python API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from corridor import output
from corridor.commands.common import (
    ChartOpt,
    ComponentOpt,
    DbOpt,
    DemographicOpt,
    FormatOpt,
    OutOpt,
    SectorOpt,
    TitleOpt,
    emit_result,
    err,
    exit_on_error,
    observatory,
    split_list,
    write_chart,
)
from corridor.errors import UsageError
from corridor.reference.labels import label


def _int_option(value: str | None, option: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{option} expects a whole number, got {value!r}") from None


def events(
    since: Annotated[str | None, typer.Option(help="First date, YYYY-MM or YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="Last date, YYYY-MM or YYYY-MM-DD")] = None,
    citizenship: Annotated[
        str | None, typer.Option(help="Only events that apply to these ISO3 codes")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Only events that apply in this region")] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    chart: ChartOpt = None,
) -> None:
    """The policy timeline: id, dates, whom each policy targets and its primary source."""
    from corridor.api.evaluate import EvaluateMixin

    with exit_on_error():
        result = EvaluateMixin().events(since=since, until=until, citizenship=citizenship, region=region)
        frame = result.tidy()
        if fmt == "table":
            frame = frame[["id", "effective", "start_month", "title", "citizenships", "regions", "publisher"]]
        emit_result(result, fmt=fmt, out=out, title="Policy events", frame=frame)
        write_chart(result.chart(), chart)


def evaluate(
    policy: Annotated[str | None, typer.Option(help="Policy event id(s) from `corridor events`")] = None,
    start: Annotated[str | None, typer.Option(help="First treated month, YYYY-MM (with --treated)")] = None,
    treated: Annotated[
        str | None, typer.Option(help="Treated citizenships, ISO3 comma-separated (or 'all')")
    ] = None,
    method: Annotated[str, typer.Option(help="its | synthetic_control | did | structural | all")] = "all",
    region: Annotated[
        str | None, typer.Option(help="southwest | northern | coastal (default: the policy's)")
    ] = None,
    component: ComponentOpt = "all",
    demographic: DemographicOpt = None,
    title: TitleOpt = None,
    sector: SectorOpt = None,
    state: Annotated[str | None, typer.Option(help="US state codes")] = None,
    since: Annotated[
        str | None, typer.Option(help="First month of the pre period, YYYY-MM (default: 36 months before)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last month of data to use, YYYY-MM")] = None,
    donors: Annotated[
        str | None,
        typer.Option(
            help="Donor citizenships (default: every unit no policy names in the window, 10+ a month)"
        ),
    ] = None,
    post: Annotated[
        str | None,
        typer.Option(help="Post-period months (default 12, up to the next policy for these units)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for permutations and simulations")] = 0,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    chart: ChartOpt = None,
) -> None:
    """Causal evaluation of a policy: a verdict in plain words, then every method's estimate.

    With no policy and no start month, lists the policies that can be evaluated."""
    if policy is None and start is None and treated is None:
        _evaluable(fmt=fmt, out=out)
        return
    with observatory(db) as obs:
        result = obs.evaluate(
            policy=policy,
            start=start,
            treated=treated,
            method=method,  # type: ignore[arg-type]
            region=region,
            component=component,
            demographic=demographic,
            title=title,
            sector=sector,
            state=state,
            since=since,
            until=until,
            donors=donors,
            post=_int_option(post, "--post"),
            seed=seed,
        )
        meta = result.metadata()
        if fmt in ("json", "parquet"):
            meta["series"] = {r.method: output.records(r.series) for r in result.results}
            meta["chart"] = result.chart()
        frame = result.table() if fmt == "table" else result.tidy()
        caption = result.caption()
        if fmt == "table":
            Console(soft_wrap=False).print(result.verdict(), highlight=False, markup=False)
            note = result.design_note()
            if note:
                caption += f"\nHow the design was chosen: {note}"
            from corridor.analysis.evaluate.headline import row_note

            adjusted = row_note(meta["headline"])
            caption += (
                (f"\n{adjusted}" if adjusted else "")
                + (
                    "\n(%): a method's weight in the headline, from its errors at earlier start dates."
                    if frame["method"].astype(str).str.contains(r"\(\d+%\)").any()
                    else ""
                )
                + "\np: the method's own placebo p-value. Pre-fit: mean "
                "absolute error before the start. Held-out: typical error at earlier pseudo-start dates.\n"
            )
            failed = result.failed_checks()
            if failed:
                caption += (
                    "† fails its checks, so its estimate is not offered (--format json or csv carries it): "
                    + "; ".join(f"{label('method', m)}: {why.rstrip('.')}" for m, why in failed.items())
                    + ".\n"
                )
            caption += "\n".join(
                f"{label('method', r.method)}: {r.interval_kind}; assumptions: {' '.join(r.assumptions)}"
                + (f" Notes: {'; '.join(r.notes)}." if r.notes else "")
                for r in result.results
            )
        else:
            caption = result.verdict() + " " + caption
        emit_result(
            result, fmt=fmt, out=out, title="Every method", frame=frame, metadata=meta, caption=caption
        )
        for warning in result.warnings:
            err.print(f"warning: {warning}", highlight=False, markup=False)
        write_chart(result.chart(), chart)


def _evaluable(*, fmt: str, out: Path | None) -> None:
    """The timeline's policies that name whom they target (the others hit every nationality, so
    no untargeted nationality is left to compare with), and how to evaluate one."""
    from corridor.api.evaluate import EvaluateMixin

    with exit_on_error():
        result = EvaluateMixin().events()
        frame = result.tidy()
        named = frame[frame["citizenships"].astype(str).str.lower().ne("all")]
        if fmt == "table":
            named = named[["start_month", "title", "citizenships", "id"]].rename(
                columns={"start_month": "start", "citizenships": "targets"}
            )
        caption = (
            f"{len(named)} of {len(frame)} policies on the timeline name the nationalities they "
            "target; the others apply to every nationality, so no untargeted one is left to compare "
            "them with. Source: Corridor's policy timeline (corridor events), each event with its "
            "primary source."
        )
        title = "Policies that can be evaluated"
        emit_result(result, fmt=fmt, out=out, title=title, frame=named, caption=caption)
        if fmt == "table":
            ids = list(named["id"].astype(str))
            example = "chnv_parole" if "chnv_parole" in ids else (ids[0] if ids else "ID")
            err.print(
                f"Evaluate one: corridor evaluate --policy {example}\n"
                "or any start and group: corridor evaluate --start YYYY-MM --treated ISO3,ISO3",
                highlight=False,
                markup=False,
            )


def drivers(
    drivers_: Annotated[
        list[str] | None,
        typer.Option("--drivers", help="Indicator ids, comma-separated; `id:LAG` sets one driver's lag"),
    ] = None,
    outcome: Annotated[str, typer.Option(help="Outcome column of the panel")] = "encounters",
    lag: Annotated[int, typer.Option(help="Years each driver is lagged (default 1)")] = 1,
    fe: Annotated[
        str, typer.Option(help="Fixed effects: origin_year | origin | year | none")
    ] = "origin_year",
    region: Annotated[
        str | None, typer.Option(help="southwest | northern | coastal (default nationwide)")
    ] = None,
    component: Annotated[
        str, typer.Option(help="usbp (default: FY2000 on) | all (FY2020 on) | ofo")
    ] = "usbp",
    demographic: DemographicOpt = None,
    since: Annotated[str | None, typer.Option(help="First fiscal year, e.g. 2005")] = None,
    until: Annotated[str | None, typer.Option(help="Last fiscal year, e.g. 2024")] = None,
    transform: Annotated[
        list[str] | None, typer.Option(help="How a driver enters: ID=log|log1p|level (repeatable)")
    ] = None,
    oos_years: Annotated[int, typer.Option(help="Out-of-sample years (fit through T, predict T+1)")] = 3,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    chart: ChartOpt = None,
) -> None:
    """Drivers of encounters: PPML with origin and year fixed effects, clustered by origin."""
    with observatory(db) as obs:
        result = obs.drivers(
            drivers=split_list(drivers_) or None,
            outcome=outcome,
            lag=lag,
            fe=fe,  # type: ignore[arg-type]
            region=region,
            component=component,
            demographic=demographic,
            since=_int_option(since, "--since"),
            until=_int_option(until, "--until"),
            transform=split_list(transform) or None,
            oos_years=oos_years,
        )
        frame = result.tidy()
        if fmt == "table":
            Console(soft_wrap=False).print(result.verdict(), highlight=False, markup=False)
            frame = result.table()
        caption = result.caption() + (
            "\n" + "\n".join(f"Note: {n}" for n in result.notes) if result.notes else ""
        )
        emit_result(result, fmt=fmt, out=out, title="Drivers (PPML)", frame=frame, caption=caption)
        write_chart(result.chart(), chart)


def register(app: typer.Typer) -> None:
    """Add this area's verbs to the `corridor` app."""
    app.command("events")(events)
    app.command("evaluate")(evaluate)
    app.command("drivers")(drivers)

"""The default evaluation design, chosen by documented rules (`RULES`), and the checks on a given one.

Given monthly counts by citizenship and the treated units with their start months:

- **Pre period**: the `pre_window` months before the (first) start. When a policy that names a
  treated unit took effect inside that window, the window starts at that policy's month instead,
  if `min_clean_pre` months remain (the treated series then has no break of its own in the pre
  period). `since` overrides both.
- **Post period**: `post_default` months from the (last) start, ended early before the next
  policy that names a treated unit or applies to every citizenship in the region, and at the end
  of the data. `post` overrides it (and must fit in the data).
- **Settled rules**: when a policy for every citizenship (in the region, for the outcome's
  component and group) took effect fewer than `settle` months before the start, the months before
  the start were under other rules than the post period: the design says so (`Design.unsettled`)
  and the headline is inconclusive for that reason. A policy in the start month itself is a common
  shock, as in the pre period.
- **Donors**: every citizenship that is not treated, that no citizenship-specific policy names
  between the first pre-period month and the end of the post period, and that averaged at least
  `donor_floor` encounters a month in the pre period. `donors` overrides the list.

How each rule was chosen is in bench/RESULTS.md ("Evaluate: battery and speed (issue 14)"): on
seeded synthetic panels built from the real OHSS series, never on a single case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor.analysis.evaluate.base import ALL_UNITS, MIN_PRE_MONTHS, Design, names_of
from corridor.errors import UsageError
from corridor.reference.calendar import add_months


@dataclass(frozen=True)
class DesignRules:
    """The default design's settings (see the module docstring)."""

    pre_window: int | None = 36
    min_clean_pre: int = 24
    post_default: int = 12
    donor_floor: float = 10.0
    # months a policy for every citizenship must precede the start by (the minimum pre period: the
    # methods need that many months under the rules in force at the start)
    settle: int = MIN_PRE_MONTHS


RULES = DesignRules()


def month_diff(a: dt.date, b: dt.date) -> int:
    """Whole months from a to b (b - a)."""
    return (b.year - a.year) * 12 + b.month - a.month


@dataclass
class Treatment:
    """Who is treated from when, as a policy or the user's options say."""

    cohorts: dict[str, dt.date]
    excluded: tuple[str, ...] = ()  # citizenships an all-citizenship policy leaves out
    region: str | None = None
    policy_ids: tuple[str, ...] = ()
    title: str = ""  # the policy's title (or titles), for sentences
    component: str = "all"  # the outcome's component (usbp, ofo or all)
    demographic: tuple[str, ...] = ()  # the outcome's groups (empty: every group)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_option_month(value: str | dt.date | None, option: str) -> dt.date | None:
    """A YYYY-MM option as the first day of its month (None when not given)."""
    from corridor.reference.calendar import parse_month

    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    try:
        return parse_month(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def resolve_treatment(
    *,
    policy_ids: Sequence[str],
    start: str | dt.date | None,
    treated: Sequence[str],
    region: str | None,
    component: str,
    demographic: Sequence[str] | str | None,
    timeline: Sequence[Any],
) -> Treatment:
    """The treated units and start months of a policy id (or several), or of `start` and `treated`."""
    from corridor.reference import events as ev
    from corridor.reference.labels import label

    groups = (demographic,) if isinstance(demographic, str) else tuple(demographic or ())
    if policy_ids and (start or treated):
        raise UsageError("give a policy, or a start month with treated citizenships; not both")
    if not policy_ids:
        if not start or not treated:
            raise UsageError("give a policy, or a start month (YYYY-MM) together with treated citizenships")
        first = parse_option_month(start, "start")
        assert first is not None
        units = list(treated)
        return Treatment(
            cohorts={ALL_UNITS: first} if units == ["ALL"] else dict.fromkeys(units, first),
            region=region,
            component=component,
            demographic=groups,
        )
    chosen = [ev.get_event(i, timeline) for i in policy_ids]
    universal = [e for e in chosen if e.all_citizenships]
    if universal and len(chosen) > 1:
        raise UsageError(f"policy {universal[0].id} applies to every citizenship; evaluate it on its own")
    out = Treatment(cohorts={}, policy_ids=tuple(policy_ids), component=component, demographic=groups)
    if universal:
        out.excluded = universal[0].excluded
        out.cohorts = {ALL_UNITS: universal[0].start_month}
    else:
        for e in chosen:
            for c in e.citizenships:
                out.cohorts[c] = min(out.cohorts.get(c, e.start_month), e.start_month)
    out.region = region
    if region is None:
        regions = {r for e in chosen for r in e.regions}
        if len(regions) == 1 and "all" not in regions:
            out.region = regions.pop()
            out.notes.append(f"Region {out.region}: the policy's own region.")
    out.title = " and ".join(f"“{label('event', e.id)}”" for e in chosen)
    for e in chosen:
        out.notes.append(
            f"{label('event', e.id)}: effective {e.effective} ({e.date_note or 'see source'}); first treated "
            f"month {e.start_month:%Y-%m}. Source: {e.source.url}"
        )
        if e.components != ("all",) and component == "all":
            out.warnings.append(
                f"{label('event', e.id)} targets {', '.join(label('component', c) for c in e.components)}; "
                "this evaluation counts all encounters."
            )
        if e.demographics != ("all",) and not demographic:
            out.warnings.append(
                f"{label('event', e.id)} targets "
                f"{', '.join(label('demographic', c) for c in e.demographics)}; this evaluation counts "
                "every group."
            )
    return out


def panel_from_counts(
    frame: pd.DataFrame, treatment: Treatment, donors: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, dt.date]]:
    """A months x units panel from tidy counts (month, citizenship, encounters), with the units of an
    all-citizenship policy summed into one treated unit."""
    cohorts = dict(treatment.cohorts)
    panel = frame.pivot_table(
        index="month", columns="citizenship", values="encounters", aggfunc="sum", fill_value=0
    )
    panel.columns = [str(c) for c in panel.columns]
    if ALL_UNITS in cohorts and list(panel.columns) != [ALL_UNITS]:  # all but the excluded (or donors)
        out = set(treatment.excluded) | set(donors)
        treated_units = [c for c in panel.columns if c not in out]
        panel[ALL_UNITS] = panel[treated_units].sum(axis=1)
        panel = panel.drop(columns=treated_units)
    panel = panel.sort_index().astype(float)
    panel.index = [pd.Timestamp(m).date() for m in panel.index]
    return panel, cohorts


def check_units(panel: pd.DataFrame, cohorts: dict[str, dt.date], donors: Sequence[str]) -> None:
    """One clear sentence for the first thing wrong with the units or start months."""
    months = list(panel.index)
    both = sorted(set(donors) & set(cohorts))
    if both:
        raise UsageError(f"{', '.join(both)} cannot be both treated and a comparison (donor) nationality")
    if not months:
        raise UsageError("no encounters match this selection")
    for unit, first in cohorts.items():
        if first <= months[0] or first > months[-1]:
            raise UsageError(
                f"the start {first:%Y-%m} is outside the data for this selection "
                f"({months[0]:%Y-%m}..{months[-1]:%Y-%m}); the series must have months before and after it"
            )
        if unit not in panel.columns:
            raise UsageError(f"there are no encounters of citizenship {unit} in this selection")
    missing = [d for d in donors if d not in panel.columns]
    if missing:
        raise UsageError(
            f"there are no encounters of the donor citizenship(s) {', '.join(missing)} in this selection"
        )


def _targets(event: Any, units: Sequence[str]) -> bool:
    return not event.all_citizenships and any(u in event.citizenships for u in units)


def choose_first(
    months: list[dt.date],
    cohorts: dict[str, dt.date],
    *,
    since: dt.date | None,
    timeline: Sequence[Any],
    region: str | None,
    rules: DesignRules,
) -> tuple[dt.date, str]:
    """The first pre-period month and why."""
    start = min(cohorts.values())
    if since is not None:
        if not months[0] <= since < start:
            raise UsageError(
                f"the pre period cannot start in {since:%Y-%m}: it must start between {months[0]:%Y-%m} "
                f"and {add_months(start, -1):%Y-%m}"
            )
        return since, f"Pre period from {since:%Y-%m}, as asked."
    if rules.pre_window is None:
        return months[0], f"Pre period: all {month_diff(months[0], start)} months of data before the start."
    first = max(months[0], add_months(start, -rules.pre_window))
    why = (
        f"Pre period: the {month_diff(first, start)} months before the start "
        f"(default rule: at most {rules.pre_window})."
    )
    hits = [
        e
        for e in timeline
        if first < e.start_month < start and e.covers_region(region) and _targets(e, list(cohorts))
    ]
    if hits:
        last = max(hits, key=lambda e: e.start_month)
        if month_diff(last.start_month, start) >= rules.min_clean_pre:
            from corridor.reference.labels import label

            first = last.start_month
            why = (
                f"Pre period: from {first:%Y-%m}, when “{label('event', last.id)}” last changed the treated "
                f"units' own rules ({month_diff(first, start)} months, default rule)."
            )
    return first, why


def _applies(event: Any, component: str, demographic: Sequence[str]) -> bool:
    """Whether a policy touches the outcome's component and groups (an outcome over several
    components or groups is touched when any of them is)."""
    comps = getattr(event, "components", ("all",))
    groups = getattr(event, "demographics", ("all",))
    comp_ok = "all" in comps or component == "all" or component in comps
    every_group = not demographic or "all" in demographic
    group_ok = "all" in groups or every_group or bool(set(groups) & set(demographic))
    return comp_ok and group_ok


def unsettled(
    start: dt.date,
    *,
    timeline: Sequence[Any],
    region: str | None,
    component: str = "all",
    demographic: Sequence[str] = (),
    policy_ids: Sequence[str] = (),
    rules: DesignRules = RULES,
) -> str:
    """Why the months before `start` were under other rules than the months after it ("" when they
    were not): a policy for every citizenship took effect fewer than `rules.settle` months before."""
    from corridor.reference.labels import label

    recent = [
        e
        for e in timeline
        if e.all_citizenships
        and e.id not in policy_ids
        and add_months(start, -rules.settle) < e.start_month < start
        and e.covers_region(region)
        and _applies(e, component, demographic)
    ]
    if not recent:
        return ""
    month = max(e.start_month for e in recent)
    names = " and ".join(f"“{label('event', e.id)}”" for e in recent if e.start_month == month)
    gap = month_diff(month, start)
    return (
        f"{names} changed the rules for every nationality in {month:%B %Y}, "
        f"{gap} month{'s' if gap != 1 else ''} before this start, so the months before the start were "
        f"under other rules than the months after it and no comparison can separate this policy's "
        f"effect from that change (at least {rules.settle} months under the same rules are needed)."
    )


def choose_post(
    months: list[dt.date],
    cohorts: dict[str, dt.date],
    *,
    post: int | None,
    timeline: Sequence[Any],
    region: str | None,
    policy_ids: Sequence[str],
    rules: DesignRules,
) -> tuple[int, str]:
    """The post-period length and why."""
    last = max(cohorts.values())
    available = month_diff(last, months[-1]) + 1
    if post is not None:
        if post < 1:
            raise UsageError("the post period must be at least 1 month")
        if post > available:
            raise UsageError(
                f"a post period of {post} months runs past the data: from {last:%Y-%m} the data have "
                f"{available} month{'s' if available != 1 else ''} (to {months[-1]:%Y-%m})"
            )
        return post, f"Post period: {post} months, as asked."
    length, why = (
        min(rules.post_default, available),
        f"Post period: {rules.post_default} months (default rule)",
    )
    if available < rules.post_default:
        why = f"Post period: {available} months, all the data after the start"
    nxt = [
        e
        for e in timeline
        if e.start_month > last
        and e.id not in policy_ids
        and e.covers_region(region)
        and (e.all_citizenships or _targets(e, list(cohorts)))
    ]
    if nxt:
        from corridor.reference.labels import label

        first = min(nxt, key=lambda e: e.start_month)
        gap = month_diff(last, first.start_month)
        if gap < length:
            length = gap
            why = (
                f"Post period: {gap} month{'s' if gap != 1 else ''}, up to “{label('event', first.id)}” "
                f"({first.start_month:%Y-%m}), the next policy for these units (default rule)"
            )
    return length, why + "."


def choose_donors(
    panel: pd.DataFrame,
    cohorts: dict[str, dt.date],
    *,
    first: dt.date,
    end: dt.date,
    donors: Sequence[str],
    excluded: Sequence[str],
    timeline: Sequence[Any],
    region: str | None,
    rules: DesignRules,
) -> tuple[list[str], list[str], list[str]]:
    """The donor units, notes on how they were chosen, and warnings."""
    from corridor.reference.labels import label

    notes: list[str] = []
    warnings: list[str] = []
    window = [e for e in timeline if first <= e.start_month <= end and e.covers_region(region)]
    if donors:
        for d in donors:
            hit = [label("event", e.id) for e in window if _targets(e, [d])]
            if hit:
                warnings.append(f"Donor {d} is named by {', '.join(hit)} in the evaluation window.")
        return list(donors), notes, warnings
    if excluded and list(cohorts) == [ALL_UNITS]:
        chosen = [c for c in excluded if c in panel.columns]
        notes.append(
            f"Treated: every citizenship except {', '.join(excluded)} (summed, as {ALL_UNITS}); "
            f"donors: the excluded {', '.join(chosen) or 'none'}."
        )
        return chosen, notes, warnings
    targeted = {c for e in window if not e.all_citizenships for c in e.citizenships}
    pre = panel.loc[[m for m in panel.index if first <= m < min(cohorts.values())]]
    small = [c for c in panel.columns if c not in cohorts and pre[c].mean() < rules.donor_floor]
    chosen = [
        c for c in panel.columns if c not in cohorts and c not in targeted and c not in small and c != "UNK"
    ]
    left_out = sorted((targeted & set(panel.columns)) - set(cohorts))
    if left_out:
        notes.append(
            f"Donors exclude {names_of(left_out)}: named by another policy between {first:%Y-%m} "
            f"and {end:%Y-%m}."
        )
    if small:
        notes.append(
            f"Donors exclude {len(small)} citizenships under {rules.donor_floor:.0f} encounters a month "
            f"before the start"
            + (f" ({names_of(sorted(small))})." if len(small) <= 8 else "; the metadata lists the donors.")
        )
    return chosen, notes, warnings


SUBJECTS = {"usbp": "Border Patrol encounters", "ofo": "Encounters at ports of entry", "all": "Encounters"}


def place(region: str | None, sector: Sequence[str] | None = None) -> str:
    """Where, in words ("at the southwest land border")."""
    from corridor.reference.labels import label

    if sector:
        return (
            "in the "
            + " and ".join(label("sector", s) for s in sector)
            + " sector"
            + ("s" if len(sector) > 1 else "")
        )
    if region in (None, "nationwide"):
        return "nationwide"
    return f"at the {label('region', region).lower()}"


def build(
    panel: pd.DataFrame,
    treatment: Treatment,
    *,
    since: dt.date | None = None,
    donors: Sequence[str] = (),
    post: int | None = None,
    seed: int = 0,
    timeline: Sequence[Any] = (),
    rules: DesignRules = RULES,
    selection: str = "",
    caption: str = "",
    subject: str = "",
    where: str = "",
) -> tuple[Design, list[str], list[str]]:
    """The design by the default rules (or the overrides given), with notes and warnings."""
    cohorts = treatment.cohorts
    check_units(panel, cohorts, donors)
    months = list(panel.index)
    region = treatment.region
    first, why_first = choose_first(
        months, cohorts, since=since, timeline=timeline, region=region, rules=rules
    )
    length, why_post = choose_post(
        months,
        cohorts,
        post=post,
        timeline=timeline,
        region=region,
        policy_ids=treatment.policy_ids,
        rules=rules,
    )
    end = add_months(max(cohorts.values()), length - 1)
    chosen, donor_notes, warnings = choose_donors(
        panel,
        cohorts,
        first=first,
        end=end,
        donors=donors,
        excluded=treatment.excluded,
        timeline=timeline,
        region=region,
        rules=rules,
    )
    alone = list(cohorts) == [ALL_UNITS] and not treatment.excluded and not donors
    if not chosen and not alone:
        raise UsageError(
            "no comparison (donor) nationalities are left: every other citizenship is named by a policy in "
            f"the window or averages under {rules.donor_floor:.0f} encounters a month; name donors yourself"
        )
    pre_months = month_diff(first, min(cohorts.values()))
    if pre_months < MIN_PRE_MONTHS:
        raise UsageError(
            f"only {pre_months} months of data before the start {min(cohorts.values()):%Y-%m} "
            f"(from {first:%Y-%m}); "
            f"at least {MIN_PRE_MONTHS} are needed"
        )
    common = [
        e.id
        for e in timeline
        if e.all_citizenships
        and first <= e.start_month <= end
        and e.covers_region(region)
        and e.id not in treatment.policy_ids
    ]
    settled = unsettled(
        min(cohorts.values()),
        timeline=timeline,
        region=region,
        component=treatment.component,
        demographic=treatment.demographic,
        policy_ids=treatment.policy_ids,
        rules=rules,
    )
    notes = [why_first, why_post, *donor_notes]
    if common:
        from corridor.reference.labels import label

        notes.append(
            "Policies for every citizenship in the window are treated as common shocks that hit treated and "
            f"donor units alike: {'; '.join(label('event', c) for c in common)}."
        )
    design = Design(
        panel=panel[[*cohorts, *chosen]],
        cohorts=dict(cohorts),
        donors=tuple(chosen),
        post_months=int(length),
        seed=int(seed),
        selection=selection,
        caption=caption,
        first=first,
        subject=subject,
        place=where,
        policy=treatment.title,
        unsettled=settled,
    )
    return design, notes, warnings

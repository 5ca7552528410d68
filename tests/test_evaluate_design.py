"""The default evaluation design: each documented rule, its overrides, and bad designs that fail with
one clear sentence (exit code 2 on the command line, never a traceback)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.analysis.evaluate import design as dz
from corridor.cli import app
from corridor.errors import UsageError
from corridor.reference import events as ev
from corridor.reference.calendar import add_months

runner = CliRunner()
TIMELINE = ev.load_events()


def _panel(
    first: str = "2017-01", months: int = 96, units: tuple[str, ...] = (), level: float = 200.0
) -> pd.DataFrame:
    """A hand-made monthly panel (constant counts) for rule tests: GTM, HND, MEX, COL, ECU, PER, BRA."""
    start = dt.date.fromisoformat(first + "-01")
    index = [add_months(start, i) for i in range(months)]
    cols = units or ("GTM", "HND", "MEX", "COL", "ECU", "PER", "BRA")
    return pd.DataFrame({c: np.full(months, level) for c in cols}, index=index)


def _treatment(start: str, *units: str, ids: tuple[str, ...] = ()) -> dz.Treatment:
    return dz.Treatment(
        cohorts=dict.fromkeys(units, dt.date.fromisoformat(start + "-01")), region="southwest", policy_ids=ids
    )


def test_pre_period_is_the_36_months_before_the_start() -> None:
    design, notes, _ = dz.build(_panel(), _treatment("2021-06", "BRA"), timeline=TIMELINE)
    assert design.first == dt.date(2018, 6, 1)
    assert design.window().pre_months == 36
    assert any("36 months before the start" in n for n in notes)


def test_pre_period_starts_at_the_last_policy_for_the_treated_units_when_enough_months_remain() -> None:
    # family reunification parole (2023-07) names GTM; evaluating GTM from 2025-09 starts the pre
    # period at that policy (26 months) rather than 36 months back
    panel = _panel("2020-01", 80)
    design, notes, _ = dz.build(panel, _treatment("2025-09", "GTM"), timeline=TIMELINE)
    assert design.first == dt.date(2023, 7, 1)
    assert any("last changed the treated units' own rules" in n for n in notes)
    # ...but not when fewer than 24 months would remain
    design, _, _ = dz.build(panel, _treatment("2024-12", "GTM"), timeline=TIMELINE)
    assert design.first == dt.date(2021, 12, 1)


def test_post_period_stops_before_the_next_policy_for_these_units() -> None:
    panel = _panel("2019-01", 84)
    # CHNV parole (2023-01): the next policy in the southwest for everyone is 2023-05 (Title 42 ends)
    treatment = _treatment("2023-01", "CUB", ids=("chnv_parole",))
    panel["CUB"] = 300.0
    design, notes, _ = dz.build(panel, treatment, timeline=TIMELINE)
    assert design.post_months == 4
    assert any("the next policy for these units" in n for n in notes)
    # a requested post period overrides the rule
    design, _, _ = dz.build(panel, treatment, post=9, timeline=TIMELINE)
    assert design.post_months == 9


def test_donors_leave_out_small_and_policy_named_citizenships() -> None:
    panel = _panel("2017-01", 96)
    panel["VEN"] = 500.0  # named by the Venezuela parole process (2022-10), inside the window
    panel["ISL"] = 2.0  # under the volume floor
    design, notes, _ = dz.build(panel, _treatment("2023-02", "BRA"), timeline=TIMELINE, post=3)
    assert "VEN" not in design.donors and "ISL" not in design.donors and "MEX" in design.donors
    assert "GTM" in design.donors  # family reunification parole (2023-07) is after the window
    assert any("Venezuela" in n for n in notes) and any("Iceland" in n for n in notes)  # names, not codes


def test_overrides_since_and_donors() -> None:
    design, _, warnings = dz.build(
        _panel(),
        _treatment("2021-06", "BRA"),
        since=dt.date(2019, 1, 1),
        donors=["MEX", "COL"],
        timeline=TIMELINE,
    )
    assert design.first == dt.date(2019, 1, 1) and design.donors == ("MEX", "COL")
    assert warnings == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"donors": ["BRA", "MEX"]}, "cannot be both treated and a comparison"),
        ({"post": 50}, "runs past the data"),
        ({"post": 0}, "at least 1 month"),
        ({"since": dt.date(2021, 7, 1)}, "cannot start in 2021-07"),
        ({"since": dt.date(2021, 1, 1)}, "at least 12 are needed"),
        ({"donors": ["XKX"]}, "no encounters of the donor"),
    ],
)
def test_bad_designs_fail_with_one_sentence(kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError) as info:
        dz.build(_panel(), _treatment("2021-06", "BRA"), timeline=TIMELINE, **kwargs)
    text = str(info.value)
    assert message in text and "\n" not in text and text.count(". ") == 0


def test_no_donors_left_is_a_usage_error() -> None:
    panel = _panel(units=("BRA", "VEN"))
    with pytest.raises(UsageError, match="no comparison"):
        dz.build(panel, _treatment("2023-02", "BRA"), timeline=TIMELINE, post=3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "chnv_parole", "--post", "60"], "runs past the data"),
        (["--policy", "chnv_parole", "--donors", "CUB,MEX"], "cannot be both treated and a comparison"),
        (["--start", "2023-01", "--treated", "VEN", "--donors", "ATA"], "no encounters of the donor"),
        (["--start", "2023-01", "--treated", "VEN", "--donors", "ZZZ"], "donors 'ZZZ' is not a country code"),
        (["--start", "2023-01", "--treated", "Narnia"], "treated 'Narnia' is not a country code"),
        (["--policy", "chnv_parole", "--since", "2023-02"], "cannot start in 2023-02"),
    ],
)
def test_bad_designs_exit_2_on_the_command_line(warehouse: Path, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["evaluate", *args, "--db", str(warehouse)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "Traceback" not in res.output


def _treatment_for(start: str, component: str, demographic: tuple[str, ...] = ()) -> dz.Treatment:
    return dz.Treatment(
        cohorts={"GTM": dt.date.fromisoformat(start + "-01")},
        region="southwest",
        component=component,
        demographic=demographic,
    )


def test_a_policy_for_every_nationality_just_before_the_start_leaves_the_design_unsettled() -> None:
    # Title 42 ended (and the lawful-pathways rule began) in May 2023, two months before July 2023
    design, _, _ = dz.build(_panel(), _treatment_for("2023-07", "usbp"), timeline=TIMELINE)
    assert "Title 42 order ends" in design.unsettled and "2 months before this start" in design.unsettled
    assert "{" not in design.unsettled and "title42_end" not in design.unsettled
    # October 2022: the last policy for every nationality at the southwest border was 14 months earlier
    design, _, _ = dz.build(_panel(), _treatment_for("2022-10", "usbp"), timeline=TIMELINE)
    assert design.unsettled == ""


def test_settled_rules_count_only_policies_for_the_outcome_component_and_group() -> None:
    def why(month: str, **kwargs: object) -> str:
        start = dt.date.fromisoformat(month + "-01")
        return dz.unsettled(start, timeline=TIMELINE, region="southwest", **kwargs)  # type: ignore[arg-type]

    # CBP One appointments (January 2023) changed the rules at ports of entry only
    assert why("2023-03", component="usbp") == ""
    assert "CBP One" in why("2023-03", component="ofo")
    # expedited removal for families (August 2021) changed the rules for people in family units only
    assert why("2022-07", demographic=("single_adults",)) == ""
    assert "11 months before" in why("2022-07", demographic=("family_units",))


def test_the_caption_and_chart_name_the_treated_and_left_out_countries_in_words() -> None:
    # Readers see country names, never "COL,SLV,GTM,HND" (a hand-written two-unit panel).
    import datetime as dt

    import pandas as pd

    from corridor.analysis.evaluate.base import Design, names_of

    months = pd.date_range("2020-01-01", periods=12, freq="MS").date
    panel = pd.DataFrame({"COL": 1.0, "SLV": 1.0, "MEX": 1.0}, index=months)
    start = dt.date(2020, 10, 1)
    design = Design(panel=panel, cohorts={"COL": start, "SLV": start}, donors=("MEX",), post_months=3)
    assert design.describe_treated() == "Colombia and El Salvador"
    assert names_of(["CUB", "HTI", "VEN"]) == "Cuba, Haiti and Venezuela"
    assert names_of(["GTM"]) == "Guatemala"

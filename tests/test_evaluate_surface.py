"""What a reader sees of an evaluation agrees with its headline rule: a method that fails its
checks is neither drawn nor offered as an estimate, and the headline reads the same in the card,
the page's table and the CLI's table. Real evaluations on the synced warehouse."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from corridor import fmt
from corridor.cli import app as cli_app
from corridor.reference.labels import label

# Venezuela parole: every method fails its pre-period check (the series grew from almost nothing);
# CHNV parole: the DiD fails it and the other three pass.
POLICIES = ("venezuela_parole", "chnv_parole")
runner = CliRunner()


@pytest.fixture(scope="module")
def evaluations(obs: Any) -> dict[str, Any]:
    return {p: obs.evaluate(policy=p, method="all") for p in POLICIES}


@pytest.fixture(scope="module")
def client(warehouse: Any) -> TestClient:
    from corridor.web.app import create_app

    return TestClient(create_app(db=str(warehouse)), base_url="http://127.0.0.1")


def _drawn(spec: dict[str, Any]) -> set[str]:
    return {
        v["series"]
        for layer in spec["layer"]
        for v in layer.get("data", {}).get("values", [])
        if "series" in v
    }


@pytest.mark.parametrize("policy", POLICIES)
def test_the_chart_draws_exactly_the_methods_that_pass_their_checks(
    evaluations: dict[str, Any], policy: str
) -> None:
    res = evaluations[policy]
    passing = {label("method", m) for m, why in res.headline.eligible.items() if why is None}
    assert _drawn(res.chart()) == passing | {"actual"}
    failing = set(res.failed_checks())
    assert failing == {m for m, why in res.headline.eligible.items() if why}
    assert failing, "each case has at least one method that fails its checks"


@pytest.mark.parametrize("policy", POLICIES)
def test_the_cli_table_offers_no_estimate_for_a_method_that_fails(
    evaluations: dict[str, Any], policy: str
) -> None:
    res = evaluations[policy]
    table = res.table()
    for _, row in table.iterrows():
        method = str(row["method"])
        failed = method.endswith("†")
        names = [m for m in res.failed_checks() if method.startswith(label("method", m))]
        assert failed == bool(names), method
        if failed:
            assert row["effect"] == "–" and row["95% CI"] == "–"
        else:
            assert row["effect"] != "–"
    # the data formats keep every method's estimate, with its checks beside it
    tidy = res.tidy()
    assert tidy["effect_rel"].notna().all()
    assert set(tidy.loc[tidy["checks"] != "passes", "method"]) == set(res.failed_checks())


def test_the_headline_row_carries_the_verdict_interval(evaluations: dict[str, Any]) -> None:
    res = evaluations["chnv_parole"]
    h = res.headline
    assert h.conclusive
    first = res.table().iloc[0]
    assert first["method"].startswith("Headline")
    lo, hi = (float(x) for x in re.findall(r"[+-]\d+", first["95% CI"]))
    assert (lo, hi) == (round(100 * h.effect_rel_lo), round(100 * h.effect_rel_hi))
    # the verdict sentence states the same interval, in words
    verdict = res.verdict()
    assert f"{abs(round(100 * h.effect_rel_hi))}% to {abs(round(100 * h.effect_rel_lo))}% lower" in verdict


def _page_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table id="table-evaluate".*?</table>', html, re.S)
    assert table, "the evaluate table is on the page"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in rows
    ]
    return [c for c in cells if c]


@pytest.mark.parametrize("policy", POLICIES)
def test_the_page_table_leads_with_checks_and_hides_estimates_that_fail(
    client: TestClient, evaluations: dict[str, Any], policy: str
) -> None:
    res = evaluations[policy]
    page = client.get("/evaluate", params={"run": "evaluate", "policy": policy})
    assert page.status_code == 200
    header, *rows = _page_rows(page.text)
    assert header[:2] == ["Method", "Checks"]
    effect = header.index("Effect (%)")
    assert effect == (3 if res.headline.conclusive else 2)  # the weights, when there is a headline
    failed = {label("method", m) for m in res.failed_checks()}
    for row in rows:
        if row[0] in failed:
            assert row[1].startswith("fails:") and row[effect] == "–", row
        elif not row[0].startswith("Headline"):
            assert row[1] == "passes" and row[effect] != "–", row
    # the pre-period error reads as a percentage of the counts, as the checks state it
    pre = header.index("Pre-period error (%)")
    for row in rows:
        name = row[0]
        method = next((m for m in res.failed_checks() if label("method", m) == name), None)
        if method:
            assert row[pre] == fmt.pct(res[method].pre_mape, signed=False)
    # the one evaluation page shows one heading for it, not "Evaluate" twice
    shown = re.findall(r"<h[12](?![^>]*visually-hidden)[^>]*>\s*Evaluate\s*</h[12]>", page.text)
    assert len(shown) == 1


def test_the_page_opens_on_the_evaluation_the_report_shows(client: TestClient) -> None:
    from corridor.report.sections import evaluate as section

    page = client.get("/evaluate")
    assert page.status_code == 200
    assert label("event", section.POLICY).split(" (")[0] in page.text


def test_agreement_counts_the_methods_that_pass_their_checks_first(evaluations: dict[str, Any]) -> None:
    res = evaluations["chnv_parole"]
    passing = [m for m, why in res.headline.eligible.items() if why is None]
    assert 0 < len(passing) < len(res.results)  # the case has a method that fails
    sign = 1 if res.headline.effect_rel > 0 else -1
    agree = sum((res[m].effect_rel > 0) == (sign > 0) for m in passing)
    assert f"{agree} of {len(passing)} methods that pass their checks agree in direction" in res.verdict()


@given(
    methods=st.integers(2, 6),
    data=st.data(),
)
def test_the_agreement_sentence_never_counts_more_than_there_are(methods: int, data: Any) -> None:
    from corridor.analysis.evaluate.headline import agreement_sentence

    eligible = data.draw(st.integers(0, methods))
    same = data.draw(st.integers(0, methods))
    passing = data.draw(st.integers(0, min(eligible, same)))
    text = agreement_sentence(
        {"methods": methods, "eligible": eligible, "same_sign": same, "passing_same_sign": passing}
    )
    pairs = [(int(a), int(b)) for a, b in re.findall(r"(\d+) of (\d+)", text)]
    assert pairs and all(a <= b <= methods for a, b in pairs)
    assert (same, methods) in pairs
    if 2 <= eligible < methods:
        assert (passing, eligible) in pairs


def test_the_adjusted_headline_row_says_how_it_differs_from_its_method(
    evaluations: dict[str, Any], client: TestClient, warehouse: Path
) -> None:
    """The headline row and its method's row differ (the out-of-sample correction); the label says
    so and the note's numbers reproduce the headline from the method's own estimate."""
    from corridor.analysis.evaluate.headline import row_label, row_note

    res = evaluations["chnv_parole"]
    h = res.headline.to_dict()
    assert h["method"] == "combination", "three methods pass their checks for CHNV parole"
    # the combination's own estimate: the weighted mean of the methods' log estimates
    log_own = sum(w * math.log1p(res[m].effect_rel) for m, w in h["weights"].items())
    own = h["correction"]["method_effect_rel"]
    assert math.isclose(math.log1p(own), log_own, abs_tol=1e-3)  # weights are shown to 4 decimals
    assert abs(own - h["effect_rel"]) > 0.005, "the correction moves this headline"
    assert row_label(h) == "Headline (combined, adjusted)"
    note = row_note(h)
    stated_own = float(re.search(r"estimates \(([+-][\d.]+)%\)", note).group(1))
    assert stated_own == round(100 * own, 1)
    pct_off = float(re.search(r"were (\d+)% (?:above|below)", note).group(1))
    shift = h["correction"]["log_shift"]
    assert pct_off == round(abs(100 * (math.exp(shift) - 1)))
    # own estimate, less the stated shift, is the headline (the note is not decoration)
    assert math.isclose(math.expm1(math.log1p(own) - shift), h["effect_rel"], rel_tol=1e-9)
    # the CLI and the page carry the same label and note
    cli = runner.invoke(cli_app, ["evaluate", "--policy", "chnv_parole", "--db", str(warehouse)])
    assert cli.exit_code == 0, cli.output
    flat = " ".join(cli.output.split())
    assert "Headline (combined, adjusted)" in flat and " ".join(note.split()) in flat
    page = client.get("/evaluate", params={"run": "evaluate", "policy": "chnv_parole"}).text
    rows = _page_rows(page)
    assert rows[1][0] == "Headline (combined, adjusted)" and "note below the table" in rows[1][1]
    caption = re.search(r'<p class="caption" id="caption-[^"]*evaluate[^"]*">(.*?)</p>', page, re.S)
    assert caption and html.unescape(caption.group(1)).startswith(note)


def test_evaluate_with_no_options_lists_the_policies_it_can_evaluate() -> None:
    """`corridor evaluate` alone answers which policies can be evaluated, instead of an error."""
    from corridor.reference import events as ev

    named = [e for e in ev.load_events() if e.citizenships and "all" not in e.citizenships]
    out = runner.invoke(cli_app, ["evaluate", "--format", "csv"])
    assert out.exit_code == 0, out.output
    ids = [line.split(",")[0] for line in out.stdout.splitlines()[1:] if line]
    assert ids == [e.id for e in named] and "chnv_parole" in ids
    table = runner.invoke(cli_app, ["evaluate"], env={"COLUMNS": "80"})
    assert table.exit_code == 0
    assert "corridor evaluate --policy chnv_parole" in table.output
    for e in named:
        assert e.id in table.output


def _signed_counts(text: str) -> list[float]:
    """The counts of 'about 78,100 fewer ... (12,600 to 339,000 fewer)' back as signed numbers."""
    words = re.findall(r"([\d,]+) (fewer|more)?", text)
    values, pending = [], []
    for number, way in words:
        pending.append(float(number.replace(",", "")))
        if way:
            values += [-v if way == "fewer" else v for v in pending]
            pending = []
    return values


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=3).map(sorted),
)
def test_the_card_states_encounters_in_words_that_match_the_numbers(xs: list[float]) -> None:
    """'fewer' exactly when negative, each count within rounding to three significant digits,
    whatever the signs of the interval's ends."""
    from corridor.web.views.verdicts import _encounters_a_month

    lo, mid, hi = xs
    text = _encounters_a_month(mid, lo, hi)
    got = _signed_counts(text)
    assert len(got) == 3, text
    shown_mid, a, b = got
    for value, shown in ((mid, shown_mid), *zip(sorted((lo, hi)), sorted((a, b)), strict=True)):
        if abs(value) >= 1:
            assert math.copysign(1, shown) == math.copysign(1, value), text
            assert abs(shown - value) <= 0.005 * abs(value) + 0.5, text
        else:
            assert abs(shown) == 0, text


def test_a_runaway_counterfactual_is_cut_and_named_not_the_scale(evaluations: dict[str, Any]) -> None:
    """CHNV parole: the interrupted time series (passes its checks) extrapolates to 226,000 a month
    and set the chart's scale, flattening the actual series and the headline's counterfactual. The
    scale now follows those two; the runaway line is cut at the top and named with its peak."""
    res = evaluations["chnv_parole"]
    spec = res.chart()
    y = spec["layer"][0]["encoding"]["y"]
    top = y["scale"]["domain"][1]
    actual = max(res.results[0].series["actual"])
    # the headline's counterfactual: for the combination, its methods' weighted geometric mean
    weights = res.headline.weights
    paths = {m: np.log(np.asarray(res[m].series["counterfactual"], dtype=float)) for m in weights}
    headline = float(np.nanmax(np.exp(sum(w * paths[m] for m, w in weights.items()) / sum(weights.values()))))
    assert "its" in weights, "the runaway method carries a little weight in the combination"

    its = max(res["its"].series["counterfactual"])
    assert max(actual, headline) < top < its
    assert spec["layer"][0]["mark"]["clip"] is True
    subtitle = " ".join(spec["title"]["subtitle"])
    assert f"Interrupted time series (up to {its:,.0f} a month)" in subtitle


def test_each_method_shows_its_weight_in_the_headline_everywhere(
    client: TestClient, evaluations: dict[str, Any]
) -> None:
    """The combined headline's weights: the same numbers in the JSON, the CLI table and the page,
    summing to 100%, and none for a method that fails its checks."""
    res = evaluations["chnv_parole"]
    weights = res.headline.weights
    assert res.headline.conclusive and len(weights) >= 2
    assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-3)
    assert not set(weights) & set(res.failed_checks())
    tidy = res.tidy().set_index("method")["headline_weight"]
    assert {m: round(w, 4) for m, w in tidy.dropna().items()} == {m: round(w, 4) for m, w in weights.items()}
    in_cli = {
        m: int(found.group(1))
        for m in res.tidy()["method"]
        for name in res.table()["method"].astype(str)
        if name.startswith(label("method", m)) and (found := re.search(r"\((\d+)%\)", name))
    }
    assert in_cli == {m: round(100 * w) for m, w in weights.items()}
    header, *rows = _page_rows(
        client.get("/evaluate", params={"run": "evaluate", "policy": "chnv_parole"}).text
    )
    col = header.index("Weight in the headline")
    on_page = {r[0]: r[col] for r in rows if r[col] not in ("", "–")}
    assert on_page == {label("method", m): f"{100 * w:.1f}%" for m, w in weights.items()}
    assert res.headline.weights and not evaluations["venezuela_parole"].headline.conclusive
    assert evaluations["venezuela_parole"].tidy()["headline_weight"].isna().all()

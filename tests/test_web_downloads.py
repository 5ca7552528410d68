"""Downloads that keep their context (#17 item 7): filter columns, `# ` header lines with the
query, period, source and flags, names that say what is inside, numbers rounded for people, and
a flows CSV that reloads into the same view."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

import corridor
from corridor.flows import BY_KEYS
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import create_app, downloads
from corridor.web.params import FlowsParams, form_values
from tests.webkit import local


@pytest.fixture(scope="module")
def client(warehouse: Path) -> Iterator[TestClient]:
    with local(create_app(db=warehouse, timeout=600)) as c:
        yield c


def test_a_filtered_flows_csv_states_its_filters_source_and_period(
    client: TestClient, obs: corridor.Observatory
) -> None:
    query = {"citizenship": "VEN", "component": "usbp", "by": "month", "since": "2023-10"}
    response = client.get("/api/v1/flows.csv", params=query)
    assert response.status_code == 200, response.text
    text = response.text
    header = downloads.read_header(text)
    frame = pd.read_csv(io.StringIO(text), comment="#")
    # every filter is a column, not only month and encounters
    assert list(frame.columns) == ["region", "component", "citizenship", "month", "encounters"]
    assert set(frame["region"]) == {"nationwide"} and set(frame["component"]) == {"usbp"}
    assert set(frame["citizenship"]) == {"VEN"}
    want = obs.flows(citizenship="VEN", component="usbp", by="month", since="2023-10")
    assert frame["encounters"].tolist() == want.tidy()["encounters"].tolist()
    assert header["period"] == [want.metadata()["period"]]
    assert header["source"] == [want.caption()]
    assert header["rounded"][0].startswith("yes")  # OHSS citizenship tables are rounded to 10
    assert {"stitched", "partial periods", "query", "view", "warehouse"} <= set(header)
    start, end = want.metadata()["period"].split("..")
    name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"]).group(1)  # type: ignore[union-attr]
    assert name == f"nationwide_usbp_VEN_monthly_{start}_{end}.csv"
    # integers as integers: never 29670.0
    assert not re.search(r"\d\.0(,|$)", text, re.M)


def test_a_downloaded_flows_csv_reloads_into_the_same_view(client: TestClient) -> None:
    asked = {"region": "southwest", "citizenship": "Guatemala,HND", "demographic": "family_units",
             "by": "fiscal_year,citizenship", "since": "2021-10", "until": "2024-09"}  # fmt: skip
    text = client.get("/api/v1/flows.csv", params=asked).text
    reloaded = FlowsParams.model_validate(form_values(downloads.query_of(text)))
    assert reloaded == FlowsParams.model_validate(asked)
    assert reloaded.citizenship == ["GTM", "HND"]  # the name was read as its code
    view = downloads.read_header(text)["view"][0]
    assert view.startswith("/flows?")
    page = client.get(view)
    assert page.status_code == 200
    again = client.get(f"/api/v1/flows?{downloads.read_header(text)['query'][0]}").json()
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert frame["encounters"].tolist() == [r["encounters"] for r in again["data"]]
    assert list(frame.columns) == list(again["data"][0])  # the JSON rows carry the same columns


def test_a_profile_csv_names_its_country_and_rounds_for_people(client: TestClient) -> None:
    response = client.get("/api/v1/profile.csv", params={"iso3": "GTM"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('filename="profile_GTM.csv"')
    frame = pd.read_csv(io.StringIO(response.text), comment="#", dtype=str, keep_default_na=False)
    assert set(frame["iso3"]) == {"GTM"}
    for col in ("baseline_year", "latest_year"):
        assert all(re.fullmatch(r"\d{4}|", v) for v in frame[col]), frame[col].tolist()  # never 2018.0
    for col in ("baseline", "latest", "change"):
        for v in frame[col]:
            if v:
                assert _significant(v) <= 3 or "." not in v, (col, v)  # no 14 decimals


def _significant(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." not in text else len(digits)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
@settings(max_examples=500, deadline=None)
def test_rounding_keeps_three_significant_digits_or_the_whole_number(x: float) -> None:
    got = downloads.rounded(pd.DataFrame({"rate": [x, 0.5]}))["rate"].iloc[0]
    if x == 0:
        assert got == 0
        return
    assert abs(got - x) <= max(0.5, abs(x) * 0.005) + 1e-12 * abs(x), (x, got)
    text = str(got)
    if "." in text and "e" not in text:
        assert _significant(text) <= 3, (x, text)
    if abs(x) >= 100:
        assert isinstance(got, int)  # the integer part is never lost, and written without ".0"


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=-(10**9), max_value=10**9)), min_size=1, max_size=20)
)
def test_counts_stay_integers_and_missing_stays_empty(values: list[int | None]) -> None:
    frame = pd.DataFrame({"encounters": pd.array(values, dtype="Float64"), "fiscal_year": 2020.0})
    text = downloads.rounded(frame).to_csv(index=False)
    rows = text.splitlines()[1:]
    for v, row in zip(values, rows, strict=True):
        count, year = row.split(",")
        assert year == "2020"
        assert count == ("" if v is None else str(v))


def _flows_params() -> st.SearchStrategy[FlowsParams]:
    month = st.tuples(st.integers(1990, 2026), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}")
    return st.builds(
        FlowsParams,
        region=st.sampled_from([None, *REGIONS]),
        component=st.sampled_from(list(COMPONENTS)),
        citizenship=st.lists(st.sampled_from(["GTM", "HND", "OTHER", "Mexico", "cuba"]), max_size=3),
        demographic=st.lists(st.sampled_from(list(DEMOGRAPHICS)), max_size=2),
        sector=st.lists(st.sampled_from(list(SECTORS)), max_size=2),
        title=st.lists(st.sampled_from(list(TITLES)), max_size=2),
        state=st.lists(st.sampled_from(["TX", "ca", "AZ"]), max_size=2),
        since=st.one_of(st.none(), month),
        until=st.one_of(st.none(), month),
        by=st.lists(st.sampled_from(list(BY_KEYS)), max_size=3, unique=True),
    )


@given(_flows_params())
@settings(max_examples=300, deadline=None)
def test_a_query_written_into_a_download_reads_back_as_the_same_request(params: FlowsParams) -> None:
    """Whatever the selection, the `# query:` line of its CSV reloads the same parameters."""
    text = "\n".join(downloads.comment_lines([("query", params.query())])) + "\nmonth,encounters\n"
    assert FlowsParams.model_validate(form_values(downloads.query_of(text))) == params
    name = downloads.flows_filename(params.kwargs(), "2019-10..2025-11")
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.csv", name) and len(name) <= downloads.MAX_NAME + 4


def test_file_names_say_what_is_inside() -> None:
    kwargs = {"region": "southwest", "component": "usbp", "citizenship": ["VEN"], "by": ["month"]}
    assert (
        downloads.flows_filename(kwargs, "2019-10..2025-11")
        == "southwest_usbp_VEN_monthly_2019-10_2025-11.csv"
    )
    by = {"by": ["fiscal_year", "citizenship"]}
    assert (
        downloads.flows_filename(by, "2000-10..2025-11")
        == "nationwide_all_by-citizenship_fiscal-years_2000-10_2025-11.csv"
    )
    assert downloads.verb_filename("profile", {"iso3": "GTM"}) == "profile_GTM.csv"
    assert (
        downloads.verb_filename("forecast", {"region": "southwest", "horizon": 12})
        == "forecast_southwest_horizon-12.csv"
    )
    assert downloads.verb_filename("x", {"text": "../../etc/passwd"}) == "x_text-etc-passwd.csv"


def test_every_number_in_a_verb_csv_is_rounded(client: TestClient) -> None:
    text = client.get(
        "/api/v1/indicators.csv", params={"country": "GTM,HND", "indicator": "wdi.gdp_pc_ppp"}
    ).text
    frame = pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False)
    assert frame["year"].str.fullmatch(r"\d{4}").all()
    for v in frame["value"]:
        assert v == "" or "." not in v or _significant(v) <= 3, v
    assert all(math.isfinite(float(v)) for v in frame["value"] if v)
    assert "# source:" in text and "# query: country=GTM%2CHND&indicator=wdi.gdp_pc_ppp" in text

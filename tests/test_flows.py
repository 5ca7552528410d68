"""The flows planner on the real files, checked against CBP's and USBP's published figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import corridor
from corridor.errors import NoCubeError, UsageError


def _fy(obs: corridor.Observatory, **kw) -> dict[int, int]:
    frame = obs.flows(by="fiscal_year", **kw).tidy()
    return dict(zip(frame["fiscal_year"], frame["encounters"], strict=True))


# Published by CBP (Southwest Land Border Encounters page) and quoted in the data README.
@pytest.mark.parametrize(
    ("fy", "published"), [(2021, 1_734_686), (2022, 2_378_944), (2023, 2_475_669), (2024, 2_135_005)]
)
def test_southwest_fiscal_year_totals(obs, fy: int, published: int) -> None:
    assert _fy(obs, region="southwest")[fy] == published


def test_fy2020_southwest_split_by_demographic_sums_to_cbps_total(obs) -> None:
    # CBP's Southwest Land Border Encounters page: FY2020, 458,088 (all components). The split by
    # demographic must add up to it, and to the same tool's own unsplit answer.
    split = obs.flows(region="southwest", by=["fiscal_year", "demographic"]).tidy()
    fy2020 = split[split["fiscal_year"] == 2020]
    assert int(fy2020["encounters"].sum()) == 458_088 == _fy(obs, region="southwest")[2020]


def test_southwest_series_starts_with_all_encounter_data(obs) -> None:
    result = obs.flows(region="southwest", by="fiscal_year")
    assert result.tidy()["fiscal_year"].min() == 2020
    assert not result.rounded
    assert "FY2026 (2 of 12 months)" in result.partial_periods


def test_june_2021_revised_value(obs) -> None:
    frame = obs.flows(region="southwest", by="month", since="2021-06", until="2021-06").tidy()
    assert frame["encounters"].tolist() == [189_034]  # revised; first published as 188,829
    assert frame["month"].tolist() == [dt.date(2021, 6, 1)]


def test_honduras_fy2021(obs) -> None:
    assert _fy(obs, region="southwest", citizenship="HND")[2021] == 319_324


def test_border_patrol_fy2019_exact_and_back_to_fy1960(obs) -> None:
    result = obs.flows(region="southwest", component="usbp", by="fiscal_year")
    series = dict(zip(result.tidy()["fiscal_year"], result.tidy()["encounters"], strict=True))
    assert series[2019] == 851_508  # CBP's exact figure; OHSS rounds it to 851,510
    assert min(series) == 1960
    assert series[2024] == 1_530_523  # SBO file, exact (OHSS: 1,530,520)
    # FY2021 is answered only by the rounded OHSS cube, and the answer says so.
    assert result.rounded
    assert any(s.rounded and s.start <= dt.date(2021, 3, 1) <= s.end for s in result.segments)
    assert all(not s.rounded for s in result.segments if s.end < dt.date(2020, 10, 1))


def test_usbp_citizenship_reaches_back_through_ohss(obs) -> None:
    result = obs.flows(region="southwest", component="usbp", citizenship="VEN", by="month")
    frame = result.tidy()
    assert frame["month"].min() == dt.date(1999, 10, 1)
    assert result.rounded and {s.cube for s in result.segments} == {"ohss_m_rgn_citp"}
    assert (frame["encounters"] % 10 == 0).all()


def test_border_patrol_never_stands_in_for_all_encounters(obs) -> None:
    result = obs.flows(region="southwest", by="fiscal_year", since="2010-10")
    assert result.tidy()["fiscal_year"].min() == 2020
    assert all(not s.cube.startswith(("ohss", "usbp")) for s in result.segments)


def test_component_split_uses_the_southwest_file(obs) -> None:
    frame = obs.flows(
        region="southwest", by=["fiscal_year", "component"], since="2021-10", until="2022-09"
    ).tidy()
    got = {r.component: r.encounters for r in frame.itertuples()}
    assert got == {"usbp": 2_206_436, "ofo": 172_508}  # SBO spot check in the data README


def test_newer_release_wins_on_overlap(warehouse) -> None:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT DISTINCT split_part(release_id, '@', 1) FROM cube_cbp_state "
        "WHERE is_current AND month BETWEEN DATE '2022-10-01' AND DATE '2023-09-01'"
    ).fetchall()
    con.close()
    assert rows == [("cbp_state/fy23-fy26-nov",)]


def test_group_columns_are_named_as_keys(obs) -> None:
    frame = obs.flows(
        region="southwest", by=["calendar_year", "demographic"], since="2023-01", until="2023-12"
    ).tidy()
    assert list(frame.columns) == ["calendar_year", "demographic", "encounters"]
    assert set(frame["demographic"]) == {"single_adults", "family_units", "uac", "accompanied_minors"}


def test_sector_by_demographic_is_refused_not_guessed(obs) -> None:
    # No publisher crosses sector with family status: the planner must refuse rather than guess.
    with pytest.raises(NoCubeError):
        obs.flows(component="usbp", sector="rio_grande_valley", demographic="family_units", by="fiscal_year")


def test_sector_series_reaches_back_to_fy1960(obs) -> None:
    frame = obs.flows(component="usbp", sector="rio_grande_valley", by="fiscal_year").tidy()
    series = dict(zip(frame["fiscal_year"], frame["encounters"], strict=True))
    assert min(series) == 1960
    assert series[2019] == 339_135  # CBP: Rio Grande Valley sector FY2019


@pytest.mark.parametrize(
    ("kwargs", "cause", "suggestion"),
    [
        ({"component": "ofo"}, "published for the southwest land border only", {"region": "southwest"}),
        ({"citizenship": "FRA"}, "France (FRA) is published only for Border Patrol", {"component": "usbp"}),
        (
            {"component": "usbp", "demographic": "uac", "until": "2005-01"},
            "demographic splits start in FY2008",
            {"since": "2007-10", "until": None},
        ),
        ({"component": "ofo", "sector": "tucson"}, "sectors are Border Patrol areas", {"component": "usbp"}),
        (
            {"component": "ofo", "state": "TX"},
            "US state is published only for all encounters",
            {"component": "all"},
        ),
        (
            {"component": "usbp", "region": "northern", "sector": "rio_grande_valley"},
            "Rio Grande Valley is a sector of the southwest land border",
            {"region": "southwest"},
        ),
    ],
)
def test_errors_name_the_real_cause_and_a_question_that_works(obs, kwargs, cause, suggestion) -> None:
    with pytest.raises(NoCubeError) as err:
        obs.flows(**kwargs)
    message = str(err.value)
    assert cause in message, message
    assert "cbp_state" not in message and "\n" not in message  # no dump of internal tables
    assert err.value.suggestion == suggestion
    nearby = {**kwargs, **suggestion}
    assert len(obs.flows(**{k: v for k, v in nearby.items() if v is not None}).tidy()) > 0


def test_the_cube_listing_is_kept_for_experts(obs) -> None:
    with pytest.raises(NoCubeError) as err:
        obs.flows(component="ofo")
    assert any(line.startswith("cbp_sbo") for line in err.value.details)


def test_countries_by_name_or_code_and_an_unknown_one(obs) -> None:
    by_name = obs.flows(region="southwest", citizenship="guatemala", by="fiscal_year").tidy()
    by_code = obs.flows(region="southwest", citizenship="GTM", by="fiscal_year").tidy()
    assert by_name.equals(by_code)
    with pytest.raises(UsageError, match="did you mean Guatemala"):
        obs.flows(citizenship="Guatemal")
    # Five copies of list parsing used to disagree: a list item may itself be comma-separated.
    a = obs.flows(region="southwest", citizenship=["CUB,HTI"], by="fiscal_year").tidy()
    b = obs.flows(region="southwest", citizenship=["CUB", "HTI"], by="fiscal_year").tidy()
    assert a.equals(b)


def test_family_units_before_they_were_tracked_are_missing_not_zero(obs) -> None:
    # OHSS publishes Border Patrol family units from FY2012 (README: categories other than single
    # adults appear from FY2008; the family-unit rows begin in October 2011).
    result = obs.flows(component="usbp", region="southwest", by=["fiscal_year", "demographic"])
    frame = result.tidy().set_index(["fiscal_year", "demographic"])["encounters"]
    for fy in range(2008, 2012):
        assert frame[(fy, "family_units")] is pd.NA
        assert frame[(fy, "uac")] > 0
    assert frame[(2012, "family_units")] > 0
    meta = result.metadata()
    assert {"from": "2007-10", "to": "2011-09"}.items() <= meta["missing"][0].items()
    assert any("family_units" in w and "not zero" in w for w in meta["warnings"])
    filtered = obs.flows(component="usbp", region="southwest", demographic="family_units", by="fiscal_year")
    assert filtered.tidy()["fiscal_year"].min() == 2012
    assert (filtered.tidy()["encounters"] > 0).all()


def test_border_patrol_counts_no_accompanied_minors(obs) -> None:
    frame = obs.flows(component="usbp", region="southwest", by=["fiscal_year", "demographic"]).tidy()
    assert "accompanied_minors" not in set(frame["demographic"])


@pytest.mark.parametrize(
    ("since", "until", "words"),
    [("2025-06", "2026-03", "2025-12..2026-03"), ("2019-01", "2019-12", "2019-01..2019-09")],
)
def test_a_range_past_the_data_always_warns(obs, since: str, until: str, words: str) -> None:
    for by in ([], ["month"], ["fiscal_year"], ["calendar_year"]):
        result = obs.flows(region="southwest", since=since, until=until, by=by)
        assert any(words in w for w in result.metadata()["warnings"]), by


def test_an_ungrouped_answer_over_a_partial_year_is_flagged(obs) -> None:
    meta = obs.flows(region="southwest", since="2024-10").metadata()
    assert meta["partial_periods"] == ["FY2026 (2 of 12 months)"]
    assert any("FY2026" in w for w in meta["warnings"])


def test_groups_that_do_not_add_up_say_why(obs) -> None:
    # Border Patrol by citizenship comes from the rounded OHSS table; the total from exact CBP files.
    result = obs.flows(
        component="usbp", region="southwest", by=["fiscal_year", "citizenship"], since="2021-10"
    )
    warning = next(w for w in result.metadata()["warnings"] if "do not add up" in w)
    assert "rounded" in warning or "not published" in warning


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "moon"},
        {"component": "air"},
        {"by": "week"},
        {"since": "2024-13"},
        {"since": "2024-05", "until": "2024-01"},
        {"by": ["month", "fiscal_year"]},
        {"demographic": "adults"},
    ],
)
def test_bad_requests(obs, kwargs) -> None:
    with pytest.raises(UsageError):
        obs.flows(**kwargs)


def test_zero_months_are_explicit(obs) -> None:
    frame = obs.flows(
        region="southwest", component="usbp", citizenship="VEN", by="month", since="2000-01", until="2000-12"
    ).tidy()
    assert len(frame) == 12
    assert (frame["encounters"] == 0).any()


def test_metadata_names_cubes_and_releases(obs) -> None:
    meta = obs.flows(region="southwest", by="fiscal_year").metadata()
    assert meta["stitched"] is True
    releases = {r for s in meta["sources"] for r in s["releases"]}
    assert {r.split("@")[0] for r in releases} == {"cbp_state/fy20-fy23", "cbp_state/fy23-fy26-nov"}

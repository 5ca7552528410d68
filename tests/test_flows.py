"""The flows planner on the real files, checked against CBP's and USBP's published figures."""

from __future__ import annotations

import datetime as dt

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


def test_no_cube_error_lists_what_exists(obs) -> None:
    with pytest.raises(NoCubeError) as err:
        obs.flows(citizenship="ZZZ")
    assert "cbp_state" in str(err.value) and "no citizenship ZZZ" in str(err.value)


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

"""Indicators, the analysis panel and country profiles, checked against the raw files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import UsageError

CBP21 = [
    "BRA",
    "CAN",
    "CHN",
    "COL",
    "CUB",
    "ECU",
    "SLV",
    "GTM",
    "HTI",
    "HND",
    "IND",
    "MEX",
    "MMR",
    "NIC",
    "PER",
    "PHL",
    "ROU",
    "RUS",
    "TUR",
    "UKR",
    "VEN",
]
GDP = "worldbank/API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_20423.csv"
HOMICIDE = "worldbank/API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv"


def _wb(data: Path, name: str) -> pd.DataFrame:
    """A World Bank bulk file read plainly: ISO3 x year."""
    raw = pd.read_csv(data / name, skiprows=4)
    code = "Country Code" if "Country Code" in raw.columns else raw.columns[1]
    years = [c for c in raw.columns if str(c).isdigit()]
    return raw.set_index(code)[years].rename(columns=int)


def test_indicator_values_match_raw(obs, data: Path) -> None:
    frame = obs.indicators(
        country="GTM,HND,SLV", indicator="wdi.gdp_pc_ppp,wdi.homicide_rate", since=2010
    ).tidy()
    assert list(frame.columns[:4]) == ["iso3", "country", "indicator", "year"]
    gdp, hom = _wb(data, GDP), _wb(data, HOMICIDE)
    for r in frame.itertuples():
        src = gdp if r.indicator == "wdi.gdp_pc_ppp" else hom
        assert r.value == pytest.approx(src.loc[r.iso3, r.year]), (r.iso3, r.indicator, r.year)
    assert frame["year"].min() >= 2010


def test_groups_expand(obs) -> None:
    a = obs.indicators(country="NORTHERN_TRIANGLE", indicator="wgi.control_of_corruption").tidy()
    assert set(a["iso3"]) == {"GTM", "HND", "SLV"}


def test_lists_read_like_every_other_verb(obs) -> None:
    """Countries and ids parse through corridor.params: a repeated value may itself hold commas."""
    ids = "wgi.control_of_corruption,wdi.gdp_pc_ppp"
    one = obs.indicators(country="GTM,HND", indicator=ids, since=2015).tidy()
    nested = obs.indicators(country=["GTM,HND"], indicator=[ids], since=2015).tidy()
    assert set(one["iso3"]) == {"GTM", "HND"} and set(one["indicator"]) == set(ids.split(","))
    assert one.equals(nested)


def test_catalog_lists_every_id_with_coverage(obs) -> None:
    cat = obs.indicator_catalog()
    assert cat["indicator"].is_unique
    for ident in (
        "wdi.gdp_pc_ppp",
        "wdi.homicide_rate",
        "wgi.control_of_corruption",
        "ti.cpi",
        "emdat.affected",
        "aid.us_disbursed",
        "wdi.remittances_usd",
    ):
        row = cat.set_index("indicator").loc[ident]
        assert row["unit"] and row["source"] and row["countries"] > 0 and row["first_year"] < row["last_year"]


def test_aggregates_never_mix_with_countries(obs) -> None:
    plain = obs.indicators(indicator="wdi.gdp_pc_ppp", since=2020).tidy()
    assert "WLD" not in set(plain["iso3"]) and "LCN" not in set(plain["iso3"])
    withagg = obs.indicators(indicator="wdi.gdp_pc_ppp", since=2020, aggregates=True).tidy()
    assert "WLD" in set(withagg["iso3"])


def test_unknown_indicator_is_a_usage_error(obs) -> None:
    with pytest.raises(UsageError, match=r"wdi\.nope"):
        obs.indicators(indicator="wdi.nope")


def test_panel_fy2020_fy2025_all_named_citizenships(obs, data: Path) -> None:
    drivers = ["wdi.gdp_pc_ppp", "wdi.homicide_rate", "wgi.control_of_corruption"]
    res = obs.panel(
        region="southwest", freq="fiscal_year", with_=drivers, lag=1, since="2019-10", until="2025-09"
    )
    frame = res.tidy()
    assert sorted(frame["citizenship"].unique()) == sorted(CBP21)
    assert sorted(frame["fiscal_year"].unique()) == list(range(2020, 2026))
    assert len(frame) == 21 * 6
    # Outcome: identical to the flows planner's answer for the same cells.
    hnd21 = frame.query("citizenship == 'HND' and fiscal_year == 2021")["encounters"].item()
    assert hnd21 == 319_324
    # Missing values stay missing and are counted: compare with the raw World Bank files (lag 1:
    # FY N takes calendar year N-1).
    for ident, name in (("wdi.gdp_pc_ppp", GDP), ("wdi.homicide_rate", HOMICIDE)):
        raw = _wb(data, name)
        expected = sum(
            1
            for iso in CBP21
            for fy in range(2020, 2026)
            if iso not in raw.index or pd.isna(raw.loc[iso].get(fy - 1))
        )
        assert res.metadata["missing"][ident] == expected == int(frame[ident].isna().sum()), ident
    assert res.metadata["rows"] == 126 and "OTHER" not in set(frame["citizenship"])
    assert "FY N joined to calendar year N-lag" in res.metadata["alignment"]


def test_panel_lag_shifts_years(obs) -> None:
    lag0 = (
        obs.panel(region="southwest", with_="wdi.gdp_pc_ppp", lag=0)
        .tidy()
        .set_index(["citizenship", "fiscal_year"])
    )
    lag1 = (
        obs.panel(region="southwest", with_="wdi.gdp_pc_ppp", lag=1)
        .tidy()
        .set_index(["citizenship", "fiscal_year"])
    )
    assert lag1.loc[("GTM", 2024), "wdi.gdp_pc_ppp"] == lag0.loc[("GTM", 2023), "wdi.gdp_pc_ppp"]


def test_profile_hnd(obs, data: Path) -> None:
    prof = obs.profile("HND")
    table = prof.indicators.set_index("indicator")
    assert table.loc["wdi.homicide_rate", "latest"] == pytest.approx(31.4, abs=0.05)
    assert int(table.loc["wdi.homicide_rate", "latest_year"]) == 2023
    enc = prof.encounters.set_index("fiscal_year")
    # Nationwide (all regions) total, so at least the southwest figure.
    assert enc.loc[2021, "total"] >= 319_324
    doc = prof.to_dict()
    assert doc["iso3"] == "HND" and doc["indicators"] and doc["encounters"]


def test_cli_indicators_list_and_profile_json(warehouse) -> None:
    res = CliRunner().invoke(app, ["indicators", "--list", "--format", "csv", "--db", str(warehouse)])
    assert res.exit_code == 0 and "wgi.control_of_corruption" in res.stdout
    res = CliRunner().invoke(app, ["profile", "SLV", "--format", "json", "--db", str(warehouse)])
    assert res.exit_code == 0 and '"iso3": "SLV"' in res.stdout
    res = CliRunner().invoke(
        app, ["panel", "--region", "southwest", "--with", "wdi.nope", "--db", str(warehouse)]
    )
    assert res.exit_code == 2 and "wdi.nope" in res.stderr

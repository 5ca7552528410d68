"""Published figures for the root-cause indicators, checked against a warehouse synced from the
real files, plus the invariants that join them (country codes, aggregates, catalog).

The spot checks come from the publishers' own pages as recorded in the data README (sections 3,
4, 5 and 7); each is compared at the precision the publisher shows.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import duckdb
import pytest

from corridor import ingest
from corridor.sources._root_causes import ROOT_CAUSES
from tests.conftest import data_dir

DATASETS = [s.id for s in ROOT_CAUSES]


@pytest.fixture(scope="session")
def rc_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding only the root-cause datasets, synced once from the real mirror."""
    db = tmp_path_factory.mktemp("root-causes") / "w.duckdb"
    ingest.sync(db=db, mirror=data_dir(), only=DATASETS)
    return db


@pytest.fixture(scope="module")
def con(rc_db: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(rc_db), read_only=True)
    yield c
    c.close()


def value(con: duckdb.DuckDBPyConnection, indicator: str, iso3: str, year: int) -> float | None:
    row = con.execute(
        "SELECT value FROM indicators WHERE indicator = ? AND iso3 = ? AND year = ?",
        [indicator, iso3, year],
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


# (indicator, iso3, year, published figure, decimals it is published with, scale)
PUBLISHED = [
    # World Bank WDI (README section 3)
    ("wdi.homicide_rate", "HND", 2023, 31.4, 1, 1),
    ("wdi.homicide_rate", "GTM", 2023, 23.4, 1, 1),
    ("wdi.homicide_rate", "SLV", 2022, 7.9, 1, 1),
    ("wdi.homicide_rate", "MEX", 2023, 24.9, 1, 1),
    ("wdi.homicide_rate", "ECU", 2023, 45.7, 1, 1),
    ("wdi.gdp_pc_ppp", "GTM", 2024, 12641, 0, 1),
    ("wdi.gdp_pc_ppp", "HND", 2024, 6586, 0, 1),
    ("wdi.gdp_pc_ppp", "SLV", 2024, 11669, 0, 1),
    ("wdi.gdp_pc_ppp", "MEX", 2024, 22033, 0, 1),
    ("wdi.population", "GTM", 2024, 18.41, 2, 1e6),
    ("wdi.population", "HND", 2024, 10.83, 2, 1e6),
    ("wdi.population", "SLV", 2024, 6.34, 2, 1e6),
    ("wdi.poverty_300", "HND", 2023, 17.0, 1, 1),
    ("wdi.poverty_300", "GTM", 2023, 9.7, 1, 1),
    ("wdi.poverty_300", "SLV", 2023, 4.6, 1, 1),
    ("wdi.poverty_300", "MEX", 2022, 2.3, 1, 1),
    ("wdi.poverty_national", "HND", 2023, 64.1, 1, 1),
    ("wdi.poverty_national", "GTM", 2023, 56.0, 1, 1),
    ("wdi.remittances_pct_gdp", "GTM", 2023, 19.1, 1, 1),
    ("wdi.remittances_pct_gdp", "HND", 2023, 26.1, 1, 1),
    ("wdi.remittances_pct_gdp", "SLV", 2023, 24.1, 1, 1),
    # Governance (README section 4)
    ("wgi.control_of_corruption", "GTM", 2023, -1.12, 2, 1),
    ("wgi.control_of_corruption", "HND", 2023, -1.11, 2, 1),
    ("wgi.control_of_corruption", "NIC", 2023, -1.39, 2, 1),
    ("wgi.control_of_corruption", "SLV", 2023, -0.56, 2, 1),
    ("wgi.control_of_corruption", "VEN", 2023, -1.69, 2, 1),
    ("wgi.control_of_corruption", "AFG", 1996, -1.2917, 4, 1),
    ("ti.cpi", "HND", 2024, 22, 0, 1),
    ("ti.cpi", "GTM", 2024, 25, 0, 1),
    ("ti.cpi", "SLV", 2024, 30, 0, 1),
    ("ti.cpi", "MEX", 2024, 26, 0, 1),
    ("ti.cpi", "NIC", 2024, 14, 0, 1),
    ("ti.cpi", "VEN", 2024, 10, 0, 1),
    ("ti.cpi", "HTI", 2024, 16, 0, 1),
    # Disasters (README section 5)
    ("emdat.affected_storm", "HND", 2020, 5145784, 0, 1),
    ("owid_emdat.affected_storm", "HND", 2020, 5145784, 0, 1),
    ("owid_emdat.deaths_storm", "HND", 1998, 14600, 0, 1),
    # US foreign assistance, fiscal years (README section 7)
    ("aid.us_disbursed", "GTM", 2024, 234.6, 1, 1e6),
    ("aid.us_disbursed", "HND", 2024, 223.7, 1, 1e6),
    ("aid.us_disbursed", "SLV", 2024, 188.4, 1, 1e6),
]


@pytest.mark.parametrize(
    ("indicator", "iso3", "year", "published", "decimals", "scale"),
    PUBLISHED,
    ids=[f"{i}:{c}:{y}" for i, c, y, *_ in PUBLISHED],
)
def test_published_figure(con, indicator, iso3, year, published, decimals, scale) -> None:
    got = value(con, indicator, iso3, year)
    assert got is not None, f"{indicator} {iso3} {year} is missing"
    assert round(got / scale, decimals) == pytest.approx(published), (indicator, iso3, year, got)


@pytest.mark.parametrize(
    ("indicator", "iso3", "year"),
    [("wdi.homicide_rate", "SLV", 2023), ("wdi.gdp_pc_ppp", "VEN", 2024)],
)
def test_published_gaps_stay_missing(con, indicator, iso3, year) -> None:
    """Values the README says are missing are not filled in."""
    assert value(con, indicator, iso3, year) is None


def test_wgi_missing_marker_kept_as_null(con) -> None:
    n = con.execute("SELECT count(*) FROM indicators WHERE source = 'wgi' AND value IS NULL").fetchone()[0]
    assert n > 0


def test_aggregates_are_flagged_not_mixed(con) -> None:
    """World Bank aggregates are kept but flagged; no aggregate code is flagged as a country."""
    flags = dict(
        con.execute(
            "SELECT iso3, bool_and(is_aggregate) FROM indicators WHERE source = 'wdi' "
            "AND iso3 IN ('WLD', 'LCN', 'HIC', 'GTM') GROUP BY iso3"
        ).fetchall()
    )
    assert flags == {"WLD": True, "LCN": True, "HIC": True, "GTM": False}
    mixed = con.execute(
        "SELECT iso3 FROM indicators GROUP BY iso3, source "
        "HAVING bool_or(is_aggregate) AND NOT bool_and(is_aggregate)"
    ).fetchall()
    assert mixed == []


def test_every_country_code_is_in_the_countries_table(con) -> None:
    missing = con.execute(
        "SELECT DISTINCT i.iso3, i.source FROM indicators i "
        "LEFT JOIN countries c USING (iso3) "
        "WHERE NOT i.is_aggregate AND (c.iso3 IS NULL OR c.is_aggregate) ORDER BY 1"
    ).fetchall()
    assert missing == []


def test_countries_names_and_regions(con) -> None:
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT iso3, name_en, name_es, un_region, un_subregion, is_aggregate FROM countries "
            "WHERE iso3 IN ('GTM', 'MEX', 'USA', 'XKX', 'WLD')"
        ).fetchall()
    }
    assert rows["MEX"] == ("Mexico", "México", "Americas", "Latin America and the Caribbean", False)
    assert rows["USA"][1] == "Estados Unidos"
    assert rows["GTM"][1] == "Guatemala"
    assert rows["XKX"][1] == "Kosovo"
    assert rows["WLD"][-1] is True
    dup = con.execute("SELECT count(*) - count(DISTINCT iso3) FROM countries").fetchone()[0]
    assert dup == 0


def test_catalog_covers_every_indicator_once(con) -> None:
    dup = con.execute(
        "SELECT indicator FROM indicator_catalog GROUP BY indicator HAVING count(*) > 1"
    ).fetchall()
    assert dup == []
    uncatalogued = con.execute(
        "SELECT DISTINCT indicator FROM indicators EXCEPT SELECT indicator FROM indicator_catalog"
    ).fetchall()
    assert uncatalogued == []
    empty = con.execute(
        "SELECT indicator FROM indicator_catalog EXCEPT SELECT DISTINCT indicator FROM indicators"
    ).fetchall()
    assert empty == []


def test_catalog_documents_fiscal_years_and_derivations(con) -> None:
    desc = dict(con.execute("SELECT indicator, description FROM indicator_catalog").fetchall())
    assert "fiscal year" in desc["aid.us_disbursed"]
    assert "fiscal year" in desc["aid.us_obligated"]
    assert "Derived" in desc["wdi.remittances_pct_gdp"]
    assert "2021 PPP" in desc["wdi.poverty_300"]


def test_one_value_per_country_year_indicator(con) -> None:
    dup = con.execute(
        "SELECT indicator, iso3, year FROM indicators GROUP BY ALL HAVING count(*) > 1 LIMIT 5"
    ).fetchall()
    assert dup == []


def test_transition_quarter_is_not_added_to_fy1976(con) -> None:
    fy = value(con, "aid.us_obligated", "AFG", 1976)
    tq = value(con, "aid.us_obligated_tq", "AFG", 1976)
    assert tq == 4_501_000
    assert fy is not None and fy != tq


def test_emdat_primary_matches_owid_where_they_overlap(con) -> None:
    """Two aggregations of EM-DAT agree for the Northern Triangle, 2000-2020: deaths in every
    year, people affected in nearly every year (EM-DAT revised a few events between the two
    vintages, e.g. El Salvador 2015: 720,000 affected in gdidata's copy, 20,000 in OWID's)."""
    rows = con.execute(
        """
        SELECT p.iso3, p.year, p.indicator, coalesce(p.value, 0), coalesce(o.value, 0)
        FROM indicators p
        JOIN indicators o ON o.iso3 = p.iso3 AND o.year = p.year
             AND o.indicator = replace(p.indicator, 'emdat.', 'owid_emdat.')
        WHERE p.indicator IN ('emdat.deaths', 'emdat.affected')
          AND p.iso3 IN ('GTM', 'HND', 'SLV') AND p.year BETWEEN 2000 AND 2020
        """
    ).fetchall()
    deaths = [r for r in rows if r[2] == "emdat.deaths"]
    affected = [r for r in rows if r[2] == "emdat.affected"]
    assert len(deaths) >= 50 and len(affected) >= 50
    assert [r for r in deaths if r[3] != r[4]] == []
    differ = [r for r in affected if r[3] != r[4]]
    assert len(differ) <= 0.1 * len(affected), differ


def test_remittances_share_is_derived_consistently(con) -> None:
    rem = value(con, "wdi.remittances_usd", "HND", 2023)
    gdp = value(con, "wdi.gdp_usd", "HND", 2023)
    pct = value(con, "wdi.remittances_pct_gdp", "HND", 2023)
    assert rem and gdp and pct
    assert math.isclose(pct, rem / gdp * 100, rel_tol=1e-12)


def test_wgi_without_its_sheet_fails_cleanly(rc_db: Path, tmp_path: Path) -> None:
    """WGI has one sheet, which the shared bad-input runner cannot delete (openpyxl will not
    save a workbook without sheets); a workbook whose only sheet has another name stands in."""
    import shutil

    import openpyxl
    from typer.testing import CliRunner

    from corridor.cli import app

    db = tmp_path / "w.duckdb"
    shutil.copyfile(rc_db, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    mirror = tmp_path / "mirror" / "governance"
    mirror.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["codeindyr", "code", "countryname", "year", "indicator", "estimate"])
    wb.save(mirror / "wgidataset.xlsx")
    result = CliRunner().invoke(
        app, ["sync", "--mirror", str(mirror.parent), "--only", "wgi", "--db", str(db)]
    )
    assert result.exit_code == 2, result.output
    assert "wgidataset.xlsx" in result.output and "'Sheet1'" in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before

"""Published figures (spot checks listed in the data README) against the warehouse, for the
context datasets: transit flows, UNHCR asylum, EOIR courts, partner-donor aid."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from corridor import ingest
from tests.conftest import data_dir

CONTEXT = [
    "unhcr",
    "undesa_stocks",
    "idmc",
    "wfp",
    "transit",
    "missing_migrants",
    "eoir",
    "partner_aid",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = tmp_path_factory.mktemp("context") / "corridor.duckdb"
    ingest.sync(db=db, mirror=data_dir(), only=CONTEXT)
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> float:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None and row[0] is not None, sql
    return row[0]


# --- transit (README section 2) ----------------------------------------------------------------


@pytest.mark.parametrize(("year", "published"), [(2022, 248_284), (2023, 520_085), (2024, 302_203)])
def test_darien_calendar_year(con, year: int, published: int) -> None:
    sql = "SELECT sum(n) FROM transit_monthly WHERE series = 'darien' AND breakdown = ? AND year(month) = ?"
    assert one(con, sql, "nationality", year) == published
    assert one(con, sql, "demographic", year) == published  # the sex/age file agrees


def test_darien_annual_rows_stay_apart(con) -> None:
    assert one(con, "SELECT min(month) FROM transit_monthly WHERE series = 'darien'").year == 2020
    assert one(con, "SELECT min(year) FROM transit_annual") == 2010
    assert one(con, "SELECT max(year) FROM transit_annual") == 2019


@pytest.mark.parametrize(("year", "published"), [(2023, 778_907), (2024, 1_231_320)])
def test_mexico_presented(con, year: int, published: int) -> None:
    sql = (
        "SELECT sum(n) FROM transit_monthly WHERE series = 'mexico_presented' "
        "AND breakdown = 'nationality' AND year(month) = ?"
    )
    assert one(con, sql, year) == published


def test_honduras_irregular_arrivals_2023(con) -> None:
    sql = (
        "SELECT sum(n) FROM transit_monthly WHERE series = 'honduras_arrivals' AND breakdown = ? "
        "AND year(month) = 2023"
    )
    for breakdown in ("total", "nationality", "demographic"):
        assert one(con, sql, breakdown) == 545_043, breakdown


# --- UNHCR (README section 6) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "published"),
    [(2019, 70_363), (2021, 131_418), (2023, 140_979), (2024, 78_966), (2025, 70_482)],
)
def test_unhcr_applications_in_mexico(con, year: int, published: int) -> None:
    sql = "SELECT sum(value) FROM indicators WHERE indicator = 'unhcr.asylum_apps_in_mex' AND year = ?"
    assert one(con, sql, year) == published
    table = (
        "SELECT sum(applied) FROM asylum_applications WHERE asylum_iso3 = 'MEX' AND year = ? "
        "AND unit = 'persons'"
    )
    assert one(con, table, year) == published


def test_unhcr_top_origins_in_mexico_2023(con) -> None:
    rows = con.execute(
        "SELECT iso3, value FROM indicators WHERE indicator = 'unhcr.asylum_apps_in_mex' "
        "AND year = 2023 ORDER BY value DESC LIMIT 3"
    ).fetchall()
    assert rows == [("HTI", 44_239), ("HND", 41_936), ("CUB", 18_386)]


def test_unhcr_venezuelan_oip_2024(con) -> None:
    oip = one(con, "SELECT sum(oip) FROM refugee_population WHERE origin_iso3 = 'VEN' AND year = 2024")
    assert round(oip / 1e6, 2) == 5.88


def test_unhcr_indicator_counts_persons_only(con) -> None:
    # Costa Rica reported cases in 2000-2004: they stay in the table and out of the indicator.
    cases = one(
        con,
        "SELECT sum(applied) FROM asylum_applications WHERE asylum_iso3 = 'CRI' AND unit = 'cases'",
    )
    assert cases > 0
    years = con.execute(
        "SELECT min(year) FROM indicators WHERE indicator = 'unhcr.asylum_apps_in_cri'"
    ).fetchone()
    assert years == (2006,)


# --- EOIR (README sections 8, 14, 17) ----------------------------------------------------------


def test_eoir_caseload_2026_definition(con) -> None:
    sql = "SELECT {} FROM court_caseload WHERE definition = 'eoir_2026' AND fiscal_year = ?"
    assert one(con, sql.format("pending"), 2024) == 3_925_351
    assert one(con, sql.format("receipts"), 2023) == 1_206_103
    assert one(con, sql.format("completions"), 2024) == 704_949
    assert one(con, sql.format("partial"), 2026) is True
    assert one(con, sql.format("partial"), 2025) is False


def test_eoir_definitions_are_kept_apart(con) -> None:
    sql = "SELECT pending FROM court_caseload WHERE definition = ? AND fiscal_year = 2016"
    assert one(con, sql, "eoir_2026") == 826_488
    assert one(con, sql, "eoir_2021") == 521_517


@pytest.mark.parametrize(
    ("iso3", "grants", "denials", "other"),
    [
        ("SLV", 2_311, 10_701, 3_975),
        ("GTM", 1_540, 9_334, 4_396),
        ("HND", 1_286, 8_893, 3_414),
        ("MEX", 802, 6_437, 6_058),
        ("CHN", 3_438, 1_193, 1_648),
    ],
)
def test_eoir_asylum_fy2019(con, iso3: str, grants: int, denials: int, other: int) -> None:
    row = con.execute(
        "SELECT grants, denials, other FROM court_asylum_decisions "
        "WHERE fiscal_year = 2019 AND is_full_year AND iso3 = ?",
        [iso3],
    ).fetchall()
    assert row == [(grants, denials, other)]


def test_eoir_asylum_fy2018_grants_plus_denials(con) -> None:
    assert (
        one(con, "SELECT sum(grants) + sum(denials) FROM court_asylum_decisions WHERE fiscal_year = 2018")
        == 39_958
    )


def test_eoir_asylum_editions(con) -> None:
    rows = con.execute(
        "SELECT fiscal_year, edition::VARCHAR, is_full_year, count(*) FROM court_asylum_decisions "
        "GROUP BY ALL ORDER BY 2"
    ).fetchall()
    assert [r[:3] for r in rows] == [
        (2018, "2018-10-24", True),
        (2019, "2019-10-23", True),
        (2020, "2020-07-14", False),
        (2021, "2021-01-07", False),  # mislabelled 2020-01-07 in the mirror
        (2021, "2021-04-19", False),
        (2021, "2021-07-08", False),
        (2021, "2021-10-19", True),
    ]
    assert {r[1]: r[3] for r in rows}["2021-07-08"] == 120  # 125 rows less 5 repeats


# --- partner aid (README section 18) -----------------------------------------------------------


@pytest.mark.parametrize(("year", "published"), [(1998, 40.72), (1999, 53.03), (2000, 66.88), (2001, 58.24)])
def test_oda_japan_to_el_salvador(con, year: int, published: float) -> None:
    sql = (
        "SELECT net_oda_usd_m FROM oda_bilateral WHERE donor_iso3 = 'JPN' "
        "AND recipient_iso3 = 'SLV' AND year = ?"
    )
    assert one(con, sql, year) == pytest.approx(published, abs=0.005)


def test_oda_el_salvador_1999_ranking(con) -> None:
    rows = con.execute(
        "SELECT donor_iso3 FROM oda_bilateral WHERE recipient_iso3 = 'SLV' AND year = 1999 "
        "ORDER BY net_oda_usd_m DESC LIMIT 5"
    ).fetchall()
    assert [r[0] for r in rows] == ["JPN", "USA", "DEU", "ESP", "SWE"]


def test_oda_indicators_split_the_usa(con) -> None:
    sql = "SELECT value FROM indicators WHERE indicator = ? AND iso3 = 'HND' AND year = 2022"
    total = one(con, sql, "oda.net_bilateral_total")
    others = one(con, sql, "oda.net_bilateral_excl_usa")
    assert total - others == pytest.approx(138.8, abs=0.05)  # USA -> HND 2022


def test_aiddata_japan_to_el_salvador_1998(con) -> None:
    value = one(
        con,
        "SELECT commitments_usd_constant FROM aiddata_commitments WHERE donor = 'JPN' "
        "AND recipient_iso3 = 'SLV' AND year = 1998",
    )
    assert value / 1e6 == pytest.approx(16.6, abs=0.05)
    assert one(con, "SELECT bool_and(incomplete) FROM aiddata_commitments WHERE year >= 2010") is True

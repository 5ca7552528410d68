"""Published spot checks for the operations datasets (README sections 12-13), on the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


def _one(warehouse: Path, sql: str) -> float:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    assert row is not None and row[0] is not None, sql
    return float(row[0])


def _bookouts(fy: int, outcome: str) -> str:
    return (
        f"SELECT events FROM border_outcomes_fy WHERE fiscal_year={fy} AND agency='all' "
        f"AND demographic='all' AND citizenship='ALL' AND outcome='{outcome}'"
    )


FIGURES = [
    # OHSS workbook (published Total rows, rounded to 10)
    ("SW encounters FY2021", _bookouts(2021, "encounters"), 1_734_680),
    ("SW encounters FY2022", _bookouts(2022, "encounters"), 2_378_940),
    ("SW encounters FY2023", _bookouts(2023, "encounters"), 2_475_670),
    ("SW T42 expulsions FY2021", _bookouts(2021, "t42_expulsion"), 1_063_520),
    ("book-outs FY2023 T8 repatriations", _bookouts(2023, "t8_repatriation"), 200_610),
    ("book-outs FY2023 T42 expulsions", _bookouts(2023, "t42_expulsion"), 564_380),
    ("book-outs FY2023 transfers to ICE", _bookouts(2023, "transfer_ice"), 309_890),
    ("book-outs FY2023 transfers to HHS", _bookouts(2023, "transfer_hhs"), 118_100),
    ("book-outs FY2023 USBP releases", _bookouts(2023, "usbp_release"), 909_450),
    ("book-outs FY2023 OFO paroles", _bookouts(2023, "ofo_parole"), 370_190),
    (
        "DHS-wide Title 42 FY2021",
        "SELECT events FROM dhs_repatriations_fy WHERE type='title42_expulsions' AND fiscal_year=2021",
        1_071_070,
    ),
    (
        "ERO administrative arrests FY2023",
        "SELECT events FROM ice_enforcement_fy WHERE measure='ero_arrests' AND citizenship='ALL' "
        "AND fiscal_year=2023",
        170_590,
    ),
    (
        "ICE removals and returns FY2019",
        "SELECT events FROM ice_enforcement_fy WHERE measure='removals_returns' AND arresting_agency='all' "
        "AND fiscal_year=2019",
        267_260,
    ),
    (
        "nationwide CF completions FY2019",
        "SELECT cases FROM credible_fear_fy WHERE scope='nationwide' AND stage='completed' "
        "AND result='all' AND fiscal_year=2019",
        103_320,
    ),
    (
        "nationwide CF completions FY2021",
        "SELECT cases FROM credible_fear_fy WHERE scope='nationwide' AND stage='completed' "
        "AND result='all' AND fiscal_year=2021",
        43_970,
    ),
    (
        "OHSS CF completions June 2021",
        "SELECT cases FROM credible_fear WHERE scope='nationwide' AND stage='completed' AND result='all' "
        "AND month = DATE '2021-06-01'",
        6_210,
    ),
    # DHS OIS table
    (
        "OIS completed FY2019",
        "SELECT cases FROM credible_fear_nationality_fy WHERE fiscal_year=2019 AND citizenship='ALL' "
        "AND measure='completed'",
        103_295,
    ),
    (
        "OIS found FY2019",
        "SELECT cases FROM credible_fear_nationality_fy WHERE fiscal_year=2019 AND citizenship='ALL' "
        "AND measure='found'",
        76_185,
    ),
    (
        "OIS completed FY2021",
        "SELECT cases FROM credible_fear_nationality_fy WHERE fiscal_year=2021 AND citizenship='ALL' "
        "AND measure='completed'",
        43_958,
    ),
    # USCIS semi-monthly (later edition wins)
    (
        "USCIS CF decisions June 2021",
        "SELECT sum(cases) FROM fear_screenings_semimonthly WHERE is_current AND fear_type='credible' "
        "AND block='all' AND measure='decisions' "
        "AND period_start BETWEEN DATE '2021-06-01' AND DATE '2021-06-30'",
        6_206,
    ),
    (
        "USCIS CF decisions Jan 2020",
        "SELECT sum(cases) FROM fear_screenings_semimonthly WHERE is_current AND fear_type='credible' "
        "AND block='all' AND measure='decisions' "
        "AND period_start BETWEEN DATE '2020-01-01' AND DATE '2020-01-31'",
        3_689,
    ),
    (
        "USCIS CF receipts 1 Nov 2020 - 30 Sep 2021",
        "SELECT sum(cases) FROM fear_screenings_semimonthly WHERE edition='uscis_2020_11' "
        "AND fear_type='credible' "
        "AND block='all' AND measure='receipts' AND period_start <= DATE '2021-09-16'",
        58_444,
    ),
    # ICE detention statistics (DDP editions) and UWCHR
    (
        "ADP FY2019 (year-end edition)",
        "SELECT round(adp_fytd) FROM detention_adp WHERE is_latest AND agency='all' AND criminality='all' "
        "AND fiscal_year=2019 LIMIT 1",
        50_165,
    ),
    (
        "ADP FY2024",
        "SELECT round(adp_fytd) FROM detention_adp WHERE is_latest AND agency='all' AND criminality='all' "
        "AND fiscal_year=2024 LIMIT 1",
        37_722,
    ),
    (
        "ADP FY2025 to 2025-09-15",
        "SELECT round(adp_fytd) FROM detention_adp WHERE is_latest AND agency='all' AND criminality='all' "
        "AND fiscal_year=2025 LIMIT 1",
        48_404,
    ),
    (
        "removals FY2019",
        "SELECT removals_fytd FROM detention_removals WHERE is_latest AND fiscal_year=2019",
        267_258,
    ),
    (
        "removals FY2020",
        "SELECT removals_fytd FROM detention_removals WHERE is_latest AND fiscal_year=2020",
        185_884,
    ),
    (
        "removals FY2024",
        "SELECT removals_fytd FROM detention_removals WHERE is_latest AND fiscal_year=2024",
        271_484,
    ),
    (
        "book-ins FY2024 (edition of 2024-10-07)",
        "SELECT book_ins_fytd FROM detention_book_ins WHERE pull_date = DATE '2024-10-07' "
        "AND arresting_agency='all' LIMIT 1",
        277_913,
    ),
    (
        "ATD participants Oct 2019",
        "SELECT count FROM atd_participants WHERE pull_date = DATE '2019-10-07' AND \"table\"='status' "
        "AND category='all'",
        83_186,
    ),
    (
        "UWCHR national headcount, FY2019 mean",
        "SELECT round(avg(detained)) FROM detention_headcount_daily WHERE fiscal_year=2019",
        48_851,
    ),
]


@pytest.mark.parametrize(("name", "sql", "expected"), FIGURES, ids=[f[0] for f in FIGURES])
def test_published_figure(warehouse: Path, name: str, sql: str, expected: float) -> None:
    assert _one(warehouse, sql) == pytest.approx(expected, abs=0.5), name


def test_mislabelled_editions_are_flagged(warehouse: Path) -> None:
    """The FY2024-labelled edition holding FY2025 data, and the FY2026 edition repeating FY2020."""
    bad_2024 = _one(
        warehouse,
        "SELECT count(*) FROM detention_adp WHERE fiscal_year=2024 AND pull_date = DATE '2024-10-28' "
        "AND edition_ok",
    )
    bad_2026 = _one(
        warehouse,
        "SELECT count(*) FROM detention_adp WHERE fiscal_year=2026 AND pull_date = DATE '2025-12-26' "
        "AND edition_ok",
    )
    assert bad_2024 == 0 and bad_2026 == 0

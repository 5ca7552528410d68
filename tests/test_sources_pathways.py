"""Lawful-pathway, femicide and CHNV/CBP One sources: what each reader promises beyond the contract
(rounded and withheld cells flagged, never 0; months not yet published left out; totals checked),
on hand-written fixtures (named `fixture_*`, built in tmp with openpyxl) and the real warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.indicators import femicide_rate
from corridor.reference import to_iso3
from corridor.sources._context_common import country_code
from corridor.sources._ohss_yearbook import read_yearbook_table
from corridor.sources.base import open_workbook
from corridor.sources.femicides import FemicidesSource
from corridor.sources.niv_visas import _read, _structure


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- OHSS yearbook reader --------------------------------------------------------------------------

TITLE = "FIXTURE TABLE: FISCAL YEARS 2022 TO 2023"


def _fixture_yearbook(tmp_path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 9"
    for r in (
        ["Return to Table of Contents"],
        [],
        ["Table 9."],
        [TITLE],
        [],
        ["Region and country", 2022, 2023],
    ):
        ws.append(r)
    for r in rows:
        ws.append(r)
    ws.append(["Notes: To protect privacy, table cells are rounded to the nearest ten."])
    path = tmp_path / "fixture_yearbook.xlsx"
    wb.save(path)
    return path


def _read_fixture(path: Path):
    return read_yearbook_table(
        path,
        "Table 9",
        title=TITLE,
        label="Region and country",
        years=(2022, 2023),
        mapper=lambda s: country_code(s, {"All other countries": "OTHER"}),
        workbook=open_workbook(path),
    )


GOOD = [
    ["REGION"],
    ["Total", 1000, 1100],
    ["North America", 1000, 1100],
    ["COUNTRY"],
    ["Total", 1000, 1100],
    ["Guatemala", 600, "D"],
    ["Honduras", 390, 700],
    ["All other countries1", 10, 10],
]


def test_withheld_cells_stay_missing_with_their_code(tmp_path: Path) -> None:
    table = _read_fixture(_fixture_yearbook(tmp_path, GOOD))
    f = table.frame.set_index(["iso3", "year"])
    assert pd.isna(f.loc[("GTM", 2023), "value"]) and f.loc[("GTM", 2023), "code"] == "D"
    assert f.loc[("HND", 2023), "value"] == 700 and f.loc[("OTHER", 2022), "value"] == 10
    assert table.totals == {2022: 1000, 2023: 1100}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((6, 1, 395), "not rounded to 10"),
        ((6, 1, 900), "its countries sum to"),
        ((6, 2, None), "empty cell where a count is required"),
        ((4, 2, 1110), "differs from the REGION Total"),
        ((5, 0, "Atlantis"), "unknown country 'Atlantis'"),
    ],
)
def test_yearbook_checks(tmp_path: Path, change: tuple, message: str) -> None:
    rows = [list(r) for r in GOOD]
    i, j, value = change
    rows[i][j] = value
    with pytest.raises(InputError, match=message):
        _read_fixture(_fixture_yearbook(tmp_path, rows))


# --- NIV -------------------------------------------------------------------------------------------


def _fixture_niv(tmp_path: Path, gtm_h2b: int = 10, total_h2b: int = 15) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "FY24"
    ws.append(["Fiscal Year 2024", "A1", "H2A", "H2B", "Grand Total"])
    ws.append(["North America", None, None, None, None])
    ws.append(["Guatemala", 1, 4, gtm_h2b, 15])
    ws.append(["Honduras", 0, 1, 5, 6])
    ws.append([None, None, None, None, None])
    ws.append(["Totals for North America", 1, 5, total_h2b, 21])
    ws.append(["Grand Total", 1, 5, total_h2b, 21])
    path = tmp_path / "fixture_niv.xlsx"
    wb.save(path)
    return path


def test_niv_sheet_reads_and_checks_totals(tmp_path: Path) -> None:
    path = _fixture_niv(tmp_path)
    frame = pd.DataFrame(_structure(_read(path, "FY24", 2024, open_workbook(path))))
    got = frame.set_index(["iso3", "visa_class"])["issued"]
    assert got[("GTM", "H-2B")] == 10 and got[("HND", "H-2A")] == 1
    bad = _fixture_niv(tmp_path, gtm_h2b=11)
    with pytest.raises(InputError, match=r"row 6, column 'H2B'.*nationalities sum to 16"):
        _structure(_read(bad, "FY24", 2024, open_workbook(bad)))


def test_niv_blank_count_is_not_zero(tmp_path: Path) -> None:
    path = _fixture_niv(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["FY24"]["C4"] = None  # Honduras H-2A
    wb.save(path)
    with pytest.raises(InputError, match=r"row 4, column 'H2A'.*empty cell"):
        _structure(_read(path, "FY24", 2024, open_workbook(path)))


def test_niv_spelling_follows_the_year(tmp_path: Path) -> None:
    path = _fixture_niv(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["FY24"]["A1"] = "Fiscal Year 2021"
    wb.save(path)
    with pytest.raises(InputError, match=r"no 'H-2A' column"):
        _read(path, "FY24", 2021, open_workbook(path))  # FY2021 sheets spell it with a hyphen


# --- real warehouse ---------------------------------------------------------------------------------


def test_prm_months_after_the_report_are_absent(warehouse: Path) -> None:
    (last,) = _query(warehouse, "SELECT max(month) FROM refugee_admissions_monthly")[0]
    assert str(last) == "2024-12-01"
    partial = _query(warehouse, "SELECT DISTINCT fiscal_year FROM refugee_admissions_fy WHERE partial")
    assert partial == [(2025,)]
    years = _query(
        warehouse, "SELECT max(year) FROM indicators WHERE indicator = 'prm.refugee_admissions_fy'"
    )
    assert years == [(2024,)]  # the partial FY2025 is not an annual indicator


def test_prm_zero_only_within_a_countrys_listed_span(warehouse: Path) -> None:
    rows = dict(
        _query(
            warehouse,
            "SELECT year, value FROM indicators WHERE indicator = 'prm.refugee_admissions_fy' "
            "AND iso3 = 'GTM'",
        )
    )
    assert min(rows) == 2011 and rows[2012] == 0 and rows[2016] > 0  # listed 2011, then 2016 on
    both = _query(
        warehouse,
        "SELECT value FROM indicators WHERE indicator = 'prm.refugee_admissions_fy' "
        "AND iso3 = 'PSE' AND year = 2012",
    )
    parts = _query(
        warehouse,
        "SELECT sum(admissions) FROM refugee_admissions_fy WHERE iso3 = 'PSE' AND fiscal_year = 2012",
    )
    assert both[0][0] == parts[0][0]  # Palestine and Gaza Strip, both PSE, summed


def test_ohss_rounded_flags_and_not_applicable_cells(warehouse: Path) -> None:
    flags = _query(
        warehouse,
        "SELECT bool_and(rounded) FROM (SELECT rounded FROM chnv_paroles UNION ALL SELECT rounded FROM "
        "cbp_one_appointments UNION ALL SELECT rounded FROM lpr_by_birth_fy UNION ALL SELECT rounded FROM "
        "refugee_arrivals_fy)",
    )
    assert flags == [(True,)]
    x = _query(warehouse, "SELECT count(*), count(paroles) FROM chnv_paroles WHERE code = 'X'")[0]
    assert x[0] == 9 and x[1] == 0  # Cuba, Haiti, Nicaragua in Oct-Dec 2022: not 0, not applicable
    zeros = _query(warehouse, "SELECT count(*) FROM cbp_one_appointments WHERE appointments = 0")
    assert zeros == [(0,)]


def test_femicide_metadata_must_describe_indicator_2780(tmp_path: Path, data: Path) -> None:
    meta = tmp_path / "fixture_metadata.xlsx"
    wb = openpyxl.load_workbook(data / "gender_violence/cepalstat_2780_femicides_metadata_20230627.xlsx")
    wb["metadatos"]["B2"] = 2781
    wb.save(meta)
    src = FemicidesSource()
    paths = {"data": data / "gender_violence/cepalstat_2780_femicides_20230627.xlsx", "metadata": meta}
    with pytest.raises(InputError, match=r"indicator_id is '2781', expected '2780'"):
        src.parse(paths, {"data": "d", "metadata": "m"})


def test_femicide_rate_is_derived_only_with_female_population(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "fixture.duckdb"))
    con.execute(
        "CREATE TABLE indicators (iso3 VARCHAR, is_aggregate BOOLEAN, year INTEGER, indicator VARCHAR, "
        "value DOUBLE, unit VARCHAR, source VARCHAR, release_id VARCHAR)"
    )
    con.execute(
        "CREATE TABLE indicator_catalog (indicator VARCHAR, name VARCHAR, description VARCHAR, unit VARCHAR, "
        "source VARCHAR, url VARCHAR, licence VARCHAR)"
    )
    con.execute("INSERT INTO indicators VALUES ('HND', false, 2020, 'eclac.femicides', 227, 'c', 'f', 'r')")
    con.execute("INSERT INTO indicator_catalog VALUES ('eclac.femicides', 'n', 'd', 'u', 's', 'u', 'l')")
    from corridor.errors import UsageError
    from corridor.indicators import _CATALOGS

    _CATALOGS.clear()
    with pytest.raises(UsageError, match=r"female population \(SP.POP.TOTL.FE.IN\) is not loaded"):
        femicide_rate(con)
    con.execute(
        "INSERT INTO indicators VALUES ('HND', false, 2020, 'wdi.population_female', 5e6, 'p', 'w', 'r')"
    )
    con.execute(
        "INSERT INTO indicator_catalog VALUES ('wdi.population_female', 'n', 'd', 'u', 's', 'u', 'l')"
    )
    _CATALOGS.clear()
    rate = femicide_rate(con, country="HND")
    # A made-up population of 5,000,000 women: 227 femicides are 4.54 per 100,000.
    assert float(rate["rate_per_100k_women"].iloc[0]) == pytest.approx(4.54) and bool(rate["derived"].iloc[0])
    assert "derived" in rate.attrs["caption"].lower()
    _CATALOGS.clear()
    con.close()


def test_spanish_country_names_map_to_iso(data: Path) -> None:
    from corridor.sources.femicides import COUNTRIES

    assert COUNTRIES["Honduras"] == to_iso3("Honduras") and COUNTRIES["Perú"] == "PER"


def test_new_tables_have_labels_and_provenance(warehouse: Path) -> None:
    """Every table the new sources write has a human label (for `corridor series`) and release ids."""
    from corridor.reference.labels import SERIES

    datasets = ("niv_visas", "refugee_admissions", "lpr", "ohss_pathways", "femicides", "press_freedom")
    tables = _query(
        warehouse, f"SELECT table_name FROM dataset_tables WHERE kind = 'table' AND dataset IN {datasets}"
    )
    assert len(tables) == 11
    for (name,) in tables:
        assert name in SERIES, name
        missing = _query(
            warehouse, f"SELECT count(*) FROM {name} WHERE release_id IS NULL OR release_id = ''"
        )
        assert missing == [(0,)], name

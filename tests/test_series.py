"""`corridor series`: every loaded context and operations table as a tidy series with provenance.

Values are checked against the raw files in the data folder, read here with the csv module (not
through Corridor's parsers), and against the published figures the data README cites.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import corridor
from corridor import safeyaml
from corridor import series as ser
from corridor.cli import app
from corridor.errors import UsageError
from corridor.web import create_app
from tests.webkit import local

runner = CliRunner()
TIDY = ["value", "unit", "release_id", "rounded", "suppressed", "partial", "missing"]
# The series the issue names (item 6): transit, credible fear, EOIR, detention, outcomes.
NAMED = [
    "transit_darien",
    "transit_mexico_presented",
    "transit_mexico_expelled",
    "transit_guatemala_returned",
    "credible_fear",
    "credible_fear_nationality_fy",
    "court_caseload",
    "detention_adp",
    "detention_book_ins",
    "detention_releases",
    "border_outcomes",
    "dhs_repatriations",
]
OHSS = ["border_outcomes", "border_outcomes_fy", "dhs_repatriations", "credible_fear", "ice_enforcement"]


@pytest.fixture(scope="module")
def catalog(obs: corridor.Observatory) -> pd.DataFrame:
    return obs.series_catalog()


@pytest.fixture(scope="module")
def client(warehouse: Path) -> Iterator[TestClient]:
    with local(create_app(db=warehouse)) as c:
        yield c


def whole(obs: corridor.Observatory, row: pd.Series) -> ser.Series:
    """A series; for the long ones (UNHCR, UN DESA, aid), its headline selection in its last year."""
    size = row["rows"] * max(1, len([m for m in row["measures"].split(", ") if m]))
    if size <= 60_000:
        return obs.series(row["id"])
    last_year = re.search(r"\d{4}", row["last"]).group()
    return obs.series(row["id"], since=last_year, where=row["headline"] or None)


def _month(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


# --- the catalogue -------------------------------------------------------------------------------


def test_catalogue_names_every_non_encounter_table(obs: corridor.Observatory, catalog: pd.DataFrame) -> None:
    tables = obs.con.execute(
        "SELECT table_name FROM dataset_tables WHERE kind NOT IN ('cube', 'indicators', 'indicator_catalog')"
    ).fetchall()
    listed = set(catalog["table"]) | set(catalog.attrs["reference_tables"])
    missing = sorted({t for (t,) in tables} - listed)
    assert not missing, f"tables no series names: {missing}"
    assert set(catalog.attrs["reference_tables"]) == {"countries", "unhcr_countries"}
    assert set(NAMED) <= set(catalog["id"])
    assert catalog["id"].is_unique


def test_curated_registry_names_real_tables_and_columns(
    obs: corridor.Observatory, catalog: pd.DataFrame
) -> None:
    """reference/series.yaml is data: a typo in a table, a column or a shared note must fail here."""
    specs = ser.curated()
    assert len({s.key for s in specs}) == len(specs)
    assert set(s.key for s in specs) <= set(catalog["id"])
    shared = safeyaml.load(ser.CURATED_FILE)["shared_notes"]
    for spec in specs:
        columns = {
            c for (c,) in obs.con.execute(f"SELECT column_name FROM (DESCRIBE {spec.table})").fetchall()
        }
        named = {spec.time, spec.latest_by, *(spec.periods or ()), *(spec.dims or ()), *(spec.values or ())}
        named |= {*(spec.attrs or ()), *spec.separate, *spec.chart_by, *(d for d, _ in spec.chart_where)}
        unknown = sorted(named - columns - {"", "measure"})
        assert not unknown, f"{spec.key}: no such column in {spec.table}: {unknown}"
        assert not set(spec.notes) & set(shared), f"{spec.key}: a shared note was not resolved"
        assert all(n.endswith(".") for n in spec.notes), f"{spec.key}: a note is not a sentence"


def test_catalogue_rows_say_what_where_and_when(catalog: pd.DataFrame) -> None:
    for row in catalog.itertuples():
        assert row.title and row.title != row.id, row.id
        assert row.publisher, row.id
        assert row.unit and row.unit != "as published", row.id
        assert row.first and row.last and row.rows > 0, row.id
    flags = catalog.set_index("id")
    assert flags.loc["court_caseload", "do_not_mix"] == "definition"
    assert flags.loc["court_caseload", "partial"] == "FY2026"
    assert flags.loc["credible_fear_nationality_fy", "suppressed"] > 0
    assert flags.loc[OHSS, "rounded"].all()
    assert not flags.loc[["court_caseload", "transit_darien", "detention_adp"], "rounded"].any()


def test_every_series_returns_tidy_rows_with_provenance(
    obs: corridor.Observatory, catalog: pd.DataFrame
) -> None:
    releases = set(obs.releases(all_versions=True)["release_id"])
    for _, row in catalog.iterrows():
        result = whole(obs, row)
        frame = result.tidy()
        sid = row["id"]
        assert len(frame) > 0, sid
        assert set(TIDY) <= set(frame.columns), sid
        assert frame.columns[0] in (*ser.TIME_COLUMNS, "pull_date", "data_fiscal_year"), sid
        assert frame["release_id"].notna().all() and set(frame["release_id"]) <= releases, sid
        assert frame["unit"].notna().all(), sid
        assert not (frame["suppressed"] & frame["value"].notna()).any(), sid
        assert (frame["missing"].notna() == frame["value"].isna()).all(), sid
        meta = result.metadata()
        assert meta["period"] and meta["unit"], sid
        assert all(s["publisher"] and s["url"] for s in meta["sources"]), sid
        assert isinstance(meta["warnings"], list), sid
        assert all(isinstance(w, str) and w.endswith((".", "?")) for w in meta["warnings"]), sid
        spec = result.chart()
        assert spec is not None, sid
        subtitle = " ".join(spec["title"]["subtitle"])
        assert "Source:" in subtitle and "Period " in subtitle, sid
        shown = re.search(r"Period (\S+)\.\.(\S+?)\.", subtitle)
        assert shown and result.period[0] <= shown.group(1) <= shown.group(2) <= result.period[1], sid


# --- values against the raw files and published figures ----------------------------------------


def test_darien_matches_the_raw_file_and_panamas_annual_total(obs: corridor.Observatory, data: Path) -> None:
    raw: dict[tuple[dt.date, str], int] = {}
    with (data / "transit" / "iom_gdidata_irreg_darien_nat.csv").open() as fh:
        for rec in csv.DictReader(fh):
            if rec["t"].startswith("2023"):
                raw[(_month(rec["t"]), rec["nat"])] = int(rec["n"])
    result = obs.series("transit_darien", since="2023", until="2023", where="breakdown=nationality")
    frame = result.tidy()
    got = {
        (m, n): int(v) for m, n, v in zip(frame["month"], frame["nationality"], frame["value"], strict=True)
    }
    # The mirror writes IOM's "OOO" (other or unknown) where Corridor says UNK; every other code is ISO3.
    assert {k: v for k, v in got.items() if k[1] != "UNK"} == {k: v for k, v in raw.items() if k[1] != "OOO"}
    assert sum(v for k, v in got.items() if k[1] == "UNK") == sum(v for k, v in raw.items() if k[1] == "OOO")
    assert got[(dt.date(2023, 8, 1), "VEN")] == raw[(dt.date(2023, 8, 1), "VEN")]
    assert sum(got.values()) == 520_085  # Panama's published total for 2023 (data README)


def test_eoir_caseload_matches_both_raw_files(obs: corridor.Observatory, data: Path) -> None:
    frame = obs.series("court_caseload").tidy()
    value = {
        (d, y, m): int(v) for d, y, m, v in frame[["definition", "fiscal_year", "measure", "value"]].values
    }
    with (data / "eoir" / "eoir_annual_pending_new_completions_fy2016-fy2026q2.csv").open() as fh:
        for rec in csv.DictReader(fh):
            fy = int(rec["FY"])
            assert value[("eoir_2026", fy, "pending")] == int(rec["Pending"])
            assert value[("eoir_2026", fy, "receipts")] == int(rec["Received"])
            assert value[("eoir_2026", fy, "completions")] == int(rec["Completions"])
    with (data / "court" / "eoir_adjudication_stats_fy2008-fy2020_apr2021.csv").open() as fh:
        for rec in csv.DictReader(fh):
            assert value[("eoir_2021", int(rec["fiscal_year"]), "pending")] == int(rec["pending_end_of_fy"])
    assert value[("eoir_2026", 2024, "pending")] == 3_925_351  # published (data README)
    assert value[("eoir_2021", 2016, "pending")] == 521_517
    assert value[("eoir_2026", 2016, "pending")] == 826_488


def test_border_outcomes_fy2023_match_published_book_outs(obs: corridor.Observatory) -> None:
    frame = obs.series(
        "border_outcomes_fy", since="2023", until="2023", where="agency=all;demographic=all;citizenship=ALL"
    ).tidy()
    got = dict(zip(frame["outcome"], frame["value"], strict=True))
    published = {  # OHSS August 2024 tables, SW border, all CBP (data README spot checks)
        "t8_repatriation": 200_610,
        "t42_expulsion": 564_380,
        "transfer_ice": 309_890,
        "transfer_hhs": 118_100,
        "usbp_release": 909_450,
        "ofo_parole": 370_190,
    }
    assert {k: got[k] for k in published} == published


def test_ice_removals_year_end_editions_match_ice_annual_reports(obs: corridor.Observatory) -> None:
    frame = obs.series("detention_removals").tidy()
    year_end = frame.groupby("fiscal_year")["value"].max()
    assert year_end[2019] == 267_258 and year_end[2020] == 185_884 and year_end[2024] == 271_484


def test_withheld_cells_are_null_and_flagged_as_in_the_raw_file(
    obs: corridor.Observatory, data: Path
) -> None:
    path = data / "outcomes" / "dhs_ois_credible_fear_top15_nationalities_fy2016-fy2021.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    withheld = sum(cell.strip() == "D" for row in rows[4:] for cell in row[1:25])
    assert withheld > 0
    result = obs.series("credible_fear_nationality_fy")
    frame = result.tidy()
    flagged = frame[frame["suppressed"]]
    assert len(flagged) == withheld
    assert flagged["value"].isna().all() and (flagged["missing"] == "withheld by the publisher").all()
    assert result.metadata()["suppressed_cells"] == withheld
    assert any("withheld" in w for w in result.metadata()["warnings"])
    total = frame[(frame["citizenship"] == "ALL") & (frame["measure"] == "completed")]
    assert dict(zip(total["fiscal_year"], total["value"], strict=True))[2019] == 103_295  # DHS OIS


def test_not_applicable_is_null_never_zero(obs: corridor.Observatory) -> None:
    frame = obs.series(
        "border_outcomes",
        until="2020-02",
        where="agency=all;demographic=all;citizenship=ALL;outcome=t42_expulsion",
    ).tidy()
    assert frame["value"].isna().all()  # no Title 42 before March 2020: OHSS writes X, not 0
    assert (frame["missing"] == "not applicable").all()


def test_rounded_flags_follow_the_publisher(obs: corridor.Observatory) -> None:
    for sid in OHSS:
        frame = obs.series(sid).tidy()
        values = frame["value"].dropna().astype("int64")
        assert frame["rounded"].all(), sid
        assert (values % 10 == 0).all(), sid  # the data bear the flag out
    for sid in ("court_caseload", "transit_darien"):
        frame = obs.series(sid).tidy()
        assert not frame["rounded"].any(), sid
        assert (frame["value"].dropna().astype("int64") % 10 != 0).any(), sid


# --- EOIR definitions are never mixed ---------------------------------------------------------------


def test_eoir_definitions_never_mix(obs: corridor.Observatory) -> None:
    result = obs.series("court_caseload")
    frame = result.tidy()
    files = obs.releases().set_index("release_id")["file_key"]
    for definition, part in frame.groupby("definition"):
        assert set(part["release_id"].map(files)) == {f"caseload_{definition[-4:]}"}
    assert any("never add" in w and "definition" in w for w in result.warnings())
    spec = result.chart()
    assert spec is not None
    domain = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert all(sum(lab in line for lab in ("2021", "2026")) == 1 for line in domain)  # one definition a line
    one = obs.series("court_caseload", where="definition=eoir_2026")
    assert set(one.tidy()["definition"]) == {"eoir_2026"}
    assert not any("several definition" in w for w in one.warnings())


# --- ranges, filters and errors ---------------------------------------------------------------------


def test_ranges_past_the_data_warn_naming_the_missing_periods(obs: corridor.Observatory) -> None:
    result = obs.series("court_caseload", since="2005", until="2030", where="definition=eoir_2021")
    warnings = " ".join(result.warnings())
    assert "FY2005..FY2007" in warnings and "FY2021..FY2030" in warnings
    monthly = obs.series("transit_darien", since="2019-06", where="breakdown=nationality")
    assert any("2019-06..2019-12" in w for w in monthly.warnings())
    inside = obs.series("court_caseload", since="2023-05", where="definition=eoir_2026")
    assert inside.tidy()["fiscal_year"].min() == 2023
    assert any("falls inside FY2023" in w for w in inside.warnings())


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"id": "darien"}, r"unknown series 'darien'; did you mean transit_darien"),
        ({"id": "countries"}, r"lookup table"),
        ({"id": "court_caseload", "since": "2023-13"}, r"--since '2023-13' is not a month"),
        ({"id": "court_caseload", "until": "last year"}, r"--until 'last year' is not a month"),
        ({"id": "court_caseload", "since": "2024", "until": "2020"}, r"--since 2024 is after --until 2020"),
        ({"id": "court_caseload", "where": "definiton=eoir_2026"}, r"no dimension 'definiton'.*definition"),
        ({"id": "court_caseload", "where": "definition=eoir_2020"}, r"not a value of definition"),
        ({"id": "court_caseload", "where": "definition"}, r"is not DIMENSION=VALUE"),
        ({"id": "court_caseload", "since": "2040"}, r"no rows .* it covers FY2008..FY2026"),
    ],
)
def test_bad_requests_are_usage_errors(obs: corridor.Observatory, kwargs: dict, pattern: str) -> None:
    sid = kwargs.pop("id")
    with pytest.raises(UsageError, match=pattern) as info:
        obs.series(sid, **kwargs)
    assert "\n" not in str(info.value)


@settings(max_examples=30, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=70),
    length=st.integers(min_value=0, max_value=40),
    nationalities=st.sets(
        st.sampled_from(["VEN", "ECU", "HTI", "COL", "CHN", "AFG"]), min_size=1, max_size=3
    ),
)
def test_filters_select_exactly_the_matching_rows_of_the_whole_series(
    obs: corridor.Observatory, start: int, length: int, nationalities: set[str]
) -> None:
    full = obs.series("transit_darien").tidy()
    months = sorted(full["month"].unique())
    lo, hi = months[min(start, len(months) - 1)], months[min(start + length, len(months) - 1)]
    asked = {"breakdown": ["nationality"], "nationality": sorted(nationalities)}
    try:
        got = obs.series("transit_darien", since=f"{lo:%Y-%m}", until=f"{hi:%Y-%m}", where=asked).tidy()
    except UsageError:  # nothing published for these nationalities in the range: then pandas agrees
        got = full.iloc[0:0]
    want = full[
        (full["month"] >= lo)
        & (full["month"] <= hi)
        & (full["breakdown"] == "nationality")
        & full["nationality"].isin(nationalities)
    ]
    key = ["month", "nationality"]
    assert (
        got[[*key, "value"]].sort_values(key).values.tolist()
        == want[[*key, "value"]].sort_values(key).values.tolist()
    )


# --- a table no one curated is a series too ---------------------------------------------------------


def test_a_new_table_is_detected_without_a_registry_entry() -> None:
    """A hand-written warehouse with one table shaped like the OHSS sheets being added (CHNV paroles)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE dataset_tables (dataset VARCHAR, table_name VARCHAR, kind VARCHAR, description VARCHAR)"
    )
    con.execute("CREATE TABLE datasets (dataset VARCHAR, title VARCHAR, synced_at TIMESTAMP)")
    con.execute(
        "CREATE TABLE releases (release_id VARCHAR, dataset VARCHAR, file_key VARCHAR, file_name VARCHAR, "
        "publisher VARCHAR, url VARCHAR, licence VARCHAR, published VARCHAR, period_start VARCHAR, "
        "period_end VARCHAR, sha256 VARCHAR, is_current BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE handmade_paroles (month DATE, fiscal_year INTEGER, citizenship VARCHAR, "
        "paroles BIGINT, code VARCHAR, rounded BOOLEAN, release_id VARCHAR)"
    )
    con.execute(
        "INSERT INTO dataset_tables VALUES ('demo', 'handmade_paroles', 'table', 'Paroles by month. More.')"
    )
    con.execute("INSERT INTO datasets VALUES ('demo', 'Demo dataset', NULL)")
    con.execute(
        "INSERT INTO releases VALUES ('demo/a@1', 'demo', 'a', 'a.xlsx', 'A publisher', "
        "'https://example.org', 'public domain', NULL, '2023-01', '2023-02', 'x', TRUE)"
    )
    con.execute(
        "INSERT INTO handmade_paroles VALUES ('2023-01-01', 2023, 'CUB', 120, '', TRUE, 'demo/a@1'), "
        "('2023-01-01', 2023, 'HTI', NULL, 'X', TRUE, 'demo/a@1'), "
        "('2023-02-01', 2023, 'CUB', NULL, 'D', TRUE, 'demo/a@1'), "
        "('2023-02-01', 2023, 'HTI', 90, '', TRUE, 'demo/a@1')"
    )
    cat = ser.Catalogue.build(con)
    r = cat.get("handmade_paroles")
    assert (r.time, r.periods, r.dims, r.values, r.units) == (
        "month",
        ("fiscal_year",),
        ("citizenship",),
        ("paroles",),
        {"paroles": "paroles"},
    )
    row = cat.frame(con).iloc[0]
    assert (row["title"], row["first"], row["last"], row["rounded"], row["suppressed"]) == (
        "Paroles by month",
        "2023-01",
        "2023-02",
        True,
        1,
    )
    frame = ser.query(con, cat, "handmade_paroles").tidy()
    assert frame["missing"].tolist() == [None, "not applicable", "withheld by the publisher", None]
    assert frame["suppressed"].tolist() == [False, False, True, False] and frame["rounded"].all()


# --- the command line ---------------------------------------------------------------------------------


def test_cli_list_prints_every_id_whole_at_80_columns(warehouse: Path, catalog: pd.DataFrame) -> None:
    res = runner.invoke(app, ["series", "--list", "--db", str(warehouse)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = {line.strip() for line in res.stdout.splitlines()}
    assert set(catalog["id"]) <= lines
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    assert "countries" in res.stdout  # lookup tables are named too


def test_cli_series_csv_and_json_carry_provenance(warehouse: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "series",
            "court_caseload",
            "--where",
            "definition=eoir_2026",
            "--format",
            "csv",
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("fiscal_year,definition,measure,value,unit,release_id")
    assert "2024,eoir_2026,pending,3925351,cases" in res.stdout
    assert "warning: Partial periods" in res.stderr and "Source: DOJ EOIR" in res.stderr
    chart = tmp_path / "c.json"
    res = runner.invoke(
        app,
        [
            "series",
            "transit_darien",
            "--since",
            "2024-01",
            "--format",
            "json",
            "--chart",
            str(chart),
            "--db",
            str(warehouse),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["metadata"]["sources"][0]["url"].startswith("https://www.migracion.gob.pa")
    assert doc["metadata"]["period"] == "2024-01..2025-04"
    assert "Period 2024-01..2025-04" in " ".join(json.loads(chart.read_text())["title"]["subtitle"])


@pytest.mark.parametrize(
    "args",
    [
        ["series", "darien"],
        ["series", "court_caseload", "--since", "2023-13"],
        ["series", "court_caseload", "--since", "2024", "--until", "2020"],
        ["series", "court_caseload", "--where", "colour=red"],
    ],
)
def test_cli_bad_input_exits_2_with_one_sentence(warehouse: Path, args: list[str]) -> None:
    res = runner.invoke(app, [*args, "--db", str(warehouse)])
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in res.output


# --- the web ----------------------------------------------------------------------------------------


def test_api_catalogue_and_one_series(
    client: TestClient, obs: corridor.Observatory, catalog: pd.DataFrame
) -> None:
    res = client.get("/api/v1/series")
    assert res.status_code == 200
    assert [r["id"] for r in res.json()["data"]] == list(catalog["id"])
    res = client.get(
        "/api/v1/series/court_caseload", params={"where": "definition=eoir_2026", "since": "2020"}
    )
    assert res.status_code == 200
    body = res.json()
    want = obs.series("court_caseload", where="definition=eoir_2026", since="2020").tidy()
    assert [r["value"] for r in body["data"]] == want["value"].tolist()
    assert body["metadata"]["warnings"] and body["metadata"]["sources"][0]["licence"]
    assert "Period FY2020..FY2026" in " ".join(body["chart"]["title"]["subtitle"])
    csv_res = client.get("/api/v1/series/court_caseload.csv", params={"since": "2024"})
    assert csv_res.status_code == 200 and csv_res.headers["x-corridor-source"].startswith("Immigration-court")
    assert "2024,eoir_2026,pending,3925351" in csv_res.text


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("/api/v1/series/darien", r"unknown series 'darien'; did you mean transit_darien"),
        ("/api/v1/series/court_caseload?since=2023-13", r"is not a month"),
        ("/api/v1/series/court_caseload?where=colour%3Dred", r"no dimension 'colour'"),
        ("/api/v1/series/court_caseload?colour=red", r"unknown parameter\(s\) colour"),
        ("/api/v1/series/court_caseload.csv?since=x", r"is not a month"),
        ("/api/v1/series/refugee_population", r"more than the 50,000"),
    ],
)
def test_api_bad_input_is_422_with_one_sentence(client: TestClient, url: str, pattern: str) -> None:
    res = client.get(url)
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and re.search(pattern, detail)


def test_pages_list_every_series_and_show_its_chart_with_source_and_period(
    client: TestClient, catalog: pd.DataFrame
) -> None:
    res = client.get("/series")
    assert res.status_code == 200
    for sid in catalog["id"]:
        assert f'href="/series/{sid}"' in res.text
    res = client.get("/series/court_caseload")
    assert res.status_code == 200
    spec = json.loads(re.search(r'class="spec">(.*?)</script>', res.text, re.S).group(1))
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "Source: DOJ EOIR" in subtitle and "Period FY2008..FY2026" in subtitle
    assert "/api/v1/series/court_caseload.csv" in res.text and "never add" in res.text
    assert "<script>" not in res.text  # no inline scripts (CSP)
    big = client.get("/series/refugee_population")
    assert big.status_code == 200 and "too many for one page" in big.text and 'class="spec"' in big.text
    assert client.get("/series/nope").status_code == 422
    bad = client.get("/series/court_caseload", params={"where": "definition=eoir_2020"})
    assert bad.status_code == 422 and "not a value of definition" in bad.text


def test_chart_description_of_lines_that_share_a_label() -> None:
    """Two entities without a code both read '–' (press freedom: OECS, Northern Cyprus): the
    description adds up their latest values instead of failing on a duplicated label."""
    from corridor import charts

    data = pd.DataFrame(
        {
            "year": [2020, 2020, 2020, 2021, 2021, 2021],
            "line": ["Denmark", "–", "–", "Denmark", "–", "–"],
            "value": [90.0, 75.0, 69.0, 91.0, 76.0, 70.0],
        }
    )
    text = charts.describe_series(data, x="year", y="value", color="line", title="Score", y_name="Score")
    assert "2 groups" in text
    assert "Latest, 2021: – 146, Denmark 91." in text

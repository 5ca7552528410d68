"""`corridor simulate` options: --from/--calibrate-until combinations, incomplete calibration years,
and every option combination (bounded values, drawn by Hypothesis) through the CLI and the Python
API: each run ends in a result or in exit 2 with one sentence, never a traceback."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import corridor
from corridor.cli import app
from corridor.errors import CorridorError
from corridor.simulate import scenario as scenarios

runner = CliRunner()

LAST_COMPLETE = 2025  # EOIR's 2026 table: FY2026 is published through Q2 only (data README, section 8)


def _run(warehouse: Path, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, [*args, "--db", str(warehouse)], env=env)


def _one_sentence_error(output: str) -> str:
    """The whole output is one line 'error: ...' with no traceback."""
    text = output.strip()
    assert "Traceback" not in text, text
    assert text.startswith("error: ") and "\n" not in text, text
    return text


# ---- --from / --calibrate-until combinations ---------------------------------------------------


@pytest.mark.parametrize(
    ("args", "calibrated", "period"),
    [
        ([], "FY2016-FY2025", "FY2026-FY2035"),
        (["--calibrate-until", "2022"], "FY2016-FY2022", "FY2023-FY2032"),
        (
            ["--calibrate-until", "2020", "--from", "2021", "--until", "2024"],
            "FY2016-FY2020",
            "FY2021-FY2024",
        ),
        (
            ["--calibrate-until", "2020", "--from", "2023", "--until", "2025"],
            "FY2016-FY2020",
            "FY2023-FY2025",
        ),
        (["--from", "2026", "--until", "2026"], "FY2016-FY2025", "FY2026-FY2026"),
        (["--calibrate-until", "2018", "--until", "2030"], "FY2016-FY2018", "FY2019-FY2030"),
        (["--definition", "eoir_2021"], "FY2008-FY2020", "FY2021-FY2030"),
        (
            ["--definition", "eoir_2021", "--calibrate-until", "2019", "--from", "2020"],
            "FY2008-FY2019",
            "FY2020-FY2029",
        ),
        (["--calibrate-until", "2024", "--goal", "clear-by 2040"], "FY2016-FY2024", "FY2025-FY2040"),
    ],
)
def test_from_and_calibrate_until_combinations(
    warehouse: Path, args: list[str], calibrated: str, period: str
) -> None:
    result = _run(warehouse, "simulate", "backlog", "--runs", "60", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["metadata"]
    assert meta["calibration_years"] == calibrated
    assert meta["period"] == period
    assert meta["warnings"] and all(w.endswith(".") for w in meta["warnings"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--calibrate-until", "2026"], "the last complete year is FY2025"),
        (["--calibrate-until", "2031"], "the last complete year is FY2025"),
        (["--definition", "eoir_2021", "--calibrate-until", "2022"], "the last complete year is FY2020"),
        (["--calibrate-until", "2010"], "starts in FY2016"),
        (["--calibrate-until", "2017"], "at least three"),
        (["--from", "2025"], "inside the calibration"),
        (["--calibrate-until", "2022", "--from", "2020"], "inside the calibration"),
        (["--from", "2028"], "the last complete year is FY2025"),
        (["--calibrate-until", "2020", "--from", "2028"], "the last complete year is FY2025"),
        (["--from", "2026", "--until", "2024"], "before --from"),
        (["--goal", "clear-by 2024"], "before the first simulated year"),
        (["--until", "2028", "--goal", "clear-by 2031"], "--until 2031"),
    ],
)
def test_bad_combinations_exit_2_with_one_sentence(warehouse: Path, args: list[str], needle: str) -> None:
    result = _run(warehouse, "simulate", "backlog", "--runs", "20", *args)
    assert result.exit_code == 2, result.output
    assert needle in _one_sentence_error(result.output)


def test_incomplete_calibration_year_names_the_last_complete_year(warehouse: Path) -> None:
    """The IndexError of issue 15: FY2026 is only partly published (through Q2)."""
    result = _run(warehouse, "simulate", "backlog", "--calibrate-until", "2026", "--goal", "clear-by 2032")
    assert result.exit_code == 2, result.output
    text = _one_sentence_error(result.output)
    assert f"FY{LAST_COMPLETE}" in text and "FY2026" in text and "partly published" in text


# ---- tables print every value whole in 80 columns ------------------------------------------------


@pytest.mark.parametrize("verb", ["backlog", "pathways"])
def test_tables_fit_80_columns(obs: corridor.Observatory, warehouse: Path, verb: str) -> None:
    result = _run(warehouse, "simulate", verb, "--runs", "100", "--seed", "3", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout, result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    method = obs.simulate_backlog if verb == "backlog" else obs.simulate_pathways
    table = method(runs=100, seed=3).table()
    for row in table.head(12).itertuples(index=False):
        for value in row:
            shown = f"{value:,}" if isinstance(value, int) or hasattr(value, "dtype") else str(value)
            assert shown in result.stdout, (shown, result.stdout)


# ---- every option combination: a result or exit 2 with one sentence -----------------------------

YEARS = st.one_of(st.none(), st.integers(2014, 2040), st.integers(1990, 2070))
# Mostly valid values (so runs reach the models), with out-of-range ones mixed in.
LEVELS = st.one_of(st.sampled_from([0.5, 0.8, 0.9, 0.95]), st.floats(-0.5, 1.5, allow_nan=False))
RUNS = st.one_of(st.integers(1, 40), st.integers(-2, 0))
SEEDS = st.one_of(st.integers(0, 5), st.integers(-3, 2**40))
BACKLOG = st.fixed_dictionaries(
    {
        "judges_added": st.integers(-10, 20_000),
        "start": YEARS,
        "until": YEARS,
        "receipts": st.one_of(
            st.sampled_from(["last", "from-pathways"]), st.floats(-1e4, 5e6, allow_nan=False)
        ),
        "clear_by": YEARS,
        "definition": st.sampled_from(["eoir_2026", "eoir_2021", "eoir_1999"]),
        "calibrate_until": YEARS,
        "hires_per_year": st.floats(-10, 2_000, allow_nan=False),
        "runs": RUNS,
        "seed": SEEDS,
        "level": LEVELS,
    }
)
MONTHS = st.one_of(
    st.none(),
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2008, 2040), st.integers(1, 12)),
    st.sampled_from(["2025-13", "June", "2024-6"]),
)
PATHWAYS = st.fixed_dictionaries(
    {
        "scenario": st.sampled_from([None, "baseline", "no_such_scenario", *scenarios.builtin_names()]),
        "since": MONTHS,
        "until": MONTHS,
        "encounters": st.sampled_from(["history", "seasonal-naive", "forecast"]),
        "calibrate_from": MONTHS,
        "calibrate_until": MONTHS,
        "runs": RUNS,
        "seed": SEEDS,
        "level": LEVELS,
    }
)
FLAGS = {
    "judges_added": "--judges-added",
    "start": "--from",
    "until": "--until",
    "receipts": "--receipts",
    "definition": "--definition",
    "calibrate_until": "--calibrate-until",
    "hires_per_year": "--hires",
    "runs": "--runs",
    "seed": "--seed",
    "level": "--level",
    "scenario": "--scenario",
    "since": "--since",
    "encounters": "--encounters",
    "calibrate_from": "--calibrate-from",
}
SETTINGS = settings(
    max_examples=int(os.environ.get("CORRIDOR_SIMULATE_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _cli_args(options: dict) -> list[str]:
    args = []
    for key, value in options.items():
        if value is None:
            continue
        if key == "clear_by":
            args += ["--goal", f"clear-by {value}"]
        else:
            args += [FLAGS[key], str(value)]
    return args


def _api_ends_cleanly(method, options: dict) -> None:
    try:
        result = method(**options)
    except CorridorError as exc:
        message = str(exc)
        assert message and "\n" not in message, message
        return
    meta = result.metadata()
    assert isinstance(meta["warnings"], list) and meta["interval_meaning"]
    assert len(result.tidy()) > 0


def _cli_ends_cleanly(warehouse: Path, verb: str, options: dict) -> None:
    result = _run(warehouse, "simulate", verb, "--format", "json", *_cli_args(options))
    assert result.exit_code in (0, 2), (options, result.output, result.exception)
    if result.exit_code == 2:
        _one_sentence_error(result.output)
    else:
        assert json.loads(result.stdout)["metadata"]["interval_meaning"]


@SETTINGS
@given(options=BACKLOG)
def test_backlog_options_never_traceback(obs: corridor.Observatory, warehouse: Path, options: dict) -> None:
    _api_ends_cleanly(obs.simulate_backlog, options)
    _cli_ends_cleanly(warehouse, "backlog", options)


@SETTINGS
@given(options=PATHWAYS)
def test_pathways_options_never_traceback(obs: corridor.Observatory, warehouse: Path, options: dict) -> None:
    _api_ends_cleanly(obs.simulate_pathways, options)
    _cli_ends_cleanly(warehouse, "pathways", options)


def test_option_check_can_fail(warehouse: Path) -> None:
    """The harness sees a failure: a traceback-free exit 2 is told apart from a crash."""
    with pytest.raises(AssertionError):
        _one_sentence_error("Traceback (most recent call last):\n  File ...\nIndexError: out of bounds")
    with pytest.raises(AssertionError):
        _one_sentence_error("error: first sentence\nerror: second")
    assert re.match(r"error: ", _one_sentence_error("error: one sentence."))

"""Fuzz every registered source: a damaged copy of its real files parses to valid frames or fails
with a CorridorError naming the file, never another exception, never a hang.

Bounded and seeded: a few cases per source (byte flips, truncation, row and header changes,
re-encodings, Excel sheet and cell changes, Parquet schema, type and value changes; see
`tests/fuzzkit.py`), parsed in two watchdog worker processes. The long run is
`python bench/fuzz_sources.py --examples 2000 --seed N`. Self-checks below prove the harness
catches a raw exception, an error without a file name, invalid frames, a hang and a dead worker.
"""

from __future__ import annotations

import queue
import signal
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.errors import InputError
from corridor.sources import SOURCES
from corridor.sources.base import RawTable, float_column, int_column, read_csv
from tests import fuzzkit

SEED = 20261128
EXAMPLES = 16  # cases per source; each damages one file with one to three mutation steps
# Sources whose real parse takes about a second get fewer cases: the file takes ~1 min on an
# idle 2-core machine, under 3 min on a busy one.
FEWER = {"cbp_state": 10, "ice_detention": 10, "partner_aid": 10, "wgi": 10, "unhcr": 12, "ohss_usbp": 10}
WORKERS = 2
TIMEOUT_S = 60.0  # a real parse takes at most ~1 s; a damaged one must not hang


@pytest.fixture(scope="module")
def runners() -> Iterator[queue.Queue[fuzzkit.Runner]]:
    """Worker processes shared by the module's tests, handed out one per thread."""
    pool: queue.Queue[fuzzkit.Runner] = queue.Queue()
    made = [fuzzkit.Runner(timeout=TIMEOUT_S) for _ in range(WORKERS)]
    for r in made:
        pool.put(r)
    yield pool
    for r in made:
        r.close()


def run_cases(
    pool: queue.Queue[fuzzkit.Runner], dataset: str, real: dict[str, Path], plans: list[fuzzkit.Mutation]
) -> list[fuzzkit.Case]:
    """Run the mutations on the pool's workers, in parallel; results in plan order."""

    def one(m: fuzzkit.Mutation) -> fuzzkit.Case:
        runner = pool.get()
        try:
            runner.prepare(dataset, real)
            with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
                return fuzzkit.run_case(runner, dataset, real, m, Path(tmp))
        finally:
            pool.put(runner)

    with ThreadPoolExecutor(max_workers=pool.qsize()) as ex:
        return list(ex.map(one, plans))


def assert_no_failures(cases: list[fuzzkit.Case]) -> None:
    """Fail with each bad case's mutation (replayable) and what went wrong."""
    bad = [c for c in cases if c.outcome.failed]
    if bad:
        lines = [
            f"{c.dataset} {c.mutation!r}: {c.outcome.status} {c.outcome.error_type}\n{c.outcome.detail}"
            for c in bad
        ]
        raise AssertionError(f"{len(bad)} of {len(cases)} mutated parses failed:\n\n" + "\n\n".join(lines))


@pytest.mark.parametrize("dataset", list(SOURCES))
def test_mutated_files_parse_or_fail_cleanly(
    dataset: str, runners: queue.Queue[fuzzkit.Runner], data: Path
) -> None:
    """Seeded damaged copies of one source's files: valid frames or a CorridorError naming the file."""
    real = fuzzkit.real_paths(data, dataset)
    plans = list(fuzzkit.mutations(SEED, dataset, real, FEWER.get(dataset, EXAMPLES)))
    cases = run_cases(runners, dataset, real, plans)
    assert_no_failures(cases)
    # The mutations must reach the parser: at least one case is refused with the file's name.
    assert any(c.outcome.status == fuzzkit.CLEAN for c in cases), [c.outcome for c in cases]


def test_every_file_format_has_mutations(data: Path) -> None:
    """Every registered file is CSV-like text, an Excel workbook or Parquet, with mutators for it."""
    formats = {fuzzkit.file_format(data / f.mirror_path) for s in SOURCES.values() for f in s.files}
    assert formats == {"text", "xlsx", "parquet"}, formats
    for spec_path in (data / f.mirror_path for s in SOURCES.values() for f in s.files):
        for kind in fuzzkit.kinds_for(spec_path):
            assert kind in fuzzkit.MUTATORS, kind


def test_mutations_replay_exactly(data: Path, tmp_path: Path) -> None:
    """The same mutation of the same file gives the same bytes (a finding can be replayed)."""
    for dataset in ("cbp_sbo", "missing_migrants", "credible_fear"):
        real = fuzzkit.real_paths(data, dataset)
        for m in fuzzkit.mutations(7, dataset, real, 3, openpyxl_max_bytes=0):
            a, b = tmp_path / "a" / real[m.file_key].name, tmp_path / "b" / real[m.file_key].name
            fuzzkit.apply_mutation(m, real[m.file_key], a)
            fuzzkit.apply_mutation(m, real[m.file_key], b)
            assert a.read_bytes() == b.read_bytes(), m


# ---------------------------------------------------------------------------------------------
# Self-checks: stand-in sources (tests/fuzzkit.py) that misbehave on anything but the good file.


@pytest.mark.parametrize(
    ("stand_in", "status"),
    [
        ("StandIn", fuzzkit.CLEAN),
        ("RaisesValueError", fuzzkit.CRASH),
        ("RaisesUnnamed", fuzzkit.UNLOCATED),
        ("RaisesUsageWithoutFile", fuzzkit.UNLOCATED),
        ("NegativeCount", fuzzkit.INVALID),
        ("Hangs", fuzzkit.HANG),
        ("Dies", fuzzkit.DIED),
    ],
)
def test_harness_catches_misbehaving_parsers(stand_in: str, status: str, tmp_path: Path) -> None:
    """Each kind of misbehaviour is classified as such, fails `assert_no_failures`, and the worker
    recovers (a hang or a dead worker is replaced)."""
    good, bad = tmp_path / "good" / "f.csv", tmp_path / "bad" / "f.csv"
    good.parent.mkdir()
    bad.parent.mkdir()
    good.write_bytes(fuzzkit.GOOD)
    bad.write_bytes(b"n\nx\n")
    runner = fuzzkit.Runner(timeout=5.0)
    try:
        ref = f"tests.fuzzkit:{stand_in}"
        runner.prepare(ref, {"f": good})
        outcome = runner.parse(ref, {"f": bad})
        assert outcome.status == status, outcome
        assert runner.parse(ref, {"f": good}).status == fuzzkit.OK  # the worker recovers
    finally:
        runner.close()
    case = fuzzkit.Case(ref, fuzzkit.Mutation("f", (("cell", 0),)), outcome)
    if status in fuzzkit.FAILURES:
        with pytest.raises(AssertionError, match=status):
            assert_no_failures([case])
    else:
        assert_no_failures([case])


# ---------------------------------------------------------------------------------------------
# The shared readers, in process: arbitrary text in, a RawTable or an InputError out.

CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list("0123456789-.,e+ naNIfx\"'\t;|\r\n\x00é€")), max_size=12),
    st.sampled_from(fuzzkit.ODD_TEXT),
)


def _alarm(seconds: int) -> None:
    def raise_timeout(signum: int, frame: object) -> None:
        raise TimeoutError(f"reader took over {seconds} s")

    signal.signal(signal.SIGALRM, raise_timeout)
    signal.alarm(seconds)


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(
    header=st.one_of(
        st.just(["a", "b", "c"]), st.lists(st.sampled_from(["a", "b", "c", "", "A", "a "]), max_size=4)
    ),
    rows=st.lists(st.one_of(st.lists(CELL, min_size=3, max_size=3), st.lists(CELL, max_size=5)), max_size=6),
    sep=st.sampled_from([",", ";", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    final_newline=st.booleans(),
)
def test_read_csv_and_columns_raise_only_input_errors(
    header: list[str], rows: list[list[str]], sep: str, encoding: str, final_newline: bool
) -> None:
    """`read_csv` and the column readers on arbitrary small files: a table or an InputError."""
    text = "\n".join(sep.join(r) for r in [header, *rows]) + ("\n" if final_newline else "")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        _alarm(10)
        try:
            table = read_csv(path, columns=("a", "b", "c"), sep=sep)
            assert isinstance(table, RawTable) and list(table.frame.columns) == ["a", "b", "c"]
            assert len(table.rownums) == len(table.frame)
            for column in ("a", "b", "c"):
                _check_numbers(table, column)
        except InputError as exc:
            assert exc.file == str(path) and "f.csv" in str(exc)
        finally:
            signal.alarm(0)


def _check_numbers(table: RawTable, column: str) -> None:
    """int_column and float_column return clean numbers or raise InputError at a row."""
    for read in (
        lambda: int_column(table, column, allow_blank=True),
        lambda: float_column(table, column),
    ):
        try:
            values = read()
        except InputError as exc:
            assert exc.row is not None and exc.column == column, str(exc)
            continue
        finite = values.dropna().astype("float64")
        assert np.isfinite(finite).all(), values.tolist()
    try:
        counts = int_column(table, column, allow_blank=True)
    except InputError:
        return
    assert (counts.dropna() >= 0).all(), counts.tolist()


def test_unknown_label_made_of_a_nul_byte_is_located(tmp_path: Path) -> None:
    """Found by `bench/fuzz_sources.py` (seed 1): numpy compares '\\x00' equal to '', so finding
    the offending row by value failed; it is found by its code now."""
    from corridor.sources.base import map_column

    path = tmp_path / "labels.csv"
    path.write_bytes(b"a,b\nUSA,1\nMEX,2\n\x00,3\n")
    table = read_csv(path, columns=("a", "b"))
    with pytest.raises(InputError) as err:
        map_column(table, "a", {"USA": "USA", "MEX": "MEX"}.__getitem__, "country")
    assert err.value.row == 4 and err.value.column == "a"

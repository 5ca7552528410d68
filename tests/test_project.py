"""The project around the code: declared dependencies match imports, the version and shell
completion work, progress bars stay out of pipes, and pyfixest's fixed effects stay sorted."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import time
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

import pandas as pd
from rich.console import Console
from typer.testing import CliRunner

from corridor import progress
from corridor.cli import app

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string such as 'PyYAML>=6.0'."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]).lower()


def _imported_top_level(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"corridor", "__future__"}


def test_runtime_dependencies_are_exactly_what_src_imports() -> None:
    imported = _imported_top_level(ROOT / "src" / "corridor")
    dist_of = packages_distributions()
    unknown = sorted(m for m in imported if m not in dist_of)
    assert not unknown, f"src imports modules no installed distribution provides: {unknown}"
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    # A module may come from several distributions (typer: typer and typer-slim); one declared suffices.
    providers = {m: {_name(d) for d in dist_of[m]} for m in imported}
    undeclared = sorted(m for m, dists in providers.items() if not dists & declared)
    assert not undeclared, f"src imports {undeclared}, so pyproject.toml must declare them"
    used = set().union(*providers.values())
    assert declared - used == set(), "pyproject.toml declares these, but src never imports them"


def test_lock_pins_every_declared_dependency_exactly() -> None:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, rest = line.partition("==")
            pins[_name(name)] = rest.split(";")[0].strip()
    declared = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"]
    missing = sorted(_name(r) for r in declared if _name(r) not in pins)
    assert not missing, f"requirements.lock lacks {missing}: run `make lock`"
    assert "altair" not in pins


def test_version_comes_from_the_package_metadata() -> None:
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.strip() == f"corridor {version('corridor')}"
    assert version("corridor") == PYPROJECT["project"]["version"]


def test_shell_completion_completes_verbs_and_options() -> None:
    def complete(words: str) -> str:
        env = {"_CORRIDOR_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "1"}
        env["COMP_CWORD"] = str(len(words.split()) - 1)
        res = subprocess.run(
            [str(Path(sys.executable).parent / "corridor")],  # the console script a shell would call
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return res.stdout

    assert complete("corridor fl").split() == ["flows"]
    assert "--region" in complete("corridor flows --reg").split()
    shown = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert "complete -o default -F _corridor_completion corridor" in shown.output


def test_license_and_citation_are_there() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    cff = (ROOT / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in cff and "corridor status" in cff


# ---- progress bars --------------------------------------------------------------------------------


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100), buffer


def test_progress_is_silent_when_stderr_is_not_a_terminal(capsys) -> None:
    with progress.bar("Working", total=3, delay=0) as b:
        time.sleep(0.2)
        b.advance()
    assert list(progress.track([1, 2, 3], "Working", delay=0)) == [1, 2, 3]
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_draws_on_a_terminal_after_its_delay() -> None:
    console, buffer = _terminal()
    with progress.bar("Building the report", total=4, delay=0, console=console) as b:
        time.sleep(0.3)
        b.advance(2, note="forecast")
        time.sleep(0.3)
    assert "Building the report" in buffer.getvalue()


def test_progress_draws_nothing_for_work_shorter_than_its_delay() -> None:
    console, buffer = _terminal()
    with progress.bar("Quick", total=1, delay=60, console=console) as b:
        b.advance()
    assert buffer.getvalue() == ""


def test_progress_never_takes_over_stdout(capsys) -> None:
    console, buffer = _terminal()
    with progress.bar("Working", delay=0, console=console):
        time.sleep(0.2)
        print("data,row")
    assert capsys.readouterr().out == "data,row\n"
    assert "data,row" not in buffer.getvalue()


# ---- pyfixest -------------------------------------------------------------------------------------


def test_pyfixest_fixed_effects_are_encoded_in_sorted_order() -> None:
    from pyfixest.estimation.formula import model_matrix

    from corridor.analysis.fixest import SORTED_FIXED_EFFECTS

    assert SORTED_FIXED_EFFECTS, "the pyfixest patch is not in place: is pyfixest outside 0.60.x?"
    names = ["unit", "t", "e", "d", "c", "b", "a"]  # 7! orders: an unsorted set order shows at once
    frame = pd.DataFrame({n: [1, 2] for n in names})
    text = model_matrix._encode_fixed_effects(" + ".join(names), frame)
    assert text == " + ".join(f"__fixed_effect__({n})" for n in sorted(names)) + " - 1"

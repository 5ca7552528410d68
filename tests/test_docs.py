"""Documentation that runs: every ```sh and ```python example in README.md and docs/*.md is
executed against the test warehouse, and docs/cli.md must match every verb's `--help`.

Shell examples run one command (a line, with its `\\` continuations) at a time, in a scratch
folder laid out like a checkout (`../shared/data` is the test mirror, `corridor.duckdb` the
session's warehouse, also named by $CORRIDOR_DB), with this venv's `corridor` and `python` first
on PATH; each must exit 0 without a traceback. Python blocks of one file run in order in one
namespace, as a reader pasting them into one session would. An example that needs the network,
a server or a long time says so with a trailing comment:

    corridor serve            # doc-test: skip (starts a server)
    corridor forecast ...     # doc-test: slow (several minutes)

`skip` is never run; `slow` runs in `make test-all` only. Both must give a reason in brackets.

A shell example that is one plain `corridor ...` command (no pipes, redirections, variables or
`;`/`&&`) runs through the CLI in the test's own process (typer's CliRunner, in the same scratch
checkout and environment): starting Python and importing Corridor cost more than most examples.
The first `corridor` command of each file, and every example with shell syntax, runs in a real
`bash` process, so the commands a reader types are still run as typed.
`make docs-help` (`python -m tests.test_docs --write-cli docs/cli.md`) rewrites docs/cli.md.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"
HELP_COLUMNS = 100
MARKER = re.compile(r"#\s*doc-test:\s*(?P<kind>\w+)\s*(?:\((?P<reason>[^)]*)\))?\s*$")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$")
SHELL_LANGS = {"sh", "bash", "shell"}
SLOW_TIMEOUT_S, TIMEOUT_S = 3600, 600


@dataclass(frozen=True)
class Example:
    """One runnable example: a shell command, or a Python block."""

    doc: str  # path relative to the repository
    line: int  # first line of the command or block in the doc
    lang: str  # "sh" or "python"
    code: str
    kind: str = "run"  # run | slow | skip
    reason: str = ""

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _marker(text: str) -> tuple[str, str]:
    """(kind, reason) of a `# doc-test: kind (reason)` comment at the end of `text`."""
    m = MARKER.search(text)
    if not m:
        return "run", ""
    return m["kind"], (m["reason"] or "").strip()


def examples(path: Path, *, root: Path = ROOT) -> list[Example]:
    """The examples of one Markdown file, in order."""
    doc = path.relative_to(root).as_posix()
    out: list[Example] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i].strip())
        if not fence or not fence["lang"]:
            i += 1
            continue
        lang, start = fence["lang"], i + 1
        j = start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        body = lines[start:j]
        if lang in SHELL_LANGS:
            out.extend(_shell_commands(doc, start, body))
        elif lang == "python":
            code = textwrap.dedent("\n".join(body))
            kind, reason = _marker(body[0] if body else "")
            out.append(Example(doc, start + 1, "python", code, kind, reason))
        i = j + 1
    return out


def _shell_commands(doc: str, start: int, body: list[str]) -> list[Example]:
    out = []
    k = 0
    while k < len(body):
        first = k
        parts = [body[k].rstrip()]
        while parts[-1].endswith("\\") and k + 1 < len(body):
            k += 1
            parts[-1] = parts[-1][:-1]
            parts.append(body[k].strip())
        k += 1
        command = " ".join(p.strip() for p in parts).strip()
        if not command or command.startswith("#"):
            continue
        kind, reason = _marker(command)
        out.append(Example(doc, start + first + 1, "sh", command, kind, reason))
    return out


def all_examples() -> list[Example]:
    return [e for path in doc_files() for e in examples(path)]


def _param(e: Example) -> object:
    return pytest.param(e, id=e.id, marks=[pytest.mark.slow] if e.kind == "slow" else [])


SHELL = [e for e in all_examples() if e.lang == "sh" and e.kind != "skip"]
SHELL_SYNTAX = set("|&;<>()$`\\*?[]{}~!")  # anything a shell would act on, once quotes are read


def _plain_corridor(code: str) -> bool:
    """One `corridor` command with nothing for a shell to do (no pipe, variable, glob, ...)."""
    try:
        words = shlex.split(code, comments=True)
    except ValueError:
        return False
    return bool(words) and words[0] == "corridor" and not any(SHELL_SYNTAX & set(w) for w in words)


def in_process(example: Example) -> bool:
    """Whether a shell example runs through CliRunner here rather than in bash (see above)."""
    if not _plain_corridor(example.code):
        return False
    first = next(e for e in SHELL if e.doc == example.doc and _plain_corridor(e.code))
    return example != first


PYTHON_DOCS = sorted({e.doc for e in all_examples() if e.lang == "python" and e.kind != "skip"})


def summary() -> str:
    """One line for the end of the run: how many examples run, and why the others do not."""
    every = all_examples()
    counts = {k: sum(e.kind == k for e in every) for k in ("run", "slow", "skip")}
    reasons = sorted({e.reason for e in every if e.kind == "skip"})
    return (
        f"doc examples: {counts['run']} run in every test run, {counts['slow']} only in make test-all "
        f"(slow), {counts['skip']} never (" + "; ".join(reasons) + ")"
    )


# ---- the examples -------------------------------------------------------------------------------


def _checkout(tmp_path: Path, data: Path, warehouse: Path, *, private_db: bool) -> Path:
    """A folder laid out like a checkout after `make demo`: .venv, ../shared/data, corridor.duckdb."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(data, target_is_directory=True)
    work = tmp_path / "checkout"
    work.mkdir()
    (work / ".venv").symlink_to(sys.prefix, target_is_directory=True)  # the venv `make setup` made
    if private_db:  # an example that writes (a sync) gets its own copy
        shutil.copyfile(warehouse, work / "corridor.duckdb")
    else:
        (work / "corridor.duckdb").symlink_to(warehouse)
    return work


def _env(db: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in {"CORRIDOR_MIRROR", "COLUMNS"}}
    env.update(PATH=bindir + os.pathsep + env.get("PATH", ""), CORRIDOR_DB=str(db), CORRIDOR_WORKERS="1")
    return env


@pytest.mark.parametrize("example", [_param(e) for e in SHELL])
def test_shell_example_runs(example: Example, tmp_path: Path, data: Path, warehouse: Path) -> None:
    writes = re.search(r"\bcorridor\s+sync\b", example.code) is not None
    cwd = _checkout(tmp_path, data, warehouse, private_db=writes)
    db = cwd / "corridor.duckdb" if writes else warehouse
    where = f"{example.id}: `{example.code}`"
    if in_process(example):
        _run_in_process(example, cwd, db, where)
        return
    res = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + example.code],
        cwd=cwd,
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=SLOW_TIMEOUT_S if example.kind == "slow" else TIMEOUT_S,
        check=False,
    )
    assert res.returncode == 0, f"{where} exited {res.returncode}:\n{res.stderr[-3000:]}"
    assert "Traceback" not in res.stderr, f"{where} printed a traceback:\n{res.stderr[-3000:]}"


def _run_in_process(example: Example, cwd: Path, db: Path, where: str) -> None:
    """`corridor ARGS` through the CLI in this process, from `cwd`, with the environment `_env` sets."""
    from typer.testing import CliRunner

    from corridor.cli import app

    argv = shlex.split(example.code, comments=True)
    env: dict[str, str | None] = {k: v for k, v in _env(db).items() if k != "PATH"}
    env.update(CORRIDOR_MIRROR=None, COLUMNS=None)
    before = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, argv[1:], env=env, prog_name="corridor")
    finally:
        os.chdir(before)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(*res.exc_info)) if res.exc_info else repr(res.exception)
        pytest.fail(f"{where} raised (a user would see a traceback):\n{tb[-3000:]}")
    assert res.exit_code == 0, f"{where} exited {res.exit_code}:\n{res.stderr[-3000:]}"
    assert "Traceback" not in res.stderr, f"{where} printed a traceback:\n{res.stderr[-3000:]}"


@pytest.mark.parametrize("doc", PYTHON_DOCS)
def test_python_examples_run(doc: str, tmp_path: Path, data: Path, warehouse: Path, monkeypatch) -> None:
    monkeypatch.chdir(_checkout(tmp_path, data, warehouse, private_db=False))
    monkeypatch.setenv("CORRIDOR_DB", str(warehouse))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    blocks = [e for e in all_examples() if e.doc == doc and e.lang == "python" and e.kind != "skip"]
    for block in blocks:
        try:
            exec(compile(block.code, block.id, "exec"), namespace)
        except Exception:
            pytest.fail(f"the Python example at {block.id} failed:\n{traceback.format_exc(limit=-3)}")


def test_a_failing_example_fails_in_process_too(tmp_path: Path) -> None:
    bad = Example("x.md", 1, "sh", "corridor no-such-verb --region southwest  # a typo in a doc")
    assert _plain_corridor(bad.code) and not _plain_corridor("corridor flows | head")
    with pytest.raises(AssertionError, match="exited 2"):
        _run_in_process(bad, tmp_path, tmp_path / "corridor.duckdb", bad.id)
    assert Path.cwd() != tmp_path  # the working folder is restored


# ---- the extractor itself -----------------------------------------------------------------------


def test_every_doc_example_is_found_and_every_skip_says_why() -> None:
    every = all_examples()
    assert len([e for e in every if e.kind == "run"]) >= 20, summary()
    assert {e.lang for e in every} == {"sh", "python"}
    for e in every:
        assert e.kind in {"run", "slow", "skip"}, f"{e.id}: unknown doc-test marker {e.kind!r}"
        if e.kind != "run":
            assert e.reason, f"{e.id}: a `doc-test: {e.kind}` example must say why, e.g. (starts a server)"


def test_extractor_joins_continuations_and_reads_markers(tmp_path: Path) -> None:
    text = (
        "intro\n```sh\n# a comment\ncorridor flows --region southwest \\\n  --by month\n\n"
        "corridor serve   # doc-test: skip (starts a server)\n```\n"
        "```text\nnot code\n```\n```python\nx = 1\n```\n"
    )
    (tmp_path / "x.md").write_text(text)
    found = examples(tmp_path / "x.md", root=tmp_path)
    assert [(e.lang, e.line, e.kind) for e in found] == [
        ("sh", 4, "run"),
        ("sh", 7, "skip"),
        ("python", 13, "run"),
    ]
    assert found[0].code == "corridor flows --region southwest --by month"
    assert found[1].reason == "starts a server"


# ---- docs/cli.md: every verb's --help -------------------------------------------------------------


def _commands() -> list[list[str]]:
    """Every command path of the CLI, e.g. ["flows"], ["simulate", "backlog"], in help order."""
    import typer

    from corridor.cli import app

    def walk(cmd: Any, path: list[str]) -> list[list[str]]:
        out = [path] if path else []
        if hasattr(cmd, "list_commands"):  # a group (click's, or the one Typer vendors)
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    out.extend(walk(sub, [*path, name]))
        return out

    return walk(typer.main.get_command(app), [])


def _help_texts() -> str:
    """Every `--help`, generated in this process (run by `cli_help_markdown` in a clean one)."""
    from typer.testing import CliRunner

    from corridor.cli import app

    runner = CliRunner()
    parts = [
        "# Command-line reference\n",
        "Every `corridor` verb's `--help`, as printed at 100 columns. Generated by `make docs-help`;",
        "`tests/test_docs.py` fails when this file is stale. Worked examples are in the README.\n",
    ]
    for path in [[], *_commands()]:
        res = runner.invoke(app, [*path, "--help"], prog_name="corridor")
        assert res.exit_code == 0, f"corridor {' '.join(path)} --help failed: {res.output}"
        text = "\n".join(line.rstrip() for line in res.output.splitlines()).strip("\n")
        parts += [f"## corridor {' '.join(path)}".rstrip() + "\n", "```text", text, "```\n"]
    return "\n".join(parts)


def cli_help_markdown() -> str:
    """docs/cli.md: `corridor --help` and each verb's `--help`, 100 columns wide, no colour.

    Typer reads its terminal settings when it is imported, so the text is made in a fresh
    process whose environment fixes them, whatever the calling shell or CI sets.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS"}}
    env.update(
        COLUMNS=str(HELP_COLUMNS),
        TERMINAL_WIDTH=str(HELP_COLUMNS),
        NO_COLOR="1",
        TERM="dumb",
        _TYPER_FORCE_DISABLE_TERMINAL="1",
    )
    res = subprocess.run(
        [sys.executable, "-m", "tests.test_docs", "--print-cli"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _locked_help_renderers() -> bool:
    """Whether typer, click and rich are the locked versions (their help layout differs by version)."""
    from importlib.metadata import version

    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    )
    return all(version(p) == pins.get(p, "").split(";")[0].strip() for p in ("typer", "click", "rich"))


def _options_by_section(text: str) -> dict[str, set[str]]:
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    return {s.split("\n", 1)[0]: set(re.findall(r"--[a-z][\w-]*", s)) for s in sections}


def test_cli_reference_is_current() -> None:
    expected = cli_help_markdown()
    assert CLI_DOC.exists(), "docs/cli.md is missing: run `make docs-help`"
    actual = CLI_DOC.read_text(encoding="utf-8")
    if _locked_help_renderers():
        assert actual == expected, "docs/cli.md is stale: run `make docs-help`"
    else:  # e.g. `make test-lowest`: another Typer lays help out differently; the options must agree
        assert _options_by_section(actual) == _options_by_section(expected), "docs/cli.md is stale"


def test_cli_reference_covers_every_verb() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    for path in _commands():
        assert f"## corridor {' '.join(path)}\n" in text
    assert len(_commands()) >= 12  # sync, status, flows, ... as DESIGN.md lists them


if __name__ == "__main__":
    if sys.argv[1:2] == ["--print-cli"]:
        sys.stdout.write(_help_texts())
    elif sys.argv[1:2] == ["--write-cli"]:
        target = Path(sys.argv[2]) if len(sys.argv) > 2 else CLI_DOC
        target.write_text(cli_help_markdown(), encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(summary())

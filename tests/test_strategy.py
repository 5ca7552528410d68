"""Strategy tracking: the shipped frameworks load and score; statuses move the right way; bad
framework files fail with the file and field named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from corridor.cli import app
from corridor.errors import UsageError
from corridor.strategy import load_framework, score_series, shipped_frameworks
from corridor.strategy.framework import parse_framework


def test_shipped_frameworks_load() -> None:
    ids = shipped_frameworks()
    assert set(ids) == {"root-causes-2021", "collaborative-migration-2021"}
    rc = load_framework("root-causes-2021")
    assert [p.id for p in rc.pillars] == ["I", "II", "III", "IV", "V"]
    cm = load_framework("collaborative-migration-2021")
    assert len(cm.pillars) == 8
    for fw in (rc, cm):
        for p in fw.pillars:
            # At least three indicators wherever the warehouse has data; otherwise a plain gap note.
            assert len(p.indicators) >= 3 or p.gaps, (fw.id, p.id)
            for ind in p.indicators:
                assert ind.rationale and ind.direction in ("higher", "lower", "context")


@pytest.mark.parametrize("name", ["root-causes-2021", "collaborative-migration-2021"])
def test_frameworks_score_on_the_warehouse(obs, name: str) -> None:
    result = obs.track(name)
    frame = result.tidy()
    assert len(frame) >= 10
    assert set(frame["status"]) <= {"improving", "worsening", "no clear change", "context", "no data"}
    scored = frame[frame["score"].notna()]
    assert len(scored) >= 10
    assert result.band in ("green", "amber", "red")
    assert 0 <= result.score <= 1
    # Every scored indicator names how "no clear change" was judged.
    assert scored["method"].str.len().gt(10).all()


def test_wgi_uses_published_standard_errors(obs) -> None:
    frame = obs.track("root-causes-2021").tidy().set_index("indicator")
    assert frame.loc["control_of_corruption", "method"].startswith("published standard errors")
    assert frame.loc["gdp_pc", "method"].startswith("own year-to-year variation to the baseline")


def test_encounter_drop_is_judged_against_long_history(obs) -> None:
    row = obs.track("root-causes-2021").tidy().set_index("indicator").loc["nt_encounters"]
    raw = (
        obs.flows(region="southwest", citizenship="GTM,HND,SLV", by="fiscal_year")
        .tidy()
        .set_index("fiscal_year")
    )
    assert row["baseline"] == raw.loc[2021, "encounters"] and row["latest"] == raw.loc[2025, "encounters"]
    assert row["status"] == "improving"  # an 89% fall exceeds 1.96 sd of FY1960+ yearly swings
    assert "Border Patrol southwest" in row["method"]


def _series(values: list[float], start: int = 2005) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def test_status_moves_with_the_value() -> None:
    rng = np.random.default_rng(7)
    base = list(50 + rng.normal(0, 0.5, 16))
    flat = score_series(_series(base), direction="higher", baseline=2015)
    assert flat.status == "no clear change"
    up = score_series(_series([*base[:-1], base[-1] + 20]), direction="higher", baseline=2015)
    assert up.status == "improving"
    down = score_series(_series([*base[:-1], base[-1] - 20]), direction="higher", baseline=2015)
    assert down.status == "worsening"
    # Lower-is-better flips the verdict for the same numbers.
    assert (
        score_series(_series([*base[:-1], base[-1] + 20]), direction="lower", baseline=2015).status
        == "worsening"
    )


def test_standard_errors_decide_when_given() -> None:
    s = _series([0.0, 0.1, 0.2, 0.3, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55], start=2014)
    tight = pd.Series(0.01, index=s.index)
    wide = pd.Series(0.5, index=s.index)
    assert score_series(s, direction="higher", baseline=2018, se=tight).status == "improving"
    assert score_series(s, direction="higher", baseline=2018, se=wide).status == "no clear change"


def _user_framework(tmp_path: Path, **overrides) -> Path:
    indicator = {
        "id": "cc",
        "label": "Control of corruption",
        "query": {"indicators": {"indicator": "wgi.control_of_corruption", "country": ["GTM"]}},
        "direction": "higher",
        "baseline": 2020,
        "rationale": "test",
    }
    indicator.update(overrides)
    doc = {
        "id": "mine",
        "title": "My framework",
        "published": "2024-01-01",
        "source": "https://example.org",
        "scope": ["GTM"],
        "goal": {"statement": "test"},
        "pillars": [{"id": "A", "title": "A pillar", "indicators": [indicator]}],
    }
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_user_framework_scores(obs, tmp_path: Path) -> None:
    result = obs.track(_user_framework(tmp_path))
    assert result.tidy().loc[0, "status"] in ("improving", "worsening", "no clear change")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"direction": "up"}, "pillars[0].indicators[0].direction"),
        (
            {"query": {"indicators": {"indicator": "wgi.nonexistent"}}},
            "unknown indicator id 'wgi.nonexistent'",
        ),
        ({"baseline": 1950}, "baseline: 1950 is outside the data"),
        ({"query": {"sql": "SELECT 1"}}, "never raw SQL"),
    ],
)
def test_bad_user_framework(obs, tmp_path: Path, override: dict, message: str) -> None:
    path = _user_framework(tmp_path, **override)
    with pytest.raises(UsageError, match=None) as err:
        obs.track(path)
    assert message in str(err.value) and "mine.yaml" in str(err.value)
    res = CliRunner().invoke(app, ["track", str(path), "--db", str(obs.warehouse.path)])
    assert res.exit_code == 2 and message in res.stderr


def test_missing_field_named() -> None:
    with pytest.raises(UsageError, match=r"x.yaml: pillars\[0\].title: is required"):
        parse_framework(
            {
                "id": "x",
                "title": "t",
                "published": "2021",
                "source": "s",
                "goal": {"statement": "g"},
                "pillars": [{"id": "A", "indicators": []}],
            },
            "x.yaml",
        )


def test_track_cli_table_and_json(warehouse) -> None:
    res = CliRunner().invoke(app, ["track", "collaborative-migration-2021", "--db", str(warehouse)])
    assert res.exit_code == 0, res.output
    assert "Pillars" in res.stdout and "overall:" in res.stdout
    res = CliRunner().invoke(app, ["track", "root-causes-2021", "--format", "json", "--db", str(warehouse)])
    assert res.exit_code == 0
    assert '"framework": "root-causes-2021"' in res.stdout
    assert "Combating corruption, strengthening democratic governance" in res.stdout

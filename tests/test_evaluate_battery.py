"""A fast subset of the validation battery (bench/evaluate_battery.py) on the real OHSS series.

The full battery (thousands of seeded draws; results in bench/RESULTS.md) checks the headline's
bias, coverage and size; this runs a few of the same draws, through the same code, so a change
that breaks the headline on realistic panels fails the default test suite.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "evaluate_battery.py"


@pytest.fixture(scope="module")
def battery(warehouse: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("evaluate_battery", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_battery"] = module
    spec.loader.exec_module(module)
    module._init(module.load_base(warehouse))
    return module


def _draws(battery: ModuleType, scenario: str, effect: float, n: int, seed: int) -> list[dict]:
    records = []
    i = 0
    while len(records) < n:
        spec = battery.draw_spec(battery._BASE, scenario, i, seed, 1)
        i += 1
        spec["effect"] = effect
        records.append(battery.run_draw(spec))
    return records


def test_a_known_large_drop_is_recovered_on_real_series(battery: ModuleType) -> None:
    records = _draws(battery, "main", -0.75, 8, seed=11)
    assert all("error" not in r for r in records), [r.get("error") for r in records]
    conclusive = [r for r in records if r["status"] != "inconclusive"]
    assert len(conclusive) >= 2
    assert all(r["lo"] <= -0.75 <= r["hi"] for r in conclusive)
    assert all(r["est"] < 0 for r in conclusive if r["p"] <= 0.05)
    significant = [r for r in conclusive if r["p"] <= 0.05]
    assert significant and all(abs(r["est"] + 0.75) < 0.15 for r in significant)


def test_no_effect_is_rarely_called_significant_on_real_series(battery: ModuleType) -> None:
    records = _draws(battery, "main", 0.0, 8, seed=12)
    significant = [r for r in records if r.get("p") is not None and r["p"] <= 0.05]
    assert len(significant) <= 1
    for r in records:
        if r["status"] != "inconclusive":
            assert r["lo"] <= r["est"] <= r["hi"] and math.isfinite(r["est"])


def test_out_of_hull_draws_are_close_or_inconclusive(battery: ModuleType) -> None:
    records = _draws(battery, "out_of_hull", -0.9, 4, seed=13)
    for r in records:
        assert r["above"], "the out-of-hull draws put the treated level above every donor"
        if r["status"] != "inconclusive":
            assert abs(r["est"] + 0.9) <= 0.10, r
            assert not (r["p"] <= 0.05 and r["est"] > 0)

"""The soak benchmark's fast version: the generator of `bench/soak.py` (flows, indicators and
forecasts, repeated and new questions) for about 12 s at 20 clients against a real `corridor serve`
process. No request may fail, and the server's resident memory may grow only a little after
warm-up. A second test proves the check fails when the server answers some requests with errors.

The long run (50 clients, 5 minutes) is `python bench/soak.py`, recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # for bench/soak.py and bench/web_load.py

import soak  # noqa: E402

# Generous (the long soak's target is 10%): a short run on a shared machine is noisy, while a leak
# under this load grows far faster (100 kB per request leaked grew it by more than half).
MAX_GROWTH = 0.3

# A server whose Observatory fails every northern-border flows question (and so those forecasts).
FAULTY = """
from corridor.observatory import Observatory

class Faulty(Observatory):
    def flows(self, **kwargs):
        if kwargs.get("region") == "northern":
            raise RuntimeError("injected fault")
        return super().flows(**kwargs)
"""


def problems(report: soak.Report, *, max_growth: float = MAX_GROWTH) -> list[str]:
    """What is wrong with a soak: errors, memory growth after warm-up, an endpoint never answered."""
    found = []
    if report.total_errors:
        found.append(f"{report.total_errors} errors: {report.error_note()}")
    if not report.growth < max_growth:
        found.append(f"resident memory grew {report.growth:+.0%} after warm-up ({report.memory()})")
    found += [f"no {e} request answered after warm-up" for e in soak.ENDPOINTS if not report.latencies[e]]
    return found


@pytest.mark.parametrize("compute", [None, 0], ids=["compute-workers", "server-threads"])
def test_short_soak_has_no_errors_and_no_growth(warehouse: Path, compute: int | None) -> None:
    # Both ways `corridor serve` computes new questions: worker processes (the default) and its
    # own threads (`--compute 0`), where requests share one warehouse connection's cursors.
    report = soak.run(warehouse, clients=20, duration=12, warmup=4, seed=2, compute=compute)
    summary = "\n".join([*report.table(), report.memory()])
    assert not problems(report), summary
    assert report.stats()["measured"] >= 200, summary  # it really drove load
    assert all(report.new[e] > len(soak.POPULAR[e]) for e in soak.ENDPOINTS), summary  # not all cache hits


def test_the_check_fails_when_the_server_fails_some_requests(warehouse: Path) -> None:
    report = soak.run(
        warehouse, clients=10, duration=4, warmup=1, seed=3, prelude=FAULTY, app_kwargs="obs_class=Faulty"
    )
    found = problems(report)
    assert found and "HTTP 500" in found[0], found
    assert report.errors["flows"] > 0 and report.examples["HTTP 500"].count("region=northern") == 1
    assert report.stats("flows")["measured"] > 0  # the other questions were still answered

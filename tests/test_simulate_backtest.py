"""Out-of-sample checks of both simulations (the tables in bench/RESULTS.md come from these)."""

from __future__ import annotations

import corridor
from corridor.simulate import backtest


def test_pathways_intervals_cover_actual_outcomes(obs: corridor.Observatory) -> None:
    """Calibrated on FY2014-FY2021, driven by actual FY2022-FY2024 encounters: the 80% intervals
    cover the actual monthly total in at least 70% of months for every major outcome."""
    table, result = backtest.pathways(obs.simulation_history(), runs=2000, seed=0)
    assert result.calibration.end.year == 2021 and result.months[0].year == 2021
    assert len(result.months) == 35  # Oct 2021 - Aug 2024
    major = table[table["major"]].set_index("outcome")
    assert set(major.index) == set(backtest.MAJOR)
    failing = major[major["coverage"] < 0.70]
    assert failing.empty, failing[["coverage", "actual_total", "median_total"]].to_string()


def test_backlog_reproduces_pending_within_ten_percent(obs: corridor.Observatory) -> None:
    """Calibrated up to FY2020, driven by actual receipts: pending FY2021-FY2024 within 10%."""
    table, result = backtest.backlog(obs.simulation_history().caseload, runs=2000, seed=0)
    assert result.calibration.years[-1] == 2020
    assert list(table["fiscal_year"]) == [2021, 2022, 2023, 2024]
    worst = table["error"].abs().max()
    assert worst <= 0.10, table[["fiscal_year", "actual_pending", "median_pending", "error"]].to_string()


def test_backtest_detects_a_broken_model(obs: corridor.Observatory) -> None:
    """The check can fail: with capacities ignored, coverage collapses."""
    import datetime as dt

    import numpy as np

    from corridor.simulate import calibrate, pathways

    hist = obs.simulation_history()
    cal = calibrate.calibrate(hist, start=dt.date(2013, 10, 1), end=dt.date(2021, 9, 1))
    for reg in cal.regimes.values():
        reg.caps = np.zeros((0, 3))  # no capacity limits: desired shares only
    drv = pathways.drivers(hist, since=dt.date(2021, 10, 1), until=hist.months[-1], encounters="history")
    res = pathways.simulate(cal, drv, runs=300, seed=0)
    k = pathways.SERIES.index("usbp_release")
    lo, hi = np.quantile(res.samples[:, :, k], [0.1, 0.9], axis=0)
    actual = hist.outcomes[hist.index(dt.date(2021, 10, 1)) :, :, 5].sum(axis=1)
    assert ((actual >= lo) & (actual <= hi)).mean() < 0.7


def test_backlog_from_every_origin_after_the_pandemic_within_ten_percent(obs: corridor.Observatory) -> None:
    """Calibrated up to each of FY2022-FY2024 (so the pandemic shock is known), driven by actual
    receipts, 1-3 years ahead: median pending within 10% of EOIR's published count every year."""
    rolling = backtest.backlog_rolling(obs.simulation_history().caseload, runs=1000, seed=0)
    after = rolling[rolling["origin"] >= 2022]
    assert set(after["origin"]) == {2022, 2023, 2024} and len(after) == 6
    worst = after["error"].abs().max()
    assert worst <= 0.10, after[["origin", "fiscal_year", "actual_pending", "median_pending"]].to_string()


def test_rolling_coverage_counts_what_it_says(obs: corridor.Observatory) -> None:
    """The sentence 'held N of M years' counts rows whose EOIR pending lies in the interval."""
    rolling = backtest.backlog_rolling(obs.simulation_history().caseload, runs=300, seed=1)
    summary = backtest.backlog_coverage(rolling)
    inside = (
        (rolling["lower"] <= rolling["actual_pending"]) & (rolling["actual_pending"] <= rolling["upper"])
    ).sum()
    assert summary["inside"] == inside and summary["years"] == len(rolling)
    assert rolling["origin"].min() == 2018  # FY2016-FY2018: the first three years outside the window
    assert (rolling["ahead"].between(1, 4)).all()
    meta = obs.simulate_backlog(runs=50).metadata()
    assert (
        f"held {meta['backtest']['inside']} of {meta['backtest']['years']} years" in meta["interval_meaning"]
    )

"""From a flows answer to a forecast: series checks, Corridor's model, reconciliation, backtest, chart."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor.analysis import forecast as fc
from corridor.errors import UsageError
from corridor.flows import FlowsResult

MODEL_NAME = (
    "Corridor seasonal random walk (weight learned from the series' past, log scale) "
    "with adaptive conformal intervals that re-learn after a level shift"
)
CHART_SERIES = 8
CHART_MONTHS = 36  # months of history a forecast chart shows when no level shift is detected


@dataclass
class ForecastResult:
    """A forecast: rows per series and month, the history it used, its backtest and provenance."""

    frame: pd.DataFrame
    keys: list[str]
    levels: tuple[int, ...]
    history: pd.DataFrame
    total: pd.DataFrame | None
    backtest: fc.Backtest
    flows: FlowsResult
    trained: tuple[dt.date, dt.date]
    meta: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per series and month: the --by keys, month, point, lo_L, hi_L for each level."""
        return self.frame

    def metadata(self) -> dict[str, Any]:
        """Provenance, method, per-series interval meaning, level shifts and backtest calibration
        and sharpness, the backtest table and `warnings`, as plain data (for JSON/Parquet)."""
        from corridor.jsonio import plain, records

        out = dict(self.flows.metadata())
        out.update(self.meta)
        out["backtest"] = {
            "description": self.backtest.description,
            "table": records(self.backtest.table),
        }
        out["warnings"] = list(self.warnings())
        return plain(out)

    def warnings(self) -> list[str]:
        """Plain sentences a reader should see beside the numbers (also printed on stderr)."""
        out: list[str] = []
        if self.meta.get("unpublished"):
            out.append(self.meta["unpublished"])
        series = self.meta.get("series", [])
        shifted = [s for s in series if s["break"]["detected"]]
        for s in shifted[:5]:
            out.append(_break_sentence(s))
        if len(shifted) > 5:
            out.append(f"Level shifts were also detected in {len(shifted) - 5} more series.")
        main = _main_level(self.levels)
        for s in series:
            held = s["backtest"].get(f"coverage_{main}")
            if held is not None and abs(held - main / 100) > 0.1:
                name = "the series" if len(series) == 1 else s["label"]
                out.append(
                    f"In backtests the {main}% range of {name} held {held:.0%} of months, "
                    f"not {main}%: read it as {'too narrow' if held < main / 100 else 'too wide'}."
                )
        zero = (
            self.frame[self.frame[f"lo_{main}"] <= 0] if f"lo_{main}" in self.frame else self.frame.iloc[:0]
        )
        if len(zero):
            out.append(
                f"The {main}% lower bound is 0 in {len(zero)} of {len(self.frame)} forecast months: "
                "those series have been near 0."
            )
        if self.meta.get("intervals", "").startswith("plain"):
            out.append("Short series: the intervals come from few past forecasts and do not adapt.")
        if len(self.levels) > 1:
            lo, hi = min(self.levels), max(self.levels)
            same = (self.frame[f"lo_{lo}"] == self.frame[f"lo_{hi}"]) & (
                self.frame[f"hi_{lo}"] == self.frame[f"hi_{hi}"]
            )
            if same.any():
                out.append(
                    f"The {lo}% and {hi}% ranges are the same in {int(same.sum())} of {len(same)} "
                    "forecast months: the past forecasts they learn from erred too little to tell "
                    "them apart."
                )
        return out

    def caption(self) -> str:
        """Source, period, method and backtest accuracy in one paragraph."""
        start, end = self.trained
        levels = "/".join(f"{lv}%" for lv in self.levels)
        text = (
            f"Forecast of encounters (events, not people), {self.flows.request.describe()}, "
            f"trained on {start:%Y-%m}..{end:%Y-%m}. Model: {MODEL_NAME}, {levels} intervals"
        )
        if self.total is not None:
            how = self.meta.get("reconciliation") or {}
            if how.get("forecast") == "ols":
                text += (
                    "; parts reconciled to their total by non-negative OLS (hierarchicalforecast; "
                    "too few past forecasts, or MinT refused their error covariance)"
                )
            else:
                text += "; parts reconciled to their total (non-negative MinT, hierarchicalforecast)"
            if how.get("backtest_ols_origins"):
                text += f", by OLS at {how['backtest_ols_origins']} backtest origins"
        if self.meta.get("intervals", "").startswith("plain"):
            text += "; short series: intervals from few past forecasts, not adaptive"
        text += ". " + self.meaning()
        main = _main_level(self.levels)
        for lv in self.levels:  # the other levels too: a wider range is read the same way
            if lv != main:
                text += " " + self.meaning(lv).replace(f"this {lv}%", f"the {lv}%")
        text += self._break_caption()
        text += self._width_caption()
        line = self.backtest.line()
        if line:
            naive = self.backtest.table.set_index("model")
            extra = ""
            if "naive" in naive.index:
                extra = f"; naive MASE {naive.loc['naive', 'mase']:.2f}"
            text += f". Backtest: {line}{extra}"
        source = "; ".join(f"{s.title} ({s.start:%Y-%m}..{s.end:%Y-%m})" for s in self.flows.segments)
        text += f". Source: {source}."
        if self.flows.rounded:
            text += " Counts rounded to 10 in part of the period."
        return text

    def meaning(self, level: int | None = None) -> str:
        """What an interval (the main one by default) means, in plain words, with how often it
        held in backtests."""
        main = _main_level(self.levels) if level is None else level
        table = self.backtest.table.set_index("model") if "model" in self.backtest.table else None
        held = None
        if table is not None and "corridor" in table.index and f"coverage_{main}" in table:
            held = table.loc["corridor", f"coverage_{main}"]
        return _meaning_sentence(main, held, each=len(self.meta.get("series", [])) > 1)

    def _break_caption(self) -> str:
        series = self.meta.get("series", [])
        shifted = [s for s in series if s["break"]["detected"]]
        if not shifted:
            return ""
        if len(series) == 1:
            return " " + _break_sentence(shifted[0])
        latest = max(s["break"]["month"] for s in shifted)
        return (
            f" Level shifts detected in {len(shifted)} of {len(series)} series (latest {latest}); "
            "their intervals learn from forecasts made since the shift."
        )

    def _width_caption(self) -> str:
        main = _main_level(self.levels)
        rel = self._relative_width(main)
        if rel is None:
            return ""
        first, last = rel
        return (
            f" Relative width of the {main}% range, (high - low) / forecast: {first:.2f} next month, "
            f"{last:.2f} in {len(self.frame['month'].unique())} months"
        )

    def _relative_width(self, level: int) -> tuple[float, float] | None:
        """Mean (hi - lo) / point over series at the first and the last forecast month."""
        frame = self.total if self.total is not None else self.frame
        if f"lo_{level}" not in frame:
            return None
        rel = (frame[f"hi_{level}"] - frame[f"lo_{level}"]) / frame["point"].where(frame["point"] > 0)
        by_month = rel.groupby(frame["month"]).mean()
        if by_month.isna().all():
            return None
        return float(by_month.iloc[0]), float(by_month.iloc[-1])

    def summary(self) -> str:
        """The caption plus the backtest table as text."""
        table = self.backtest.table.to_string(index=False, float_format=lambda v: f"{v:.3f}")
        return f"{self.caption()}\n{len(self.frame)} forecast rows.\n{table}"

    def chart(self) -> dict[str, Any]:
        """A Vega-Lite spec: recent history, the forecast and its intervals, with backtest and source."""
        from corridor import charts
        from corridor.jsonio import records

        label = self._labels(self.history)
        hist = self.history.assign(series=label)
        keep = (
            hist.groupby("series")["encounters"]
            .last()
            .sort_values(ascending=False)
            .index[:CHART_SERIES]
            .tolist()
        )
        fcast = self.frame.assign(series=self._labels(self.frame))
        hist = hist[hist["series"].isin(keep)]
        fcast = fcast[fcast["series"].isin(keep)]
        cutoff, since_shift = self._chart_start(keep)
        hist = hist[pd.to_datetime(hist["month"]) >= cutoff]
        data_h = hist[["series", "month", "encounters"]].assign(
            kind="actual", month=pd.to_datetime(hist["month"]).dt.strftime("%Y-%m-%d")
        )
        data_f = fcast.assign(kind="forecast", month=pd.to_datetime(fcast["month"]).dt.strftime("%Y-%m-%d"))
        x = {"field": "month", "type": "temporal", "title": "month", "axis": {"format": "%Y-%m"}}
        color = {"field": "series", "type": "nominal", "title": "series"}
        layers: list[dict[str, Any]] = []
        for lv, opacity in zip(sorted(self.levels, reverse=True), (0.15, 0.3, 0.45), strict=False):
            layers.append(
                {
                    "data": {"values": records(data_f)},
                    "mark": {"type": "area", "opacity": opacity},
                    "encoding": {
                        "x": x,
                        "y": {"field": f"lo_{lv}", "type": "quantitative", "title": "encounters"},
                        "y2": {"field": f"hi_{lv}"},
                        "color": color,
                        "tooltip": [
                            {"field": "month", "type": "temporal"},
                            {"field": f"lo_{lv}"},
                            {"field": f"hi_{lv}"},
                        ],
                    },
                }
            )
        layers.append(
            {
                "data": {"values": records(data_h)},
                "mark": {"type": "line", "tooltip": True},
                "encoding": {"x": x, "y": {"field": "encounters", "type": "quantitative"}, "color": color},
            }
        )
        layers.append(
            {
                "data": {"values": records(data_f)},
                "mark": {"type": "line", "strokeDash": [5, 3], "point": True, "tooltip": True},
                "encoding": {"x": x, "y": {"field": "point", "type": "quantitative"}, "color": color},
            }
        )
        caption = self.caption()
        if since_shift:
            caption += (
                f" The chart's history starts at the level shift ({cutoff:%Y-%m}), the months the "
                "intervals learn from; the Series page has the whole series."
            )
        if len(label.unique()) > CHART_SERIES:
            caption += f" Chart shows the {CHART_SERIES} largest series."
        spec = charts.base("Encounters: forecast with intervals", caption)
        spec["layer"] = layers
        return spec

    def _chart_start(self, charted: list[str]) -> tuple[pd.Timestamp, bool]:
        """The chart's first month: the last 36 months, or, when every charted series shifted level
        within them, the earliest of their shifts (with at least 6 months shown), so the forecast is
        drawn at the scale it was learned from instead of a sliver under the old level."""
        end = pd.Timestamp(self.trained[1])
        default = end - pd.DateOffset(months=CHART_MONTHS - 1)
        series = self.meta.get("series", [])
        names = [" / ".join(str(s.get("key", {}).get(k)) for k in self.keys) or "total" for s in series]
        breaks = [
            s["break"]["month"]
            for s, name in zip(series, names, strict=True)
            if name in charted and s.get("break", {}).get("detected")
        ]
        if not series or len(breaks) < min(len(charted), len(series)):
            return default, False
        start = min(pd.Timestamp(str(b)) for b in breaks)
        start = min(start, end - pd.DateOffset(months=5))
        return (start, True) if start > default else (default, False)

    def _labels(self, frame: pd.DataFrame) -> pd.Series:
        if not self.keys:
            return pd.Series(["total"] * len(frame), index=frame.index)
        return frame[self.keys].astype(str).agg(" / ".join, axis=1)


def _series_table(
    frame: pd.DataFrame, keys: list[str]
) -> tuple[list[dt.date], list[tuple[str, ...]], np.ndarray]:
    """Months, series keys and a (series, months) matrix from a tidy flows frame."""
    months = sorted(frame["month"].unique())
    values = frame["encounters"].astype("Float64")  # missing (not published) stays missing, never 0
    if keys:
        wide = values.groupby([frame[k] for k in keys] + [frame["month"]]).sum(min_count=1).unstack("month")
        wide = wide.reindex(columns=months)
        labels = [k if isinstance(k, tuple) else (k,) for k in wide.index]
        return months, [tuple(str(v) for v in k) for k in labels], wide.to_numpy(float, na_value=np.nan)
    ser = values.groupby(frame["month"]).sum(min_count=1).reindex(months)
    return months, [()], ser.to_numpy(float, na_value=np.nan)[None, :]


def _published_span(
    months: list[dt.date], keys: list[str], labels: list[tuple[str, ...]], mat: np.ndarray
) -> tuple[slice, str | None]:
    """The latest run of months in which every series is published, and the names of the series
    that are not published in every month (None when all are)."""
    from corridor.reference.labels import label

    complete = ~np.isnan(mat).any(axis=0)
    if complete.all():
        return slice(0, len(months)), None
    end = int(np.flatnonzero(complete)[-1]) + 1 if complete.any() else 0
    gaps = np.flatnonzero(~complete[:end])
    start = int(gaps[-1]) + 1 if len(gaps) else 0
    missing = [
        " / ".join(label(k, v) for k, v in zip(keys, lab, strict=True)) or "the series"
        for lab, row in zip(labels, mat, strict=True)
        if np.isnan(row).any()
    ]
    names = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return slice(start, end), names


def _check_months(months: list[dt.date]) -> None:
    for a, b in itertools.pairwise(months):
        if fc.add_months(a, 1) != b:
            raise UsageError(
                f"the series has a gap between {a:%Y-%m} and {b:%Y-%m}; forecasts need every month"
            )


def build(
    full: FlowsResult,
    *,
    keys: list[str],
    horizon: int,
    until: dt.date | None,
    levels: Sequence[int],
    baselines: Sequence[fc.BaselineName],
    origins: int = 24,
    spec: fc.ModelSpec = fc.DEFAULT_SPEC,
    progress: Callable[[str], None] | None = None,
) -> ForecastResult:
    """Forecast every series of a monthly flows answer (grouped by `keys`) from data up to `until`."""
    fc.validate(horizon=horizon, levels=levels)
    frame = full.tidy()
    if frame.empty:
        raise UsageError(f"the selection ({full.request.describe()}) matches no encounters")
    all_months = sorted(frame["month"].unique())
    first = all_months[0]
    if until is not None:
        if until < first:
            raise UsageError(
                f"--until {until:%Y-%m} is before the data begin ({first:%Y-%m}) "
                f"for {full.request.describe()}"
            )
        frame = frame[frame["month"] <= until]
    months, labels, mat = _series_table(frame, keys)
    _check_months(months)
    span, missing = _published_span(months, keys, labels, mat)
    unpublished = None
    if missing is not None:
        if span.stop == 0:
            raise UsageError(
                f"the selection ({full.request.describe()}) has no month in which every series is "
                f"published ({missing} missing in some months); forecast fewer series or one at a time"
            )
        unpublished = (
            f"The forecast learns from {months[span.start]:%Y-%m}..{months[span.stop - 1]:%Y-%m}, the latest "
            f"months in which every series is published: {missing} not published in every month of "
            f"{months[0]:%Y-%m}..{months[-1]:%Y-%m} (missing, not 0)."
        )
    months, mat = months[span], mat[:, span]
    if len(months) < fc.MIN_MONTHS:
        why = f" in which every series is published ({missing} missing in others)" if missing else ""
        raise UsageError(
            f"only {len(months)} months of data{why} ({months[0]:%Y-%m}..{months[-1]:%Y-%m}); "
            f"a forecast needs at least {fc.MIN_MONTHS}"
        )
    if not mat.any():
        raise UsageError(
            f"the selection ({full.request.describe()}) has no encounters up to {months[-1]:%Y-%m}"
        )
    n = len(months)
    ys = list(mat)
    started = time.perf_counter()  # Corridor's runs below serve the forecast and its backtest
    run = fc.run_group_detail(ys, months, horizon, levels, spec=spec)
    pts, ivs = run.points, run.intervals
    short = n < spec.first_origin + spec.calibration_origins
    if short:  # too few past forecasts to calibrate adaptively: plain conformal from all of them
        for i, y in enumerate(ys):
            for lv, (lo, hi) in fc.fallback_intervals(y, pts[i], levels, spec=spec).items():
                ivs[i][lv][0][n], ivs[i][lv][1][n] = lo, hi
    bt_origins = fc.default_origins(n, horizon, count=origins)
    total_frame = None
    reconciliation: dict[str, Any] | None = None
    names = [" / ".join(lab) if lab else "total" for lab in labels]
    series = dict(zip(names, ys, strict=True))
    corridor_runs = (pts, ivs)
    if keys and len(ys) > 1:
        total_y = mat.sum(axis=0)
        t_run = fc.run_group_detail([total_y], months, horizon, levels, spec=spec)
        (t_pts,), (t_ivs,) = t_run.points, t_run.intervals
        if short:
            for lv, (lo, hi) in fc.fallback_intervals(total_y, t_pts, levels, spec=spec).items():
                t_ivs[lv][0][n], t_ivs[lv][1][n] = lo, hi
        used: dict[int, str] = {}
        pts, t_point = fc.reconcile_group(ys, pts, ivs, total_y, t_pts, t_ivs, [*bt_origins, n], used=used)
        reconciliation = {
            "forecast": used[n],
            "backtest_ols_origins": sum(used[o] == "ols" for o in bt_origins),
        }
        series["total"] = total_y
        corridor_runs = ([*pts, t_point], [*ivs, t_ivs])
        total_frame = _rows(
            months[-1], horizon, levels, t_point[n], {lv: (t_ivs[lv][0][n], t_ivs[lv][1][n]) for lv in levels}
        )
    corridor_seconds = time.perf_counter() - started
    if bt_origins:
        backtest = fc.backtest_series(
            series,
            months,
            bt_origins,
            horizon=horizon,
            levels=levels,
            baselines=baselines,
            corridor=corridor_runs,
            corridor_seconds=corridor_seconds,
            spec=spec,
            progress=progress,
        )
        # Wall-clock seconds differ run to run: they stay in `backtest.seconds`, out of the
        # table every output shows, so the same warehouse gives byte-identical answers.
        backtest.table = backtest.table.drop(columns=["seconds"])
    else:
        empty = pd.DataFrame(columns=["model", "mase"])
        backtest = fc.Backtest(
            empty, empty, empty, (months[-1], months[-1], 0), "no backtest: too few months"
        )
    rows = []
    for lab, p, iv in zip(labels, pts, ivs, strict=True):
        part = _rows(months[-1], horizon, levels, p[n], {lv: (iv[lv][0][n], iv[lv][1][n]) for lv in levels})
        for k, v in zip(keys, lab, strict=True):
            part[k] = v
        rows.append(part)
    bands = [f"{side}_{lv}" for lv in levels for side in ("lo", "hi")]
    out = pd.concat(rows, ignore_index=True)[[*keys, "month", "point", *bands]]
    history = full.tidy()
    per_series = [
        _series_meta(
            name=name,
            key=dict(zip(keys, lab, strict=True)),
            y=y,
            months=months,
            breaks=run.breaks[i],
            basis=run.basis[i],
            backtest=backtest,
            levels=levels,
        )
        for i, (name, lab, y) in enumerate(zip(names, labels, ys, strict=True))
    ]
    if total_frame is not None:
        per_series.append(
            _series_meta(
                name="total",
                key={},
                y=total_y,
                months=months,
                breaks=t_run.breaks[0],
                basis=t_run.basis[0],
                backtest=backtest,
                levels=levels,
            )
        )
    meta = {
        "model": MODEL_NAME,
        "model_settings": {k: getattr(spec, k) for k in spec.__dataclass_fields__},
        "horizon": horizon,
        "levels": list(levels),
        "trained_on": f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
        "reconciled": total_frame is not None,
        "reconciliation": reconciliation,
        "intervals": "plain conformal from few past forecasts (short series)"
        if short
        else "adaptive conformal",
        "series": per_series,
        "unpublished": unpublished,
    }
    return ForecastResult(
        frame=out,
        keys=list(keys),
        levels=tuple(levels),
        history=history,
        total=total_frame,
        backtest=backtest,
        flows=full,
        trained=(months[0], months[-1]),
        meta=meta,
    )


def _rows(
    last: dt.date,
    horizon: int,
    levels: Sequence[int],
    point: np.ndarray,
    bands: dict[int, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    data: dict[str, Any] = {
        "month": [fc.add_months(last, h) for h in range(1, horizon + 1)],
        "point": np.round(point, 1),
    }
    for lv in levels:
        lo, hi = bands[lv]
        data[f"lo_{lv}"] = np.round(np.minimum(lo, point), 1)
        data[f"hi_{lv}"] = np.round(np.maximum(hi, point), 1)
    return pd.DataFrame(data)


def _main_level(levels: Sequence[int]) -> int:
    """The level captions speak of: 80% when asked for, else the lowest."""
    return 80 if 80 in levels else min(levels)


def _out_of(level: int) -> tuple[int, int]:
    """80 -> (8, 10), 95 -> (19, 20), 99 -> (99, 100): the plainest 'k in m' for a level."""
    for m in (10, 20, 100):
        if level * m % 100 == 0:
            return level * m // 100, m
    return level, 100


def _meaning_sentence(level: int, held: float | None, *, each: bool = False) -> str:
    """'8 in 10 months should fall in this range; in backtests it held 7 of 10.'"""
    k, m = _out_of(level)
    text = f"{k} in {m} months should fall in {'each' if each else 'this'} {level}% range"
    if held is not None and np.isfinite(held):
        text += f"; in backtests it held {round(float(held) * m):d} of {m}"
    return text + "."


def _break_sentence(s: dict[str, Any]) -> str:
    """'A level shift was detected from 2025-02 (...); its intervals learn from ... since 2025-02.'"""
    b = s["break"]
    who = "" if s["label"] == "total" and not s["key"] else f" for {s['label']}"
    shift = b.get("shift")
    moved = ""
    if shift is not None and np.isfinite(shift):
        moved = f" (to {shift:.2f} times its level in the year before)"
    text = f"A level shift{who} was detected from {b['month']}{moved}; "
    if b["learning_from"] >= b["month"]:
        return text + f"its intervals learn from forecasts made since {b['learning_from']}."
    return text + (
        f"until enough forecasts made since then are known, its intervals learn from forecasts made "
        f"since {b['learning_from']}, leaving out those across the shift."
    )


def _series_meta(
    *,
    name: str,
    key: dict[str, str],
    y: np.ndarray,
    months: list[dt.date],
    breaks: np.ndarray,
    basis: dict[int, tuple[int, int]],
    backtest: fc.Backtest,
    levels: Sequence[int],
) -> dict[str, Any]:
    """One series' interval meaning, backtest calibration and sharpness, and level shift."""
    from corridor.reference.labels import label

    n = len(y)
    c = int(breaks[n])
    first = basis.get(n, (c, max(1, n - fc.DEFAULT_SPEC.interval_window)))[1]
    shift = None
    if c >= 0:
        before = y[max(0, c - 12) : c]
        after = y[c : min(n, c + 12)]
        if len(before) and before.mean() > 0:
            shift = float(after.mean() / before.mean())
    info: dict[str, Any] = {
        "detected": c >= 0,
        "month": f"{months[c]:%Y-%m}" if c >= 0 else None,
        "learning_from": f"{months[max(first - 1, 0)]:%Y-%m}",
        "shift": shift,
        "method": "ruptures KernelCPD (linear kernel, PELT) on the seasonally adjusted log series",
    }
    long = backtest.long
    rows = (
        long[(long["model"] == "corridor") & (long["series"] == name)] if "series" in long else long.iloc[:0]
    )
    bt: dict[str, Any] = {"forecasts": len(rows)}
    for lv in levels:
        bt[f"coverage_{lv}"] = float(rows[f"cover_{lv}"].mean()) if len(rows) else None
        bt[f"relative_width_{lv}"] = float(rows[f"relwidth_{lv}"].mean()) if len(rows) else None
    main = _main_level(levels)
    text = " / ".join(label(k, v) for k, v in key.items()) if key else "total"
    meta = {
        "label": text,
        "key": key,
        "interval_meaning": _meaning_sentence(main, bt.get(f"coverage_{main}")),
        "backtest": bt,
        "break": info,
    }
    meta["warnings"] = [_break_sentence(meta)] if c >= 0 else []
    return meta

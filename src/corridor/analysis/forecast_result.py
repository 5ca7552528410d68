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
    "with adaptive conformal intervals"
)
CHART_SERIES = 8


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
        """Provenance, method and the backtest table as plain data (for JSON/Parquet)."""
        out = dict(self.flows.metadata())
        out.update(self.meta)
        out["backtest"] = {
            "description": self.backtest.description,
            "table": self.backtest.table.replace({np.nan: None}).to_dict(orient="records"),
        }
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
        cutoff = pd.Timestamp(self.trained[1]) - pd.DateOffset(months=47)
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
        if len(label.unique()) > CHART_SERIES:
            caption += f" Chart shows the {CHART_SERIES} largest series."
        spec = charts.base("Encounters: forecast with intervals", caption)
        spec["layer"] = layers
        return spec

    def _labels(self, frame: pd.DataFrame) -> pd.Series:
        if not self.keys:
            return pd.Series(["total"] * len(frame), index=frame.index)
        return frame[self.keys].astype(str).agg(" / ".join, axis=1)


def _series_table(
    frame: pd.DataFrame, keys: list[str]
) -> tuple[list[dt.date], list[tuple[str, ...]], np.ndarray]:
    """Months, series keys and a (series, months) matrix from a tidy flows frame."""
    months = sorted(frame["month"].unique())
    if keys:
        wide = frame.pivot_table(
            index=keys, columns="month", values="encounters", aggfunc="sum", fill_value=0
        )
        wide = wide.reindex(columns=months, fill_value=0)
        labels = [k if isinstance(k, tuple) else (k,) for k in wide.index]
        return months, [tuple(str(v) for v in k) for k in labels], wide.to_numpy(float)
    ser = frame.set_index("month")["encounters"].reindex(months, fill_value=0)
    return months, [()], ser.to_numpy(float)[None, :]


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
    if len(months) < fc.MIN_MONTHS:
        raise UsageError(
            f"only {len(months)} months of data ({months[0]:%Y-%m}..{months[-1]:%Y-%m}); "
            f"a forecast needs at least {fc.MIN_MONTHS}"
        )
    if not mat.any():
        raise UsageError(
            f"the selection ({full.request.describe()}) has no encounters up to {months[-1]:%Y-%m}"
        )
    n = len(months)
    ys = list(mat)
    started = time.perf_counter()  # Corridor's runs below serve the forecast and its backtest
    pts, ivs = fc.run_group(ys, months, horizon, levels, spec=spec)
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
        (t_pts,), (t_ivs,) = fc.run_group([total_y], months, horizon, levels, spec=spec)
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

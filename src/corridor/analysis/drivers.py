"""The drivers model: a gravity-style panel of encounters by origin and year on root causes.

Poisson pseudo-maximum likelihood (PPML, pyfixest `fepois`) with origin and year fixed effects and
errors clustered by origin, on a plain DataFrame with one row per origin-year: the outcome count
and one column per driver (already lagged by the panel builder). Log-transformed drivers give
elasticities, level drivers semi-elasticities. The out-of-sample check fits through year T and
predicts T+1, against the same fixed effects without drivers.
"""

from __future__ import annotations

import math
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from corridor.analysis.fixest import pf
from corridor.errors import UsageError

Transform = Literal["log", "log1p", "level"]
TRANSFORMS: tuple[str, ...] = Transform.__args__  # type: ignore[attr-defined]
FixedEffects = Literal["origin_year", "origin", "year", "none"]
FIXED_EFFECTS: tuple[str, ...] = FixedEffects.__args__  # type: ignore[attr-defined]

DEFAULT_DRIVERS: tuple[str, ...] = (
    "wdi.gdp_pc_ppp",
    "wdi.homicide_rate",
    "wgi.control_of_corruption",
    "emdat.affected",
    "wdi.remittances_pct_gdp",
    "aid.us_disbursed",
)
# Drivers whose natural scale is multiplicative; everything else enters in levels.
DEFAULT_TRANSFORMS: dict[str, str] = {
    "wdi.gdp_pc_ppp": "log",
    "wdi.remittances_usd": "log",
    "emdat.affected": "log1p",
    "aid.us_disbursed": "log1p",
}


def fe_columns(fe: str, *, unit: str = "citizenship", time: str = "fiscal_year") -> tuple[str, ...]:
    """The fixed-effect columns of a FixedEffects option."""
    if fe not in FIXED_EFFECTS:
        raise UsageError(f"--fe {fe!r} is not one of {', '.join(FIXED_EFFECTS)}")
    return {"origin_year": (unit, time), "origin": (unit,), "year": (time,), "none": ()}[fe]


def _safe(name: str) -> str:
    return "x_" + re.sub(r"\W", "_", name)


def _transform(values: pd.Series, how: str) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").astype(float)
    if how == "log":
        return np.log(v.where(v > 0))
    if how == "log1p":
        return np.log1p(v.where(v >= 0))
    return v


@dataclass
class Prepared:
    """The estimation sample: outcome, transformed drivers, fixed-effect columns; what was dropped."""

    data: pd.DataFrame
    columns: dict[str, str]  # driver id -> column name in `data`
    transforms: dict[str, str]
    dropped: dict[str, int]


def prepare(
    frame: pd.DataFrame,
    *,
    outcome: str,
    drivers: Sequence[str],
    fe: Sequence[str],
    cluster: str | None,
    transforms: Mapping[str, str] | None = None,
    keep: Sequence[str] = (),
) -> Prepared:
    """Check columns, transform drivers, drop incomplete rows and all-zero fixed-effect groups.

    `keep` names columns carried into the sample without entering the model (the unit and year
    an out-of-sample split needs when the fixed effects leave them out).
    """
    needed = [outcome, *drivers, *fe, *([cluster] if cluster else []), *keep]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise UsageError(f"the panel has no column(s) {', '.join(missing)}")
    if not drivers:
        raise UsageError("give at least one driver")
    chosen = {d: (transforms or {}).get(d, DEFAULT_TRANSFORMS.get(d, "level")) for d in drivers}
    for d, how in chosen.items():
        if how not in TRANSFORMS:
            raise UsageError(f"transform {how!r} for {d} is not one of {', '.join(TRANSFORMS)}")
    cols = {d: _safe(d) for d in drivers}
    data = frame[list(dict.fromkeys([*fe, *([cluster] if cluster else []), *keep, outcome]))].copy()
    data[outcome] = pd.to_numeric(data[outcome], errors="coerce").astype(float)
    for d, c in cols.items():
        data[c] = _transform(frame[d], chosen[d])
    dropped = {"rows": len(data)}
    bad_transform = sum(
        int((frame[d].notna() & data[c].isna()).sum()) for d, c in cols.items() if chosen[d] != "level"
    )
    complete = data[[outcome, *cols.values()]].notna().all(axis=1)
    dropped["missing_driver_or_outcome"] = int((~complete).sum())
    dropped["outside_log_domain"] = bad_transform
    data = data[complete]
    if (data[outcome] < 0).any():
        raise UsageError(f"the outcome {outcome!r} has negative values; PPML needs counts")
    zero_groups = 0
    for col in fe:  # Poisson FE for a group whose outcome is all zero is at -infinity: drop it
        while True:
            totals = data.groupby(col)[outcome].transform("sum")
            gone = totals <= 0
            if not gone.any():
                break
            zero_groups += int(data.loc[gone, col].nunique())
            data = data[~gone]
    dropped["all_zero_fixed_effect_groups"] = zero_groups
    dropped["used"] = len(data)
    if len(data) <= len(cols) + 2:
        raise UsageError(f"only {len(data)} complete rows: too few to estimate {len(cols)} driver(s)")
    return Prepared(data=data.reset_index(drop=True), columns=cols, transforms=chosen, dropped=dropped)


def _formula(outcome: str, columns: Sequence[str], fe: Sequence[str]) -> str:
    rhs = " + ".join(columns) if columns else "1"
    return f"{outcome} ~ {rhs}" + (f" | {' + '.join(fe)}" if fe else "")


def _fepois(data: pd.DataFrame, fml: str, *, cluster: str | None, tol: float):
    vcov: str | dict[str, str] = {"CRV1": cluster} if cluster else "hetero"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.fepois(fml, data=data, vcov=vcov, iwls_tol=tol, fixef_tol=tol, iwls_maxiter=100)


def short_name(indicator: str) -> str:
    """An indicator's name without its trailing unit in brackets (for chart rows and sentences)."""
    from corridor.reference import labels

    name = labels.label("indicator", indicator)
    return re.sub(r"\s*\([^()]*\)$", "", name).removesuffix(": estimate") or name


def verdict_parts(frame: pd.DataFrame, meta: Mapping[str, Any]) -> tuple[str, str, str]:
    """The drivers model in plain words: (headline, interval, reliability). One builder for the
    CLI, the page's card and the report, so they cannot say different things."""
    from corridor import fmt

    rows = frame.dropna(subset=["effect_pct"])
    clear = rows[(rows["effect_pct_lo"] > 0) | (rows["effect_pct_hi"] < 0)]

    def one(r: Any) -> str:
        per = f"{r.per} " if isinstance(getattr(r, "per", None), str) else ""
        lo, hi = r.effect_pct_lo / 100, r.effect_pct_hi / 100
        span = f"{fmt.pct(lo)} to {fmt.pct(hi)}" if math.isfinite(lo) and math.isfinite(hi) else "no interval"
        return f"{short_name(str(r.driver))} ({per}→ {fmt.pct(r.effect_pct / 100)} encounters, 95% {span})"

    if clear.empty:
        headline = (
            f"None of the {len(rows)} drivers moves with encounters clearly once each country's "
            "and each year's own level is held constant."
        )
        interval = ""
    else:
        headline = (
            f"{len(clear)} of {len(rows)} drivers move with encounters clearly: "
            + "; ".join(one(r) for r in clear.itertuples())
            + "."
        )
        interval = "Every other driver's interval includes no change."
    parts = ["These are associations within countries over time, not proven causes."]
    oos = meta.get("out_of_sample") or {}
    if isinstance(oos, Mapping) and oos.get("drivers_better_in"):
        years = oos.get("test_years") or []
        span = f" ({years[0]}–{years[-1]})" if years else ""
        parts.append(
            f"Held out of the fit{span}, the drivers predicted better than country and year effects "
            f"alone in {oos['drivers_better_in']}."
        )
    return headline, interval, " ".join(parts)


@dataclass
class DriversResult:
    """PPML estimates (elasticities / semi-elasticities with intervals), fit and out-of-sample check."""

    coefficients: pd.DataFrame
    outcome: str
    fe: tuple[str, ...]
    cluster: str | None
    n_obs: int
    n_origins: int
    n_years: int
    period: str
    pseudo_r2: float
    r2_corr: float
    deviance: float
    dropped: dict[str, int]
    alpha: float = 0.05
    oos: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    metadata_: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row a driver: estimate, s.e., interval, p-value and the effect in percent."""
        return self.coefficients

    def oos_summary(self) -> dict[str, Any]:
        if self.oos.empty:
            return {}
        piv = self.oos.pivot(index="test_year", columns="model", values="deviance")
        better = int((piv["drivers"] < piv["fixed_effects_only"]).sum())
        return {
            "test_years": [int(y) for y in piv.index],
            "mean_deviance_drivers": float(piv["drivers"].mean()),
            "mean_deviance_fixed_effects_only": float(piv["fixed_effects_only"].mean()),
            "drivers_better_in": f"{better} of {len(piv)} years",
        }

    def metadata(self) -> dict[str, Any]:
        meta = {
            "method": "PPML (Poisson pseudo-maximum likelihood), pyfixest fepois",
            "outcome": self.outcome,
            "fixed_effects": list(self.fe),
            "cluster": self.cluster,
            "n_obs": self.n_obs,
            "n_origins": self.n_origins,
            "n_years": self.n_years,
            "period": self.period,
            "pseudo_r2": self.pseudo_r2,
            "r2_corr": self.r2_corr,
            "deviance": self.deviance,
            "dropped": self.dropped,
            "interval": f"{100 * (1 - self.alpha):.0f}% t interval with errors clustered by {self.cluster}"
            if self.cluster
            else "heteroskedasticity-robust",
            "out_of_sample": self.oos_summary(),
            "out_of_sample_rows": self.oos.to_dict(orient="records"),
            "notes": self.notes,
        }
        meta.update(self.metadata_)
        return meta

    def caption(self) -> str:
        oos = self.oos_summary()
        text = (
            f"PPML of {self.outcome} on lagged drivers with "
            f"{' and '.join(f.replace('_', ' ') for f in self.fe) or 'no'} fixed effects, "
            f"errors clustered by {self.cluster or 'none'}; N={self.n_obs} ({self.n_origins} origins, "
            f"{self.n_years} years, {self.period}); pseudo-R2 {self.pseudo_r2:.3f}."
        )
        if oos:
            text += (
                f" Out of sample ({', '.join(str(y) for y in oos['test_years'])}): mean Poisson deviance "
                f"{oos['mean_deviance_drivers']:.1f} with drivers vs "
                f"{oos['mean_deviance_fixed_effects_only']:.1f} "
                f"with fixed effects only (drivers better in {oos['drivers_better_in']})."
            )
        source = self.metadata_.get("outcome_caption")
        if source:
            text += f" Outcome: {source}"
        return text

    def verdict(self) -> str:
        """The model's answer in plain words: which drivers move with encounters clearly, and
        what kind of evidence that is."""
        return " ".join(t for t in verdict_parts(self.coefficients, self.metadata()) if t)

    def table(self) -> pd.DataFrame:
        """The coefficients for people: each driver by name, the change it is read per, the
        effect on encounters with its interval, and the p-value (log-scale estimates and the effect of
        one standard deviation are in `tidy()`)."""
        from corridor.fmt import cell, pct

        c = self.coefficients
        return pd.DataFrame(
            {
                "driver": [short_name(str(d)) for d in c["driver"]],
                "per": c["per"],
                "effect": [pct(v / 100) for v in c["effect_pct"]],
                "95% interval": [
                    f"{pct(lo / 100)}..{pct(hi / 100)}"
                    for lo, hi in zip(c["effect_pct_lo"], c["effect_pct_hi"], strict=True)
                ],
                "p": [cell(v, "p") for v in c["p_value"]],
            }
        )

    def summary(self) -> str:
        lines = [self.caption()]
        for r in self.coefficients.itertuples(index=False):
            lines.append(
                f"  {r.driver:<28} {r.estimate:+.4f} [{r.ci_lo:+.4f}, {r.ci_hi:+.4f}] p={r.p_value:.3f}  "
                f"{r.interpretation}"
            )
        lines += [f"  Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def chart(self) -> dict[str, Any]:
        """Vega-Lite coefficient plot: effect in percent with its interval, one row a driver."""
        values = [
            {
                "driver": r.driver,
                "effect": r.effect_pct,
                "lo": r.effect_pct_lo,
                "hi": r.effect_pct_hi,
                "per": r.per,
            }
            for r in self.coefficients.itertuples(index=False)
        ]
        y = {"field": "driver", "type": "nominal", "title": None, "sort": None}
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {
                "text": "Drivers of encounters: % change in encounters (PPML)",
                "subtitle": textwrap.wrap(self.caption(), 110),
                "anchor": "start",
                "subtitleFontSize": 10,
            },
            "width": 520,
            "data": {"values": values},
            "layer": [
                {
                    "mark": {"type": "rule"},
                    "encoding": {
                        "y": y,
                        "x": {"field": "lo", "type": "quantitative", "title": "% change in encounters"},
                        "x2": {"field": "hi"},
                    },
                },
                {
                    "mark": {"type": "point", "filled": True},
                    "encoding": {
                        "y": y,
                        "x": {"field": "effect", "type": "quantitative"},
                        "tooltip": [
                            {"field": "driver"},
                            {"field": "per"},
                            {"field": "effect", "format": ".1f"},
                        ],
                    },
                },
                {
                    "data": {"values": [{"zero": 0}]},
                    "mark": {"type": "rule", "strokeDash": [3, 3]},
                    "encoding": {"x": {"field": "zero", "type": "quantitative"}},
                },
            ],
        }


def _interpret(driver: str, how: str, lag: int | None) -> tuple[str, float]:
    """The sentence for one coefficient, and the driver change the percent effect refers to."""
    when = f" ({lag} year{'s' if lag != 1 else ''} earlier)" if lag is not None else ""
    if how in ("log", "log1p"):
        return f"elasticity: +10% {driver}{when}", math.log(1.1)
    return f"semi-elasticity: +1 unit of {driver}{when}", 1.0


def fit_drivers(
    frame: pd.DataFrame,
    *,
    outcome: str = "encounters",
    drivers: Sequence[str] = DEFAULT_DRIVERS,
    fe: Sequence[str] = ("citizenship", "fiscal_year"),
    cluster: str | None = "citizenship",
    transforms: Mapping[str, str] | None = None,
    lags: Mapping[str, int] | None = None,
    time: str = "fiscal_year",
    unit: str = "citizenship",
    alpha: float = 0.05,
    tol: float = 1e-10,
) -> DriversResult:
    """PPML of `outcome` on `drivers` with fixed effects `fe`, errors clustered by `cluster`."""
    if not 0 < alpha < 0.5:
        raise UsageError("alpha must be between 0 and 0.5")
    prep = prepare(frame, outcome=outcome, drivers=drivers, fe=fe, cluster=cluster, transforms=transforms)
    data, cols = prep.data, prep.columns
    fit = _fepois(data, _formula(outcome, list(cols.values()), fe), cluster=cluster, tol=tol)
    coef, se = fit.coef(), fit.se()
    n_clusters = int(data[cluster].nunique()) if cluster else len(data)
    dof = max(n_clusters - 1, 1)
    q = float(stats.t.ppf(1 - alpha / 2, dof))
    rows = []
    for d, c in cols.items():
        b, s = float(coef[c]), float(se[c])
        how = prep.transforms[d]
        text, step = _interpret(d, how, (lags or {}).get(d))
        lo, hi = b - q * s, b + q * s
        within = data[c] - data.groupby(fe[0])[c].transform("mean") if fe else data[c] - data[c].mean()
        sd = float(within.std())
        per = "+10%"
        if how == "level":
            # An index such as control of corruption (-2.5..2.5) moves a few tenths within a
            # country: "+1 unit" would read as a 12-fold change. Its effect is stated per one
            # within-country standard deviation, a change the countries have actually seen.
            if math.isfinite(sd) and sd > 0:
                step, per = sd, f"+1 s.d. ({sd:.2g})"
                text = text.replace("+1 unit of", f"+1 within-country s.d. ({sd:.2g}) of")
            else:
                per = "+1 unit"
        rows.append(
            {
                "driver": d,
                "transform": how,
                "lag": (lags or {}).get(d),
                "estimate": b,
                "se": s,
                "ci_lo": lo,
                "ci_hi": hi,
                "p_value": float(2 * stats.t.sf(abs(b / s), dof)) if s > 0 else float("nan"),
                "effect_pct": 100 * math.expm1(b * step),
                "effect_pct_lo": 100 * math.expm1(lo * step),
                "effect_pct_hi": 100 * math.expm1(hi * step),
                "per": per,
                "within_sd": sd,
                "effect_pct_sd": 100 * math.expm1(b * sd),
                "effect_pct_per_unit": 100 * math.expm1(b) if how == "level" else float("nan"),
                "interpretation": text,
            }
        )
    fitted = _fitted(fit, data)
    used = fitted.notna().to_numpy()
    y, mu = data[outcome].to_numpy()[used], fitted.to_numpy()[used]
    prep.dropped["singletons"] = int(len(data) - used.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
    r2_corr = float(np.corrcoef(y, mu)[0, 1] ** 2) if len(y) > 2 else float("nan")
    data = data[used]
    years = data[time] if time in data.columns else pd.Series(dtype=int)
    notes = []
    if n_clusters < 30 and cluster:
        notes.append(f"only {n_clusters} clusters: clustered intervals use t({dof}) critical values")
    return DriversResult(
        coefficients=pd.DataFrame(rows),
        outcome=outcome,
        fe=tuple(fe),
        cluster=cluster,
        n_obs=int(fit._N),
        n_origins=int(data[unit].nunique()) if unit in data.columns else 0,
        n_years=int(years.nunique()),
        period=f"{int(years.min())}..{int(years.max())}" if len(years) else "",
        pseudo_r2=float(getattr(fit, "_pseudo_r2", float("nan"))),
        r2_corr=r2_corr,
        deviance=float(dev),
        dropped=prep.dropped,
        alpha=alpha,
        notes=notes,
    )


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(2 * np.mean(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))


def _fitted(fit, data: pd.DataFrame) -> pd.Series:
    """In-sample fitted counts aligned to `data`'s rows (NaN where the estimation left a row out)."""
    mu = pd.Series(np.asarray(fit.predict(type="response"), dtype=float), index=fit._data.index)
    return mu.reindex(data.index)


def out_of_sample(
    frame: pd.DataFrame,
    *,
    outcome: str = "encounters",
    drivers: Sequence[str] = DEFAULT_DRIVERS,
    fe: Sequence[str] = ("citizenship", "fiscal_year"),
    transforms: Mapping[str, str] | None = None,
    unit: str = "citizenship",
    time: str = "fiscal_year",
    years: int = 3,
    tol: float = 1e-8,
) -> pd.DataFrame:
    """Fit through year T, predict T+1, for the last `years` years; drivers vs fixed effects only.

    The prediction carries each origin's fitted year-T fixed effects forward, so it is
    mu(T+1) = mu_hat(T) * exp((x(T+1) - x(T)) b) with drivers and mu_hat(T) without them.
    """
    prep = prepare(
        frame, outcome=outcome, drivers=drivers, fe=fe, cluster=None, transforms=transforms, keep=(unit, time)
    )
    data, cols = prep.data, list(prep.columns.values())
    all_years = sorted(int(y) for y in data[time].unique())
    rows = []
    for test in all_years[-years:]:
        train = data[data[time] < test].reset_index(drop=True)
        last = int(train[time].max()) if len(train) else None
        if last is None or train[time].nunique() < 3:
            continue
        now = data[data[time] == test].set_index(unit)
        before = train[train[time] == last].set_index(unit)
        common = now.index.intersection(before.index)
        if len(common) < 3:
            continue
        try:
            full = _fepois(train, _formula(outcome, cols, fe), cluster=None, tol=tol)
            base = _fepois(train, _formula(outcome, [], fe), cluster=None, tol=tol)
        except Exception as exc:  # a fold that does not converge is reported, not fatal
            rows.append({"test_year": test, "model": "drivers", "error": str(exc)[:200]})
            continue
        fitted_full = _fitted(full, train)
        fitted_base = _fitted(base, train)
        at_t = train[train[time] == last][unit]
        mu_full = fitted_full[train[time] == last].set_axis(at_t.to_numpy()).reindex(common).to_numpy()
        mu_base = fitted_base[train[time] == last].set_axis(at_t.to_numpy()).reindex(common).to_numpy()
        beta = full.coef()[cols].to_numpy()
        dx = now.loc[common, cols].to_numpy() - before.loc[common, cols].to_numpy()
        pred = {"drivers": mu_full * np.exp(dx @ beta), "fixed_effects_only": mu_base}
        y = now.loc[common, outcome].to_numpy(dtype=float)
        keep = np.isfinite(pred["drivers"]) & np.isfinite(pred["fixed_effects_only"])
        y = y[keep]
        for name, mu in pred.items():
            mu = mu[keep]
            rows.append(
                {
                    "test_year": test,
                    "trained_through": last,
                    "model": name,
                    "n": len(y),
                    "deviance": _deviance(y, mu),
                    "mae": float(np.mean(np.abs(y - mu))),
                    "rmse_log": float(np.sqrt(np.mean((np.log1p(y) - np.log1p(mu)) ** 2))),
                }
            )
    return pd.DataFrame(rows)


def synthetic_panel(
    *,
    n_origins: int = 40,
    n_years: int = 16,
    seed: int = 0,
    gdp_elasticity: float = -0.8,
    homicide_semi: float = 0.03,
    first_year: int = 2005,
) -> pd.DataFrame:
    """A seeded origin-year panel with known effects: log mu = origin + year + b1 log GDP + b2 homicide.

    Columns: citizenship, fiscal_year, encounters, wdi.gdp_pc_ppp, wdi.homicide_rate and a pure
    noise driver wgi.control_of_corruption (true effect 0). A few values are missing.
    """
    rng = np.random.default_rng(seed)
    origin = rng.normal(2.5, 1.0, n_origins)
    year = np.cumsum(rng.normal(0.0, 0.15, n_years))
    rows = []
    for i in range(n_origins):
        gdp = np.exp(rng.normal(8.5, 0.8) + np.cumsum(rng.normal(0.02, 0.06, n_years)))
        hom = np.clip(rng.normal(15, 10) + np.cumsum(rng.normal(0, 2.5, n_years)), 0.3, None)
        coc = rng.normal(-0.3, 0.6) + np.cumsum(rng.normal(0, 0.1, n_years))
        for t in range(n_years):
            mu = np.exp(origin[i] + year[t] + 8.0 + gdp_elasticity * np.log(gdp[t]) + homicide_semi * hom[t])
            rows.append(
                {
                    "citizenship": f"C{i:02d}",
                    "fiscal_year": first_year + t,
                    "encounters": int(rng.poisson(mu)),
                    "wdi.gdp_pc_ppp": gdp[t],
                    "wdi.homicide_rate": hom[t],
                    "wgi.control_of_corruption": coc[t],
                }
            )
    frame = pd.DataFrame(rows)
    holes = rng.choice(len(frame), size=max(1, len(frame) // 50), replace=False)
    frame.loc[holes, "wdi.homicide_rate"] = np.nan
    return frame

"""Scenarios: a YAML file that overrides model parameters from a given month.

```yaml
name: family_surge
title: A 30% surge in family units
from: 2024-10          # first month the overrides apply (YYYY-MM); default: the first month
overrides:
  encounters_multiplier.family_units: 1.3
```
Every key is checked against `PARAMETERS`; an unknown key, shares that do not sum to 1, a
negative capacity or multiplier is a `UsageError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from corridor import safeyaml
from corridor.errors import UsageError
from corridor.reference.calendar import parse_month

GROUPS = ("single_adults", "family_units", "uac", "other")
CAPACITIES = ("t42_expulsion", "t8_repatriation", "transfer_ice", "cf_screening", "detention")
ADULT_OUTCOMES = (
    "t8_repatriation",
    "t42_expulsion",
    "mpp",
    "transfer_ice",
    "usbp_release",
    "ofo_parole",
    "other",
)
UAC_OUTCOMES = ("t8_repatriation", "t42_expulsion", "transfer_hhs")


def _parameters() -> dict[str, str]:
    out = {}
    for g in GROUPS:
        out[f"encounters_multiplier.{g}"] = "multiplier (>= 0) of that group's encounters"
        out[f"shares.{g}"] = "desired outcome shares (a mapping that sums to 1)"
        out[f"fear_referral_rate.{g}"] = (
            "share (0-1) of that group's ICE book-ins referred to a fear screening"
        )
    for c in CAPACITIES:
        out[f"capacity.{c}"] = "absolute monthly capacity (people; detention: beds), >= 0"
        out[f"capacity_multiplier.{c}"] = "multiplier (>= 0) of the calibrated capacity"
    out["title42"] = "true/false: the Title 42 order applies"
    out["mpp"] = "true/false: MPP returns take place"
    out["alos_days"] = "ICE average length of stay in days (> 0)"
    out["hhs_stay_days"] = "average days children stay in HHS care (> 0)"
    out["nta_share"] = "share (0-1) of releases that become court cases"
    return out


PARAMETERS: dict[str, str] = _parameters()
SCENARIO_DIR = "scenarios"


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides that apply from `start` on."""

    name: str
    title: str
    description: str = ""
    start: dt.date | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def applies(self, month: dt.date) -> bool:
        return bool(self.overrides) and (self.start is None or month >= self.start)


BASELINE = Scenario(name="baseline", title="Baseline: calibrated parameters, no policy change")


def builtin_names() -> list[str]:
    """The scenarios shipped with Corridor."""
    folder = resources.files("corridor.simulate") / SCENARIO_DIR
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load(name_or_path: str | Path | None) -> Scenario:
    """A built-in scenario by name, a YAML file by path, or the baseline for None/'baseline'."""
    if name_or_path in (None, "", "baseline"):
        return BASELINE
    path = Path(str(name_or_path))
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise UsageError(f"scenario file {path} does not exist")
        text = path.read_text(encoding="utf-8")
        label = str(path)
    else:
        names = builtin_names()
        if str(name_or_path) not in names:
            raise UsageError(
                f"unknown scenario {name_or_path!r}; built in: {', '.join(names)} (or a YAML file)"
            )
        res = resources.files("corridor.simulate") / SCENARIO_DIR / f"{name_or_path}.yaml"
        text = res.read_text(encoding="utf-8")
        label = f"{name_or_path}.yaml"
    data = safeyaml.loads(text, source=label)
    return parse(data, label=label)


def parse(data: Any, *, label: str = "scenario") -> Scenario:
    """Validate a scenario mapping (as loaded from YAML)."""
    if not isinstance(data, dict):
        raise UsageError(f"scenario {label}: expected a mapping with name, title, from, overrides")
    unknown_top = set(data) - {"name", "title", "description", "from", "overrides"}
    if unknown_top:
        raise UsageError(f"scenario {label}: unknown field(s) {', '.join(sorted(map(str, unknown_top)))}")
    start = None
    if data.get("from") is not None:
        try:
            raw = data["from"]
            start = parse_month(raw.strftime("%Y-%m") if isinstance(raw, dt.date) else str(raw))
        except ValueError as exc:
            raise UsageError(f"scenario {label}: from: {exc}") from None
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise UsageError(f"scenario {label}: overrides must be a mapping of parameter: value")
    clean = {str(k): _check(label, str(k), v) for k, v in overrides.items()}
    return Scenario(
        name=str(data.get("name") or Path(label).stem),
        title=str(data.get("title") or data.get("name") or label),
        description=str(data.get("description") or ""),
        start=start,
        overrides=clean,
        source=label,
    )


def _number(label: str, key: str, value: Any, *, low: float, high: float = math.inf, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise UsageError(f"scenario {label}: {key} must be a number, found {value!r}")
    if not low <= float(value) <= high:
        raise UsageError(f"scenario {label}: {key} = {value} is {what}")
    return float(value)


def _check(label: str, key: str, value: Any) -> Any:
    if key not in PARAMETERS:
        known = ", ".join(sorted(PARAMETERS))
        raise UsageError(f"scenario {label}: unknown parameter {key!r}; known parameters: {known}")
    kind, _, group = key.partition(".")
    if kind in ("title42", "mpp"):
        if not isinstance(value, bool):
            raise UsageError(f"scenario {label}: {key} must be true or false, found {value!r}")
        return value
    if kind == "capacity":
        return _number(label, key, value, low=0, what="a negative capacity")
    if kind in ("capacity_multiplier", "encounters_multiplier"):
        return _number(label, key, value, low=0, what="negative")
    if kind in ("fear_referral_rate", "nta_share"):
        return _number(label, key, value, low=0, high=1, what="not a share between 0 and 1")
    if kind in ("alos_days", "hhs_stay_days"):
        value = _number(label, key, value, low=0, what="negative")
        if value == 0:
            raise UsageError(f"scenario {label}: {key} must be positive")
        return value
    if kind == "shares":
        allowed = UAC_OUTCOMES if group == "uac" else ADULT_OUTCOMES
        if not isinstance(value, dict) or not value:
            raise UsageError(f"scenario {label}: {key} must map outcomes to shares")
        shares = {}
        for outcome, share in value.items():
            if outcome not in allowed:
                raise UsageError(
                    f"scenario {label}: {key}: unknown outcome {outcome!r}; allowed: {', '.join(allowed)}"
                )
            shares[str(outcome)] = _number(
                label, f"{key}.{outcome}", share, low=0, high=1, what="not a share"
            )
        total = sum(shares.values())
        if abs(total - 1) > 1e-6:
            raise UsageError(f"scenario {label}: {key} shares sum to {total:.6g}, not 1")
        return shares
    raise UsageError(f"scenario {label}: unknown parameter {key!r}")  # pragma: no cover

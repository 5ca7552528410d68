"""Results-framework files: parse, and validate with errors that name the file and the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from corridor import safeyaml
from corridor.errors import UsageError

Direction = Literal["higher", "lower", "context"]
DIRECTIONS = ("higher", "lower", "context")
SCALES = ("count", "amount", "share", "level")
QUERY_KINDS = ("indicators", "flows")
FLOWS_KEYS = {"region", "component", "citizenship", "demographic", "sector", "title", "state"}
INDICATOR_KEYS = {"indicator", "country", "combine", "since"}


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a framework: its warehouse query, direction, baseline, target, weight."""

    id: str
    label: str
    kind: str  # "indicators" | "flows"
    query: dict[str, Any]
    direction: str
    baseline: int
    rationale: str
    weight: float = 1.0
    target: dict[str, Any] | None = None
    share_of: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    path: str = ""
    scale: str | None = None  # count | amount | share | level; inferred from the unit when absent
    opened: str | None = None  # YYYY-MM-DD a pathway began, when after the baseline
    noise: dict[str, Any] | None = None  # {indicator, since}: borrow that index's cross-country variation
    benchmark: dict[str, Any] | None = None  # {label, source, values: {year: value}}
    note: str = ""


@dataclass(frozen=True)
class Pillar:
    id: str
    title: str
    weight: float
    indicators: tuple[IndicatorSpec, ...]
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    published: str
    source: str
    scope: tuple[str, ...]
    goal: str
    goal_indicators: tuple[IndicatorSpec, ...]
    pillars: tuple[Pillar, ...]
    file: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    partners: bool = False  # show partners' relief (bilateral aid to the scope) beside the scores


class _Reader:
    """Walks the YAML, raising UsageError with `file: path.to.field: problem`."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, message: str) -> UsageError:
        return UsageError(f"{self.file}: {path}: {message}")

    def get(self, obj: Any, key: str, path: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(path, "expected a mapping")
        if key not in obj:
            if default is ...:
                raise self.fail(f"{path}.{key}" if path else key, "is required")
            return default
        value = obj[key]
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"{path}.{key}" if path else key, f"expected {names}, found {value!r}")
        return value


def _indicator(r: _Reader, raw: Any, path: str) -> IndicatorSpec:
    ident = r.get(raw, "id", path, str)
    if not re.fullmatch(r"[a-z0-9_]+", ident):
        raise r.fail(f"{path}.id", f"{ident!r} must be lower-case letters, digits and underscores")
    query = r.get(raw, "query", path, dict)
    kinds = [k for k in query if k in QUERY_KINDS]
    if len(kinds) != 1 or len(query) != 1:
        raise r.fail(f"{path}.query", f"expected exactly one of {', '.join(QUERY_KINDS)} (never raw SQL)")
    kind = kinds[0]
    spec = query[kind]
    if not isinstance(spec, dict):
        raise r.fail(f"{path}.query.{kind}", "expected a mapping")
    share_of = None
    allowed = FLOWS_KEYS | {"share_of"} if kind == "flows" else INDICATOR_KEYS
    for key in spec:
        if key not in allowed:
            raise r.fail(f"{path}.query.{kind}.{key}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    if kind == "indicators" and "indicator" not in spec:
        raise r.fail(f"{path}.query.indicators.indicator", "is required")
    if kind == "indicators" and spec.get("combine", "mean") not in ("mean", "sum"):
        raise r.fail(f"{path}.query.indicators.combine", "must be mean or sum")
    if kind == "indicators" and not isinstance(spec.get("since", 0), int):
        raise r.fail(f"{path}.query.indicators.since", "must be a year (the first year of the series used)")
    if kind == "flows" and "share_of" in spec:
        share_of = spec.pop("share_of")
        if not isinstance(share_of, dict) or set(share_of) - FLOWS_KEYS:
            raise r.fail(f"{path}.query.flows.share_of", "expected a flows filter mapping")
    direction = r.get(raw, "direction", path, str)
    if direction not in DIRECTIONS:
        raise r.fail(f"{path}.direction", f"{direction!r} is not one of {', '.join(DIRECTIONS)}")
    baseline = r.get(raw, "baseline", path, int)
    target = r.get(raw, "target", path, dict, None)
    if target is not None and not ({"value", "by"} <= set(target)):
        raise r.fail(f"{path}.target", "needs value and by (a year)")
    weight = float(r.get(raw, "weight", path, (int, float), 1))
    if weight < 0:
        raise r.fail(f"{path}.weight", "must not be negative")
    scale = r.get(raw, "scale", path, str, None)
    if scale is not None and scale not in SCALES:
        raise r.fail(f"{path}.scale", f"{scale!r} is not one of {', '.join(SCALES)}")
    opened = r.get(raw, "opened", path, str, None)
    if opened is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", opened):
        raise r.fail(f"{path}.opened", f"{opened!r} is not a date YYYY-MM-DD")
    noise = r.get(raw, "noise", path, dict, None)
    if noise is not None and (set(noise) - {"indicator", "since"} or "indicator" not in noise):
        raise r.fail(
            f"{path}.noise", "expected {indicator, since}: the index whose cross-country variation to use"
        )
    benchmark = r.get(raw, "benchmark", path, dict, None)
    if benchmark is not None:
        for key in ("label", "source", "values"):
            r.get(benchmark, key, f"{path}.benchmark", (str, dict) if key == "values" else str)
        for year, value in benchmark["values"].items():
            if not isinstance(year, int) or not isinstance(value, int | float):
                raise r.fail(f"{path}.benchmark.values", f"expected year: number, found {year!r}: {value!r}")
    return IndicatorSpec(
        id=ident,
        label=r.get(raw, "label", path, str),
        kind=kind,
        query=dict(spec),
        direction=direction,
        baseline=baseline,
        rationale=r.get(raw, "rationale", path, str),
        weight=weight,
        target=target,
        share_of=share_of,
        evaluation=r.get(raw, "evaluation", path, dict, None),
        path=path,
        scale=scale,
        opened=opened,
        noise=noise,
        benchmark=benchmark,
        note=r.get(raw, "note", path, str, ""),
    )


def parse_framework(data: Any, file: str) -> Framework:
    """Build a Framework from parsed YAML; raise UsageError naming the field on any problem."""
    r = _Reader(file)
    if not isinstance(data, dict):
        raise r.fail("(top)", "expected a mapping with id, title, pillars")
    goal = r.get(data, "goal", "", dict)
    goal_inds = tuple(
        _indicator(r, raw, f"goal.indicators[{i}]")
        for i, raw in enumerate(r.get(goal, "indicators", "goal", list, []))
    )
    pillars = []
    raw_pillars = r.get(data, "pillars", "", list)
    if not raw_pillars:
        raise r.fail("pillars", "needs at least one pillar")
    seen: set[str] = {s.id for s in goal_inds}
    for i, raw in enumerate(raw_pillars):
        path = f"pillars[{i}]"
        inds = []
        for j, ind in enumerate(r.get(raw, "indicators", path, list, [])):
            spec = _indicator(r, ind, f"{path}.indicators[{j}]")
            if spec.id in seen:
                raise r.fail(f"{path}.indicators[{j}].id", f"duplicate indicator id {spec.id!r}")
            seen.add(spec.id)
            inds.append(spec)
        pillars.append(
            Pillar(
                id=str(r.get(raw, "id", path, (str, int))),
                title=r.get(raw, "title", path, str),
                weight=float(r.get(raw, "weight", path, (int, float), 1)),
                indicators=tuple(inds),
                gaps=tuple(r.get(raw, "gaps", path, list, [])),
            )
        )
    return Framework(
        id=r.get(data, "id", "", str),
        title=r.get(data, "title", "", str),
        published=str(r.get(data, "published", "", (str,))),
        source=r.get(data, "source", "", str),
        scope=tuple(r.get(data, "scope", "", list, [])),
        goal=r.get(goal, "statement", "goal", str),
        goal_indicators=goal_inds,
        pillars=tuple(pillars),
        file=file,
        notes=tuple(r.get(data, "notes", "", list, [])),
        partners=bool(r.get(data, "partners", "", bool, False)),
    )


def shipped_frameworks() -> dict[str, Path]:
    """The frameworks shipped with Corridor: id -> file."""
    folder = resources.files("corridor.strategy") / "frameworks"
    out = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            out[item.name.removesuffix(".yaml")] = Path(str(item))
    return out


def load_framework(name_or_path: str | Path) -> Framework:
    """A shipped framework by id, or a user's framework file by path."""
    shipped = shipped_frameworks()
    path = shipped.get(str(name_or_path), Path(name_or_path))
    if not path.is_file():
        raise UsageError(
            f"no framework {str(name_or_path)!r}: not a shipped id ({', '.join(shipped)}) nor a file"
        )
    data = safeyaml.load(path)
    return parse_framework(data, path.name)

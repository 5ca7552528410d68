"""The analysis verbs the web app shows, read from the Observatory's own method signatures.

Pages and API endpoints for indicators, panel, profile, track, forecast, evaluate, events,
drivers and simulations are built from whatever `corridor.Observatory` has when the app starts:
a method that has not landed yet gives a "not available yet" note, and a method's keyword
arguments (their types, Literal choices and defaults) become form fields and query parameters.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from corridor.errors import CorridorError, UsageError
from corridor.observatory import Observatory

Kind = Literal["text", "list", "int", "float", "bool", "choice", "choices", "number_or_choice"]

# Bounds every generated parameter respects, so no request can ask for unbounded work.
INT_RANGE = (-100_000, 100_000)
FLOAT_RANGE = (-1e9, 1e9)
MAX_TEXT = 200
MAX_ITEMS = 50
# Tighter bounds by parameter name, for arguments that set how much work a request asks for.
NAMED_RANGES: dict[str, tuple[float, float]] = {
    "runs": (1, 5000),
    "replicates": (1, 5000),
    "permutations": (1, 5000),
    "placebos": (1, 5000),
    "draws": (1, 5000),
    "samples": (1, 5000),
    "bootstrap": (1, 5000),
    "horizon": (1, 120),
    "seed": (0, 2**31 - 1),
    "level": (0.01, 0.999),
    "post": (1, 240),
    "lag": (0, 10),
    "oos_years": (0, 10),
}
# Integer parameters with these names are years.
YEAR_NAMES = ("year", "since", "until", "start", "end", "clear_by", "calibrate_until", "calibrate_from")
YEAR_RANGE = (1900, 2100)

# Errors a verb raises for input it cannot answer: shown as a 422 with their message.
INPUT_ERRORS: tuple[type[Exception], ...] = (CorridorError, ValueError, LookupError)


@dataclass(frozen=True)
class Verb:
    """One Observatory method shown on a page and under /api/v1/<name>."""

    name: str
    method: str
    title: str
    blurb: str
    autorun: bool = False  # run (with `example`, else defaults) when the page opens: cheap verbs only
    example: tuple[tuple[str, str], ...] = ()  # form values a first visit starts from
    note: str = ""  # the source line for a result that carries no caption of its own


VERBS: tuple[Verb, ...] = (
    Verb(
        "indicators",
        "indicators",
        "Indicators",
        "Indicator values by country and year, with sources.",
        autorun=True,
        example=(("country", "GTM,HND,SLV,MEX"), ("indicator", "wdi.homicide_rate")),
    ),
    Verb(
        "indicator_catalog",
        "indicator_catalog",
        "Indicator catalog",
        "Every indicator id.",
        autorun=True,
        note="Every indicator in the warehouse; each row names its publisher (source), URL and licence.",
    ),
    Verb("panel", "panel", "Panel", "Country-period panel of encounters with lagged drivers.", autorun=True),
    Verb("profile", "profile", "Country profile", "One country's root-cause indicators and encounters."),
    Verb("drivers", "drivers", "Drivers", "A model of encounters on their drivers."),
    Verb("forecast", "forecast", "Forecast", "Forecasts with backtest accuracy against naive baselines."),
    Verb(
        "evaluate",
        "evaluate",
        "Evaluate",
        "Causal evaluation of a policy event, with placebo checks (takes a few seconds).",
        example=(("policy", "venezuela_parole"),),
    ),
    Verb("events", "events", "Policy events", "The curated policy timeline.", autorun=True),
    Verb("track", "track", "Strategy tracker", "A results framework, scored.", autorun=True),
    Verb(
        "simulate_pathways",
        "simulate_pathways",
        "Processing pathways",
        "Monthly border outcomes, detention, releases and new court cases, simulated with intervals.",
        autorun=True,
    ),
    Verb(
        "simulate_backlog",
        "simulate_backlog",
        "Court backlog",
        "Pending immigration-court cases by fiscal year under a number of added judges.",
        autorun=True,
    ),
)
BY_NAME = {v.name: v for v in VERBS}


@dataclass(frozen=True)
class Param:
    """One keyword argument of a verb, as a form field and a query parameter."""

    name: str  # the Python keyword
    alias: str  # the query/form name (`with_` -> `with`)
    kind: Kind
    required: bool
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def default_text(self) -> str:
        """The default as a form field shows it."""
        if self.default is None or self.default is inspect.Parameter.empty:
            return ""
        if isinstance(self.default, list | tuple):
            return ",".join(str(v) for v in self.default)
        return str(self.default)


def _literal_values(tp: Any) -> tuple[str, ...] | None:
    if typing.get_origin(tp) is Literal:
        return tuple(str(v) for v in typing.get_args(tp))
    return None


def _kind(tp: Any) -> tuple[Kind, tuple[str, ...]]:
    """Map a type hint to a field kind (and its choices)."""
    union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    args = tuple(a for a in (typing.get_args(tp) if union else (tp,)) if a is not type(None))
    for a in args:
        origin = typing.get_origin(a) or a
        if isinstance(origin, type) and issubclass(origin, abc.Sequence) and origin is not str:
            inner = typing.get_args(a)
            inner_choices = _literal_values(inner[0]) if inner else None
            return ("choices", inner_choices) if inner_choices else ("list", ())
    literals = [_literal_values(a) for a in args]
    if args and all(literals):
        return "choice", tuple(c for values in literals for c in values or ())
    if any(literals) and all(v or a in (int, float) for a, v in zip(args, literals, strict=True)):
        return "number_or_choice", tuple(c for values in literals for c in values or ())
    if args == (bool,):
        return "bool", ()
    if args == (int,):
        return "int", ()
    if set(args) in ({float}, {int, float}):
        return "float", ()
    return "text", ()


def _hint(method: Callable[..., Any], p: inspect.Parameter) -> Any:
    """One parameter's type: its annotation resolved, else the type of its default, else str."""
    ann = p.annotation
    if isinstance(ann, str):
        try:
            ann = eval(ann, getattr(method, "__globals__", {}))
        except Exception:
            ann = inspect.Parameter.empty
    if ann is inspect.Parameter.empty:
        default = p.default
        return type(default) if isinstance(default, bool | int | float | str) else str
    return ann


def params_of(method: Callable[..., Any]) -> list[Param]:
    """The verb's keyword arguments as Params (all but `self`; *args/**kwargs are ignored)."""
    try:
        hints = typing.get_type_hints(method)
    except Exception:  # an annotation that does not resolve: resolve them one by one
        hints = {}
    out = []
    for p in inspect.signature(method).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            continue
        kind, choices = _kind(hints[p.name] if p.name in hints else _hint(method, p))
        out.append(
            Param(
                name=p.name,
                alias=p.name.rstrip("_") or p.name,
                kind=kind,
                required=p.default is inspect.Parameter.empty,
                default=p.default,
                choices=choices,
            )
        )
    return out


def available(obs_class: type = Observatory) -> dict[str, Verb]:
    """The verbs whose methods exist now (others are shown as "not available yet")."""
    return {v.name: v for v in VERBS if callable(getattr(obs_class, v.method, None))}


def bounds(param: Param) -> tuple[float, float]:
    """The range a numeric parameter accepts over the web."""
    if param.alias in NAMED_RANGES:
        return NAMED_RANGES[param.alias]
    if param.kind == "int" and param.alias in YEAR_NAMES:
        return YEAR_RANGE
    return INT_RANGE if param.kind == "int" else FLOAT_RANGE


def _bounded_number(param: Param, text: str) -> int | float:
    try:
        value: int | float = int(text) if param.kind == "int" else float(text)
    except ValueError:
        raise UsageError(
            f"{param.alias}: expected {'an integer' if param.kind == 'int' else 'a number'}, got {text!r}"
        ) from None
    lo, hi = bounds(param)
    if not lo <= value <= hi or value != value:
        raise UsageError(f"{param.alias}: {text} is outside {lo}..{hi}")
    return value


def coerce(params: Sequence[Param], raw: Mapping[str, str | list[str] | None]) -> dict[str, Any]:
    """Turn form/query text into keyword arguments; empty fields take the method's default."""
    known = {p.alias for p in params}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise UsageError(f"unknown parameter(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}")
    kwargs: dict[str, Any] = {}
    for p in params:
        value = raw.get(p.alias)
        items = [v for v in (value if isinstance(value, list) else [value]) if v is not None]
        texts = [t.strip() for v in items for t in str(v).split(",") if t.strip()]
        if not texts:
            if p.required:
                raise UsageError(f"{p.alias} is required")
            continue
        if any(len(t) > MAX_TEXT for t in texts) or len(texts) > MAX_ITEMS:
            raise UsageError(f"{p.alias}: at most {MAX_ITEMS} values of {MAX_TEXT} characters")
        if any(re.search(r"[\x00-\x1f]", t) for t in texts):
            raise UsageError(f"{p.alias}: control characters are not allowed")
        if p.kind in ("text", "list") and any(re.search(r"[/\\]|^[~.]", t) for t in texts):  # ids, no files
            raise UsageError(f"{p.alias}: file paths are not accepted over the web; use an id")
        if p.kind in ("list", "choices"):
            if p.kind == "choices":
                for t in texts:
                    if t not in p.choices:
                        raise UsageError(f"{p.alias}: {t!r} is not one of {', '.join(p.choices)}")
            kwargs[p.name] = texts
            continue
        if len(texts) > 1:
            raise UsageError(f"{p.alias} takes one value, got {len(texts)}")
        text = texts[0]
        if p.kind == "number_or_choice":
            kwargs[p.name] = text if text in p.choices else _bounded_number(p, text)
            continue
        if p.kind == "choice" and text not in p.choices:
            raise UsageError(f"{p.alias}: {text!r} is not one of {', '.join(p.choices)}")
        if p.kind == "bool":
            if text.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise UsageError(f"{p.alias}: expected true or false, got {text!r}")
            kwargs[p.name] = text.lower() in ("true", "1", "yes", "on")
        elif p.kind in ("int", "float"):
            kwargs[p.name] = _bounded_number(p, text)
        else:
            kwargs[p.name] = text
    return kwargs


def call(obs: Observatory, verb: Verb, kwargs: Mapping[str, Any]) -> Any:
    """Run the verb on `obs` with keyword arguments from `coerce`."""
    return getattr(obs, verb.method)(**kwargs)


def cache_key(verb: Verb, kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key for one call, for the per-version answer cache."""
    return (
        "verb",
        verb.name,
        tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items())),
    )

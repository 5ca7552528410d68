"""The analysis verbs the web app shows, read from the Observatory's own method signatures.

Pages and API endpoints for indicators, panel, profile, track, forecast, evaluate, events,
drivers, simulations and the source reconciliation are built from whatever
`corridor.Observatory` has when the app starts: a method that is missing gives a "not available"
note, and a method's keyword arguments (their types, Literal choices and defaults) become form
fields and query parameters.

Validation has one path: each verb's parameters become one pydantic model (`model_of`), whose
fields parse with `corridor.params` through `corridor.web.params` (countries by code or name,
months, vocabularies, lists). FastAPI validates API queries with it (and documents it in the
OpenAPI spec); pages validate their forms with the same model (`coerce`). Every number has a
range and every list a maximum length; a parameter typed as a file path accepts, over the web,
only the ids of the files shipped with Corridor.
"""

from __future__ import annotations

import functools
import inspect
import pathlib
import types
import typing
from collections import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model

from corridor import params as shared
from corridor.errors import CorridorError, UsageError
from corridor.flows import BY_KEYS
from corridor.observatory import Observatory
from corridor.reference.labels import describe
from corridor.reference.sectors import SECTORS
from corridor.reference.vocab import COMPONENTS, DEMOGRAPHICS, REGIONS, TITLES
from corridor.web import params as wp

Kind = Literal["text", "list", "int", "float", "bool", "choice", "choices", "number_or_choice"]

# Bounds every generated parameter respects, so no request can ask for unbounded work.
INT_RANGE = (-100_000, 100_000)
FLOAT_RANGE = (-1e9, 1e9)
MAX_TEXT = wp.MAX_TEXT
MAX_ITEMS = wp.MAX_ITEMS
# Tighter bounds by parameter name, for arguments that set how much work a request asks for.
NAMED_RANGES: dict[str, tuple[float, float]] = {
    "runs": (1, 5000),
    "replicates": (1, 5000),
    "permutations": (1, 5000),
    "placebos": (1, 5000),
    "draws": (1, 5000),
    "samples": (1, 5000),
    "bootstrap": (1, 5000),
    "horizon": (1, 36),
    "origins": (1, 60),
    "seed": (0, 2**31 - 1),
    "post": (1, 120),
    "lag": (0, 10),
    "oos_years": (0, 10),
    "judges_added": (-1000, 5000),
    "hires_per_year": (0, 5000),
    "receipts": (0, 10_000_000),
}
# Bounds that depend on the verb too (the same name means different things).
VERB_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("forecast", "level"): (1, 99),  # interval levels in percent
    ("simulate_pathways", "level"): (0.5, 0.99),  # an interval's coverage as a fraction
    ("simulate_backlog", "level"): (0.5, 0.99),
}
# Integer parameters with these names are years; text parameters with these names are months.
YEAR_NAMES = ("year", "since", "until", "start", "end", "clear_by", "calibrate_until", "calibrate_from")
YEAR_RANGE = (1900, 2100)
MONTH_NAMES = ("since", "until", "start", "end", "calibrate_from", "calibrate_until")
# Parameters that name encounter citizenships (lists of ISO3 codes or country names).
COUNTRY_LISTS = ("citizenship", "treated", "donors")


def _frameworks() -> tuple[str, ...]:
    from corridor.strategy import shipped_frameworks

    return tuple(shipped_frameworks())


def _scenarios() -> tuple[str, ...]:
    from corridor.simulate.scenario import builtin_names

    return ("baseline", *builtin_names())


def _dimensions() -> tuple[str, ...]:
    from corridor.reconcile import COMPARED_DIMS

    return ("none", *COMPARED_DIMS)


# A parameter typed as a file path takes over the web only the ids of the files shipped with
# Corridor (the CLI still takes paths); a path parameter not listed here is not offered at all.
FILE_IDS: dict[str, Callable[[], tuple[str, ...]]] = {"framework": _frameworks, "scenario": _scenarios}
# Text parameters whose values are a fixed list, by (verb, name).
TEXT_CHOICES: dict[tuple[str, str], Callable[[], tuple[str, ...]]] = {("reconcile", "dimension"): _dimensions}
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "region": tuple(REGIONS),
    "component": tuple(COMPONENTS),
    "demographic": tuple(DEMOGRAPHICS),
    "sector": tuple(SECTORS),
    "title": tuple(TITLES),
}


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
        example=(("policy", "chnv_parole"),),  # the report's evaluation too
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
    Verb(
        "reconcile",
        "reconcile",
        "Reconciliation",
        "Where two encounter tables cover the same months: both totals, and differences beyond rounding.",
        autorun=True,
    ),
)
BY_NAME = {v.name: v for v in VERBS}

# Errors a verb raises for input it cannot answer: shown as a 422 with their message. Anything
# else a verb raises is a bug (a 500 with a request id).
INPUT_ERRORS: tuple[type[Exception], ...] = (CorridorError,)


@dataclass(frozen=True)
class Param:
    """One keyword argument of a verb, as a form field and a query parameter."""

    name: str  # the Python keyword
    alias: str  # the query/form name (`with_` -> `with`)
    kind: Kind
    required: bool
    default: Any
    choices: tuple[str, ...] = ()
    meaning: str = ""  # how the value is read: countries, country, states, month, region, ints, file, text
    range: tuple[float, float] | None = None  # for numbers (and each number of a list of numbers)

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


def _union_args(tp: Any) -> tuple[Any, ...]:
    union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    return tuple(a for a in (typing.get_args(tp) if union else (tp,)) if a is not type(None))


def _kind(tp: Any) -> tuple[Kind, tuple[str, ...], str]:
    """Map a type hint to a field kind, its choices and how its values are read."""
    args = _union_args(tp)
    if any(isinstance(a, type) and issubclass(a, pathlib.PurePath) for a in args):
        return "choice", (), "file"
    for a in args:
        origin = typing.get_origin(a) or a
        if isinstance(origin, type) and issubclass(origin, abc.Sequence) and origin is not str:
            inner = typing.get_args(a)
            inner_choices = _literal_values(inner[0]) if inner else None
            if inner_choices:
                return "choices", inner_choices, "choices"
            return "list", (), "ints" if inner and inner[0] is int else "text"
    literals = [_literal_values(a) for a in args]
    if args and all(literals):
        return "choice", tuple(c for values in literals for c in values or ()), "choice"
    if any(literals) and all(v or a in (int, float) for a, v in zip(args, literals, strict=True)):
        return "number_or_choice", tuple(c for values in literals for c in values or ()), "number"
    if args == (bool,):
        return "bool", (), "bool"
    if args == (int,):
        return "int", (), "number"
    if set(args) in ({float}, {int, float}):
        return "float", (), "number"
    return "text", (), "text"


def _hints(method: Callable[..., Any]) -> dict[str, Any]:
    """The method's parameter types, resolved (its return type is not needed and may not resolve)."""
    annotations = {k: v for k, v in getattr(method, "__annotations__", {}).items() if k != "return"}
    holder = types.SimpleNamespace(
        __annotations__=annotations, __globals__=getattr(method, "__globals__", {})
    )
    try:
        return typing.get_type_hints(holder)
    except Exception:  # one annotation that does not resolve: resolve the others one by one
        out = {}
        for name, ann in annotations.items():
            one = types.SimpleNamespace(__annotations__={name: ann}, __globals__=holder.__globals__)
            try:
                out.update(typing.get_type_hints(one))
            except Exception:
                continue  # read as text
        return out


def _specialise(verb: str, p: Param) -> Param | None:
    """Give a parameter its shared meaning by name: countries, months, years, vocabularies, files."""
    alias = p.alias
    kind, choices, meaning, rng = p.kind, p.choices, p.meaning, p.range
    if meaning == "file":
        if alias not in FILE_IDS:
            return None  # a file parameter with no shipped ids is not offered over the web
        choices = FILE_IDS[alias]()
    elif (verb, alias) in TEXT_CHOICES and kind == "text":
        kind, choices, meaning = "choice", TEXT_CHOICES[(verb, alias)](), "choice"
    elif alias in COUNTRY_LISTS and kind in ("text", "list"):
        kind, meaning = "list", "countries"
    elif alias == "iso3" and kind == "text":
        meaning = "country"
    elif alias == "state" and kind in ("text", "list"):
        kind, meaning = "list", "states"
    elif alias == "region" and kind == "text":
        kind, choices, meaning = "choice", VOCABULARIES["region"], "region"
    elif alias == "component" and kind == "text":
        kind, choices, meaning = "choice", VOCABULARIES["component"], "choice"
    elif alias in VOCABULARIES and kind == "list":
        kind, choices, meaning = "choices", VOCABULARIES[alias], "choices"
    elif alias == "by" and kind == "list":
        kind, choices, meaning = "choices", BY_KEYS, "choices"
    elif alias in MONTH_NAMES and kind == "text":
        meaning = "month"
    if kind in ("int", "float", "number_or_choice") or meaning == "ints":
        rng = VERB_RANGES.get((verb, alias)) or NAMED_RANGES.get(alias)
        if rng is None:
            rng = (
                YEAR_RANGE
                if kind == "int" and alias in YEAR_NAMES
                else INT_RANGE
                if kind == "int"
                else FLOAT_RANGE
            )
    return Param(p.name, alias, kind, p.required, p.default, tuple(choices), meaning, rng)


def params_of(method: Callable[..., Any], verb: str = "") -> list[Param]:
    """The verb's keyword arguments as Params (all but `self`; *args/**kwargs are ignored)."""
    verb = verb or getattr(method, "__name__", "")
    hints = _hints(method)
    out = []
    for p in inspect.signature(method).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            continue
        hint = hints.get(p.name)
        if hint is None:
            default = p.default
            hint = type(default) if isinstance(default, bool | int | float | str) else str
        kind, choices, meaning = _kind(hint)
        default = tuple(p.default) if isinstance(p.default, list) else p.default
        base = Param(
            name=p.name,
            alias=p.name.rstrip("_") or p.name,
            kind=kind,
            required=p.default is inspect.Parameter.empty,
            default=default,
            choices=choices,
            meaning=meaning,
        )
        param = _specialise(verb, base)
        if param is not None:
            out.append(param)
    return out


def available(obs_class: type = Observatory) -> dict[str, Verb]:
    """The verbs whose methods exist now (others are shown as "not available")."""
    return {v.name: v for v in VERBS if callable(getattr(obs_class, v.method, None))}


def bounds(param: Param) -> tuple[float, float]:
    """The range a numeric parameter accepts over the web (form fields use it as min and max)."""
    if param.range is not None:
        return param.range
    return INT_RANGE if param.kind == "int" else FLOAT_RANGE


def _number(param: Param, tp: type) -> Any:
    lo, hi = bounds(param)
    lo_, hi_ = (int(lo), int(hi)) if tp is int else (lo, hi)
    return Annotated[tp, Field(ge=lo_, le=hi_, allow_inf_nan=False) if tp is float else Field(ge=lo_, le=hi_)]


def _field_type(p: Param) -> Any:
    """The pydantic type of one parameter: what it accepts, parsed the shared way, with its bounds."""
    blank = BeforeValidator(wp.blank_to_none)
    if p.meaning == "countries":
        countries = wp.listed(functools.partial(shared.countries, name=p.alias))
        return Annotated[wp.bounded_list(str), BeforeValidator(countries)]
    if p.meaning == "states":
        return wp.States
    if p.meaning == "ints":
        lo, hi = bounds(p)
        item = Annotated[int, Field(ge=int(lo), le=int(hi))]
        return Annotated[wp.bounded_list(item), BeforeValidator(wp.listed(shared.items))]
    if p.kind == "choices":
        return wp.choices_field(p.choices, p.alias)
    if p.kind == "list":
        return Annotated[wp.bounded_list(str), BeforeValidator(wp.text_items(p.alias))]
    if p.kind == "choice":
        parse = wp.region_choice if p.meaning == "region" else wp.choice_of(p.choices, p.alias)
        return Annotated[Literal[p.choices] | None, BeforeValidator(parse)]  # type: ignore[valid-type]
    if p.kind == "bool":
        return Annotated[bool | None, blank]
    if p.kind in ("int", "float"):
        return Annotated[_number(p, int if p.kind == "int" else float) | None, blank]
    if p.kind == "number_or_choice":
        return Annotated[_number(p, float) | Literal[p.choices] | None, blank]  # type: ignore[valid-type]
    if p.meaning == "month":
        # Constraints go on the text inside the optional, never on None (a blank value).
        return Annotated[
            Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", examples=["2023-10"])] | None,
            BeforeValidator(wp.month_text(p.alias)),
        ]
    text = Annotated[str, Field(max_length=MAX_TEXT)]
    if p.meaning == "country":
        return Annotated[text | None, BeforeValidator(wp.country_text(p.alias))]
    return Annotated[text | None, BeforeValidator(wp.plain_text(p.alias))]


def _description(p: Param) -> str | None:
    parts = [describe("field", p.alias)]
    if p.default_text:
        parts.append(f"default {p.default_text}")
    if p.range is not None:
        lo, hi = p.range
        parts.append(f"from {lo:g} to {hi:g}")
    if p.kind in ("list", "choices"):
        parts.append(f"repeat or separate values with commas (at most {MAX_ITEMS})")
    if p.meaning in ("countries", "country"):
        parts.append("ISO 3166 alpha-3 codes or English country names")
    if p.meaning == "month":
        parts.append("a month, YYYY-MM")
    if p.meaning == "file":
        parts.append("the id of a file shipped with Corridor")
    text = "; ".join(s for s in parts if s)
    return text[0].upper() + text[1:] if text else None


@functools.cache
def model_of(params: tuple[Param, ...], name: str = "Verb") -> type[BaseModel]:
    """One pydantic model for a verb's parameters: the API's query model and the page's form model."""
    fields: dict[str, Any] = {}
    for p in params:
        fields[p.name] = (
            _field_type(p),
            Field(
                ... if p.required else None,
                alias=p.alias,
                description=_description(p),
            ),
        )
    title = "".join(part.title() for part in name.split("_")) + "Params"
    return create_model(  # type: ignore[call-overload,no-any-return]
        title, __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields
    )


def kwargs_of(params: Sequence[Param], model: BaseModel) -> dict[str, Any]:
    """The keyword arguments a validated model gives the method: what was given, nothing else.

    A required parameter given blank (`?iso3=`) is a request error, not a call without it."""
    out = {}
    for p in params:
        value = getattr(model, p.name, None)
        if value is not None and value != []:  # an empty list is "not given" too
            out[p.name] = list(value) if isinstance(value, list | tuple) else value
        elif p.required:
            raise UsageError(f"{p.alias} is required and was left blank")
    return out


def coerce(params: Sequence[Param], raw: Mapping[str, str | list[str] | None]) -> dict[str, Any]:
    """Form/query text -> keyword arguments through the verb's model; empty fields take the default.

    Raises UsageError with one sentence naming each bad parameter (the same words as the API's 422).
    """
    lists = {p.alias for p in params if p.kind in ("list", "choices")}
    data: dict[str, Any] = {}
    for key, value in raw.items():
        values = [v for v in (value if isinstance(value, list) else [value]) if v is not None]
        if not values:
            continue
        data[key] = values if key in lists else values[-1]
    model = model_of(tuple(params))
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        raise wp.validation_usage_error(exc.errors()) from None
    return kwargs_of(params, validated)


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

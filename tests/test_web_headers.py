"""Every header value Corridor writes is one an HTTP server sends (#19 finding 2).

uvicorn's h11 refuses a header value that ends in a space or holds control or non-ASCII bytes,
and then closes the connection without any answer: the CSV downloads of indicators and profiles
never answered. `header_value` is the one sanitiser; these properties hold for arbitrary text
and for the captions Corridor produces (flows over the request space, and every fast verb).
"""

from __future__ import annotations

import re
from typing import Any

import h11
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import corridor
from corridor.errors import CorridorError
from corridor.flows import BY_KEYS, TIME_KEYS
from corridor.reference.vocab import COMPONENTS, REGIONS
from corridor.web.security import MAX_HEADER_VALUE, header_value

GROUPS = [k for k in BY_KEYS if k not in TIME_KEYS]
CODES = ["GTM", "HND", "SLV", "MEX", "VEN", "CUB", "HTI", "NIC", "FRA", "IND", "CHN", "OTHER"]


def sendable(value: str) -> bool:
    """Whether h11 (uvicorn's HTTP/1.1 implementation) accepts `value` as a header value."""
    try:
        h11.Response(status_code=200, headers=[(b"x-corridor-source", value.encode("ascii"))])
    except (h11.LocalProtocolError, UnicodeEncodeError):
        return False
    return True


def check(text: str, limit: int = MAX_HEADER_VALUE) -> str:
    value = header_value(text, limit=limit)
    assert sendable(value), (text[:200], value)
    assert value.isascii() and value == value.strip() and len(value) <= limit
    assert not re.search(r"[\x00-\x1f\x7f]|  ", value)
    single = re.sub(r"\s+", " ", text).strip()
    if single.isascii() and single.isprintable() and len(single) <= limit:
        assert value == single  # nothing to change: nothing changed
    if value.endswith("...") and len(header_value(text, limit=10**6)) > limit:
        whole = header_value(text, limit=10**6)
        kept = value[:-3]
        assert whole.startswith(kept)
        # cut where a word ends, unless one word is longer than the whole limit
        assert whole[len(kept)] in " ,;:.-" or " " not in whole[: limit - 2], (whole[:limit], value)
    return value


@given(st.text(), st.integers(min_value=0, max_value=500))
@example("0\x850", 500)  # NEL is whitespace to Python: it became nothing, joining two words
@example("0\u20280", 500)
@settings(max_examples=500, deadline=None)
def test_any_text_becomes_a_sendable_header(text: str, limit: int) -> None:
    check(text, limit)


@given(st.text(alphabet=st.sampled_from(" \t\n\r\x00\x7f–—’“”…é naïve ·×"), min_size=0, max_size=1200))
@settings(max_examples=300, deadline=None)
def test_spaces_controls_and_typography(text: str) -> None:
    check(text)


def test_the_failing_captions_of_the_finding() -> None:
    # A caption cut at 900 characters that ended in a space closed the connection.
    caption = ("Indicators for Côte d’Ivoire – 2000..2024. Source: World Bank WDI " * 20)[:899] + " "
    value = check(caption)
    assert value.endswith("...") and "Cote d'Ivoire - 2000..2024" in value
    assert (
        header_value("Homicides per 100 000 people\u00a0(UNODC)\n") == "Homicides per 100 000 people (UNODC)"
    )


def _flows_request() -> st.SearchStrategy[dict[str, Any]]:
    months = st.integers(min_value=1995, max_value=2026).flatmap(
        lambda y: st.integers(min_value=1, max_value=12).map(lambda m: f"{y}-{m:02d}")
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "region": st.sampled_from([r for r in REGIONS if r != "nationwide"]),
            "component": st.sampled_from(list(COMPONENTS)),
            "citizenship": st.lists(st.sampled_from(CODES), max_size=4, unique=True),
            "by": st.tuples(
                st.lists(st.sampled_from(GROUPS), max_size=2, unique=True),
                st.sampled_from([[], ["month"], ["fiscal_year"], ["calendar_year"]]),
            ).map(lambda parts: parts[0] + parts[1]),
            "since": months,
            "until": months,
        },
    )


@given(request=_flows_request())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_flows_caption_is_a_sendable_header(obs: corridor.Observatory, request: dict[str, Any]) -> None:
    try:
        result = obs.flows(**request)
    except CorridorError:
        return
    check(result.caption())
    for source in result.metadata()["sources"]:
        check(source["title"])


VERB_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("indicators", {}),
    ("indicators", {"country": "GTM"}),
    ("indicators", {"country": "GTM,HND,SLV,MEX", "indicator": "wdi.homicide_rate"}),
    ("indicator_catalog", {}),
    ("profile", {"iso3": "GTM"}),
    ("profile", {"iso3": "CIV"}),
    ("profile", {"iso3": "VEN"}),
    ("events", {}),
    ("track", {"framework": "root-causes-2021"}),
    ("track", {"framework": "collaborative-migration-2021"}),
    ("reconcile", {}),
    ("simulate_backlog", {"runs": 50}),
    ("simulate_pathways", {"runs": 50}),
    ("forecast", {"region": "southwest", "horizon": 3}),
]


@pytest.mark.parametrize(
    ("verb", "kwargs"), VERB_CALLS, ids=[f"{v}-{i}" for i, (v, _) in enumerate(VERB_CALLS)]
)
def test_every_verb_caption_is_a_sendable_header(
    obs: corridor.Observatory, verb: str, kwargs: dict[str, Any]
) -> None:
    from corridor.web.results import show

    shown = show(getattr(obs, verb)(**kwargs))
    check(shown.caption)
    check(shown.summary.splitlines()[0] if shown.summary else "")

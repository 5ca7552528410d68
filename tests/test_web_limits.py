"""Every CSV download's headers are ones uvicorn sends (#19 finding 2), for every caption.

The finding: `/api/v1/indicators.csv` closed the connection with no answer, because its caption,
cut to 900 characters for `X-Corridor-Source`, ended in a space, which h11 refuses. Today's
captions happen to be cut inside an ASCII word, so a test with them alone no longer noticed a
download whose header skipped the sanitiser. Here Corridor's own captions are shifted by a few
characters (spaces, typographic and accented ones), so that a cut at any length lands on every
kind of character, and arbitrary text is tried too; each goes through `csv_response` itself.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import h11
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import corridor
from corridor.web.api import csv_response
from corridor.web.results import show

VERB_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("indicators", {}),
    ("indicators", {"country": "GTM"}),
    ("profile", {"iso3": "CIV"}),
    ("profile", {"iso3": "GTM"}),
    ("events", {}),
    ("indicator_catalog", {}),
]
FILLER = " \u2019\u2013\u00e9\u00f4\u00a0ab.,"  # space, ’, –, é, ô, no-break space, letters


@functools.cache
def captions(obs: corridor.Observatory) -> tuple[str, ...]:
    """Captions Corridor gives its downloads: verbs with long sources, and flows."""
    found = [show(getattr(obs, verb)(**kwargs)).caption for verb, kwargs in VERB_CALLS]
    found.append(obs.flows(region="southwest", by=["fiscal_year"]).caption())
    found.append(obs.flows(component="usbp", by=["fiscal_year"]).caption())
    return tuple(found)


def sent_headers(caption: str) -> list[tuple[bytes, bytes]]:
    """The headers of a CSV download with `caption`, as uvicorn's h11 would send them (h11 raises
    LocalProtocolError on a value it refuses, and uvicorn then closes the connection unanswered)."""
    response = csv_response(
        "a,b\n1,2\n", name="indicators.csv", caption=caption, version=SimpleNamespace(tag="1-ab-cd")
    )  # type: ignore[arg-type]
    h11.Response(status_code=200, headers=response.raw_headers)
    return response.raw_headers


@given(shift=st.text(alphabet=FILLER, max_size=40), which=st.integers(min_value=0), cut=st.integers(0, 1200))
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_download_caption_is_sent(obs: corridor.Observatory, shift: str, which: int, cut: int) -> None:
    real = captions(obs)
    assert max(len(c) for c in real) > 900  # long captions exist: the cut is reached
    caption = (shift + real[which % len(real)])[: max(cut, 1)] if cut else shift + real[which % len(real)]
    headers = dict(sent_headers(caption))
    source = headers[b"x-corridor-source"].decode("ascii")
    assert source == source.strip() and source.isprintable()


@given(st.text(max_size=1500))
@example(
    ("Indicators for C\u00f4te d\u2019Ivoire \u2013 2000..2024. Source: World Bank WDI " * 20)[:899] + " "
)
@example("x" * 899 + " y")  # a cut at 900 characters that ends in a space
@example("x" * 899 + "\u2019s")  # ... or on a character outside ASCII
@settings(max_examples=300, deadline=None)
def test_any_caption_is_sent(caption: str) -> None:
    sent_headers(caption)

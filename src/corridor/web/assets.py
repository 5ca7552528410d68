"""Static assets: the Vega/Vega-Lite/vegaEmbed bundle from vl-convert, built once and held in memory.

Charts render offline: the bundle comes from the `vl-convert-python` package, never a CDN, and
is served under a content-hashed URL so browsers may cache it for good.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Bundle:
    """The JavaScript bundle, plain and gzipped, and its content-hashed URL."""

    body: bytes
    gzipped: bytes
    url: str


@functools.cache
def vega_bundle() -> Bundle:
    """Build the bundle once per process (vl-convert takes a few seconds)."""
    import vl_convert

    body = vl_convert.javascript_bundle().encode()  # type: ignore[call-arg]  # snippet is optional
    digest = hashlib.sha256(body).hexdigest()[:12]
    return Bundle(body=body, gzipped=gzip.compress(body, 6), url=f"/static/vendor/vega-{digest}.js")


@functools.cache
def static_version() -> str:
    """A hash of our own static files, appended to their URLs so edits reach browsers."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]

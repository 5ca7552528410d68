"""Getting official files: from a local mirror folder, or downloaded from the publisher.

Downloads use a timeout, bounded retries with backoff, a size cap, and a content check (an HTML
error page is not a CSV), and land in a cache folder under a name that includes their checksum.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corridor import config
from corridor.errors import FetchError, InputError
from corridor.sources.base import FileSpec

if TYPE_CHECKING:  # httpx is imported on first download: a sync from a mirror never needs it
    import httpx

RETRIES = 3


def _timeout() -> httpx.Timeout:
    """Read/connect timeouts in seconds ($CORRIDOR_HTTP_TIMEOUT, default 30)."""
    import httpx

    seconds = float(os.environ.get("CORRIDOR_HTTP_TIMEOUT", "30"))
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


@dataclass(frozen=True)
class Fetched:
    """A local copy of an official file and its checksum."""

    spec: FileSpec
    path: Path
    sha256: str
    bytes: int
    origin: str  # the mirror path or URL it came from


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def from_mirror(spec: FileSpec, mirror: Path) -> Fetched:
    """The file at `mirror/spec.mirror_path`, checksummed."""
    path = mirror / spec.mirror_path
    if not path.is_file():
        raise InputError(path, f"file not found in mirror folder {mirror}")
    size = path.stat().st_size
    if size > spec.max_bytes:
        raise InputError(path, f"file is {size} bytes, over the cap of {spec.max_bytes}")
    return Fetched(spec, path, sha256_of(path), size, str(path))


def url_for(spec: FileSpec) -> str:
    """The URL to download: the official one, or the same file under $CORRIDOR_DOWNLOAD_BASE."""
    base = config.download_base()
    return f"{base.rstrip('/')}/{spec.mirror_path}" if base else spec.url


def download(spec: FileSpec, *, cache: Path | None = None, client: httpx.Client | None = None) -> Fetched:
    """Download one file with retries; the result is cached by checksum."""
    cache = cache or config.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    url = url_for(spec)
    own = client is None
    import httpx

    client = client or httpx.Client(timeout=_timeout(), follow_redirects=True)
    last: Exception | None = None
    try:
        for attempt in range(RETRIES):
            try:
                return _download_once(spec, url, cache, client)
            except (httpx.HTTPError, FetchError) as exc:
                last = exc
                if isinstance(exc, FetchError) and not exc.args[0].startswith("retryable"):
                    raise
                time.sleep(0.2 * 2**attempt)
    finally:
        if own:
            client.close()
    raise FetchError(f"{url}: download failed after {RETRIES} attempts ({last})")


def _download_once(spec: FileSpec, url: str, cache: Path, client: httpx.Client) -> Fetched:
    part = cache / f".{Path(spec.mirror_path).name}.part"
    try:
        return _stream_to(part, spec, url, cache, client)
    except BaseException:
        part.unlink(missing_ok=True)  # a refused or cut download leaves nothing behind
        raise


def _stream_to(part: Path, spec: FileSpec, url: str, cache: Path, client: httpx.Client) -> Fetched:
    h = hashlib.sha256()
    size = 0
    with client.stream("GET", url) as resp:
        if resp.status_code >= 500:
            raise FetchError(f"retryable: HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise FetchError(f"{url}: HTTP {resp.status_code}")
        ctype = resp.headers.get("content-type", "")
        if "text/html" in ctype and not spec.mirror_path.endswith((".html", ".htm")):
            raise FetchError(f"{url}: the server sent an HTML page, not the data file")
        expected = resp.headers.get("content-length")
        with part.open("wb") as fh:
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > spec.max_bytes:
                    raise FetchError(f"{url}: larger than the cap of {spec.max_bytes} bytes")
                h.update(chunk)
                fh.write(chunk)
    if expected is not None and int(expected) != size:
        raise FetchError(f"retryable: got {size} of {expected} bytes")
    digest = h.hexdigest()
    final = cache / f"{digest[:16]}-{Path(spec.mirror_path).name}"
    part.replace(final)
    return Fetched(spec, final, digest, size, url)

"""What the web tests share: a test client that talks to the app under a loopback Host name
(the app answers 400 to any other Host, as a defence against DNS rebinding)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BASE_URL = "http://localhost"


def local(app: Any, **kwargs: Any) -> TestClient:
    """A TestClient whose requests carry `Host: localhost`."""
    return TestClient(app, base_url=BASE_URL, **kwargs)

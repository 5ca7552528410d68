"""Schemathesis on the app's own OpenAPI spec: generated requests to every endpoint, no server error.

Bounded: a few dozen examples per operation, no shrinking phase, under a minute in all.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from corridor.web import create_app

# Model-fitting verbs take seconds a call: a few examples check their validation and error mapping.
EXAMPLES = {
    "/api/v1/flows": 60,
    "/api/v1/flows.csv": 25,
    "/api/v1/indicators": 4,
    "/api/v1/drivers": 2,
    "/api/v1/evaluate": 4,
}
DEFAULT_EXAMPLES = 8
# A verb's CSV endpoint shares its JSON twin's parameters and validation; one call checks the
# CSV writer (an unfiltered CSV, e.g. every indicator, is a 30 MB answer).
CSV_EXAMPLES = 1


def test_generated_requests_never_get_a_server_error(warehouse: Path) -> None:
    app = create_app(db=warehouse, hosts=["localhost", "testserver"])  # schemathesis calls it testserver
    with TestClient(app):  # runs the lifespan, so the warehouse state is closed afterwards
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/api/v1/flows", "/api/v1/status", "/api/v1/cubes"}
        seen: dict[str, set[int]] = {}
        for op in operations:  # bounded by the example counts above, never by a clock
            fuzz(op, seen)
        assert 200 in seen["/api/v1/flows"] and 422 in seen["/api/v1/flows"], seen


def fuzz(op: schemathesis.APIOperation, seen: dict[str, set[int]]) -> None:
    """Generated requests to one operation: each gets a non-5xx answer, and a 422 says why."""

    @given(case=op.as_strategy())
    @settings(
        max_examples=EXAMPLES.get(op.path, CSV_EXAMPLES if op.path.endswith(".csv") else DEFAULT_EXAMPLES),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call(timeout=30)
        seen.setdefault(op.path, set()).add(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        if response.status_code == 422:
            assert response.json()["detail"], "a 422 says what was wrong"

    call()

"""How `make test` differs from `make test-all` (tests/conftest.py): the fast Hypothesis profile
(fewer draws, never none) and the cases SLOW_CASES leaves to `make test-all`."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FAST_FLOOR, SLOW_CASES, _check_slow_cases, _fewer_examples


def _property(max_examples: int | None) -> Any:
    @given(st.integers())
    def prop(n: int) -> None:
        assert isinstance(n, int)

    return prop if max_examples is None else settings(max_examples=max_examples)(prop)


def test_fast_profile_draws_a_quarter_at_least_the_floor_never_more() -> None:
    own = {500: 125, 300: 75, 100: 25, 40: FAST_FLOOR, FAST_FLOOR: FAST_FLOOR, 3: 3}
    props = {n: _property(n) for n in own}
    default = _property(None)
    # props[500] twice, as parametrized cases share their function: lowered once, not twice.
    items = [SimpleNamespace(obj=p) for p in [*props.values(), default, props[500]]]
    _fewer_examples(items)  # type: ignore[arg-type]
    got = {n: p._hypothesis_internal_use_settings.max_examples for n, p in props.items()}
    assert got == own
    assert default._hypothesis_internal_use_settings.max_examples == settings.default.max_examples // 4


def test_a_lowered_property_still_runs_and_can_fail() -> None:
    calls = []

    @settings(max_examples=40, database=None, derandomize=True)
    @given(st.booleans())
    def prop(b: bool) -> None:
        calls.append(b)
        assert not b

    _fewer_examples([SimpleNamespace(obj=prop)])  # type: ignore[list-item]
    try:
        prop()
    except AssertionError:
        pass
    else:
        raise AssertionError("a property that can fail passed under the fast profile")
    assert calls


def test_a_slow_case_that_no_longer_exists_stops_the_run() -> None:
    case = SLOW_CASES[0]
    function = case.split("[", 1)[0]
    renamed = [SimpleNamespace(nodeid=function + "[renamed]")]
    with pytest.raises(pytest.UsageError, match="do not exist"):
        _check_slow_cases(renamed)  # type: ignore[arg-type]
    _check_slow_cases([SimpleNamespace(nodeid=c) for c in SLOW_CASES])  # type: ignore[misc]
    _check_slow_cases([SimpleNamespace(nodeid="tests/test_other.py::test_x")])  # type: ignore[list-item]

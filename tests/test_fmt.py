"""Number formatting: counts whole, percentages never rounded to a misleading zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor import fmt


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(0.0, "0%"), (0.25, "+25.0%"), (-0.0061, "-0.61%"), (0.00006, "+0.0060%"), (-1.5, "-150.0%")],
)
def test_percentages(fraction: float, text: str) -> None:
    assert fmt.pct(fraction) == text


def test_counts_and_missing() -> None:
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.count(None) == "–"
    assert fmt.pct(float("nan")) == "–"


@given(st.floats(min_value=-10, max_value=10, allow_nan=False).filter(lambda x: x != 0))
def test_a_nonzero_difference_never_reads_as_zero(fraction: float) -> None:
    text = fmt.pct(fraction)
    assert any(ch in "123456789" for ch in text)

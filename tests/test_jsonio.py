"""The one JSON encoder: every column type and non-finite value gives strict, parseable JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from corridor import jsonio, output


def strict(text: str):
    """Parse with a parser that refuses NaN and Infinity tokens (independent of jsonio.loads)."""

    def refuse(token: str):
        raise AssertionError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def test_every_column_type_and_non_finite_value_is_strict_json() -> None:
    frame = pd.DataFrame(
        {
            "int": np.array([1, 2, 3], dtype="int64"),
            "nullable_int": pd.array([1, None, 3], dtype="Int64"),
            "float": [1.5, np.nan, np.inf],
            "neg_inf": np.array([-np.inf, 0.0, 2.0], dtype="float32"),
            "bool": [True, False, True],
            "nullable_bool": pd.array([True, None, False], dtype="boolean"),
            "text": ["a", None, "ü"],
            "date": [dt.date(2024, 10, 1), None, dt.date(2025, 1, 1)],
            "timestamp": pd.to_datetime(["2024-10-01", None, "2025-01-01"]),
            "category": pd.Categorical(["x", "y", None]),
        }
    )
    text = output.to_json(frame, {"ratio": float("inf"), "p": np.float64("nan"), "n": np.int32(4)})
    doc = strict(text)
    assert doc["metadata"] == {"ratio": None, "p": None, "n": 4, "warnings": []}
    rows = doc["data"]
    assert rows[0]["float"] == 1.5 and rows[1]["float"] is None and rows[2]["float"] is None
    assert rows[0]["neg_inf"] is None
    assert rows[1]["nullable_int"] is None and rows[2]["nullable_int"] == 3
    assert rows[1]["nullable_bool"] is None and rows[0]["nullable_bool"] is True
    assert rows[0]["date"] == "2024-10-01" and rows[1]["date"] is None
    assert rows[0]["timestamp"].startswith("2024-10-01") and rows[1]["timestamp"] is None
    assert rows[2]["category"] is None and rows[2]["text"] == "ü"


def test_nested_values_dataclasses_and_sets() -> None:
    @dataclasses.dataclass
    class Point:
        x: float
        when: dt.date

    doc = strict(jsonio.dumps({"p": Point(float("-inf"), dt.date(2020, 1, 1)), "s": {3, 1}, 5: (np.nan,)}))
    assert doc == {"p": {"x": None, "when": "2020-01-01"}, "s": [1, 3], "5": [None]}


def test_loads_refuses_nan_tokens() -> None:
    with pytest.raises(ValueError):
        jsonio.loads('{"a": NaN}')
    assert jsonio.loads('{"a": null}') == {"a": None}


def test_unknown_types_are_refused_not_stringified() -> None:
    with pytest.raises(TypeError):
        jsonio.dumps({"x": object()})


@settings(max_examples=60, deadline=None)
@given(
    hpd.data_frames(
        [
            hpd.column("f", dtype=float),
            hpd.column("i", dtype="int64"),
            hpd.column("t", elements=st.text(max_size=5)),
            hpd.column("b", dtype=bool),
        ]
    )
)
def test_any_frame_round_trips_as_strict_json(frame: pd.DataFrame) -> None:
    doc = strict(output.to_json(frame, {}))
    assert len(doc["data"]) == len(frame)
    for row, f in zip(doc["data"], frame["f"], strict=True):
        assert row["f"] == (f if np.isfinite(f) else None)

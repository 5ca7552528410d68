"""The YAML loader for user files: hostile documents end in one InputError, quickly."""

from __future__ import annotations

import time

import pytest

from corridor import safeyaml
from corridor.errors import InputError

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (LAUGHS, "anchors"),
        ("title: *x\n", "aliases"),
        ("n: " + "7" * 5000 + "\n", "too large"),
        ("[" * 100_000, "nested deeper"),
        ("a: [1, 2\n", "not valid YAML"),
        ("x" * (safeyaml.MAX_BYTES + 1), "larger than"),
    ],
)
def test_hostile_documents_are_refused_in_one_sentence(text: str, words: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        safeyaml.loads(text, source="bomb.yaml")
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert "bomb.yaml" in message and words in message and "\n" not in message


def test_ordinary_documents_load_and_dates_can_stay_text() -> None:
    text = "id: x\nwhen: 2021-07-29\nn: 12\nitems: [a, {b: 2}]\n"
    assert safeyaml.loads(text, dates_as_text=True) == {
        "id": "x",
        "when": "2021-07-29",
        "n": 12,
        "items": ["a", {"b": 2}],
    }
    assert str(safeyaml.loads(text)["when"]) == "2021-07-29"

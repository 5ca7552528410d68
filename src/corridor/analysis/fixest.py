"""pyfixest, with its fixed effects in a fixed order so the same data give the same digits.

pyfixest 0.60 collects a formula's fixed effects (`y ~ x | unit + t`) in a Python set before it
builds the model matrix, so their order follows the per-process string hash (PYTHONHASHSEED).
The alternating projections then sweep them in that order, and every estimate differs from one
process to the next in its last 8-12 digits: two runs of `corridor drivers` printed different
JSON. Sorting the encoded terms removes that. Import `pf` from here, not pyfixest itself.

pyfixest has no public option for this order, so the patch wraps a private function; that is why
pyproject.toml allows only the tested series (>=0.60,<0.61). `SORTED_FIXED_EFFECTS` says whether
the patch is in place, and a fast test checks it, so a pyfixest that moves the function fails
loudly instead of silently bringing back per-process digits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyfixest as pf
from pyfixest.estimation.formula import model_matrix as _model_matrix

__all__ = ["SORTED_FIXED_EFFECTS", "pf"]


def _sorted_terms(encode: Callable[..., str]) -> Callable[..., str]:
    """`encode` (pyfixest's private fixed-effects encoder), with the terms it returns sorted."""

    def encode_in_order(fixed_effects: str, data: Any) -> str:
        text = encode(fixed_effects, data)
        body, sep, tail = text.rpartition(" - 1")
        if not sep or tail:  # not the "a + b - 1" it returns today: leave it as it is
            return text
        return " + ".join(sorted(body.split(" + "))) + " - 1"

    encode_in_order.corridor_sorted = True  # type: ignore[attr-defined]
    return encode_in_order


_encode = getattr(_model_matrix, "_encode_fixed_effects", None)
if callable(_encode) and not getattr(_encode, "corridor_sorted", False):
    _model_matrix._encode_fixed_effects = _sorted_terms(_encode)

SORTED_FIXED_EFFECTS: bool = getattr(
    getattr(_model_matrix, "_encode_fixed_effects", None), "corridor_sorted", False
)

"""The source contract: what every registered dataset must satisfy, declared per dataset.

Each domain file (`encounters.py`, `root_causes.py`, `context.py`, `operations.py`,
`pathways.py`) lists
`Contract`s. `tests/test_sources_contract.py` runs the same checks on each one:
- the dataset syncs from the real mirror files;
- each `Check` compares a figure computed independently from the raw file (plain pandas, not
  Corridor's parser) with the same figure queried from the warehouse;
- each bad-input copy (changed header, text in a number column, truncated last line,
  duplicated row, missing sheet, empty file) fails with exit code 2, an error naming the file,
  row and column, and a byte-for-byte unchanged warehouse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    """One independent figure: `raw(data_dir)` from the raw file must equal `sql` on the warehouse."""

    name: str
    raw: Callable[[Path], float]
    sql: str
    tolerance: float = 0.0  # absolute


@dataclass(frozen=True)
class BadInput:
    """Where to corrupt a dataset's file for the bad-input cases.

    `file_key` names the FileSpec to corrupt. For CSV-like files: `header` is a header cell to
    rename, `number_column` a numeric column whose first data cell becomes text, `duplicate`
    whether repeating a data row must fail (datasets keyed by period/unit). For xlsx files:
    `sheet` is a required sheet to delete.
    """

    file_key: str
    header: str | None = None
    number_column: str | None = None
    duplicate: bool = True
    sheet: str | None = None
    skiprows: int = 0  # lines before the header row
    sep: str = ","


@dataclass(frozen=True)
class Contract:
    dataset: str
    checks: tuple[Check, ...]
    bad_inputs: tuple[BadInput, ...] = field(default_factory=tuple)


def all_contracts() -> list[Contract]:
    from tests.contracts import context, encounters, operations, pathways, root_causes

    return [
        *encounters.CONTRACTS,
        *root_causes.CONTRACTS,
        *context.CONTRACTS,
        *operations.CONTRACTS,
        *pathways.CONTRACTS,
    ]

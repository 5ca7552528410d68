"""Source contracts for the root_causes datasets."""

from tests.contracts import Contract

CONTRACTS: list[Contract] = []

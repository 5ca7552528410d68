"""Source contracts for the operations datasets."""

from tests.contracts import Contract

CONTRACTS: list[Contract] = []

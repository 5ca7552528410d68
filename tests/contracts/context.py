"""Source contracts for the context datasets."""

from tests.contracts import Contract

CONTRACTS: list[Contract] = []

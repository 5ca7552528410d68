"""The registry of datasets Corridor syncs: one module a dataset, registered here once."""

from __future__ import annotations

from corridor.sources.base import CubeSpec, FileSpec, Parsed, Source
from corridor.sources.cbp_sbo import CbpSboSource
from corridor.sources.cbp_state import CbpStateSource
from corridor.sources.ohss_usbp import OhssUsbpSource
from corridor.sources.usbp_historical import UsbpHistoricalSource

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        CbpStateSource(),
        CbpSboSource(),
        OhssUsbpSource(),
        UsbpHistoricalSource(),
    )
}


def get(dataset: str) -> Source:
    """The registered source with id `dataset`."""
    from corridor.errors import UsageError

    if dataset not in SOURCES:
        raise UsageError(f"unknown dataset {dataset!r}; known: {', '.join(SOURCES)}")
    return SOURCES[dataset]


__all__ = ["SOURCES", "CubeSpec", "FileSpec", "Parsed", "Source", "get"]

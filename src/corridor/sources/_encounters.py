"""Encounter datasets (CBP, OHSS, historical Border Patrol)."""

from corridor.sources.base import Source
from corridor.sources.cbp_sbo import CbpSboSource
from corridor.sources.cbp_state import CbpStateSource
from corridor.sources.ohss_usbp import OhssUsbpSource
from corridor.sources.usbp_historical import UsbpHistoricalSource

ENCOUNTERS: tuple[Source, ...] = (
    CbpStateSource(),
    CbpSboSource(),
    OhssUsbpSource(),
    UsbpHistoricalSource(),
)

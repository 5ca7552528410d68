"""Root-cause indicators (World Bank, governance, disasters, aid) and the country reference."""

from corridor.sources.base import Source
from corridor.sources.countries import CountriesSource
from corridor.sources.emdat import EmdatSource
from corridor.sources.emdat_owid import EmdatOwidSource
from corridor.sources.fsi import FsiSource
from corridor.sources.iom_wdi import IomWdiSource
from corridor.sources.ti_cpi import TiCpiSource
from corridor.sources.us_aid import UsAidSource
from corridor.sources.wdi import WdiSource
from corridor.sources.wgi import WgiSource

_SOURCES: list[Source] = [
    CountriesSource(),
    WdiSource(),
    IomWdiSource(),
    WgiSource(),
    TiCpiSource(),
    FsiSource(),
    EmdatSource(),
    EmdatOwidSource(),
    UsAidSource(),
]
ROOT_CAUSES: tuple[Source, ...] = tuple(_SOURCES)

"""Root-cause indicators (World Bank, governance, disasters, aid) and the country reference."""

from corridor.sources.base import Source
from corridor.sources.countries import CountriesSource
from corridor.sources.emdat import EMDAT
from corridor.sources.emdat_owid import EMDAT_OWID
from corridor.sources.fsi import FSI
from corridor.sources.iom_wdi import IOM_WDI
from corridor.sources.ti_cpi import TI_CPI
from corridor.sources.us_aid import US_AID
from corridor.sources.wdi import WdiSource
from corridor.sources.wgi import WGI

_SOURCES: list[Source] = [
    CountriesSource(),
    WdiSource(),
    IOM_WDI,
    WGI,
    TI_CPI,
    FSI,
    EMDAT,
    EMDAT_OWID,
    US_AID,
]
ROOT_CAUSES: tuple[Source, ...] = tuple(_SOURCES)

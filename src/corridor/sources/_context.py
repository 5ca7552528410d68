"""Context datasets (asylum, migrant stocks, displacement, food, transit, missing migrants, courts,
partner aid)."""

from corridor.sources.base import Source
from corridor.sources.eoir import EoirSource
from corridor.sources.idmc import IdmcSource
from corridor.sources.missing_migrants import MissingMigrantsSource
from corridor.sources.partner_aid import PartnerAidSource
from corridor.sources.transit import TransitSource
from corridor.sources.undesa_stocks import UndesaStocksSource
from corridor.sources.unhcr import UnhcrSource
from corridor.sources.wfp import WfpSource

CONTEXT: tuple[Source, ...] = (
    UnhcrSource(),
    UndesaStocksSource(),
    IdmcSource(),
    WfpSource(),
    TransitSource(),
    MissingMigrantsSource(),
    EoirSource(),
    PartnerAidSource(),
)

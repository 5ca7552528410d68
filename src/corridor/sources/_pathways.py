"""Lawful pathways, gender-based violence and press freedom (the strategy tracker's newer lines).

`ohss_pathways` reads the CHNV paroles and CBP One appointments sheets of the OHSS monthly tables
workbook that `ohss_outcomes` (an operations dataset) also reads.
"""

from corridor.sources.base import Source
from corridor.sources.femicides import FemicidesSource
from corridor.sources.lpr import LprSource
from corridor.sources.niv_visas import NivVisasSource
from corridor.sources.ohss_pathways import OhssPathwaysSource
from corridor.sources.press_freedom import PressFreedomSource
from corridor.sources.refugee_admissions import RefugeeAdmissionsSource

PATHWAYS: tuple[Source, ...] = (
    NivVisasSource(),
    OhssPathwaysSource(),
    RefugeeAdmissionsSource(),
    LprSource(),
    FemicidesSource(),
    PressFreedomSource(),
)

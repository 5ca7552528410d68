"""IOM gdidata's WDI compilation (`geo, var, t, v`): remittances, GDP, unemployment, FDI,
demography, plus remittances as a share of GDP derived from two of its series.

`income`, `inf` and `polstb` are older vintages of series Corridor loads from their official
files (`wdi.gdp_pc_ppp`, `wdi.inflation`, `wgi.political_stability`); they are checked like the
rest but not loaded, so that no indicator id has two competing vintages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._indicators import (
    Indicator,
    IndicatorFile,
    Part,
    Read,
    entity_columns,
    grouped,
    rows,
    year_span,
)
from corridor.sources.base import (
    FileSpec,
    ceiling,
    check_unique,
    floats,
    mapped,
    read_csv,
    year_column,
)
from corridor.sources.wdi import WB_LICENCE, wb_url

LICENCE = f"{WB_LICENCE}; UN WPP population: CC BY 3.0 IGO"
FILE = FileSpec(
    key="wdi_long",
    max_rows=ceiling(92_436),
    mirror_path="worldbank/iom_gdidata_wdi.csv",
    url="https://github.com/iom/gdidata",
    publisher="World Bank WDI, UN WPP 2024, WGI (compiled by IOM, R package gdidata)",
    licence=LICENCE,
)


def _wb(id_: str, name: str, unit: str, code: str) -> Indicator:
    desc = f"{name}. WDI series {code}, as compiled by IOM gdidata (an earlier WB vintage)."
    return Indicator(id_, name, unit, desc, wb_url(code))


# var -> indicator (None: read and checked, but not loaded; see the module docstring)
VARS: dict[str, Indicator | None] = {
    "remin": _wb(
        "wdi.remittances_usd",
        "Personal remittances, received (current US$)",
        "current US$",
        "BX.TRF.PWKR.CD.DT",
    ),
    "remout": _wb(
        "wdi.remittances_out_usd",
        "Personal remittances, paid (current US$)",
        "current US$",
        "BM.TRF.PWKR.CD.DT",
    ),
    "unem": _wb(
        "wdi.unemployment",
        "Unemployment, total (% of total labor force) (modeled ILO estimate)",
        "% of labour force",
        "SL.UEM.TOTL.ZS",
    ),
    "gdp": _wb("wdi.gdp_usd", "GDP (current US$)", "current US$", "NY.GDP.MKTP.CD"),
    "birth": _wb(
        "wdi.birth_rate",
        "Birth rate, crude (per 1,000 people)",
        "per 1,000 people",
        "SP.DYN.CBRT.IN",
    ),
    "depend": _wb(
        "wdi.dependency_ratio",
        "Age dependency ratio (% of working-age population)",
        "% of working-age population",
        "SP.POP.DPND",
    ),
    "fdiin": _wb(
        "wdi.fdi_in_usd",
        "Foreign direct investment, net inflows (BoP, current US$)",
        "current US$",
        "BX.KLT.DINV.CD.WD",
    ),
    "fdiout": _wb(
        "wdi.fdi_out_usd",
        "Foreign direct investment, net outflows (BoP, current US$)",
        "current US$",
        "BM.KLT.DINV.CD.WD",
    ),
    "nmig": _wb("wdi.net_migration", "Net migration", "people", "SM.POP.NETM"),
    "pop": Indicator(
        "unwpp.population",
        "Total population (UN World Population Prospects 2024)",
        "people",
        "Total population, UN DESA World Population Prospects 2024, as compiled by IOM "
        "gdidata. Differs from wdi.population (World Bank).",
        "https://population.un.org/wpp/",
    ),
    "income": None,  # NY.GDP.PCAP.PP.KD: loaded from the API file as wdi.gdp_pc_ppp
    "inf": None,  # FP.CPI.TOTL.ZG: loaded from the API file as wdi.inflation
    "polstb": None,  # WGI 2023 release: loaded from the 2024 WGI file as wgi.political_stability
}
REMITTANCES_PCT_GDP = Indicator(
    "wdi.remittances_pct_gdp",
    "Personal remittances, received (% of GDP)",
    "% of GDP",
    "Derived by Corridor as remittances received (wdi.remittances_usd) / GDP "
    "(wdi.gdp_usd) x 100, both current US$ from the same IOM gdidata vintage; it stands in "
    "for WDI series BX.TRF.PWKR.DT.GD.ZS, whose official file was not available.",
    wb_url("BX.TRF.PWKR.DT.GD.ZS"),
)


def _known_var(raw: str) -> str:
    if raw not in VARS:
        raise KeyError(raw)
    return raw


def _read(path: Path, release: str) -> Read:
    """The gdidata long WDI table; ids that the API files also carry are not loaded here."""
    t = read_csv(path, columns=("geo", "var", "t", "v"))
    var = mapped(t, "var", _known_var, "variable")
    iso3, agg = entity_columns(t, "geo")
    year = year_column(t, "t")
    value = floats(t, "v", blanks=())
    frame = pd.DataFrame({"iso3": iso3, "is_aggregate": agg, "var": var, "year": year, "value": value})
    check_unique(t, frame, ["iso3", "var", "year"], "t")
    parts = grouped(frame, "var", VARS, "value", release)
    parts.append(_remittances_pct_gdp(frame, release))
    return Read(parts, len(t), year_span(year))


def _remittances_pct_gdp(frame: pd.DataFrame, release: str) -> Part:
    """remin / gdp x 100 where both are reported and GDP is positive."""
    keys = ["iso3", "is_aggregate", "year"]
    groups = frame.groupby("var", sort=False).indices
    remin = frame.iloc[groups.get("remin", [])][[*keys, "value"]]
    gdp = frame.iloc[groups.get("gdp", [])][[*keys, "value"]]
    both = remin.merge(gdp, on=keys, suffixes=("_rem", "_gdp"))
    both = both[both["value_gdp"] > 0]
    pct = both["value_rem"] / both["value_gdp"] * 100.0
    return rows(REMITTANCES_PCT_GDP, both["iso3"], both["is_aggregate"], both["year"], pct, release)


IOM_WDI = IndicatorFile(
    "iom_wdi",
    "World Bank WDI via IOM gdidata: remittances, GDP, labour, demography",
    FILE,
    (*(i for i in VARS.values() if i is not None), REMITTANCES_PCT_GDP),
    _read,
)

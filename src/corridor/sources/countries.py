"""The `countries` reference table: one row per entity code used by the indicators, with English
and Spanish names, UN region and subregion, and whether it is an aggregate or a former country.

Built from IOM's country list (names, UN M49 regions), the World Bank's country metadata
(which WB codes are aggregates, and their English names) and the World Bank's Spanish-language
homicide export (Spanish names, joined on the code). Former countries and the few non-ISO codes
other sources use come from `reference.countries`, so every country code in `indicators` has a
row here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pycountry

from corridor.reference.countries import (
    CODE_ALIASES,
    EXTRA_ENTITIES,
    canonical_code,
    country_name,
    is_former,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    TableSpec,
    ceiling,
    check_unique,
    mapped,
    read_csv,
)
from corridor.sources.wdi import (
    API_SERIES,
    META,
    WB_LICENCE,
    WB_UNLISTED,
    read_wb_metadata,
    read_wb_wide,
)

IOM_COLUMNS = (
    "m49",
    "iso2",
    "iso3",
    "name",
    "name_sort",
    "name_text",
    "with_the",
    "region_code",
    "region",
    "subregion_code",
    "subregion",
    "intregion_code",
    "intregion",
    "iom_region",
    "rdh",
    "ldc",
    "lldc",
    "sids",
    "eu",
    "schengen",
    "balkans",
    "snapshot",
)
OUT_COLUMNS = (
    "iso3",
    "iso2",
    "m49",
    "name_en",
    "name_es",
    "un_region",
    "un_subregion",
    "un_intermediate_region",
    "iom_region",
    "is_aggregate",
    "is_former",
)
IOM = FileSpec(
    key="iom_countrynames",
    max_rows=ceiling(258),
    mirror_path="iom_gdidata_countrynames.csv",
    url="https://github.com/iom/gdidata",
    publisher="IOM (R package gdidata, country names and UN M49 regions)",
    licence="Not stated by the mirror (IOM gdidata; UN M49 regions are UN Statistics Division)",
)
HOMICIDE = next(s for s in API_SERIES if s.key == "homicide")
SPANISH = FileSpec(
    key="wb_spanish_names",
    max_rows=ceiling(271),
    mirror_path=HOMICIDE.path,
    url="https://datos.bancomundial.org/indicador/VC.IHR.PSRC.P5",
    publisher="World Bank (World Development Indicators, Spanish export)",
    licence=WB_LICENCE,
    published=HOMICIDE.published,
)
TABLE = TableSpec(
    name="countries",
    description="Entity codes with English/Spanish names, UN regions, aggregate/former flags",
)


def _text(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def _m49(value: object) -> int | None:
    """'4.0' or '4' -> 4; blank -> None; anything else (text, fractions, signs) raises ValueError."""
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,4})(?:\.0*)?", text)
    if m is None:
        raise ValueError(text)
    return int(m.group(1))


class CountriesSource:
    """Country reference table (no indicators): names in English and Spanish, regions."""

    id = "countries"
    title = "Countries and aggregates: names (English, Spanish) and UN regions"
    files: tuple[FileSpec, ...] = (IOM, META, SPANISH)

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={}, tables=[TABLE])
        iom = read_csv(paths[IOM.key], columns=IOM_COLUMNS)
        code = mapped(iom, "iso3", canonical_code, "country code")
        check_unique(iom, pd.DataFrame({"iso3": code}), ["iso3"], "iso3")
        for column in ("m49", "region_code", "subregion_code"):
            for i, raw in enumerate(iom.frame[column].tolist()):
                try:
                    _m49(raw)
                except ValueError:
                    raise iom.error(
                        f"expected a UN M49 number, found {raw!r}", index=i, column=column
                    ) from None
        f = iom.frame
        table = pd.DataFrame(
            {
                "iso3": code,
                "iso2": f["iso2"].map(_text),
                "m49": f["m49"].map(_m49),
                "name_en": f["name"].map(_text),
                "un_region": f["region"].map(_text),
                "un_subregion": f["subregion"].map(_text),
                "un_intermediate_region": f["intregion"].map(_text),
                "iom_region": f["iom_region"].map(_text),
                "is_aggregate": False,
            }
        )
        meta, known = read_wb_metadata(paths[META.key])
        wb_names = dict(
            zip(meta.frame["Country Code"].str.strip(), meta.frame["TableName"].str.strip(), strict=True)
        )
        spanish, _ = read_wb_wide(paths[SPANISH.key], HOMICIDE.code)
        es_code = mapped(spanish, "Country Code", lambda c: known[c][0], "country code")
        name_es = dict(zip(es_code, spanish.frame["Country Name"].map(_text), strict=True))

        extra = []
        listed = set(table["iso3"])
        for wb_code, (ours, aggregate) in known.items():
            if ours in listed:
                continue
            name = wb_names.get(wb_code) or WB_UNLISTED.get(wb_code) or country_name(ours)
            extra.append({"iso3": ours, "name_en": name, "is_aggregate": aggregate})
            listed.add(ours)
        for ours in (*EXTRA_ENTITIES, *(c.alpha_3 for c in pycountry.historic_countries)):
            if ours in listed or ours in CODE_ALIASES:
                continue
            extra.append({"iso3": ours, "name_en": country_name(ours), "is_aggregate": False})
            listed.add(ours)
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
        table["name_es"] = table["iso3"].map(name_es)
        table["is_former"] = table["iso3"].map(is_former) & ~table["is_aggregate"].astype(bool)
        table["is_aggregate"] = table["is_aggregate"].astype(bool)
        table["m49"] = table["m49"].astype("Int64")
        table = table[list(OUT_COLUMNS)].sort_values("iso3").reset_index(drop=True)
        out.frames[TABLE.name] = table
        for spec, raw in ((IOM, iom), (META, meta), (SPANISH, spanish)):
            out.rows[spec.key] = len(raw)
        return out

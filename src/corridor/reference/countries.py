"""Countries: publisher labels -> ISO 3166 alpha-3, and names for display.

pycountry (the maintained ISO 3166 database) resolves standard names; the explicit overrides
below cover the labels CBP and DHS use that ISO does not (e.g. 'Korea, South', 'Burma').
Codes outside ISO: `XKX` Kosovo, `SCG` Serbia and Montenegro (former), `UNK` unknown,
`OTHER` for the publisher's lump of all countries not listed separately.
"""

from __future__ import annotations

import functools
import re

import pycountry

NORTHERN_TRIANGLE = ("GTM", "HND", "SLV")

OVERRIDES: dict[str, str] = {
    "other": "OTHER",
    "others": "OTHER",
    "all other": "OTHER",
    "unknown": "UNK",
    "china, peoples republic of": "CHN",
    "china, people's republic": "CHN",
    "china": "CHN",
    "myanmar (burma)": "MMR",
    "burma": "MMR",
    "congo, democratic republic": "COD",
    "congo, republic": "COG",
    "korea, south": "KOR",
    "south korea": "KOR",
    "kosovo": "XKX",
    "micronesia, federated states": "FSM",
    "serbia and montenegro (former)": "SCG",
    "russia": "RUS",
    "turkey": "TUR",
    "iran": "IRN",
    "laos": "LAO",
    "syria": "SYR",
    "taiwan": "TWN",
    "tanzania": "TZA",
    "vietnam": "VNM",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "moldova": "MDA",
    "cote d'ivoire": "CIV",
    "cabo verde": "CPV",
    "czechia": "CZE",
    "united states": "USA",
    "united kingdom": "GBR",
}

_SPECIAL_NAMES = {
    "OTHER": "Other countries (publisher's lump)",
    "UNK": "Unknown",
    "XKX": "Kosovo",
    "SCG": "Serbia and Montenegro (former)",
    "TWN": "Taiwan",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "VEN": "Venezuela",
    "BOL": "Bolivia",
    "IRN": "Iran",
    "RUS": "Russia",
    "SYR": "Syria",
    "TZA": "Tanzania",
    "VNM": "Vietnam",
    "LAO": "Laos",
    "MDA": "Moldova",
    "COD": "DR Congo",
    "COG": "Congo",
    "FSM": "Micronesia",
}


@functools.lru_cache(maxsize=4096)
def to_iso3(raw: object) -> str:
    """Map a country label to ISO3 (or OTHER/UNK); raise KeyError if it cannot be mapped."""
    text = re.sub(r"\s+", " ", str(raw)).strip()
    key = text.lower()
    if key in OVERRIDES:
        return OVERRIDES[key]
    if re.fullmatch(r"[A-Z]{3}", text) and pycountry.countries.get(alpha_3=text):
        return text
    for attr in ("name", "common_name", "official_name"):
        for country in pycountry.countries:
            value = getattr(country, attr, None)
            if value and value.lower() == key:
                return str(country.alpha_3)
    raise KeyError(f"unknown country label {raw!r}")


@functools.lru_cache(maxsize=4096)
def country_name(iso3: str) -> str:
    """A short English name for an ISO3 code (falls back to the code itself)."""
    if iso3 in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return str(getattr(country, "common_name", None) or country.name)

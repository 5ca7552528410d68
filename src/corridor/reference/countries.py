"""Countries: publisher labels -> ISO 3166 alpha-3, and names for display.

pycountry (the maintained ISO 3166 database) resolves standard names; the explicit overrides
below cover the labels CBP and DHS use that ISO does not (e.g. 'Korea, South', 'Burma').
Codes outside ISO: `XKX` Kosovo, `SCG` Serbia and Montenegro (former), `UNK` unknown,
`OTHER` for the publisher's lump of all countries not listed separately.

Indicator publishers (World Bank, WGI, TI, FFP, EM-DAT, ForeignAssistance.gov) key rows by
three-letter codes instead of names. `canonical_code` maps those codes to one code per entity:
ISO 3166-1, then ISO 3166-3 codes of former countries, then the few non-ISO codes listed in
`EXTRA_ENTITIES`, after rewriting publishers' legacy aliases (`CODE_ALIASES`). Publisher
aggregates (regions, income groups) are not countries: each source flags them itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pycountry

from corridor.reference.vocab import AssumedMapping, UnknownLabel, note_assumed

HERE = "src/corridor/reference/countries.py"

NORTHERN_TRIANGLE = ("GTM", "HND", "SLV")

# Country groups used in analysis and display (ISO3 codes).
GROUPS: dict[str, tuple[str, ...]] = {
    "northern_triangle": NORTHERN_TRIANGLE,
    # The seven Central American isthmus countries (SICA members minus the Dominican Republic).
    "central_america": ("BLZ", "CRI", "GTM", "HND", "NIC", "PAN", "SLV"),
    # Nationalities of the 2023 CHNV parole processes.
    "chnv": ("CUB", "HTI", "NIC", "VEN"),
}

# Codes outside ISO 3166 (1 and 3) that Corridor accepts, with an English name for display.
EXTRA_ENTITIES: dict[str, str] = {
    "XKX": "Kosovo",
    "CHI": "Channel Islands",  # World Bank code (IOM's list uses XCX)
    "AB9": "Abyei Area",
    "TIB": "Tibet",
    "STL": "Stateless",
    "OOS": "Unidentified Sub-Saharan Africa",
    "OOO": "Unknown",
    "SPI": "Canary Islands (Spain)",  # EM-DAT's own code
    "SDF": "Sudan (former, before South Sudan's independence)",  # ForeignAssistance.gov
    "XBW": "West Berlin (former)",  # Corridor's code (X.. is ISO's user-assigned range)
    "XVS": "South Vietnam (former)",  # Corridor's code
}

# Publishers' legacy or private codes for an entity that has a canonical code above.
CODE_ALIASES: dict[str, str] = {
    "KSV": "XKX",  # WGI, TI
    "CS-KM": "XKX",  # ForeignAssistance.gov
    "XCX": "CHI",  # IOM country list
    "ADO": "AND",  # WGI (old World Bank codes)
    "ROM": "ROU",
    "TMP": "TLS",
    "WBG": "PSE",
    "ZAR": "COD",
    "YUF": "YUG",  # ForeignAssistance.gov "Yugoslavia (former)"
    "PIT": "PCI",  # ForeignAssistance.gov "Pacific Island Trust Territory"
}

# ForeignAssistance.gov regional programme codes (funding not attributed to one country; not
# the sum of its countries). Some coincide with World Bank aggregate codes (LCN, MNA, WLD) but
# are a different thing; always read them together with the indicator's source.
AID_REGIONS: dict[str, str] = {
    "AFR": "Africa Region",
    "ANS": "Asia, Middle East and North Africa Region",
    "ASN": "Asia Region",
    "CCN": "Central America and Caribbean Region",
    "CNA": "Central America Region",
    "CRN": "Caribbean Region",
    "EAG": "Eastern Africa Region",
    "EAQ": "East Asia and Oceania Region",
    "ECN": "Eastern and Central Africa Region",
    "EEE": "Central and Eastern Europe Region",
    "EEN": "Eastern Europe Region",
    "EES": "Europe and Eurasia Region",
    "ENS": "Eastern Asia Region",
    "ESN": "East and South Africa Region",
    "EUN": "Europe Region",
    "EUS": "Eurasia Region",
    "LAN": "Latin America Region",
    "LCN": "Latin America and Caribbean Region",
    "MEN": "Middle East Region",
    "MNA": "North Africa Region",
    "MNS": "Middle East and North Africa Region",
    "NAN": "North America Region",
    "NCN": "North and Central America Region",
    "OCN": "Oceania Region",
    "SAG": "Southern Africa Region",
    "SAN": "Southern Asia Region",
    "SCN": "South and Central Asia Region",
    "SEA": "South East Asia Region",
    "SMN": "South America Region",
    "SSN": "Sub-Saharan Africa Region",
    "WAN": "West Africa Region",
    "WEC": "Western Europe Region",
    "WHN": "Western Hemisphere Region",
    "WLD": "World",
}

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
    # Our World in Data entity names (EM-DAT by country-year)
    "brunei": "BRN",
    "cape verde": "CPV",
    "democratic republic of congo": "COD",
    "micronesia": "FSM",
    "palestine": "PSE",
    "reunion": "REU",
    "saint barthelemy": "BLM",
    "timor": "TLS",
    "united states virgin islands": "VIR",
    "netherlands antilles": "ANT",
    "czechoslovakia": "CSK",
    "serbia-montenegro": "SCG",
    "soviet union": "SUN",
    "yugoslavia": "YUG",
    # ForeignAssistance.gov rows whose country code is "NULL" (former countries)
    "berlin, west": "XBW",
    "czechoslovakia (former)": "CSK",
    "germany (former east)": "DDR",
    "soviet union (former)": "SUN",
    "vietnam (former south)": "XVS",
    "yemen (former p.d.r.)": "YMD",
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


# CBP's nationwide files list 21 citizenships and OTHER (the cubes' `cbp22` scheme); the
# southwest-border file groups them into five. Their labels are matched here exactly: a label
# outside this list is mapped only by assumption (see `closed_list`).
CBP_CITIZENSHIPS: dict[str, str] = {
    "BRAZIL": "BRA", "CANADA": "CAN", "CHINA, PEOPLES REPUBLIC OF": "CHN", "COLOMBIA": "COL",
    "CUBA": "CUB", "ECUADOR": "ECU", "EL SALVADOR": "SLV", "GUATEMALA": "GTM", "HAITI": "HTI",
    "HONDURAS": "HND", "INDIA": "IND", "MEXICO": "MEX", "MYANMAR (BURMA)": "MMR",
    "NICARAGUA": "NIC", "OTHER": "OTHER", "PERU": "PER", "PHILIPPINES": "PHL", "ROMANIA": "ROU",
    "RUSSIA": "RUS", "TURKEY": "TUR", "UKRAINE": "UKR", "VENEZUELA": "VEN",
    # southwest border (SBO) file
    "El Salvador": "SLV", "Guatemala": "GTM", "Honduras": "HND", "Mexico": "MEX", "Other": "OTHER",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _resolve(text: str) -> tuple[str, str | None]:
    """(code, None) for an exact match; (code, how) for a name matched ignoring case."""
    key = text.lower()
    if key in OVERRIDES:
        return OVERRIDES[key], None
    if re.fullmatch(r"[A-Z]{3}", text) and pycountry.countries.get(alpha_3=text):
        return text, None
    loose: tuple[str, str] | None = None
    for attr in ("name", "common_name", "official_name"):
        for country in pycountry.countries:
            value = getattr(country, attr, None)
            if value == text:
                return str(country.alpha_3), None
            if loose is None and value and value.lower() == key:
                loose = (str(country.alpha_3), f"matched the ISO 3166 name {value!r} ignoring case")
    if loose is None:
        raise UnknownLabel(
            "country",
            text,
            table=f"OVERRIDES in {HERE}",
            key=key,
            value="its ISO 3166 alpha-3 code",
        )
    return loose


def to_iso3(raw: object) -> str:
    """Map a country label to ISO3 (or OTHER/UNK); raise UnknownLabel (a KeyError) if it cannot
    be mapped. Publisher spellings (any case) of ISO names are accepted."""
    return _resolve(re.sub(r"\s+", " ", str(raw)).strip())[0]


def closed_list(labels: dict[str, str], *, name: str, publisher: str) -> Callable[[object], str]:
    """A mapper for a publisher that uses a fixed list of country labels: a label in `labels` maps
    exactly; any other label is mapped by `to_iso3` and noted as an assumed mapping (listed by
    `corridor status`), so a new label never enters a fixed scheme silently."""

    def mapper(raw: object) -> str:
        text = str(raw).strip()
        if text in labels:
            return labels[text]
        try:
            code, how = _resolve(re.sub(r"\s+", " ", text))
        except UnknownLabel:
            raise UnknownLabel(
                "country", raw, table=f"{name} in {HERE}", key=text, value="its ISO 3166 alpha-3 code"
            ) from None
        note_assumed(
            AssumedMapping(
                label=text,
                code=code,
                how=f"not one of {publisher}'s {len(set(labels.values()))} published labels; "
                + (how or "matched an ISO 3166 name or a reference entry"),
                reference=f"{name} in {HERE}",
            )
        )
        return code

    return mapper


def cbp_citizenship(raw: object) -> str:
    """A CBP citizenship label -> ISO3 (or OTHER); one outside CBP_CITIZENSHIPS is assumed."""
    return _CBP(raw)


_CBP = closed_list(CBP_CITIZENSHIPS, name="CBP_CITIZENSHIPS", publisher="CBP")


@functools.lru_cache(maxsize=4096)
def country_name(iso3: str) -> str:
    """A short English name for an ISO3 code (falls back to the code itself)."""
    if iso3 in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        if iso3 in EXTRA_ENTITIES:
            return EXTRA_ENTITIES[iso3]
        former = pycountry.historic_countries.get(alpha_3=iso3)
        return str(former.name) if former is not None else iso3
    return str(getattr(country, "common_name", None) or country.name)


@functools.lru_cache(maxsize=4096)
def canonical_code(raw: object) -> str:
    """A publisher's three-letter entity code -> Corridor's code; KeyError if not an entity.

    Accepts ISO 3166-1 alpha-3, ISO 3166-3 codes of former countries and `EXTRA_ENTITIES`, after
    rewriting `CODE_ALIASES`. Aggregate codes (regions, income groups) are not accepted here.
    """
    code = str(raw).strip().upper()
    code = CODE_ALIASES.get(code, code)
    if code in EXTRA_ENTITIES:
        return code
    if re.fullmatch(r"[A-Z]{3}", code) and (
        pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(alpha_3=code)
    ):
        return code
    raise UnknownLabel(
        "country code",
        raw,
        table=f"CODE_ALIASES (an alias) or EXTRA_ENTITIES (a new entity) in {HERE}",
        key=code,
        value="its canonical code",
    )


def is_former(code: str) -> bool:
    """Whether a canonical code names a country that no longer exists (ISO 3166-3 or ours)."""
    if code in ("XBW", "XVS", "SDF"):
        return True
    return pycountry.countries.get(alpha_3=code) is None and bool(
        pycountry.historic_countries.get(alpha_3=code)
    )

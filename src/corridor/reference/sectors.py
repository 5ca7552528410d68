"""US Border Patrol sectors: slug -> (name, region, state), the labels publishers use, and the
US state and territory codes a state column may hold."""

from __future__ import annotations

import re

from corridor.reference.vocab import UnknownLabel

HERE = "src/corridor/reference/sectors.py"

SECTORS: dict[str, tuple[str, str, str]] = {
    "big_bend": ("Big Bend", "southwest", "TX"),
    "del_rio": ("Del Rio", "southwest", "TX"),
    "el_centro": ("El Centro", "southwest", "CA"),
    "el_paso": ("El Paso", "southwest", "TX"),
    "laredo": ("Laredo", "southwest", "TX"),
    "rio_grande_valley": ("Rio Grande Valley", "southwest", "TX"),
    "san_diego": ("San Diego", "southwest", "CA"),
    "tucson": ("Tucson", "southwest", "AZ"),
    "yuma": ("Yuma", "southwest", "AZ"),
    "blaine": ("Blaine", "northern", "WA"),
    "buffalo": ("Buffalo", "northern", "NY"),
    "detroit": ("Detroit", "northern", "MI"),
    "grand_forks": ("Grand Forks", "northern", "ND"),
    "havre": ("Havre", "northern", "MT"),
    "houlton": ("Houlton", "northern", "ME"),
    "spokane": ("Spokane", "northern", "WA"),
    "swanton": ("Swanton", "northern", "VT"),
    "miami": ("Miami", "coastal", "FL"),
    "new_orleans": ("New Orleans", "coastal", "LA"),
    "ramey": ("Ramey", "coastal", "PR"),
    # Livermore (CA) was a northern/interior sector closed in 2005; OHSS files it as northern.
    "livermore": ("Livermore", "northern", "CA"),
}

# Rows that publishers add next to sectors as totals; they must never be summed with sectors.
AGGREGATE_LABELS = {
    "southwest border": "southwest",
    "northern border": "northern",
    "coastal border": "coastal",
    "nationwide total": "nationwide",
}


def sector_slug(raw: object) -> str:
    """Publisher sector label ('Rio Grande Valley, TX', 'rio grande valley') -> slug."""
    text = re.sub(r",\s*[A-Z]{2}$", "", str(raw).strip())
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if slug not in SECTORS:
        raise UnknownLabel(
            "Border Patrol sector",
            raw,
            table=f"SECTORS in {HERE}",
            key=slug,
            value="a (name, region, state) tuple",
        )
    return slug


def sector_region(slug: str) -> str:
    """The border region a sector belongs to."""
    return SECTORS[slug][1]


# USPS codes of the states, DC and the inhabited territories (CBP files encounters by the state
# of the port or station; air and sea ports put Guam, Puerto Rico and others in the list).
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
    "MP": "Northern Mariana Islands", "AS": "American Samoa",
}  # fmt: skip


def state_code(raw: object) -> str:
    """A US state or territory code ('tx', ' TX') -> 'TX'; UnknownLabel if not in US_STATES."""
    code = str(raw).strip().upper()
    if code not in US_STATES:
        raise UnknownLabel("US state code", raw, table=f"US_STATES in {HERE}", key=code, value="its name")
    return code

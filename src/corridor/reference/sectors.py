"""US Border Patrol sectors: slug -> (name, region, state), and the labels publishers use."""

from __future__ import annotations

import re

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
        raise KeyError(f"unknown Border Patrol sector {raw!r}")
    return slug


def sector_region(slug: str) -> str:
    """The border region a sector belongs to."""
    return SECTORS[slug][1]

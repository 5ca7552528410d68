"""US foreign assistance by recipient and fiscal year (ForeignAssistance.gov country summary):
obligations, disbursements, appropriations and budget requests as `aid.*` indicators.

`year` here is the US federal fiscal year (FY N = Oct N-1 .. Sep N), not the calendar year.
The FY1976 transition quarter (Jul-Sep 1976, fiscal year written `1976tq`) gets its own ids
(`aid.us_obligated_tq`, ...) so that it never adds into FY1976. Regional programme rows (Central
America Region, World, ...) are flagged as aggregates: they are funding not attributed to one
country, not the sum of the countries. Former countries that the file codes `NULL` are
identified by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from corridor.reference.countries import AID_REGIONS, canonical_code, to_iso3
from corridor.sources._indicators import Indicator, IndicatorFile, Read, grouped
from corridor.sources.base import (
    CellError,
    FileSpec,
    RawTable,
    ceiling,
    check_unique,
    ints,
    per_distinct,
    read_csv,
)

PAGE = "https://foreignassistance.gov/data"
LICENCE = "US government work, public domain (17 U.S.C. 105)"
# Eleven publisher columns, then three stray empty columns (the last headed 'ilte=') that the
# mirror's spreadsheet tool added; they must stay empty.
COLUMNS = (
    "Country Code",
    "Country Name",
    "Region ID",
    "Region Name",
    "Income Group Acronym",
    "Income Group Name",
    "Transaction Type ID",
    "Transaction Type Name",
    "Fiscal Year",
    "current_amount",
    "constant_amount",
    "",
    "",
    "ilte=",
)
STRAY = (11, 12, 13)
FILE = FileSpec(
    key="country_summary",
    max_rows=ceiling(22_486),
    mirror_path="aid/us_foreign_aid_country.csv",
    url="https://foreignassistance.gov/data",
    publisher="U.S. Department of State / USAID (ForeignAssistance.gov)",
    licence=LICENCE,
)
FY_NOTE = (
    "year is the US federal fiscal year (FY N runs from 1 Oct N-1 to 30 Sep N), not the "
    "calendar year. Current US$ (nominal). FY2025 is partial in this export. Regional "
    "programme rows (is_aggregate) use ForeignAssistance.gov region codes, which are not "
    "World Bank aggregates even where the code coincides (LCN, MNA, WLD)."
)
TQ_NOTE = (
    "FY1976 transition quarter (1 Jul - 30 Sep 1976), when the federal fiscal year start moved "
    "from July to October; stored with year 1976 under its own id so it never adds into FY1976. "
    "Current US$."
)
# Transaction type: (id in the file, Corridor id suffix, name)
TYPES = {
    "Obligations": ("2", "obligated", "US foreign assistance obligated"),
    "Disbursements": ("3", "disbursed", "US foreign assistance disbursed"),
    "Appropriated and Planned": ("1", "planned", "US foreign assistance appropriated and planned"),
    "President's Budget Requests": ("18", "requested", "US President's budget request for assistance"),
}


def _indicator(type_name: str, tq: bool) -> Indicator:
    _, suffix, name = TYPES[type_name]
    if tq:
        return Indicator(
            f"aid.us_{suffix}_tq",
            f"{name}, FY1976 transition quarter",
            "current US$",
            f"{type_name}. {TQ_NOTE}",
            PAGE,
        )
    return Indicator(
        f"aid.us_{suffix}",
        f"{name} (fiscal year)",
        "current US$",
        f"{type_name}, all US agencies. {FY_NOTE}",
        PAGE,
    )


INDICATORS = {(name, tq): _indicator(name, tq) for name in TYPES for tq in (False, True)}


def _recipient(code: str, name: str) -> tuple[str, bool]:
    """(Corridor code, is_aggregate) for a row; regions are aggregates, 'NULL' codes go by name."""
    try:
        if code == "NULL":
            return to_iso3(name), False
        if code in AID_REGIONS:
            return code, True
        return canonical_code(code), False
    except KeyError:
        column = "Country Name" if code == "NULL" else "Country Code"
        raise CellError(f"unknown recipient {code!r} ({name!r})", column) from None


def _fiscal_year(raw: str) -> tuple[int, bool]:
    """'2024' -> (2024, False); '1976tq' -> (1976, True); anything else raises."""
    m = re.fullmatch(r"(\d{4})(tq)?", raw.lower())
    if not m or (m.group(2) and m.group(1) != "1976"):
        raise CellError(f"expected a fiscal year such as 2024 or 1976tq, found {raw!r}", "Fiscal Year")
    return int(m.group(1)), bool(m.group(2))


def _type(type_id: str, name: str) -> str:
    if name not in TYPES:
        raise CellError(f"unknown transaction type {name!r}", "Transaction Type Name")
    if type_id != TYPES[name][0]:
        raise CellError(f"transaction type id {type_id!r} does not match {name!r}", "Transaction Type ID")
    return name


def _check_stray_empty(t: RawTable) -> None:
    for pos in STRAY:
        values = t.frame.iloc[:, pos]
        bad = (values.str.strip() != "").to_numpy().nonzero()[0]
        if len(bad):
            raise t.error(
                f"the stray column {pos + 1} ({COLUMNS[pos] or 'unnamed'}) must be empty",
                index=int(bad[0]),
                column=COLUMNS[pos] or f"column {pos + 1}",
            )


def _read(path: Path, release: str) -> Read:
    """ForeignAssistance.gov country summary: one row per recipient x type x fiscal year."""
    # The export ends without a newline; a cut last row still fails the field count,
    # because the three stray columns close every row.
    t = read_csv(path, columns=COLUMNS, require_final_newline=False)
    _check_stray_empty(t)
    recipient = per_distinct(t, ("Country Code", "Country Name"), _recipient)
    iso3 = pd.Series([r[0] for r in recipient], dtype=object)
    agg = pd.Series([r[1] for r in recipient], dtype=bool)
    kind = pd.Series(per_distinct(t, ("Transaction Type ID", "Transaction Type Name"), _type), dtype=object)
    fiscal = per_distinct(t, ("Fiscal Year",), _fiscal_year)
    year = pd.Series([f[0] for f in fiscal], dtype="int64")
    tq = pd.Series([f[1] for f in fiscal], dtype=bool)
    amount = ints(t, "current_amount", nonnegative=False).astype("float64")
    ints(t, "constant_amount", nonnegative=False)  # checked, not loaded (base unstated)
    frame = pd.DataFrame(
        {"iso3": iso3, "is_aggregate": agg, "type": kind, "year": year, "tq": tq, "value": amount}
    )
    check_unique(t, frame, ["iso3", "type", "year", "tq"], "Fiscal Year")
    parts = grouped(frame, ["type", "tq"], INDICATORS, "value", release)
    return Read(parts, len(t), (f"FY{int(year.min())}", f"FY{int(year.max())}"))


US_AID = IndicatorFile(
    "us_aid",
    "US foreign assistance by country (ForeignAssistance.gov)",
    FILE,
    tuple(INDICATORS.values()),
    _read,
)

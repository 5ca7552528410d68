"""US State Department nonimmigrant visa issuances by nationality, FY1997-FY2024 (the "NIV Detail
Table"): the temporary work visas H-2A (agricultural) and H-2B (non-agricultural), by nationality.

One sheet a fiscal year (`FY97` ... `FY24`; `FY19` sits before `FY18`), the header in row 1: the
year ("Fiscal Year 2024") above the labels, then about 90 visa classes whose set and order change
from year to year (`H-2A` until FY2021, `H2A` from FY2022). Below it, per region: a heading row
(blank or zero cells), one row per nationality, a `Totals for <region>` row; the sheet ends with a
`Grand Total(s)` row. The reader finds the H-2A, H-2B and Grand Total columns by name and checks
every region total and the grand total against the sum of its nationality rows (for H-2A and
H-2B), so that a shifted column or a lost row cannot pass. Counts are exact (visas issued, not
people admitted). Other columns are not read (FY2015 prints 0.24 M-2 visas for Georgia).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor.sources._cells import cell_text
from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    is_aggregate,
    summed_rows,
)
from corridor.sources._ohss_yearbook import fast_counts, sheet_rows
from corridor.sources.base import (
    MAX_WHOLE,
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    open_workbook,
)

ID = "niv_visas"
URL = "https://travel.state.gov/content/travel/en/legal/visa-law0/visa-statistics/nonimmigrant-visa-statistics.html"
FIRST_FY, LAST_FY = 1997, 2024
REGIONS = ("Africa", "Asia", "Europe", "North America", "Oceania", "South America", "Unknown")
# The visa classes kept, by the spellings the sheets use (no hyphen from FY2022).
CLASSES = {"H-2A": "H-2A", "H2A": "H-2A", "H-2B": "H-2B", "H2B": "H-2B"}
UNHYPHENATED_FROM = 2022


def class_columns(year: int) -> tuple[str, str]:
    """The H-2A and H-2B column labels of one fiscal year's sheet."""
    return ("H2A", "H2B") if year >= UNHYPHENATED_FROM else ("H-2A", "H-2B")


TOTAL_COLUMN = "Grand Total"
# State Department nationality labels that `to_iso3` does not know. Travel documents that are not
# a nationality keep a non-country code (flagged as aggregates).
NATIONALITIES = {
    "Bahamas, The": "BHS",
    "Bosnia-Herzegovina": "BIH",
    "China - Taiwan": "TWN",
    "China - mainland": "CHN",
    "Congo, Dem. Rep. of the (Congo Kinshasa)": "COD",
    "Congo, Dem. Rep. of the (Kinshasa)": "COD",
    "Congo, Democratic Republic of the": "COD",
    "Congo, Rep. of the (Brazzaville)": "COG",
    "Congo, Rep. of the (Congo Brazzaville)": "COG",
    "Congo, Republic of the": "COG",
    "Gambia, The": "GMB",
    "Great Britain and Northern Ireland": "GBR",
    "Hong Kong S.A.R.": "HKG",
    "Korea, North": "PRK",
    "Macau S.A.R.": "MAC",
    "Macedonia": "MKD",
    "Serbia and Montenegro": "SCG",
    "Swaziland": "SWZ",
    "Vatican City": "VAT",
    "Palestinian Authority Travel Document": "PSE",
    "No Nationality": "STL",
    "United Nations Laissez-Passer": "UNK",
}

VISAS = TableSpec(
    name="temporary_work_visas",
    description=(
        "US State Department nonimmigrant visas issued by nationality and fiscal year, FY1997-"
        "FY2024, for the temporary work classes H-2A (agricultural) and H-2B (non-agricultural): "
        "`issued` is visas issued (exact counts; visas, not people admitted). `nationality` is the "
        "label as published; travel documents without a nationality are flagged is_aggregate."
    ),
)
LICENCE = "US government work, public domain (17 U.S.C. 105)"
H2A = Indicator(
    id="niv.h2a_issued_fy",
    name="H-2A temporary agricultural work visas issued (fiscal year)",
    description="US State Department H-2A visas issued to nationals of the country in the US federal "
    "fiscal year (year = FY; FY N runs from October N-1 to September N). Visas, not admissions.",
    unit="visas issued",
    url=URL,
)
H2B = Indicator(
    id="niv.h2b_issued_fy",
    name="H-2B temporary non-agricultural work visas issued (fiscal year)",
    description="US State Department H-2B visas issued to nationals of the country in the US federal "
    "fiscal year (year = FY). Includes visas under the supplemental H-2B allocations of FY2021-FY2024, "
    "part of which DHS reserved for nationals of Guatemala, Honduras and El Salvador (and, from FY2022, "
    "other countries).",
    unit="visas issued",
    url=URL,
)
IND = IndicatorTables(ID, "H-2A and H-2B visas issued", LICENCE, (H2A, H2B))


class NivVisasSource:
    """State Department NIV issuances by nationality: H-2A and H-2B temporary work visas."""

    id = ID
    title = "US nonimmigrant visas issued by nationality: H-2A and H-2B (State Department, FY1997-FY2024)"
    files = (
        FileSpec(
            key="niv",
            mirror_path="pathways/FYs97-24_NIVDetailTable.xlsx",
            url=URL,
            publisher="U.S. Department of State, Bureau of Consular Affairs (NIV Detail Table)",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        path, release = paths["niv"], releases["niv"]
        wb = open_workbook(path)
        sheets = _sheets(path, list(wb.sheet_names))
        # Cells first (headers, counts) for every sheet, then the structure (totals, labels): a
        # damaged cell is named before any total it breaks.
        read = [_read(path, name, year, wb) for name, year in sheets]
        parts = [_structure(r) for r in read]
        visas = pd.DataFrame({col: np.concatenate([p[col] for p in parts]) for col in parts[0]})
        for col in ("nationality", "iso3", "region", "visa_class"):
            visas[col] = visas[col].astype("str")
        visas.insert(3, "is_aggregate", is_aggregate(visas["iso3"]).to_numpy())
        visas["release_id"] = release
        out = Parsed(frames={VISAS.name: visas}, tables=[VISAS])
        countries = visas[~visas["is_aggregate"]]
        rows = [
            summed_rows(
                defn, countries[countries["visa_class"] == cls], "iso3", "fiscal_year", "issued", ID, release
            )
            for cls, defn in (("H-2A", H2A), ("H-2B", H2B))
        ]
        IND.add(out, rows)
        out.rows["niv"] = len(visas) // 2  # nationality rows (two classes each)
        out.periods["niv"] = (f"FY{visas['fiscal_year'].min()}", f"FY{visas['fiscal_year'].max()}")
        return out


def _sheets(path: Path, names: list[str]) -> list[tuple[str, int]]:
    """Every `FYnn` sheet with its fiscal year; each year from FY1997 to FY2024 exactly once."""
    from corridor.errors import InputError

    found: dict[int, str] = {}
    for name in names:
        m = re.fullmatch(r"FY(\d{2})", name)
        if not m:
            raise InputError(path, f"unexpected sheet {name!r}; expected FY97 ... FY24", sheet=name)
        two = int(m.group(1))
        year = 1900 + two if two >= 90 else 2000 + two
        if year in found:
            raise InputError(path, f"sheet {name!r} repeats fiscal year {year}", sheet=name)
        found[year] = name
    missing = [y for y in range(FIRST_FY, LAST_FY + 1) if y not in found]
    if missing:
        raise InputError(path, f"no sheet for fiscal year {missing[0]} (FY{missing[0] % 100:02d})")
    if set(found) - set(range(FIRST_FY, LAST_FY + 1)):
        extra = min(set(found) - set(range(FIRST_FY, LAST_FY + 1)))
        raise InputError(
            path, f"sheet for fiscal year {extra} is outside FY{FIRST_FY}-FY{LAST_FY}", sheet=found[extra]
        )
    return [(found[y], y) for y in sorted(found)]


def _rows(path: Path, sheet: str, wb: Any) -> list[list[Any]]:
    """Every row of a sheet as calamine reads it (read once: the sheets are wide)."""
    return sheet_rows(path, sheet, wb)


def _header(path: Path, sheet: str, year: int, first: list[Any]) -> list[str]:
    """The sheet's header row: the year first, then the visa classes (unique), Grand Total last."""
    from corridor.errors import InputError

    header = [cell_text(c) for c in first]
    while header and header[-1] == "":
        header.pop()
    expected = f"Fiscal Year {year}"
    if not header or header[0] != expected:
        found = header[0] if header else None
        raise InputError(path, f"expected {expected!r}, found {found!r}", row=1, column="A", sheet=sheet)
    seen: set[str] = set()
    for label in header[1:]:
        if label == "" or label in seen:
            what = "an empty column label" if label == "" else f"the column label {label!r} twice"
            raise InputError(path, f"header has {what}", row=1, column=label or None, sheet=sheet)
        seen.add(label)
    for label in class_columns(year):
        if label not in header:
            raise InputError(
                path,
                f"no {label!r} column in the header; the publisher's layout changed",
                row=1,
                column=label,
                sheet=sheet,
            )
    others = [c for c in header if c in CLASSES and c not in class_columns(year)]
    if others:
        raise InputError(
            path, f"unexpected spelling {others[0]!r} for FY{year}", row=1, column=others[0], sheet=sheet
        )
    if header[-1] != TOTAL_COLUMN:
        raise InputError(
            path, f"expected {TOTAL_COLUMN!r} as the last column, found {header[-1]!r}", row=1, sheet=sheet
        )
    return header


@dataclass
class _Sheet:
    """One sheet read and type-checked, before its structure is checked."""

    t: RawTable
    year: int
    header: list[str]
    body: list[tuple[int, list[Any]]]
    labels: list[str]
    values: dict[str, np.ndarray]
    blank: dict[str, np.ndarray]


def _read(path: Path, sheet: str, year: int, wb: Any) -> _Sheet:
    """A sheet's header and the H-2A/H-2B cells, checked as counts."""
    raw = _rows(path, sheet, wb)
    header = _header(path, sheet, year, raw[0])
    label_col = header[0]
    # Only the H-2A and H-2B columns are read and checked: other columns carry publisher slips
    # (FY2015 prints 0.24 M-2 visas for Georgia, which flows into its Grand Total).
    numeric = list(class_columns(year))
    where = [header.index(c) for c in numeric]
    # Rows blank in the label and both kept columns are spacers (other columns are not read).
    kept = [0, *where]
    body = [
        (n, r)
        for n, r in enumerate(raw[1:], start=2)
        if any(j < len(r) and r[j] not in ("", None) for j in kept)
    ]
    t = RawTable(
        path=path,
        frame=pd.DataFrame(
            {
                c: [r[j] if j < len(r) else "" for _, r in body]
                for c, j in zip([label_col, *numeric], [0, *where], strict=True)
            },
            dtype=object,
        ),
        rownums=[n for n, _ in body],
        sheet=sheet,
    )
    labels = [cell_text(r[0]) for _, r in body]
    counted = {c: _counts(t, c) for c in numeric}
    values = {c: v for c, (v, _) in counted.items()}
    blank = {c: b for c, (_, b) in counted.items()}
    return _Sheet(t, year, header, body, labels, values, blank)


def _structure(s: _Sheet) -> dict[str, np.ndarray]:
    """One fiscal year: nationality x {H-2A, H-2B}, with region and grand totals checked."""
    t, year, header, body, labels, values, blank = s.t, s.year, s.header, s.body, s.labels, s.values, s.blank
    label_col, width, numeric = header[0], len(header), list(class_columns(s.year))
    region: str | None = None
    members: list[int] = []
    region_sums: dict[str, dict[str, int]] = {}
    rows: list[tuple[int, str, str]] = []  # (position, label, region)
    ended = False
    for i, label in enumerate(labels):
        if ended:
            raise t.error(f"row {label!r} after the grand total", index=i, column=label_col)
        if label in REGIONS:
            cells = body[i][1]
            nonzero = [
                header[j] for j in range(1, min(width, len(cells))) if cell_text(cells[j]) not in ("", "0")
            ]
            if nonzero:
                raise t.error(
                    f"region heading {label!r} has a value in column {nonzero[0]!r}",
                    index=i,
                    column=nonzero[0],
                )
            if region is not None:
                raise t.error(
                    f"region {label!r} starts before 'Totals for {region}'", index=i, column=label_col
                )
            region, members = label, []
            continue
        if label.startswith("Totals for "):
            name = label.removeprefix("Totals for ")
            if name != region:
                raise t.error(f"{label!r} does not close region {region!r}", index=i, column=label_col)
            _require(t, i, blank)
            _check_total(t, i, members, values, label)
            region_sums[name] = {c: int(values[c][i]) for c in numeric}
            region = None
            continue
        if label in ("Grand Total", "Grand Totals"):
            if region is not None:
                raise t.error(f"grand total inside region {region!r}", index=i, column=label_col)
            _require(t, i, blank)
            for c in numeric:
                total = sum(s[c] for s in region_sums.values())
                if int(values[c][i]) != total:
                    raise t.error(
                        f"grand total {int(values[c][i]):,} but the region totals sum to {total:,}",
                        index=i,
                        column=c,
                    )
            ended = True
            continue
        if region is None:
            raise t.error(f"nationality {label!r} outside a region", index=i, column=label_col)
        _require(t, i, blank)
        members.append(i)
        rows.append((i, label, region))
    if not ended:
        raise t.error(
            "no Grand Total row; the sheet looks truncated", index=len(labels) - 1, column=label_col
        )
    if not rows:
        raise t.error("no nationality rows", column=label_col)
    pos = [r[0] for r in rows]
    codes: list[str] = []
    for i, name, _ in rows:
        try:
            codes.append(country_code(name, NATIONALITIES))
        except KeyError:
            raise t.error(f"unknown nationality {name!r}", index=i, column=label_col) from None
    seen: dict[str, int] = {}
    for (i, name, _), code in zip(rows, codes, strict=True):
        if code in seen:
            raise t.error(
                f"nationality {name!r} repeats {code} (row {t.rownums[seen[code]]})",
                index=i,
                column=label_col,
            )
        seen[code] = i
    n, k = len(rows), len(numeric)
    return {
        "fiscal_year": np.full(n * k, year, dtype=np.int32),
        "nationality": np.tile(np.array([r[1] for r in rows], dtype=object), k),
        "iso3": np.tile(np.array(codes, dtype=object), k),
        "region": np.tile(np.array([r[2] for r in rows], dtype=object), k),
        "visa_class": np.repeat(np.array([CLASSES[c] for c in numeric], dtype=object), n),
        "issued": np.concatenate([values[c][pos] for c in numeric]).astype(np.int64),
    }


def _check_total(t: RawTable, i: int, members: list[int], values: dict[str, np.ndarray], label: str) -> None:
    for c, v in values.items():
        total = int(v[members].sum()) if members else 0
        if int(v[i]) != total:
            raise t.error(
                f"{label} is {int(v[i]):,} but its nationalities sum to {total:,}", index=i, column=c
            )


def _require(t: RawTable, i: int, blank: dict[str, np.ndarray]) -> None:
    """A nationality or total row must have a count in every kept column (a blank is not 0)."""
    for c, b in blank.items():
        if b[i]:
            raise t.error("empty cell where a count is required", index=i, column=c)


def _counts(t: RawTable, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Whole, non-negative counts and a mask of blank cells (allowed on heading rows only)."""
    cells = t.frame[column].tolist()
    fast = fast_counts(cells)
    if fast is not None:
        return fast
    out = np.zeros(len(cells), dtype=np.int64)
    blank = np.zeros(len(cells), dtype=bool)
    for i, raw in enumerate(cells):
        if (
            raw is None
            or (isinstance(raw, str) and raw.strip() == "")
            or (isinstance(raw, float) and raw != raw)
        ):
            blank[i] = True
            continue
        value: float
        if isinstance(raw, bool):
            raise t.error(f"expected a count, found {raw!r}", index=i, column=column)
        if isinstance(raw, int | float):
            value = float(raw)
        else:
            try:
                value = float(str(raw).strip().replace(",", ""))
            except ValueError:
                raise t.error(f"expected a count, found {raw!r}", index=i, column=column) from None
        if not np.isfinite(value) or value != int(value) or value < 0 or value > MAX_WHOLE:
            raise t.error(f"expected a count, found {raw!r}", index=i, column=column)
        out[i] = int(value)
    return out, blank

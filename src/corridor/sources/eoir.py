"""DOJ EOIR immigration-court statistics: annual caseload (two definitions) and asylum decisions
by nationality (FY2018-FY2021 editions).

EOIR changed its caseload definitions: the April 2026 table gives FY2016 pending as 826,488
where the April 2021 table gives 521,517. Both are kept, each row labelled with its
`definition`; FY2016-FY2020 therefore appear twice and must never be summed or spliced silently.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from corridor.sources._cells import fiscal_years
from corridor.sources._context_common import (
    country_code,
    is_aggregate,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    ceiling,
    check_unique,
    date_column,
    int_column,
    map_column,
    read_csv,
)

PLAUSIBLE_FY = 1980  # the first fiscal year a court table may hold; before it, a cell is damaged

ID = "eoir"
PAGE = "https://www.justice.gov/eoir/workload-and-adjudication-statistics"
CASELOAD_2026 = ("FY", "Pending", "Received", "Completions", "QAI")
CASELOAD_2021 = ("fiscal_year", "pending_end_of_fy", "initial_receipts", "total_completions")
ASYLUM = (
    "",
    "nationality",
    "grants",
    "grant rate",
    "denials",
    "denial rate",
    "other",
    "other rate",
    "admin closure",
    "admin closure rate",
    "total",
    "fiscal_year",
    "generated_my",
    "pdf_file",
)
# The April 2026 table ends with FY2026 through Q2 (October 2025 - March 2026): FY -> last month.
PARTIAL_2026 = {2026: "2026-03"}

# EOIR's nationality labels that `to_iso3` does not resolve. Former countries keep their
# ISO 3166-3 codes; EOIR's 'Former Countries' lump is OTHER (an aggregate row). Labels are kept
# as published, so two labels of one state (HOLLAND, NETHERLANDS) stay two rows.
EOIR_LABELS: dict[str, str] = {
    "BOSNIA HERZEGOVINA": "BIH",
    "BURMA MYANMAR": "MMR",
    "BYELORUSSIA BELARUS": "BLR",
    "CAPE VERDE": "CPV",
    "COCOS ISLAND": "CCK",
    "COMORO ISLANDS": "COM",
    "CZECHOSLOVAKIA": "CSK",
    "DEMOCRATIC REPUBLIC OF CONGO": "COD",
    "EAST GERMANY": "DDR",
    "FAEROE ISLAND": "FRO",
    "FORMER COUNTRIES": "OTHER",
    "FORMER COUNTRIES4": "OTHER",  # footnote marker 4 glued to the label in the FY2019 PDF
    "GAZA STRIP": "PSE",
    "GUINEA BISSAU": "GNB",
    "HOLLAND": "NLD",
    "IVORY COAST COTE D IVOIRE": "CIV",
    "KIRGHIZIA KYRGYZSTAN": "KGZ",
    "MACAU": "MAC",
    "MACEDONIA": "MKD",
    "MIDWAY ISLANDS": "UMI",
    "MOLDAVIA MOLDOVA": "MDA",
    "PALESTINE": "PSE",
    "PEOPLE S REPUBLIC OF BENIN": "BEN",
    "PITCAIRN ISLANDS": "PCN",
    "SERBIA MONTENEGRO": "SCG",
    "SOVIET UNION": "SUN",
    "ST CHRISTOPHER NEVIS": "KNA",
    "ST KITTS WEST INDIES": "KNA",
    "ST LUCIA": "LCA",
    "ST VINCENT AND THE GRENADINES": "VCT",
    "STATELESS ALIEN UNABLE TO NAME A COUNTRY": "STL",
    "SWAZILAND": "SWZ",
    "TAJIKISTAN TADZHIK": "TJK",
    "THE REPUBLIC OF PALAU": "PLW",
    "THE REPUBLIC OF THE MARSHALL ISLANDS": "MHL",
    "UZEBEKISTAN": "UZB",
    "YUGOSLAVIA": "YUG",
    "ZAIRE": "COD",  # the same state, renamed in 1997
}
# The mirror dates the FY2021 Q1 edition 2020-01-07; it is January 2021 (the PDF was fetched on
# 2021-01-19 and an edition cannot predate its fiscal year). Fixed for that fiscal year only.
EDITION_FIXES = {(dt.date(2020, 1, 7), 2021): dt.date(2021, 1, 7)}
# The 2021-07-08 edition lists VENEZUELA ... ZIMBABWE twice, identically. In that edition only,
# a row equal in every cell (but the row index) to an earlier row is dropped; any other repeated
# nationality raises.
REPEATED_EDITION = dt.date(2021, 7, 8)

CASELOAD = TableSpec(
    name="court_caseload",
    description=(
        "EOIR pending (end of FY), new cases (receipts) and completions per fiscal year, under "
        "two definitions: eoir_2026 (table published about April 2026, FY2016-FY2026) and "
        "eoir_2021 (generated 19 April 2021, FY2008-FY2020). Never mix definitions; `partial` "
        "marks FY2026 (through Q2)."
    ),
)
ASYLUM_DECISIONS = TableSpec(
    name="court_asylum_decisions",
    description=(
        "EOIR asylum decisions by nationality (immigration judges): grants, denials, other "
        "completions, administrative closures (FY2018 edition only) and total, per edition of "
        "the 'Asylum Decision Rates by Nationality' PDF. FY2021 editions are cumulative "
        "year-to-date: use one edition (is_full_year) per fiscal year, never sum editions. "
        "Blank cells (EOIR prints small counts for few nationalities) are NULL."
    ),
)


def _spec(key: str, path: str, url: str, publisher: str, published_rows: int) -> FileSpec:
    return FileSpec(key=key, mirror_path=path, url=url, publisher=publisher, max_rows=ceiling(published_rows))


class EoirSource:
    """EOIR caseload (FY2008-FY2026 Q2, two definitions) and asylum decisions by nationality."""

    id = ID
    title = "EOIR immigration court statistics"
    files: tuple[FileSpec, ...] = (
        _spec(
            "caseload_2026",
            "eoir/eoir_annual_pending_new_completions_fy2016-fy2026q2.csv",
            PAGE,
            "DOJ EOIR (transcribed by SilverCoin256/open-institutional-capacity-observatory)",
            12,
        ),
        _spec(
            "caseload_2021",
            "court/eoir_adjudication_stats_fy2008-fy2020_apr2021.csv",
            PAGE,
            "DOJ EOIR Adjudication Statistics, generated 2021-04-19 (hand transcription)",
            14,
        ),
        _spec(
            "asylum_by_nationality",
            "court/eoir_asylum_decisions_by_nationality_fy2018-fy2021ytd.csv",
            "https://www.justice.gov/eoir/page/file/1107366/download",
            "DOJ EOIR (transcribed by emersoncollective/data-repo-mvp)",
            1_016,
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        new = self._caseload(
            paths["caseload_2026"],
            releases["caseload_2026"],
            "caseload_2026",
            "eoir_2026",
            CASELOAD_2026,
            out,
        )
        old = self._caseload(
            paths["caseload_2021"],
            releases["caseload_2021"],
            "caseload_2021",
            "eoir_2021",
            CASELOAD_2021,
            out,
        )
        out.frames[CASELOAD.name] = pd.concat([old, new], ignore_index=True)
        out.frames[ASYLUM_DECISIONS.name] = self._asylum(
            paths["asylum_by_nationality"], releases["asylum_by_nationality"], out
        )
        out.tables += [CASELOAD, ASYLUM_DECISIONS]
        return out

    def _caseload(
        self,
        path: Path,
        release: str,
        key: str,
        definition: str,
        columns: tuple[str, ...],
        out: Parsed,
    ) -> pd.DataFrame:
        t = read_csv(path, columns=columns)
        fy, pending, receipts, completions = columns[:4]  # the QAI column is not EOIR's: ignored
        frame = pd.DataFrame(
            {
                "fiscal_year": fiscal_years(t, fy, first=PLAUSIBLE_FY).astype("int32"),
                "definition": definition,
                "pending": int_column(t, pending),
                "receipts": int_column(t, receipts),
                "completions": int_column(t, completions),
            }
        )
        check_unique(t, frame, ["fiscal_year"], fy)
        years = frame["fiscal_year"].tolist()
        for i in range(1, len(years)):
            if years[i] != years[i - 1] + 1:
                raise t.error(f"fiscal year {years[i]} does not follow {years[i - 1]}", index=i, column=fy)
        frame["definition"] = frame["definition"].astype("str")
        partial = PARTIAL_2026 if definition == "eoir_2026" else {}
        frame["partial"] = frame["fiscal_year"].isin(list(partial))
        frame["release_id"] = release
        out.rows[key] = len(t)
        out.periods[key] = (f"{years[0] - 1}-10", partial.get(years[-1], f"{years[-1]}-09"))
        return frame

    def _asylum(self, path: Path, release: str, out: Parsed) -> pd.DataFrame:
        t = read_csv(path, columns=ASYLUM)
        label = t.frame["nationality"].map(lambda s: re.sub(r"\s+", " ", str(s)).strip())
        t.frame["nationality"] = label
        iso3 = map_column(t, "nationality", lambda s: country_code(s, EOIR_LABELS), "nationality").astype(
            "str"
        )
        fiscal_year = fiscal_years(t, "fiscal_year", first=PLAUSIBLE_FY)
        edition = _editions(t, fiscal_year)
        counts = {
            name: int_column(t, column, allow_blank=True)
            for name, column in (
                ("grants", "grants"),
                ("denials", "denials"),
                ("other", "other"),
                ("admin_closure", "admin closure"),
                ("total", "total"),
            )
        }
        # Rates are not stored (they derive from the counts) but must look like rates. One cell
        # reads '38*' (EGYPT, 2021-04-19 edition), a transcription slip for '38%'.
        for column in ("grant rate", "denial rate", "other rate", "admin closure rate"):
            for i, raw in enumerate(t.frame[column].tolist()):
                if raw.strip() and not re.fullmatch(r"\d{1,3}(\.\d+)?[%*]", raw.strip()):
                    raise t.error(f"expected a rate such as 12.5%, found {raw!r}", index=i, column=column)
        frame = pd.DataFrame(
            {
                "fiscal_year": fiscal_year.astype("int32"),
                "edition": edition,
                "is_full_year": [e > dt.date(y, 9, 30) for e, y in zip(edition, fiscal_year, strict=True)],
                "nationality": label.astype("str"),
                "iso3": iso3,
                "is_aggregate": is_aggregate(iso3),
                **counts,
            }
        )
        frame = _drop_repeats(t, frame)
        parts = frame[["grants", "denials", "other", "admin_closure"]].fillna(0).sum(axis=1)
        bad = (frame["total"].notna() & (parts != frame["total"])).to_numpy()
        if bad.any():
            i = int(bad.nonzero()[0][0])
            raise t.error(
                f"total {frame['total'].iloc[i]} is not grants + denials + other + admin closure "
                f"({int(parts.iloc[i])})",
                index=int(frame.index[i]),
                column="total",
            )
        frame = frame.reset_index(drop=True)
        frame["release_id"] = release
        out.rows["asylum_by_nationality"] = len(t)
        out.periods["asylum_by_nationality"] = (
            f"{int(fiscal_year.min()) - 1}-10",
            f"{max(edition):%Y-%m}",
        )
        return frame


def _editions(t: RawTable, fiscal_year: pd.Series) -> pd.Series:
    """Edition dates, with the documented mislabel fixed; an edition before its FY raises."""
    raw = date_column(t, "generated_my")
    out = []
    for i, (d, fy) in enumerate(zip(raw.tolist(), fiscal_year.tolist(), strict=True)):
        d = EDITION_FIXES.get((d, fy), d)
        if d < dt.date(fy - 1, 10, 1):
            raise t.error(f"edition {d} predates fiscal year {fy}", index=i, column="generated_my")
        out.append(d)
    return pd.Series(out, index=t.frame.index, dtype=object)


def _drop_repeats(t: RawTable, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop identical repeats in the one edition known to have them; raise on any other."""
    cells = t.frame.drop(columns=[""])
    identical = cells.duplicated() & (frame["edition"] == REPEATED_EDITION)
    frame = frame[~identical]
    keys = ["edition", "nationality"]
    dup = frame.duplicated(subset=keys).to_numpy()
    if dup.any():
        i = int(frame.index[dup.nonzero()[0][0]])
        first = frame[keys].apply(tuple, axis=1) == tuple(frame.loc[i, keys])
        earlier = int(frame.index[first.to_numpy().nonzero()[0][0]])
        raise t.error(
            f"nationality repeated within edition {frame.loc[i, 'edition']} (first at row "
            f"{t.rownums[earlier]})",
            index=i,
            column="nationality",
        )
    return frame

"""Reporters Without Borders (RSF) World Press Freedom Index, 2013-2026: each country's score
(0-100, higher = freer) and rank, from RSF's yearly exports (`rwb<year>.csv`, semicolon-separated).

**The copies lost their decimal commas** (RSF's `42,28` is stored as `4228`, `51,8` as `518`,
`65,487` as `65487`). Every score since 2013 is on a 0-100 scale and at least 10, so a stored
whole number of n digits has two integer digits and n - 2 decimals. The reader restores that and
checks it three ways: every restored score lies in [10, 100]; within each year the scores fall as
the ranks rise (a misplaced comma would break the order); and each year's `Rank N-1` (and, from
2023, `Score N-1`) equals the previous file's value.

RSF changed its method in 2022 (`method` = `2013-2021` or `2022-`): scores are comparable within
one method only; ranks can be compared across the break. Older editions were re-expressed on
today's direction (El Salvador 2013 is 77.14). Two layouts: 2013-2021 start `Year (N);ISO;Rank
N;Score N`, 2022 on `ISO;Score;Rank`. The 2013-2021 files carry double-encoded Arabic and Persian
names containing U+0085 (NEL), which generic line splitters treat as a line break, so rows are
split on CR/LF only (`read_semicolon`); the 2025-2026 files are Windows-1252, the rest UTF-8.
`OECS` (Eastern Caribbean states, ranked as one) and Northern Cyprus have no ISO code: kept in
the table with `iso3` NULL, left out of the indicators.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.countries import canonical_code
from corridor.sources._context_common import Indicator, IndicatorTables, indicator_rows
from corridor.sources.base import FileSpec, Parsed, RawTable, TableSpec, check_unique, int_column

ID = "press_freedom"
PAGE = "https://rsf.org/en/index"
LICENCE = "RSF: non-commercial reuse with attribution (Reporters Without Borders)"
FIRST, LAST = 2013, 2026
METHOD_BREAK = 2022
# RSF's own codes for entities without an ISO 3166 code (ranked as one entity).
NO_ISO = {"XCD": "OECS (Eastern Caribbean states)", "CSS": "OECS (Eastern Caribbean states)",
          "CTU": "Northern Cyprus"}  # fmt: skip
ALIASES = {"XKO": "XKX"}  # Kosovo

_OLD = (
    "Year (N)", "ISO", "Rank N", "Score N", "Score N without the exactions", "Score N with the exactions",
    "Score exactions", "Rank N-1", "Score N-1", "Rank evolution", "FR_country", "EN_country",
    "ES_country", "AR_country", "FA_country", "Zone",
)  # fmt: skip
_CONTEXT = (
    "Political Context", "Rank_Pol", "Economic Context", "Rank_Eco", "Legal Context", "Rank_Leg",
    "Social Context", "Rank_Soc", "Safety", "Rank_Saf",
)  # fmt: skip
_NAMES = ("Country_FR", "Country_EN", "Country_ES", "Country_PT", "Country_AR", "Country_FA")
_TAIL = ("Year (N)", "Rank N-1", "Rank evolution", "Score N-1", "Score evolution")


def layout(year: int) -> tuple[str, ...]:
    """The exact header of one year's file, as RSF publishes it."""
    if year < METHOD_BREAK:
        return _OLD
    if year == 2022:
        return (
            "ISO", "Score", "Rank", *_CONTEXT, "Zone", "Country_EN", "Country_FR", "Country_ES",
            "Country_AR", "Country_FA", "Year (N)", "Rank N-1", "Rank evolution",
        )  # fmt: skip
    score = "Score" if year <= 2024 else f"Score {year}"
    situation = ("Situation",) if year == 2024 else ()
    return ("ISO", score, "Rank", *_CONTEXT, *situation, "Zone", *_NAMES, *_TAIL)


def columns(year: int) -> dict[str, str]:
    """The columns read: role -> header label."""
    if year < METHOD_BREAK:
        return {
            "iso": "ISO",
            "rank": "Rank N",
            "score": "Score N",
            "year": "Year (N)",
            "prev_rank": "Rank N-1",
        }
    out = {
        "iso": "ISO",
        "rank": "Rank",
        "score": layout(year)[1],
        "year": "Year (N)",
        "prev_rank": "Rank N-1",
    }
    if year >= 2023:
        out["prev_score"] = "Score N-1"
    return out


def encoding(year: int) -> str:
    return "cp1252" if year >= 2025 else "utf-8"


PRESS = TableSpec(
    name="press_freedom",
    description=(
        "RSF World Press Freedom Index by country and year, 2013-2026: `score` 0-100 (higher = "
        "freer), decimal commas restored from the stored digits (`score_stored`); `rank` (1 = "
        "freest) among `ranked` entities. `method` 2013-2021 or 2022- : compare scores within one "
        "method only, ranks across the break. iso3 is NULL for OECS and Northern Cyprus."
    ),
)
SCORE = Indicator(
    id="rsf.score",
    name="RSF World Press Freedom Index: score",
    description="Press freedom score, 0-100, higher = freer. RSF changed its method in 2022: scores "
    "before 2022 (re-expressed on today's direction) are not comparable with scores from 2022; "
    "compare within one method era, or use rsf.rank across the break.",
    unit="score 0-100 (100 = freest)",
    url=PAGE,
)
RANK = Indicator(
    id="rsf.rank",
    name="RSF World Press Freedom Index: rank",
    description="Rank among the 179-180 countries and territories RSF assesses, 1 = freest. Ranks "
    "can be compared across RSF's 2022 change of method.",
    unit="rank (1 = freest)",
    url=PAGE,
)
IND = IndicatorTables(ID, "RSF press freedom", LICENCE, (SCORE, RANK))
FILES = tuple(
    FileSpec(
        key=f"y{year}",
        mirror_path=f"press_freedom/rsf/rwb{year}.csv",
        url=f"https://rsf.org/sites/default/files/import_classement/{year}.csv",
        publisher="Reporters Without Borders (RSF); copy from the R package petzi53/pressfreedom.data",
        licence=LICENCE,
    )
    for year in range(FIRST, LAST + 1)
)


class PressFreedomSource:
    """RSF World Press Freedom Index, one file a year, decimal commas restored and checked."""

    id = ID
    title = "RSF World Press Freedom Index, 2013-2026 (score and rank)"
    files = FILES

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        frames: list[pd.DataFrame] = []
        previous: pd.DataFrame | None = None
        for year in range(FIRST, LAST + 1):
            key = f"y{year}"
            t = read_semicolon(paths[key], columns=layout(year), encoding=encoding(year))
            frame = _year(t, year, previous)
            frame["release_id"] = releases[key]
            frames.append(frame)
            previous = frame
            out.rows[key] = len(t)
            out.periods[key] = (str(year), str(year))
        press = pd.concat(frames, ignore_index=True)
        out.frames[PRESS.name] = press
        known = press[press["iso3"].notna()]
        parts = []
        for defn, values in ((SCORE, known["score"]), (RANK, known["rank"].astype("float64"))):
            rows = indicator_rows(defn, known["iso3"], known["year"], values, ID, "")
            rows["release_id"] = pd.Series(known["release_id"].to_numpy(), dtype="str")
            parts.append(rows)
        out.tables.append(PRESS)
        IND.add(out, parts)
        return out


def restore_score(stored: str) -> float:
    """RSF's score from its stored digits: two integer digits, the rest decimals ('518' -> 51.8)."""
    if not stored.isdigit() or not 2 <= len(stored) <= 6:
        raise ValueError(f"expected 2-6 digits, found {stored!r}")
    return int(stored) / 10 ** (len(stored) - 2)


def _year(t: RawTable, year: int, previous: pd.DataFrame | None) -> pd.DataFrame:
    col = columns(year)
    years = int_column(t, col["year"])
    if (years != year).any():
        i = int((years != year).to_numpy().nonzero()[0][0])
        raise t.error(f"year {int(years.iloc[i])} in the {year} file", index=i, column=col["year"])
    rank = int_column(t, col["rank"])
    n = len(t)
    if ((rank < 1) | (rank > n)).any():
        i = int(((rank < 1) | (rank > n)).to_numpy().nonzero()[0][0])
        raise t.error(f"rank {int(rank.iloc[i])} outside 1..{n}", index=i, column=col["rank"])
    stored = [str(v).strip() for v in t.frame[col["score"]].tolist()]
    score = np.empty(n)
    for i, s in enumerate(stored):
        try:
            score[i] = restore_score(s)
        except ValueError:
            raise t.error(f"expected the score's digits (decimal comma stripped), found {s!r}", index=i,
                          column=col["score"]) from None  # fmt: skip
        if not 10 <= score[i] <= 100:
            raise t.error(
                f"stored score {s!r} restores to {score[i]:g}, outside [10, 100]: the decimal-comma rule "
                "does not hold",
                index=i,
                column=col["score"],
            )
    _check_order(t, rank.to_numpy(), score, stored, col)
    codes: list[str | None] = []
    for i, raw in enumerate(t.frame[col["iso"]].tolist()):
        code = str(raw).strip()
        if code in NO_ISO:
            codes.append(None)
            continue
        try:
            codes.append(canonical_code(ALIASES.get(code, code)))
        except KeyError:
            raise t.error(f"unknown country code {raw!r}", index=i, column=col["iso"]) from None
    frame = pd.DataFrame(
        {
            "year": np.full(n, year, dtype=np.int32),
            "rsf_code": pd.Series([str(v).strip() for v in t.frame[col["iso"]]], dtype="str"),
            "iso3": pd.Series(codes, dtype=object),
            "entity": pd.Series([NO_ISO.get(str(v).strip(), "") for v in t.frame[col["iso"]]], dtype="str"),
            "rank": rank.astype("int32").to_numpy(),
            "score": score,
            "score_stored": pd.Series(stored, dtype="str"),
            "ranked": np.int32(n),
            "method": "2013-2021" if year < METHOD_BREAK else "2022-",
        }
    )
    check_unique(t, frame, ["rsf_code"], col["iso"])
    if previous is not None:
        _check_previous(t, frame, previous, col)
    return frame


def _check_order(
    t: RawTable, rank: np.ndarray, score: np.ndarray, stored: list[str], col: dict[str, str]
) -> None:
    """Higher ranks (worse) never have higher scores: a misplaced decimal comma breaks the order."""
    order = np.lexsort((-score, rank))
    for a, b in itertools.pairwise(order):
        if score[b] > score[a] + 1e-9:
            raise t.error(
                f"score {score[b]:g} (stored {stored[b]!r}) ranks {rank[b]} but rank {rank[a]} has "
                f"{score[a]:g} (stored {stored[a]!r}): scores must fall as ranks rise",
                index=int(b),
                column=col["score"],
            )


def _check_previous(t: RawTable, frame: pd.DataFrame, previous: pd.DataFrame, col: dict[str, str]) -> None:
    """This file's `Rank N-1` (and `Score N-1`) must equal last year's file where both list a country."""
    prev = previous.set_index("rsf_code")
    codes = frame["rsf_code"].tolist()
    for role, field in (("prev_rank", "rank"), ("prev_score", "score")):
        if role not in col:
            continue
        for i, raw in enumerate(t.frame[col[role]].tolist()):
            text = str(raw).strip()
            code = codes[i]
            if text in ("", "-") or code not in prev.index:
                continue
            if field == "rank":
                ok = text.isdigit() and int(text) == int(prev.at[code, "rank"])
            else:
                ok = text.isdigit() and abs(restore_score(text) - float(prev.at[code, "score"])) < 1e-9
            if not ok:
                raise t.error(
                    f"{col[role]} {text!r} differs from the previous year's file "
                    f"({prev.at[code, field]:g} for {code})",
                    index=i,
                    column=col[role],
                )


def read_semicolon(path: Path, *, columns: tuple[str, ...], encoding: str) -> RawTable:
    """A semicolon-separated file whose header must equal `columns`, split into rows on CR/LF only.

    Unlike `base.read_csv`, which splits lines with `str.splitlines` (also at U+0085 and other
    Unicode breaks), this keeps a row whole when a text cell holds such a character. Errors name
    the file, line and column. (A generic reader: candidate to move into `sources/base.py`.)
    """
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, f"file is empty; expected a header row starting {columns[0]!r}", row=1,
                         column=columns[0])  # fmt: skip
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding} text ({exc.reason})", row=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.endswith(("\n", "\r")):
        raise InputError(path, "the last line is not terminated; the file looks truncated",
                         row=text.count("\n") + 1)  # fmt: skip
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(path, "file contains a NUL byte", row=line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InputError(path, f"not readable as delimited text ({exc})", row=reader.line_num) from None
    if not records:
        raise InputError(path, "file has no header row", row=1)
    _, header = records[0]
    header = [h.strip() for h in header]
    for i, expected in enumerate(columns):
        found = header[i] if i < len(header) else None
        if found != expected:
            raise InputError(
                path,
                f"expected header {expected!r}, found {found!r}; the publisher's layout changed",
                row=1,
                column=expected,
            )
    if len(header) > len(columns):
        raise InputError(
            path, f"unexpected extra column {header[len(columns)]!r}", row=1, column=header[len(columns)]
        )
    body = [(line, row) for line, row in records[1:] if any(cell.strip() for cell in row)]
    if not body:
        raise InputError(path, "file has a header but no data rows", row=2)
    for line, row in body:
        if len(row) != len(columns):
            raise InputError(path, f"row has {len(row)} fields, expected {len(columns)}", row=line)
    frame = pd.DataFrame([row for _, row in body], columns=list(columns), dtype=object)
    return RawTable(path=path, frame=frame, rownums=[line for line, _ in body])

"""Flows along the route north (IOM gdidata): Darién transits, people presented to and expelled
by Mexico's INM, irregular arrivals in Honduras, Guatemalans returned from Mexico and the USA.

One long monthly table, `transit_monthly`. A series is published under several breakdowns (by
nationality, by sex/age, ...), each of which sums to the series total, so a sum must pick one
`breakdown`. Darién's 2010-2019 figures are annual and go to `transit_annual`, never beside the
monthly rows. Counts are events (transits, presentations), not unique people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corridor.reference.calendar import month_range
from corridor.sources._context_common import (
    country_code,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    ceiling,
    check_unique,
    choice_column,
    date_column,
    int_column,
    map_column,
    read_csv,
)

ID = "transit"
GDIDATA = "IOM Global Data Institute R package iom/gdidata (cleaned from {})"
LICENCE = "Provider's terms (not stated by the mirror); iom/gdidata package is MIT"
DARIEN_ANNUAL_UNTIL = 2019  # Panama publishes 2010-2019 as yearly totals dated 1 January
MONTHLY_COLUMNS = (
    "series",
    "breakdown",
    "month",
    "nationality",
    "demographic",
    "sex",
    "age",
    "type",
    "origin",
    "n",
    "release_id",
)
DEMOGRAPHICS = {"men": "men", "women": "women", "boys": "boys", "girls": "girls"}
SEXES = {"male": "male", "female": "female"}
MEXICO_AGES = {
    "18+": "18+",
    "12-17": "12-17",
    "under 12, accompanied": "under_12_accompanied",
    "under 12, unaccompanied": "under_12_unaccompanied",
}
GUATEMALA_AGES = {
    "adult": "adult",
    "accompanied child": "accompanied_child",
    "unaccompanied child": "unaccompanied_child",
}
EXPULSION_TYPES = {
    "deportation": "deportation",
    "assisted return": "assisted_return",
    "assisted return of children": "assisted_return_children",
}
# Guatemala: the origin of returns is blank from January 2024 on, exactly when the USA rows
# stop; their size suggests returns from the USA, but the file does not say, so they are UNK.
GUATEMALA_ORIGINS = {"MEX": "MEX", "USA": "USA", "": "UNK"}
# The Mexico file repeats (month, nationality) for these codes only: the mirror mapped two of
# UPM's labels to one ISO3 code. Their rows are summed; a repeat of any other code raises.
MEXICO_MERGED_CODES = {"GIN", "FRA"}
# Months without any row: COVID border closures, when the by-nationality files list nobody
# (Honduras's total file has 0 for them). Any other gap in any file raises.
KNOWN_GAPS = {
    "darien_nat": {dt.date(2020, 4, 1), dt.date(2020, 5, 1), dt.date(2020, 7, 1)},
    "honduras_nat": {dt.date(2020, 4, 1), dt.date(2020, 5, 1)},  # the total file has 0 there
}

MONTHLY = TableSpec(
    name="transit_monthly",
    description=(
        "Monthly flows along the route (series darien, mexico_presented, mexico_expelled, "
        "honduras_arrivals, guatemala_returned). Each series has one or more `breakdown`s "
        "(nationality, demographic, sex_age, nationality_type, sex_age_origin, total) that each "
        "sum to the series total: filter on one breakdown before summing. Events, not people."
    ),
)
ANNUAL = TableSpec(
    name="transit_annual",
    description=(
        "Darién irregular transits 2010-2019 by nationality, annual totals (Panama SNM). Kept "
        "apart from transit_monthly so annual and monthly rows never mix."
    ),
)


@dataclass(frozen=True)
class _File:
    key: str
    name: str
    columns: tuple[str, ...]
    series: str
    breakdown: str
    url: str
    source: str


_PANAMA = ("https://www.migracion.gob.pa/estadisticas/", "Panama Servicio Nacional de Migración")
_MEXICO = (
    "https://portales.segob.gob.mx/es/PoliticaMigratoria/Boletines_Estadisticos",
    "Mexico Unidad de Política Migratoria, Boletines Estadísticos",
)
_HONDURAS = (
    "https://app.powerbi.com/view?r=eyJrIjoiODNhMGY4MGUtM2NkMy00YTIzLTlmZTAtNmQxZmJiZDhiZjc1IiwidCI6"
    "ImUxMWQ5NjIwLTRkM2UtNDEwYi05MTUyLWZkMWNmNmNmNzI5YSJ9",
    "Instituto Nacional de Migración Honduras, Flujo Migratorio Irregular dashboard",
)
_GUATEMALA = ("https://igm.gob.gt/informes-estadisticos", "Instituto Guatemalteco de Migración")

# Lines of each file as published (the row ceilings are set from them).
PUBLISHED_ROWS = {
    "darien_nat": 2_388,
    "darien_dmg": 161,
    "mexico_nat": 5_760,
    "mexico_dmg": 705,
    "mexico_exp": 5_252,
    "honduras": 137,
    "honduras_nat": 4_199,
    "honduras_dmg": 353,
    "guatemala": 737,
}
FILES = (
    _File("darien_nat", "irreg_darien_nat", ("t", "q", "nat", "n"), "darien", "nationality", *_PANAMA),
    _File("darien_dmg", "irreg_darien_dmg", ("t", "q", "demog", "n"), "darien", "demographic", *_PANAMA),
    _File("mexico_nat", "irreg_mexico_nat", ("t", "nat", "n"), "mexico_presented", "nationality", *_MEXICO),
    _File(
        "mexico_dmg", "irreg_mexico_dmg", ("t", "sex", "age", "n"), "mexico_presented", "sex_age", *_MEXICO
    ),
    _File(
        "mexico_exp",
        "irreg_mexico_exp",
        ("t", "nat", "type", "n"),
        "mexico_expelled",
        "nationality_type",
        *_MEXICO,
    ),
    _File("honduras", "irreg_honduras", ("t", "n"), "honduras_arrivals", "total", *_HONDURAS),
    _File(
        "honduras_nat",
        "irreg_honduras_nat",
        ("t", "nat", "n"),
        "honduras_arrivals",
        "nationality",
        *_HONDURAS,
    ),
    _File(
        "honduras_dmg",
        "irreg_honduras_dmg",
        ("t", "demog", "n"),
        "honduras_arrivals",
        "demographic",
        *_HONDURAS,
    ),
    _File(
        "guatemala",
        "irreg_guatemala",
        ("t", "sex", "age", "origin", "n"),
        "guatemala_returned",
        "sex_age_origin",
        *_GUATEMALA,
    ),
)


def _labels(t: RawTable, column: str, mapping: dict[str, str]) -> pd.Series:
    return choice_column(t, column, set(mapping)).map(mapping).astype("str")


def _quarter_check(t: RawTable, month: pd.Series) -> None:
    """`q` must be the first month of the quarter of `t`."""
    quarter = date_column(t, "q", first_of_month=True)
    for i, (m, q) in enumerate(zip(month.tolist(), quarter.tolist(), strict=True)):
        if q != dt.date(m.year, 3 * ((m.month - 1) // 3) + 1, 1):
            raise t.error(f"quarter {q} does not contain month {m}", index=i, column="q")


def _sum_repeats(t: RawTable, frame: pd.DataFrame, keys: list[str], allowed: set[str] | None) -> pd.DataFrame:
    """Sum rows that repeat a key; with `allowed`, only those nationality codes may repeat."""
    repeat = frame.duplicated(subset=keys)
    if not repeat.any():
        return frame
    if allowed is not None:
        bad = (repeat & ~frame["nationality"].isin(allowed)).to_numpy()
        if bad.any():
            i = int(bad.nonzero()[0][0])
            key = tuple(frame[keys].iloc[i])
            earlier = int((frame[keys].apply(tuple, axis=1) == key).to_numpy().nonzero()[0][0])
            raise t.error(
                f"duplicate row ({', '.join(map(str, key))}) repeats row {t.rownums[earlier]}; only "
                f"{sorted(allowed)} may repeat (labels the mirror merged)",
                index=i,
                column="nat",
            )
    return frame.groupby(keys, as_index=False, sort=False)["n"].sum()


class TransitSource:
    """Nine monthly route files from IOM gdidata (Panama, Mexico, Honduras, Guatemala)."""

    id = ID
    title = "Transit flows along the route (Darién, Mexico, Honduras, Guatemala)"
    files: tuple[FileSpec, ...] = tuple(
        FileSpec(
            key=f.key,
            mirror_path=f"transit/iom_gdidata_{f.name}.csv",
            url=f.url,
            publisher=GDIDATA.format(f.source),
            licence=LICENCE,
            max_rows=ceiling(PUBLISHED_ROWS[f.key]),
        )
        for f in FILES
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        monthly: dict[str, pd.DataFrame] = {}
        located: dict[str, tuple[RawTable, pd.Series]] = {}
        for f in FILES:
            t = read_csv(paths[f.key], columns=f.columns)
            frame, annual, months = self._read(t, f)
            frame["release_id"] = releases[f.key]
            monthly[f.key] = frame
            located[f.key] = (t, months)
            out.rows[f.key] = len(t)
            start = f"{min(frame['month']):%Y-%m}"
            if annual is not None:
                annual["release_id"] = releases[f.key]
                out.frames[ANNUAL.name] = annual
                start = f"{annual['year'].min()}-01"
            out.periods[f.key] = (start, f"{max(frame['month']):%Y-%m}")
        for part, whole in (
            ("darien_dmg", "darien_nat"),
            ("honduras_nat", "honduras"),
            ("honduras_dmg", "honduras"),
        ):
            _cross_check(monthly[part], monthly[whole], whole, *located[part])
        table = pd.concat([monthly[f.key] for f in FILES], ignore_index=True)
        for col in MONTHLY_COLUMNS:
            if col not in table:
                table[col] = None
        table = table[list(MONTHLY_COLUMNS)]
        for col in ("series", "breakdown", "nationality", "demographic", "sex", "age", "type", "origin"):
            table[col] = table[col].astype("str")
        table["n"] = table["n"].astype("int64")
        out.frames[MONTHLY.name] = table
        out.tables += [MONTHLY, ANNUAL]
        return out

    def _read(self, t: RawTable, f: _File) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.Series]:
        """One file -> its monthly rows, the annual rows (Darién by nationality) and row months."""
        month = date_column(t, "t", first_of_month=True)
        cols: dict[str, pd.Series] = {"month": month}
        if "q" in f.columns:
            _quarter_check(t, month)
        if "nat" in f.columns:
            cols["nationality"] = map_column(t, "nat", country_code, "nationality code")
        if "demog" in f.columns:
            cols["demographic"] = _labels(t, "demog", DEMOGRAPHICS)
        if "sex" in f.columns:
            cols["sex"] = _labels(t, "sex", SEXES)
        if "age" in f.columns:
            cols["age"] = _labels(t, "age", MEXICO_AGES if f.key == "mexico_dmg" else GUATEMALA_AGES)
        if "type" in f.columns:
            cols["type"] = _labels(t, "type", EXPULSION_TYPES)
        if "origin" in f.columns:
            cols["origin"] = _labels(t, "origin", GUATEMALA_ORIGINS)
        cols["n"] = int_column(t, "n")
        frame = pd.DataFrame(cols)
        keys = [c for c in frame.columns if c != "n"]
        last_key = f.columns[-2]

        annual = None
        if f.key == "mexico_nat":
            frame = _sum_repeats(t, frame, keys, MEXICO_MERGED_CODES)
        elif f.key == "honduras_nat":
            frame = _sum_repeats(t, frame, keys, None)  # guarded by the cross-check with the total
        else:
            check_unique(t, frame, keys, last_key)
        if f.key == "darien_nat":
            years = pd.Series([m.year for m in month], index=frame.index)
            is_annual = years <= DARIEN_ANNUAL_UNTIL
            for i in is_annual.to_numpy().nonzero()[0]:
                if month.iloc[i].month != 1:
                    raise t.error(
                        f"rows up to {DARIEN_ANNUAL_UNTIL} are annual totals dated 1 January, "
                        f"found {month.iloc[i]}",
                        index=int(i),
                        column="t",
                    )
            annual = pd.DataFrame(
                {
                    "series": f.series,
                    "breakdown": f.breakdown,
                    "year": years[is_annual].astype("int32"),
                    "nationality": frame.loc[is_annual, "nationality"].astype("str"),
                    "n": frame.loc[is_annual, "n"],
                }
            ).reset_index(drop=True)
            frame = frame[~is_annual]
            _check_months(t, month[~is_annual], KNOWN_GAPS.get(f.key, set()))
        else:
            _check_months(t, month, KNOWN_GAPS.get(f.key, set()))
        frame = frame.reset_index(drop=True)
        frame.insert(0, "series", f.series)
        frame.insert(1, "breakdown", f.breakdown)
        return frame, annual, month


def _check_months(t: RawTable, months: pd.Series, gaps: set[dt.date]) -> None:
    """No month may be missing inside a file's span, except the listed known gaps."""
    present = set(months.tolist())
    first, last = min(present), max(present)
    for m in month_range(first, last):
        if m not in present and m not in gaps:
            after = (months > m).to_numpy()
            raise t.error(
                f"month {m:%Y-%m} is missing between {first:%Y-%m} and {last:%Y-%m}",
                index=int(months.index[after.nonzero()[0][0]]),
                column="t",
            )


def _cross_check(part: pd.DataFrame, whole: pd.DataFrame, name: str, t: RawTable, months: pd.Series) -> None:
    """Each month of a breakdown file must sum to the same month of the reference file."""
    mine = part.groupby("month")["n"].sum()
    ref = whole.groupby("month")["n"].sum()
    silent = ref[(ref.index >= mine.index.min()) & ~ref.index.isin(mine.index) & (ref != 0)]
    if len(silent):
        month = silent.index[0]
        after = (months > month).to_numpy().nonzero()[0]  # none if the file stops before it
        raise t.error(
            f"no rows for {month:%Y-%m}, where file {name} gives {silent.iloc[0]}",
            index=int(after[0]) if len(after) else len(months) - 1,
            column="t",
        )
    for month, total in mine.items():
        expected = ref.get(month)
        if expected is None or int(expected) != int(total):
            i = int((months == month).to_numpy().nonzero()[0][0])
            raise t.error(
                f"{month:%Y-%m} sums to {int(total)}, but file {name} gives {expected}",
                index=i,
                column="n",
            )

"""Every label the encounter files use maps into the normalised vocabularies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.reference import (
    fiscal_year,
    fy_months,
    map_demographic,
    map_region,
    map_title,
    sector_slug,
    to_iso3,
)
from corridor.reference.calendar import month_of_fy


def _labels(data: Path) -> dict[str, set[str]]:
    state = pd.concat(
        pd.read_csv(data / "cbp" / name)
        for name in (
            "nationwide-encounters-fy20-fy23-state.csv",
            "nationwide-encounters-fy23-fy26-nov-state.csv",
        )
    )
    sbo = pd.read_csv(data / "cbp" / "sbo-encounters-fy22-fy25-aug.csv")
    ohss = pd.read_excel(
        data / "cbp" / "ohss-khsm-encounters-usbp-fy25m11.xlsx", sheet_name=None, engine="calamine"
    )
    return {
        "citizenship": set(state["Citizenship"])
        | set(sbo["Citizenship Grouping"])
        | set(ohss["Annual Citizenship"]["Citizenship"])
        | set(ohss["Monthly Rgn and Citp"]["Citizenship"]),
        "demographic": set(state["Demographic"])
        | set(sbo["Demographic"])
        | set(ohss["Monthly Family Status"]["Family Status"]),
        "region": set(state["Land Border Region"]) | set(ohss["Monthly Region"]["Region"]),
        "title": set(state["Title of Authority"]) | set(sbo["Title of Authority"]),
        "sector": set(ohss["Monthly Sector"]["Sector"]),
    }


def test_every_label_maps(data: Path) -> None:
    labels = _labels(data)
    mappers = {
        "citizenship": to_iso3,
        "demographic": map_demographic,
        "region": map_region,
        "title": map_title,
        "sector": sector_slug,
    }
    unmapped = []
    for kind, values in labels.items():
        for v in values:
            try:
                mappers[kind](v)
            except KeyError:
                unmapped.append((kind, v))
    assert not unmapped, unmapped
    assert len({to_iso3(v) for v in labels["citizenship"]}) >= 136


@pytest.mark.parametrize("label", ["Atlantis", "Republic of Nowhere"])
def test_unknown_country_raises(label: str) -> None:
    with pytest.raises(KeyError):
        to_iso3(label)


def test_fiscal_calendar() -> None:
    import datetime as dt

    assert fiscal_year(dt.date(2020, 10, 1)) == 2021
    assert fiscal_year(dt.date(2021, 9, 1)) == 2021
    assert fy_months(2021)[0] == dt.date(2020, 10, 1) and fy_months(2021)[-1] == dt.date(2021, 9, 1)
    assert month_of_fy(2026, "NOV") == dt.date(2025, 11, 1)
    assert month_of_fy(2000, "04 January") == dt.date(2000, 1, 1)


def test_known_mappings() -> None:
    assert to_iso3("CHINA, PEOPLES REPUBLIC OF") == to_iso3("China, People's Republic") == "CHN"
    assert to_iso3("MYANMAR (BURMA)") == to_iso3("Burma") == "MMR"
    assert to_iso3("Korea, South") == "KOR"
    assert map_demographic("UC / Single Minors") == map_demographic("UAC") == "uac"
    assert map_demographic("FMUA") == map_demographic("Family Unit Individuals") == "family_units"
    assert sector_slug("Rio Grande Valley, TX") == sector_slug("rio grande valley") == "rio_grande_valley"


def test_an_evaluations_treated_cell_reads_as_country_names() -> None:
    # The evaluate page's per-method table said "VEN"; the JSON/CSV keep the codes.
    from corridor.reference.labels import display

    assert display("VEN", "treated") == "Venezuela"
    assert display("CUB,HTI,NIC", "treated") == "Cuba, Haiti, Nicaragua"
    assert display("ALL", "treated") == "All nationalities"

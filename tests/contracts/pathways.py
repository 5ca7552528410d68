"""Source contracts for lawful pathways, femicides and press freedom (NIV visas, refugee admissions,
LPRs, CHNV paroles and CBP One appointments, ECLAC femicides, RSF index).

Every raw figure is read here with plain pandas (calamine engine for workbooks, `read_csv` for the
RSF files), never with Corridor's parsers, and compared with SQL on the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.contracts import BadInput, Check, Contract

NIV = "pathways/FYs97-24_NIVDetailTable.xlsx"
PRM = "pathways/prm_refugee_admissions_report_2024-12-31.xlsx"
REFUGEES = "pathways/2024_1108_ohss_yearbook_refugees_fy2023.xlsx"
LPR = "pathways/2024_0906_ohss_yearbook_lawful_permanent_residents_fy2023_0.xlsx"
OHSS = "outcomes/2024_1206_ohss_immigration-enforcement-and-legal-processes-tables-august-2024.xlsx"
FEMICIDES = "gender_violence/cepalstat_2780_femicides_20230627.xlsx"


def _sheet(data: Path, name: str, sheet: str, header: int | None = 0) -> pd.DataFrame:
    return pd.read_excel(data / name, sheet_name=sheet, header=header, engine="calamine")


# --- NIV ----------------------------------------------------------------------------------------


def _niv_grand_total(data: Path, sheet: str, column: str) -> float:
    s = _sheet(data, NIV, sheet)
    label = s.columns[0]
    return float(s.loc[s[label].astype(str).str.startswith("Grand Total"), column].iloc[0])


def _niv_all_h2a(data: Path) -> float:
    book = pd.read_excel(data / NIV, sheet_name=None, engine="calamine")
    total = 0.0
    for s in book.values():
        col = "H-2A" if "H-2A" in s.columns else "H2A"
        total += float(s.loc[s[s.columns[0]].astype(str).str.startswith("Grand Total"), col].iloc[0])
    return total


def _niv_cell(data: Path, sheet: str, country: str, column: str) -> float:
    s = _sheet(data, NIV, sheet)
    return float(s.loc[s[s.columns[0]] == country, column].iloc[0])


# --- refugees -----------------------------------------------------------------------------------


def _prm_summary_total(data: Path, year: int) -> float:
    s = _sheet(data, PRM, "Cumulative Summary", header=8)
    return float(s.loc[s["Fiscal Year"].astype(str) == str(year), "Total"].iloc[0])


def _prm_grand_totals(data: Path, sheet: str, column: str) -> float:
    s = _sheet(data, PRM, sheet, header=None)
    row = s[s[1].astype(str).str.strip() == "Grand Totals"].iloc[0]
    header = s.iloc[7].tolist()
    return float(row[header.index(column)])


def _yearbook_countries(data: Path, name: str, sheet: str, year: int) -> float:
    s = _sheet(data, name, sheet, header=5)
    label = s.columns[0]
    start = int(s.index[s[label] == "COUNTRY"][0])
    block = s.iloc[start + 1 :]
    block = block[block[label] != "Total"]
    values = pd.to_numeric(block[year], errors="coerce")
    return float(values.sum())


def _yearbook_cell(data: Path, name: str, sheet: str, country: str, year: int) -> float:
    s = _sheet(data, name, sheet, header=5)
    return float(s.loc[s[s.columns[0]] == country, year].iloc[0])


# --- OHSS pathways ------------------------------------------------------------------------------


def _ohss_month_rows(data: Path, sheet: str) -> pd.DataFrame:
    s = _sheet(data, OHSS, sheet, header=2)
    months = s[s["Month"].astype(str).isin(
        ["October", "November", "December", "January", "February", "March", "April", "May", "June",
         "July", "August", "September"]
    )]  # fmt: skip
    return months


def _ohss_total_row(data: Path, sheet: str, fy: str, column: str) -> float:
    s = _sheet(data, OHSS, sheet, header=2)
    return float(s.loc[(s["Fiscal Year"].astype(str) == fy) & (s["Month"] == "Total"), column].iloc[0])


def _femicides_hnd_2020(data: Path) -> float:
    f = _sheet(data, FEMICIDES, "datos")
    sel = (f["País__ESTANDAR"] == "Honduras") & (f["Años__ESTANDAR"].astype(str) == "2020")
    return float(f.loc[sel, "Número de femicidios o feminicidios"].iloc[0])


# --- RSF ----------------------------------------------------------------------------------------


def _rsf(data: Path, year: int) -> pd.DataFrame:
    enc = "cp1252" if year >= 2025 else "utf-8"
    # The 2022+ files have no U+0085 in their name columns, so pandas' C parser reads them whole.
    return pd.read_csv(data / f"press_freedom/rsf/rwb{year}.csv", sep=";", encoding=enc, dtype=str)


def _rsf_rank(data: Path, year: int, iso: str) -> float:
    r = _rsf(data, year)
    return float(r.loc[r["ISO"] == iso, "Rank"].iloc[0])


def _rsf_digit_sum(data: Path, year: int) -> float:
    r = _rsf(data, year)
    col = "Score" if "Score" in r.columns else f"Score {year}"
    return float(r[col].astype(int).sum())


CONTRACTS: list[Contract] = [
    Contract(
        "niv_visas",
        checks=(
            Check(
                "H-2B issued FY2024, every nationality (the sheet's Grand Total)",
                lambda d: _niv_grand_total(d, "FY24", "H2B"),
                "SELECT sum(issued) FROM temporary_work_visas "
                "WHERE visa_class = 'H-2B' AND fiscal_year = 2024",
            ),
            Check(
                "H-2A issued FY1997-FY2024 (sum of the Grand Totals)",
                _niv_all_h2a,
                "SELECT sum(issued) FROM temporary_work_visas WHERE visa_class = 'H-2A'",
            ),
            Check(
                "Guatemala H-2B FY2024 (indicator)",
                lambda d: _niv_cell(d, "FY24", "Guatemala", "H2B"),
                "SELECT value FROM indicators WHERE indicator = 'niv.h2b_issued_fy' "
                "AND iso3 = 'GTM' AND year = 2024",
            ),
            Check(
                "Mexico H-2A FY2018 (FY18 sits after FY19)",
                lambda d: _niv_cell(d, "FY18", "Mexico", "H-2A"),
                "SELECT issued FROM temporary_work_visas WHERE visa_class = 'H-2A' AND fiscal_year = 2018 "
                "AND iso3 = 'MEX'",
            ),
        ),
        bad_inputs=(BadInput("niv", sheet="FY24", header="H2B", number_column="H2B"),),
    ),
    Contract(
        "refugee_admissions",
        checks=(
            Check(
                "PRM FY2023 admissions (Cumulative Summary)",
                lambda d: _prm_summary_total(d, 2023),
                "SELECT sum(admissions) FROM refugee_admissions_fy WHERE fiscal_year = 2023",
            ),
            Check(
                "PRM December 2024 (FY2025 sheet's Grand Totals)",
                lambda d: _prm_grand_totals(d, "2025", "DEC"),
                "SELECT sum(admissions) FROM refugee_admissions_monthly WHERE month = DATE '2024-12-01'",
            ),
            Check(
                "PRM FY2025 is partial: no month after December 2024",
                lambda d: 0.0,
                "SELECT count(*) FROM refugee_admissions_monthly WHERE month > DATE '2024-12-01'",
            ),
            Check(
                "OHSS Table 14 FY2023, every country row",
                lambda d: _yearbook_countries(d, REFUGEES, "Table 14", 2023),
                "SELECT sum(arrivals) FROM refugee_arrivals_fy WHERE fiscal_year = 2023 AND iso3 <> 'ALL'",
            ),
            Check(
                "OHSS Table 14 Guatemala FY2023 (indicator)",
                lambda d: _yearbook_cell(d, REFUGEES, "Table 14", "Guatemala", 2023),
                "SELECT value FROM indicators WHERE indicator = 'ohss.refugee_arrivals_fy' AND iso3 = 'GTM' "
                "AND year = 2023",
            ),
        ),
        bad_inputs=(BadInput("prm", sheet="2023"), BadInput("ohss_table14", sheet="Table 14")),
    ),
    Contract(
        "lpr",
        checks=(
            Check(
                "FY2019, every country row",
                lambda d: _yearbook_countries(d, LPR, "Table 3", 2019),
                "SELECT sum(persons) FROM lpr_by_birth_fy WHERE fiscal_year = 2019 AND iso3 <> 'ALL'",
            ),
            Check(
                "Honduras FY2023 (indicator)",
                lambda d: _yearbook_cell(d, LPR, "Table 3", "Honduras", 2023),
                "SELECT value FROM indicators WHERE indicator = 'ohss.lpr_by_birth_fy' AND iso3 = 'HND' "
                "AND year = 2023",
            ),
        ),
        bad_inputs=(BadInput("table3", sheet="Table 3"),),
    ),
    Contract(
        "ohss_pathways",
        checks=(
            Check(
                "CHNV paroles FY2023 (the published Total row)",
                lambda d: _ohss_total_row(d, "CHNV Paroles", "2023", "Total"),
                "SELECT paroles FROM chnv_paroles_fy WHERE fiscal_year = 2023 AND citizenship = 'ALL'",
            ),
            Check(
                "CBP One appointments, every month (Total column)",
                lambda d: float(
                    pd.to_numeric(_ohss_month_rows(d, "CBP One Appointments")["Total"], errors="coerce").sum()
                ),
                "SELECT sum(appointments) FROM cbp_one_appointments WHERE citizenship = 'ALL'",
            ),
            Check(
                "CBP One months marked X (not applicable), never 0",
                lambda d: float(
                    (_ohss_month_rows(d, "CBP One Appointments").iloc[:, 2:] == "X").to_numpy().sum()
                ),
                "SELECT count(*) FROM cbp_one_appointments WHERE appointments IS NULL AND code = 'X'",
            ),
        ),
        bad_inputs=(BadInput("aug2024", sheet="CHNV Paroles"),),
    ),
    Contract(
        "femicides",
        checks=(
            Check(
                "every count",
                lambda d: float(_sheet(d, FEMICIDES, "datos")["Número de femicidios o feminicidios"].sum()),
                "SELECT sum(femicides) FROM femicides",
            ),
            Check(
                "Honduras 2020 (indicator)",
                _femicides_hnd_2020,
                "SELECT value FROM indicators WHERE indicator = 'eclac.femicides' "
                "AND iso3 = 'HND' AND year = 2020",
            ),
        ),
        bad_inputs=(
            BadInput(
                "data",
                sheet="datos",
                header="País__ESTANDAR",
                number_column="Número de femicidios o feminicidios",
            ),
            BadInput("metadata", sheet="metadatos", header="metadata", number_column="value"),
        ),
    ),
    Contract(
        "press_freedom",
        checks=(
            Check(
                "rows, every year",
                lambda d: float(sum(len(_rsf(d, y)) for y in range(2022, 2027))),
                "SELECT count(*) FROM press_freedom WHERE year >= 2022",
            ),
            Check(
                "Honduras rank 2022 (indicator)",
                lambda d: _rsf_rank(d, 2022, "HND"),
                "SELECT value FROM indicators WHERE indicator = 'rsf.rank' AND iso3 = 'HND' AND year = 2022",
            ),
            Check(
                "stored score digits 2024, summed",
                lambda d: _rsf_digit_sum(d, 2024),
                "SELECT sum(CAST(score_stored AS BIGINT)) FROM press_freedom WHERE year = 2024",
            ),
        ),
        bad_inputs=(BadInput("y2024", header="Rank", number_column="Score", sep=";"),),
    ),
]

"""Aid to the region from partner donors: OECD DAC2A net bilateral ODA (1992-2024) and AidData
2.x commitments by donor x recipient x year (to 2012, reliable to 2009).

The two are not comparable: DAC2A is net disbursements in current US$ millions from country
donors only; AidData is commitments in constant US$ (whole dollars) and includes multilateral
donors. A DAC2A donor-recipient pair with no row in a year gave nothing (zero).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridor.sources._context_common import (
    Indicator,
    IndicatorTables,
    country_code,
    is_aggregate,
    store_yearly,
    summed_rows,
)
from corridor.sources.base import (
    FileSpec,
    Parsed,
    RawTable,
    TableSpec,
    ceiling,
    check_range,
    check_unique,
    float_column_fast,
    int_column_fast,
    map_column_fast,
    read_csv,
    text_column,
)

ID = "partner_aid"
OECD_URL = "https://data-explorer.oecd.org/vis?df[ds]=DisseminateFinalDMZ&df[id]=DSD_DAC2@DF_DAC2A&df[ag]=OECD.DCD.FSD"
OECD_LICENCE = "OECD Terms and Conditions (reuse with attribution); mirror states no licence"
AIDDATA_URL = "https://www.aiddata.org/datasets"
ODA_COLUMNS = ("donor", "recipient", "year", "a_iso3", "b_iso3", "oda_value")
AIDDATA_COLUMNS = ("date", "donor", "recipient", "sum_amount_usd_constant", "count")
AIDDATA_COMPLETE_UNTIL = 2009  # 2009 has 4,372 rows, 2010 751, 2011 165, 2012 5

# AidData donors that are not countries (country donors are given as ISO3 codes).
MULTILATERAL_DONORS = {
    "(ACBF)", "(AFDB)", "(AFDF)", "(AFESD)", "(ASDB)", "(ASDF)", "(BADEA)", "(CAF)", "(CBFF)",
    "(CDB)", "(EBRD)", "(EC)", "(GAVI)", "(GEF)", "(GFATM)", "(IADB)", "(IBRD)", "(IDA)",
    "(IFAD)", "(IFC)", "(IMF)", "(ISDB)", "(NADB)", "(NDF)", "(NTF)", "(OFID)", "(UNAIDS)",
    "(UNDEF)", "(UNDP)", "(UNECE)", "(UNESCAP)", "(UNESCWA)", "(UNFPA)", "(UNICEF)", "(WTO)",
    "(WTO) - International Trade Centre", "WFP", "WHO",
    "Multilateral Fund for the Implementation of the Montreal Protocol",
    "World Bank - Carbon Finance Unit", "World Bank - Debt Reduction Facility",
    "World Bank - Managed Trust Funds",
}  # fmt: skip
PRIVATE_DONORS = {"Bill & Melinda Gates Foundation"}
# AidData recipients that are regions or unallocated: no ISO3, flagged as aggregates.
REGIONAL_RECIPIENTS = {
    "Africa, regional", "America, regional", "Arab Countries", "Asia, regional",
    "Bilateral, unspecified", "Central Asia, regional", "Europe, regional",
    "Far East Asia, regional", "GLOBAL", "MADCT Unspecified", "Middle East, regional",
    "N. & C. America, regional", "North of Sahara, regional", "Oceania, regional",
    "South & Central Asia, regional", "South America, regional", "South Asia, regional",
    "South of Sahara, regional", "Sts Ex-Yugo. Unspec.", "West Indies, regional",
}  # fmt: skip
# 'IRA' (IBRD loans 1951-2003) is neither Iran (IRN) nor Iraq (IRQ), which appear under their
# own codes; it is kept as UNK (label preserved) rather than guessed.
AIDDATA_RECIPIENTS = {"Kosovo": "XKX", "IRA": "UNK"}

ODA = TableSpec(
    name="oda_bilateral",
    description=(
        "OECD DAC2A net ODA disbursements from bilateral (country) donors to each recipient "
        "country per calendar year, US$ millions at current prices. Negative values are net "
        "repayments. No row means no flow (zero). EU institutions and multilaterals excluded."
    ),
)
AIDDATA = TableSpec(
    name="aiddata_commitments",
    description=(
        "AidData 2.x aid commitments summed to donor x recipient x year, constant US$ (base year "
        "not stated, believed 2009), with the number of projects. Includes multilateral donors. "
        "`incomplete` marks 2010+ (few records). Commitments, not disbursements: lumpy."
    ),
)

ODA_TOTAL = Indicator(
    id="oda.net_bilateral_total",
    name="Net bilateral ODA received, all country donors",
    description="Net ODA disbursements received from all bilateral (country) donors reporting to "
    "the OECD DAC (DAC2A), current prices. Excludes EU institutions and multilateral agencies.",
    unit="US$ millions, current prices",
    url=OECD_URL,
)
ODA_EXCL_USA = Indicator(
    id="oda.net_bilateral_excl_usa",
    name="Net bilateral ODA received, country donors other than the USA",
    description="As oda.net_bilateral_total, without the United States: aid from partner "
    "donors (Japan, Spain, Germany, Canada, Korea, ...). Zero where only the USA gave.",
    unit="US$ millions, current prices",
    url=OECD_URL,
)
IND = IndicatorTables(ID, "Partner-donor ODA indicators", OECD_LICENCE, (ODA_TOTAL, ODA_EXCL_USA))


class PartnerAidSource:
    """OECD DAC2A bilateral net ODA and AidData 2.x commitments."""

    id = ID
    title = "Aid from partner donors (OECD DAC2A, AidData)"
    files: tuple[FileSpec, ...] = (
        FileSpec(
            key="dac2a",
            max_rows=ceiling(103_840),
            mirror_path="partner_aid/oecd_dac2a_bilateral_net_oda_1992-2024.csv",
            url=OECD_URL,
            publisher="OECD Development Assistance Committee (DAC2A; extract by "
            "marfakozeletsUvA/Violent-Offenders-GPV---CSSci-)",
            licence=OECD_LICENCE,
        ),
        FileSpec(
            key="aiddata",
            max_rows=ceiling(85_162),
            mirror_path="partner_aid/aiddata_v2_flows_donor_recipient_year.csv",
            url=AIDDATA_URL,
            publisher="AidData 2.x research release (summed by ilyabo/aiddata)",
            licence="Not stated for the data (AidData terms); mirror code BSD-style",
        ),
    )

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        out = Parsed(frames={})
        oda = self._dac2a(paths["dac2a"], releases["dac2a"], out)
        self._aiddata(paths["aiddata"], releases["aiddata"], out)
        release = releases["dac2a"]
        others = oda.assign(v=oda["net_oda_usd_m"].where(oda["donor_iso3"] != "USA", 0.0))
        parts = [
            summed_rows(ODA_TOTAL, oda, "recipient_iso3", "year", "net_oda_usd_m", ID, release),
            summed_rows(ODA_EXCL_USA, others, "recipient_iso3", "year", "v", ID, release),
        ]
        IND.add(out, parts)
        return out

    def _dac2a(self, path: Path, release: str, out: Parsed) -> pd.DataFrame:
        t = read_csv(path, columns=ODA_COLUMNS)
        frame = pd.DataFrame(
            {
                "year": int_column_fast(t, "year").astype("int32"),
                "donor": text_column(t, "donor"),
                "donor_iso3": map_column_fast(t, "a_iso3", country_code, "donor country code").astype("str"),
                "recipient": text_column(t, "recipient"),
                "recipient_iso3": map_column_fast(t, "b_iso3", country_code, "recipient country code").astype(
                    "str"
                ),
                "net_oda_usd_m": float_column_fast(t, "oda_value"),
            }
        )
        check_range(t, frame["year"], "year", 1960, 2100)
        _one_to_one(t, frame, "donor", "donor_iso3", "a_iso3")
        _one_to_one(t, frame, "recipient", "recipient_iso3", "b_iso3")
        check_unique(t, frame, ["donor_iso3", "recipient_iso3", "year"], "year")
        frame = frame.sort_values(["recipient_iso3", "donor_iso3", "year"], ignore_index=True)
        store_yearly(out, ODA, frame, "dac2a", len(t), release)
        return frame

    def _aiddata(self, path: Path, release: str, out: Parsed) -> None:
        # The mirror's file has no final newline; a cut last line still fails on its fields.
        t = read_csv(path, columns=AIDDATA_COLUMNS, require_final_newline=False)
        donor = text_column(t, "donor")
        map_column_fast(t, "donor", _donor, "donor")  # raises, with its row, on an unknown donor
        known = {d: _donor(d) for d in donor.unique().tolist()}
        recipient = text_column(t, "recipient")
        regional = recipient.isin(REGIONAL_RECIPIENTS)
        iso = map_column_fast(
            t,
            "recipient",
            lambda s: None if s in REGIONAL_RECIPIENTS else country_code(s, AIDDATA_RECIPIENTS),
            "recipient",
        )
        year = int_column_fast(t, "date")
        check_range(t, year, "date", 1940, 2100)
        frame = pd.DataFrame(
            {
                "year": year.astype("int32"),
                "donor": donor.astype("str"),
                "donor_kind": donor.map({d: k for d, (k, _) in known.items()}).astype("str"),
                "donor_iso3": donor.map({d: c for d, (_, c) in known.items()}).astype("str"),
                "recipient": recipient.astype("str"),
                "recipient_iso3": iso.astype("str"),
                "recipient_is_aggregate": regional | is_aggregate(iso.fillna("")),
                "commitments_usd_constant": int_column_fast(t, "sum_amount_usd_constant"),
                "projects": int_column_fast(t, "count"),
                "incomplete": year > AIDDATA_COMPLETE_UNTIL,
            }
        )
        check_unique(t, frame, ["year", "donor", "recipient"], "recipient")
        store_yearly(out, AIDDATA, frame, "aiddata", len(t), release)


def _donor(label: str) -> tuple[str, str | None]:
    """AidData donor label -> (kind, ISO3 for country donors); KeyError if unknown."""
    if label in MULTILATERAL_DONORS:
        return ("multilateral", None)
    if label in PRIVATE_DONORS:
        return ("private", None)
    return ("country", country_code(label))


def _one_to_one(t: RawTable, frame: pd.DataFrame, name: str, code: str, column: str) -> None:
    """A name must always carry the same code and a code the same name."""
    pairs = frame[[name, code]].drop_duplicates()
    for a, b in ((name, code), (code, name)):
        clash = pairs[pairs[a].duplicated(keep=False)]
        if len(clash):
            value = clash[a].iloc[0]
            i = int(((frame[a] == value) & (frame[b] == clash[b].iloc[1])).to_numpy().nonzero()[0][0])
            raise t.error(f"{a} {value!r} appears with two {b} values", index=i, column=column)

"""Partners' relief: bilateral aid to Guatemala, Honduras and El Salvador from the partners the
Root Causes strategy names (Japan, Korea; Mexico does not report to the OECD DAC) and the other
country donors, beside US aid, from the OECD DAC2A net ODA table (`oda_bilateral`).

Each donor's change since the strategy year (2021 -> the latest year) is judged by the tracker's
own rule (`scoring.score_series`) against that donor's year-to-year variation before 2021: a
"clear rise" or "clear fall" only when the change exceeds 1.96 times that variation (scaled by
the square root of the years elapsed). Net ODA is in US$ millions at current prices (not
deflated); negative values are net repayments. A donor-recipient pair with no row in a year
gave nothing (zero), but only from the donor's first year of reporting to the DAC (any
recipient): before that the donor's aid is unknown, not zero.

Not covered, and said so on every output: multilateral donors (EU institutions, IDB, World Bank,
UN agencies), which the DAC2A extract leaves out, and private pledges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor.errors import UsageError
from corridor.reference.countries import NORTHERN_TRIANGLE, country_name
from corridor.strategy.scoring import score_series

# The partners the strategy names, in its order, then the other donors the issue lists.
NAMED_PARTNERS: tuple[str, ...] = ("MEX", "JPN", "KOR", "ESP", "CAN", "DEU")
US = "USA"
OTHERS = "OTHER_BILATERAL"
NOISE_FROM = 2010  # pre-2021 variation is measured on 2010-2021 (11 yearly changes)
NOT_COVERED = (
    "Multilateral donors and UN agencies (EU institutions, IDB, World Bank, UN agencies) are not in "
    "the OECD DAC2A extract loaded here, so their relief is not shown; neither are private-sector pledges."
)
STATUS_WORDS = {"improving": "clear rise", "worsening": "clear fall", "no clear change": "no clear change"}


@dataclass
class PartnersResult:
    """Bilateral net ODA to the scope countries by donor and year, and each donor's change since a year."""

    frame: pd.DataFrame  # donor, donor_name, role, year, net_oda_usd_m (sum over recipients)
    by_recipient: pd.DataFrame  # donor, donor_name, role, recipient, year, net_oda_usd_m
    changes: pd.DataFrame  # one row per donor (group): baseline, latest, change, threshold, status
    recipients: tuple[str, ...]
    since: int
    until: int
    baseline: int
    release_ids: list[str] = field(default_factory=list)
    absent_partners: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        return self.frame

    def metadata(self) -> dict[str, Any]:
        return {
            "source": "OECD DAC2A net ODA disbursements from bilateral (country) donors "
            "(dataset partner_aid, table oda_bilateral)",
            "unit": "US$ millions, current prices (net: repayments subtract)",
            "recipients": list(self.recipients),
            "period": f"{self.since}-{self.until}",
            "baseline": self.baseline,
            "method": (
                f"change {self.baseline} -> latest against the donor's own year-to-year variation "
                f"{NOISE_FROM}-{self.baseline} (1.96 x sd x sqrt(years)), the strategy tracker's rule"
            ),
            "not_covered": NOT_COVERED,
            "releases": self.release_ids,
            "changes": self.changes.to_dict(orient="records"),
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        out = [NOT_COVERED]
        for code in self.absent_partners:
            out.append(
                f"{country_name(code)} does not report its aid to the OECD DAC: it is a partner the "
                "strategy names, but its relief cannot be shown from this file."
            )
        out.append("Values are current US dollars, not adjusted for inflation.")
        return out

    def recipient_names(self) -> str:
        """The recipients as a reader names them ("Guatemala, Honduras and El Salvador")."""
        names = [country_name(code) for code in self.recipients]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def caption(self) -> str:
        who = self.recipient_names()
        return (
            f"Net bilateral ODA disbursed to {who} (summed), US$ millions at current prices, "
            f"{self.since}-{self.until}. Source: OECD DAC2A (bilateral country donors). {NOT_COVERED}"
        )

    def summary(self) -> str:
        lines = [self.caption()]
        for r in self.changes.itertuples():
            lines.append(f"{r.donor_name}: {r.status} ({r.baseline:,.1f} -> {r.latest:,.1f})")
        return "\n".join(lines)

    def table(self) -> pd.DataFrame:
        """The reader's table: donor, status, baseline -> latest, change, pre-2021 variation."""
        c = self.changes
        return pd.DataFrame(
            {
                "donor": c["donor_name"],
                "status": c["status"],
                f"{self.baseline} (US$ m)": c["baseline"],
                f"{self.until} (US$ m)": c["latest"],
                "change": c["change"],
                "clear beyond ±": c["threshold"],
                f"mean {self.since}-{self.baseline - 1}": c["pre_mean"],
            }
        )

    def chart(self) -> dict[str, Any]:
        from corridor.charts import series_chart

        frame = self.frame.rename(columns={"donor_name": "donor", "donor": "code"})[
            ["year", "donor", "net_oda_usd_m"]
        ]
        spec = series_chart(
            frame,
            y="net_oda_usd_m",
            color="donor",
            title=f"Bilateral aid to {self.recipient_names()}: the strategy's partners beside the US",
            caption=self.caption(),
            y_title="Net ODA, US$ millions (current)",
        )
        return spec

    def to_dict(self) -> dict[str, Any]:
        from corridor.jsonio import records

        return {
            "metadata": self.metadata(),
            "caption": self.caption(),
            "data": records(self.frame),
            "by_recipient": records(self.by_recipient),
            "changes": records(self.changes),
        }


def partners_relief(
    con: Any,
    *,
    recipients: tuple[str, ...] = NORTHERN_TRIANGLE,
    since: int = 2015,
    until: int | None = None,
    baseline: int = 2021,
) -> PartnersResult:
    """Net bilateral ODA to `recipients` by donor (named partners, the US, the other donors combined)."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'oda_bilateral'"
    ).fetchone()
    if not has or not has[0]:
        raise UsageError("partner aid is not loaded; run `corridor sync` with the partner_aid dataset")
    codes = [c.strip().upper() for c in recipients]
    raw = con.execute(
        "SELECT donor_iso3, recipient_iso3, year, net_oda_usd_m, release_id FROM oda_bilateral "
        "WHERE recipient_iso3 IN (SELECT unnest(?::VARCHAR[]))",
        [codes],
    ).df()
    if raw.empty:
        raise UsageError(f"no bilateral aid to {', '.join(codes)} in the OECD DAC2A table")
    first = con.execute("SELECT donor_iso3, min(year) AS first FROM oda_bilateral GROUP BY 1").df()
    first_year = dict(zip(first["donor_iso3"], first["first"].astype(int), strict=True))
    last = int(raw["year"].max()) if until is None else int(until)
    if not since < baseline < last:
        raise UsageError(f"need since < baseline < until; got {since}, {baseline}, {last}")
    present = set(raw["donor_iso3"])
    groups = {d: (d if d in NAMED_PARTNERS or d == US else OTHERS) for d in present}
    raw["group"] = raw["donor_iso3"].map(groups)
    # Every donor x recipient x year from the donor's first reporting year: no row = zero.
    years = range(min(NOISE_FROM, since), last + 1)
    grid = pd.MultiIndex.from_product(
        [sorted(present), codes, years], names=["donor_iso3", "recipient_iso3", "year"]
    )
    full = (
        raw.groupby(["donor_iso3", "recipient_iso3", "year"])["net_oda_usd_m"]
        .sum()
        .reindex(grid)
        .reset_index()
    )
    reported = full["year"] >= full["donor_iso3"].map(first_year)
    full.loc[reported, "net_oda_usd_m"] = full.loc[reported, "net_oda_usd_m"].fillna(0.0)
    full["group"] = full["donor_iso3"].map(groups)
    per_recipient = full.groupby(["group", "recipient_iso3", "year"], as_index=False)["net_oda_usd_m"].sum(
        min_count=1
    )
    yearly = full.groupby(["group", "year"], as_index=False)["net_oda_usd_m"].sum(min_count=1)
    order = [*(d for d in NAMED_PARTNERS if d in present), OTHERS, US]
    n_others = sum(1 for g in groups.values() if g == OTHERS)
    names = {d: country_name(d) for d in present} | {OTHERS: f"Other bilateral donors ({n_others})"}
    roles = {d: "partner named by the strategy" for d in NAMED_PARTNERS} | {
        US: "United States",
        OTHERS: "other bilateral donors",
    }
    rows = []
    for g in order:
        s = yearly[yearly["group"] == g].set_index("year")["net_oda_usd_m"].dropna()
        s = s[s.index <= last]
        sc = score_series(s, direction="higher", baseline=baseline, scale="level", window=0)
        pre = s[(s.index >= since) & (s.index < baseline)]
        rows.append(
            {
                "donor": g,
                "donor_name": names[g],
                "role": roles[g],
                "baseline_year": sc.baseline_year,
                "baseline": sc.baseline,
                "latest_year": sc.latest_year,
                "latest": sc.latest,
                "change": sc.change,
                "threshold": sc.threshold,
                "status": STATUS_WORDS.get(sc.status, sc.status),
                "method": sc.method,
                "pre_mean": float(pre.mean()) if len(pre) else None,
            }
        )
    shown = yearly[(yearly["year"] >= since) & (yearly["year"] <= last) & yearly["group"].isin(order)]
    frame = pd.DataFrame(
        {
            "donor": shown["group"],
            "donor_name": shown["group"].map(names),
            "role": shown["group"].map(roles),
            "year": shown["year"].astype(int),
            "net_oda_usd_m": shown["net_oda_usd_m"].round(3),
        }
    )
    frame["_order"] = frame["donor"].map({g: i for i, g in enumerate(order)})
    frame = frame.sort_values(["_order", "year"]).drop(columns="_order").reset_index(drop=True)
    rec = per_recipient[(per_recipient["year"] >= since) & (per_recipient["year"] <= last)]
    by_recipient = pd.DataFrame(
        {
            "donor": rec["group"],
            "donor_name": rec["group"].map(names),
            "recipient": rec["recipient_iso3"],
            "year": rec["year"].astype(int),
            "net_oda_usd_m": rec["net_oda_usd_m"].round(3),
        }
    ).reset_index(drop=True)
    return PartnersResult(
        frame=frame,
        by_recipient=by_recipient,
        changes=pd.DataFrame(rows),
        recipients=tuple(codes),
        since=since,
        until=last,
        baseline=baseline,
        release_ids=sorted(set(raw["release_id"])),
        absent_partners=[d for d in NAMED_PARTNERS if d not in present],
    )

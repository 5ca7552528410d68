"""API mixin: strategy results frameworks, scored from the warehouse, and partners' relief."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from corridor.strategy import TrackResult, load_framework, shipped_frameworks
from corridor.strategy import track as run_track
from corridor.strategy.partners import PartnersResult, partners_relief

# The shipped frameworks. The web form shows them as a select; the Python API (and the CLI) also
# take the path of a framework YAML file of one's own.
FrameworkId = Literal["root-causes-2021", "collaborative-migration-2021"]


class TrackMixin:
    """Score a shipped framework (by id) or a user's framework file; partner donors' aid."""

    def track(self, framework: FrameworkId = "root-causes-2021") -> TrackResult:
        """Baseline, latest, change and status of every indicator, rolled up to pillars.

        `framework` is a shipped id or (from Python and the CLI) the path of a framework YAML file.
        """
        return run_track(self, load_framework(framework))

    def track_file(self, *, path: str | Path) -> TrackResult:
        """Score a framework YAML file of one's own (see the shipped ones for the format)."""
        return run_track(self, load_framework(Path(path)))

    def frameworks(self) -> list[str]:
        """Ids of the frameworks shipped with Corridor."""
        return list(shipped_frameworks())

    def partners_relief(
        self,
        *,
        recipients: str = "GTM,HND,SLV",
        since: int = 2015,
        until: int | None = None,
        baseline: int = 2021,
    ) -> PartnersResult:
        """Bilateral aid to the recipients from Japan, Korea, Spain, Canada, Germany (Mexico does
        not report), the other country donors and the US, with each donor's change since `baseline`
        judged against its own earlier variation. Multilateral donors are not in the data."""
        from corridor.errors import UsageError
        from corridor.indicators import expand_countries

        codes = tuple(expand_countries([c for c in recipients.split(",") if c.strip()]))
        if not codes:
            raise UsageError("recipients: give at least one ISO3 code (e.g. GTM,HND,SLV)")
        return partners_relief(
            self.con,  # type: ignore[attr-defined]
            recipients=codes,
            since=since,
            until=until,
            baseline=baseline,
        )

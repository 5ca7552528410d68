"""Data sources and provenance: every release loaded, with checksum and licence."""

from __future__ import annotations

from typing import Any

from corridor.report.base import Section


def build(obs: Any) -> Section:
    sec = Section("sources", "Data sources and provenance")
    rel = obs.releases()
    frame = rel[
        ["dataset", "file_name", "publisher", "period_start", "period_end", "rows", "sha256", "licence"]
    ].copy()
    frame["sha256"] = frame["sha256"].str[:16]
    sec.text(
        "Every number in this report comes from these files, as loaded into the warehouse. Each row is one "
        "release: its SHA-256 (first 16 hex digits), the period it covers and its licence as stated by the "
        "publisher or mirror. Official URLs are in the warehouse's `releases` table "
        "(`corridor status --format json`)."
    )
    sec.table(
        frame,
        caption=f"{len(frame)} releases in the warehouse; each row names its publisher, period and licence.",
        title="Releases",
    )
    return sec

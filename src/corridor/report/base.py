"""What report sections share: the Section record and helpers to add charts and tables."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor import charts, fmt, jsonio
from corridor.reference import labels


@dataclass
class Section:
    """One report section: a title, its blocks in order, and its status."""

    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    available: bool = True
    note: str = ""

    def text(self, content: str) -> None:
        self.blocks.append({"kind": "text", "html": html.escape(labels.humanize(content))})

    def chart(self, spec: dict[str, Any], *, alt: str) -> None:
        """A chart as people read it (`charts.for_people`): labels for ids, numbered event markers
        listed under it, partial periods drawn apart, and a description of what it shows."""
        n = sum(1 for b in self.blocks if b["kind"] == "chart")
        shown = jsonio.plain(charts.for_people(spec))
        self.blocks.append(
            {
                "kind": "chart",
                "id": f"chart-{self.id}-{n}",
                "spec": json.dumps(shown, sort_keys=True, default=str),
                "alt": alt,
                "description": str(shown.get("description") or alt),
                "events": (shown.get("usermeta") or {}).get("events", []),
            }
        )

    def table(self, frame: pd.DataFrame, *, caption: str, title: str = "") -> None:
        """A table with labelled headers, vocabulary ids as labels and one precision a column;
        wide tables fold into one block per row on narrow screens (see the template)."""
        formatters = fmt.formatters(frame)
        columns = [str(c) for c in frame.columns]
        rows = [
            [
                labels.display(formatters[c](v), c) if isinstance(v, str) else formatters[c](v)
                for v, c in zip(r, columns, strict=True)
            ]
            for r in frame.itertuples(index=False)
        ]
        numeric = [fmt.column_kind(c, frame[c]) not in ("other", "year") for c in columns]
        self.blocks.append(
            {
                "kind": "table",
                "title": title,
                "columns": columns,
                "headers": [labels.column(c) for c in columns],
                "numeric": numeric,
                "rows": rows,
                "caption": labels.humanize(caption),
                "wide": len(columns) > 5,
                "very_wide": len(columns) > 9,
            }
        )

    def unavailable(self, reason: str) -> None:
        self.available = False
        self.note = reason

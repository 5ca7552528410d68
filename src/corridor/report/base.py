"""What report sections share: the Section record and helpers to add charts and tables."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor import fmt


@dataclass
class Section:
    """One report section: a title, its blocks in order, and its status."""

    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    available: bool = True
    note: str = ""

    def text(self, content: str) -> None:
        self.blocks.append({"kind": "text", "html": html.escape(content)})

    def chart(self, spec: dict[str, Any], *, alt: str) -> None:
        n = sum(1 for b in self.blocks if b["kind"] == "chart")
        self.blocks.append(
            {
                "kind": "chart",
                "id": f"chart-{self.id}-{n}",
                "spec": json.dumps(spec, sort_keys=True, default=str),
                "alt": alt,
            }
        )

    def table(self, frame: pd.DataFrame, *, caption: str, title: str = "") -> None:
        formatters = fmt.formatters(frame)
        rows = [
            [formatters[str(c)](v) for v, c in zip(r, frame.columns, strict=True)]
            for r in frame.itertuples(index=False)
        ]
        numeric = [fmt.column_kind(str(c), frame[c]) not in ("other", "year") for c in frame.columns]
        self.blocks.append(
            {
                "kind": "table",
                "title": title,
                "columns": [str(c) for c in frame.columns],
                "numeric": numeric,
                "rows": rows,
                "caption": caption,
            }
        )

    def unavailable(self, reason: str) -> None:
        self.available = False
        self.note = reason

"""Correctness check for parser refactors: sync from the mirror into a fresh warehouse and hash
every table (its columns, their types and its rows ordered by all columns), so that a change
that must not alter what is loaded can be shown to load the same bytes.

`datasets.synced_at` and `releases.loaded_at` are left out: they differ on every sync. Also
hashed: every source's id, title and FileSpecs (the plausibility bounds are not in the warehouse).

    python bench/table_hashes.py after.json [--against before.json] [--mirror ../shared/data]

Take `before.json` on the commit before the change (for instance from a `git worktree` of it),
then `--against` it after; the script exits 1 when any table differs and names it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

SYNC_STAMPS = ("synced_at", "loaded_at")


def table_hashes(db: Path) -> dict[str, dict[str, object]]:
    """Rows and a SHA-256 of each table of the warehouse at `db`."""
    con = duckdb.connect(str(db), read_only=True)
    out: dict[str, dict[str, object]] = {}
    for (name,) in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
        described = [r for r in con.sql(f'DESCRIBE "{name}"').fetchall() if r[0] not in SYNC_STAMPS]
        order = ", ".join(f'"{r[0]}"' for r in described)
        digest = hashlib.sha256(repr([(r[0], r[1]) for r in described]).encode())
        rows = con.sql(f'SELECT {order} FROM "{name}" ORDER BY {order}').fetchall()
        for row in rows:
            digest.update(repr(row).encode())
        out[name] = {"rows": len(rows), "sha256": digest.hexdigest()}
    con.close()
    return out


def spec_hash() -> str:
    """A SHA-256 of every registered source's id, title and files."""
    from corridor.sources import SOURCES

    described = [(key, s.id, s.title, s.files) for key, s in sorted(SOURCES.items())]
    return hashlib.sha256(repr(described).encode()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the hashes (JSON)")
    parser.add_argument("--against", type=Path, help="hashes taken before the change")
    parser.add_argument("--mirror", default="../shared/data")
    args = parser.parse_args()
    corridor_bin = Path(sys.executable).with_name("corridor")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        env = {**os.environ, "CORRIDOR_DB": str(db), "CORRIDOR_CACHE": str(Path(tmp) / "cache")}
        subprocess.run([str(corridor_bin), "sync", "--mirror", args.mirror], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        result = {"sources": spec_hash(), "tables": table_hashes(db)}
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(f"{len(result['tables'])} tables hashed -> {args.out}")
    if args.against is None:
        return 0
    before = json.loads(args.against.read_text())
    tables = sorted(set(before["tables"]) | set(result["tables"]))
    differ = [t for t in tables if before["tables"].get(t) != result["tables"].get(t)]
    if before["sources"] != result["sources"]:
        differ.append("(source ids, titles or FileSpecs)")
    if differ:
        print(f"DIFFER from {args.against}: {', '.join(differ)}")
        return 1
    print(f"identical to {args.against}: {len(tables)} tables and every source's files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

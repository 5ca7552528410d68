"""Fingerprint every source's parse, to show a speed change leaves the parsed frames identical.

Each source is parsed as a sync parses it (`ingest._parse_one`, file rules active) and, per
table, three things are recorded: the frame pickled (for an exact `assert_frame_equal` later),
a digest of its Arrow IPC bytes (column names, types and values as the warehouse receives them,
so 1, 1.0 and "1" differ), and the element types of each object column; plus the cubes,
coverage, per-file rows and periods, tables and assumed mappings.

    python bench/parse_fingerprint.py dump DIR [--mirror ../shared/data] [--only a,b]
    python bench/parse_fingerprint.py compare DIR_BEFORE DIR_AFTER
    python bench/parse_fingerprint.py warehouses A.duckdb B.duckdb

`warehouses` compares two synced warehouses table by table (every row and column, in stored
order, the load timestamps and the new `dataset_parsers` table aside).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa


def _arrow_digest(frame: pd.DataFrame) -> str:
    # Through a pickle round trip first: an Arrow-backed column sliced from a larger read keeps
    # its parent's buffers in memory, which the IPC bytes would show though the values are equal.
    frame = pickle.loads(pickle.dumps(frame, protocol=5))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _object_types(frame: pd.DataFrame) -> dict[str, str]:
    out = {}
    for col in frame.columns:
        if frame[col].dtype == object:
            kinds = [type(v).__name__ for v in frame[col].tolist()]
            out[str(col)] = hashlib.sha256("\n".join(kinds).encode()).hexdigest()[:16]
    return out


def dump(out: Path, mirror: Path, only: list[str] | None) -> None:
    from corridor import fetch, ingest
    from corridor.sources import SOURCES

    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, dict] = {}
    for sid, src in SOURCES.items():
        if only and sid not in only:
            continue
        files = {s.key: fetch.from_mirror(s, mirror) for s in src.files}
        releases = {k: ingest.release_id(sid, k, f.sha256) for k, f in files.items()}
        t0 = time.process_time()
        parsed = ingest._parse_one((src, {k: f.path for k, f in files.items()}, releases))
        cpu = time.process_time() - t0
        tables = {}
        for name, frame in parsed.frames.items():
            (out / f"{name}.pkl").write_bytes(pickle.dumps(frame, protocol=5))
            tables[name] = {
                "rows": len(frame),
                "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
                "arrow_sha256": _arrow_digest(frame),
                "object_types": _object_types(frame),
            }
        meta = {
            "cubes": repr(parsed.cubes),
            "coverage": repr(parsed.coverage),
            "rows": parsed.rows,
            "periods": {k: list(map(str, v)) for k, v in parsed.periods.items()},
            "tables": repr(parsed.tables),
            "assumed": repr(parsed.assumed),
        }
        summary[sid] = {"tables": tables, "meta": meta, "cpu_s": round(cpu, 3)}
        print(f"{sid:<22} {cpu:6.2f} CPU-s  {len(tables)} table(s)", file=sys.stderr)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))


def compare(before: Path, after: Path) -> int:
    a = json.loads((before / "summary.json").read_text())
    b = json.loads((after / "summary.json").read_text())
    problems = []
    if set(a) != set(b):
        problems.append(f"sources differ: {sorted(set(a) ^ set(b))}")
    ntables = 0
    for sid in sorted(set(a) & set(b)):
        if a[sid]["meta"] != b[sid]["meta"]:
            problems.append(f"{sid}: cubes/coverage/rows/periods/tables/assumed differ")
        ta, tb = a[sid]["tables"], b[sid]["tables"]
        if set(ta) != set(tb):
            problems.append(f"{sid}: tables differ {sorted(set(ta) ^ set(tb))}")
        for name in sorted(set(ta) & set(tb)):
            ntables += 1
            fa = pickle.loads((before / f"{name}.pkl").read_bytes())
            fb = pickle.loads((after / f"{name}.pkl").read_bytes())
            try:
                pd.testing.assert_frame_equal(fa, fb, check_exact=True)
            except AssertionError as exc:
                problems.append(f"{sid}/{name}: frames differ: {str(exc).splitlines()[0]}")
            for key in ("dtypes", "arrow_sha256", "object_types", "rows"):
                if ta[name][key] != tb[name][key]:
                    problems.append(f"{sid}/{name}: {key} differs")
    cpu_a = sum(v["cpu_s"] for v in a.values())
    cpu_b = sum(v["cpu_s"] for v in b.values())
    both = len(set(a) & set(b))
    print(f"{both} sources, {ntables} tables compared; parse CPU-s {cpu_a:.2f} -> {cpu_b:.2f}")
    for sid in sorted(set(a) & set(b)):
        print(f"  {sid:<22} {a[sid]['cpu_s']:6.2f} -> {b[sid]['cpu_s']:6.2f}")
    for p in problems:
        print("DIFFERS:", p)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


_TIMES = {"loaded_at", "synced_at"}


def warehouses(a: Path, b: Path) -> int:
    import duckdb

    def tables(path: Path) -> dict[str, pa.Table]:
        con = duckdb.connect(str(path), read_only=True)
        out = {}
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for name in names:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall() if r[0] not in _TIMES]
            sql = ", ".join(f'"{c}"' for c in cols)
            out[name] = con.sql(f'SELECT {sql} FROM "{name}"').to_arrow_table()
        con.close()
        return out

    ta, tb = tables(a), tables(b)
    problems = [f"table only in one: {n}" for n in sorted(set(ta) ^ set(tb)) if n != "dataset_parsers"]
    for name in sorted(set(ta) & set(tb)):
        if not ta[name].equals(tb[name]):
            problems.append(f"{name}: rows or types differ")
    both = len(set(ta) & set(tb))
    print(f"{both} tables compared")
    for p in problems:
        print("DIFFERS:", p)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--mirror", type=Path, default=None, help="default: ../shared/data from the checkout")
    d.add_argument("--only", default="")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    w = sub.add_parser("warehouses")
    w.add_argument("a", type=Path)
    w.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        mirror = args.mirror or Path(__file__).resolve().parents[2] / "shared" / "data"
        dump(args.out, mirror, [s for s in args.only.split(",") if s] or None)
    elif args.cmd == "warehouses":
        sys.exit(warehouses(args.a, args.b))
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()

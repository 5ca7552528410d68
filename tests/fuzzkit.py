"""Fuzzing kit: damaged copies of a source's real files, parsed in a watchdog worker process.

Used by `tests/test_fuzz_sources.py` (a bounded, seeded run in CI) and `bench/fuzz_sources.py`
(long runs). A `Mutation` is a file key plus steps `(kind, seed)`, so any finding replays
exactly: `apply_mutation(mutation, real_file, copy)`. The mutated copy keeps the real file's
name (sources may read editions from names, and errors must name it); the source's other files
are the real ones, read in place.

A parse runs in a `Runner`, a worker process with a memory cap: a parse that outlives
the timeout kills the worker (a hang), and a worker that dies (a native crash) is reported too.
`judge` classifies what the parse did (see `Outcome`).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import multiprocessing as mp
import os
import random
import re
import signal
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor.errors import CorridorError, InputError, UsageError
from corridor.sources.base import Parsed, file_rules

# ---------------------------------------------------------------------------------------------
# Mutations

TEXT_KINDS = (
    "bytes",
    "truncate",
    "drop_rows",
    "dup_rows",
    "shuffle_rows",
    "header",
    "cell",
    "cell",
    "encoding",
    "newlines",
    "blank_lines",
    "fields",
)
XLSX_KINDS = (
    "bytes",
    "truncate",
    "xl_cell",
    "xl_cell",
    "xl_header",
    "xl_delete_sheet",
    "xl_rename_sheet",
    "xl_rows",
    "xl_strings",
    "xl_part",
)
OPENPYXL_KINDS = ("ox_cells", "ox_sheet")
PARQUET_KINDS = (
    "bytes",
    "truncate",
    "pq_schema",
    "pq_cast",
    "pq_cast",
    "pq_nulls",
    "pq_values",
    "pq_values",
    "pq_rows",
)
# openpyxl round trips cost seconds for the big workbooks (WGI: ~14 s); CI uses it only below this.
OPENPYXL_MAX_BYTES = 100_000

ODD_TEXT = (
    "",
    " ",
    "n/a",
    "NA",
    "X",
    "..",
    "-",
    "-1",
    "-10",
    "0",
    "0.5",
    "1.5e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999999",
    str(2**63),
    str(-(2**63) - 1),
    "1,234",
    "1.234,5",
    "(12)",
    "12%",
    "0x1F",
    "TRUE",
    "2024-13-45",
    "2024-02-30",
    "1900-01-01",
    "9999-12-31",
    "Total",
    "2024 YTD",
    "October",
    "USA",
    "ZZZ",
    "ñandú",
    "€",
    "\u202e",
    "\U0001d518",
    "\x00",
    '"',
    "'",
    "=1+1",
    "x" * 3000,
)
ODD_NUMBERS = (-1.0, -10.0, 0.5, 1e308, -1e308, 9.99e15, 2.0**62, 1e-9, 15.0, 0.0)


@dataclass(frozen=True)
class Mutation:
    """Damage to one file of a source: steps (kind, seed) applied in order to a copy."""

    file_key: str
    steps: tuple[tuple[str, int], ...]

    def describe(self) -> str:
        return f"{self.file_key}: " + " + ".join(f"{k}#{s}" for k, s in self.steps)


def file_format(path: Path) -> str:
    """'xlsx', 'parquet' or 'text' (CSV and other delimited files) from the file name."""
    name = path.name.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".parquet"):
        return "parquet"
    return "text"


def kinds_for(path: Path, openpyxl_max_bytes: int = OPENPYXL_MAX_BYTES) -> tuple[str, ...]:
    """The mutation kinds that apply to a file (openpyxl round trips only up to a size)."""
    fmt = file_format(path)
    if fmt == "xlsx":
        size = path.stat().st_size
        if size > openpyxl_max_bytes:
            return XLSX_KINDS
        return XLSX_KINDS + OPENPYXL_KINDS * (2 if size <= OPENPYXL_MAX_BYTES else 1)
    return PARQUET_KINDS if fmt == "parquet" else TEXT_KINDS


def random_mutation(
    rng: random.Random, files: dict[str, Path], openpyxl_max_bytes: int = OPENPYXL_MAX_BYTES
) -> Mutation:
    """One to three damage steps to one randomly chosen file of a source."""
    key = rng.choice(sorted(files))
    kinds = kinds_for(files[key], openpyxl_max_bytes)
    n = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
    return Mutation(key, tuple((rng.choice(kinds), rng.getrandbits(32)) for _ in range(n)))


def apply_mutation(mutation: Mutation, source: Path, dest: Path) -> None:
    """Write `source` damaged by `mutation` to `dest` (deterministic for the same inputs)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(source.read_bytes())
    for kind, seed in mutation.steps:
        MUTATORS[kind](dest, random.Random(seed))


# --- any file: bytes ------------------------------------------------------------------------


def _bytes(path: Path, rng: random.Random) -> None:
    """Flip, insert or delete a few bytes (biased toward delimiters and control bytes)."""
    data = bytearray(path.read_bytes())
    interesting = b",;|\t\n\r\"'\x00\xff\xef0-9.PK"
    for _ in range(rng.randint(1, 8)):
        if not data:
            data += bytes([rng.randrange(256)])
            continue
        pos = rng.randrange(len(data))
        op = rng.choice(("flip", "flip", "insert", "delete", "set"))
        if op == "flip":
            data[pos] ^= 1 << rng.randrange(8)
        elif op == "insert":
            chunk = bytes(rng.choice(interesting) for _ in range(rng.randint(1, 4)))
            data[pos:pos] = chunk
        elif op == "delete":
            del data[pos : pos + rng.randint(1, 16)]
        else:
            data[pos] = rng.choice(interesting) if rng.random() < 0.7 else rng.randrange(256)
    path.write_bytes(bytes(data))


def _truncate(path: Path, rng: random.Random) -> None:
    """Cut the file at a random point (sometimes to nothing, or just before the end)."""
    data = path.read_bytes()
    r = rng.random()
    if r < 0.1:
        cut = 0
    elif r < 0.3:
        cut = max(0, len(data) - rng.randint(1, 200))
    else:
        cut = rng.randrange(len(data) + 1)
    path.write_bytes(data[:cut])


# --- delimited text -------------------------------------------------------------------------


def _read_text(path: Path) -> tuple[list[str], bool]:
    """Lines with their endings, and whether the file started with a UTF-8 BOM."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text, bom = data.decode("latin-1"), False
    return text.splitlines(keepends=True), bom


def _write_text(path: Path, lines: list[str], bom: bool) -> None:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(lines).encode("utf-8", "surrogatepass"))


def _sep(line: str) -> str:
    counts = {s: line.count(s) for s in ",;|\t"}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _split(line: str) -> tuple[list[str], str, str]:
    """A line's cells (csv rules), its delimiter and its line ending."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    sep = _sep(body)
    cells = next(csv.reader([body], delimiter=sep), [])
    return cells, sep, ending


def _join(cells: list[str], sep: str, ending: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="").writerow(cells)
    return buf.getvalue() + ending


def _odd_text(rng: random.Random, pool: list[str] | None = None) -> str:
    if pool and rng.random() < 0.3:
        return rng.choice(pool)
    return rng.choice(ODD_TEXT)


def _drop_rows(path: Path, rng: random.Random) -> None:
    lines, bom = _read_text(path)
    if len(lines) > 1:
        for _ in range(rng.randint(1, min(20, len(lines) - 1))):
            start = rng.randrange(len(lines))
            del lines[start : start + rng.choice((1, 1, 1, 5, 50))]
            if len(lines) <= 1:
                break
    _write_text(path, lines, bom)


def _dup_rows(path: Path, rng: random.Random) -> None:
    lines, bom = _read_text(path)
    for _ in range(rng.randint(1, 5)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        line = lines[i] if lines[i].endswith(("\n", "\r")) else lines[i] + "\n"
        lines.insert(rng.randrange(len(lines) + 1), line)
    _write_text(path, lines, bom)


def _shuffle_rows(path: Path, rng: random.Random) -> None:
    lines, bom = _read_text(path)
    if len(lines) > 2:
        last = lines[-1]
        if not last.endswith(("\n", "\r")):
            lines[-1] = last + "\n"
        start = rng.randrange(len(lines) - 1)
        end = min(len(lines), start + rng.choice((2, 3, 10, 100, len(lines))))
        window = lines[start:end]
        rng.shuffle(window)
        lines[start:end] = window
    _write_text(path, lines, bom)


def _header(path: Path, rng: random.Random) -> None:
    """Change a header cell (rename, blank, case, swap, drop, add) in one of the first lines."""
    lines, bom = _read_text(path)
    if not lines:
        return
    i = rng.randrange(min(6, len(lines)))
    cells, sep, ending = _split(lines[i])
    if not cells:
        cells = [""]
    j = rng.randrange(len(cells))
    op = rng.choice(("rename", "blank", "upper", "swap", "drop", "add", "space"))
    if op == "rename":
        cells[j] = f"{cells[j]} (changed)"
    elif op == "blank":
        cells[j] = ""
    elif op == "upper":
        cells[j] = cells[j].upper() if cells[j].upper() != cells[j] else cells[j].lower()
    elif op == "swap" and len(cells) > 1:
        k = rng.randrange(len(cells))
        cells[j], cells[k] = cells[k], cells[j]
    elif op == "drop":
        del cells[j]
    elif op == "add":
        cells.insert(j, _odd_text(rng))
    else:
        cells[j] = f" {cells[j]}\u00a0"
    lines[i] = _join(cells, sep, ending)
    _write_text(path, lines, bom)


def _cell(path: Path, rng: random.Random) -> None:
    """Replace one to four cells with odd values (text, empty, huge, negative, another cell)."""
    lines, bom = _read_text(path)
    if not lines:
        return
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        cells, sep, ending = _split(lines[i])
        if not cells:
            continue
        other, _, _ = _split(lines[rng.randrange(len(lines))])
        j = rng.randrange(len(cells))
        cells[j] = _odd_text(rng, other)
        lines[i] = _join(cells, sep, ending)
    _write_text(path, lines, bom)


def _encoding(path: Path, rng: random.Random) -> None:
    """Re-encode the text (latin-1, cp1252, UTF-16 with or without BOM, UTF-32, BOM toggled)."""
    lines, bom = _read_text(path)
    text = "".join(lines)
    choice = rng.choice(("latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32", "toggle-bom", "mac-roman"))
    if choice == "toggle-bom":
        _write_text(path, lines, not bom)
        return
    path.write_bytes(text.encode(choice, errors="replace"))


def _newlines(path: Path, rng: random.Random) -> None:
    """CRLF or CR-only line ends, a missing final newline, or a lone CR inside a line."""
    lines, bom = _read_text(path)
    text = "".join(lines)
    op = rng.choice(("crlf", "cr", "strip_final", "lone_cr", "extra_final"))
    if op == "crlf":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    elif op == "cr":
        text = text.replace("\r\n", "\n").replace("\n", "\r")
    elif op == "strip_final":
        text = text.rstrip("\r\n")
    elif op == "lone_cr" and text:
        pos = rng.randrange(len(text))
        text = text[:pos] + "\r" + text[pos:]
    else:
        text += "\n\n"
    _write_text(path, text.splitlines(keepends=True), bom)


def _blank_lines(path: Path, rng: random.Random) -> None:
    lines, bom = _read_text(path)
    for _ in range(rng.randint(1, 5)):
        filler = rng.choice(("\n", "   \n", ",,,,\n", ";;;\n", "\t\n"))
        lines.insert(rng.randrange(len(lines) + 1), filler)
    _write_text(path, lines, bom)


def _fields(path: Path, rng: random.Random) -> None:
    """Add or remove delimiters on a few rows, or open a quote that never closes."""
    lines, bom = _read_text(path)
    if not lines:
        return
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        body = lines[i].rstrip("\r\n")
        ending = lines[i][len(body) :]
        sep = _sep(body)
        op = rng.choice(("add", "remove", "quote"))
        if op == "add":
            pos = rng.randrange(len(body) + 1)
            body = body[:pos] + sep * rng.randint(1, 3) + body[pos:]
        elif op == "remove" and sep in body:
            pos = [m.start() for m in re.finditer(re.escape(sep), body)]
            k = rng.choice(pos)
            body = body[:k] + body[k + 1 :]
        else:
            pos = rng.randrange(len(body) + 1)
            body = body[:pos] + '"' + body[pos:]
        lines[i] = body + ending
    _write_text(path, lines, bom)


# --- xlsx at the XML level (fast even for the 16 MB WGI sheet) --------------------------------


def _xl_read(path: Path) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return {info.filename: zf.read(info) for info in zf.infolist()}
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, NotImplementedError):
        return None  # already damaged by an earlier step; leave it as it is


def _xl_write(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _xl_sheets(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its worksheet part, from workbook.xml and its relationships."""
    wb = parts.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    targets = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        rid = re.search(r'\bId="([^"]+)"', tag)
        target = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and target:
            t = target.group(1).lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else f"xl/{t}"
    out = {}
    for m in re.finditer(r"<sheet\b[^>]*>", wb):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]+)"', tag)
        if name and rid and targets.get(rid.group(1)) in parts:
            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


CELL_RE = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
ROW_RE = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)


def _xl_cell_xml(ref: str, rng: random.Random, shared: int) -> str:
    """A replacement cell: text, empty, odd number, boolean, error, shared string or junk."""
    op = rng.choice(("text", "text", "empty", "number", "number", "bool", "error", "shared", "junk"))
    if op == "text":
        text = html.escape(_odd_text(rng).replace("\x00", ""))
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    if op == "empty":
        return f'<c r="{ref}"/>'
    if op == "number":
        return f'<c r="{ref}"><v>{rng.choice(ODD_NUMBERS)!r}</v></c>'
    if op == "bool":
        return f'<c r="{ref}" t="b"><v>{rng.randint(0, 1)}</v></c>'
    if op == "error":
        return f'<c r="{ref}" t="e"><v>{rng.choice(("#N/A", "#DIV/0!", "#REF!", "#VALUE!"))}</v></c>'
    if op == "shared":
        return f'<c r="{ref}" t="s"><v>{rng.randrange(max(1, shared) + 3)}</v></c>'
    return f'<c r="{ref}"><v>{rng.choice(("abc", "", "1e99999", "--1"))}</v></c>'


def _shared_count(parts: dict[str, bytes]) -> int:
    text = parts.get("xl/sharedStrings.xml", b"")
    return text.count(b"<si>") + text.count(b"<si ")


def _xl_pick_sheet(parts: dict[str, bytes], rng: random.Random) -> tuple[str, str] | None:
    sheets = _xl_sheets(parts)
    if not sheets:
        return None
    name = rng.choice(sorted(sheets))
    return name, sheets[name]


def _xl_edit_cells(path: Path, rng: random.Random, *, header: bool) -> None:
    parts = _xl_read(path)
    picked = _xl_pick_sheet(parts, rng) if parts else None
    if not parts or not picked:
        return
    _, part = picked
    xml = parts[part].decode("utf-8", "replace")
    shared = _shared_count(parts)
    for _ in range(rng.randint(1, 4)):
        if header:
            rows = [m for _, m in zip(range(6), ROW_RE.finditer(xml), strict=False)]
            if not rows:
                return
            row = rng.choice(rows)
            cells = list(CELL_RE.finditer(xml, row.start(), row.end()))
            if not cells:
                continue
            m = rng.choice(cells)
        else:
            start = max(xml.find("<sheetData"), 0)
            pos = rng.randrange(start, len(xml))
            around = xml.rfind("<c ", start + 1, pos)  # the cell holding `pos`, else the next one
            m = CELL_RE.search(xml, around if around >= 0 else pos) or CELL_RE.search(xml)
            if m is None:
                return
        ref = re.search(r'\br="([A-Z]+\d+)"', m.group(0))
        if ref is None:
            continue
        xml = xml[: m.start()] + _xl_cell_xml(ref.group(1), rng, shared) + xml[m.end() :]
    parts[part] = xml.encode("utf-8")
    _xl_write(path, parts)


def _xl_cell(path: Path, rng: random.Random) -> None:
    _xl_edit_cells(path, rng, header=False)


def _xl_header(path: Path, rng: random.Random) -> None:
    _xl_edit_cells(path, rng, header=True)


def _xl_sheet_tags(parts: dict[str, bytes]) -> tuple[str, list[re.Match[str]]]:
    wb = parts.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    return wb, list(re.finditer(r"<sheet\b[^>]*/>", wb))


def _xl_delete_sheet(path: Path, rng: random.Random) -> None:
    parts = _xl_read(path)
    if not parts:
        return
    wb, tags = _xl_sheet_tags(parts)
    if not tags:
        return
    m = rng.choice(tags)
    parts["xl/workbook.xml"] = (wb[: m.start()] + wb[m.end() :]).encode("utf-8")
    _xl_write(path, parts)


def _xl_rename_sheet(path: Path, rng: random.Random) -> None:
    parts = _xl_read(path)
    if not parts:
        return
    wb, tags = _xl_sheet_tags(parts)
    if not tags:
        return
    m = rng.choice(tags)
    name_m = re.search(r'\bname="([^"]*)"', m.group(0))
    if not name_m:
        return
    name = html.unescape(name_m.group(1))
    other = html.unescape(re.search(r'\bname="([^"]*)"', rng.choice(tags).group(0)).group(1))  # type: ignore[union-attr]
    new = rng.choice(
        (f"{name} ", name.upper(), name[:-1] or "x", f"{name}2", other, "Sheet1", f"{name} (old)")
    )
    tag = m.group(0).replace(name_m.group(0), f'name="{html.escape(new)}"')
    parts["xl/workbook.xml"] = (wb[: m.start()] + tag + wb[m.end() :]).encode("utf-8")
    _xl_write(path, parts)


def _xl_rows(path: Path, rng: random.Random) -> None:
    """Drop, duplicate or move whole rows of a sheet (row numbers left as they were)."""
    parts = _xl_read(path)
    picked = _xl_pick_sheet(parts, rng) if parts else None
    if not parts or not picked:
        return
    _, part = picked
    xml = parts[part].decode("utf-8", "replace")
    rows = list(ROW_RE.finditer(xml))
    if not rows:
        return
    op = rng.choice(("drop", "drop", "dup", "move", "renumber"))
    m = rng.choice(rows)
    if op == "drop":
        k = rng.choice((1, 1, 3, 20))
        idx = rows.index(m)
        last = rows[min(len(rows) - 1, idx + k - 1)]
        xml = xml[: m.start()] + xml[last.end() :]
    elif op == "dup":
        xml = xml[: m.end()] + m.group(0) + xml[m.end() :]
    elif op == "move":
        target = rng.choice(rows)
        chunk = m.group(0)
        if target.start() > m.end():
            xml = xml[: m.start()] + xml[m.end() : target.end()] + chunk + xml[target.end() :]
        elif target.end() <= m.start():
            xml = xml[: target.start()] + chunk + xml[target.start() : m.start()] + xml[m.end() :]
    else:
        new = str(rng.choice((1, 2, 3, 10**6, 1048577)))
        old = re.search(r'\br="(\d+)"', m.group(0))
        if old:
            chunk = re.sub(rf'\br="([A-Z]+){old.group(1)}"', rf'r="\g<1>{new}"', m.group(0))
            chunk = chunk.replace(old.group(0), f'r="{new}"', 1)
            xml = xml[: m.start()] + chunk + xml[m.end() :]
    parts[part] = xml.encode("utf-8")
    _xl_write(path, parts)


def _xl_strings(path: Path, rng: random.Random) -> None:
    """Change shared strings (every cell using one changes with it): labels, headers, codes."""
    parts = _xl_read(path)
    if not parts or "xl/sharedStrings.xml" not in parts:
        return
    xml = parts["xl/sharedStrings.xml"].decode("utf-8", "replace")
    items = list(re.finditer(r"<si>.*?</si>", xml, re.S))
    if not items:
        return
    for _ in range(rng.randint(1, 3)):
        m = rng.choice(items)
        text = html.escape(_odd_text(rng).replace("\x00", ""))
        xml = xml[: m.start()] + f"<si><t>{text}</t></si>" + xml[m.end() :]
        items = list(re.finditer(r"<si>.*?</si>", xml, re.S))
    parts["xl/sharedStrings.xml"] = xml.encode("utf-8")
    _xl_write(path, parts)


def _xl_part(path: Path, rng: random.Random) -> None:
    """Remove a part, or cut or garble one part's XML, inside an otherwise valid zip."""
    parts = _xl_read(path)
    if not parts:
        return
    name = rng.choice(sorted(parts))
    op = rng.choice(("remove", "cut", "garble", "dimension"))
    if op == "remove":
        del parts[name]
    elif op == "cut":
        data = parts[name]
        parts[name] = data[: rng.randrange(len(data) + 1)]
    elif op == "garble":
        data = bytearray(parts[name])
        if data:
            pos = rng.randrange(len(data))
            data[pos:pos] = rng.choice((b"<", b">", b"&", b'"', b"<x>", b"\xff"))
        parts[name] = bytes(data)
    else:
        sheets = list(_xl_sheets(parts).values())
        if sheets:
            name = rng.choice(sheets)
            ref = rng.choice(("A1", "A1:XFD1048576", "A1:A1", "Z9:A1", ""))
            parts[name] = re.sub(
                rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), parts[name]
            )
    _xl_write(path, parts)


# --- xlsx through openpyxl (a real writer's round trip: other XML, types, styles) ------------


def _ox_load(path: Path) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(path)
    except Exception:  # already damaged by an earlier step
        return None


def _ox_value(rng: random.Random) -> Any:
    return rng.choice(
        (
            _odd_text(rng).replace("\x00", ""),
            None,
            rng.choice(ODD_NUMBERS),
            -5,
            2.5,
            10**15,
            True,
            dt.datetime(2020, 1, 1),
            dt.date(1900, 1, 1),
        )
    )


def _ox_cells(path: Path, rng: random.Random) -> None:
    """Set one to six cells of a sheet to text, None, huge or negative numbers, dates, booleans."""
    from openpyxl.cell.cell import MergedCell

    wb = _ox_load(path)
    if wb is None or not wb.sheetnames:
        return
    ws = wb[rng.choice(wb.sheetnames)]
    for _ in range(rng.randint(1, 6)):
        row = rng.randint(1, max(1, min(ws.max_row, 8) if rng.random() < 0.3 else ws.max_row))
        col = rng.randint(1, max(1, ws.max_column))
        if not isinstance(ws.cell(row=row, column=col), MergedCell):
            ws.cell(row=row, column=col, value=_ox_value(rng))
    wb.save(path)


def _ox_sheet(path: Path, rng: random.Random) -> None:
    """Delete or rename a sheet, or insert or delete rows or columns, then save with openpyxl."""
    wb = _ox_load(path)
    if wb is None or not wb.sheetnames:
        return
    ws = wb[rng.choice(wb.sheetnames)]
    op = rng.choice(("delete", "rename", "insert_rows", "delete_rows", "insert_cols", "delete_cols"))
    if op == "delete":
        if len(wb.sheetnames) == 1:
            wb.create_sheet("Placeholder")
        wb.remove(ws)
    elif op == "rename":
        ws.title = rng.choice((f"{ws.title[:28]}2", ws.title.upper()[:31], "Sheet9"))
    elif op == "insert_rows":
        ws.insert_rows(rng.randint(1, max(1, ws.max_row)), rng.randint(1, 3))
    elif op == "delete_rows":
        ws.delete_rows(rng.randint(1, max(1, ws.max_row)), rng.randint(1, 3))
    elif op == "insert_cols":
        ws.insert_cols(rng.randint(1, max(1, ws.max_column)))
    else:
        ws.delete_cols(rng.randint(1, max(1, ws.max_column)))
    wb.save(path)


# --- Parquet through pyarrow ---------------------------------------------------------------


def _pq_load(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except Exception:  # already damaged by an earlier step
        return None


def _pq_save(path: Path, table: Any, rng: random.Random) -> None:
    import pyarrow.parquet as pq

    options: dict[str, Any] = {}
    if rng.random() < 0.2:  # many small row groups (at most ~2,000: writing more takes long)
        options["row_group_size"] = max(rng.choice((1, 7, 1000)), table.num_rows // 2000)
    if rng.random() < 0.2:
        options["compression"] = rng.choice(("none", "gzip", "zstd"))
    pq.write_table(table, path, **options)


def _pq_column(table: Any, rng: random.Random) -> tuple[int, str]:
    i = rng.randrange(table.num_columns)
    return i, table.column_names[i]


def _pq_schema(path: Path, rng: random.Random) -> None:
    """Rename, drop, add, swap or duplicate a column."""
    import pyarrow as pa

    table = _pq_load(path)
    if table is None or table.num_columns == 0:
        return
    i, name = _pq_column(table, rng)
    op = rng.choice(("rename", "drop", "add", "swap", "duplicate"))
    if op == "rename":
        new = rng.choice((f"{name}_x", name.upper(), "", f" {name}"))
        table = table.rename_columns([new if k == i else c for k, c in enumerate(table.column_names)])
    elif op == "drop":
        table = table.remove_column(i)
    elif op == "add":
        table = table.add_column(
            rng.randrange(table.num_columns + 1), "extra", pa.nulls(table.num_rows, pa.int64())
        )
    elif op == "swap" and table.num_columns > 1:
        j = rng.randrange(table.num_columns)
        order = list(range(table.num_columns))
        order[i], order[j] = order[j], order[i]
        table = table.select(order)
    else:
        table = table.add_column(rng.randrange(table.num_columns + 1), name, table.column(i))
    _pq_save(path, table, rng)


def _pq_cast(path: Path, rng: random.Random) -> None:
    """Change a column's type (numbers to text, text to numbers, dates to text, all-null, ...)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _pq_load(path)
    if table is None or table.num_columns == 0:
        return
    i, name = _pq_column(table, rng)
    col = table.column(i)
    targets = [
        pa.string(),
        pa.large_string(),
        pa.float64(),
        pa.float32(),
        pa.int8(),
        pa.int32(),
        pa.int64(),
        pa.uint64(),
        pa.bool_(),
        pa.timestamp("ms"),
        pa.date32(),
        pa.binary(),
        pa.decimal128(20, 2),
        pa.dictionary(pa.int32(), pa.string()),
        pa.null(),
    ]
    target = rng.choice(targets)
    try:
        new = pa.nulls(len(col)) if target == pa.null() else pc.cast(col, target, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        # Not castable directly: go through text, then give up and write text.
        text = pc.cast(col, pa.string(), safe=False) if col.type != pa.string() else col
        try:
            new = pc.cast(text, target, safe=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            new = text
    table = table.set_column(i, pa.field(name, new.type), new)
    _pq_save(path, table, rng)


def _pq_nulls(path: Path, rng: random.Random) -> None:
    """Null a few cells of a column, or all of it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _pq_load(path)
    if table is None or table.num_columns == 0 or table.num_rows == 0:
        return
    i, name = _pq_column(table, rng)
    col = table.column(i).combine_chunks()
    mask = [False] * len(col)
    if rng.random() < 0.2:
        mask = [True] * len(col)
    else:
        for _ in range(rng.randint(1, 10)):
            mask[rng.randrange(len(col))] = True
    new = pc.if_else(pa.array(mask), pa.scalar(None, col.type), col)
    table = table.set_column(i, pa.field(name, col.type), new)
    _pq_save(path, table, rng)


def _pq_values(path: Path, rng: random.Random) -> None:
    """Odd values in a few cells: negative, huge, NaN, inf, fractions, odd text or dates."""
    import pyarrow as pa

    table = _pq_load(path)
    if table is None or table.num_columns == 0 or table.num_rows == 0:
        return
    i, name = _pq_column(table, rng)
    col = table.column(i).combine_chunks()
    values = col.to_pylist()
    typ = col.type
    for _ in range(rng.randint(1, 5)):
        k = rng.randrange(len(values))
        if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
            v: Any = rng.choice((*ODD_NUMBERS, float("nan"), float("inf"), -0.0, 2.0**70))
            typ = pa.float64()
        elif pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            v = rng.choice(
                (dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1), dt.date(2024, 2, 29))
            )
            typ = pa.date32()
        elif pa.types.is_boolean(typ):
            v = rng.choice((True, False, None))
        else:
            v = _odd_text(rng, [str(x) for x in values[:50]])
            typ = pa.string()
        values[k] = v
    try:
        new = pa.array(values, type=typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
        new = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    table = table.set_column(i, pa.field(name, new.type), new)
    _pq_save(path, table, rng)


def _pq_rows(path: Path, rng: random.Random) -> None:
    """Drop, duplicate, shuffle or reverse rows, or keep none or one."""
    import pyarrow as pa

    table = _pq_load(path)
    if table is None:
        return
    n = table.num_rows
    op = rng.choice(("drop", "dup", "shuffle", "reverse", "none", "one", "dup_all"))
    idx = list(range(n))
    if op == "drop" and n:
        for _ in range(rng.randint(1, 20)):
            if idx:
                del idx[rng.randrange(len(idx))]
    elif op == "dup" and n:
        for _ in range(rng.randint(1, 5)):
            k = rng.randrange(len(idx))
            idx.insert(rng.randrange(len(idx) + 1), idx[k])
    elif op == "shuffle":
        rng.shuffle(idx)
    elif op == "reverse":
        idx.reverse()
    elif op == "none":
        idx = []
    elif op == "one" and n:
        idx = [rng.randrange(n)]
    elif op == "dup_all":
        idx = idx + idx
    table = table.take(pa.array(idx, type=pa.int64()))
    _pq_save(path, table, rng)


MUTATORS: dict[str, Callable[[Path, random.Random], None]] = {
    "bytes": _bytes,
    "truncate": _truncate,
    "drop_rows": _drop_rows,
    "dup_rows": _dup_rows,
    "shuffle_rows": _shuffle_rows,
    "header": _header,
    "cell": _cell,
    "encoding": _encoding,
    "newlines": _newlines,
    "blank_lines": _blank_lines,
    "fields": _fields,
    "xl_cell": _xl_cell,
    "xl_header": _xl_header,
    "xl_delete_sheet": _xl_delete_sheet,
    "xl_rename_sheet": _xl_rename_sheet,
    "xl_rows": _xl_rows,
    "xl_strings": _xl_strings,
    "xl_part": _xl_part,
    "ox_cells": _ox_cells,
    "ox_sheet": _ox_sheet,
    "pq_schema": _pq_schema,
    "pq_cast": _pq_cast,
    "pq_nulls": _pq_nulls,
    "pq_values": _pq_values,
    "pq_rows": _pq_rows,
}


# ---------------------------------------------------------------------------------------------
# Judging a parse

OK = "ok"  # parsed; the frames match the real parse's layout and invariants
CLEAN = "clean"  # a CorridorError naming one of the source's files
UNLOCATED = "unlocated"  # a CorridorError that names none of the source's files
CRASH = "crash"  # any other exception
INVALID = "invalid"  # parsed, but the frames break the layout or an invariant
HANG = "hang"  # no answer within the timeout
DIED = "died"  # the worker process died (a native crash, or the memory cap)
FAILURES = (UNLOCATED, CRASH, INVALID, HANG, DIED)
# Damage with a place: a refusal of a one-step mutation of these kinds must name a row or a
# column, not just the file. (Not the XML-level Excel kinds: calamine reports a damaged sheet
# without a position.)
LOCATED_KINDS = frozenset(
    {"cell", "header", "dup_rows", "fields", "ox_cells", "pq_values", "pq_nulls", "pq_cast", "pq_schema"}
)


@dataclass
class Outcome:
    """What one parse of a mutated source did."""

    status: str
    detail: str = ""
    error_type: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status in FAILURES


@dataclass
class Baseline:
    """The layout of a source's frames as parsed from the real files."""

    columns: dict[str, list[str]]
    kinds: dict[str, list[str]]
    counts: dict[str, list[str]]  # per frame: integer columns that are never negative
    years: dict[str, list[str]]  # per frame: integer year columns
    cube_keys: dict[str, list[str]] = field(default_factory=dict)  # cube table -> required columns


def _kind(dtype: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.ArrowDtype):
        return str(dtype)
    return "object"  # text and date objects (pandas `str` or `object`)


def baseline_of(parsed: Any) -> Baseline:
    """Record the frames' columns, column kinds, non-negative counts and cube keys."""
    import pandas as pd

    columns, kinds, counts, years, cube_keys = {}, {}, {}, {}, {}
    for name, frame in parsed.frames.items():
        years[name] = [str(c) for c in frame.columns if _kind(frame[c].dtype) == "int" and "year" in str(c)]
        columns[name] = [str(c) for c in frame.columns]
        kinds[name] = [_kind(frame[c].dtype) for c in frame.columns]
        counts[name] = [
            str(c)
            for c in frame.columns
            if _kind(frame[c].dtype) == "int"
            and "year" not in str(c)
            and len(frame)
            and pd.notna(frame[c].min())
            and frame[c].min() >= 0
        ]
    for cube in parsed.cubes:
        period = "month" if cube.grain == "month" else "fiscal_year"
        cube_keys[cube.table] = [period, *cube.dims, "encounters"]
    return Baseline(columns, kinds, counts, years, cube_keys)


def check_parsed(parsed: Any, base: Baseline, files: set[str]) -> list[str]:
    """Problems with a successful parse of mutated files (empty list if none)."""
    import pandas as pd

    problems = []
    if set(parsed.frames) != set(base.columns):
        problems.append(f"frames {sorted(parsed.frames)} differ from {sorted(base.columns)}")
    for name, frame in parsed.frames.items():
        if name not in base.columns:
            continue
        if not isinstance(frame, pd.DataFrame):
            problems.append(f"{name}: not a DataFrame")
            continue
        cols = [str(c) for c in frame.columns]
        if cols != base.columns[name]:
            problems.append(f"{name}: columns {cols} differ from {base.columns[name]}")
            continue
        kinds = [_kind(frame[c].dtype) for c in frame.columns]
        for c, k, want in zip(cols, kinds, base.kinds[name], strict=True):
            if k != want:
                problems.append(f"{name}.{c}: {k} values, the real file gives {want}")
        for c in base.counts[name]:
            values = frame[c].dropna()
            if len(values) and values.min() < 0:
                problems.append(f"{name}.{c}: negative count {values.min()}")
        for c in base.years[name]:
            values = frame[c].dropna()
            if len(values) and (values.min() < 1 or values.max() > 9999):
                problems.append(f"{name}.{c}: implausible year {values.min()} .. {values.max()}")
        for c in base.cube_keys.get(name, []):
            if frame[c].isna().any():
                problems.append(f"{name}.{c}: missing values in a cube key or count")
        if name in base.cube_keys and len(frame) == 0:
            problems.append(f"{name}: empty cube")
    unknown = set(parsed.rows) - files
    if unknown:
        problems.append(f"rows reported for unknown file keys {sorted(unknown)}")
    return problems


def _where(exc: BaseException) -> str:
    """The exception and the frames that matter: Corridor's own, then the innermost one."""
    frames = traceback.extract_tb(exc.__traceback__)
    keep = [f for f in frames if "/corridor/" in f.filename]
    if frames and (not keep or keep[-1] is not frames[-1]):
        keep.append(frames[-1])
    text = "".join(traceback.format_list(keep))
    return f"{type(exc).__name__}: {str(exc)[:1000]}\n{text}"[-4000:]


def judge(
    parse: Callable[[dict[str, Path], dict[str, str]], Any],
    paths: dict[str, Path],
    releases: dict[str, str],
    base: Baseline,
) -> Outcome:
    """Run `parse(paths, releases)` and classify it: ok / clean / unlocated / crash / invalid."""
    names = {p.name for p in paths.values()}
    started = time.perf_counter()
    try:
        parsed = parse(paths, releases)
    except CorridorError as exc:
        took = time.perf_counter() - started
        message = str(exc)
        if isinstance(exc, InputError):
            named = Path(exc.file).name in names and Path(exc.file).name in message
            where = (exc.file, exc.row, exc.column)
        else:
            named = any(n in message for n in names)
            where = (None, None, None)
        status = CLEAN if named else UNLOCATED
        return Outcome(status, message[:2000], type(exc).__name__, *where, seconds=took)
    except Exception as exc:
        return Outcome(CRASH, _where(exc), type(exc).__name__, seconds=time.perf_counter() - started)
    took = time.perf_counter() - started
    problems = check_parsed(parsed, base, set(paths))
    if problems:
        return Outcome(INVALID, "; ".join(problems)[:2000], seconds=took)
    return Outcome(OK, seconds=took)


# ---------------------------------------------------------------------------------------------
# The worker process


def _load(ref: str) -> Any:
    """A source given as 'module:Class' (the harness self-checks use stand-in sources)."""
    import importlib

    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)()


def _serve(conn: Any, memory_bytes: int) -> None:
    """Worker loop: ("baseline" | "use" | "parse", dataset id or 'module:Class', payload) -> reply.

    "baseline" parses the real files and replies with their Baseline; "use" installs a Baseline
    computed elsewhere; "parse" replies with the Outcome of parsing the given paths.
    """
    import resource

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from corridor.sources import SOURCES

    baselines: dict[str, Baseline] = {}
    while True:
        try:
            op, dataset, payload = conn.recv()
        except EOFError:
            return
        if op == "use":
            baselines[dataset] = payload
            conn.send(Outcome(OK))
            continue
        paths = {k: Path(p) for k, p in payload.items()}
        releases = {k: f"{dataset}/{k}@fuzz" for k in paths}
        try:
            src = SOURCES[dataset] if dataset in SOURCES else _load(dataset)
            # The readers apply each file's rules (row ceiling, publication date) as in a sync.
            rules = file_rules(paths, getattr(src, "files", ()))
            if op == "baseline":
                with rules:
                    baselines[dataset] = baseline_of(src.parse(paths, releases))
                conn.send(baselines[dataset])
                continue
            if dataset not in baselines:
                conn.send(Outcome(CRASH, f"no baseline for {dataset}; send ('baseline', ...) first"))
                continue
            with rules:
                outcome = judge(src.parse, paths, releases, baselines[dataset])
        except BaseException as exc:  # a BaseException from a parse (a Rust panic), or the baseline failed
            outcome = Outcome(CRASH, _where(exc), type(exc).__name__)
        conn.send(outcome)


def _context() -> Any:
    """Workers fork from a clean server that has Corridor's sources imported (fast restarts,
    no threads inherited from the test process)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.fuzzkit", "corridor.sources"])
    return ctx


class Runner:
    """One worker process that parses on request; a parse past `timeout` seconds kills it."""

    # Baselines by (dataset, real paths), shared by the runners of a process: computed once.
    _baselines: dict[tuple[str, tuple[tuple[str, str], ...]], Baseline] = {}  # noqa: RUF012
    _lock = threading.Lock()

    def __init__(self, timeout: float = 60.0, memory_bytes: int = 6 * 2**30) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._ctx = _context()
        self._proc: Any = None
        self._conn: Any = None
        self._ready: dict[str, Baseline] = {}  # installed in the current worker
        self._start()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_serve, args=(child, self.memory_bytes), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _restart(self) -> None:
        self._proc.kill()
        self._proc.join(10)
        self._conn.close()
        self._start()
        ready, self._ready = self._ready, {}
        for dataset, base in ready.items():
            if self._ask(("use", dataset, base), self.timeout).status == OK:
                self._ready[dataset] = base

    def _ask(self, msg: tuple[str, str, Any], timeout: float) -> Any:
        try:
            self._conn.send(msg)
            if not self._conn.poll(timeout):
                self._restart()
                return Outcome(HANG, f"no answer within {timeout:.0f} s")
            return self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            self._proc.join(5)
            code = self._proc.exitcode
            self._restart()
            return Outcome(DIED, f"worker died (exit code {code}; a negative code is a signal)")

    def prepare(self, dataset: str, real: dict[str, Path]) -> None:
        """Know the real files' parse (computed once per process), to judge later parses against."""
        paths = {k: str(p) for k, p in real.items()}
        key = (dataset, tuple(sorted(paths.items())))
        base = Runner._baselines.get(key)
        if base is not None and self._ready.get(dataset) is base:
            return
        if base is None:
            with Runner._lock:  # another thread may be computing it
                base = Runner._baselines.get(key)
                if base is None:
                    got = self._ask(("baseline", dataset, paths), max(self.timeout, 300.0))
                    if not isinstance(got, Baseline):
                        raise RuntimeError(f"{dataset}: the real files do not parse: {got.detail}")
                    Runner._baselines[key] = got
                    self._ready[dataset] = got
                    return
        if self._ready.get(dataset) is not base:
            got = self._ask(("use", dataset, base), self.timeout)
            if got.status != OK:
                raise RuntimeError(f"{dataset}: could not install the baseline: {got.detail}")
        self._ready[dataset] = base

    def parse(self, dataset: str, paths: dict[str, Path]) -> Outcome:
        """Parse `paths` (a mix of mutated copies and real files) and judge the result."""
        return self._ask(("parse", dataset, {k: str(p) for k, p in paths.items()}), self.timeout)

    def close(self) -> None:
        self._conn.close()
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)


# ---------------------------------------------------------------------------------------------
# One mutated case end to end


@dataclass
class Case:
    """A mutation of one source and what its parse did."""

    dataset: str
    mutation: Mutation
    outcome: Outcome


def run_case(runner: Runner, dataset: str, real: dict[str, Path], mutation: Mutation, workdir: Path) -> Case:
    """Build the mutated copy in `workdir`, parse it in the runner, remove the copy."""
    target = real[mutation.file_key]
    copy = workdir / target.name
    try:
        apply_mutation(mutation, target, copy)
        paths = {**real, mutation.file_key: copy}
        outcome = runner.parse(dataset, paths)
    finally:
        copy.unlink(missing_ok=True)
    placed = len(mutation.steps) == 1 and mutation.steps[0][0] in LOCATED_KINDS
    if outcome.status == CLEAN and placed and outcome.row is None and outcome.column is None:
        outcome.status = UNLOCATED
        outcome.detail = f"names the file but no row or column for damage to cells: {outcome.detail}"
    return Case(dataset, mutation, outcome)


def real_paths(data: Path, dataset: str) -> dict[str, Path]:
    """A source's files in the real mirror folder, by file key."""
    from corridor.sources import SOURCES

    return {spec.key: data / spec.mirror_path for spec in SOURCES[dataset].files}


def mutations(seed: int, dataset: str, real: dict[str, Path], n: int, **kw: Any) -> Iterator[Mutation]:
    """`n` mutations of a source, the same for the same (seed, dataset)."""
    rng = random.Random(f"{seed}:{dataset}")
    for _ in range(n):
        yield random_mutation(rng, real, **kw)


# ---------------------------------------------------------------------------------------------
# Stand-in sources for the harness's self-checks: each misbehaves on anything but GOOD.

GOOD = b"n\n1\n"


class StandIn:
    """Parses GOOD; raises a located InputError on anything else (the clean behaviour)."""

    id = "stand_in"
    title = "stand-in"
    files = ()

    def parse(self, paths: dict[str, Path], releases: dict[str, str]) -> Parsed:
        path = paths["f"]
        if path.read_bytes() == GOOD:
            return Parsed(frames={"t": pd.DataFrame({"n": np.array([1], dtype="int64")})})
        return self.misbehave(path)

    def misbehave(self, path: Path) -> Parsed:
        raise InputError(path, "bad cell", row=2, column="n")


class RaisesValueError(StandIn):
    """A raw ValueError from inside the parse (a crash)."""

    def misbehave(self, path: Path) -> Parsed:
        return Parsed(frames={"t": pd.DataFrame({"n": [int("not a number")]})})


class RaisesUnnamed(StandIn):
    """An InputError naming a file the source does not have."""

    def misbehave(self, path: Path) -> Parsed:
        raise InputError(path.with_name("somewhere-else.csv"), "bad cell", row=2)


class RaisesUsageWithoutFile(StandIn):
    """A CorridorError that names no file at all."""

    def misbehave(self, path: Path) -> Parsed:
        raise UsageError("something went wrong")


class NegativeCount(StandIn):
    """Parses, but returns a negative count (invalid frames)."""

    def misbehave(self, path: Path) -> Parsed:
        return Parsed(frames={"t": pd.DataFrame({"n": np.array([-5], dtype="int64")})})


class Hangs(StandIn):
    """Never returns (a hang)."""

    def misbehave(self, path: Path) -> Parsed:
        time.sleep(3600)
        raise AssertionError("unreachable")


class Dies(StandIn):
    """Kills its own process (a native crash)."""

    def misbehave(self, path: Path) -> Parsed:
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")

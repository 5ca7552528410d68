"""Make damaged copies of real files for the bad-input tests (never committed: built in tmp)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from corridor.sources import SOURCES
from tests.contracts import BadInput

CSV_CASES = ("header", "number", "truncated", "duplicate", "empty")
XLSX_CASES = ("header", "number", "missing_sheet", "truncated", "empty")
PARQUET_CASES = ("header", "number", "truncated", "duplicate", "empty")


def cases_for(bad: BadInput, dataset: str) -> list[str]:
    spec = next(f for f in SOURCES[dataset].files if f.key == bad.file_key)
    if spec.mirror_path.endswith(".xlsx"):
        out = [c for c in XLSX_CASES if c != "header" or bad.header]
        return [c for c in out if c != "number" or bad.number_column]
    cases = PARQUET_CASES if spec.mirror_path.endswith(".parquet") else CSV_CASES
    out = [c for c in cases if c != "duplicate" or bad.duplicate]
    out = [c for c in out if c != "header" or bad.header]
    return [c for c in out if c != "number" or bad.number_column]


def mirror_with(data: Path, dest: Path, dataset: str, bad: BadInput, case: str) -> str:
    """Lay out a mirror folder with `dataset`'s files, one of them damaged; return its name."""
    target = None
    for spec in SOURCES[dataset].files:
        src = data / spec.mirror_path
        out = dest / spec.mirror_path
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
        if spec.key == bad.file_key:
            target = out
    assert target is not None, bad.file_key
    if target.suffix == ".xlsx":
        _damage_xlsx(target, bad, case)
    elif target.suffix == ".parquet":
        _damage_parquet(target, bad, case)
    else:
        _damage_csv(target, bad, case)
    return target.name


def _damage_csv(path: Path, bad: BadInput, case: str) -> None:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    head, body = lines[: bad.skiprows], lines[bad.skiprows :]
    if case == "empty":
        path.write_bytes(b"")
        return
    if case == "truncated":
        last = body[-1].rstrip("\r\n")
        body[-1] = last[: max(1, len(last) // 2)]
    elif case == "duplicate":
        body.append(body[-1] if body[-1].endswith("\n") else body[-1] + "\n")
    else:
        rows = list(csv.reader(io.StringIO("".join(body)), delimiter=bad.sep))
        header = rows[0]
        if case == "header":
            header[header.index(bad.header)] = f"{bad.header} (changed)"
        elif case == "number":
            col = header.index(bad.number_column)
            rows[1][col] = "n/a text"
        buf = io.StringIO()
        csv.writer(buf, delimiter=bad.sep, lineterminator="\n").writerows(rows)
        body = [buf.getvalue()]
    out = "".join(head + body)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.encode("utf-8"))


def _damage_xlsx(path: Path, bad: BadInput, case: str) -> None:
    if case == "empty":
        path.write_bytes(b"")
        return
    if case == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert bad.sheet is not None
    if case == "missing_sheet":
        if len(wb.sheetnames) == 1:  # a workbook must keep one sheet to be saved
            wb.create_sheet("Placeholder")
        del wb[bad.sheet]
    else:
        ws = wb[bad.sheet]
        header = [c.value for c in ws[1]]
        if case == "header":
            ws.cell(row=1, column=header.index(bad.header) + 1, value=f"{bad.header} (changed)")
        elif case == "number":
            ws.cell(row=2, column=header.index(bad.number_column) + 1, value="n/a text")
    wb.save(path)


def _damage_parquet(path: Path, bad: BadInput, case: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if case == "empty":
        path.write_bytes(b"")
        return
    if case == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return
    table = pq.read_table(path)
    if case == "header":
        table = table.rename_columns([f"{c} (changed)" if c == bad.header else c for c in table.column_names])
    elif case == "number":
        values = [str(v) for v in table.column(bad.number_column).to_pylist()]
        values[0] = "n/a text"
        i = table.column_names.index(bad.number_column)
        table = table.set_column(i, bad.number_column, pa.array(values, pa.string()))
    elif case == "duplicate":
        table = pa.concat_tables([table, table.slice(table.num_rows - 1, 1)])
    pq.write_table(table, path)

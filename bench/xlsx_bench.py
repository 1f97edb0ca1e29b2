"""Excel import speed against openpyxl's own load of the same workbook (target ≤ 1.5×).

Builds a workbook of N projects of 10 indicators with our exporter (one sheet
each, like the printed form) and one with the tables stacked in one sheet,
then times openpyxl.load_workbook alone and desk's whole import (which
includes that load). Median of 5. Run: python bench/xlsx_bench.py [--projects 200]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402

from desk.forms import default_forms, get_form  # noqa: E402
from desk.io import jsonio  # noqa: E402
from desk.io.xlsx_import import read_workbook  # noqa: E402
from desk.render import xlsx  # noqa: E402
from desk.render.table import PrintJob  # noqa: E402


def projects(n: int):
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    return doc.units[0], [replace(p, uid=f"b{i}", code=f"{p.code[:-4]}{i:04d}", name=f"{p.name}（{i + 1}）",
                                  indicators=(p.indicators + p.indicators)[:10]) for i, p in enumerate(
        base[i % len(base)] for i in range(n))]


def stacked(unit, items) -> bytes:
    """All tables in one sheet, one under another, as offices often keep them."""
    exported = load_workbook(io.BytesIO(xlsx.render(
        [PrintJob(p, i + 1, get_form("hebei-project"), unit) for i, p in enumerate(items)])))
    wb = Workbook()
    ws = wb.active
    r = 1
    for sheet in exported.worksheets[:-1]:
        for row in sheet.iter_rows(values_only=True):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
            r += 1
        r += 2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def median_time(fn, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=200)
    args = parser.parse_args()
    unit, items = projects(args.projects)
    forms = default_forms()
    cases = {
        "one sheet per table (desk export)": xlsx.render(
            [PrintJob(p, i + 1, get_form("hebei-project"), unit) for i, p in enumerate(items)]),
        "tables stacked in one sheet": stacked(unit, items),
    }
    for label, data in cases.items():
        base = median_time(lambda: load_workbook(io.BytesIO(data), data_only=True))
        ours = median_time(lambda: read_workbook(data, forms))
        found = len(read_workbook(data, forms).tables)
        print(f"{label}: {found} tables, {len(data) / 1e6:.1f} MB; openpyxl load {base * 1000:.0f} ms, "
              f"desk import {ours * 1000:.0f} ms = {ours / base:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()

"""Excel import speed against openpyxl's own load of the same workbook.

1. "import 承德 workbook" (target ≤ 1.25×): the 承德 workbook of the tests
   (tests/test_regional_forms.chengde_workbook), as whole processes: ``python -m desk
   import-xlsx 承德.xlsx --db <new file> --year 2023 --dry-run`` (the full read, the
   size checks of xlsx_guard, the tables found and checked, nothing written) against
   ``python -c "openpyxl.load_workbook(path, data_only=True)"`` — openpyxl's full load,
   the one mode that gives the merged ranges an import needs, and the load desk itself
   used before it read the package directly. Both run with compiled bytecode, as an
   installed program does (a private PYTHONPYCACHEPREFIX, filled by one warm-up run
   each); runs alternate, median of --repeat.
2. In one process (target ≤ 1.5×): N projects of 10 indicators with our exporter (one
   sheet each, like the printed form) and the same tables stacked in one sheet;
   openpyxl.load_workbook alone against desk's whole read_workbook.

Run: python bench/xlsx_bench.py [--projects 200] [--repeat 5]
(--projects at most 140: more sheets or rows than xlsx_guard allows are refused.)
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from openpyxl import Workbook, load_workbook  # noqa: E402

from common import median_time, report  # noqa: E402
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


def whole_process(repeat: int) -> None:
    from tests.test_regional_forms import chengde_workbook

    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "承德.xlsx"
        book.write_bytes(chengde_workbook())
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
                   DESK_HOME=str(Path(tmp) / "home"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        desk = [sys.executable, "-m", "desk", "import-xlsx", str(book), "--db", str(Path(tmp) / "new.db"),
                "--year", "2023", "--dry-run"]
        floor = [sys.executable, "-c", "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1], data_only=True)",
                 str(book)]

        def run(cmd) -> float:
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if done.returncode != 0 or (cmd is desk and "找到 1 张项目绩效目标表" not in done.stdout):
                raise SystemExit(f"{cmd[1:4]} failed: {done.stdout}{done.stderr}")
            return seconds

        run(desk), run(floor)  # warm-up: compiles the bytecode both sides use
        ours, base = [], []
        for _ in range(repeat):
            ours.append(run(desk))
            base.append(run(floor))
        report("import 承德 workbook", statistics.median(ours), statistics.median(base),
               "openpyxl load_workbook(data_only=True), whole process", target=1.25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    whole_process(args.repeat)
    unit, items = projects(args.projects)
    forms = default_forms()
    cases = {
        "one sheet per table (desk export)": xlsx.render(
            [PrintJob(p, i + 1, get_form("hebei-project"), unit) for i, p in enumerate(items)]),
        "tables stacked in one sheet": stacked(unit, items),
    }
    for label, data in cases.items():
        found = len(read_workbook(data, forms).tables)
        base = median_time(lambda: load_workbook(io.BytesIO(data), data_only=True), args.repeat)
        ours = median_time(lambda: read_workbook(data, forms), args.repeat)
        report(f"import {label}: {found} tables, {len(data) / 1e6:.1f} MB", ours, base, "openpyxl load_workbook",
               target=1.5)


if __name__ == "__main__":
    main()

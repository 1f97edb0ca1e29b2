"""PDF speed: 500 projects of 10 indicators, ms per page (target ≤ 20 ms).

If LibreOffice (soffice) is installed, the same tables are also written as an
Excel workbook (one sheet per table, merged cells like the official form) and
converted to PDF by LibreOffice headless in the same run, for comparison.
Run: python bench/pdf_bench.py [--projects 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.forms import get_form  # noqa: E402
from desk.io import jsonio  # noqa: E402
from desk.render.fonts import find_fonts  # noqa: E402
from desk.render.pdf import PrintJob, page_count, render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def sample_projects(n: int):
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    out = []
    for i in range(n):
        p = base[i % len(base)]
        inds = (p.indicators + p.indicators)[:10]
        out.append(replace(p, uid=f"bench-{i}", name=f"{p.name}（{i + 1}）", indicators=inds))
    return doc.units[0], out


def write_xlsx(projects, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    wb.remove(wb.active)
    for n, p in enumerate(projects, 1):
        ws = wb.create_sheet(f"表{n}")
        rows = [[f"{n}.{p.name}绩效目标表"], ["项目编码", p.code, "", "项目名称", p.name],
                ["预算数", str(p.budget.total), "财政资金", str(p.budget.fiscal), "其他资金", ""],
                ["资金用途", p.usage], ["3月底", "6月底", "10月底", "12月底"],
                [f"{x}%" if x is not None else "" for x in p.plan.points], ["绩效目标", "1." + p.goals[0]],
                ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]]
        rows += [[i.level1, i.level2, i.name, i.description, i.value_text, i.basis] for i in p.indicators]
        for r in rows:
            ws.append(r)
        ws.merge_cells("A1:F1")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.border = border
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        for col, width in zip("ABCDEF", (10, 12, 20, 24, 12, 16)):
            ws.column_dimensions[col].width = width
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=500)
    args = parser.parse_args()
    unit, projects = sample_projects(args.projects)
    form = get_form("hebei-project")
    jobs = [PrintJob(p, i + 1, form, unit) for i, p in enumerate(projects)]
    start = time.perf_counter()
    fonts = find_fonts()
    font_s = time.perf_counter() - start
    start = time.perf_counter()
    data = render(jobs, fonts)
    elapsed = time.perf_counter() - start
    pages = page_count(data)
    print(f"desk: {args.projects} projects, {pages} pages, {elapsed:.2f} s "
          f"= {elapsed / pages * 1000:.1f} ms per page ({len(data) / 1e6:.1f} MB); font loading {font_s * 1000:.0f} ms")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice: not installed, no comparison")
        return
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "tables.xlsx"
        write_xlsx(projects, xlsx)
        env = dict(os.environ, HOME=tmp)
        start = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(xlsx)],
                       check=True, capture_output=True, env=env, timeout=3600)
        lo = time.perf_counter() - start
        lo_pages = page_count((Path(tmp) / "tables.pdf").read_bytes())
        print(f"LibreOffice headless xlsx→pdf: {lo_pages} pages, {lo:.2f} s = {lo / max(lo_pages, 1) * 1000:.1f} ms per page "
              f"(includes its start-up)")


if __name__ == "__main__":
    main()

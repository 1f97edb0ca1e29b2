"""PDF speed.

1. The 32 real tables, as whole processes: the yutian 2023 file (its 7 project tables and its
   部门整体表, resources/demo) four times over, as four units of one file, each unit's project
   tables in another of the Hebei project forms (hebei-project, hebei-project-split,
   chengde-project, tangshan-project) and its department table in another department form.
   ``python -m desk export-pdf`` on that file is timed against
   - LibreOffice: the same tables written as an Excel workbook (one sheet per table) and
     converted by ``soffice --headless --convert-to pdf`` (target: desk ≤ 0.2× of it);
   - the reportlab floor: bench/pdf_floor.py, a plain reportlab script that registers the same
     font file and draws the same strings, cell rectangles and lines on the same pages, read
     back from desk's PDF (target: desk ≤ 1.4× of it).
   Each process runs once untimed first (LibreOffice makes its profile, desk its font cache),
   then ``--repeat`` times, the three taking turns; medians.
2. 500 projects of 10 indicators rendered in this process, ms per page (target ≤ 20 ms);
   with ``--libreoffice-500`` the same tables also go through LibreOffice, for comparison.
Run: python bench/pdf_bench.py [--projects 500] [--repeat 5] [--libreoffice-500]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median_time, report  # noqa: E402
from desk.domain.model import DepartmentPlan, Unit  # noqa: E402
from desk.forms import get_form  # noqa: E402
from desk.io import jsonio  # noqa: E402
from desk.render.fonts import find_fonts  # noqa: E402
from desk.render.pdf import PrintJob, page_count, render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FORMS = ("hebei-project", "hebei-project-split", "chengde-project", "tangshan-project")
DEPARTMENT_FORMS = ("department", "department-2021", "department-detail", "department")


def sample_projects(n: int):
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    out = []
    for i in range(n):
        p = base[i % len(base)]
        inds = (p.indicators + p.indicators)[:10]
        out.append(replace(p, uid=f"bench-{i}", name=f"{p.name}（{i + 1}）", indicators=inds))
    return doc.units[0], out


def real_tables():
    """The 32 real tables: the yutian 2023 project tables and 部门整体表, four times as four units."""
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    dept = jsonio.loads((ROOT / "resources/demo/yutian-2023-department.json").read_text("utf-8")).departments[0]
    base = doc.units[0]
    units, projects, departments = [], [], []
    for k, (project_form, dept_form) in enumerate(zip(PROJECT_FORMS, DEPARTMENT_FORMS)):
        unit = base if k == 0 else Unit(f"{base.code}{k:02d}", base.name)
        units.append(unit)
        projects += [replace(p, uid=f"{p.uid}-{k}", unit_code=unit.code, form=project_form) for p in doc.projects]
        departments.append(replace(dept, uid=f"{dept.uid}-{k}", unit_code=unit.code, form=dept_form))
    return jsonio.Document(units=tuple(units), projects=tuple(projects), departments=tuple(departments))


def department_rows(n: int, d: DepartmentPlan) -> list[list[str]]:
    rows = [[f"{n}.{d.name}部门整体支出绩效目标表"], ["部门（单位）名称", d.name],
            ["任务名称", "主要内容", "预算金额", "", ""], ["", "", "总额", "财政资金", "其他资金"],
            ["合计", ""] + [str(v) for v in d.totals()]]
    rows += [[t.name, t.content, str(t.total or ""), str(t.fiscal or ""), str(t.other or "")] for t in d.tasks]
    rows += [["年度总体目标", "\n".join(f"{i}.{g}" for i, g in enumerate(d.goals, 1))],
             ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]]
    return rows + [[i.level1, i.level2, i.name, i.description, i.value_text, i.basis] for i in d.indicators]


def write_xlsx(projects, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    wb.remove(wb.active)
    for n, p in enumerate(projects, 1):
        ws = wb.create_sheet(f"表{n}")
        if isinstance(p, DepartmentPlan):
            rows = department_rows(n, p)
        else:
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


def floor_pages(pdf_path: Path, out: Path) -> int:
    """What bench/pdf_floor.py draws, read back from desk's PDF: per page its size, every string (each run of
    characters pdfplumber reads as a word, spaces kept) with its place and size, every rectangle (stroked,
    filled) and line. Returns the number of characters (not spaces) it holds, checked against the PDF's."""
    import pdfplumber

    pages, chars = [], 0
    with pdfplumber.open(str(pdf_path)) as pdf:
        for page in pdf.pages:
            h = float(page.height)
            words = page.extract_words(keep_blank_chars=True, x_tolerance=1.5, extra_attrs=["size"])
            texts = [[float(w["x0"]), h - float(w["bottom"]), float(w["size"]), w["text"]] for w in words]
            rects = [[float(r["x0"]), h - float(r["bottom"]), float(r["width"]), float(r["height"]), bool(r["stroke"]),
                      bool(r["fill"])] for r in page.rects]
            lines = [[float(x["x0"]), h - float(x["top"]), float(x["x1"]), h - float(x["bottom"])] for x in page.lines]
            pages.append({"size": [float(page.width), h], "texts": texts, "rects": rects, "lines": lines})
            drawn = sum(len(t[3].replace(" ", "")) for t in texts)
            printed = sum(1 for c in page.chars if c["text"].strip())
            if drawn != printed:
                raise SystemExit(f"floor: page {page.page_number} has {printed} characters, the floor would draw {drawn}")
            chars += drawn
    out.write_text(json.dumps({"page_size": pages[0]["size"], "pages": pages}, ensure_ascii=False), "utf-8")
    return chars


def spawn_times(commands: dict[str, tuple[list[str], dict | None]], repeat: int) -> dict[str, float]:
    """Median wall time of ``repeat`` runs of each whole process, after one untimed run of each. The commands
    take turns, so a change in the machine's load falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for k in range(repeat + 1):
        for name, (cmd, env) in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=3600)
            if k:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def real_tables_bench(repeat: int, no_bytecode: bool = False) -> None:
    from desk.ops.exports import print_jobs
    from desk.ops.imports import import_document
    from desk.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "real.db"
        import_document(real_tables(), db)
        with Store.open(db, readonly=True) as store:
            tables = [job.project for job in print_jobs(store)]
        desk_pdf = tmp / "desk.pdf"
        (tmp / "desk-home").mkdir()
        # Both Python programs run as installed ones do: with their bytecode compiled once (pip and the Windows
        # build ship it), here into a folder of this run (the untimed first runs fill it); --no-bytecode: without.
        python_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        if no_bytecode:
            python_env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            python_env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env = dict(python_env, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   DESK_HOME=str(tmp / "desk-home"))  # a fresh user folder: the untimed first run fills it
        desk_cmd = [sys.executable, "-m", "desk", "export-pdf", str(db), "-o", str(desk_pdf)]
        subprocess.run(desk_cmd, check=True, capture_output=True, env=env, timeout=600)
        pages = page_count(desk_pdf.read_bytes())
        spec = tmp / "pages.json"
        chars = floor_pages(desk_pdf, spec)
        floor_pdf = tmp / "floor.pdf"
        commands = {"desk": (desk_cmd, env),
                    "floor": ([sys.executable, str(ROOT / "bench" / "pdf_floor.py"), str(spec), str(floor_pdf)],
                              python_env)}
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice:
            xlsx = tmp / "tables.xlsx"
            write_xlsx(tables, xlsx)
            home = tmp / "lo-home"
            home.mkdir()
            commands["LibreOffice"] = ([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(xlsx)],
                                       dict(os.environ, HOME=str(home)))
        medians = spawn_times(commands, repeat)
        floor_pages_n = page_count(floor_pdf.read_bytes())
        print(f"{len(tables)} real tables: desk {pages} pages, {chars} characters; floor {floor_pages_n} pages")
        if floor_pages_n != pages:
            raise SystemExit("the floor drew another number of pages")
        if soffice:
            print(f"LibreOffice: {page_count((tmp / 'tables.pdf').read_bytes())} pages")
            report(f"print {len(tables)} real tables vs LibreOffice", medians["desk"], medians["LibreOffice"],
                   "LibreOffice xlsx→pdf", target=0.2)
        else:
            print("LibreOffice: not installed, no comparison")
        report(f"print {len(tables)} real tables vs reportlab floor", medians["desk"], medians["floor"],
               "plain reportlab script", target=1.4)

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--libreoffice-500", action="store_true",
                        help="also convert the 500 projects with LibreOffice (takes minutes)")
    parser.add_argument("--only-real", action="store_true", help="only the 32 real tables")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="run desk and the floor script without cached bytecode (as PYTHONDONTWRITEBYTECODE=1 does)")
    args = parser.parse_args()
    real_tables_bench(args.repeat, args.no_bytecode)
    if args.only_real:
        return
    unit, projects = sample_projects(args.projects)
    form = get_form("hebei-project")
    jobs = [PrintJob(p, i + 1, form, unit) for i, p in enumerate(projects)]
    start = time.perf_counter()
    fonts = find_fonts()
    font_s = time.perf_counter() - start
    data = render(jobs, fonts)
    elapsed = median_time(lambda: render(jobs, fonts), args.repeat)
    pages = page_count(data)
    print(f"desk: {args.projects} projects, {pages} pages, {elapsed:.2f} s (median of {args.repeat}) "
          f"= {elapsed / pages * 1000:.1f} ms per page ({len(data) / 1e6:.1f} MB); font loading {font_s * 1000:.0f} ms")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not args.libreoffice_500:
        return
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

"""Exports out of a file: interchange JSON, PDF for signatures, Excel.

The Excel and Word renderers load openpyxl and python-docx when first used, so printing a PDF goes without them.
"""

from __future__ import annotations

from pathlib import Path

from desk.domain.formdef import FormDef
from desk.domain.library import LibraryEntry
from desk.domain.model import DepartmentPlan, Narrative
from desk.forms import default_forms, get_form
from desk.io import jsonio
from desk.errors import DeskError
from desk.ops import library
from desk.ops.checking import check_tables, counts_by_table
from desk.render import document, docx_document, pdf, xlsx
from desk.render.fonts import find_fonts
from desk.render.table import PrintJob, table_numbers
from desk.store import Store, StoreError, write_file_atomically


def export_document(store: Store) -> jsonio.Document:
    return jsonio.Document(
        units=tuple(store.units()),
        projects=tuple(store.projects()),
        departments=tuple(store.departments()),
    )


def export_json(db_path: Path, out: Path | None = None) -> str:
    """The file's content as interchange JSON; written to ``out`` when given."""
    with Store.open(Path(db_path), readonly=True) as store:
        text = jsonio.dumps(export_document(store))
    if out is not None:
        write_file_atomically(Path(out), text.encode("utf-8"))
    return text


def print_jobs(store: Store, selection: list[str] | None = None, form_name: str | None = None,
               forms: dict[str, FormDef] | None = None) -> list[PrintJob]:
    """The tables to print: for each unit and year, its 部门整体支出绩效目标表 first, then its project tables in
    the order of the file. ``selection`` holds uids or 项目编码; ``form_name`` lays out the project tables."""
    forms = forms if forms is not None else default_forms()
    projects = store.projects()
    departments = store.departments()
    numbers = table_numbers(projects)  # each table's own number, the same in any file that holds it
    items = [(0, d) for d in departments] + [(numbers[p.uid], p) for p in projects]
    if selection:
        chosen: list[tuple[int, object]] = []
        for key in selection:
            hits = [(i, p) for i, p in items if p.uid == key or (getattr(p, "code", "") and p.code == key)]
            if not hits:
                raise StoreError(f"文件中没有 uid 或项目编码为“{key}”的表。")
            chosen.extend(h for h in hits if h not in chosen)
        items = [item for item in items if item in chosen]
    if not items:
        raise StoreError("文件中没有项目表或部门整体支出绩效目标表，无法打印。")
    # group by unit and year, in the order each first appears; the department leads its group
    groups: dict[tuple[str, int], int] = {}
    for _, item in sorted(items, key=lambda it: isinstance(it[1], DepartmentPlan)):
        groups.setdefault((item.unit_code, item.year), len(groups))
    order = {id(item): k for k, (_, item) in enumerate(items)}
    items.sort(key=lambda it: (groups[(it[1].unit_code, it[1].year)], not isinstance(it[1], DepartmentPlan),
                               order[id(it[1])]))
    damaged = {uid: name for _, uid, name in store.damaged()}
    spoiled = [damaged[p.uid] for _, p in items if p.uid in damaged]
    if spoiled:
        raise StoreError("以下表的内容已损坏（在本程序之外被改动过，与校验值不符），为避免印出错误的内容，未打印："
                         + "、".join(f"“{name}”" for name in spoiled) + "。请与备份或报给上级的副本核对。")
    units = {u.code: u for u in store.units()}
    jobs = []
    for index, item in items:
        if isinstance(item, DepartmentPlan):
            form = get_form(item.form, forms)
            if form.kind != "department":
                raise StoreError(f"表样“{form.label}”不是部门整体支出绩效目标表，不能用来打印“{item.name}”。")
        else:
            form = get_form(form_name or item.form, forms)
            if form.kind != "project":
                raise StoreError(f"表样“{form.label}”不是项目支出绩效目标表，不能用来打印项目。")
        jobs.append(PrintJob(project=item, index=index, form=form, unit=units.get(item.unit_code)))
    return jobs


def document_title(jobs: list[PrintJob], units: dict, file_unit=None) -> str:
    """The PDF's title. The tables of one unit are titled by that unit, not by the file that holds them, so an
    office's tables print the same from the office's file and from the supervisor's consolidated one."""
    codes = sorted({j.project.unit_code for j in jobs})
    years = sorted({j.project.year for j in jobs})
    names = [units[c].name if c in units else c for c in codes]
    if len(names) == 1:
        unit_text = names[0]
    elif file_unit is not None:
        unit_text = file_unit.name
    else:
        unit_text = "、".join(names[:3]) + ("等" if len(names) > 3 else "")
    year_text = f"{years[0]}年度" if len(years) == 1 else f"{years[0]}—{years[-1]}年度"
    return f"{unit_text}{year_text}项目支出绩效目标表"


def export_pdf(db_path: Path, out: Path | None = None, *, selection: list[str] | None = None,
               form_name: str | None = None, split_dir: Path | None = None,
               font: Path | str | None = None, unit_code: str | None = None, contents: bool = False) -> list[Path]:
    """Write the PDF (or one PDF per project into ``split_dir``); returns the files written."""
    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store, selection, form_name)
        if unit_code:
            jobs = [j for j in jobs if j.project.unit_code == unit_code]
            if not jobs:
                raise StoreError(f"文件中没有单位“{unit_code}”的项目。")
        units = {u.code: u for u in store.units()}
        file_unit = store.unit()
    fonts = find_fonts(font)
    missing = pdf.missing_glyphs(jobs, fonts)
    if missing:
        raise pdf.PrintError("以下文字当前字体无法显示，为避免打印出方框，未生成 PDF：\n"
                             + "\n".join(m.message() for m in missing))
    title = document_title(jobs, units, file_unit)
    written = []
    if split_dir is not None:
        split_dir = Path(split_dir)
        split_dir.mkdir(parents=True, exist_ok=True)
        for job, name in zip(jobs, pdf.split_file_names([j.project for j in jobs])):
            target = split_dir / name
            write_file_atomically(target, pdf.render([job], fonts, title=job.project.name))
            written.append(target)
    else:
        if out is None:
            raise StoreError("请用 -o 指定 PDF 文件名，或用 --split 指定文件夹。")
        write_file_atomically(Path(out), pdf.render(jobs, fonts, title=title, contents=contents))
        written.append(Path(out))
    return written


def export_published(db_path: Path, out: Path, *, unit_code: str | None = None, font: Path | str | None = None) -> Path:
    """The published document of one unit: ``out`` ending .pdf or .docx."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise StoreError("请用 -o 指定以 .pdf 或 .docx 结尾的文件名。")
    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store)
        units = {u.code: u for u in store.units()}
        codes = list(dict.fromkeys(j.project.unit_code for j in jobs))
        if unit_code is None:
            if len(codes) > 1:
                raise StoreError("文件中有多个单位的表（" + "、".join(units[c].name if c in units else c for c in codes)
                                 + "），请用 --unit 指定要导出哪个单位。")
            unit_code = codes[0]
        jobs = [j for j in jobs if j.project.unit_code == unit_code]
        if not jobs:
            raise StoreError(f"文件中没有单位“{unit_code}”的表。")
    years = sorted({j.project.year for j in jobs})
    year = years[-1]
    jobs = [j for j in jobs if j.project.year == year]
    department = next((j for j in jobs if isinstance(j.project, DepartmentPlan)), None)
    projects = [j for j in jobs if not isinstance(j.project, DepartmentPlan)]
    narrative = department.project.narrative if department is not None else Narrative()
    unit = units.get(unit_code)
    unit_name = unit.name if unit else unit_code
    if suffix == ".pdf":
        data = document.render_document(unit_name, year, narrative, department, projects, find_fonts(font))
    else:
        data = docx_document.render_docx(unit_name, year, narrative, department, projects)
    write_file_atomically(out, data)
    return out


def export_xlsx(db_path: Path, out: Path, *, selection: list[str] | None = None,
                form_name: str | None = None) -> Path:
    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store, selection, form_name)
        counts = counts_by_table(check_tables(store.projects()))
    write_file_atomically(Path(out), xlsx.render(jobs, counts))
    return Path(out)


def export_library(found: list[LibraryEntry], target: Path) -> Path:
    """The 指标库 entries listed, as an Excel sheet (the Excel part loads only when something is exported)."""
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise DeskError(f"导出的指标库是 Excel 文件，文件名请以 .xlsx 结尾（而不是“{target.name}”）。")
    write_file_atomically(target, xlsx.library_workbook(found, library.COLUMNS))
    return target

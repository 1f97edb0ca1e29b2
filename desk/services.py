"""Application services shared by the command line and the GUI.

They combine the store, the form definitions and the pure interchange code;
neither the CLI nor the UI writes SQL or knows the JSON shape.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from desk import paths
from desk.domain.checks import ERROR, Finding, check_department, check_project
from desk.domain.formdef import FormDef
from desk.forms import default_forms
from desk.io import jsonio
from desk.store import Store, StoreError

DEMO_SOURCE = "demo/yutian-2023.json"
DEMO_FILE = "示例_玉田县无终街道_2023.db"

@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    created_file: bool

    def summary(self) -> str:
        head = "已新建文件并导入" if self.created_file else "已导入"
        return f"{head}：新增 {self.added} 个，更新 {self.updated} 个，未变 {self.unchanged} 个"


def _file_identity(doc: jsonio.Document):
    if not doc.units:
        raise StoreError("JSON 中没有单位（units 为空），无法新建文件。")
    unit = doc.units[0]
    years = [p.year for p in doc.projects if p.unit_code == unit.code]
    years += [d.year for d in doc.departments if d.unit_code == unit.code]
    year = Counter(years).most_common(1)[0][0] if years else datetime.date.today().year
    return unit, year


def import_document(doc: jsonio.Document, db_path: Path, *, take_over: bool = False) -> ImportReport:
    """Upsert a parsed document into a file, creating it when needed; all or nothing."""
    db_path = Path(db_path)
    created = False
    if db_path.exists():
        store = Store.open(db_path, readonly=False, take_over=take_over)
    else:
        unit, year = _file_identity(doc)
        store = Store.create(db_path, unit=unit, year=year)
        created = True
    counts = Counter()

    def upsert(before, saved) -> None:
        if before is None:
            counts["added"] += 1
        elif saved.revision != before.revision:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1

    try:
        with store.transaction():
            for unit in doc.units:
                store.add_unit(unit)
            for project in doc.projects:
                before = store.project(project.uid)
                upsert(before, store.save_project(project, action="import", keep_stamp=True))
            for dept in doc.departments:
                before = store.department(dept.uid)
                upsert(before, store.save_department(dept, action="import", keep_stamp=True))
    except BaseException:
        store.close()
        if created:
            # Nothing of the import may remain: remove the file we just made.
            db_path.unlink(missing_ok=True)
        raise
    store.close()
    return ImportReport(counts["added"], counts["updated"], counts["unchanged"], created)


def export_document(store: Store) -> jsonio.Document:
    return jsonio.Document(
        units=tuple(store.units()),
        projects=tuple(store.projects()),
        departments=tuple(store.departments()),
    )


def check_store(store: Store, forms: dict[str, FormDef] | None = None) -> list[Finding]:
    forms = forms if forms is not None else default_forms()
    findings: list[Finding] = []
    for project in store.projects():
        form = forms.get(project.form)
        if form is None:
            findings.append(_unknown_form(project.uid, project.name, project.form, forms))
            continue
        findings.extend(check_project(project, form))
    for dept in store.departments():
        form = forms.get(dept.form)
        if form is None:
            findings.append(_unknown_form(dept.uid, dept.name, dept.form, forms))
            continue
        findings.extend(check_department(dept, form))
    return findings


def _unknown_form(uid: str, name: str, form: str, forms: dict) -> Finding:
    return Finding(
        "FORM_UNKNOWN", ERROR, uid, name or "（未命名）", "form",
        f"表样“{form}”在本程序中不存在，可用：{'、'.join(sorted(forms))}",
    )


def demo_path() -> Path:
    return paths.user_data_dir() / DEMO_FILE


def make_demo(target: Path | None = None) -> Path:
    """(Re)create the sample file from the shipped yutian tables."""
    target = Path(target) if target else demo_path()
    source = paths.resources_dir() / DEMO_SOURCE
    doc = jsonio.loads(source.read_text("utf-8"), source=str(source))
    if target.exists():
        target.unlink()
    import_document(doc, target)
    return target


def print_jobs(store: Store, selection: list[str] | None = None, form_name: str | None = None,
               forms: dict[str, FormDef] | None = None):
    """The tables to print, in the order of the file; ``selection`` holds uids or 项目编码."""
    from desk.forms import get_form
    from desk.render.pdf import PrintJob

    forms = forms if forms is not None else default_forms()
    projects = store.projects()
    numbered = list(enumerate(projects, 1))
    if selection:
        chosen: list[tuple[int, object]] = []
        for key in selection:
            hits = [(i, p) for i, p in numbered if p.uid == key or (p.code and p.code == key)]
            if not hits:
                raise StoreError(f"文件中没有 uid 或项目编码为“{key}”的项目。")
            chosen.extend(h for h in hits if h not in chosen)
        numbered = sorted(chosen, key=lambda item: item[0])
    if not numbered:
        raise StoreError("文件中没有项目，无法打印。")
    units = {u.code: u for u in store.units()}
    jobs = []
    for index, project in numbered:
        form = get_form(form_name or project.form, forms)
        if form.kind != "project":
            raise StoreError(f"表样“{form.name}”不是项目支出绩效目标表，不能用来打印项目。")
        jobs.append(PrintJob(project=project, index=index, form=form, unit=units.get(project.unit_code)))
    return jobs


def export_pdf(db_path: Path, out: Path | None = None, *, selection: list[str] | None = None,
               form_name: str | None = None, split_dir: Path | None = None,
               font: Path | None = None) -> list[Path]:
    """Write the PDF (or one PDF per project into ``split_dir``); returns the files written."""
    from desk.render import pdf
    from desk.render.fonts import find_fonts
    from desk.store import write_file_atomically

    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store, selection, form_name)
        unit = store.unit()
        year = store.year()
    fonts = find_fonts(font)
    missing = pdf.missing_glyphs(jobs, fonts)
    if missing:
        raise pdf.PrintError("以下文字当前字体无法显示，为避免打印出方框，未生成 PDF：\n"
                             + "\n".join(m.message() for m in missing))
    title = f"{unit.name if unit else ''}{year or ''}年度项目支出绩效目标表"
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
        write_file_atomically(Path(out), pdf.render(jobs, fonts, title=title))
        written.append(Path(out))
    return written

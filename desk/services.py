"""Application services shared by the command line and the GUI.

They combine the store, the form definitions and the pure interchange code;
neither the CLI nor the UI writes SQL or knows the JSON shape.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desk import paths
from desk.errors import DeskError
from desk.domain.checks import ERROR, Finding, check_department, check_project
from desk.domain.formdef import FormDef
from desk.forms import default_forms
from desk.io import jsonio
from desk.store import Store, StoreError

DEMO_SOURCE = "demo/yutian-2023.json"
DEMO_FILE = "示例_玉田县无终街道_2023.db"

def read_input(path: Path) -> bytes:
    """The bytes of a file the user gave us, or one Chinese sentence saying why not."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DeskError(f"找不到文件“{path}”") from None
    except IsADirectoryError:
        raise DeskError(f"“{path}”是文件夹，不是文件") from None
    except OSError as exc:
        raise DeskError(f"无法读取“{path}”：{exc.strerror}") from None


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


class _Upserts:
    """Counts of what an import did, table by table."""

    def __init__(self, created: bool):
        self.created = created
        self.counts = Counter()

    def note(self, before, saved) -> None:
        if before is None:
            self.counts["added"] += 1
        elif saved.revision != before.revision:
            self.counts["updated"] += 1
        else:
            self.counts["unchanged"] += 1

    def report(self) -> ImportReport:
        c = self.counts
        return ImportReport(c["added"], c["updated"], c["unchanged"], self.created)


@contextlib.contextmanager
def _import_target(db_path: Path, unit, year: int, take_over: bool):
    """Open (or create) the file and yield (store, counts) inside one transaction; all or nothing."""
    db_path = Path(db_path)
    created = not db_path.exists()
    store = Store.create(db_path, unit=unit, year=year) if created else Store.open(
        db_path, readonly=False, take_over=take_over)
    upserts = _Upserts(created)
    try:
        with store.transaction():
            yield store, upserts
    except BaseException:
        store.close()
        if created:
            # Nothing of the import may remain: remove the file we just made.
            db_path.unlink(missing_ok=True)
        raise
    store.close()


def import_document(doc: jsonio.Document, db_path: Path, *, take_over: bool = False) -> ImportReport:
    """Upsert a parsed document into a file, creating it when needed; all or nothing."""
    unit, year = (None, None) if Path(db_path).exists() else _file_identity(doc)
    with _import_target(db_path, unit, year, take_over) as (store, upserts):
        for unit in doc.units:
            store.add_unit(unit)
        for project in doc.projects:
            before = store.project(project.uid)
            upserts.note(before, store.save_project(project, action="import", keep_stamp=True))
        for dept in doc.departments:
            before = store.department(dept.uid)
            upserts.note(before, store.save_department(dept, action="import", keep_stamp=True))
    return upserts.report()


def export_document(store: Store) -> jsonio.Document:
    return jsonio.Document(
        units=tuple(store.units()),
        projects=tuple(store.projects()),
        departments=tuple(store.departments()),
    )


def check_table(item, forms: dict[str, FormDef] | None = None) -> list[Finding]:
    """The findings of one project or department table, against its own form."""
    forms = forms if forms is not None else default_forms()
    form = forms.get(item.form)
    if form is None:
        return [_unknown_form(item.uid, item.name, item.form, forms)]
    return check_department(item, form) if hasattr(item, "tasks") else check_project(item, form)


def check_store(store: Store, forms: dict[str, FormDef] | None = None) -> list[Finding]:
    forms = forms if forms is not None else default_forms()
    findings: list[Finding] = []
    for item in [*store.projects(), *store.departments()]:
        findings.extend(check_table(item, forms))
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
               font: Path | None = None, unit_code: str | None = None, contents: bool = False) -> list[Path]:
    """Write the PDF (or one PDF per project into ``split_dir``); returns the files written."""
    from desk.render import pdf
    from desk.render.fonts import find_fonts
    from desk.store import write_file_atomically

    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store, selection, form_name)
        if unit_code:
            jobs = [j for j in jobs if j.project.unit_code == unit_code]
            if not jobs:
                raise StoreError(f"文件中没有单位“{unit_code}”的项目。")
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
        write_file_atomically(Path(out), pdf.render(jobs, fonts, title=title, contents=contents))
        written.append(Path(out))
    return written


# ---------------------------------------------------------------- Excel

def export_xlsx(db_path: Path, out: Path, *, selection: list[str] | None = None,
                form_name: str | None = None) -> Path:
    from desk.render import xlsx
    from desk.store import write_file_atomically

    with Store.open(db_path, readonly=True) as store:
        jobs = print_jobs(store, selection, form_name)
        counts: dict[str, list[int]] = {}
        for f in check_store(store):
            pair = counts.setdefault(f.project_uid, [0, 0])
            pair[0 if f.severity == ERROR else 1] += 1
    write_file_atomically(Path(out), xlsx.render(jobs, {k: tuple(v) for k, v in counts.items()}))
    return Path(out)


@dataclass
class XlsxImportPlan:
    """What an Excel import found and what it would do, before anything is written."""

    source: str
    tables: list  # FoundTable, with projects completed (uid, unit, year)
    actions: list[str]  # "新增" or "更新" per table
    warnings: list
    unit: object
    year: int

    def summary_lines(self) -> list[str]:
        from desk.domain.money import display_money

        lines = [f"在“{self.source}”中找到 {len(self.tables)} 张绩效目标表："]
        for t, action in zip(self.tables, self.actions):
            p = t.project
            money = f"，预算数 {display_money(p.budget.total, p.money_unit)}{p.money_unit}" if p.budget.total is not None else ""
            lines.append(f"  {t.where}  {p.name or '（未命名）'}（{p.code or '无编码'}）：{len(p.indicators)} 条指标{money} → {action}")
        if self.warnings:
            lines.append(f"需要核对的单元格 {len(self.warnings)} 处：")
            lines.extend(f"  {w}" for w in self.warnings)
        return lines

    @property
    def updates(self) -> int:
        return self.actions.count("更新")


def plan_xlsx_import(xlsx_path: Path, db_path: Path, *, unit_code: str | None = None, unit_name: str | None = None,
                     year: int | None = None, forms: dict[str, FormDef] | None = None) -> XlsxImportPlan:
    from dataclasses import replace

    from desk.domain.model import Unit, new_uid
    from desk.io.xlsx_import import read_workbook

    forms = forms if forms is not None else default_forms()
    xlsx_path = Path(xlsx_path)
    result = read_workbook(read_input(xlsx_path), forms, name=xlsx_path.name)
    existing: list = []
    file_unit = file_year = None
    if Path(db_path).exists():
        with Store.open(db_path, readonly=True) as store:
            existing = store.projects()
            file_unit, file_year = store.unit(), store.year()
    year = year or file_year
    if not year:
        raise StoreError("无法确定年度：请用 --year 指定（如 --year 2024）。")
    found_unit = next((t.unit for t in result.tables if t.unit), None)
    code = unit_code or (found_unit.code if found_unit else None) or (file_unit.code if file_unit else None)
    if not code:
        raise StoreError("无法确定单位：表中没有“439001…”这样的单位行，请用 --unit-code 和 --unit-name 指定。")
    name = unit_name or (found_unit.name if found_unit and found_unit.code == code else None) or (
        file_unit.name if file_unit and file_unit.code == code else None) or code
    unit = Unit(code, name)
    tables, actions = [], []
    taken: set[str] = set()
    for t in result.tables:
        p = t.project
        match = next((e for e in existing if e.uid not in taken and e.unit_code == unit.code and e.year == year and (
            (p.code and e.code == p.code) or (not p.code and e.name == p.name))), None)
        if match is not None:
            taken.add(match.uid)
            t.project = replace(p, uid=match.uid, unit_code=unit.code, year=year, form=match.form,
                                finalized_at=match.finalized_at, finalized_by=match.finalized_by)
            actions.append("更新")
        else:
            t.project = replace(p, uid=new_uid(), unit_code=unit.code, year=year)
            actions.append("新增")
        tables.append(t)
    return XlsxImportPlan(xlsx_path.name, tables, actions, result.warnings, unit, year)


def apply_xlsx_import(plan: XlsxImportPlan, db_path: Path, *, take_over: bool = False) -> ImportReport:
    """Write every table of the plan in one transaction, or nothing."""
    with _import_target(db_path, plan.unit, plan.year, take_over) as (store, upserts):
        store.add_unit(plan.unit)
        for t in plan.tables:
            before = store.project(t.project.uid)
            if before is not None and before.finalized:
                raise StoreError(f"项目“{before.name}”已定稿，不能用 Excel 覆盖；请先解除定稿。")
            saved = store.save_project(t.project, action="import", note=f"从 {plan.source} {t.where} 导入")
            upserts.note(before, saved)
    return upserts.report()


# ---------------------------------------------------------------- supervisors: merging received files

@dataclass
class MergeReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    sources: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "conflicts": self.conflicts, "duplicates": self.duplicates, "refused": self.refused,
                "sources": self.sources}

    def summary(self) -> str:
        return (f"合并完成：新增 {self.added} 张，更新 {self.updated} 张，未变 {self.unchanged} 张；"
                f"冲突 {len(self.conflicts)} 处，疑似重复 {len(self.duplicates)} 组，拒收文件 {len(self.refused)} 个")


class MergeCancelled(DeskError):
    def __init__(self):
        super().__init__("已取消合并，汇总文件保持原样。")


def _differing_fields(a, b) -> list[str]:
    names = ("code", "name", "money_unit", "budget", "usage", "plan", "goals", "indicators", "tasks", "narrative",
             "finalized_at")
    return [n for n in names if hasattr(a, n) and getattr(a, n) != getattr(b, n)]


def merge_files(out_path: Path, sources: list[Path], *, progress=None) -> MergeReport:
    """Copy the content of received files into a consolidated file, all in one transaction.

    Sources are opened read-only (their bytes never change). Matching is by uid:
    a newer revision that descends from what we hold updates it; the same
    content is skipped; two contents where neither descends from the other
    are a conflict, kept aside and reported, never resolved silently.
    ``progress(done, total)`` may return False to cancel (nothing is written).
    """
    import hashlib

    from desk.store import StoreError as _StoreError

    out_path = Path(out_path)
    report = MergeReport()
    readable = []
    for src in sources:
        src = Path(src)
        try:
            store = Store.open(src, readonly=True)
        except _StoreError as exc:
            report.refused.append({"file": str(src), "reason": str(exc)})
            continue
        readable.append((src, store))
    created = False
    try:
        if out_path.exists():
            out = Store.open(out_path, readonly=False)
        else:
            if not readable:
                raise StoreError("没有可以合并的文件，未新建汇总文件。")
            first = readable[0][1]
            from desk.domain.model import Unit

            out = Store.create(out_path, unit=Unit("汇总", "汇总文件"), year=first.year() or 2000)
            created = True
        try:
            with out.transaction():
                for done, (src, store) in enumerate(readable, 1):
                    if progress is not None and progress(done - 1, len(readable)) is False:
                        raise MergeCancelled()
                    _merge_one(out, src, store, report, hashlib.sha256(src.read_bytes()).hexdigest())
                if progress is not None and progress(len(readable), len(readable)) is False:
                    raise MergeCancelled()
                report.duplicates = _find_duplicates(out)
        except BaseException:
            out.close()
            if created:
                out_path.unlink(missing_ok=True)  # nothing of a failed or cancelled merge remains
            raise
        out.close()
    finally:
        for _, store in readable:
            store.close()
    return report


def _merge_one(out: Store, src: Path, store: Store, report: MergeReport, sha: str) -> None:
    received = out.record_received(src.name, sha)
    report.sources.append({"file": str(src), "projects": store.project_count(),
                           "departments": len(store.departments())})
    for unit in store.units():
        out.add_unit(unit)
    items = [("project", p) for p in store.projects()] + [("department", d) for d in store.departments()]
    held = out.uids()
    for kind, item in items:
        if item.uid not in held:
            current = None
        else:
            current = out.project(item.uid) if kind == "project" else out.department(item.uid)
        save = out.save_project if kind == "project" else out.save_department
        label = item.name or getattr(item, "code", "") or item.uid
        if current is None:
            if kind == "project":
                out.save_project(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True,
                                 history=store.history_rows(item.uid))
            else:
                save(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True)
                out.add_history_rows(store.history_rows(item.uid))
            out.note_received(item.uid, received, item.revision)
            report.added += 1
            continue
        if current.content_key() == item.content_key():
            out.note_received(item.uid, received, item.revision)
            report.unchanged += 1
            continue
        theirs = store.history_contents(item.uid)
        ours = out.history_contents(item.uid)
        if current.content_key() in theirs:  # the office's version descends from ours: an update
            save(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True)
            out.add_history_rows(store.history_rows(item.uid))
            out.note_received(item.uid, received, item.revision)
            report.updated += 1
        elif item.content_key() in ours:  # an older copy of what we hold
            report.unchanged += 1
        else:
            out.add_conflict(item, src.name)
            held_from = out.received_from().get(item.uid, ("", ""))[0]
            sources = sorted({name for name in (held_from, src.name) if name})
            report.conflicts.append({
                "uid": item.uid, "project": label, "kind": kind, "sources": sources,
                "fields": _differing_fields(current, item),
                "held_revision": current.revision, "received_revision": item.revision,
            })


def _find_duplicates(out: Store) -> list[dict]:
    """Different uids with the same unit, year and code (or name when there is no code)."""
    groups: dict[tuple, list] = {}
    received = out.received_from()
    for p in out.projects():
        key = (p.unit_code, p.year, "code", p.code) if p.code else (p.unit_code, p.year, "name", p.name)
        groups.setdefault(key, []).append(p)
    result = []
    for (unit, year, by, value), items in groups.items():
        if len(items) > 1:
            result.append({
                "unit_code": unit, "year": year, "match": "项目编码" if by == "code" else "项目名称", "value": value,
                "projects": [{"uid": p.uid, "project": p.name, "source": received.get(p.uid, ("", ""))[0]}
                             for p in items],
            })
    return result


# ---------------------------------------------------------------- 审核意见 (review comments)

REVIEWS_FORMAT = "desk-reviews"


def set_review(db_path: Path, key: str, status: str, comment: str = "") -> object:
    """Supervisor: record a status and comment on a table (by uid or 项目编码)."""
    from desk.domain.model import Review
    from desk.store.lock import holder_name

    with Store.open(db_path, readonly=False) as store:
        hits = store.find_projects(key)
        if not hits:
            raise StoreError(f"文件中没有 uid 或项目编码为“{key}”的项目。")
        if len(hits) > 1:
            raise StoreError(f"项目编码“{key}”对应多个项目，请改用 uid。")
        p = hits[0]
        from desk.domain.model import now_iso

        review = Review(p.uid, status, comment, holder_name(), now_iso(), p.revision)
        store.save_review(review)
    return review


def export_reviews(db_path: Path, out: Path, *, unit_code: str | None = None) -> int:
    """导出审核意见: the reviews of one office's tables (or all) as a small JSON file."""
    import json as _json

    from desk.store import write_file_atomically

    with Store.open(db_path, readonly=True) as store:
        projects = {p.uid: p for p in store.projects() if unit_code in (None, p.unit_code)}
        reviews = [r for uid, r in store.reviews().items() if uid in projects]
    data = {
        "format": REVIEWS_FORMAT, "version": 1, "unit_code": unit_code,
        "reviews": [{"uid": r.uid, "project": projects[r.uid].name, "code": projects[r.uid].code,
                     "status": r.status, "comment": r.comment, "reviewer": r.reviewer,
                     "reviewed_at": r.reviewed_at, "revision": r.revision} for r in reviews],
    }
    write_file_atomically(Path(out), (_json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return len(reviews)


def import_reviews(db_path: Path, reviews_path: Path, *, take_over: bool = False) -> tuple[int, list[str]]:
    """Clerk: take in a supervisor's 审核意见; the tables themselves are not changed.

    Returns (reviews taken in, names of reviewed tables this file does not have).
    """
    items = read_reviews_file(reviews_path)
    taken, unknown = 0, []
    with Store.open(db_path, readonly=False, take_over=take_over) as store:
        held = store.uids()
        with store.transaction():
            for review, name in items:
                if review.uid in held:
                    store.save_review(review)
                    taken += 1
                else:
                    unknown.append(name or review.uid)
    return taken, unknown


def read_reviews_file(reviews_path: Path) -> list:
    """The (Review, table name) pairs of a 审核意见 file, checked."""
    import json as _json

    from desk.domain.codec import JsonShapeError, Reader
    from desk.domain.model import REVIEW_STATUSES, Review

    try:
        data = _json.loads(Path(reviews_path).read_text("utf-8-sig"))
    except FileNotFoundError:
        raise StoreError(f"找不到文件“{reviews_path}”") from None
    except (ValueError, UnicodeDecodeError):
        raise JsonShapeError(f"“{Path(reviews_path).name}”不是审核意见文件（不是有效的 JSON）") from None
    root = Reader(data, "$")
    if root.get("format", str) != REVIEWS_FORMAT:
        root.fail(f"应为 “{REVIEWS_FORMAT}”（这不是审核意见文件）", "format")
    items = []
    for r in root.items("reviews", required=True):
        status = r.get("status", str)
        if status not in REVIEW_STATUSES:
            r.fail(f"只能是 {'、'.join(REVIEW_STATUSES)}", "status")
        items.append((Review(r.get("uid", str), status, r.text("comment"), r.text("reviewer"), r.text("reviewed_at"),
                             r.get("revision", int, required=False, default=0)), r.text("project")))
    return items

"""Imports into a file: interchange JSON and Excel workbooks, and the demo file.

Every import is all or nothing, and none of them may change a table that is
finalised (定稿) or that an office sent to a consolidated file: such an import
is refused as a whole, naming each table, before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from desk import paths
from desk.domain import rules, suggestions
from desk.domain.formdef import FormDef
from desk.domain.model import DepartmentPlan, Narrative, Unit, new_uid
from desk.domain.money import display_money
from desk.errors import DeskError
from desk.forms import default_forms
from desk.io import jsonio
from desk.io.docx_import import read_document
from desk.io.xlsx_import import FoundDepartment, FoundTable, Warning_, read_workbook
from desk.ops.checking import check_table
from desk.ops.files import Target, read_input  # noqa: F401 - Target is part of this module's API
from desk.store import Store, StoreError

DEMO_SOURCE = "demo/yutian-2023.json"
DEMO_DEPARTMENT = "demo/yutian-2023-department.json"  # the yutian 2023 narrative and a department table
DEMO_FILE = "示例_玉田县无终街道_2023.db"

ADD = "新增"
UPDATE = "更新"
BLOCKED = "不能更新"


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    created_file: bool

    def summary(self) -> str:
        head = "已新建文件并导入" if self.created_file else "已导入"
        return f"{head}：新增 {self.added} 个，更新 {self.updated} 个，未变 {self.unchanged} 个"


def refuse_protected(changes, received: set[str] | frozenset[str], via: str = rules.IMPORT) -> None:
    """Raise one ProtectedError naming every table the import may not change; nothing is written."""
    problems = [rules.change_problem(before, after, via=via, received=after.uid in received)
                for before, after in changes]
    problems = [p for p in problems if p]
    if problems:
        raise rules.ProtectedError("\n".join(problems) + "\n未导入任何内容。")


# ---------------------------------------------------------------- JSON

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
        pairs = [(store.project(p.uid), p) for p in doc.projects]
        dept_pairs = [(store.department(d.uid), d) for d in doc.departments]
        refuse_protected(pairs + dept_pairs, store.received_uids())
        for unit in doc.units:
            store.add_unit(unit)
        for before, project in pairs:
            upserts.note(before, store.save_project(project, action="import", keep_stamp=True))
        for before, dept in dept_pairs:
            upserts.note(before, store.save_department(dept, action="import", keep_stamp=True))
    return upserts.report()


def import_json_text(text: str, db_path: Path, *, source: str, take_over: bool = False) -> ImportReport:
    return import_document(jsonio.loads(text, source=source), db_path, take_over=take_over)


def import_json_file(json_path: Path, db_path: Path, *, take_over: bool = False) -> ImportReport:
    raw = read_input(json_path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeskError(f"“{Path(json_path).name}”不是 UTF-8 编码的 JSON 文件") from None
    return import_json_text(text, db_path, source=Path(json_path).name, take_over=take_over)


def demo_path() -> Path:
    return paths.user_data_dir() / DEMO_FILE


def make_demo(target: Path | None = None) -> Path:
    """(Re)create the sample file from the shipped yutian tables."""
    target = Path(target) if target else demo_path()
    source = paths.resources_dir() / DEMO_SOURCE
    doc = jsonio.loads(source.read_text("utf-8"), source=str(source))
    extra = paths.resources_dir() / DEMO_DEPARTMENT
    if extra.is_file():
        doc = replace(doc, departments=jsonio.loads(extra.read_text("utf-8"), source=str(extra)).departments)
    if target.exists():
        target.unlink()
    import_document(doc, target)
    return target


# ---------------------------------------------------------------- Excel

@dataclass
class ImportPlan:
    """What an Excel or Word import found and what it would do, before anything is written."""

    source: str
    tables: list[FoundTable]  # with projects completed (uid, unit, year)
    actions: list[str]  # ADD, UPDATE or BLOCKED per table
    warnings: list
    unit: Unit
    year: int
    blocked: list[str] = field(default_factory=list)  # why each BLOCKED table may not be updated
    offers: list = field(default_factory=list)  # 建议 per table: (table, finding); imported as written unless adopted
    departments: list = field(default_factory=list)  # FoundDepartment, completed (uid, unit, year)
    department_actions: list = field(default_factory=list)
    adopted: int = 0  # how many of them were adopted (apply_suggestions)
    kind: str = "Excel"  # or "Word"
    narrative: Narrative | None = None  # a Word document's 总体绩效目标, 分项绩效目标 and 工作保障措施
    narrative_included: bool = False
    narrative_parts: str = ""  # the headings the narrative was read under (总体绩效目标、…)
    narrative_skipped: list = field(default_factory=list)  # subtitles under them, not taken
    existing: tuple = ()  # the target's department tables, to put the narrative on
    received: frozenset = frozenset()  # uids of the target's tables that offices sent (never changed by an import)

    def include_narrative(self) -> bool:
        """Import the document's narrative too, into this unit's department table of the year (made if
        there is none); refused like any other change if that table is finalised or received."""
        if self.narrative is None or self.narrative_included:
            return False
        self.narrative_included = True
        for d in self.departments:
            d.department = replace(d.department, narrative=self.narrative)
        if self.departments:
            return True
        match = next((e for e in self.existing if e.unit_code == self.unit.code and e.year == self.year), None)
        if match is None:
            dept = DepartmentPlan(unit_code=self.unit.code, year=self.year, name=self.unit.name,
                                  narrative=self.narrative)
            action = ADD
        else:
            dept = replace(match, narrative=self.narrative)
            problem = rules.change_problem(match, dept, via=rules.IMPORT, received=match.uid in self.received)
            if problem:
                self.blocked.append(problem)
            action = BLOCKED if problem else UPDATE
        self.departments.append(FoundDepartment("文字部分", 0, "文字部分", dept, None, self.year,
                                                form_label="部门整体绩效目标", place="文字部分"))
        self.department_actions.append(action)
        return True

    def narrative_only(self) -> bool:
        """Import the document's narrative alone: no table of the file is touched (its department table keeps
        its tasks and indicators, only its narrative is replaced)."""
        if self.narrative is None:
            return False
        self.tables, self.actions, self.offers = [], [], []
        self.departments, self.department_actions, self.blocked = [], [], []
        self.warnings = []
        self.narrative_included = False
        return self.include_narrative()

    @property
    def replaces_narrative(self) -> bool:
        """Whether the file's department table of the year already has a narrative the import would replace."""
        match = next((e for e in self.existing if e.unit_code == self.unit.code and e.year == self.year), None)
        n = match.narrative if match is not None else None
        return n is not None and bool(n.overall.strip() or n.sub_goals or n.measures)

    def narrative_lines(self) -> list[str]:
        """The narrative in a few lines, to see before it replaces what the file has."""
        n = self.narrative
        if n is None:
            return []

        def cut(text: str, size: int = 40) -> str:
            text = " ".join(text.split())
            return text if len(text) <= size else text[:size] + "…"

        lines = [f"    总体绩效目标：{cut(n.overall)}"] if n.overall.strip() else []
        lines += [f"    分项绩效目标 {i}：{cut(g.title or g.goal)}" for i, g in enumerate(n.sub_goals, 1)]
        lines += [f"    工作保障措施 {i}：{cut(m)}" for i, m in enumerate(n.measures, 1)]
        return lines

    def apply_suggestions(self) -> int:
        """Adopt every 建议 (tree names for 效果指标/数量, ≥85% for 85%以上) in the tables to import."""
        count = 0
        for t in self.tables:
            offers = [f for table, f in self.offers if table is t]
            if offers:
                t.project = suggestions.apply_all(t.project, offers)
                count += len(offers)
        self.adopted = count
        return count

    def narrative_outcome(self, choice: str | None = None) -> str:
        """What happens to the document's narrative: ``choice`` is "none", "with" or "only" (as offered in the
        preview); None means as the plan stands."""
        if choice is None:
            choice = "with" if self.narrative_included else "none"
        if choice == "only":
            return "只导入文字部分，各张表都不导入"
        if choice == "with":
            return "导入到部门整体表" + ("，替换文件中已有的文字部分" if self.replaces_narrative else "")
        return "不导入（可以选择同时导入）"

    def summary_lines(self, narrative_choice: str | None = None) -> list[str]:
        lines = [f"在“{self.source}”中找到 {len(self.tables)} 张项目绩效目标表"
                 + (f"、{len(self.departments)} 张部门整体支出绩效目标表" if self.departments else "") + "："]
        for d, action in zip(self.departments, self.department_actions):
            dept = d.department
            total = display_money(dept.totals()[0], dept.money_unit, grouped=True)
            lines.append(f"  {d.where}  部门整体：{dept.name or '（未填单位名称）'}：{len(dept.tasks)} 项任务，合计 {total}"
                         f"{dept.money_unit}，{len(dept.indicators)} 条指标，按“{d.form_label}” → {action}")
        for t, action in zip(self.tables, self.actions):
            p = t.project
            money = (f"，预算数 {display_money(p.budget.total, p.money_unit, grouped=True)}{p.money_unit}"
                     if p.budget.total is not None else "")
            shape = f"，按“{t.form_label}”" if t.form_label else ""
            lines.append(f"  {t.where}  {p.name or '（未命名）'}（{p.code or '无编码'}）：{len(p.indicators)} 条指标{money}"
                         f"{shape} → {action}")
        if self.blocked:
            lines.append(f"以下表不能用 {self.kind} 更新，所以不能导入：")
            lines.extend(f"  {b}" for b in self.blocked)
        if self.narrative is not None:
            n = self.narrative
            parts = "、".join(part for part, heading in (
                (f"总体绩效目标 {len([x for x in n.overall.splitlines() if x.strip()])} 段", "总体绩效目标"),
                (f"分项绩效目标 {len(n.sub_goals)} 项", "分项绩效目标"),
                (f"工作保障措施 {len(n.measures)} 条", "工作保障措施")) if heading in self.narrative_parts)
            lines.append(f"文字部分：{parts} → {self.narrative_outcome(narrative_choice)}")
            lines.extend(self.narrative_lines())
            lines.extend(f"  小标题“{line[:40]}”不属于文字部分的内容，没有导入" for line in self.narrative_skipped)
        if self.warnings:
            lines.append(f"需要核对的地方 {len(self.warnings)} 处：")
            lines.extend(f"  {w}" for w in self.warnings)
        if self.offers and self.adopted:
            lines.append(f"已采用建议的写法 {self.adopted} 处（导入后可以撤销）：")
        elif self.offers:
            lines.append(f"可以统一的写法 {len(self.offers)} 处（按原样导入；可选择同时采用，或以后在审核面板中采用）：")
        lines.extend(f"  {t.where}  {f.message}" for t, f in self.offers)
        return lines

    @property
    def updates(self) -> int:
        return self.actions.count(UPDATE)

    def refuse_if_blocked(self) -> None:
        if self.blocked:
            raise rules.ProtectedError("\n".join(self.blocked) + "\n未导入任何内容。")


XlsxImportPlan = ImportPlan  # the name it had before Word documents


def _same_code(a: str, b: str) -> bool:
    """Project codes written the same but for full-width characters or spaces are the same project's."""
    return "".join(unicodedata.normalize("NFKC", a).split()) == "".join(unicodedata.normalize("NFKC", b).split())


def plan_xlsx_import(xlsx_path: Path, target: Target, *, unit_code: str | None = None, unit_name: str | None = None,
                     year: int | None = None, forms: dict[str, FormDef] | None = None) -> ImportPlan:
    """Read a workbook and say, table by table, what importing it into ``target`` would do."""
    forms = forms if forms is not None else default_forms()
    xlsx_path = Path(xlsx_path)
    result = read_workbook(read_input(xlsx_path), forms, name=xlsx_path.name)
    return _plan(result, xlsx_path.name, target, unit_code=unit_code, unit_name=unit_name, year=year, forms=forms)


def plan_docx_import(docx_path: Path, target: Target, *, unit_code: str | None = None, unit_name: str | None = None,
                     year: int | None = None, forms: dict[str, FormDef] | None = None) -> ImportPlan:
    """Read a Word document (last year's published one, say): its tables as an Excel import reads a workbook's,
    and its narrative, offered to be imported too (:meth:`ImportPlan.include_narrative`)."""
    forms = forms if forms is not None else default_forms()
    docx_path = Path(docx_path)
    result = read_document(read_input(docx_path), forms, name=docx_path.name)
    plan = _plan(result, docx_path.name, target, unit_code=unit_code, unit_name=unit_name, year=year, forms=forms,
                 year_hint=result.year)
    plan.kind = "Word"
    plan.narrative = result.narrative
    plan.narrative_parts = result.narrative_where
    plan.narrative_skipped = result.narrative_skipped
    return plan


def _plan(result, source: str, target: Target, *, unit_code, unit_name, year, forms, year_hint=None) -> ImportPlan:
    file_unit, file_year = target.unit, target.year
    year = year or file_year or next((d.year for d in result.departments if d.year), None) or year_hint
    if not year:
        raise StoreError("无法确定年度：请用 --year 指定（如 --year 2024）。")
    found_unit = next((t.unit for t in (*result.tables, *result.departments) if t.unit), None)
    code = unit_code or (found_unit.code if found_unit else None) or (file_unit.code if file_unit else None)
    if not code:
        raise StoreError("无法确定单位：表中没有“439001…”这样的单位行，请用 --unit-code 和 --unit-name 指定。")
    name = unit_name or (found_unit.name if found_unit and found_unit.code == code else None) or (
        file_unit.name if file_unit and file_unit.code == code else None) or code
    unit = Unit(code, name)
    tables, actions, blocked = [], [], []
    taken: set[str] = set()
    for t in result.tables:
        p = t.project
        if t.unit is not None and t.unit.code != unit.code:
            t.warnings.append(Warning_(t.where, f"表上写的单位是“{t.unit.code}{t.unit.name}”，将作为“{unit.code}"
                                                f"{unit.name}”的表导入，请核对"))
        match = next((e for e in target.projects if e.uid not in taken and e.unit_code == unit.code and e.year == year
                      and ((p.code and _same_code(e.code, p.code)) or (not p.code and e.name == p.name))), None)
        if match is not None:
            taken.add(match.uid)
            t.project = replace(p, uid=match.uid, unit_code=unit.code, year=year, form=match.form,
                                finalized_at=match.finalized_at, finalized_by=match.finalized_by,
                                number=p.number or match.number)
            problem = rules.change_problem(match, t.project, via=rules.IMPORT, received=match.uid in target.received)
            if problem:
                blocked.append(problem)
            actions.append(BLOCKED if problem else UPDATE)
        else:
            t.project = replace(p, uid=new_uid(), unit_code=unit.code, year=year)
            actions.append(ADD)
        tables.append(t)
    offers = [(t, f) for t in tables for f in suggestions.suggestions(check_table(t.project, forms))]
    departments, department_actions = [], []
    for d in result.departments:
        problem = ""
        if d.year and d.year == year - 1:  # last year's document as the start of this year's table
            d.warnings.append(Warning_(d.where, f"部门整体表写的是 {d.year} 年，将作为 {year} 年度的表导入："
                                                "任务、金额和指标都是上一年度的，请逐项改为本年度的"))
        elif d.year and d.year != year:
            problem = (f"{d.where} 部门整体表写的是 {d.year} 年，要导入的是 {year} 年度：不能把别的年度的表"
                       f"导入进来（请导入到 {d.year} 年度的文件）")
        elif d.unit is not None and d.unit.code != unit.code:
            problem = (f"{d.where} 部门整体表的单位是 {d.unit.code}{d.unit.name}，要导入的单位是 {unit.code}{unit.name}："
                       "不能用别的单位的表替换本单位的表")
        match = next((e for e in target.departments if e.unit_code == unit.code and e.year == year), None)
        uid = match.uid if match is not None else new_uid()
        d.department = replace(d.department, uid=uid, unit_code=unit.code, year=year,
                               narrative=match.narrative if match is not None else d.department.narrative,
                               finalized_at=match.finalized_at if match is not None else "",
                               finalized_by=match.finalized_by if match is not None else "")
        if not problem and match is not None:
            problem = rules.change_problem(match, d.department, via=rules.IMPORT, received=match.uid in target.received)
            if not problem and match.name.strip() and d.department.name.strip() != match.name.strip():
                d.warnings.append(Warning_(d.where, f"部门（单位）名称“{d.department.name}”与文件中的"
                                                    f"“{match.name}”不同，导入后以表中的为准，请核对"))
        if problem:
            blocked.append(problem)
        departments.append(d)
        department_actions.append(BLOCKED if problem else UPDATE if match is not None else ADD)
    return ImportPlan(source, tables, actions, result.warnings, unit, year, blocked, offers, departments,
                        department_actions, existing=tuple(target.departments), received=frozenset(target.received))


def apply_import(plan: ImportPlan, db_path: Path, *, take_over: bool = False) -> ImportReport:
    """Write every table of the plan in one transaction, or nothing."""
    plan.refuse_if_blocked()
    with _import_target(db_path, plan.unit, plan.year, take_over) as (store, upserts):
        pairs = [(store.project(t.project.uid), t.project) for t in plan.tables]
        refuse_protected(pairs, store.received_uids())  # the file may have changed since the plan was made
        store.add_unit(plan.unit)
        for (before, project), t in zip(pairs, plan.tables):
            saved = store.save_project(project, action="import", note=f"从 {plan.source} {t.where} 导入")
            upserts.note(before, saved)
        received = store.received_uids()
        for d in plan.departments:
            before = store.department(d.department.uid)
            problem = rules.change_problem(before, d.department, via=rules.IMPORT, received=d.department.uid in received)
            if problem:  # the file may have changed since the plan was made
                raise rules.ProtectedError(problem + "\n未导入任何内容。")
            upserts.note(before, store.save_department(d.department, action="import",
                                                       note=f"从 {plan.source} {d.where} 导入"))
    return upserts.report()


apply_xlsx_import = apply_import

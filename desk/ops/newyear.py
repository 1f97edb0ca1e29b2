"""新建下一年度文件: next year's file from this one.

Every project table and department table is carried into a new file for the
next year, with new uids and a link to last year's (``carried_from``). Kept:
names, codes, usage, goals, indicators with their values, the narrative.
Cleared: money and the spending plan. Nothing is finalised and review
statuses are not carried. Last year's file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from desk.domain.model import Budget, DepartmentTask, SpendingPlan, new_uid
from desk.store import Store, StoreError


@dataclass(frozen=True)
class CarryReport:
    path: Path
    year: int
    projects: int
    departments: int

    def summary(self) -> str:
        parts = [f"{self.projects} 张项目表"] + ([f"{self.departments} 张部门整体表"] if self.departments else [])
        return (f"已新建 {self.year} 年度文件，从上一年度带入 {'和 '.join(parts)}：名称、编码、资金用途、绩效目标和指标都已带入，"
                "预算金额和资金支出计划已清空，请逐表填写；各表均未定稿")


def new_year(source: Path, out: Path) -> CarryReport:
    """Carry ``source`` into a new file ``out`` for the next year; ``source`` is not changed."""
    source, out = Path(source), Path(out)
    if out.resolve() == source.resolve():
        raise StoreError("下一年度文件不能与上一年度文件同名，请换一个文件名。")
    with Store.open(source, readonly=True) as store:
        units = store.units()
        unit = store.unit()
        year = store.year()
        projects = store.projects()
        departments = store.departments()
        role = store.role()
        own, hidden = store.library()  # the office's own 指标库 entries go on to next year
    years = {p.year for p in projects} | {d.year for d in departments} | ({year} if year else set())
    if not years:
        raise StoreError(f"无法确定“{source.name}”的年度，文件中没有表。")
    last = max(years)
    following = last + 1
    if unit is None:
        raise StoreError(f"“{source.name}”没有记录单位，无法新建下一年度文件。")
    # a table keeps its number: next year's paper is numbered as this year's
    carried_projects = [carried(p, p.unit_code, following, number=p.number) for p in projects if p.year == last]
    carried_departments = [
        replace(d, uid=new_uid(), year=following, carried_from=d.uid, finalized_at="", finalized_by="",
                tasks=tuple(DepartmentTask(t.name, t.content) for t in d.tasks), revision=0, updated_at="")
        for d in departments if d.year == last
    ]
    with Store.create(out, unit=unit, year=following, role=role) as new:
        with new.transaction():
            for u in units:
                new.add_unit(u)
            for p in carried_projects:
                new.save_project(p, action="carry", note=f"从 {source.name}（{last} 年度）带入")
            for d in carried_departments:
                new.save_department(d, action="carry", note=f"从 {source.name}（{last} 年度）带入")
            if own or hidden:
                new.save_library(own, hidden)
    return CarryReport(out, following, len(carried_projects), len(carried_departments))


@dataclass(frozen=True)
class CopyReport:
    added: int
    source: str

    def summary(self) -> str:
        return (f"已从“{self.source}”复制 {self.added} 张项目表到本文件（本单位、本年度，新的 uid）；"
                "预算金额和资金支出计划已清空，请填写")


def projects_of(source: Path) -> list:
    """The project tables of another file (last year's, or a neighbour's), read only."""
    with Store.open(Path(source), readonly=True) as store:
        return store.projects()


def copy_from(source: Path, db_path: Path, selection: list[str] | None = None, *, take_over: bool = False) -> CopyReport:
    """Copy project tables from another file into ``db_path`` as new tables of its unit and year.

    ``selection`` holds uids or 项目编码 (all when empty). Money and the plan are cleared, nothing is finalised;
    ``carried_from`` links each copy to the table it came from. The other file is only read.
    """
    source, db_path = Path(source), Path(db_path)
    if source.resolve() == db_path.resolve():
        raise StoreError("不能从本文件复制到本文件：请选择另一个文件（如上一年度的文件）。")
    chosen = copies_for(projects_of(source), selection)
    with Store.open(db_path, take_over=take_over) as store:
        unit, year = store.unit(), store.year()
        if unit is None or not year:
            raise StoreError(f"“{db_path.name}”没有记录单位或年度，无法复制进来。")
        with store.transaction():
            for p in chosen:
                store.save_project(carried(p, unit.code, year), action="copy",
                                   note=f"从 {source.name} 复制（{p.year} 年度“{p.name}”）")
    return CopyReport(len(chosen), source.name)


def copies_for(projects: list, selection: list[str] | None) -> list:
    if not selection:
        return list(projects)
    chosen = []
    for key in selection:
        hits = [p for p in projects if p.uid == key or (p.code and p.code == key)]
        if not hits:
            raise StoreError(f"另一个文件中没有 uid 或项目编码为“{key}”的项目。")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def carried(p, unit_code: str, year: int, *, number: int = 0):
    """A copy of ``p`` as a new table of ``unit_code`` and ``year``: money and plan cleared, not finalised;
    ``number`` 0 lets the file give it the next number of its unit and year."""
    return replace(p, uid=new_uid(), unit_code=unit_code, year=year, carried_from=p.uid, budget=Budget(),
                   plan=SpendingPlan(p.plan.scheme, tuple(None for _ in p.plan.points)), number=number,
                   finalized_at="", finalized_by="", revision=0, updated_at="")

"""审核: the findings of one table, or of every table in a file."""

from __future__ import annotations

from pathlib import Path

from desk.domain.checks import (
    ERROR, SUGGESTION, Finding, check_department, check_project, compare_with_last_year, damaged_finding,
    department_totals, duplicate_numbers,
)
from desk.domain.formdef import FormDef
from desk.domain.model import DepartmentPlan, Project
from desk.forms import default_forms
from desk.store import Store


def check_table(item: Project | DepartmentPlan, forms: dict[str, FormDef] | None = None,
                last: Project | DepartmentPlan | None = None) -> list[Finding]:
    """The findings of one project or department table, against its own form; ``last``: last year's table it
    was carried from, when known (提示 where targets fell or indicators went)."""
    forms = forms if forms is not None else default_forms()
    form = forms.get(item.form)
    if form is None:
        return [Finding("FORM_UNKNOWN", ERROR, item.uid, item.name or "（未命名）", "form",
                        f"表样“{item.form}”在本程序中不存在，可用：{'、'.join(sorted(f.label for f in forms.values()))}")]
    found = check_department(item, form) if isinstance(item, DepartmentPlan) else check_project(item, form)
    if last is not None:
        found += compare_with_last_year(item, last, form)
    return found


def earlier_in_file(item, lookup) -> Project | DepartmentPlan | None:
    """The table ``item`` was carried from, when ``lookup(uid)`` finds it in the same file and it is of an
    earlier year (复制到下一年度)."""
    source = lookup(item.carried_from) if item.carried_from else None
    return source if source is not None and source.year < item.year else None


def last_years(items, store: Store) -> dict[str, Project | DepartmentPlan]:
    """uid → last year's table each carried table came from: in the same file (复制到下一年度), or as it was
    carried into this file by 新建下一年度文件."""
    by_uid = {i.uid: i for i in items}
    found: dict[str, Project | DepartmentPlan] = {}
    for item in items:
        if not item.carried_from:
            continue
        source = earlier_in_file(item, by_uid.get)
        if source is not None:
            found[item.uid] = source
            continue
        carried = store.carried_version(item.uid)
        if carried is not None:
            found[item.uid] = carried
    return found


def check_tables(items, forms: dict[str, FormDef] | None = None, last: dict | None = None) -> list[Finding]:
    forms = forms if forms is not None else default_forms()
    items = list(items)
    last = last or {}
    found = [f for item in items for f in check_table(item, forms, last.get(item.uid))]
    return found + duplicate_numbers([i for i in items if isinstance(i, Project)]) + department_totals(items)


def check_file(path: Path) -> tuple[list[Finding], int]:
    """Every finding of every table in the file (a table changed outside the program first), and how many
    tables were checked."""
    with Store.open(Path(path), readonly=True) as store:
        items = [*store.projects(), *store.departments()]
        damaged = {uid for _, uid, _ in store.damaged()}
        last = last_years(items, store)
    findings = [damaged_finding(item) for item in items if item.uid in damaged]
    return findings + check_tables(items, last=last), len(items)


def counts_by_table(findings: list[Finding]) -> dict[str, tuple[int, int]]:
    """uid → (errors, warnings)."""
    counts: dict[str, list[int]] = {}
    for f in findings:
        if f.severity == SUGGESTION:
            continue  # 建议 are offers, not problems
        pair = counts.setdefault(f.project_uid, [0, 0])
        pair[0 if f.severity == ERROR else 1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}

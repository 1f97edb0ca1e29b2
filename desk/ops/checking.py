"""审核: the findings of one table, or of every table in a file."""

from __future__ import annotations

from pathlib import Path

from desk.domain.checks import ERROR, SUGGESTION, Finding, check_department, check_project, damaged_finding, department_totals, duplicate_numbers
from desk.domain.formdef import FormDef
from desk.domain.model import DepartmentPlan, Project
from desk.forms import default_forms
from desk.store import Store


def check_table(item: Project | DepartmentPlan, forms: dict[str, FormDef] | None = None) -> list[Finding]:
    """The findings of one project or department table, against its own form."""
    forms = forms if forms is not None else default_forms()
    form = forms.get(item.form)
    if form is None:
        return [Finding("FORM_UNKNOWN", ERROR, item.uid, item.name or "（未命名）", "form",
                        f"表样“{item.form}”在本程序中不存在，可用：{'、'.join(sorted(f.label for f in forms.values()))}")]
    if isinstance(item, DepartmentPlan):
        return check_department(item, form)
    return check_project(item, form)


def check_tables(items, forms: dict[str, FormDef] | None = None) -> list[Finding]:
    forms = forms if forms is not None else default_forms()
    items = list(items)
    found = [f for item in items for f in check_table(item, forms)]
    return found + duplicate_numbers([i for i in items if isinstance(i, Project)]) + department_totals(items)


def check_file(path: Path) -> tuple[list[Finding], int]:
    """Every finding of every table in the file (a table changed outside the program first), and how many
    tables were checked."""
    with Store.open(Path(path), readonly=True) as store:
        items = [*store.projects(), *store.departments()]
        damaged = {uid for _, uid, _ in store.damaged()}
    findings = [damaged_finding(item) for item in items if item.uid in damaged]
    return findings + check_tables(items), len(items)


def counts_by_table(findings: list[Finding]) -> dict[str, tuple[int, int]]:
    """uid → (errors, warnings)."""
    counts: dict[str, list[int]] = {}
    for f in findings:
        if f.severity == SUGGESTION:
            continue  # 建议 are offers, not problems
        pair = counts.setdefault(f.project_uid, [0, 0])
        pair[0 if f.severity == ERROR else 1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}

"""The rules that protect a table, and what a saved table must satisfy.

A finalised (定稿) table changes only through 解除定稿; a table an office sent
to a consolidated file is read-only there (only a later file from the office,
or the supervisor settling a conflict, replaces it); nothing that breaks the
file's invariants is saved. ``desk.ops`` applies these on every write path
(editor, JSON and Excel import, merge, conflicts) before the store is asked
to write anything; the store applies ``validate_*`` again as a last guard.
"""

from __future__ import annotations

from decimal import Decimal

from desk.domain.model import DepartmentPlan, Project, when_text
from desk.domain.money import MAX_AMOUNT
from desk.errors import DeskError, InputError

# How a change reaches a table.
EDIT = "edit"
IMPORT = "import"
MERGE = "merge"
RESOLVE = "resolve"  # a supervisor settling a merge conflict
FINALIZE = "finalize"
UNFINALIZE = "unfinalize"

_HOW = {EDIT: "修改", IMPORT: "导入", MERGE: "合并", RESOLVE: "处理冲突", FINALIZE: "定稿"}

MIN_YEAR, MAX_YEAR = 1900, 2999


class ProtectedError(DeskError):
    """A change that a table's protection forbids; nothing was changed."""


def table_label(item: Project | DepartmentPlan) -> str:
    if isinstance(item, DepartmentPlan):
        return f"部门整体表“{item.name or '（未命名）'}”"
    return f"项目“{item.name or item.code or '（未命名）'}”"


def is_finalized(item: Project | DepartmentPlan | None) -> bool:
    return bool(getattr(item, "finalized_at", ""))


def same_content(a: Project | DepartmentPlan, b: Project | DepartmentPlan) -> bool:
    return a.content_key() == b.content_key()


def change_problem(before: Project | DepartmentPlan | None, after: Project | DepartmentPlan | None, *,
                   via: str, received: bool = False, released: bool = False) -> str:
    """Why the change ``before`` → ``after`` is not allowed ("" when it is).

    ``after`` None removes the table. ``received``: the table came to this
    consolidated file from an office. ``released`` (merge only): the incoming
    version was made after a 解除定稿 of the version held here.
    """
    if before is None or (after is not None and same_content(before, after)):
        return ""
    label = table_label(before)
    if received and via not in (MERGE, RESOLVE):
        return f"{label}是单位报来的表，在汇总文件中只读；如需修改，请用审核意见退回单位修改。"
    if is_finalized(before) and via != UNFINALIZE and not (via == MERGE and released):
        who = "，".join(x for x in (before.finalized_by, when_text(before.finalized_at)) if x)
        if after is None:
            return f"{label}已定稿（{who}），不能删除；如需删除，请先“解除定稿”。"
        how = _HOW.get(via, "修改")
        return f"{label}已定稿（{who}），{how}不能改动它的内容；如需修改，请先“解除定稿”。"
    return ""


def check_change(before, after, *, via: str, received: bool = False, released: bool = False) -> None:
    """Raise ProtectedError or InputError (in Chinese) if the change may not be saved."""
    problem = change_problem(before, after, via=via, received=received, released=released)
    if problem:
        raise ProtectedError(problem)
    if after is not None:
        validate(after)


# ---------------------------------------------------------------- validation

MAX_NUMBER = 100_000  # a table's printed number


def validate(item: Project | DepartmentPlan) -> None:
    if isinstance(item, DepartmentPlan):
        validate_department(item)
    else:
        validate_project(item)


def validate_amount(amount: Decimal | None, label: str) -> None:
    if amount is None:
        return
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InputError(f"{label}不是有效的金额")
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError(f"{label}“{amount}”最多保留两位小数（以元计）")
    if abs(amount) >= MAX_AMOUNT:
        raise InputError(f"{label}“{amount}”过大（不能达到 1000 万亿元），请核对位数")


def _validate_header(where: str, uid: str, year, money_unit: str) -> None:
    if not uid:
        raise InputError(f"{where}缺少 uid")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(f"{where}的年度“{year}”无效")
    if money_unit not in ("元", "万元"):
        raise InputError(f"{where}的金额单位只能是元或万元")


def validate_project(p: Project) -> None:
    where = table_label(p)
    _validate_header(where, p.uid, p.year, p.money_unit)
    if p.plan.scheme not in ("month_end", "quarter"):
        raise InputError(f"{where}的支出计划方式无效")
    for label, amount in (("预算数", p.budget.total), ("财政资金", p.budget.fiscal), ("其他资金", p.budget.other)):
        validate_amount(amount, f"{where}的{label}")
    for point in p.plan.points:
        if point is not None and (not isinstance(point, Decimal) or not point.is_finite()):
            raise InputError(f"{where}的支出计划百分比无效")
    if not isinstance(p.number, int) or isinstance(p.number, bool) or not 0 <= p.number <= MAX_NUMBER:
        raise InputError(f"{where}的序号“{p.number}”无效（应为 1 到 {MAX_NUMBER} 的整数）")


def validate_department(d: DepartmentPlan) -> None:
    where = table_label(d)
    _validate_header(where, d.uid, d.year, d.money_unit)
    for i, t in enumerate(d.tasks):
        for label, amount in (("总额", t.total), ("财政拨款", t.fiscal), ("其他资金", t.other)):
            validate_amount(amount, f"{where}任务第{i + 1}行的{label}")

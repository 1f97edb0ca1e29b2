"""审核: the rule catalogue applied to projects and department tables.

Each finding has a stable code, a severity (``error`` blocks 定稿 and printing
for signature; ``warning`` only warns), the table's uid and name, a field path
such as ``plan.points[3]`` or ``indicators[2].value``, and a Chinese message
that names the field the way the printed table does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from desk.domain.formdef import FormDef
from desk.domain.model import DepartmentPlan, Indicator, Project
from desk.domain.money import display_money, percent_text
from desk.domain.values import COMPARATORS, is_numeric, symbol_form

ERROR = "error"
WARNING = "warning"
SUGGESTION = "suggestion"  # 建议: a spelling the program would use, offered as a fix; the text stays as written

# code -> (severity, what the rule checks). The codes are stable: scripts and
# supervisors' reports refer to them.
RULES: dict[str, tuple[str, str]] = {
    "HEADER_NAME": (ERROR, "项目名称必须填写"),
    "HEADER_TOO_LONG": (ERROR, "文字超出表样允许的长度"),
    "MONEY_MISSING": (ERROR, "预算数必须填写"),
    "MONEY_NEGATIVE": (ERROR, "金额不能为负数"),
    "MONEY_BALANCE": (ERROR, "预算数 = 财政资金 + 其他资金"),
    "USAGE_MISSING": (WARNING, "资金用途未填写"),
    "PLAN_RANGE": (ERROR, "支出进度在 0–100 之间"),
    "PLAN_DECREASING": (ERROR, "累计支出进度不能减少"),
    "PLAN_END": (ERROR, "最后一个时点累计支出进度为 100%"),
    "PLAN_SHAPE": (ERROR, "支出计划的时点与表样一致"),
    "GOALS_MISSING": (ERROR, "绩效目标必须填写"),
    "IND_MISSING_L1": (ERROR, "必备的一级指标（产出、效益、满意度，2021版另有成本）"),
    "IND_LEVEL1_UNKNOWN": (ERROR, "一级指标属于表样的指标体系"),
    "IND_LEVEL2_UNKNOWN": (WARNING, "二级指标属于所在一级指标"),
    "IND_NAME_MISSING": (ERROR, "三级指标名称必须填写"),
    "IND_NAME_DUPLICATE": (ERROR, "同一表内三级指标名称不重复"),
    "IND_VALUE_MISSING": (ERROR, "指标值必须填写"),
    "IND_VALUE_NOT_NUMBER": (ERROR, "有比较符号的指标值必须是数字"),
    "IND_UNIT_MISSING": (ERROR, "定量指标值必须有计量单位"),
    "IND_PERCENT_OVER": (WARNING, "百分比超过 100%"),
    "IND_COST_GE": (WARNING, "成本指标一般用 ≤"),
    "IND_SATISFACTION_LOW": (WARNING, "满意度指标值低于 80%"),
    "IND_DESCRIPTION_MISSING": (WARNING, "绩效指标描述未填写"),
    "IND_BASIS_MISSING": (WARNING, "指标值确定依据未填写"),
    "IND_GROUP_SPLIT": (WARNING, "同一一级指标的行连在一起（否则打印时分成几块）"),
    "PLACEHOLDER": (ERROR, "不能用 *、XX、- 等占位符代替内容"),
    "DEPT_NAME": (ERROR, "部门（单位）名称必须填写"),
    "DEPT_TASKS_MISSING": (ERROR, "年度主要任务必须填写"),
    "DEPT_TASK_BALANCE": (ERROR, "任务总额 = 财政拨款 + 其他资金"),
    "FORM_UNKNOWN": (ERROR, "表样定义存在"),
    "NUMBER_DUPLICATE": (WARNING, "同一单位同一年度的表序号不重复"),
    "DEPT_TOTAL_VS_PROJECTS": (WARNING, "部门整体表的合计与本单位本年度项目预算数之和一致"),
    "LAST_YEAR_VALUE_FELL": (WARNING, "带入的表：指标值不低于上年（≥、>、= 的目标值比上年低时提示）"),
    "LAST_YEAR_SATISFACTION_LOWER": (WARNING, "带入的表：满意度目标不低于上年"),
    "LAST_YEAR_FEWER_INDICATORS": (WARNING, "带入的表：指标不少于上年"),
    "SUGGEST_LEVEL_NAME": (SUGGESTION, "一级/二级指标可改用指标体系中的名称（如“效果指标”→“效益指标”）"),
    "SUGGEST_VALUE_SYMBOL": (SUGGESTION, "文字写的比较可改用符号（如“85%以上”→“≥85%”）"),
    "CONTENT_DAMAGED": (ERROR, "表的内容与文件中的校验值一致（没有在本程序之外被改动）"),
}

PLACEHOLDERS = {"*", "**", "***", "x", "xx", "xxx", "xxxx", "-", "--", "—", "——", "－"}
PLACEHOLDER_SET = {p.lower() for p in PLACEHOLDERS}

HUNDRED = Decimal(100)
SATISFACTION_FLOOR = Decimal(80)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    project_uid: str
    project: str
    field: str
    message: str
    fix: str = ""  # 建议: the text the field would become (see desk.domain.suggestions)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "project_uid": self.project_uid,
            "project": self.project,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


class _Collector:
    def __init__(self, uid: str, name: str):
        self.uid = uid
        self.name = name or "（未命名）"
        self.findings: list[Finding] = []

    def add(self, code: str, field: str, message: str, fix: str = "") -> None:
        severity = RULES[code][0]
        self.findings.append(Finding(code, severity, self.uid, self.name, field, message, fix))


def _money(amount: Decimal | None, unit: str) -> str:
    """An amount in a message, as the screen shows it: 770,000.00."""
    return display_money(amount, unit, grouped=True)


def _is_placeholder(text: str) -> bool:
    return text.strip().lower() in PLACEHOLDER_SET


def _check_text(c: _Collector, form: FormDef, limit_key: str, field: str, label: str, text: str) -> None:
    if text and _is_placeholder(text):
        c.add("PLACEHOLDER", field, f"{label}填写了占位符“{text.strip()}”，请填写实际内容")
    limit = form.limit(limit_key)
    if limit and len(text) > limit:
        c.add("HEADER_TOO_LONG", field, f"{label}有 {len(text)} 个字，超过表样允许的 {limit} 个字")


def _row_label(i: int, ind: Indicator) -> str:
    name = ind.name.strip()
    return f"指标第{i + 1}行" + (f"（{name}）" if name else "")


def _check_indicators(c: _Collector, form: FormDef, indicators: tuple[Indicator, ...], *, has_details: bool) -> None:
    tree = form.tree
    present: set[str] = set()
    seen_names: dict[str, int] = {}
    for i, ind in enumerate(indicators):
        row = _row_label(i, ind)
        base = f"indicators[{i}]"
        l1 = tree.find_level1(ind.level1)
        if l1 is None:
            if ind.level1.strip():
                c.add("IND_LEVEL1_UNKNOWN", f"{base}.level1",
                      f"{row}的一级指标“{ind.level1}”不属于{tree.title}，可选：{'、'.join(tree.level1_names())}")
            else:
                c.add("IND_LEVEL1_UNKNOWN", f"{base}.level1", f"{row}未选择一级指标")
        else:
            present.add(l1.name)
            _suggest_level(c, f"{base}.level1", f"{row}的一级指标", ind.level1, l1.name)
            level2 = tree.canonical(ind.level2)
            if level2 in l1.children:
                _suggest_level(c, f"{base}.level2", f"{row}的二级指标", ind.level2, level2)
            # a department table may leave 二级 empty where its source has none (成本指标 rows on the 2021 system)
            if level2 not in l1.children and (has_details or ind.level2.strip()):
                shown = ind.level2.strip() or "（空）"
                c.add("IND_LEVEL2_UNKNOWN", f"{base}.level2",
                      f"{row}的二级指标“{shown}”不属于“{l1.name}”，可选：{'、'.join(l1.children)}")
        name = ind.name.strip()
        if not name:
            c.add("IND_NAME_MISSING", f"{base}.name", f"指标第{i + 1}行的三级指标名称未填写")
        elif name in seen_names:
            c.add("IND_NAME_DUPLICATE", f"{base}.name",
                  f"{row}的三级指标与第{seen_names[name] + 1}行重名")
        else:
            seen_names[name] = i
        _check_text(c, form, "indicator_name", f"{base}.name", f"{row}的三级指标", ind.name)
        if has_details:
            _check_text(c, form, "description", f"{base}.description", f"{row}的绩效指标描述", ind.description)
            _check_text(c, form, "basis", f"{base}.basis", f"{row}的指标值确定依据", ind.basis)
            if not ind.description.strip():
                c.add("IND_DESCRIPTION_MISSING", f"{base}.description", f"{row}的绩效指标描述未填写")
            if not ind.basis.strip():
                c.add("IND_BASIS_MISSING", f"{base}.basis", f"{row}的指标值确定依据未填写")
        _check_value(c, form, ind, i, row, l1.name if l1 else "", tree.canonical(ind.level2))
    for l1 in tree.level1:
        if l1.required and l1.name not in present:
            c.add("IND_MISSING_L1", "indicators", f"缺少一级指标“{l1.name}”，请至少填写一条")
    _check_groups(c, tree, indicators)


def _suggest_level(c: _Collector, field: str, label: str, written: str, name: str) -> None:
    """The tree's own name for a level written another way (效果指标, 数量): offered, never applied."""
    if written.strip() and written != name:
        c.add("SUGGEST_LEVEL_NAME", field, f"{label}写作“{written}”，指标体系中的名称是“{name}”，可改为“{name}”", name)


def _check_groups(c: _Collector, tree, indicators: tuple[Indicator, ...]) -> None:
    """Rows of one 一级指标 belong together: a second run of it prints as a separate block."""
    runs: dict[str, list[tuple[int, int]]] = {}
    previous = None
    for i, ind in enumerate(indicators):
        name = tree.canonical(ind.level1)
        if not name:
            previous = None
            continue
        if name == previous:
            runs[name][-1] = (runs[name][-1][0], i)
        else:
            runs.setdefault(name, []).append((i, i))
        previous = name
    for name, spans in runs.items():
        if len(spans) < 2:
            continue
        where = "和".join(f"第{a + 1}行" if a == b else f"第{a + 1}–{b + 1}行" for a, b in spans)
        c.add("IND_GROUP_SPLIT", f"indicators[{spans[1][0]}].level1",
              f"一级指标“{name}”分在{where}，打印时会分成几块；请用“上移/下移”把它们放在一起")


def _check_value(c: _Collector, form: FormDef, ind: Indicator, i: int, row: str, level1: str, level2: str) -> None:
    field = f"indicators[{i}].value"
    text = ind.value_text
    if not text.strip():
        c.add("IND_VALUE_MISSING", field, f"{row}的指标值未填写")
        return
    _check_text(c, form, "value", field, f"{row}的指标值", text)
    if ind.text:
        symbolic = symbol_form(ind.text)
        if symbolic:
            c.add("SUGGEST_VALUE_SYMBOL", field, f"{row}的指标值写作“{ind.text}”，可改用符号写作“{symbolic}”", symbolic)
    if ind.comparator == "":
        return
    if ind.comparator not in COMPARATORS:
        c.add("IND_VALUE_NOT_NUMBER", field, f"{row}的符号“{ind.comparator}”无效")
        return
    if not is_numeric(ind.value):
        c.add("IND_VALUE_NOT_NUMBER", field,
              f"{row}的指标值“{ind.value}”不是数字；有“{ind.comparator}”时值须为数字，否则请改为文字描述")
        return
    number = ind.target.number
    if not ind.unit.strip():
        c.add("IND_UNIT_MISSING", f"indicators[{i}].unit", f"{row}的指标值“{text}”缺少计量单位")
    if ind.unit in ("%", "％"):
        if number > HUNDRED:
            c.add("IND_PERCENT_OVER", field, f"{row}的指标值“{text}”超过 100%，请确认")
        if level1 == "满意度指标" and ind.comparator in ("≥", ">", "=") and number < SATISFACTION_FLOOR:
            c.add("IND_SATISFACTION_LOW", field, f"{row}的满意度“{text}”低于 80%，请确认")
    is_cost = level1 == "成本指标" or level2 == "成本指标"
    if is_cost and ind.comparator in ("≥", ">"):
        c.add("IND_COST_GE", field, f"{row}为成本指标，指标值“{text}”用了“{ind.comparator}”，成本一般应为“≤”")


def compare_with_last_year(now: Project | DepartmentPlan, last: Project | DepartmentPlan, form: FormDef
                           ) -> list[Finding]:
    """提示 for a table carried from last year's (``carried_from``): a target lower than last year's (the
    满意度 ones named as such), fewer indicators. Indicators are matched by 一级/二级 and 三级 name."""
    c = _Collector(now.uid, now.name.strip())
    tree = form.tree
    before: dict[tuple[str, str, str], Indicator] = {}
    for ind in last.indicators:
        if ind.name.strip():
            before.setdefault(_indicator_key(tree, ind), ind)
    for i, ind in enumerate(now.indicators):
        old = before.get(_indicator_key(tree, ind)) if ind.name.strip() else None
        if old is None:
            continue
        fell = _lower_target(ind, old)
        if not fell:
            continue
        row = _row_label(i, ind)
        field = f"indicators[{i}].value"
        if tree.canonical(ind.level1) == "满意度指标" or "满意" in ind.name:
            c.add("LAST_YEAR_SATISFACTION_LOWER", field,
                  f"{row}的满意度目标“{ind.value_text}”低于上年的“{old.value_text}”，请确认")
        else:
            c.add("LAST_YEAR_VALUE_FELL", field, f"{row}的指标值“{ind.value_text}”低于上年的“{old.value_text}”，请确认")
    counted = [i for i in now.indicators if i.name.strip()]
    last_counted = [i for i in last.indicators if i.name.strip()]
    if len(counted) < len(last_counted):
        c.add("LAST_YEAR_FEWER_INDICATORS", "indicators",
              f"本表有 {len(counted)} 条指标，上年有 {len(last_counted)} 条，少了 {len(last_counted) - len(counted)} 条，"
              "请确认是否有意删去")
    return c.findings


def _indicator_key(tree, ind: Indicator) -> tuple[str, str, str]:
    return (tree.canonical(ind.level1), tree.canonical(ind.level2), "".join(ind.name.split()))


def _lower_target(now: Indicator, old: Indicator) -> bool:
    """Whether a ≥/>/= target is lower than last year's same-kind target (same symbol family and unit)."""
    rising = ("≥", ">", "=")
    if now.comparator not in rising or old.comparator not in rising:
        return False
    if "".join(now.unit.split()) != "".join(old.unit.split()):
        return False
    a, b = now.target.number, old.target.number
    return a is not None and b is not None and a < b


def damaged_finding(item: Project | DepartmentPlan) -> Finding:
    """A table whose stored content no longer matches its digest: changed outside the program."""
    name = item.name.strip() or "（未命名）"
    return Finding("CONTENT_DAMAGED", ERROR, item.uid, name, "name",
                   "内容已损坏：这张表在文件中的内容与校验值不符（在本程序之外被改动过，或文件损坏），"
                   "不能定稿或作为签字稿打印；请与备份或报给上级的副本核对")


def check_project(project: Project, form: FormDef) -> list[Finding]:
    c = _Collector(project.uid, project.name.strip())
    if not project.name.strip():
        c.add("HEADER_NAME", "name", "项目名称未填写")
    _check_text(c, form, "name", "name", "项目名称", project.name)
    _check_text(c, form, "code", "code", "项目编码", project.code)
    usage_label = "资金用途"
    if form.has_money_rows:
        _check_money(c, project)
    else:  # the form has no money rows: the money is written inside 项目资金主要用途
        usage_label = "".join(form.print.money_label.split()) or usage_label
    if not project.usage.strip():
        c.add("USAGE_MISSING", "usage", f"{usage_label}未填写")
    _check_text(c, form, "usage", "usage", usage_label, project.usage)
    _check_plan(c, project, form)
    goals = [g for g in project.goals if g.strip()]
    if not goals:
        c.add("GOALS_MISSING", "goals", "绩效目标未填写")
    for i, goal in enumerate(project.goals):
        _check_text(c, form, "goal", f"goals[{i}]", f"绩效目标{i + 1}", goal)
    if not project.indicators:
        c.add("IND_MISSING_L1", "indicators", "未填写任何绩效指标")
    else:
        _check_indicators(c, form, project.indicators, has_details=True)
    return c.findings


def _check_money(c: _Collector, project: Project) -> None:
    b = project.budget
    unit = project.money_unit
    labels = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}
    for key, label in labels.items():
        amount = getattr(b, key)
        if amount is not None and amount < 0:
            c.add("MONEY_NEGATIVE", f"budget.{key}", f"{label}不能为负数（{_money(amount, unit)}{unit}）")
    if b.total is None:
        c.add("MONEY_MISSING", "budget.total", "预算数未填写")
        return
    fiscal = b.fiscal or Decimal(0)
    other = b.other or Decimal(0)
    if b.fiscal is None and b.other is None:
        return
    if fiscal + other != b.total:
        c.add(
            "MONEY_BALANCE", "budget.total",
            f"预算数 {_money(b.total, unit)}{unit} 不等于 财政资金 {_money(fiscal, unit)}{unit}"
            f" + 其他资金 {_money(other, unit)}{unit}（相差 {_money(b.total - fiscal - other, unit)}{unit}）",
        )


def _check_plan(c: _Collector, project: Project, form: FormDef) -> None:
    plan = project.plan
    labels = form.checkpoint_labels(plan.scheme)
    if plan.scheme not in form.plan_schemes or len(plan.points) != len(labels):
        c.add("PLAN_SHAPE", "plan", f"资金支出计划应按“{'、'.join(labels)}”填写 {len(labels)} 个时点")
        return
    previous = None
    previous_label = ""
    for i, (point, label) in enumerate(zip(plan.points, labels)):
        if point is None:
            continue
        field = f"plan.points[{i}]"
        if point < 0 or point > HUNDRED:
            c.add("PLAN_RANGE", field, f"资金支出计划“{label}”为 {percent_text(point)}%，应在 0% 到 100% 之间")
        if previous is not None and point < previous:
            c.add("PLAN_DECREASING", field,
                  f"资金支出计划“{label}”累计 {percent_text(point)}% 小于“{previous_label}”的 {percent_text(previous)}%，累计进度不能减少")
        previous, previous_label = point, label
    last = plan.points[-1]
    if last is None or last != HUNDRED:
        shown = "未填写" if last is None else f"为 {percent_text(last)}%"
        c.add("PLAN_END", f"plan.points[{len(labels) - 1}]", f"资金支出计划“{labels[-1]}”{shown}，年底累计应为 100%")


def check_department(dept: DepartmentPlan, form: FormDef) -> list[Finding]:
    c = _Collector(dept.uid, dept.name.strip())
    if not dept.name.strip():
        c.add("DEPT_NAME", "name", "部门（单位）名称未填写")
    _check_text(c, form, "name", "name", "部门（单位）名称", dept.name)
    if not dept.tasks:
        c.add("DEPT_TASKS_MISSING", "tasks", "年度主要任务未填写")
    unit = dept.money_unit
    for i, task in enumerate(dept.tasks):
        row = f"任务第{i + 1}行" + (f"（{task.name.strip()[:12]}）" if task.name.strip() else "")
        _check_text(c, form, "task_name", f"tasks[{i}].name", f"{row}的任务名称", task.name)
        _check_text(c, form, "task_content", f"tasks[{i}].content", f"{row}的主要内容", task.content)
        for key, label in (("total", "总额"), ("fiscal", "财政拨款"), ("other", "其他资金")):
            amount = getattr(task, key)
            if amount is not None and amount < 0:
                c.add("MONEY_NEGATIVE", f"tasks[{i}].{key}", f"{row}的{label}不能为负数")
        if task.total is not None and (task.fiscal is not None or task.other is not None):
            fiscal = task.fiscal or Decimal(0)
            other = task.other or Decimal(0)
            if fiscal + other != task.total:
                c.add("DEPT_TASK_BALANCE", f"tasks[{i}].total",
                      f"{row}的总额 {_money(task.total, unit)}{unit} 不等于财政拨款与其他资金之和 "
                      f"{_money(fiscal + other, unit)}{unit}")
    if not [g for g in dept.goals if g.strip()]:
        c.add("GOALS_MISSING", "goals", "年度总体目标未填写")
    for i, goal in enumerate(dept.goals):
        _check_text(c, form, "goal", f"goals[{i}]", f"目标{i + 1}", goal)
    if not dept.indicators:
        c.add("IND_MISSING_L1", "indicators", "未填写任何年度绩效指标")
    else:
        _check_indicators(c, form, dept.indicators, has_details=False)
    return c.findings


def number_finding(project: Project, others: int) -> Finding:
    """The table shares its printed number with ``others`` other tables of its unit and year."""
    return Finding("NUMBER_DUPLICATE", WARNING, project.uid, project.name.strip() or "（未命名）", "number",
                   f"序号 {project.number} 与本单位本年度另外 {others} 张表相同，打印出的标题编号会重复；"
                   "请在“基本信息”中修改序号")


def duplicate_numbers(projects) -> list[Finding]:
    """NUMBER_DUPLICATE for every table whose number another table of its unit and year also has."""
    counts: dict[tuple[str, int, int], int] = {}
    for p in projects:
        if p.number:
            key = (p.unit_code, p.year, p.number)
            counts[key] = counts.get(key, 0) + 1
    return [number_finding(p, counts[(p.unit_code, p.year, p.number)] - 1) for p in projects
            if p.number and counts[(p.unit_code, p.year, p.number)] > 1]


def department_totals(items, budgets=None) -> list[Finding]:
    """DEPT_TOTAL_VS_PROJECTS for a department table whose 合计 differs from the sum of its unit's project
    budgets of the year (both shown; only when the unit has project tables with amounts). ``budgets``: the
    projects' (unit, year, 预算数) when the caller has them without the projects in ``items``."""
    if budgets is None:
        budgets = [(p.unit_code, p.year, p.budget.total) for p in items
                   if isinstance(p, Project) and p.budget.total is not None]
    sums: dict[tuple[str, int], Decimal] = {}
    for unit_code, year, total in budgets:
        if total is not None:
            sums[(unit_code, year)] = sums.get((unit_code, year), Decimal(0)) + total
    out = []
    for d in items:
        if not isinstance(d, DepartmentPlan) or (d.unit_code, d.year) not in sums:
            continue
        total, projects = d.totals()[0], sums[(d.unit_code, d.year)]
        if total != projects:
            unit = d.money_unit
            out.append(Finding("DEPT_TOTAL_VS_PROJECTS", WARNING, d.uid, d.name.strip() or "（未命名）", "tasks",
                               f"年度主要任务合计 {_money(total, unit)}{unit}，本单位本年度项目表预算数之和 "
                               f"{_money(projects, unit)}{unit}，两者不一致（相差 {_money(total - projects, unit)}{unit}），"
                               "请核对"))
    return out


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)

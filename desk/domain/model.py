"""Plain domain objects. Immutable: edits make new objects (dataclasses.replace)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from desk.domain.money import from_fen, to_fen
from desk.domain.values import TargetValue, format_value, parse_value

PLAN_SCHEMES = ("month_end", "quarter")


def new_uid() -> str:
    import uuid  # (imported when first needed: not on the window's start-up path)

    return str(uuid.uuid4())


def now_iso() -> str:
    """Local time with offset, e.g. 2026-11-21T10:00:00+08:00."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def when_text(iso: str) -> str:
    """A stored time as people write it: 2026-11-21T10:05:00+08:00 → 2026年11月21日 10:05."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour:02d}:{moment.minute:02d}"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True)
class Budget:
    """Amounts in 元, exact to the fen; None when not filled in."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None


@dataclass(frozen=True)
class SpendingPlan:
    """Cumulative percentages at the form's checkpoints; None is a blank."""

    scheme: str = "month_end"
    points: tuple[Decimal | None, ...] = (None, None, None, None)


@dataclass(frozen=True)
class Indicator:
    level1: str = ""
    level2: str = ""
    name: str = ""  # 三级指标
    description: str = ""  # 绩效指标描述
    comparator: str = ""  # ≥ ≤ = > < or "" (qualitative)
    value: str = ""
    unit: str = ""
    basis: str = ""  # 指标值确定依据
    text: str = ""  # the 指标值 exactly as written in one cell ("" when it was given as 符号 · 值 · 单位)

    @property
    def target(self) -> TargetValue:
        return TargetValue(self.comparator, self.value, self.unit)

    @property
    def value_text(self) -> str:
        """The 指标值 as one cell: what was written, or the parts joined (≥90%)."""
        return self.text if self.text else format_value(self.target)

    def with_value_text(self, text: str) -> "Indicator":
        """The value written in one cell: kept as written, with its parsed parts beside it for checks."""
        text = (text or "").strip()
        parsed = parse_value(text)
        return replace(self, comparator=parsed.comparator, value=parsed.value, unit=parsed.unit, text=text)

    def with_value_parts(self, target: TargetValue) -> "Indicator":
        """The value given as 符号 · 值 · 单位: no one-cell text any more."""
        return replace(self, comparator=target.comparator, value=target.value, unit=target.unit, text="")


@dataclass(frozen=True)
class Project:
    """One 项目支出绩效目标表."""

    uid: str = field(default_factory=new_uid)
    unit_code: str = ""
    year: int = 0
    form: str = "hebei-project"
    code: str = ""
    name: str = ""
    money_unit: str = "元"
    budget: Budget = Budget()
    usage: str = ""
    plan: SpendingPlan = SpendingPlan()
    goals: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    finalized_at: str = ""  # 定稿: when it was finalised for signature ("" = not finalised)
    finalized_by: str = ""  # who finalised it
    number: int = 0  # the table's number among its unit's tables of the year, printed in the title (0: none yet)
    extra: tuple[tuple[str, str], ...] = ()  # header rows a form adds, as (label, text): 项目绩效模板 …
    carried_from: str = ""  # the uid of last year's table this one was carried from (新建下一年度文件)
    revision: int = 0
    updated_at: str = ""

    @property
    def finalized(self) -> bool:
        return bool(self.finalized_at)

    def extra_value(self, label: str) -> str:
        return next((text for name, text in self.extra if name == label), "")

    def content_key(self) -> tuple:
        """Everything a user edits: two projects with equal keys need no new revision."""
        return self.descent_key() + (self.number,)

    def descent_key(self) -> tuple:
        """The content that tells whether one version descends from another (merge): everything but the
        table's number, which files from before numbers were stored each worked out on their own."""
        return (
            self.uid, self.unit_code, self.year, self.form, self.code, self.name,
            self.money_unit, self.budget, self.usage, self.plan, self.goals, self.indicators,
            self.finalized_at, self.finalized_by, self.extra, self.carried_from,
        )


class ProjectSummary(NamedTuple):
    """What the list of tables shows of a project, read without its indicators, goals and plan (a file's
    list opens at once; the whole table is read when it is shown, checked or changed). A plain tuple: a
    file of 5,000 tables makes 5,000 of them while its window opens."""

    uid: str
    unit_code: str = ""
    year: int = 0
    form: str = ""
    code: str = ""
    name: str = ""
    money_unit: str = "元"
    budget_fen: int | None = None  # 预算数 in 分, as stored
    finalized_at: str = ""
    finalized_by: str = ""
    number: int = 0
    carried_from: str = ""

    @property
    def finalized(self) -> bool:
        return bool(self.finalized_at)

    @property
    def budget_total(self) -> Decimal | None:
        return from_fen(self.budget_fen)

    @classmethod
    def of(cls, p: Project) -> "ProjectSummary":
        return cls(p.uid, p.unit_code, p.year, p.form, p.code, p.name, p.money_unit, to_fen(p.budget.total),
                   p.finalized_at, p.finalized_by, p.number, p.carried_from)


@dataclass(frozen=True)
class DepartmentTask:
    """A 年度主要任务 row; amounts in 元."""

    name: str = ""
    content: str = ""
    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None


@dataclass(frozen=True)
class SubGoal:
    """One 分项绩效目标 of the department narrative."""

    title: str = ""
    goal: str = ""
    indicators: str = ""


@dataclass(frozen=True)
class Narrative:
    overall: str = ""  # 总体绩效目标
    sub_goals: tuple[SubGoal, ...] = ()  # 分项绩效目标
    measures: tuple[str, ...] = ()  # 工作保障措施


@dataclass(frozen=True)
class DepartmentPlan:
    """One 部门（单位）整体支出绩效目标表 with the department's narrative."""

    uid: str = field(default_factory=new_uid)
    unit_code: str = ""
    year: int = 0
    form: str = "department"
    name: str = ""  # 部门（单位）名称
    money_unit: str = "万元"
    tasks: tuple[DepartmentTask, ...] = ()
    goals: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    narrative: Narrative = Narrative()
    finalized_at: str = ""  # 定稿, as for projects: locked and printed without the 草稿 mark
    finalized_by: str = ""
    carried_from: str = ""  # last year's department table's uid
    revision: int = 0
    updated_at: str = ""

    @property
    def finalized(self) -> bool:
        return bool(self.finalized_at)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """The 合计 row: sums of the tasks (blanks count as 0)."""
        zero = Decimal("0.00")
        return (
            sum((t.total or zero for t in self.tasks), zero),
            sum((t.fiscal or zero for t in self.tasks), zero),
            sum((t.other or zero for t in self.tasks), zero),
        )

    def content_key(self) -> tuple:
        return (
            self.uid, self.unit_code, self.year, self.form, self.name, self.money_unit,
            self.tasks, self.goals, self.indicators, self.narrative, self.finalized_at, self.finalized_by,
            self.carried_from,
        )

    def descent_key(self) -> tuple:
        return self.content_key()


REVIEW_STATUSES = ("草稿", "已提交", "退回修改", "审核通过")


@dataclass(frozen=True)
class Review:
    """A supervisor's 审核意见 on one table (kept apart from the table's content)."""

    uid: str
    status: str = "已提交"
    comment: str = ""
    reviewer: str = ""
    reviewed_at: str = ""
    revision: int = 0  # the table's revision the review was made on

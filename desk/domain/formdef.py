"""The shape of a form definition, as the domain rules read it.

Form definitions are data (``forms/*.toml``, loaded by ``desk.forms``); this
module only describes them, so the domain layer does not depend on files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Level1:
    name: str
    children: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class IndicatorTree:
    """A generation of the indicator system (2015 or 2021)."""

    key: str
    title: str
    level1: tuple[Level1, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """Map an alias (效果指标, 数量, or 产出\n指标 broken over two lines) to the tree's own name; unknown names
        pass through."""
        written = (name or "").strip()
        text = "".join(written.split())
        if text in self.aliases:
            return self.aliases[text]
        known = {l1.name for l1 in self.level1} | {c for l1 in self.level1 for c in l1.children}
        if text in known:
            return text
        if text + "指标" in known:
            return text + "指标"
        return written

    def level1_names(self) -> tuple[str, ...]:
        return tuple(l1.name for l1 in self.level1)

    def find_level1(self, name: str) -> Level1 | None:
        canonical = self.canonical(name)
        for l1 in self.level1:
            if l1.name == canonical:
                return l1
        return None

    def parent_of(self, level2: str) -> str | None:
        canonical = self.canonical(level2)
        for l1 in self.level1:
            if canonical in l1.children:
                return l1.name
        return None


@dataclass(frozen=True)
class GridColumn:
    key: str  # level1, level2, name, description, value, comparator, number, unit, basis
    label: str


PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
PRINT_BLOCKS = ("title", "unit_line", "header", "extra", "money", "plan", "goals", "grid", "signoff",
                "subtitle", "dept_name", "tasks")  # the last three: 部门（单位）整体支出绩效目标表
MONEY_LAYOUTS = ("rows", "usage")  # 预算数/财政资金/其他资金 row and 资金用途; or only 项目资金主要用途 text


@dataclass(frozen=True)
class PrintSpec:
    """Print geometry of a form: everything the PDF renderer lays out by."""

    page: str = "A4"
    landscape: bool = False
    margins_mm: tuple[float, float, float, float] = (15.0, 15.0, 15.0, 15.0)  # top, right, bottom, left
    title_template: str = "{index}.{name}绩效目标表"
    title_size: float = 16.0
    unit_line_size: float = 10.5
    text_size: float = 10.5
    grid_size: float = 10.0
    footer_size: float = 8.0
    leading: float = 1.3  # line height as a multiple of the font size
    padding_mm: float = 1.2
    min_row_mm: float = 8.0
    blocks: tuple[str, ...] = PRINT_BLOCKS
    header_labels: tuple[str, str] = ("项目编码", "项目名称")
    header_widths_mm: tuple[float, ...] = (24.0, 62.0, 24.0, 70.0)
    money_label: str = "预算规模及资金用途"
    money_labels: tuple[str, str, str] = ("预算数", "其中：财政资金", "其他资金")
    money_widths_mm: tuple[float, ...] = (24.0, 20.0, 28.0, 30.0, 28.0, 22.0, 28.0)
    plan_label: str = "资金支出计划（%）"
    plan_widths_mm: tuple[float, ...] = (24.0, 39.0, 39.0, 39.0, 39.0)
    goals_label: str = "绩效目标"
    goals_widths_mm: tuple[float, ...] = (24.0, 156.0)  # rows layout: label, 目标N, text
    grid_widths_mm: tuple[float, ...] = (21.0, 24.0, 36.0, 43.0, 26.0, 30.0)
    grid_align: tuple[str, ...] = ("center", "center", "left", "left", "center", "left")
    # column widths are fitted to the content between these (empty: the fixed grid_widths_mm)
    grid_min_mm: tuple[float, ...] = ()
    grid_max_mm: tuple[float, ...] = ()
    signoff: tuple[tuple[str, ...], ...] = (("填报单位（盖章）", "填报日期"), ("单位负责人", "填报人", "联系电话"))
    # 部门（单位）整体支出绩效目标表
    subtitle_template: str = "（{year} 年）"
    name_label: str = "部门（单位）名称"
    name_widths_mm: tuple[float, ...] = (40.0, 140.0)
    task_labels: tuple[str, ...] = ("任务名称", "主要内容", "预算金额（{unit}）", "总额", "财政拨款", "其他资金")
    task_widths_mm: tuple[float, ...] = (40.0, 80.0, 20.0, 20.0, 20.0)
    total_label: str = "合计"
    grid_label: str = ""  # a label column left of the indicator grid (年度绩效指标), merged down it
    grid_label_mm: float = 0.0

    @property
    def page_mm(self) -> tuple[float, float]:
        w, h = PAGE_SIZES_MM[self.page]
        return (h, w) if self.landscape else (w, h)

    @property
    def body_width_mm(self) -> float:
        return self.page_mm[0] - self.margins_mm[1] - self.margins_mm[3]


@dataclass(frozen=True)
class FormDef:
    name: str
    title: str
    kind: str  # "project" or "department"
    tree: IndicatorTree
    plan_schemes: dict[str, tuple[str, ...]]  # scheme -> checkpoint labels
    default_scheme: str
    value_layout: str  # "single" (≥90%) or "split" (符号 · 值 · 单位)
    columns: tuple[GridColumn, ...]
    limits: dict[str, int]
    goals_layout: str = "single"  # "single" numbered cell, or "rows" 目标1…N
    money_unit: str = "元"
    money: str = "rows"  # "rows": 预算数 row + 资金用途; "usage": money only inside 项目资金主要用途 (no money row)
    bare_symbol: str = ""  # split form: the 符号 printed before a bare number (12, 365天): "" or "="
    extra_rows: tuple[str, ...] = ()  # header rows with a label and free text, kept per project (项目绩效模板)
    goal_label: str = "目标{n}"  # goals_layout = "rows": the label of each goal row
    label: str = ""  # how the form is offered to the clerk, e.g. 河北·指标值一列
    print: PrintSpec = PrintSpec()
    raw: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def checkpoint_labels(self, scheme: str) -> tuple[str, ...]:
        return self.plan_schemes.get(scheme) or self.plan_schemes[self.default_scheme]

    @property
    def has_money_rows(self) -> bool:
        return self.money == "rows"

    def limit(self, key: str) -> int | None:
        return self.limits.get(key)

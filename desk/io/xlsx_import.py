"""Read 绩效目标表 from Excel workbooks offices already have.

Label-driven: the reader looks for the form's labels (项目编码, 预算数,
资金支出计划 checkpoints, 绩效目标, the 一级指标…指标值确定依据 header) wherever
they are, so it reads tables converted from Word, typed by hand, stacked in
one sheet or one per sheet, merged or filled-down, one-cell or three-column
指标值, and our own export. Every doubtful cell is reported with its sheet and
address; text that cannot be read as a number stays text.
Pure: bytes in, domain objects and a report out; nothing is written here.
"""

from __future__ import annotations

import gc
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from desk.domain.formdef import FormDef
from desk.domain.goals import read_goals_cell
from desk.domain.model import Budget, DepartmentPlan, DepartmentTask, Indicator, Project, SpendingPlan, Unit
from desk.domain.money import CENT, WAN
from desk.domain.values import make_value, parse_value
from desk.io.xlsx_guard import WorkbookError, check_workbook
from desk.io.xlsx_read import read_sheets

FLAT_SHEET = "指标明细"  # our export's flat and totals sheets hold no tables to import
TOTALS_SHEET = "按单位汇总"
MONTH_LABELS = ("3月底", "6月底", "10月底", "12月底")
QUARTER_LABELS = ("第一季度", "第二季度", "第三季度", "第四季度")
_QUARTER_ALIASES = {"一季度": 0, "二季度": 1, "三季度": 2, "四季度": 3, "第1季度": 0, "第2季度": 1, "第3季度": 2,
                    "第4季度": 3}
_TITLE = re.compile(r"绩效目标表$")
_DEPT_TITLE = re.compile(r"整体支出绩效(目标表|指标)|部门整体绩效(目标|指标)")
_DEPT_LABELS = re.compile(r"^(部门（单位）名称|部门\(单位\)名称|部门名称|任务名称|年度主要任务|年度总体目标)$")
_YEAR = re.compile(r"[(（]\s*(\d{4})\s*年?\s*[)）]")
_NUMBERING = re.compile(r"^\s*[（(]?\d+[)）]?\s*[.．、]?\s*")
_TITLE_NUMBER = re.compile(r"^\s*(\d{1,5})\s*[.．、]")
_UNIT_LINE = re.compile(r"^(\d{6,12})\s*([\u4e00-\u9fff（）()][\u4e00-\u9fff（）()A-Za-z0-9·]{1,59})$")
_MONEY_SUFFIX = re.compile(r"(金额)?单位[:：](万元|元)$")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_MONEY_UNIT = re.compile(r"单位[:：]\s*(万元|元)")
MAX_AMOUNT = Decimal(10) ** 15  # 元; far beyond any budget, and within exact arithmetic to the fen


@dataclass(frozen=True)
class Warning_:
    where: str  # 工作表!单元格, e.g. 表1!C7
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


@dataclass
class FoundTable:
    sheet: str
    row: int  # first row of the table (1-based)
    title: str
    project: Project  # unit_code/year/uid are filled in by the caller
    unit: Unit | None
    layout: str  # "single" or "split" 指标值
    warnings: list[Warning_] = field(default_factory=list)
    form_label: str = ""  # the form chosen for the table, as offered to the clerk
    place: str = ""  # where it begins, as the clerk finds it (表1!A3, 第2个表格第1行)

    @property
    def where(self) -> str:
        return self.place or f"{self.sheet}!A{self.row}"


@dataclass
class FoundDepartment:
    """A 部门（单位）整体支出绩效目标表 (or a bare 部门整体支出绩效指标 grid) found in a sheet."""

    sheet: str
    row: int
    title: str
    department: DepartmentPlan  # unit_code/year/uid are filled in by the caller
    unit: Unit | None
    year: int | None  # the (2021 年) under the title, when there is one
    warnings: list[Warning_] = field(default_factory=list)
    form_label: str = ""
    place: str = ""  # where it begins, as the clerk finds it (表1!A3, 第2个表格第1行)

    @property
    def where(self) -> str:
        return self.place or f"{self.sheet}!A{self.row}"


@dataclass
class ReadResult:
    tables: list[FoundTable]
    departments: list[FoundDepartment] = field(default_factory=list)

    @property
    def warnings(self) -> list[Warning_]:
        return [w for t in (*self.departments, *self.tables) for w in t.warnings]


# ---------------------------------------------------------------- opening

def _check_package(data: bytes, name: str) -> bool:
    """Refuse what is no workbook or beyond the bounds; returns whether the sheets' XML is well formed."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise WorkbookError(f"“{name}”设置了打开密码，无法读取。请在 Excel/WPS 中取消密码后另存为 .xlsx 再导入。")
        raise WorkbookError(f"“{name}”是旧版 Excel（.xls）文件，请在 Excel/WPS 中“另存为” .xlsx 格式后再导入。")
    if data[:4] != b"PK\x03\x04":
        raise WorkbookError(f"“{name}”不是 Excel（.xlsx）文件。")
    return check_workbook(data, name)  # bounded before anything is expanded


def _openpyxl_load(data: bytes, name: str):
    from openpyxl import load_workbook  # only for workbooks the package reader leaves to openpyxl

    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise WorkbookError(f"“{name}”已损坏，无法读取（{type(exc).__name__}）。文件未导入任何内容。") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken parts
        raise WorkbookError(f"“{name}”无法读取：{exc}。文件未导入任何内容。") from None


def load_sheets(data: bytes, name: str = "Excel 文件") -> list["Sheet"]:
    """The worksheets of a workbook as grids, in order, after the package passed the bounds of xlsx_guard.

    Read from the package's XML (desk.io.xlsx_read); a workbook with anything that reader does not reproduce
    exactly as openpyxl does (dates, hyperlinks, odd layouts, damage) is loaded by openpyxl instead."""
    if _check_package(data, name):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [Sheet(s.title, s.values, s.formats, s.merges) for s in read_sheets(archive)]
        except Exception:  # noqa: BLE001 - openpyxl decides: it reads the workbook, or names it damaged
            pass
    return [Sheet.of_worksheet(ws) for ws in _openpyxl_load(data, name).worksheets]


# ---------------------------------------------------------------- the sheet as a grid

class Sheet:
    """Cell values by (row, col), 1-based, with merged ranges resolved to their top-left cell.

    Built from a worksheet (:meth:`of_worksheet`) or from any grid of cells, such as
    a Word document's tables (``desk.io.docx_import``)."""

    def __init__(self, title: str, values: dict[tuple[int, int], object], formats: dict[tuple[int, int], str],
                 merges=()):
        self.title = title
        self.values = values
        self.formats = formats
        self.span_end: dict[tuple[int, int], tuple[int, int]] = {}  # top-left -> (last row, last col)
        self.owner: dict[tuple[int, int], tuple[int, int]] = {}  # any cell of a merge -> top-left
        for r0, c0, r1, c1 in merges:
            top_left = (r0, c0)
            self.span_end[top_left] = (r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.owner[(r, c)] = top_left
        self.max_row = max((r for r, _ in self.values), default=0)
        self.max_col = max((c for _, c in self.values), default=0)
        by_row: dict[int, list[int]] = {}
        for r, c in self.values:
            by_row.setdefault(r, []).append(c)
        self._rows = {r: sorted(cols) for r, cols in by_row.items()}
        self._keys: dict[tuple[int, int], str] = {}

    @classmethod
    def of_worksheet(cls, ws) -> "Sheet":
        values: dict[tuple[int, int], object] = {}
        formats: dict[tuple[int, int], str] = {}
        # The stored cells only (iter_rows would create every empty cell of the used range).
        stored = getattr(ws, "_cells", None)
        cells = stored.values() if isinstance(stored, dict) else (c for row in ws.iter_rows() for c in row)
        for cell in cells:
            value = cell.value
            if value is not None and value != "":
                values[(cell.row, cell.column)] = value
                if isinstance(value, (int, float)):  # formats matter for numbers only (30% vs 0.3)
                    formats[(cell.row, cell.column)] = cell.number_format or ""
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        return cls(ws.title, values, formats, merges)

    def raw(self, r: int, c: int):
        return self.values.get((r, c))

    def text(self, r: int, c: int) -> str:
        value = self.values.get((r, c))
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        return cell_text(value, self.formats.get((r, c), ""))

    def key(self, r: int, c: int) -> str:
        """Text with all white space removed, for matching labels."""
        key = self._keys.get((r, c))
        if key is None:
            key = "".join(self.text(r, c).split())
            if key.endswith((":", "：")) and len(key) <= 20:
                key = key[:-1]  # 项目编码： is the label 项目编码
            self._keys[(r, c)] = key
        return key

    def row_cells(self, r: int) -> list[int]:
        return self._rows.get(r, [])

    def end_col(self, r: int, c: int) -> int:
        return self.span_end.get((r, c), (r, c))[1]

    def end_row(self, r: int, c: int) -> int:
        return self.span_end.get((r, c), (r, c))[0]

    def ref(self, r: int, c: int) -> str:
        """Where a cell is, as the clerk finds it: 表1!C7."""
        return f"{self.title}!{column_letter(c)}{r}"

    def at(self, what: str) -> str:
        """A place in the sheet named in words: 表1!指标第3行."""
        return f"{self.title}!{what}"

    def place(self, r: int) -> str:
        """Where a table beginning at row r is, in the import report."""
        return self.ref(r, 1)


def column_letter(c: int) -> str:
    """A column's letters (1 → A, 27 → AA), as openpyxl's get_column_letter."""
    if not 1 <= c <= 18278:
        raise ValueError(f"Invalid column index {c}")
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_text(value, number_format: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if "%" in number_format:
            return f"{_plain(Decimal(repr(value)) * 100)}%"
        return _plain(Decimal(repr(value)))
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y年%m月%d日")
    return str(value).strip()


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


# ---------------------------------------------------------------- labels

LABELS = {
    "code": re.compile(r"^(项目编码|项目代码|项目编号)$"),
    "name": re.compile(r"^(预算)?项目名称$"),
    "budget_block": re.compile(r"^(预算规模及资金用途|项目资金|资金规模)"),
    "total": re.compile(r"^(预算数|预算金额|资金总额|项目总预算|年度预算数)(（[万元]+）|\([万元]+\))?$"),
    "fiscal": re.compile(r"^(其中[:：]?)?(财政资金|财政拨款)(（[万元]+）|\([万元]+\))?$"),
    "other": re.compile(r"^(其他资金)(（[万元]+）|\([万元]+\))?$"),
    "usage": re.compile(r"^(项目资金主要用途|资金用途|主要用途|资金主要用途)$"),
    "plan": re.compile(r"^资金支出计划"),
    "goals": re.compile(r"^(项目)?(年度)?(总体)?绩效目标$"),
    "signoff": re.compile(r"^(填报单位|单位负责人|填报人|联系电话|填报日期)"),
}
GRID_HEADERS = {
    "level1": re.compile(r"^一级指标$"),
    "level2": re.compile(r"^二级指标$"),
    "name": re.compile(r"^三级指标(名称)?$"),
    "description": re.compile(r"^(绩效)?指标(描述|内容|解释)$"),
    "value": re.compile(r"^(指标值|目标值|绩效指标值|年度指标值)$"),
    "basis": re.compile(r"^(指标值)?(确定依据|设定依据)$|^评分依据$"),
}
SPLIT_HEADERS = {
    "comparator": re.compile(r"^(符号|比较符|运算符)$"),
    "number": re.compile(r"^(值|数值|指标值)$"),
    "unit": re.compile(r"^单位(（文字描述）|\(文字描述\)|/文字描述)?$|^计量单位$"),
}


@lru_cache(maxsize=65536)
def _matches(pattern: re.Pattern, key: str) -> bool:
    return pattern.match(key) is not None


@lru_cache(maxsize=65536)
def _is_title(key: str) -> bool:
    return _TITLE.search(key) is not None or (len(key) <= 40 and _DEPT_TITLE.search(key) is not None)


@lru_cache(maxsize=65536)
def _unit_line(key: str):
    """(code, name) of a line such as 439001玉田县无终街道办事处本级 (also written with 单位：元 after it, or with
    full-width digits)."""
    key = _MONEY_SUFFIX.sub("", key.translate(_WIDE_DIGITS))
    m = _UNIT_LINE.match(key)
    return (m.group(1), m.group(2)) if m else None


@lru_cache(maxsize=65536)
def _money_unit(key: str) -> str | None:
    m = _MONEY_UNIT.search(key)
    return m.group(1) if m else None


@lru_cache(maxsize=65536)
def _is_label(key: str) -> bool:
    if not key:
        return False
    if any(p.match(key) for p in LABELS.values()):
        return True
    return any(p.match(key) for p in GRID_HEADERS.values())


# ---------------------------------------------------------------- numbers

def read_amount(raw, text: str, unit: str, where: str, warnings: list[Warning_]):
    if raw is None or text == "":
        return None
    try:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = Decimal(repr(raw))
        else:
            cleaned = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "").replace(" ", "")
            cleaned = re.sub(r"(万元|元)$", "", cleaned)
            value = Decimal(cleaned)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        warnings.append(Warning_(where, f"金额“{text}”不是数字，未导入此金额"))
        return None
    if unit == "万元":
        value *= WAN
    if abs(value) >= MAX_AMOUNT:
        warnings.append(Warning_(where, f"金额“{text[:30]}”大得不像预算金额，未导入此金额"))
        return None
    if value != value.quantize(CENT):
        warnings.append(Warning_(where, f"金额“{text}”超过两位小数（分），已四舍五入到分"))
    return value.quantize(CENT)


def read_percent(raw, text: str, fmt: str, where: str, warnings: list[Warning_]):
    if raw is None or text == "":
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = Decimal(repr(raw))
        return value * 100 if "%" in fmt else value
    cleaned = unicodedata.normalize("NFKC", text).replace("%", "").replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return Decimal(cleaned)
    fixed = re.sub(r"^[.,。，]+|[.,。，]+$", "", cleaned)
    if re.fullmatch(r"\d+(\.\d+)?", fixed):
        warnings.append(Warning_(where, f"支出进度“{text}”有多余的符号，按 {fixed}% 读取，请核对"))
        return Decimal(fixed)
    warnings.append(Warning_(where, f"支出进度“{text}”不是百分数，此时点按空白导入"))
    return None


# ---------------------------------------------------------------- tables

def find_anchors(sheet: Sheet) -> list[int]:
    """First rows of the tables in a sheet: title rows, or the 项目编码/名称 row when untitled."""
    anchors: list[int] = []
    last_title = -10
    for r in range(1, sheet.max_row + 1):
        cells = sheet.row_cells(r)
        keys = [sheet.key(r, c) for c in cells]
        if any(_is_title(k) for k in keys):
            anchors.append(r)
            last_title = r
        elif any(_matches(LABELS["code"], k) or _matches(LABELS["name"], k) for k in keys):
            if r - last_title > 3 and not (anchors and r - anchors[-1] <= 3):
                # an untitled table; a unit line just above belongs to it
                start = r
                for up in (1, 2):
                    if r - up >= 1 and any(_unit_line(sheet.key(r - up, c)) or _money_unit(sheet.key(r - up, c))
                                           for c in sheet.row_cells(r - up)):
                        start = r - up
                anchors.append(start)
    return anchors


def read_sheet(sheet: Sheet, forms: dict[str, FormDef]) -> list[FoundTable | FoundDepartment]:
    anchors = find_anchors(sheet)
    for r in range(1, sheet.max_row + 1):  # an untitled department table begins at its 部门（单位）名称 row
        if any(sheet.key(r, c) in ("部门（单位）名称", "部门(单位)名称") for c in sheet.row_cells(r)) and not any(
                a <= r <= a + 3 for a in anchors):
            anchors = sorted(anchors + [r])
    tables: list[FoundTable | FoundDepartment] = []
    for i, start in enumerate(anchors):
        end = anchors[i + 1] - 1 if i + 1 < len(anchors) else sheet.max_row
        if _is_department(sheet, start, end):
            found = _read_department(sheet, start, end, forms)
        else:
            found = _read_table(sheet, start, end, forms)
        if found is not None:
            tables.append(found)
    return tables


def _is_department(sheet: Sheet, start: int, end: int) -> bool:
    for r in range(start, min(end, start + 3) + 1):
        for c in sheet.row_cells(r):
            key = sheet.key(r, c)
            if len(key) <= 40 and _DEPT_TITLE.search(key):
                return True
    for r in range(start, min(end, start + 12) + 1):
        for c in sheet.row_cells(r):
            if _DEPT_LABELS.match(sheet.key(r, c)):
                return True
    return False


def _read_department(sheet: Sheet, start: int, end: int, forms: dict[str, FormDef]) -> FoundDepartment | None:
    """The urho shape (name, 年度主要任务 with 合计, 年度总体目标, the grid) or a bare department grid."""
    warnings: list[Warning_] = []
    used: set[tuple[int, int]] = set()
    title, year, unit, name = "", None, None, ""
    money_unit = "万元"
    goals: tuple[str, ...] = ()
    tasks: list[DepartmentTask] = []
    grid_at = None
    task_head = None
    for r in range(max(1, start - 1), end + 1):
        for c in sheet.row_cells(r):
            key = sheet.key(r, c)
            if not title and _is_title(key):
                title = sheet.text(r, c)
                used.add((r, c))
            m = _YEAR.search(key)
            if m and year is None and len(key) <= 12:
                year = int(m.group(1))
                used.add((r, c))
            line = _unit_line(key)
            if line and unit is None:
                unit = Unit(*line)
            unit_m = re.search(r"[（(](万元|元)[）)]", key) if "金额" in key or "单位" in key else None
            if unit_m:
                money_unit = unit_m.group(1)
            if key in ("部门（单位）名称", "部门(单位)名称", "部门名称", "单位名称") and not name:
                used.add((r, c))
                cell = _right_value(sheet, r, c)
                if cell is not None:
                    name = sheet.text(*cell)
                    used.add(cell)
            if key == "任务名称" and task_head is None:
                task_head = (r, c)
            if key == "年度总体目标" and not goals:
                cell = _right_value(sheet, r, c)
                if cell is not None:
                    goals = read_goals_cell(sheet.text(*cell))
            if key == "一级指标" and grid_at is None:
                grid_at = (r, c)
    if task_head is not None:
        tasks = _read_tasks(sheet, task_head, grid_at[0] if grid_at else end + 1, money_unit, warnings)
    indicators: tuple[Indicator, ...] = ()
    layout = "single"
    if grid_at is not None:
        indicators, layout = _read_grid(sheet, grid_at[0], end, used, warnings)
        columns = {sheet.key(grid_at[0], c) for c in sheet.row_cells(grid_at[0])}
        for i, ind in enumerate(indicators):
            if re.fullmatch(r"[\d.]+", ind.level2 or ""):
                warnings.append(Warning_(sheet.at(f"指标第{i + 1}行"),
                                         f"二级指标写的是数字“{ind.level2}”，按原样导入，请核对"))
    else:
        columns = set()
    if not (name or tasks or indicators or goals):
        return None
    if any(i.level1.strip() == "成本指标" for i in indicators):
        form_name = "department-2021"
    else:
        form_name = "department"
    if layout == "split" or {"绩效指标描述", "指标值确定依据"} & columns:
        form_name = "department-detail"
    if form_name not in forms:
        form_name = next((n for n, f in forms.items() if f.kind == "department"), form_name)
    dept = DepartmentPlan(uid="", unit_code=unit.code if unit else "", year=year or 0, form=form_name,
                          name=name or (unit.name if unit else ""), money_unit=money_unit, tasks=tuple(tasks),
                          goals=goals, indicators=indicators)
    label = forms[form_name].label if form_name in forms else form_name
    return FoundDepartment(sheet.title, start, title or "部门（单位）整体支出绩效目标表", dept, unit, year, warnings, label,
                           sheet.place(start))


def _read_tasks(sheet: Sheet, head: tuple[int, int], stop: int, money_unit: str,
                warnings: list[Warning_]) -> list[DepartmentTask]:
    """年度主要任务 rows under 任务名称 · 主要内容 · 总额 · 财政拨款 · 其他资金 (one or two header rows)."""
    r0, name_col = head
    cols: dict[str, int] = {}
    last_head = r0
    for r in (r0, r0 + 1):
        for c in sheet.row_cells(r):
            key = sheet.key(r, c)
            for field_name, pattern in (("content", r"^主要内容$"), ("total", r"^(总额|合计金额|金额合计)"),
                                        ("fiscal", r"^(财政拨款|财政资金)"), ("other", r"^其他资金")):
                if re.match(pattern, key) and field_name not in cols:
                    cols[field_name] = c
                    last_head = max(last_head, r)
    tasks = []
    stated_total = None
    for r in range(last_head + 1, stop):
        cells = sheet.row_cells(r)
        if not cells:
            continue
        first = sheet.key(r, name_col)
        if first in ("年度总体目标", "年度绩效指标") or any(sheet.key(r, c) == "年度总体目标" for c in cells):
            break

        def amount(field_name: str):
            c = cols.get(field_name)
            if c is None or (r, c) not in sheet.values:
                return None
            return read_amount(sheet.raw(r, c), sheet.text(r, c), money_unit, sheet.ref(r, c), warnings)

        if first == "合计":
            stated_total = (r, amount("total"))
            continue
        name = sheet.text(r, name_col)
        content = sheet.text(r, cols["content"]) if "content" in cols else ""
        if not (name or content):
            continue
        tasks.append(DepartmentTask(name, content, amount("total"), amount("fiscal"), amount("other")))
    if stated_total is not None and stated_total[1] is not None:
        computed = sum((t.total or 0) for t in tasks)
        if computed != stated_total[1]:
            warnings.append(Warning_(sheet.ref(stated_total[0], cols.get("total", name_col)),
                                     f"表中的合计与各任务总额之和不一致（相差 {stated_total[1] - computed} 元），"
                                     "导入各任务，合计按各任务计算"))
    return tasks


@lru_cache(maxsize=65536)
def _classify(key: str) -> tuple[str, ...]:
    """The label names (LABELS and grid headers) a cell's text matches."""
    names = tuple(name for name, p in LABELS.items() if p.match(key))
    return names + tuple(f"grid:{name}" for name, p in GRID_HEADERS.items() if p.match(key))


class _Labels:
    """First cell of each label in a range of rows, found in one pass."""

    def __init__(self, sheet: Sheet, rows: range):
        self.first: dict[str, tuple[int, int]] = {}
        for r in rows:
            for c in sheet.row_cells(r):
                for name in _classify(sheet.key(r, c)):
                    self.first.setdefault(name, (r, c))

    def find(self, name: str, before: int | None = None) -> tuple[int, int] | None:
        at = self.first.get(name)
        if at is not None and before is not None and at[0] >= before:
            return None
        return at


def _find(sheet: Sheet, rows: range, pattern: re.Pattern) -> tuple[int, int] | None:
    for r in rows:
        for c in sheet.row_cells(r):
            if _matches(pattern, sheet.key(r, c)):
                return (r, c)
    return None


def _right_value(sheet: Sheet, r: int, c: int) -> tuple[int, int] | None:
    """The value cell to the right of a label: the next non-empty cell, unless it is another label."""
    col = sheet.end_col(r, c) + 1
    while col <= sheet.max_col:
        if (r, col) in sheet.values:
            if _is_label(sheet.key(r, col)):
                return None
            return (r, col)
        owner = sheet.owner.get((r, col))
        col = (sheet.end_col(*owner) if owner else col) + 1
    return None


def _read_table(sheet: Sheet, start: int, end: int, forms: dict[str, FormDef]) -> FoundTable | None:
    rows = range(start, end + 1)
    warnings: list[Warning_] = []
    used: set[tuple[int, int]] = set()
    title = ""
    unit: Unit | None = None
    money_unit = "元"
    for r in list(range(max(1, start - 2), start)) + list(rows)[:4]:
        for c in sheet.row_cells(r):
            key = sheet.key(r, c)
            if r >= start and not title and _is_title(key):
                title = sheet.text(r, c)
                used.add((r, c))
            line = _unit_line(key)
            if line and unit is None:
                unit = Unit(*line)
                used.add((r, c))
            found_unit = _money_unit(key)
            if found_unit:
                money_unit = found_unit
                used.add((r, c))
    labels = _Labels(sheet, rows)
    grid_at = labels.find("grid:level1")
    head_rows = range(start, grid_at[0]) if grid_at else rows
    head_end = grid_at[0] if grid_at else None

    def value_of(label: str) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
        at = labels.find(label, head_end)
        if at is None:
            return "", None, None
        used.add(at)
        cell = _right_value(sheet, *at)
        if cell is None:
            return "", at, None
        used.add(cell)
        return sheet.text(*cell), at, cell

    code, code_at, code_cell = value_of("code")
    name, name_at, _ = value_of("name")
    if name_at is None and code_cell is not None:
        # the 项目名称 label is missing: the name sits right after the code
        after = _right_value(sheet, *code_cell)
        if after is not None:
            name = sheet.text(*after)
            used.add(after)
    if name_at is None and code_at is None and not title and grid_at is None:
        return None
    if not name and title:
        name = _TITLE.sub("", _NUMBERING.sub("", title)).strip()
        if name.endswith("项目支出"):
            name = name[: -len("项目支出")]
    for label in ("total", "fiscal", "other"):
        at = labels.find(label, head_end)
        if at is not None:
            m = re.search(r"(万元|元)", sheet.key(*at))
            if m:
                money_unit = m.group(1)
    amounts = {}
    usage = ""
    for label in ("total", "fiscal", "other"):
        at = labels.find(label, head_end)
        if at is None:
            amounts[label] = None
            continue
        used.add(at)
        cell = _right_value(sheet, *at)
        if cell is None:
            amounts[label] = None
            continue
        used.add(cell)
        amounts[label] = read_amount(sheet.raw(*cell), sheet.text(*cell), money_unit, sheet.ref(*cell), warnings)
    usage_text, usage_at, _ = value_of("usage")
    block = labels.find("budget_block", head_end)
    if block is not None:
        used.add(block)
        if not usage_text:
            # the usage text is the row of the 预算规模及资金用途 block without money labels
            last = sheet.end_row(*block)
            if last == block[0] and block[0] + 1 in head_rows and (block[0] + 1, block[1]) not in sheet.values:
                last += 1  # the label is not merged: the usage row is the one below it
            for r in range(block[0], last + 1):
                cells = [c for c in sheet.row_cells(r) if c > sheet.end_col(*block) and (r, c) not in used]
                keys = [sheet.key(r, c) for c in cells]
                if cells and not any(_is_label(k) for k in keys):
                    usage_text = "\n".join(sheet.text(r, c) for c in cells)
                    used.update((r, c) for c in cells)
                    break
    usage = usage_text
    extra = _read_extra(sheet, head_rows, used, _extra_labels(forms))
    scheme, points = _read_plan(sheet, head_rows, used, warnings)
    goals, goal_rows = _read_goals(sheet, head_rows, used, labels.find("goals", head_end))
    layout = "single"
    indicators: tuple[Indicator, ...] = ()
    if grid_at is not None:
        indicators, layout = _read_grid(sheet, grid_at[0], end, used, warnings)
    has_money = any(labels.find(k, head_end) for k in ("total", "fiscal", "other"))
    name_label = sheet.key(*name_at) if name_at else ""
    signature = Signature(layout=layout, money_rows=True if has_money else (False if usage_at else None),
                          goal_rows=goal_rows if goals else None, scheme=scheme, extra=frozenset(l for l, _ in extra),
                          cost_level1=any(i.level1.strip() == "成本指标" for i in indicators),
                          name_label=name_label, title=title)
    form_name = choose_form(signature, forms)
    m = _TITLE_NUMBER.match(title)
    number = int(m.group(1)) if m else 0
    # 一级/二级 stay as written (效果指标, 数量); the checks offer the tree's own names as a fix
    labels = forms[form_name].checkpoint_labels(scheme) if form_name in forms else MONTH_LABELS
    points = (tuple(points) + (None,) * len(labels))[: len(labels)]
    project = Project(
        uid="", unit_code=unit.code if unit else "", year=0, form=form_name, code=code, name=name,
        money_unit=money_unit,
        budget=Budget(amounts.get("total"), amounts.get("fiscal"), amounts.get("other")),
        usage=usage, plan=SpendingPlan(scheme, points), goals=goals, indicators=indicators,
        number=number, extra=tuple(extra),
    )
    if not (code or indicators or goals or usage or extra or any(v is not None for v in amounts.values())
            or any(v is not None for v in points)):
        return None  # a title or a header row with nothing filled in: no table to import
    _report_unused(sheet, start, grid_at[0] if grid_at else end + 1, used, warnings)
    form_label = forms[form_name].label if form_name in forms else form_name
    return FoundTable(sheet.title, start, title or name, project, unit, layout, warnings, form_label, sheet.place(start))


def _extra_labels(forms: dict[str, FormDef]) -> dict[str, str]:
    """Label key (no white space) -> label, for the header rows some forms add (项目绩效模板)."""
    return {"".join(label.split()): label for f in forms.values() for label in f.extra_rows}


def _read_extra(sheet: Sheet, rows: range, used: set, labels: dict[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not labels:
        return found
    for r in rows:
        for c in sheet.row_cells(r):
            label = labels.get(sheet.key(r, c))
            if label is None or any(name == label for name, _ in found):
                continue
            used.add((r, c))
            cell = _right_value(sheet, r, c)
            text = ""
            if cell is not None and cell not in used:
                used.add(cell)
                text = sheet.text(*cell)
            found.append((label, text))
    return found


def _read_plan(sheet: Sheet, rows: range, used: set, warnings: list[Warning_]):
    for r in rows:
        found: dict[int, int] = {}
        scheme = None
        for c in sheet.row_cells(r):
            key = sheet.key(r, c)
            if key in MONTH_LABELS:
                found[MONTH_LABELS.index(key)] = c
                scheme = "month_end"
            elif key in QUARTER_LABELS:
                found[QUARTER_LABELS.index(key)] = c
                scheme = "quarter"
            elif key in _QUARTER_ALIASES:
                found[_QUARTER_ALIASES[key]] = c
                scheme = "quarter"
        if len(found) >= 2 and scheme:
            points: list[Decimal | None] = [None] * 4
            value_row = sheet.end_row(r, min(found.values())) + 1
            for i, c in found.items():
                used.add((r, c))
                cell = None
                for cc in range(c, sheet.end_col(r, c) + 1):
                    if (value_row, cc) in sheet.values:
                        cell = (value_row, cc)
                        break
                if cell is None:
                    continue
                used.add(cell)
                points[i] = read_percent(sheet.raw(*cell), sheet.text(*cell), sheet.formats.get(cell, ""),
                                         sheet.ref(*cell), warnings)
            label = _find(sheet, range(r, r + 1), LABELS["plan"])
            if label:
                used.add(label)
            return scheme, points
    return "month_end", [None] * 4


def split_goals(text: str) -> tuple[str, ...]:
    """One cell of goals, one goal per line, each as written (see desk.domain.goals)."""
    return read_goals_cell(text)


def _read_goals(sheet: Sheet, rows: range, used: set, at: tuple[int, int] | None) -> tuple[tuple[str, ...], bool]:
    """The goals, and whether they were written as 目标1/目标2 rows."""
    if at is None:
        return (), False
    used.add(at)
    goals: list[str] = []
    as_rows = False
    last_row = sheet.end_row(*at)
    r = at[0]
    while r <= last_row:
        cells = [c for c in sheet.row_cells(r) if c > sheet.end_col(*at)]
        if cells and re.fullmatch(r"目标\s*\d+", sheet.key(r, cells[0])):
            used.update((r, c) for c in cells)
            text = " ".join(sheet.text(r, c) for c in cells[1:])
            if text:  # a 目标N row left empty in the template is no goal (its label is not the goal)
                goals.append(text)
            as_rows = True
            # rows of 目标N may continue below the label's merged range
            if r == last_row and r + 1 in rows:
                nxt = [c for c in sheet.row_cells(r + 1)]
                if nxt and re.fullmatch(r"目标\s*\d+", sheet.key(r + 1, nxt[0])):
                    last_row += 1
        elif cells:
            used.update((r, c) for c in cells)
            goals.extend(split_goals("\n".join(sheet.text(r, c) for c in cells)))
        r += 1
    return tuple(goals), as_rows


def _read_grid(sheet: Sheet, header_row: int, end: int, used: set, warnings: list[Warning_]):
    columns: dict[str, int] = {}
    for c in sheet.row_cells(header_row):
        key = sheet.key(header_row, c)
        for field_name, pattern in GRID_HEADERS.items():
            if pattern.match(key) and field_name not in columns:
                columns[field_name] = c
                used.add((header_row, c))
    layout = "single"
    first_data = header_row + 1
    sub = header_row + 1
    split_cols: dict[str, int] = {}
    for c in sheet.row_cells(sub):
        key = sheet.key(sub, c)
        for field_name, pattern in SPLIT_HEADERS.items():
            if pattern.match(key) and field_name not in split_cols:
                split_cols[field_name] = c
    if {"comparator", "number"} <= set(split_cols) or {"comparator", "unit"} <= set(split_cols):
        layout = "split"
        used.update((sub, c) for c in split_cols.values())
        first_data = sub + 1
        columns.pop("value", None)
    inds: list[Indicator] = []
    l1 = l2 = ""
    for r in range(first_data, end + 1):
        cells = sheet.row_cells(r)
        if not cells:
            continue
        if any(_matches(LABELS["signoff"], sheet.key(r, c)) or _is_title(sheet.key(r, c)) for c in cells):
            break

        def get(name: str, source=columns) -> str:
            c = source.get(name)
            return sheet.text(r, c) if c else ""

        row_l1, row_l2 = get("level1"), get("level2")
        if row_l1:
            if row_l1 != l1:
                l2 = ""
            l1 = row_l1
        if row_l2:
            l2 = row_l2
        name, description, basis = get("name"), get("description"), get("basis")
        if layout == "split":
            comparator, number, unit_text = (get(k, split_cols) for k in ("comparator", "number", "unit"))
            target = make_value(comparator, number, unit_text)
            if comparator and comparator not in ("文字描述", "定性") and target.is_qualitative:
                warnings.append(Warning_(sheet.ref(r, split_cols["comparator"]),
                                         f"符号“{comparator}”无法识别，指标值按文字“{target.value}”导入"))
            written = ""
        else:
            written = get("value").strip()
            target = parse_value(written)
        for c in cells:
            if c in columns.values() or c in split_cols.values():
                used.add((r, c))
        if not (name or description or basis or target.value):
            continue  # a category row or an empty row
        # one-cell values are kept exactly as written, their parsed parts beside them
        inds.append(Indicator(l1, l2, name, description, target.comparator, target.value, target.unit, basis,
                              text=written))
    return tuple(inds), layout


@dataclass(frozen=True)
class Signature:
    """What a table in a workbook shows of its shape, to choose the form it was made from."""

    layout: str  # "single" or "split" 指标值
    money_rows: bool | None  # 预算数 row present; False: only 项目资金主要用途; None: neither
    goal_rows: bool | None  # goals as 目标1/目标2 rows; None: no goals
    scheme: str
    extra: frozenset[str]  # extra header rows found (项目绩效模板)
    cost_level1: bool  # 成本指标 written as a first-level indicator
    name_label: str = ""
    title: str = ""


PREFERRED_FORMS = ("hebei-project", "hebei-project-split", "project-2021")


def form_score(form: FormDef, sig: Signature) -> int:
    score = 4 if form.value_layout == sig.layout else -4
    if sig.money_rows is not None:
        score += 3 if form.has_money_rows == sig.money_rows else -3
    if sig.goal_rows is not None:
        score += 2 if (form.goals_layout == "rows") == sig.goal_rows else 0
    if sig.scheme not in form.plan_schemes:
        score -= 5
    elif sig.scheme == form.default_scheme:
        score += 1
    score += sum(3 if label in sig.extra else -2 for label in form.extra_rows)
    score -= 3 * len(sig.extra - set(form.extra_rows))
    if sig.cost_level1:
        score += 4 if "成本指标" in form.tree.level1_names() else -4
    if sig.name_label and sig.name_label in ("".join(x.split()) for x in form.print.header_labels):
        score += 1
    suffix = "".join(form.print.title_template.format(index="", name="", code="", year="").split())
    if sig.title and suffix and "".join(sig.title.split()).endswith(suffix):
        score += len(suffix) // 4  # a longer matching title ending (项目绩效目标表) says more
    return score


def choose_form(sig: Signature, forms: dict[str, FormDef]) -> str:
    """The project form whose parts and labels best match the table; the usual ones win ties."""
    candidates = [f for f in forms.values() if f.kind == "project"] or list(forms.values())
    rank = {name: i for i, name in enumerate(PREFERRED_FORMS)}
    return min(candidates, key=lambda f: (-form_score(f, sig), rank.get(f.name, len(rank)), f.name)).name


def _report_unused(sheet: Sheet, start: int, stop: int, used: set, warnings: list[Warning_]) -> None:
    """Cells above the grid that no field took: reported, so nothing disappears silently."""
    for r in range(start, stop):
        for c in sheet.row_cells(r):
            if (r, c) in used:
                continue
            key = sheet.key(r, c)
            if not key or LABELS["plan"].match(key) or LABELS["budget_block"].match(key) or _is_label(key):
                continue
            warnings.append(Warning_(sheet.ref(r, c), f"未识别的内容“{sheet.text(r, c)[:40]}”，没有导入"))


def read_workbook(data: bytes, forms: dict[str, FormDef], *, name: str = "Excel 文件") -> ReadResult:
    tables: list[FoundTable] = []
    departments: list[FoundDepartment] = []
    # The workbook is a large graph of objects that are all alive; full garbage
    # collections over it while parsing cost a third of the time and free nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for sheet in load_sheets(data, name):
            if sheet.title in (FLAT_SHEET, TOTALS_SHEET):
                continue
            for found in read_sheet(sheet, forms):
                (departments if isinstance(found, FoundDepartment) else tables).append(found)
    finally:
        if was_enabled:
            gc.enable()
    if not tables and not departments:
        raise WorkbookError(f"在“{name}”中没有找到绩效目标表（没有“项目编码”“项目名称”或“…绩效目标表”标题）。")
    return ReadResult(tables, departments)


__all__ = ["FoundDepartment", "FoundTable", "ReadResult", "Warning_", "WorkbookError", "read_workbook", "split_goals"]

"""The printed table as rows and cells, from a project and its form definition.

Shared by the PDF and the Excel renderers, so both lay a table out the same
way, and by the 校验码, which is computed from exactly what is printed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from desk.domain.formdef import FormDef, PrintSpec
from desk.domain.goals import goals_cell
from desk.domain.model import DepartmentPlan, Project, Unit
from desk.domain.money import display_money, percent_text
from desk.domain.values import split_columns
from desk.render.layout import Band, Cell, Row, fit_widths

MM = 72.0 / 25.4


@dataclass(frozen=True)
class PrintJob:
    """One table to print: the project, its title number (the table's own, see :func:`table_number`) and its form."""

    project: Project | DepartmentPlan  # a project table, or the unit's 部门整体支出绩效目标表
    index: int
    form: FormDef
    unit: Unit | None


# ---------------------------------------------------------------- grid columns of the spreadsheet and Word tables

def column_starts(widths: tuple[float, ...]) -> list[float]:
    """Column edges of a row, rounded so that equal edges of different blocks match."""
    out, x = [0.0], 0.0
    for w in widths:
        x += w
        out.append(round(x, 1))
    return out


def wide_measure(size: float):
    """Character widths on the wide side of 宋体 and the fonts that replace it, for tables another program lays
    out (Excel, Word): wrapping and column fitting by this never underestimate a line."""
    def width(ch: str) -> float:
        return size if ord(ch) > 0x2E7F else size * 0.6
    return width


def column_edges(rows: list[Row]) -> list[float]:
    """Every column edge of the table's rows: the columns of a grid that holds all of its blocks."""
    return sorted({e for row in rows for e in column_starts(row.widths)})


# ---------------------------------------------------------------- content

def table_number(project: Project, position: int) -> int:
    """The number printed in the title: the table's stored number, else its position among its unit's tables."""
    return project.number if project.number > 0 else position


def table_numbers(projects) -> dict[str, int]:
    """uid -> printed number for projects in file order: the stored number, else the position within
    the project's own unit and year (never the position in the whole file)."""
    counters: dict[tuple[str, int], int] = {}
    out = {}
    for p in projects:
        key = (p.unit_code, p.year)
        counters[key] = counters.get(key, 0) + 1
        out[p.uid] = table_number(p, counters[key])
    return out


def printed_fields(project: Project | DepartmentPlan, form: FormDef) -> list[tuple[str, str, str]]:
    """(field path, label, text) of everything the table prints from the project."""
    if isinstance(project, DepartmentPlan):
        return _department_fields(project, form)
    out = [("code", "项目编码", project.code), ("name", "项目名称", project.name), ("usage", "资金用途", project.usage)]
    for label in form.extra_rows:
        out.append((f"extra[{label}]", label, project.extra_value(label)))
    for i, goal in enumerate(project.goals):
        out.append((f"goals[{i}]", f"绩效目标{i + 1}", goal))
    labels = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "description": "绩效指标描述",
              "basis": "指标值确定依据"}
    for i, ind in enumerate(project.indicators):
        for key, label in labels.items():
            out.append((f"indicators[{i}].{key}", f"指标第{i + 1}行的{label}", getattr(ind, key)))
        out.append((f"indicators[{i}].value", f"指标第{i + 1}行的指标值", ind.value_text))
        if form.value_layout == "split":
            out.append((f"indicators[{i}].value", f"指标第{i + 1}行的指标值",
                        "".join(split_columns(ind.target, form.bare_symbol))))
    return out


def _department_fields(d: DepartmentPlan, form: FormDef) -> list[tuple[str, str, str]]:
    out = [("name", "部门（单位）名称", d.name)]
    for i, t in enumerate(d.tasks):
        out += [(f"tasks[{i}].name", f"任务第{i + 1}行的任务名称", t.name),
                (f"tasks[{i}].content", f"任务第{i + 1}行的主要内容", t.content)]
    out += [(f"goals[{i}]", f"目标{i + 1}", g) for i, g in enumerate(d.goals)]
    for i, ind in enumerate(d.indicators):
        for key, label in (("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"),
                           ("description", "绩效指标描述"), ("basis", "指标值确定依据")):
            out.append((f"indicators[{i}].{key}", f"指标第{i + 1}行的{label}", getattr(ind, key)))
        out.append((f"indicators[{i}].value", f"指标第{i + 1}行的指标值", ind.value_text))
    return out


def title_of(job: PrintJob) -> str:
    p = job.project
    return job.form.print.title_template.format(index=job.index, name=p.name, code=getattr(p, "code", ""),
                                                year=p.year)


def build_department_rows(job: PrintJob) -> tuple[list[Band], list[Row], list[Band]]:
    """The 部门（单位）整体支出绩效目标表: title, (N 年), unit name, 年度主要任务 with 合计, 年度总体目标 and the
    年度绩效指标 grid, laid out by the form (the 乌尔禾区 2021 table)."""
    d, form = job.project, job.form
    spec = form.print
    mm = lambda values: tuple(v * MM for v in values)  # noqa: E731
    ts = spec.text_size
    head: list[Band] = []
    rows: list[Row] = []
    tail: list[Band] = []
    for block in spec.blocks:
        if block == "title":
            head.append(Band("title", (title_of(job),), spec.title_size * 2.0, spec.title_size))
        elif block == "subtitle":
            head.append(Band("subtitle", (spec.subtitle_template.format(year=d.year, name=d.name),),
                             spec.unit_line_size * 2.0, spec.unit_line_size))
        elif block == "dept_name":
            rows.append(Row("dept_name", mm(spec.name_widths_mm), [
                Cell(0, spec.name_label, label=True, size=ts), Cell(1, d.name, size=ts)]))
        elif block == "tasks":
            widths = mm(spec.task_widths_mm)
            labels = [x.format(unit=d.money_unit) for x in spec.task_labels]
            key = lambda col: {col: (f"task-head-{col}", labels[col], ts)}  # noqa: E731
            groups = {**key(0), **key(1)}
            rows.append(Row("tasks", widths, [Cell(2, labels[2], span=3, label=True, size=ts)], groups=dict(groups),
                            header=False, keep="task-head"))
            rows.append(Row("tasks", widths, [Cell(2 + k, labels[3 + k], label=True, size=ts) for k in range(3)],
                            groups=dict(groups), keep="task-head"))
            totals = d.totals()
            rows.append(Row("tasks", widths, [Cell(0, spec.total_label, label=True, size=ts), Cell(1, "", size=ts)]
                            + [Cell(2 + k, display_money(v, d.money_unit), size=ts) for k, v in enumerate(totals)],
                            keep="task-head"))
            for t in d.tasks:
                rows.append(Row("tasks", widths, [Cell(0, t.name, align="left", size=ts),
                                                  Cell(1, t.content, align="left", size=ts)]
                                + [Cell(2 + k, display_money(v, d.money_unit), size=ts)
                                   for k, v in enumerate((t.total, t.fiscal, t.other))]))
        elif block == "goals":
            rows.append(Row("goals", mm(spec.goals_widths_mm), [
                Cell(0, spec.goals_label, label=True, size=ts),
                Cell(1, goals_cell(d.goals, form.goal_label), align="left", size=ts)]))
        elif block == "grid":
            grid = _grid_rows(d, form, spec, spec.grid_size)
            if spec.grid_label:
                grid = [_with_label_column(r, spec) for r in grid]
            rows.extend(grid)
        elif block == "signoff":
            for line in spec.signoff:
                tail.append(Band("signoff", tuple(line), spec.text_size * 2.6, spec.text_size))
    return head, rows, tail


def _with_label_column(row: Row, spec: PrintSpec) -> Row:
    """The grid row with the 年度绩效指标 column on its left, merged down the whole grid."""
    cells = [Cell(c.col + 1, c.text, c.span, c.align, c.size, c.label) for c in row.cells]
    groups = {col + 1: group for col, group in row.groups.items()}
    groups[0] = ("grid-label", spec.grid_label, spec.grid_size)
    return Row(row.block, (spec.grid_label_mm * MM,) + row.widths, cells, groups, row.height, row.header, row.keep)


def build_rows(job: PrintJob) -> tuple[list[Band], list[Row], list[Band]]:
    """The table of one project as bands and rows (texts not yet wrapped)."""
    if isinstance(job.project, DepartmentPlan):
        return build_department_rows(job)
    p, form = job.project, job.form
    spec = form.print
    mm = lambda values: tuple(v * MM for v in values)  # noqa: E731
    head: list[Band] = []
    rows: list[Row] = []
    tail: list[Band] = []
    ts, gs = spec.text_size, spec.grid_size
    for block in spec.blocks:
        if block == "title":
            head.append(Band("title", (title_of(job),), spec.title_size * 2.0, spec.title_size))
        elif block == "unit_line":
            unit_text = f"{job.unit.code}{job.unit.name}" if job.unit else p.unit_code
            head.append(Band("unit_line", (unit_text, f"单位：{p.money_unit}"), spec.unit_line_size * 1.8,
                             spec.unit_line_size))
        elif block == "header":
            code_label, name_label = spec.header_labels
            rows.append(Row("header", mm(spec.header_widths_mm), [
                Cell(0, code_label, label=True, size=ts), Cell(1, p.code, size=ts),
                Cell(2, name_label, label=True, size=ts), Cell(3, p.name, size=ts)]))
        elif block == "extra":
            widths = mm((spec.header_widths_mm[0], spec.body_width_mm - spec.header_widths_mm[0]))
            for label in form.extra_rows:
                rows.append(Row("extra", widths, [Cell(0, label, label=True, size=ts),
                                                  Cell(1, p.extra_value(label), align="left", size=ts)]))
        elif block == "money" and not form.has_money_rows:
            # 项目资金主要用途: the money is written inside the text; no 预算数 row
            widths = mm((spec.money_widths_mm[0], spec.body_width_mm - spec.money_widths_mm[0]))
            rows.append(Row("money", widths, [Cell(0, spec.money_label, label=True, size=ts),
                                              Cell(1, p.usage, align="left", size=ts)]))
        elif block == "money":
            unit = p.money_unit
            b = p.budget
            widths = mm(spec.money_widths_mm)
            key = ("money", spec.money_label, ts)
            rows.append(Row("money", widths, [
                Cell(1, spec.money_labels[0], label=True, size=ts),
                Cell(2, display_money(b.total, unit), size=ts),
                Cell(3, spec.money_labels[1], label=True, size=ts),
                Cell(4, display_money(b.fiscal, unit), size=ts),
                Cell(5, spec.money_labels[2], label=True, size=ts),
                Cell(6, display_money(b.other, unit), size=ts)], groups={0: key}, keep="money"))
            rows.append(Row("money", widths, [Cell(1, p.usage, span=6, align="left", size=ts)],
                            groups={0: key}, keep="money"))
        elif block == "plan":
            labels = form.checkpoint_labels(p.plan.scheme)
            widths = _plan_widths(spec, len(labels))
            key = ("plan", spec.plan_label, ts)
            rows.append(Row("plan", widths, [Cell(i + 1, lab, label=True, size=ts) for i, lab in enumerate(labels)],
                            groups={0: key}, keep="plan"))
            points = list(p.plan.points) + [None] * (len(labels) - len(p.plan.points))
            rows.append(Row("plan", widths, [
                Cell(i + 1, "" if pt is None else f"{percent_text(pt)}%", size=ts)
                for i, pt in enumerate(points[: len(labels)])], groups={0: key}, keep="plan"))
        elif block == "goals":
            widths = mm(spec.goals_widths_mm)
            goals = tuple(g for g in p.goals if g.strip()) or ("",)
            if form.goals_layout == "rows":
                key = ("goals", spec.goals_label, ts)
                for i, goal in enumerate(goals):
                    rows.append(Row("goals", widths, [Cell(1, form.goal_label.format(n=i + 1), label=True, size=ts),
                                                      Cell(2, goal, align="left", size=ts)], groups={0: key}))
            else:
                rows.append(Row("goals", widths, [Cell(0, spec.goals_label, label=True, size=ts),
                                                  Cell(1, goals_cell(goals), align="left", size=ts)]))
        elif block == "grid":
            rows.extend(_grid_rows(p, form, spec, gs))
        elif block == "signoff":
            for line in spec.signoff:
                tail.append(Band("signoff", tuple(line), spec.text_size * 2.6, spec.text_size))
    return head, rows, tail


def _plan_widths(spec: PrintSpec, count: int) -> tuple[float, ...]:
    widths = spec.plan_widths_mm
    if len(widths) != count + 1:
        rest = spec.body_width_mm - widths[0]
        widths = (widths[0],) + tuple(rest / count for _ in range(count))
    return tuple(w * MM for w in widths)


def _grid_rows(p: Project | DepartmentPlan, form: FormDef, spec: PrintSpec, size: float) -> list[Row]:
    widths = tuple(w * MM for w in spec.grid_widths_mm)
    columns = form.columns
    keys = [c.key for c in columns]
    rows: list[Row] = []
    split = form.value_layout == "split"
    if split and {"comparator", "number", "unit"} <= set(keys):
        first = keys.index("comparator")
        top = []
        for i, col in enumerate(columns):
            if col.key == "comparator":
                top.append(Cell(i, "指标值", span=3, label=True, size=size))
            elif col.key in ("number", "unit"):
                continue
            else:
                top.append(Cell(i, col.label, label=True, size=size))
        group_cols = {i: (f"head-{i}", col.label, size) for i, col in enumerate(columns)
                      if col.key not in ("comparator", "number", "unit")}
        rows.append(Row("grid", widths, [c for c in top if c.col not in group_cols], groups=group_cols,
                        header=True, keep="grid-head"))
        rows.append(Row("grid", widths, [Cell(first + k, columns[first + k].label, label=True, size=size)
                                         for k in range(3)], groups=group_cols, header=True, keep="grid-head"))
    else:
        rows.append(Row("grid", widths, [Cell(i, c.label, label=True, size=size) for i, c in enumerate(columns)],
                        header=True, keep="grid-head"))
    aligns = spec.grid_align
    group_l1 = keys.index("level1") if "level1" in keys else None
    group_l2 = keys.index("level2") if "level2" in keys else None
    run = l2_run = 0
    previous: tuple[str, str] | None = None
    for ind in p.indicators:
        # a merged cell covers consecutive rows with the same 一级 (and 二级 within it)
        if previous is None or ind.level1 != previous[0]:
            run += 1
        if previous is None or (ind.level1, ind.level2) != previous:
            l2_run += 1
        previous = (ind.level1, ind.level2)
        values = {
            "name": ind.name, "description": ind.description, "basis": ind.basis, "value": ind.value_text,
        }
        comparator, number, unit = split_columns(ind.target, form.bare_symbol)
        values.update(comparator=comparator, number=number, unit=unit)
        cells = []
        groups = {}
        for i, key in enumerate(keys):
            if i == group_l1:
                groups[i] = (f"l1-{run}", ind.level1, size)
            elif i == group_l2:
                groups[i] = (f"l2-{run}-{l2_run}", ind.level2, size)
            else:
                cells.append(Cell(i, values.get(key, ""), align=aligns[i], size=size))
        rows.append(Row("grid", widths, cells, groups=groups))
    return rows


def checksum(job: PrintJob) -> str:
    """校验码: 8 hex digits over everything the table prints (not page numbers)."""
    return checksum_of(*build_rows(job))


def checksum_of(head: list[Band], rows: list[Row], tail: list[Band]) -> str:
    """The 校验码 of a table's bands and rows as :func:`build_rows` gives them (their texts; laying out changes
    only widths, lines and heights)."""
    content = {
        "bands": [[b.kind, list(b.texts)] for b in head + tail],
        "rows": [[r.block, [[c.col, c.span, c.text] for c in r.cells],
                  sorted([col, key, label] for col, (key, label, _) in r.groups.items())] for r in rows],
    }
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    code = digest[:8].upper()
    return f"{code[:4]}-{code[4:]}"


def fit_grid(rows: list[Row], spec: PrintSpec, measure, pad: float) -> None:
    """Fit the grid's column widths to its text within the form's minimum and maximum widths (in place).

    ``measure(size)`` gives a function from a character to its width in points.
    Shared by the PDF and the Excel export, so both choose the same columns.
    """
    if not spec.grid_min_mm:
        return
    grid = [r for r in rows if r.block == "grid" and not r.header]
    if not grid:
        return
    skip = 1 if spec.grid_label_mm else 0  # the 年度绩效指标 label column keeps its width
    cells = []
    seen: set[tuple[int, str]] = set()
    for row in grid:
        texts = [(cell.col - skip, cell.span, cell.text, cell.size) for cell in row.cells]
        for col, (key, label, size) in row.groups.items():  # a merged 一级/二级 counts on its first row
            if col < skip:
                continue
            col -= skip
            if (col, key) not in seen:
                seen.add((col, key))
                texts.append((col, 1, label, size))
        entry = []
        for col, span, text, size in texts:
            width = measure(size)
            entry.append((col, span, [sum(map(width, part)) for part in text.split("\n")]))
        cells.append(entry)
    widths = fit_widths(cells, grid[0].widths[skip:], tuple(v * MM for v in spec.grid_min_mm),
                        tuple(v * MM for v in spec.grid_max_mm), pad, 1.0 * MM)
    for row in rows:
        if row.block == "grid":
            row.widths = row.widths[:skip] + widths

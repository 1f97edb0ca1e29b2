"""Excel export: one sheet per project laid out like the printed form, and a flat sheet.

The sheet uses the same table model as the PDF (desk.render.table): every
block's column edges become the sheet's columns, cells spanning several of
them are merged, merged 一级/二级 and block labels span their rows. Borders
and alignment are set on every cell before merging, so merged cells keep all
their borders in Excel, WPS and LibreOffice.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from desk.domain.values import split_columns
from desk.render.layout import Row, wrap
from desk.render.table import MM, PrintJob, build_rows

FLAT_SHEET = "指标明细"
TOTALS_SHEET = "按单位汇总"
FLAT_COLUMNS = ("单位编码", "单位名称", "年度", "项目编码", "项目名称", "预算数（元）", "一级指标", "二级指标", "三级指标",
                "绩效指标描述", "符号", "值", "单位", "指标值确定依据")
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LABEL_FILL = PatternFill("solid", fgColor="F0F0F0")
FONT_NAME = "宋体"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MM_PER_CHAR = 2.0  # Excel column width unit at the default font, roughly
DRAFT_HEADER = "草稿（未定稿，不能作为签字稿）"  # page header of a table not yet finalised


def _clean(text: str) -> str:
    """Excel cannot store control characters; replace them visibly rather than fail."""
    return _ILLEGAL.sub("\ufffd", text or "")


def _put(ws, row: int, col: int, value):
    """Write a value; text is always stored as text (a 指标值 like “=100%” must not become a formula)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid (≤ 31 characters, no []:*?/\\) and unique sheet names, in order."""
    used: set[str] = {FLAT_SHEET.lower(), TOTALS_SHEET.lower()}
    names = []
    for title in titles:
        base = _BAD_SHEET_CHARS.sub("_", title).strip("'") or "表"
        base = base[:31]
        name, n = base, 1
        while name.lower() in used:
            n += 1
            suffix = f"({n})"
            name = base[: 31 - len(suffix)] + suffix
        used.add(name.lower())
        names.append(name)
    return names


def _measure(size: float):
    def width(ch: str) -> float:
        return size if ord(ch) > 0x2E7F else size * 0.55
    return width


def _starts(widths: tuple[float, ...]) -> list[float]:
    """Column edges of a row, rounded so that equal edges of different blocks match."""
    out, x = [0.0], 0.0
    for w in widths:
        x += w
        out.append(round(x, 1))
    return out


def _edges(rows: list[Row]) -> list[float]:
    return sorted({e for row in rows for e in _starts(row.widths)})


def write_table(ws, job: PrintJob) -> None:
    head, rows, tail = build_rows(job)
    spec = job.form.print
    edges = _edges(rows)
    ncols = len(edges) - 1
    col_of = {e: i for i, e in enumerate(edges)}
    for i in range(ncols):
        ws.column_dimensions[get_column_letter(i + 1)].width = round((edges[i + 1] - edges[i]) / MM / MM_PER_CHAR, 2)
    r = 1
    font = Font(name=FONT_NAME, size=spec.text_size)
    for band in head:
        if band.kind == "title":
            cell = _put(ws, r, 1, band.texts[0])
            cell.font = Font(name="黑体", size=spec.title_size, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            ws.row_dimensions[r].height = spec.title_size * 2.2
        elif band.kind == "unit_line":
            half = max(1, ncols // 2)
            left = _put(ws, r, 1, band.texts[0])
            left.font = font
            right = _put(ws, r, half + 1, band.texts[1])
            right.font = font
            right.alignment = Alignment(horizontal="right")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=half)
            if ncols > half + 1:
                ws.merge_cells(start_row=r, start_column=half + 1, end_row=r, end_column=ncols)
        r += 1
    grid_header_rows: list[int] = []
    merges: list[tuple[int, int, int, int]] = []
    open_groups: dict[tuple[str, int], list] = {}  # (block, col) -> [key, start_row, start_col, end_col, label, size]
    heights: dict[int, float] = {}
    for row in rows:
        starts = _starts(row.widths)
        line_need = 1
        for c in row.cells:
            x0, x1 = starts[c.col], starts[c.col + c.span]
            c0, c1 = col_of[x0] + 1, col_of[x1]
            cell = _put(ws, r, c0, c.text)
            cell.font = Font(name=FONT_NAME, size=c.size, bold=False)
            align = "center" if c.label else c.align
            cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            if c.label:
                cell.fill = LABEL_FILL
            for cc in range(c0, c1 + 1):
                ws.cell(r, cc).border = BORDER
            if c1 > c0:
                merges.append((r, c0, r, c1))
            lines = len(wrap(c.text, max(x1 - x0 - 4, 10), _measure(c.size)))
            line_need = max(line_need, lines)
        # vertically merged columns: extend or close the runs
        for col, (key, label, size) in row.groups.items():
            c0, c1 = col_of[starts[col]] + 1, col_of[starts[col + 1]]
            slot = (row.block, col)
            run = open_groups.get(slot)
            if run is not None and run[0] == key and run[5] == r - 1:
                run[5] = r
            else:
                if run is not None:
                    _close_group(ws, run, merges)
                run = [key, r, c0, c1, label, r, size, row.block != "grid" or row.header]
                open_groups[slot] = run
            for cc in range(c0, c1 + 1):
                ws.cell(r, cc).border = BORDER
        for slot, run in list(open_groups.items()):
            if slot[0] == row.block and slot[1] not in row.groups:
                _close_group(ws, run, merges)
                del open_groups[slot]
            elif slot[0] != row.block:
                _close_group(ws, run, merges)
                del open_groups[slot]
        if row.header:
            grid_header_rows.append(r)
        heights[r] = max(15.0, line_need * row.cells[0].size * 1.45 + 4) if row.cells else 15.0
        r += 1
    for run in open_groups.values():
        _close_group(ws, run, merges)
    for m in merges:
        ws.merge_cells(start_row=m[0], start_column=m[1], end_row=m[2], end_column=m[3])
    for row_index, height in heights.items():
        ws.row_dimensions[row_index].height = round(height, 1)
    r += 1
    for band in tail:
        if band.kind == "signoff":
            per = max(1, ncols // max(1, len(band.texts)))
            for i, label in enumerate(band.texts):
                text = f"{label}：" + ("    年  月  日" if "日期" in label else "")
                cell = _put(ws, r, 1 + i * per, text)
                cell.font = font
            ws.row_dimensions[r].height = 24
            r += 1
    # print setup: A4, fitted to the page width, grid header repeated on every page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if spec.page == "A4" else ws.PAPERSIZE_A3
    ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    top, right, bottom, left = (v / 25.4 for v in spec.margins_mm)
    ws.page_margins.top, ws.page_margins.right, ws.page_margins.bottom, ws.page_margins.left = top, right, bottom, left
    if grid_header_rows:
        ws.print_title_rows = f"{grid_header_rows[0]}:{grid_header_rows[-1]}"
    ws.print_options.horizontalCentered = True
    ws.sheet_view.showGridLines = False
    if not job.project.finalized:  # printed on every page, as the PDF's 草稿 mark
        ws.oddHeader.right.text = DRAFT_HEADER
        ws.oddHeader.right.color = "C00000"


def _close_group(ws, run, merges) -> None:
    key, start, c0, c1, label, end, size, is_label = run
    cell = _put(ws, start, c0, label)
    cell.font = Font(name=FONT_NAME, size=size)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if is_label:
        for rr in range(start, end + 1):
            for cc in range(c0, c1 + 1):
                ws.cell(rr, cc).fill = LABEL_FILL
    if end > start or c1 > c0:
        merges.append((start, c0, end, c1))


def _header(ws, columns: Sequence[str]) -> None:
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = LABEL_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_flat(ws, jobs: Sequence[PrintJob]) -> None:
    _header(ws, FLAT_COLUMNS)
    for job in jobs:
        p = job.project
        unit_name = job.unit.name if job.unit else ""
        total = float(p.budget.total) if p.budget.total is not None else None
        for ind in p.indicators:
            comparator, number, unit = split_columns(ind.target)
            r = ws.max_row + 1
            for c, value in enumerate((p.unit_code, unit_name, p.year, p.code, p.name, total, ind.level1, ind.level2,
                                       ind.name, ind.description, comparator, number, unit, ind.basis), 1):
                _put(ws, r, c, value)
            ws.cell(r, 6).number_format = "#,##0.00"
    widths = (10, 24, 7, 24, 28, 14, 12, 16, 24, 30, 8, 10, 16, 24)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FLAT_COLUMNS))}{max(ws.max_row, 1)}"


TOTALS_COLUMNS = ("单位编码", "单位名称", "年度", "项目数", "预算数合计（元）", "财政资金合计（元）", "其他资金合计（元）",
                  "指标数", "错误", "提示")


def write_totals(ws, jobs: Sequence[PrintJob], counts: dict[str, tuple[int, int]] | None = None) -> None:
    """One row per unit and year: number of tables, money totals, indicators, check results."""
    _header(ws, TOTALS_COLUMNS)
    groups: dict[tuple[str, int], list[PrintJob]] = {}
    for job in jobs:
        groups.setdefault((job.project.unit_code, job.project.year), []).append(job)
    for (code, year), items in sorted(groups.items()):
        unit_name = next((j.unit.name for j in items if j.unit), "")
        sums = [sum((getattr(j.project.budget, k) or 0) for j in items) for k in ("total", "fiscal", "other")]
        errors = sum((counts or {}).get(j.project.uid, (0, 0))[0] for j in items)
        warnings = sum((counts or {}).get(j.project.uid, (0, 0))[1] for j in items)
        r = ws.max_row + 1
        for c, value in enumerate((code, unit_name, year, len(items), *(float(x) for x in sums),
                                   sum(len(j.project.indicators) for j in items), errors, warnings), 1):
            _put(ws, r, c, value)
        for c in (5, 6, 7):
            ws.cell(r, c).number_format = "#,##0.00"
    last = ws.max_row
    if last > 1:
        r = last + 1
        _put(ws, r, 1, "合计")
        for c, letter in ((4, "D"), (5, "E"), (6, "F"), (7, "G"), (8, "H"), (9, "I"), (10, "J")):
            ws.cell(r, c).value = f"=SUM({letter}2:{letter}{last})"
            if c in (5, 6, 7):
                ws.cell(r, c).number_format = "#,##0.00"
    for i, w in enumerate((10, 26, 7, 8, 16, 16, 16, 8, 7, 7), 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def render(jobs: Sequence[PrintJob], counts: dict[str, tuple[int, int]] | None = None) -> bytes:
    """The workbook: one sheet per table in file order, then 指标明细 and 按单位汇总.

    ``counts`` (uid → errors, warnings) fills the check columns of the totals.
    """
    wb = Workbook()
    wb.remove(wb.active)
    titles = [f"{j.index}.{j.project.name or j.project.code or '未命名'}" for j in jobs]
    for job, name in zip(jobs, sheet_names(titles)):
        write_table(wb.create_sheet(name), job)
    write_flat(wb.create_sheet(FLAT_SHEET), jobs)
    write_totals(wb.create_sheet(TOTALS_SHEET), jobs, counts)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["FLAT_COLUMNS", "FLAT_SHEET", "TOTALS_SHEET", "render", "sheet_names"]

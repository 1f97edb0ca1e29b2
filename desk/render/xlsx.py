"""Excel export: one sheet per project laid out like the printed form, and a flat sheet.

The sheet uses the same table model as the PDF (desk.render.table): every
block's column edges become the sheet's columns, cells spanning several of
them are merged, merged 一级/二级 and block labels span their rows. Borders
and alignment are set on every cell before merging, so merged cells keep all
their borders in Excel, WPS and LibreOffice.
"""

from __future__ import annotations

import copy
import datetime
import io
import re
from collections.abc import Sequence
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from typing import TYPE_CHECKING

from desk.domain.model import Project
from desk.domain.values import split_columns
from desk.render.layout import wrap
from desk.render.table import PrintJob, build_rows, checksum, column_edges, column_starts, fit_grid, wide_measure

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.styles import Font

FLAT_SHEET = "指标明细"
TOTALS_SHEET = "按单位汇总"
FLAT_COLUMNS = ("单位编码", "单位名称", "年度", "项目编码", "项目名称", "预算数（元）", "一级指标", "二级指标", "三级指标",
                "绩效指标描述", "符号", "值", "单位", "指标值确定依据")


def _load_openpyxl() -> None:
    """openpyxl (and the styles below) load when a workbook is first written: the other commands, printing a
    PDF among them, start without it. The names are this module's, as if imported at its top."""
    global Workbook, Alignment, Border, Font, PatternFill, Side, get_column_letter, PageSetupProperties
    global ExcelWriter, _THIN, BORDER, LABEL_FILL
    if "ExcelWriter" in globals():
        return
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.writer.excel import ExcelWriter

    import openpyxl

    global _MERGE_VERSION
    _MERGE_VERSION = openpyxl.__version__ if openpyxl.__version__.startswith("3.1.") else None  # _merge follows 3.1
    _THIN = Side(style="thin", color="000000")
    BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    LABEL_FILL = PatternFill("solid", fgColor="F0F0F0")
_MERGE_VERSION: str | None = None  # the openpyxl whose merge_cells _merge does the way it does (3.1)
FONT_NAME = "宋体"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
DRAFT_HEADER = "草稿（未定稿，不能作为签字稿）"  # page header of a table not yet finalised
# Excel and LibreOffice give a column of width w (in characters of the default font, Calibri 11: 7 px
# a digit) w·7 + 5 pixels at 96 dpi. Text is wrapped inside a cell padding on each side.
DIGIT_PX = 7
CELL_PAD = 3.0  # points, each side, kept free when wrapping
LINE = 1.4  # line height as a multiple of the font size: Excel gives 宋体 10.5 pt about 1.36
FIXED_TIME = datetime.datetime(2000, 1, 1)  # document timestamps: the same bytes for the same content


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


def _column_chars(points: float) -> float:
    """Excel's column width (characters) for a column ``points`` wide."""
    return round(max(points / 0.75 - 5, 1) / DIGIT_PX, 2)


def _column_points(chars: float) -> float:
    """The width in points that Excel and LibreOffice give a column of ``chars``."""
    return int(chars * DIGIT_PX + 5) * 0.75


def _lines(text: str, points: float, size: float) -> int:
    return len(wrap(text, max(points - 2 * CELL_PAD, size), wide_measure(size)))


def _height(lines: int, size: float) -> float:
    return round(lines * size * LINE + 5, 1)


def _header_text(text: str) -> str:
    """Page header and footer text: & starts a code there, so a literal & is written &&."""
    return _clean(text).replace("&", "&&")


def write_table(ws, job: PrintJob) -> None:
    _load_openpyxl()
    head, rows, tail = build_rows(job)
    spec = job.form.print
    fit_grid(rows, spec, wide_measure, CELL_PAD)  # the columns the PDF would choose, measured the Excel way
    edges = column_edges(rows)
    ncols = len(edges) - 1
    col_of = {e: i for i, e in enumerate(edges)}
    points = []
    for i in range(ncols):
        chars = _column_chars(edges[i + 1] - edges[i])
        ws.column_dimensions[get_column_letter(i + 1)].width = chars
        points.append(_column_points(chars))

    def span_points(c0: int, c1: int) -> float:
        return sum(points[c0 - 1:c1])

    r = 1
    font = Font(name=FONT_NAME, size=spec.text_size)
    title = ""
    for band in head:
        if band.kind == "title":
            title = band.texts[0]
            cell = _put(ws, r, 1, title)
            cell.font = Font(name="黑体", size=spec.title_size, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            _merge(ws, r, 1, r, ncols)
            lines = _lines(title, span_points(1, ncols), spec.title_size * 1.05)
            ws.row_dimensions[r].height = max(spec.title_size * 2.2, _height(lines, spec.title_size))
        elif band.kind == "subtitle":  # (2021 年) under a department table's title
            cell = _put(ws, r, 1, band.texts[0])
            cell.font = font
            cell.alignment = Alignment(horizontal="center", vertical="center")
            _merge(ws, r, 1, r, ncols)
            ws.row_dimensions[r].height = _height(1, band.size)
        elif band.kind == "unit_line":
            half = max(1, ncols // 2)
            left = _put(ws, r, 1, band.texts[0])
            left.font = font
            left.alignment = Alignment(vertical="center", wrap_text=True)
            right = _put(ws, r, half + 1, band.texts[1])
            right.font = font
            right.alignment = Alignment(horizontal="right", vertical="center")
            _merge(ws, r, 1, r, half)
            if ncols > half + 1:
                _merge(ws, r, half + 1, r, ncols)
            lines = _lines(band.texts[0], span_points(1, half), band.size)
            ws.row_dimensions[r].height = _height(lines, band.size)
        r += 1
    grid_header_rows: list[int] = []
    merges: list[tuple[int, int, int, int]] = []
    open_groups: dict[tuple[str, int], list] = {}  # (block, col) -> [key, start_row, start_col, end_col, label, ...]
    heights: dict[int, float] = {}
    group_needs: list[tuple[int, int, float]] = []  # (first row, last row, height its label needs)

    def close(run) -> None:
        _close_group(ws, run, merges)
        key, start, c0, c1, label, end, size, _ = run
        group_needs.append((start, end, _height(_lines(label, span_points(c0, c1), size), size)))

    for row in rows:
        starts = column_starts(row.widths)
        need = 15.0
        for c in row.cells:
            x0, x1 = starts[c.col], starts[c.col + c.span]
            c0, c1 = col_of[round(x0, 1)] + 1, col_of[round(x1, 1)]
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
            need = max(need, _height(_lines(c.text, span_points(c0, c1), c.size), c.size))
        # vertically merged columns: extend or close the runs
        for col, (key, label, size) in row.groups.items():
            c0, c1 = col_of[round(starts[col], 1)] + 1, col_of[round(starts[col + 1], 1)]
            slot = (row.block, col)
            run = open_groups.get(slot)
            if run is not None and run[0] == key and run[5] == r - 1:
                run[5] = r
            else:
                if run is not None:
                    close(run)
                run = [key, r, c0, c1, label, r, size, row.block != "grid" or row.header]
                open_groups[slot] = run
            for cc in range(c0, c1 + 1):
                ws.cell(r, cc).border = BORDER
        for slot, run in list(open_groups.items()):
            if slot[0] != row.block or slot[1] not in row.groups:
                close(run)
                del open_groups[slot]
        if row.header:
            grid_header_rows.append(r)
        heights[r] = need
        r += 1
    for run in open_groups.values():
        close(run)
    for first, last, need in group_needs:  # a merged label taller than its rows: the last row grows
        have = sum(heights.get(k, 15.0) for k in range(first, last + 1))
        if need > have:
            heights[last] = heights.get(last, 15.0) + need - have
    for m in merges:
        _merge(ws, m[0], m[1], m[2], m[3])
    for row_index, height in heights.items():
        ws.row_dimensions[row_index].height = round(height, 1)
    r += 1
    for band in tail:
        if band.kind == "signoff":
            _signoff_row(ws, r, band.texts, ncols, points, font, spec.text_size)
            r += 1
    # print setup: A4, fitted to the page width, grid header repeated on every page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if spec.page == "A4" else ws.PAPERSIZE_A3
    ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.firstPageNumber = 1  # each table numbers its own pages, as in the PDF
    ws.page_setup.useFirstPageNumber = True
    top, right, bottom, left = (v / 25.4 for v in spec.margins_mm)
    ws.page_margins.top, ws.page_margins.right, ws.page_margins.bottom, ws.page_margins.left = top, right, bottom, left
    ws.page_margins.header, ws.page_margins.footer = 0.2, 0.2
    if grid_header_rows:
        ws.print_title_rows = f"{grid_header_rows[0]}:{grid_header_rows[-1]}"
    ws.print_options.horizontalCentered = True
    ws.sheet_view.showGridLines = False
    # every page says which table it is, its page number and the table's 校验码, as the PDF does
    ws.oddHeader.left.text = _header_text(title or job.project.name)
    ws.oddHeader.left.size = 8
    if not job.project.finalized:  # printed on every page, as the PDF's 草稿 mark
        ws.oddHeader.right.text = DRAFT_HEADER
        ws.oddHeader.right.color = "C00000"
        ws.oddHeader.right.size = 9
    ws.oddFooter.left.text = _header_text(getattr(job.project, "code", ""))
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.right.text = f"校验码：{checksum(job)}"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 8


def _signoff_row(ws, r: int, labels: Sequence[str], ncols: int, points: list[float], font: Font,
                 size: float) -> None:
    """填报单位（盖章）： ______ with a line to sign on after each label (a bottom border), as on the PDF."""
    per = max(1, ncols // max(1, len(labels)))
    for i, label in enumerate(labels):
        first = 1 + i * per
        last = ncols if i == len(labels) - 1 else first + per - 1
        text = f"{label}：" + ("    年    月    日" if "日期" in label else "")
        cell = _put(ws, r, first, text)
        cell.font = font
        cell.alignment = Alignment(vertical="bottom", shrink_to_fit=False)
        # the label takes the columns it needs; the rest of its slot is the line to sign on
        needed, taken = sum(wide_measure(size)(ch) for ch in text) + 2 * CELL_PAD, 0.0
        col = first
        while col <= last and taken < needed:
            taken += points[col - 1]
            col += 1
        if col - 1 > first:
            _merge(ws, r, first, r, col - 1)
        if "日期" not in label:
            for cc in range(col, last + 1):
                ws.cell(r, cc).border = Border(bottom=_THIN)
    ws.row_dimensions[r].height = size * 2.6


def _merge(ws, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """``ws.merge_cells(...)`` as openpyxl 3.1 does it, cell for cell and style for style, without working out the
    same style again for every cell: openpyxl gives each cell of a merged range a MergedCell, adds the first
    cell's border sides to the cells on the range's edges (a new Border hashed for each, 72% of an export's time)
    and the first cell's protection to all. The style ids those give are remembered per workbook by what they
    were worked out from, so the styles and their order in the file are the same (a test compares the bytes)."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.merge import MergedCellRange

    if _MERGE_VERSION is None:
        ws.merge_cells(start_row=first_row, start_column=first_col, end_row=last_row, end_column=last_col)
        return
    wb = ws.parent
    cache = wb.__dict__.setdefault("_desk_merged_styles", {})
    coord = CellRange(min_col=first_col, min_row=first_row, max_col=last_col, max_row=last_row).coord
    mcr = MergedCellRange(ws, coord)
    ws.merged_cells.add(mcr)
    cells = ws._cells
    for row in range(first_row, last_row + 1):
        for col in range(first_col, last_col + 1):
            if (row, col) != (first_row, first_col):
                cells[row, col] = MergedCell(ws, row, col)
    start = cells[first_row, first_col]
    start_border = start._style.borderId
    for name, coords in (("top", mcr.top), ("left", mcr.left), ("right", mcr.right), ("bottom", mcr.bottom)):
        side = getattr(start.border, name)
        if side and side.style is None:
            continue
        border = None
        for coord in coords:
            cell = cells[coord]
            if not cell._style:  # a new MergedCell: the StyleArray openpyxl makes when its style is first read
                cell._style = StyleArray()
            key = ("border", start_border, name, cell._style.borderId)
            found = cache.get(key)
            if found is None:
                if border is None:
                    border = Border(**{name: side})
                cell.border += border
                cache[key] = cell._style.borderId
            else:
                cell._style.borderId = found
    key = ("protection", start._style.protectionId)
    found = cache.get(key)
    for row in range(first_row, last_row + 1):
        for col in range(first_col, last_col + 1):
            cell = cells[row, col]
            if found is None:
                cell.protection = copy.copy(start.protection)
                found = cache[key] = cell._style.protectionId
            else:
                if not cell._style:
                    cell._style = StyleArray()
                cell._style.protectionId = found


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
    _load_openpyxl()
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
    _list_print_setup(ws, FLAT_SHEET)


def _list_print_setup(ws, name: str) -> None:
    """A list sheet prints landscape on A4, fitted to the page width, its header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = name
    ws.oddHeader.left.size = 8
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 8


TOTALS_COLUMNS = ("单位编码", "单位名称", "年度", "项目数", "预算数合计（元）", "财政资金合计（元）", "其他资金合计（元）",
                  "指标数", "错误", "提示")


def write_totals(ws, jobs: Sequence[PrintJob], counts: dict[str, tuple[int, int]] | None = None) -> None:
    """One row per unit and year: number of tables, money totals, indicators, check results."""
    _load_openpyxl()
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
    _list_print_setup(ws, TOTALS_SHEET)


def render(jobs: Sequence[PrintJob], counts: dict[str, tuple[int, int]] | None = None) -> bytes:
    """The workbook: one sheet per table in file order, then 指标明细 and 按单位汇总.

    ``counts`` (uid → errors, warnings) fills the check columns of the totals.
    """
    _load_openpyxl()
    wb = Workbook()
    wb.remove(wb.active)
    titles = [f"{j.index}.{j.project.name or j.project.code or '未命名'}" if isinstance(j.project, Project)
              else f"部门整体-{j.project.name or '未命名'}" for j in jobs]
    for job, name in zip(jobs, sheet_names(titles)):
        write_table(wb.create_sheet(name), job)
    projects = [j for j in jobs if isinstance(j.project, Project)]  # the lists hold project tables
    write_flat(wb.create_sheet(FLAT_SHEET), projects)
    write_totals(wb.create_sheet(TOTALS_SHEET), projects, counts)
    return save_reproducibly(wb)


class _FixedTimeZip(ZipFile):
    """A zip whose entries all carry the same timestamp, so the same workbook gives the same bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl writes each worksheet from a temporary file, which would carry the file's time
        with open(filename, "rb") as fh:
            data = fh.read()
        return self.writestr(arcname or str(filename), data, compress_type, compresslevel)


def save_reproducibly(wb: Workbook) -> bytes:
    """The workbook's bytes with fixed document and zip timestamps (openpyxl's save stamps the time)."""
    _load_openpyxl()
    wb.properties.creator = "desk 绩效目标表"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return buffer.getvalue()


__all__ = ["FLAT_COLUMNS", "FLAT_SHEET", "TOTALS_SHEET", "render", "sheet_names"]


def library_workbook(found, columns) -> bytes:
    """The 指标库 as one Excel sheet, a row per entry (for printing, sharing, or reading through); ``columns``:
    (heading, field, width) as the 指标库 window shows them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "指标库"
    ws.append([label for label, _, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in found:
        ws.append([getattr(e, key) or ("" if key != "year" else None) for _, key, _ in columns])
    for i, (_, _, width) in enumerate(columns, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

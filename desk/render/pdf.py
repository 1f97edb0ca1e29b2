"""Print 项目支出绩效目标表 as PDF, laid out by the form definition.

Pure: domain objects + form definitions + fonts in, PDF bytes out. The same
content always gives the same bytes. Each table starts on a new page and is
numbered on its own (第 N 页 共 M 页); its footer carries a 校验码, a short
checksum of what the table prints, so a signed paper can be matched to a file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from reportlab.lib.colors import Color, black
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from desk.domain.formdef import PrintSpec
from desk.domain.model import Project
from desk.errors import DeskError
from desk.render.fonts import PrintFonts
from desk.render.layout import Band, Cell, Row, wrap
from desk.render.table import MM, PrintJob, build_rows, checksum, checksum_of, fit_grid, printed_fields, title_of
LABEL_FILL = Color(0.94, 0.94, 0.94)
DRAFT_INK = Color(0.75, 0.1, 0.1)
DRAFT_MARK = "草稿"
DRAFT_NOTE = "未定稿，不能作为签字稿"
LINE_WIDTH = 0.6
CONTINUED = "（续）"
FOOTER_MM = 8.0


class PrintError(DeskError):
    pass


@dataclass(frozen=True)
class MissingGlyphs:
    project_uid: str
    project: str
    field: str
    label: str  # the field as the clerk knows it, e.g. 指标第3行的三级指标
    chars: tuple[str, ...]

    def message(self) -> str:
        shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in self.chars)
        return f"项目“{self.project}”的{self.label}中有字体无法显示的字：{shown}"


def missing_glyphs(jobs: Sequence[PrintJob], fonts: PrintFonts) -> list[MissingGlyphs]:
    """Every character the font cannot draw, by project and field, before anything is written."""
    result = []
    for job in jobs:
        p = job.project
        texts = printed_fields(p, job.form)
        if job.unit is not None:
            texts.append(("unit", "单位名称", job.unit.name))
        texts = [(f, label, text, False) for f, label, text in texts] + [("name", "标题", title_of(job), True)]
        code = getattr(p, "code", "")
        for field, label, text, is_title in texts:
            chars = fonts.missing(text, title=is_title)
            if chars:
                result.append(MissingGlyphs(p.uid, p.name or code or "（未命名）", field, label, tuple(chars)))
    return result


# ---------------------------------------------------------------- layout

@dataclass
class _Placed:
    row: Row
    y: float  # top of the row
    continued_groups: frozenset[int]  # group columns whose group began on an earlier page


@dataclass
class _Page:
    bands: list[tuple[Band, float]]
    rows: list[_Placed]
    number: int = 0


class _Layout:
    def __init__(self, spec: PrintSpec, fonts: PrintFonts):
        self.spec = spec
        self.fonts = fonts
        self.pad = spec.padding_mm * MM
        self.min_row = spec.min_row_mm * MM
        self.page_w, self.page_h = (v * MM for v in spec.page_mm)
        top, right, bottom, left = (v * MM for v in spec.margins_mm)
        self.left = left
        self.top = self.page_h - top
        self.bottom = bottom + FOOTER_MM * MM
        self.body_w = self.page_w - left - right

    def measure(self, size: float):
        return self.fonts.body.widths(size).__getitem__

    def line_height(self, size: float) -> float:
        return size * self.spec.leading

    def wrap_row(self, row: Row) -> None:
        starts = _col_starts(row.widths)
        need = self.min_row
        for cell in row.cells:
            width = starts[cell.col + cell.span] - starts[cell.col] - 2 * self.pad
            cell.lines = wrap(cell.text, width, self.measure(cell.size))
            need = max(need, len(cell.lines) * self.line_height(cell.size) + 2 * self.pad)
        row.height = need

    def fit_groups(self, rows: list[Row]) -> None:
        """Make each merged label cell tall enough for its label over its rows."""
        i = 0
        while i < len(rows):
            row = rows[i]
            for col, (key, label, size) in row.groups.items():
                if i > 0 and rows[i - 1].groups.get(col, ("",))[0] == key and rows[i - 1].block == row.block:
                    continue
                j = i
                while j + 1 < len(rows) and rows[j + 1].block == row.block and rows[j + 1].groups.get(col, ("",))[0] == key:
                    j += 1
                starts = _col_starts(row.widths)
                width = starts[col + 1] - starts[col] - 2 * self.pad
                need = len(wrap(label, width, self.measure(size))) * self.line_height(size) + 2 * self.pad
                have = sum(r.height for r in rows[i:j + 1])
                if need > have:
                    rows[j].height += need - have
            i += 1

    def split_row(self, row: Row, avail: float) -> tuple[Row, Row] | None:
        """Split a row too tall for a whole page at a line boundary."""
        first_cells, rest_cells = [], []
        for cell in row.cells:
            lh = self.line_height(cell.size)
            fit = max(1, int((avail - 2 * self.pad) // lh))
            first_cells.append(Cell(cell.col, cell.text, cell.span, cell.align, cell.size, cell.label, cell.lines[:fit]))
            rest_cells.append(Cell(cell.col, cell.text, cell.span, cell.align, cell.size, cell.label, cell.lines[fit:]))
        if all(not c.lines for c in rest_cells):
            return None
        a = Row(row.block, row.widths, first_cells, dict(row.groups), 0.0, row.header, "")
        b = Row(row.block, row.widths, rest_cells, dict(row.groups), 0.0, row.header, "")
        for part in (a, b):
            part.height = max(self.min_row, max(
                (len(c.lines) * self.line_height(c.size) + 2 * self.pad for c in part.cells), default=0))
        a.height = min(a.height, avail)
        return a, b

    def wrap_band(self, band: Band) -> Band:
        """A title (or the continued-page title) wrapped to the body width; taller when it needs two lines."""
        if band.kind not in ("title", "continued"):
            return band
        face = self.fonts.title if band.kind == "title" else self.fonts.body
        band.lines = wrap(band.texts[0], self.body_w, face.widths(band.size).__getitem__)
        if len(band.lines) > 1:
            band.height = max(band.height, len(band.lines) * band.size * 1.35 + band.size * 0.7)
        return band

    def fit_grid(self, rows: list[Row]) -> None:
        """Fit the grid's column widths to its text within the form's minimum and maximum widths."""
        fit_grid(rows, self.spec, self.measure, self.pad)

    def paginate(self, head: list[Band], rows: list[Row], tail: list[Band], title: str) -> list[_Page]:
        self.fit_grid(rows)
        for row in rows:
            self.wrap_row(row)
        self.fit_groups(rows)
        header_rows = [r for r in rows if r.header]
        pages: list[_Page] = []
        page = _Page([], [])
        y = self.top
        for band in head:
            self.wrap_band(band)
            page.bands.append((band, y))
            y -= band.height
        tail_need = sum(b.height for b in tail) + 4 * MM if tail else 0.0
        # the sign-off never stands alone: the last two grid rows go with it
        body_rows = [k for k, r in enumerate(rows) if not r.header]
        keep_from = body_rows[-2] if len(body_rows) >= 2 else (body_rows[0] if body_rows else len(rows))
        seen_groups: set[tuple[int, str]] = set()
        queue = list(rows)
        in_grid = False

        def new_page() -> float:
            nonlocal page
            pages.append(page)
            page = _Page([], [])
            cont = self.wrap_band(Band("continued", (f"{title}{CONTINUED}",), self.spec.footer_size * 2.2,
                                       self.spec.footer_size))
            page.bands.append((cont, self.top))
            return self.top - cont.height

        def fresh_page(row: Row) -> float:
            """A new page; inside the grid, its header rows come first."""
            y = new_page()
            if in_grid and not row.header:
                for h in header_rows:
                    y = place(h, y)
            return y

        def place(row: Row, y: float) -> float:
            continued = frozenset() if row.header else frozenset(
                col for col, (key, _, _) in row.groups.items()
                if (col, key) in seen_groups and not _continues_on_page(page, row, col, key))
            page.rows.append(_Placed(row, y, continued))
            for col, (key, _, _) in row.groups.items():
                seen_groups.add((col, key))
            return y - row.height

        while queue:
            index = len(rows) - len(queue)
            row = queue.pop(0)
            if row.header:
                in_grid = True
            group = [row]
            if index >= keep_from and tail:
                group.extend(queue)  # the last rows and the sign-off: one page if they fit on one
                queue.clear()
            elif row.keep:
                while queue and queue[0].keep == row.keep:
                    group.append(queue.pop(0))
            if row.header:
                # the grid header never stands alone at the bottom of a page
                body = next((r for r in queue if not r.header), None)
                extra = body.height if body is not None else 0.0
            elif not queue and tail:
                extra = tail_need
            else:
                extra = 0.0
            need = sum(r.height for r in group) + extra
            page_room = self.top - self.bottom - 20 - (sum(h.height for h in header_rows) if in_grid else 0)
            if need > page_room:
                need = group[0].height + extra  # too tall to keep together: let it flow
            if y - need < self.bottom and page.rows and not (len(page.rows) == len(header_rows) and in_grid
                                                             and all(p.row.header for p in page.rows)):
                y = fresh_page(row)
            for r in group:
                while r.height > y - self.bottom:
                    avail = y - self.bottom
                    smallest = max(self.line_height(c.size) for c in r.cells) + 2 * self.pad if r.cells else 0
                    fits_fresh_page = r.height <= page_room
                    if page.rows and (fits_fresh_page or avail < max(smallest, self.min_row)):
                        # move the whole row on (no mid-row split when avoidable)
                        y = fresh_page(r)
                        if fits_fresh_page or y - self.bottom >= r.height:
                            continue
                    parts = self.split_row(r, y - self.bottom)
                    if parts is None:
                        break
                    y = place(parts[0], y)
                    r = parts[1]
                    y = fresh_page(r)
                y = place(r, y)
        if tail:
            if y - tail_need < self.bottom:
                y = new_page()
            y -= 4 * MM
            for band in tail:
                page.bands.append((band, y))
                y -= band.height
        pages.append(page)
        for n, p in enumerate(pages, 1):
            p.number = n
        return pages


def _continues_on_page(page: _Page, row: Row, col: int, key: str) -> bool:
    if not page.rows:
        return False
    last = page.rows[-1].row
    return last.block == row.block and last.groups.get(col, ("",))[0] == key


def _col_starts(widths: tuple[float, ...]) -> list[float]:
    starts = [0.0]
    for w in widths:
        starts.append(starts[-1] + w)
    return starts


# ---------------------------------------------------------------- drawing

_ENCODED: WeakKeyDictionary = WeakKeyDictionary()  # per PDF document: (font, text) -> its subset strings

class _Painter:
    def __init__(self, canvas: Canvas, layout: _Layout, fonts: PrintFonts):
        self.c = canvas
        self.L = layout
        self.fonts = fonts
        self._fonts: dict[str, TTFont] = {}

    def _font(self, name: str) -> TTFont:
        font = self._fonts.get(name)
        if font is None:
            font = self._fonts[name] = pdfmetrics.getFont(name)
            if not getattr(font, "_dynamicFont", False):
                raise TypeError(f"not a TrueType font: {name}")
        return font

    def _encoded(self, font: TTFont, text: str) -> list[tuple[str, str]]:
        """``text`` as (PDF font name, escaped string) per font subset: reportlab's splitString, once per text and
        document (a character keeps its subset and code for the whole document)."""
        doc = self.c._doc
        memo = _ENCODED.get(doc)
        if memo is None:
            memo = _ENCODED[doc] = {}
        key = (font.fontName, text)
        found = memo.get(key)
        if found is None:
            escape = self.c._escape
            found = memo[key] = [(font.getSubsetInternalName(subset, doc), escape(chunk))
                                 for subset, chunk in font.splitString(text, doc)]
        return found

    def text(self, x: float, y: float, text: str, size: float, *, align: str = "left", title: bool = False) -> None:
        c = self.c
        chain = self.fonts.title if title else self.fonts.body
        if not (title and self.fonts.stroke_title) and chain.all_main(text):
            # one face: the text operators written directly (what drawString writes, without its text object)
            if not text:
                return
            font = self._font(chain.main.name)
            if align != "left":
                width = font.stringWidth(text, size)
                x = x - width / 2 if align == "center" else x - width
            size_text = fp_str(size)
            ops = " ".join(f"{name} {size_text} Tf ({chunk}) Tj" for name, chunk in self._encoded(font, text))
            c._code.append(f"BT 1 0 0 1 {fp_str(x, y)} Tm {ops} ET")
            return
        runs = chain.runs(text)
        # several faces (a character from the fallback font), or a stroked title: run by run
        width = sum(c.stringWidth(part, face.name, size) for face, part in runs)
        x0 = x - width / 2 if align == "center" else (x - width if align == "right" else x)
        stroked = title and self.fonts.stroke_title
        if stroked:
            c.setLineWidth(size * 0.035)
        t = c.beginText()
        t.setTextOrigin(x0, y)
        if stroked:
            t.setTextRenderMode(2)
        for face, part in runs:
            t.setFont(face.name, size)
            t.textOut(part)
        if stroked:
            t.setTextRenderMode(0)  # the mode outlives the text object: reset it
        c.drawText(t)
        c.setFont(runs[-1][0].name if runs else chain.name, size)
        if stroked:
            c.setLineWidth(LINE_WIDTH)

    def cell_text(self, x: float, y_top: float, w: float, h: float, lines: list[str], size: float, align: str) -> None:
        lh = self.L.line_height(size)
        block = len(lines) * lh
        # centre the block vertically; baseline at about 0.8 of the line height
        y = y_top - (h - block) / 2 - lh + (lh - size) / 2 + size * 0.12
        pad = self.L.pad
        for line in lines:
            if align == "left":
                self.text(x + pad, y, line, size)
            elif align == "right":
                self.text(x + w - pad, y, line, size, align="right")
            else:
                self.text(x + w / 2, y, line, size, align="center")
            y -= lh

    def band(self, band: Band, y: float) -> None:
        L = self.L
        if band.kind == "title":
            lines = band.lines or [band.texts[0]]
            base = y - band.size * 1.2 if len(lines) == 1 else y - band.size * 1.1
            for line in lines:
                self.text(L.left + L.body_w / 2, base, line, band.size, align="center", title=True)
                base -= band.size * 1.35
        elif band.kind == "part":  # 第二部分 预算项目绩效目标, above the first table of the part
            self.text(L.left + L.body_w / 2, y - band.size * 1.3, band.texts[0], band.size, align="center", title=True)
        elif band.kind == "subtitle":
            self.text(L.left + L.body_w / 2, y - band.size * 1.3, band.texts[0], band.size, align="center")
        elif band.kind == "unit_line":
            base = y - band.size * 1.2
            self.text(L.left, base, band.texts[0], band.size)
            self.text(L.left + L.body_w, base, band.texts[1], band.size, align="right")
        elif band.kind == "continued":
            base = y - band.size * 1.2
            for line in band.lines or [band.texts[0]]:
                self.text(L.left, base, line, band.size)
                base -= band.size * 1.35
        elif band.kind == "signoff":
            self.signoff(band, y)

    def signoff(self, band: Band, y: float) -> None:
        L = self.L
        slot = L.body_w / max(1, len(band.texts))
        base = y - band.size * 1.8
        c = self.c
        for i, label in enumerate(band.texts):
            x = L.left + i * slot
            text = f"{label}："
            self.text(x, base, text, band.size)
            start = x + self.fonts.body.width(text, band.size) + 2
            end = x + slot - 6 * MM
            if "日期" in label:
                step = (end - start) / 3
                for k, unit in enumerate("年月日"):
                    self.text(start + step * (k + 1) - band.size, base, unit, band.size)
            else:
                c.setLineWidth(0.5)
                c.line(start, base - 2, end, base - 2)
        c.setLineWidth(LINE_WIDTH)

    def rows(self, placed: list[_Placed]) -> None:
        c = self.c
        L = self.L
        c.setStrokeColor(black)
        c.setLineWidth(LINE_WIDTH)
        for idx, p in enumerate(placed):
            row = p.row
            starts = _col_starts(row.widths)
            x0 = L.left
            for cell in row.cells:
                x = x0 + starts[cell.col]
                w = starts[cell.col + cell.span] - starts[cell.col]
                if cell.label:
                    c.setFillColor(LABEL_FILL)
                    c.rect(x, p.y - row.height, w, row.height, stroke=0, fill=1)
                    c.setFillColor(black)
                c.rect(x, p.y - row.height, w, row.height, stroke=1, fill=0)
                self.cell_text(x, p.y, w, row.height, cell.lines, cell.size, "center" if cell.label else cell.align)
            for col, (key, label, size) in row.groups.items():
                prev = placed[idx - 1] if idx > 0 else None
                if prev is not None and prev.row.block == row.block and prev.row.groups.get(col, ("",))[0] == key:
                    continue
                height = row.height
                for q in placed[idx + 1:]:
                    if q.row.block == row.block and q.row.groups.get(col, ("",))[0] == key:
                        height += q.row.height
                    else:
                        break
                x = x0 + starts[col]
                w = starts[col + 1] - starts[col]
                text = label + (CONTINUED if col in p.continued_groups and label else "")
                is_label = row.block != "grid" or row.header
                if is_label:
                    c.setFillColor(LABEL_FILL)
                    c.rect(x, p.y - height, w, height, stroke=0, fill=1)
                    c.setFillColor(black)
                c.rect(x, p.y - height, w, height, stroke=1, fill=0)
                self.fitted_label(x, p.y, w, height, text, size)

    def fitted_label(self, x: float, y_top: float, w: float, h: float, text: str, size: float) -> None:
        """A merged cell's label, shrunk if a page break left too little room."""
        L = self.L
        while True:
            lines = wrap(text, w - 2 * L.pad, L.measure(size))
            if len(lines) * L.line_height(size) + 2 * L.pad <= h + 0.1 or size <= 6:
                break
            size -= 0.5
        self.cell_text(x, y_top, w, h, lines, size, "center")

    def draft_mark(self, size: float) -> None:
        """草稿 in a box in the top-right margin of every page of a table not yet finalised (outside the table)."""
        L, c = self.L, self.c
        box_size = size * 1.3
        width = c.stringWidth(DRAFT_MARK, self.fonts.body.name, box_size) + box_size
        height = box_size * 1.5
        x = L.left + L.body_w - width
        y = L.top + 1.0 * MM  # just above the table: away from the paper's edge, which printers leave blank
        c.saveState()
        c.setStrokeColor(DRAFT_INK)
        c.setFillColor(DRAFT_INK)
        c.setLineWidth(1.2)
        c.rect(x, y, width, height, stroke=1, fill=0)
        c.setFont(self.fonts.body.name, box_size)
        c.drawCentredString(x + width / 2, y + (height - box_size) / 2 + box_size * 0.12, DRAFT_MARK)
        c.setFont(self.fonts.body.name, size)
        c.drawRightString(x - size, y + (height - size) / 2 + size * 0.12, DRAFT_NOTE)
        c.restoreState()

    def footer(self, page: _Page, total: int, code: str, left_text: str, size: float) -> None:
        L = self.L
        y = L.bottom - FOOTER_MM * MM + 2 * MM
        self.text(L.left + L.body_w / 2, y, f"第 {page.number} 页 共 {total} 页", size, align="center")
        self.text(L.left + L.body_w, y, f"校验码：{code}", size, align="right")
        if left_text:
            self.text(L.left, y, left_text, size)


def check_glyphs(jobs: Sequence[PrintJob], fonts: PrintFonts) -> None:
    missing = missing_glyphs(jobs, fonts)
    if missing:
        raise PrintError("字体缺字，未生成 PDF：" + "；".join(m.message() for m in missing[:5])
                         + (f"；另有 {len(missing) - 5} 处" if len(missing) > 5 else ""))


def lay_out(job: PrintJob, fonts: PrintFonts, before: Sequence[Band] = ()) -> tuple:
    """(job, layout, pages, 校验码, title) of one table; ``before`` are bands printed above its title (the
    heading of a part of the published document), outside the table and its 校验码."""
    layout = _Layout(job.form.print, fonts)
    head, rows, tail = build_rows(job)
    code = checksum_of(head, rows, tail)
    title_text = next((b.texts[0] for b in head if b.kind == "title"), title_of(job))
    pages = layout.paginate(list(before) + head, rows, tail, title_text)
    return job, layout, pages, code, title_text


def new_canvas(buffer, fonts: PrintFonts, spec: PrintSpec, title: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=tuple(v * MM for v in spec.page_mm), invariant=1,
                    pageCompression=1, initialFontName=fonts.body.name, initialFontSize=spec.text_size)
    canvas.setTitle(title)
    canvas.setAuthor("desk 绩效目标表")
    canvas.setCreator("desk")
    canvas.setProducer("desk")
    canvas.setSubject("")
    return canvas


def draw_table(canvas: Canvas, fonts: PrintFonts, laid: tuple, start: int | None) -> None:
    """The pages of one laid-out table; ``start``: its first page in the whole document (printed in the footer)."""
    job, layout, pages, code, _ = laid
    spec = job.form.print
    canvas.setPageSize(tuple(v * MM for v in spec.page_mm))
    painter = _Painter(canvas, layout, fonts)
    left = getattr(job.project, "code", "") or ""
    for k, page in enumerate(pages):
        for band, y in page.bands:
            painter.band(band, y)
        painter.rows(page.rows)
        footer_left = f"{left}  全文第 {start + k} 页".strip() if start is not None else left
        painter.footer(page, len(pages), code, footer_left, spec.footer_size)
        if not job.project.finalized:
            painter.draft_mark(spec.text_size)
        canvas.showPage()


def render(jobs: Sequence[PrintJob], fonts: PrintFonts, *, title: str = "绩效目标表", contents: bool = False) -> bytes:
    """All jobs into one PDF, each table starting on a new page.

    ``contents``: begin with 目录 pages listing every table with the page it
    starts on (pages of the whole document, also printed in each footer).
    """
    if not jobs:
        raise PrintError("没有要打印的项目")
    check_glyphs(jobs, fonts)
    laid_out = [lay_out(job, fonts) for job in jobs]
    buffer = io.BytesIO()
    first_spec = jobs[0].form.print
    canvas = new_canvas(buffer, fonts, first_spec, title)
    contents_layout = _contents_layout(fonts, first_spec, laid_out) if contents else []
    contents_pages = len(contents_layout)
    starts, page_no = [], contents_pages + 1
    for _, _, pages, _, _ in laid_out:
        starts.append(page_no)
        page_no += len(pages)
    if contents:
        _draw_contents(canvas, fonts, first_spec, title, contents_layout, starts)
    for laid, start in zip(laid_out, starts):
        draw_table(canvas, fonts, laid, start if contents else None)
    canvas.save()
    return buffer.getvalue()


def _contents_layout(fonts: PrintFonts, spec: PrintSpec, laid_out) -> list[list[tuple]]:
    """The 目录 as pages of lines: ("unit", text) headings and ("entry", lines, table index) entries, each
    entry wrapped so that it ends before the page number column."""
    layout = _Layout(spec, fonts)
    size = spec.text_size
    measure = layout.measure(size)
    number_room = sum(measure(ch) for ch in "第 9999 页") + 4 * MM
    line_h = size * 1.5
    room = layout.top - spec.title_size * 2.6 - (layout.bottom + 2 * MM)
    pages: list[list[tuple]] = [[]]
    used = 0.0
    previous_unit = None
    for i, (job, _, _, _, title_text) in enumerate(laid_out):
        unit = (f"{job.unit.code} {job.unit.name}" if job.unit else job.project.unit_code) or "（未指定单位）"
        items = []
        if unit != previous_unit:
            items.append((("unit", unit), line_h * 1.3))
            previous_unit = unit
        lines = wrap(title_text, layout.body_w - number_room - 2 * size, measure)
        items.append((("entry", lines, i), len(lines) * line_h + size * 0.4))
        # a unit heading stays with its first entry
        height = sum(h for _, h in items)
        if used + height > room and pages[-1]:
            pages.append([])
            used = 0.0
        for item, h in items:
            pages[-1].append((item, h))
            used += h
    return pages


def _draw_contents(canvas, fonts: PrintFonts, spec: PrintSpec, title: str, pages, starts) -> None:
    layout = _Layout(spec, fonts)
    painter = _Painter(canvas, layout, fonts)
    size = spec.text_size
    line_h = size * 1.5
    count = len(pages)
    for n, items in enumerate(pages):
        heading = Band("title", (f"{title} 目录",), spec.title_size * 2.6, spec.title_size)
        layout.wrap_band(heading)
        painter.band(heading, layout.top)
        y = layout.top - heading.height
        for item, height in items:
            if item[0] == "unit":
                painter.text(layout.left, y - size * 1.3, item[1], size, title=True)
            else:
                _, lines, i = item
                base = y - size * 1.2
                for k, line in enumerate(lines):
                    painter.text(layout.left + 2 * size, base - k * line_h, line, size)
                painter.text(layout.left + layout.body_w, base - (len(lines) - 1) * line_h, f"第 {starts[i]} 页", size,
                             align="right")
            y -= height
        painter.text(layout.left + layout.body_w / 2, layout.bottom - FOOTER_MM * MM + 2 * MM,
                     f"目录 第 {n + 1} 页 共 {count} 页", spec.footer_size, align="center")
        canvas.showPage()


def safe_file_name(project: Project) -> str:
    """<项目编码>_<项目名称>.pdf with characters Windows forbids replaced."""
    parts = [x for x in (getattr(project, "code", "").strip(), project.name.strip()) if x] or ["未命名项目"]
    name = "_".join(parts)
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(" .")
    return (name[:120] or "未命名项目") + ".pdf"


def split_file_names(projects: Sequence[Project]) -> list[str]:
    """Unique safe names, in order (a second 维稳经费 gets “(2)”)."""
    used: dict[str, int] = {}
    names = []
    for p in projects:
        base = safe_file_name(p)
        key = base.lower()
        if key in used:
            used[key] += 1
            stem = base[:-4]
            base = f"{stem}({used[key]}).pdf"
        else:
            used[key] = 1
        names.append(base)
    return names


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


__all__ = ["MissingGlyphs", "PrintError", "PrintJob", "checksum", "missing_glyphs", "page_count", "render",
           "safe_file_name", "split_file_names"]

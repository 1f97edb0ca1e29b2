"""The published document (部门预算绩效目标公开文本) as PDF: title page, 目录, 第一部分 部门整体绩效目标 (the
narrative, then the 部门（单位）整体支出绩效目标表) and 第二部分 预算项目绩效目标 (every project table).

Tables are laid out and drawn exactly as ``desk.render.pdf`` prints them on their own (same pages, same
校验码); the narrative is flowed text. Every page carries its page number in the whole document, and the
PDF has bookmarks for each part, each heading of the narrative, the department table and each project table.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from desk.domain.formdef import PrintSpec
from desk.domain.goals import numbered
from desk.domain.model import Narrative
from desk.render.fonts import PrintFonts
from desk.render.layout import Band, wrap
from desk.render.pdf import FOOTER_MM, PrintError, _Layout, _Painter, check_glyphs, draw_table, lay_out, new_canvas
from desk.render.table import MM, PrintJob, title_of

PART_ONE = "第一部分 部门整体绩效目标"
PART_TWO = "第二部分 预算项目绩效目标"
HEADINGS = ("一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施")
CN_NUMBERS = "一二三四五六七八九十"
TEXT_SIZE = 12.0
HEADING_SIZE = 14.0
PART_SIZE = 18.0
LINE = 1.7  # line height of the narrative, as a multiple of the size


@dataclass
class Entry:
    """One line of the 目录 and one bookmark."""

    title: str
    level: int  # 0: a part, 1: a heading or a table
    page: int = 0
    key: str = ""


@dataclass
class _TextPage:
    lines: list[tuple[str, str, float]] = field(default_factory=list)  # (kind, text, y of the baseline)
    marks: list[int] = field(default_factory=list)  # entries that begin on this page


def _cn(n: int) -> str:
    return CN_NUMBERS[n - 1] if 1 <= n <= 10 else str(n)


def narrative_blocks(narrative: Narrative) -> list[tuple[str, str, int | None]]:
    """(kind, text, entry) blocks of 第一部分 before the department table; kind: part, heading, para."""
    blocks: list[tuple[str, str, int | None]] = []
    blocks.append(("heading", HEADINGS[0], 1))
    blocks += [("para", p, None) for p in _paragraphs(narrative.overall)]
    blocks.append(("heading", HEADINGS[1], 2))
    for i, item in enumerate(narrative.sub_goals, 1):
        if item.title.strip():
            blocks.append(("subheading", f"（{_cn(i)}）{item.title.strip()}", None))
        blocks += [("para", p, None) for p in _paragraphs(item.goal)]
        if item.indicators.strip():
            blocks += [("para", p, None) for p in _paragraphs(item.indicators)]
    blocks.append(("heading", HEADINGS[2], 3))
    blocks += [("para", m, None) for m in numbered(tuple(m for m in narrative.measures if m.strip()), "{n}. ")]
    return blocks


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n") if p.strip()]


def _flow(blocks, layout: _Layout, fonts: PrintFonts) -> list[_TextPage]:
    """The narrative in lines on pages; a heading never ends a page."""
    sizes = {"part": PART_SIZE, "heading": HEADING_SIZE, "subheading": TEXT_SIZE, "para": TEXT_SIZE}
    pages = [_TextPage()]
    y = layout.top
    for k, (kind, text, entry) in enumerate(blocks):
        size = sizes[kind]
        chain = fonts.title if kind in ("part", "heading") else fonts.body
        measure = lambda ch, size=size, chain=chain: chain.char_width(ch, size)  # noqa: E731
        indent = "　　" if kind == "para" else ""
        lines = wrap(indent + text, layout.body_w, measure)
        gap = size * (1.2 if kind in ("part", "heading") else 0.3)
        need = gap + len(lines[:2]) * size * LINE
        if kind in ("heading", "subheading") and k + 1 < len(blocks):
            need += TEXT_SIZE * LINE * 2  # keep a heading with the first lines after it
        if y - need < layout.bottom and pages[-1].lines:
            pages.append(_TextPage())
            y = layout.top
        y -= gap
        if entry is not None:
            pages[-1].marks.append(entry)
        for line in lines:
            if y - size * LINE < layout.bottom:
                pages.append(_TextPage())
                y = layout.top
            y -= size * LINE
            pages[-1].lines.append((kind, line, y + size * 0.35))
    return pages


def render_document(unit_name: str, year: int, narrative: Narrative, department: PrintJob | None,
                    projects: list[PrintJob], fonts: PrintFonts, spec: PrintSpec | None = None) -> bytes:
    """The whole published document as one PDF."""
    jobs = ([department] if department else []) + list(projects)
    if not jobs and not (narrative.overall or narrative.sub_goals or narrative.measures):
        raise PrintError("没有可以导出的内容：这个单位既没有部门整体绩效目标，也没有项目表")
    check_glyphs(jobs, fonts)
    texts = [narrative.overall, *(x for s in narrative.sub_goals for x in (s.title, s.goal, s.indicators)),
             *narrative.measures, unit_name]
    missing = sorted({ch for t in texts for ch in fonts.missing(t)})
    if missing:
        raise PrintError("部门整体绩效目标的文字中有字体无法显示的字：" + "、".join(
            f"“{c}”(U+{ord(c):04X})" for c in missing) + "，未生成 PDF")
    spec = spec or (jobs[0].form.print if jobs else PrintSpec())
    layout = _Layout(spec, fonts)
    title = f"{unit_name}{year}年部门预算绩效目标"

    entries = [Entry(PART_ONE, 0)] + [Entry(h, 1) for h in HEADINGS]
    text_pages = _flow([("part", PART_ONE, 0)] + narrative_blocks(narrative), layout, fonts)
    tables = []
    if department is not None:
        entries.append(Entry(title_of(department), 1))
        tables.append((len(entries) - 1, lay_out(department, fonts)))
    if projects:
        entries.append(Entry(PART_TWO, 0))
        part = Band("part", (PART_TWO,), PART_SIZE * 2.6, PART_SIZE)
        for k, job in enumerate(projects):
            laid = lay_out(job, fonts, before=[part] if k == 0 else ())
            entries.append(Entry(laid[4], 1))
            tables.append((len(entries) - 1, laid))
        part_two = next(i for i, e in enumerate(entries) if e.title == PART_TWO)
    contents = _contents_pages(entries, layout, fonts)

    # page numbers: title page 1, then the 目录, the narrative, the tables
    page = 2 + len(contents)
    for text_page in text_pages:
        for mark in text_page.marks:
            entries[mark].page = page
        page += 1
    starts = []
    for entry_index, laid in tables:
        entries[entry_index].page = page
        starts.append(page)
        page += len(laid[2])
    if projects:
        entries[part_two].page = entries[part_two + 1].page
    for i, e in enumerate(entries):
        e.key = f"entry-{i}"

    buffer = io.BytesIO()
    canvas = new_canvas(buffer, fonts, spec, title)
    canvas.setPageSize(tuple(v * MM for v in spec.page_mm))
    painter = _Painter(canvas, layout, fonts)
    # title page
    canvas.bookmarkPage("title")
    lines = wrap(title, layout.body_w, lambda ch: fonts.title.char_width(ch, 26.0))
    y = layout.page_h * 0.62
    for line in lines:
        painter.text(layout.left + layout.body_w / 2, y, line, 26.0, align="center", title=True)
        y -= 26.0 * 1.6
    canvas.showPage()
    # 目录
    for n, items in enumerate(contents):
        painter.text(layout.left + layout.body_w / 2, layout.top - PART_SIZE * 1.2, "目　录", PART_SIZE, align="center",
                     title=True)
        y = layout.top - PART_SIZE * 3.0
        for i, lines in items:
            e = entries[i]
            indent = 0 if e.level == 0 else 2 * TEXT_SIZE
            for k, line in enumerate(lines):
                y -= TEXT_SIZE * LINE
                painter.text(layout.left + indent, y, line, TEXT_SIZE, title=e.level == 0)
            painter.text(layout.left + layout.body_w, y, str(e.page), TEXT_SIZE, align="right")
        _page_footer(painter, layout, f"目录 第 {n + 1} 页", spec)
        canvas.showPage()
    # 第一部分: the narrative
    page = 2 + len(contents)
    for text_page in text_pages:
        for mark in text_page.marks:
            canvas.bookmarkPage(entries[mark].key)
        for kind, line, y in text_page.lines:
            if kind == "part":
                painter.text(layout.left + layout.body_w / 2, y, line, PART_SIZE, align="center", title=True)
            elif kind == "heading":
                painter.text(layout.left, y, line, HEADING_SIZE, title=True)
            else:
                painter.text(layout.left, y, line, TEXT_SIZE)
        _page_footer(painter, layout, f"第 {page} 页", spec)
        canvas.showPage()
        page += 1
    # the tables, each as it prints on its own
    for (entry_index, laid), start in zip(tables, starts):
        canvas.bookmarkPage(entries[entry_index].key)
        if projects and entry_index == part_two + 1:
            canvas.bookmarkPage(entries[part_two].key)
        draw_table(canvas, fonts, laid, start)
    # bookmarks: parts, then their headings and tables
    for e in entries:
        canvas.addOutlineEntry(e.title, e.key, level=e.level, closed=False)
    canvas.showOutline()
    canvas.save()
    return buffer.getvalue()


def _contents_pages(entries: list[Entry], layout: _Layout, fonts: PrintFonts) -> list[list[tuple[int, list[str]]]]:
    """The 目录 in pages of (entry, wrapped lines); each entry ends before its page number."""
    room = layout.top - PART_SIZE * 3.0 - layout.bottom
    number_room = fonts.body.width("9999", TEXT_SIZE) + 4 * MM
    pages: list[list[tuple[int, list[str]]]] = [[]]
    used = 0.0
    for i, e in enumerate(entries):
        indent = 0 if e.level == 0 else 2 * TEXT_SIZE
        chain = fonts.title if e.level == 0 else fonts.body
        lines = wrap(e.title, layout.body_w - indent - number_room, lambda ch: chain.char_width(ch, TEXT_SIZE))
        height = len(lines) * TEXT_SIZE * LINE
        if used + height > room and pages[-1]:
            pages.append([])
            used = 0.0
        pages[-1].append((i, lines))
        used += height
    return pages


def _page_footer(painter: _Painter, layout: _Layout, text: str, spec: PrintSpec) -> None:
    painter.text(layout.left + layout.body_w / 2, layout.bottom - FOOTER_MM * MM + 2 * MM, text, spec.footer_size,
                 align="center")

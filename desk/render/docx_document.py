"""The published document as Word (.docx), for the office to edit and publish.

Real Word headings (so Word builds its own contents from them, and a TOC field
is in place), the narrative as paragraphs, and each table as a real Word
table with merged cells and borders, after a page break. The tables are the
same rows and cells the PDF prints (``desk.render.table.build_rows``).
"""

from __future__ import annotations

import datetime
import io

from desk.domain.model import Narrative
from desk.render.document import HEADINGS, PART_ONE, PART_TWO, _cn, _paragraphs
from desk.domain.goals import numbered
from desk.render.table import MM, PrintJob, build_rows, checksum, column_edges, column_starts, fit_grid, wide_measure

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
FIXED_TIME = datetime.datetime(2000, 1, 1)


def _load_docx() -> None:
    """python-docx loads when a Word document is first written: the other commands, printing a PDF among them,
    start without it. The names are this module's, as if imported at its top."""
    global Document, WD_ORIENT, WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, WD_BREAK
    global OxmlElement, qn, Mm, Pt, RGBColor
    if "RGBColor" in globals():
        return
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor


def _east_asian(style_or_run, name: str) -> None:
    """Chinese text takes the east-Asian font, which python-docx does not set by itself."""
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, TOC) that Word fills in; ``placeholder`` shows until it does."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _set_styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    for level, size in ((1, 18), (2, 15), (3, 13)):
        style = doc.styles[f"Heading {level}"]
        style.font.name = HEADING_FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asian(style, HEADING_FONT)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def render_docx(unit_name: str, year: int, narrative: Narrative, department: PrintJob | None,
                projects: list[PrintJob]) -> bytes:
    _load_docx()
    doc = Document()
    _set_styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE", "1")
    footer.add_run(" 页")
    props = doc.core_properties
    props.title = f"{unit_name}{year}年部门预算绩效目标"
    props.author = "desk 绩效目标表"
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = "desk"
    props.revision = 1

    # title page
    for _ in range(8):
        doc.add_paragraph()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(props.title)
    run.bold = True
    run.font.size = Pt(26)
    _east_asian(run, HEADING_FONT)
    _page_break(doc)
    # contents: a TOC field that Word fills in from the headings
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run("目　录")
    run.bold = True
    run.font.size = Pt(18)
    _east_asian(run, HEADING_FONT)
    _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "（目录：在 Word 中右键点此处，选“更新域”即可生成）")
    _page_break(doc)

    # 第一部分
    doc.add_heading(PART_ONE, level=1).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading(HEADINGS[0], level=2)
    for text in _paragraphs(narrative.overall):
        _para(doc, text)
    doc.add_heading(HEADINGS[1], level=2)
    for i, item in enumerate(narrative.sub_goals, 1):
        if item.title.strip():
            doc.add_heading(f"（{_cn(i)}）{item.title.strip()}", level=3)
        for text in _paragraphs(item.goal) + _paragraphs(item.indicators):
            _para(doc, text)
    doc.add_heading(HEADINGS[2], level=2)
    for text in numbered(tuple(m for m in narrative.measures if m.strip()), "{n}. "):
        _para(doc, text)
    if department is not None:
        _page_break(doc)
        _table(doc, department, level=2)
    # 第二部分
    for k, job in enumerate(projects):
        _page_break(doc)
        if k == 0:
            doc.add_heading(PART_TWO, level=1).alignment = WD_ALIGN_PARAGRAPH.CENTER
        _table(doc, job, level=2)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _para(doc, text: str) -> None:
    p = doc.add_paragraph(text)
    p.paragraph_format.first_line_indent = Pt(24)
    p.paragraph_format.line_spacing = 1.5


def _table(doc, job: PrintJob, level: int) -> None:
    """One table: its title as a heading, the bands around it as paragraphs, the rows as a Word table."""
    head, rows, tail = build_rows(job)
    fit_grid(rows, job.form.print, wide_measure, 3.0)  # the columns the PDF would choose
    for band in head:
        if band.kind == "title":
            doc.add_heading(band.texts[0], level=level).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif band.kind == "subtitle":
            doc.add_paragraph(band.texts[0]).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif band.kind == "unit_line":
            p = doc.add_paragraph(f"{band.texts[0]}\t\t{band.texts[1]}")
            p.paragraph_format.space_after = Pt(2)
    edges = column_edges(rows)
    col_of = {e: i for i, e in enumerate(edges)}
    ncols = len(edges) - 1
    table = doc.add_table(rows=len(rows), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm((edges[i + 1] - edges[i]) / MM) for i in range(ncols)]
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(width.twips)))  # Word and LibreOffice lay the table out by its grid
    for r in table.rows:
        for i, cell in enumerate(r.cells):
            cell.width = widths[i]
    runs: dict[tuple[str, int], list] = {}  # (block, col) -> [key, first row, last row, c0, c1, label, header]
    merges: list[tuple[int, int, int, int, str, bool]] = []
    for r, row in enumerate(rows):
        starts = column_starts(row.widths)
        if row.header:
            tr_pr = table.rows[r]._tr.get_or_add_trPr()
            flag = OxmlElement("w:tblHeader")  # repeated at the top of every page
            tr_pr.append(flag)
        for c in row.cells:
            c0, c1 = col_of[starts[c.col]], col_of[starts[c.col + c.span]] - 1
            merges.append((r, c0, r, c1, c.text, c.label))
        for col, (key, label, _) in row.groups.items():
            c0, c1 = col_of[starts[col]], col_of[starts[col + 1]] - 1
            slot = (row.block, col)
            run = runs.get(slot)
            if run is not None and run[0] == key and run[2] == r - 1:
                run[2] = r
            else:
                if run is not None:
                    merges.append((run[1], run[3], run[2], run[4], run[5], True))
                runs[slot] = [key, r, r, c0, c1, label]
        for slot in [s for s in runs if s[0] == row.block and s[1] not in row.groups or s[0] != row.block]:
            run = runs.pop(slot)
            merges.append((run[1], run[3], run[2], run[4], run[5], True))
    for run in runs.values():
        merges.append((run[1], run[3], run[2], run[4], run[5], True))
    for r0, c0, r1, c1, text, label in merges:
        cell = table.cell(r0, c0)
        if (r1, c1) != (r0, c0):
            cell = cell.merge(table.cell(r1, c1))
        cell.text = ""
        paragraph = cell.paragraphs[0]
        lines = text.split("\n")
        for k, line in enumerate(lines):
            run = paragraph.add_run(line)
            run.font.size = Pt(10)
            if k < len(lines) - 1:
                run.add_break()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if label or len(text) <= 12 else WD_ALIGN_PARAGRAPH.LEFT
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for band in tail:
        if band.kind == "signoff":
            parts = [f"{label}：" + ("    年    月    日" if "日期" in label else "__________") for label in band.texts]
            doc.add_paragraph("      ".join(parts))
    note = doc.add_paragraph(f"校验码：{checksum(job)}")
    note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    note.runs[0].font.size = Pt(8)

"""Read 绩效目标表 and the department narrative from a Word (.docx) document.

Last year's published document is often the only copy an office has of its
tables. Each Word table, with the few paragraphs just above it (the title,
the unit line, 单位：元), is laid out as a grid of cells, merged cells
(gridSpan, vMerge) included, and read by the same label-driven reader as an
Excel sheet (``desk.io.xlsx_import.read_sheet``): the same recognition, the
same report of doubtful cells, named here as 第N个表格第R行第C列. A table
broken across pages into two Word tables is read as one.

The narrative's three parts (总体绩效目标, 分项绩效目标, 工作保障措施) are
read from the headings and paragraphs outside the tables.

Pure: bytes in, domain objects and a report out. The package is bounded
(parts, bytes, rows, cells, spans) before python-docx parses anything.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError, XMLPullParser

from desk.domain.formdef import FormDef
from desk.domain.goals import has_own_number
from desk.domain.model import Narrative, SubGoal
from desk.errors import InputError
from desk.io.xlsx_guard import WorkbookLimits, WorkbookTooLargeError, check_parts
from desk.io.xlsx_import import LABELS, FoundDepartment, FoundTable, ReadResult, Sheet, _is_title, _money_unit, _unit_line, read_sheet

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


@dataclass(frozen=True)
class DocumentLimits:
    package: WorkbookLimits = WorkbookLimits(parts=3_000, unpacked=128 * 2**20)
    body: int = 24 * 2**20  # bytes of word/document.xml, unpacked
    columns: int = 200  # grid columns of one table
    rows: int = 20_000  # table rows in the whole document
    cells: int = 300_000
    paragraphs: int = 200_000
    depth: int = 128  # XML elements inside one another (tables in tables, text boxes)


LIMITS = DocumentLimits()
_CHUNK = 1 << 16


class DocumentError(InputError):
    """The file cannot be read as a Word document of tables."""


@dataclass
class DocxResult(ReadResult):
    narrative: Narrative | None = None  # the three parts, when the document has them
    narrative_where: str = ""  # the headings it was read from, for the report
    year: int | None = None  # the 2023年 of the document's title, when the tables do not say
    narrative_skipped: list[str] = field(default_factory=list)  # subtitles under the narrative's headings


# ---------------------------------------------------------------- opening

def _refuse_other_formats(data: bytes, name: str) -> None:
    lower = name.lower()
    if data[:4] == b"\xd0\xcf\x11\xe0":
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise DocumentError(f"“{name}”设置了打开密码，无法读取。请在 Word/WPS 中取消密码后另存为 .docx 再导入。")
        if lower.endswith((".wps", ".wpt")):
            raise DocumentError(f"“{name}”是 WPS 文字（.wps）文件，请在 WPS 中“另存为” Word 文档（.docx）后再导入。")
        if lower.endswith((".xls", ".et")):
            raise DocumentError(f"“{name}”是旧版 Excel 文件，请另存为 .xlsx 后用“导入Excel”导入。")
        raise DocumentError(f"“{name}”是旧版 Word（.doc）文件，请在 Word/WPS 中“另存为” .docx 格式后再导入。")
    if data[:5] == b"{\\rtf":
        raise DocumentError(f"“{name}”是 RTF 格式的文件，请在 Word/WPS 中“另存为” .docx 格式后再导入。")
    if data[:4] != b"PK\x03\x04":
        head = data[:512].lstrip().lower()
        if head.startswith((b"<html", b"<!doctype html", b"mime-version", b"<?xml")):
            raise DocumentError(f"“{name}”是网页或 XML 格式的文档，请在 Word/WPS 中“另存为” .docx 格式后再导入。")
        raise DocumentError(f"“{name}”不是 Word（.docx）文件。")


def _check_body(archive: zipfile.ZipFile, name: str, limits: DocumentLimits) -> None:
    """Count rows, cells, paragraphs and spans of the main part, streamed, before it is parsed."""
    try:
        info = archive.getinfo("word/document.xml")
    except KeyError:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            raise DocumentError(f"“{name}”是 Excel 文件，请用“导入Excel”导入。") from None
        if "ppt/presentation.xml" in names:
            raise DocumentError(f"“{name}”是 PowerPoint 文件，不是 Word 文档。") from None
        raise DocumentError(f"“{name}”不是 Word（.docx）文件，或者已损坏（缺少正文部分）。") from None
    if info.file_size > limits.body:
        raise WorkbookTooLargeError(
            f"“{name}”的正文解压后有 {info.file_size // 2**20} MB，超过了 {limits.body // 2**20} MB 的上限，未读取。")
    counts = {"tr": 0, "tc": 0, "p": 0}
    bounds = {"tr": limits.rows, "tc": limits.cells, "p": limits.paragraphs}
    what = {"tr": "表格行", "tc": "单元格", "p": "段落"}
    parser = XMLPullParser(events=("start", "end"))
    depth = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
                for event, element in parser.read_events():
                    if event == "end":
                        depth -= 1
                        element.clear()
                        continue
                    depth += 1
                    if depth > limits.depth:
                        raise WorkbookTooLargeError(f"“{name}”中的表格或文字框嵌套超过了 {limits.depth} 层，"
                                                    "不像是绩效目标表文档，未读取。")
                    tag = element.tag.rsplit("}", 1)[-1]
                    if tag in counts:
                        counts[tag] += 1
                        if counts[tag] > bounds[tag]:
                            raise WorkbookTooLargeError(
                                f"“{name}”的{what[tag]}超过了 {bounds[tag]} 个，不像是绩效目标表文档，未读取。")
                    elif tag in ("gridSpan", "gridBefore", "gridAfter"):
                        value = element.get(f"{W}val", "1")
                        if not value.isdigit() or int(value) > limits.columns:
                            raise WorkbookTooLargeError(
                                f"“{name}”中有一个单元格横跨“{value[:12]}”列，超出了表格可能用到的范围"
                                f"（{limits.columns} 列），未读取。")
    except ParseError:
        raise DocumentError(f"“{name}”已损坏，正文无法读取。文件未导入任何内容。") from None


def open_document(data: bytes, name: str = "Word 文件", limits: DocumentLimits = LIMITS):
    """The python-docx document, after the package and its main part are bounded."""
    _refuse_other_formats(data, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_parts(archive, name, limits.package, "Word 文档")
            _check_body(archive, name, limits)
    except (WorkbookTooLargeError, DocumentError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError,
            RuntimeError, ValueError, KeyError, UnicodeError) as exc:
        raise DocumentError(f"“{name}”已损坏，无法读取（{type(exc).__name__}）。文件未导入任何内容。") from None
    import docx  # python-docx; loaded only when a document is read

    try:
        document = docx.Document(io.BytesIO(data))
    except ValueError as exc:
        if "content type" in str(exc):  # a template (.dotx) or a macro document (.docm)
            raise DocumentError(f"“{name}”是 Word 模板或带宏的文档，请在 Word/WPS 中“另存为” .docx 格式后再导入。") from None
        raise DocumentError(f"“{name}”已损坏，无法读取（{type(exc).__name__}）。文件未导入任何内容。") from None
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many kinds on broken parts
        raise DocumentError(f"“{name}”已损坏，无法读取（{type(exc).__name__}）。文件未导入任何内容。") from None
    return document


# ---------------------------------------------------------------- text

_SKIP = {f"{W}pPr", f"{W}rPr", f"{W}del", f"{W}moveFrom", f"{MC}Fallback", f"{W}txbxContent", f"{W}drawing",
         f"{W}pict", f"{W}object", f"{W}instrText", f"{W}delText", f"{W}fldData"}


def paragraph_text(p) -> str:
    """What a paragraph shows: its runs' text (insertions kept, deletions and field codes left out)."""
    out: list[str] = []

    def walk(element) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str):
                continue
            if tag == f"{W}t":
                out.append(child.text or "")
            elif tag == f"{W}tab" or tag == f"{W}ptab":
                out.append("\t")
            elif tag == f"{W}br":
                if child.get(f"{W}type") in (None, "textWrapping"):
                    out.append("\n")
            elif tag == f"{W}cr":
                out.append("\n")
            elif tag == f"{W}noBreakHyphen":
                out.append("-")
            elif tag == f"{W}sym":
                out.append(_symbol(child))
            elif tag == f"{W}sdt" and _placeholder(child):
                continue  # an unfilled content control shows its prompt, which is nobody's text
            else:
                walk(child)

    walk(p)
    return "".join(out)


# Insert ▸ Symbol writes <w:sym w:font="Symbol" w:char="F0B3"/>: the Symbol font's code points, as Unicode
_SYMBOL_FONT = {0x3C: "<", 0x3D: "=", 0x3E: ">", 0xA3: "≤", 0xB3: "≥", 0xB1: "±", 0xB4: "×", 0xB8: "÷", 0xB0: "°",
                0x25: "%", 0xB9: "≠", 0xBB: "≈", 0x2B: "+", 0x2D: "−"}


def _symbol(sym) -> str:
    char = sym.get(f"{W}char") or ""
    try:
        code = int(char, 16)
    except ValueError:
        return ""
    if (sym.get(f"{W}font") or "").lower() == "symbol":
        return _SYMBOL_FONT.get(code & 0xFF, "")
    return chr(code) if 0x20 <= code < 0xE000 or 0xF900 <= code <= 0xFFFD else ""


def _placeholder(sdt) -> bool:
    return sdt.find(f"{W}sdtPr/{W}showingPlcHdr") is not None


def _blocks(container):
    """Paragraphs and tables in reading order, through content controls and custom XML."""
    for child in container:
        tag = child.tag
        if tag == f"{W}p" or tag == f"{W}tbl":
            yield child
        elif tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None and not _placeholder(child):
                yield from _blocks(content)
        elif tag == f"{W}customXml" or tag == f"{W}ins":
            yield from _blocks(child)


def _children(element, wanted: str):
    """The rows of a table or the cells of a row, through content controls and custom XML."""
    for child in element:
        tag = child.tag
        if tag == wanted:
            yield child
        elif tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                if _placeholder(child) and wanted == f"{W}tc":
                    yield from (_empty_cell(tc) for tc in _children(content, wanted))
                else:
                    yield from _children(content, wanted)
        elif tag == f"{W}customXml" or tag == f"{W}ins":
            yield from _children(child, wanted)


def _empty_cell(tc):
    """A cell whose content is a content control's prompt: the same cell (its spans kept), with no text."""
    from copy import deepcopy

    empty = deepcopy(tc)
    for child in list(empty):
        if child.tag != f"{W}tcPr":
            empty.remove(child)
    return empty


def cell_text(tc) -> str:
    """A cell's paragraphs as lines (a table nested in it as lines of its cells), empty lines left out."""
    lines: list[str] = []
    for block in _blocks(tc):
        if block.tag == f"{W}p":
            lines.extend(paragraph_text(block).split("\n"))
        else:
            for tr in _children(block, f"{W}tr"):
                lines.append(" ".join(t for t in (cell_text(c) for c in _children(tr, f"{W}tc")) if t))
    return "\n".join(line.strip() for line in lines if line.strip())


def _val(element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None else found.get(f"{W}val")


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


# ---------------------------------------------------------------- tables as grids

class DocxSheet(Sheet):
    """One table (or a table continued over a page break) with the paragraphs just above it."""

    def __init__(self, title: str, values, merges, places: dict[int, tuple[int, int]]):
        super().__init__(title, values, {}, merges)
        self.places = places  # sheet row -> (table number, row in that table; 0 for a paragraph above it)

    def ref(self, r: int, c: int) -> str:
        table, row = self.places.get(r, (0, 0))
        if row == 0:
            return f"第{table}个表格上方的段落"
        return f"第{table}个表格第{row}行第{c}列"

    def at(self, what: str) -> str:
        return f"{self.title}{what}"

    def place(self, r: int) -> str:
        table, _ = self.places.get(r, (0, 0))
        return f"第{table}个表格"


class _GridBuilder:
    def __init__(self, limits: DocumentLimits):
        self.limits = limits
        self.values: dict[tuple[int, int], str] = {}
        self.merges: dict[tuple[int, int], list[int]] = {}  # top-left -> [last row, last col]
        self.places: dict[int, tuple[int, int]] = {}
        self.row = 0
        self.tables: list[int] = []
        self.grid_header = False  # the 一级指标… header row is in the grid already

    def paragraph(self, text: str, table: int) -> None:
        """A paragraph above a table: its tab-separated parts in cells side by side."""
        self.row += 1
        self.places[self.row] = (table, 0)
        parts = [p.strip() for p in re.split(r"\t+| {4,}|\u3000{2,}", text) if p.strip()]
        for c, part in enumerate(parts[: self.limits.columns], 1):
            self.values[(self.row, c)] = part

    def table(self, tbl, number: int, name: str, *, continued: bool = False) -> None:
        self.tables.append(number)
        above: dict[int, tuple[int, int]] = {}  # grid column -> the top-left of the vertical merge it continues
        for i, tr in enumerate(_children(tbl, f"{W}tr"), 1):
            cells = list(_children(tr, f"{W}tc"))
            texts = [cell_text(tc) for tc in cells]  # each cell read once: for the header test and the grid
            header = _grid_header(texts)
            if continued and i <= 2 and header and self.grid_header:
                continue  # the grid's header, repeated at the top of the table's next part
            self.grid_header = self.grid_header or header
            self.row += 1
            r = self.row
            self.places[r] = (number, i)
            col = 1 + _int(_val(tr, f"{W}trPr/{W}gridBefore"), 0)
            current: dict[int, tuple[int, int]] = {}
            last: tuple[int, int] | None = None
            for tc, text in zip(cells, texts):
                span = max(1, _int(_val(tc, f"{W}tcPr/{W}gridSpan"), 1))
                end = col + span - 1
                if end > self.limits.columns:
                    raise WorkbookTooLargeError(f"“{name}”的第{number}个表格第{i}行超过了 {self.limits.columns} 列，未读取。")
                v_merge = tc.find(f"{W}tcPr/{W}vMerge")
                h_merge = _val(tc, f"{W}tcPr/{W}hMerge")
                if v_merge is not None and v_merge.get(f"{W}val") in (None, "continue") and col in above:
                    owner = above[col]  # continues the cell above: the owner's merge grows down
                    span_end = self.merges.setdefault(owner, [owner[0], owner[1]])
                    span_end[0] = r
                    span_end[1] = max(span_end[1], end)
                    for c in range(col, end + 1):
                        current[c] = owner
                elif h_merge == "continue" and last is not None:
                    span_end = self.merges.setdefault(last, [last[0], last[1]])
                    span_end[1] = max(span_end[1], end)
                    for c in range(col, end + 1):
                        current[c] = last
                else:
                    if text:
                        self.values[(r, col)] = text
                    if span > 1:
                        self.merges[(r, col)] = [r, end]
                    for c in range(col, end + 1):
                        current[c] = (r, col)
                    last = (r, col)
                col = end + 1
            above = current

    def sheet(self) -> DocxSheet:
        title = f"第{self.tables[0]}个表格" if self.tables else "文档"
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in self.merges.items() if (r1, c1) != (r0, c0)]
        return DocxSheet(title, self.values, merges, self.places)


def _grid_header(texts: list[str]) -> bool:
    """Whether a row's cell texts are the indicator grid's header (一级指标…, or the 符号/值 row under it)."""
    keys = {"".join(t.split()) for t in texts}
    return "一级指标" in keys or {"符号", "值"} <= keys


def _starts_table(tbl) -> bool:
    """Whether a Word table begins a 绩效目标表 (title, 项目编码/名称 or 部门 labels) rather than continues one."""
    for k, tr in enumerate(_children(tbl, f"{W}tr")):
        if k >= 4:
            break
        for tc in _children(tr, f"{W}tc"):
            key = "".join(cell_text(tc).split())
            if key and (_is_title(key) or key in ("部门（单位）名称", "部门(单位)名称")
                        or any(p.match(key) for label, p in LABELS.items() if label != "signoff")):
                return True
    return False


_CONTINUED = re.compile(r"^[（(]?(续表?\d*|续上表|接上表)[）)]?[:：]?$")


def _table_lines(tbl) -> list[str] | None:
    """The rows of a small table that holds only what stands above a 绩效目标表 (its title, the unit line,
    单位：元), as paragraphs; None for any other table. An empty table gives no lines."""
    lines: list[str] = []
    for k, tr in enumerate(_children(tbl, f"{W}tr")):
        if k >= 3:
            return None
        texts = [t for t in (cell_text(tc) for tc in _children(tr, f"{W}tc")) if t]
        for text in texts:
            key = "".join(text.split())
            if not (_is_title(key) or _unit_line(key) or _money_unit(key) or _YEAR_LINE.match(key)):
                return None
        if texts:
            lines.append("\t".join(texts))
    return lines


_YEAR_LINE = re.compile(r"^[（(]?\d{4}\s*年?[)）]?$")


def _sheets(body, name: str, limits: DocumentLimits, styles: dict) -> tuple[list[DocxSheet], list[tuple]]:
    """The tables as sheets, and the paragraphs outside tables in order: ("p", text, heading level or None,
    numbered) or ("table", "", None, False)."""
    sheets: list[DocxSheet] = []
    flow: list[tuple] = []
    pending: list[str] = []  # non-empty paragraphs since the last table
    builder: _GridBuilder | None = None
    number = 0
    for block in _blocks(body):
        if block.tag == f"{W}p":
            text = paragraph_text(block)
            heading, numbered = _paragraph_kind(block, styles)
            flow.append(("p", text, heading, numbered))
            if text.strip():
                pending.append(text)
            continue
        number += 1
        head = _table_lines(block)
        if head is not None:  # the unit line in a borderless table above the real one, or an empty table
            pending.extend(head)
            continue
        flow.append(("table", "", None, False))
        between = [t for t in pending if not _CONTINUED.match("".join(t.split()))]
        if builder is not None and not between and not _starts_table(block):
            builder.table(block, number, name, continued=True)  # the same table, continued after a page break
            pending = []
            continue
        if builder is not None:
            sheets.append(builder.sheet())
        builder = _GridBuilder(limits)
        for text in between[-4:]:  # the title, unit and 单位：元 lines just above the table
            builder.paragraph(text, number)
        pending = []
        builder.table(block, number, name)
    if builder is not None:
        sheets.append(builder.sheet())
    return sheets, flow


def _styles(document) -> dict[str, tuple[int | None, bool]]:
    """Style id -> (heading level 1…9 or None, numbered by Word), from the document's styles (following
    based-on styles)."""
    raw: dict[str, tuple[str, str | None, int | None, bool]] = {}
    try:
        root = document.styles.element
    except Exception:  # noqa: BLE001 - a document without a styles part
        return {}
    for style in root.findall(f"{W}style"):
        sid = style.get(f"{W}styleId") or ""
        name = (style.find(f"{W}name").get(f"{W}val") if style.find(f"{W}name") is not None else "") or ""
        based = style.find(f"{W}basedOn")
        ppr = style.find(f"{W}pPr")
        outline = ppr is not None and ppr.find(f"{W}outlineLvl") is not None
        numbered = ppr is not None and ppr.find(f"{W}numPr") is not None
        level = None
        if outline:
            value = ppr.find(f"{W}outlineLvl").get(f"{W}val") or ""
            level = int(value) + 1 if value.isdigit() and int(value) < 9 else None
        m = re.match(r"^(?:heading|标题)\s*(\d)", name.strip(), re.I)
        if level is None and m:
            level = int(m.group(1))
        raw[sid] = (name, based.get(f"{W}val") if based is not None else None, level, numbered)
    out: dict[str, tuple[int | None, bool]] = {}
    for sid in raw:
        level, numbered = None, False
        seen, current = set(), sid
        while current in raw and current not in seen and len(seen) < 20:
            seen.add(current)
            _, based, lv, n = raw[current]
            level = level if level is not None else lv
            numbered = numbered or n
            current = based
        out[sid] = (level, numbered)
    return out


def _paragraph_kind(p, styles: dict) -> tuple[int | None, bool]:
    """(heading level 1…9 or None, numbered by Word's automatic numbering) for one paragraph."""
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        return None, False
    style = ppr.find(f"{W}pStyle")
    heading, numbered = styles.get(style.get(f"{W}val"), (None, False)) if style is not None else (None, False)
    if ppr.find(f"{W}outlineLvl") is not None:
        level = ppr.find(f"{W}outlineLvl").get(f"{W}val") or ""
        heading = int(level) + 1 if level.isdigit() and int(level) < 9 else heading
    num = ppr.find(f"{W}numPr")
    if num is not None:
        num_id = num.find(f"{W}numId")
        numbered = num_id is None or num_id.get(f"{W}val") != "0"
    return heading, numbered


# ---------------------------------------------------------------- the narrative

_CN = "一二三四五六七八九十"
_PREFIX = rf"(?:第?[{_CN}]+[、.．]|\d+[、.．]|[（(][{_CN}\d]+[)）])?"
_PARTS = {
    "overall": re.compile(rf"^{_PREFIX}(?:年度)?(?:部门)?(?:整体)?总体(?:绩效)?目标$"),
    "sub": re.compile(rf"^{_PREFIX}分项(?:绩效)?目标$"),
    "measures": re.compile(rf"^{_PREFIX}(?:工作|目标规划及|绩效目标实现的?|实现.*目标的)?保障措施$"),
}
_TOP_HEADING = re.compile(rf"^(?:第[{_CN}]+部分|[{_CN}]+[、.．])")
_SUB_TITLE = re.compile(rf"^\s*[（(]([{_CN}]+|\d+)[)）]\s*(.*)$")
_INDICATORS = re.compile(r"^绩效指标\s*[:：]")
_GOAL_LINE = re.compile(r"^绩效目标\s*[:：]")
_OUR_MEASURE = re.compile(r"^(\d+)\. (?=\S)")  # the "1. " our own Word and PDF add to measures


def _part_of(key: str) -> str | None:
    if len(key) > 30:
        return None
    for part, pattern in _PARTS.items():
        if pattern.match(key):
            return part
    return None


def _heading_like(key: str) -> bool:
    """A short line with no sentence in it: a heading, typed or numbered by Word."""
    return len(key) <= 40 and not re.search(r"[。；;：:]", key) and not key.endswith(("，", ","))


def read_narrative(flow: list[tuple]) -> tuple[Narrative | None, str, list[str]]:
    """The three parts from the paragraphs under their headings; each ends at the next heading, a part
    (第二部分) or a table. Returns the narrative, the parts found, and lines under them that were not taken."""
    sections: dict[str, list[tuple[str, bool]]] = {}
    current: str | None = None
    level: int | None = None  # the heading level of the part being read
    skipped: list[str] = []
    for kind, text, heading, numbered in flow:
        if kind == "table":
            current = None
            continue
        key = "".join(text.split())
        if not key:
            continue
        part = _part_of(key)
        if part is not None:
            if part == current and not sections[current]:
                skipped.append(text.strip())  # its subtitle (实现年度发展规划目标的保障措施)
                continue
            current = part if part not in sections else None  # a second 总体绩效目标 heading is not read twice
            if current is not None:
                sections[current] = []
                level = heading
            continue
        if _is_title(key) or _unit_line(key) or _money_unit(key) and len(key) <= 30:
            current = None  # the head of a table that follows
            continue
        if current is None:
            continue
        over = heading is not None and (level is None or heading <= level)  # a heading at the part's level
        if key.startswith("第") and "部分" in key[:5] or (_TOP_HEADING.match(key) or over) and _heading_like(key):
            current = None  # another heading of the document's own (四、其他需要说明的情况)
            continue
        sections[current].append((text.strip(), numbered or heading is not None))
    if not sections:
        return None, "", skipped
    overall = "\n".join(t for t, _ in sections.get("overall", []))
    subs: list[SubGoal] = []
    lines = sections.get("sub", [])
    titled = any(_SUB_TITLE.match(t) or n for t, n in lines if _heading_like("".join(t.split())))
    for k, (line, numbered) in enumerate(lines):
        m = _SUB_TITLE.match(line)
        short = _heading_like("".join(line.split()))
        if m and short:
            subs.append(SubGoal(title=m.group(2).strip()))
        elif short and (numbered and titled or k + 1 < len(lines) and _GOAL_LINE.match(lines[k + 1][0])):
            subs.append(SubGoal(title=line))  # （一）… numbered by Word (not in the text), or a title over 绩效目标：
        elif not subs and short and not has_own_number(line) and k + 1 < len(lines):
            skipped.append(line)  # a subtitle under the heading (部门职责分类绩效目标情况说明)
        elif not subs or not any(s.title for s in subs) and (has_own_number(line) or numbered):
            subs.append(SubGoal(goal=line))  # untitled items, each beginning with its own number (1、…)
        else:
            last = subs[-1]
            if _INDICATORS.match(line) or last.indicators:
                subs[-1] = SubGoal(last.title, last.goal, "\n".join(x for x in (last.indicators, line) if x))
            else:
                subs[-1] = SubGoal(last.title, "\n".join(x for x in (last.goal, line) if x), last.indicators)
    measures = [t for t, _ in sections.get("measures", [])]
    numbers = [_OUR_MEASURE.match(m) for m in measures]
    if len(measures) >= 2 and all(m and int(m.group(1)) == i for i, m in enumerate(numbers, 1)):
        measures = [m[n.end():] for m, n in zip(measures, numbers)]  # only the numbering printing adds again
    named = [h for h, part in (("总体绩效目标", "overall"), ("分项绩效目标", "sub"), ("工作保障措施", "measures"))
             if part in sections]
    return Narrative(overall=overall, sub_goals=tuple(subs), measures=tuple(measures)), "、".join(named), skipped


# ---------------------------------------------------------------- the document

_DOC_YEAR = re.compile(r"(20\d{2})\s*年")


def read_document(data: bytes, forms: dict[str, FormDef], *, name: str = "Word 文件",
                  limits: DocumentLimits = LIMITS) -> DocxResult:
    document = open_document(data, name, limits)
    sheets, flow = _sheets(document.element.body, name, limits, _styles(document))
    tables: list[FoundTable] = []
    departments: list[FoundDepartment] = []
    for sheet in sheets:
        for found in read_sheet(sheet, forms):
            (departments if isinstance(found, FoundDepartment) else tables).append(found)
    narrative, where, skipped = read_narrative(flow)
    year = None
    for kind, text, *_ in flow[:40]:
        m = _DOC_YEAR.search(text) if kind == "p" else None
        if m:
            year = int(m.group(1))
            break
    if not tables and not departments and narrative is None:
        raise DocumentError(f"在“{name}”中没有找到绩效目标表（没有“项目编码”“项目名称”或“…绩效目标表”标题），"
                            "也没有“总体绩效目标”等文字部分。")
    return DocxResult(tables, departments, narrative=narrative, narrative_where=where, year=year,
                      narrative_skipped=skipped)


__all__ = ["DocumentError", "DocumentLimits", "DocxResult", "LIMITS", "read_document", "read_narrative"]

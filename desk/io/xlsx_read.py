"""The cells of a workbook's sheets, read straight from the package, as openpyxl would load them.

Loading a workbook with openpyxl makes an object for every cell, style and
part, and importing openpyxl itself costs more than all of desk's own modules;
a table import needs only each sheet's stored values, the number format of its
numbers and the merged ranges. This reader streams exactly that from the XML
parts, with the same conversions as ``openpyxl.load_workbook(data_only=True)``
(numbers, shared and inline strings, booleans, error values, formulas' cached
values, merged cells keeping only their top-left value).

Whatever it does not reproduce exactly — dates, hyperlinks (openpyxl writes
their target into an empty cell), overlapping merges, unusual package layouts,
references it does not parse — raises :class:`Unsupported`, and the caller
loads the workbook with openpyxl instead. The package must have passed
``desk.io.xlsx_guard.check_workbook`` first: sizes and counts are bounded there.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import XMLPullParser, fromstring

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.%s+xml"
_MACRO = "application/vnd.ms-excel.%s.macroEnabled.main+xml"
# openpyxl looks for the workbook part in this order (reader.excel._find_workbook_part)
_WORKBOOK_TYPES = (_MACRO % "template", _MACRO % "sheet", _SPREADSHEET % "template.main", _SPREADSHEET % "sheet.main")
_SHARED_STRINGS = _SPREADSHEET % "sharedStrings"
_STYLES = "xl/styles.xml"

_ROW, _CELL, _VALUE, _INLINE = MAIN + "row", MAIN + "c", MAIN + "v", MAIN + "is"
_MERGES, _LINKS = MAIN + "mergeCells", MAIN + "hyperlinks"
_TEXT_PARTS = {MAIN + "t", MAIN + "r", MAIN + "rPh", MAIN + "phoneticPr"}
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")  # openpyxl refuses such a sheet title
_CHUNK = 1 << 16
MAX_COLUMN = 18278  # ZZZ, the largest column openpyxl knows

# openpyxl.styles.numbers.BUILTIN_FORMATS: only the number formats' text matters here
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)', 7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)', 42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)', 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
    48: "##0.0E+0", 49: "@",
}
_FIRST_CUSTOM = 164  # openpyxl's BUILTIN_FORMATS_MAX_SIZE
# openpyxl.styles.numbers.is_date_format
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE = re.compile(r"(?<![_\\])[dmhysDMHYS]")


class Unsupported(Exception):
    """Something this reader does not reproduce exactly as openpyxl: the caller loads with openpyxl."""


@dataclass
class SheetCells:
    title: str
    values: dict[tuple[int, int], object]  # the stored values, neither None nor ""
    formats: dict[tuple[int, int], str]  # number format of each number (and boolean), as openpyxl names it
    merges: list[tuple[int, int, int, int]]  # (first row, first col, last row, last col)


def is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _DATE.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def read_sheets(archive: zipfile.ZipFile) -> list[SheetCells]:
    """The worksheets in the workbook's order (chartsheets left out, as openpyxl's ``wb.worksheets``)."""
    names = set(archive.namelist())
    overrides = _content_types(archive)
    workbook_part = next((overrides[t] for t in _WORKBOOK_TYPES if t in overrides), None)
    if workbook_part is None:
        raise Unsupported("workbook part named by a Default content type only")
    strings = _shared_strings(archive, overrides.get(_SHARED_STRINGS))
    formats, dates = _styles(archive)
    titles: list[str] = []
    sheets: list[SheetCells] = []
    rels = _relationships(archive, workbook_part)
    for title, rid in _workbook_sheets(archive, workbook_part):
        if rid is None:
            continue  # openpyxl drops such a sheet with a warning
        target, kind = rels[rid]  # KeyError: openpyxl fails here
        if target not in names:
            continue
        if not title or _INVALID_TITLE.search(title) or any(t.lower() == title.lower() for t in titles):
            raise Unsupported("sheet title openpyxl refuses or renames")
        titles.append(title)
        if "chartsheet" in kind:
            continue
        sheets.append(_read_sheet(archive, target, title, strings, formats, dates))
    return sheets


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(archive: zipfile.ZipFile, name: str):
    data = archive.read(name)
    if b"<!DOCTYPE" in data:
        raise Unsupported("DTD in a part")  # openpyxl does not expand entities there
    return fromstring(data)


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Content type → the first part declared with it (part name without the leading /)."""
    found: dict[str, str] = {}
    for el in _xml(archive, "[Content_Types].xml"):
        if _local(el.tag) == "Override":
            kind, part = el.get("ContentType"), el.get("PartName")
            if kind is None or part is None:
                raise Unsupported("incomplete Override")
            found.setdefault(kind, part[1:])
    return found


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (target part, type) of a part's relationships, resolved as openpyxl's get_dependents does."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    root = _xml(archive, rels_name)
    parent = posixpath.split(posixpath.dirname(rels_name))[0]
    found: dict[str, tuple[str, str]] = {}
    for el in root:
        if _local(el.tag) != "Relationship":
            continue
        rid, target, kind = el.get("Id"), el.get("Target"), el.get("Type")
        if rid is None or target is None or kind is None:
            raise Unsupported("incomplete Relationship")
        if el.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(parent, target))
        found[rid] = (target, kind)
    return found


def _workbook_sheets(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str | None]]:
    root = _xml(archive, part)
    if root.tag != MAIN + "workbook":
        raise Unsupported("workbook part of another kind")
    found: list[tuple[str, str | None]] = []
    for sheets in root:
        if _local(sheets.tag) != "sheets":
            continue
        for sheet in sheets:
            extra = {k for k in sheet.attrib if not k.startswith("{")} - {"name", "sheetId", "state"}
            if extra or sheet.get("state", "visible") not in ("visible", "hidden", "veryHidden"):
                raise Unsupported("sheet entry openpyxl refuses")
            int(sheet.get("sheetId", "0"))  # ValueError: openpyxl refuses it too
            found.append((sheet.get("name"), sheet.get(_REL_ID)))
    return found


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None:
        return []
    strings: list[str] = []
    for si in _stream(archive, part, MAIN + "si"):
        strings.append(_text(si).replace("x005F_", ""))
        si.clear()
    return strings


def _text(node) -> str:
    """openpyxl's Text.from_tree(node).content: the <t> (the last one), then each run's <t>."""
    if any(not k.startswith("{") for k in node.attrib):
        raise Unsupported("attribute on a string")
    plain = None
    runs: list[str] = []
    for child in node:
        tag = child.tag
        if tag not in _TEXT_PARTS:
            raise Unsupported("unexpected element in a string")
        if tag == MAIN + "t":
            plain = child.text
        elif tag == MAIN + "r":
            text = None
            for part in child:
                if part.tag == MAIN + "t":
                    text = part.text
                elif part.tag != MAIN + "rPr":
                    raise Unsupported("unexpected element in a run")
            if text is not None:
                runs.append(text)
    return (plain or "") + "".join(runs)


def _styles(archive: zipfile.ZipFile) -> tuple[list[str], set[int]]:
    """The number format of each cell style (index = the cells' s attribute), and the styles that make dates."""
    try:
        root = _xml(archive, _STYLES)
    except KeyError:
        raise Unsupported("no styles part") from None
    custom: dict[int, str] = {}
    styles: list[int] | None = None
    for child in root:
        tag = _local(child.tag)
        if tag == "numFmts":
            for fmt in child:
                if _local(fmt.tag) == "numFmt":
                    code = fmt.get("formatCode")
                    if code is None:
                        raise Unsupported("number format without a code")
                    custom[int(fmt.get("numFmtId"))] = code
        elif tag == "cellXfs":
            styles = [int(xf.get("numFmtId", "0")) for xf in child if _local(xf.tag) == "xf"]
    if not styles:
        raise Unsupported("no cell styles")
    formats: list[str] = []
    dates: set[int] = set()
    for index, fmt_id in enumerate(styles):
        if fmt_id in custom:
            fmt = custom[fmt_id]
        elif 0 <= fmt_id < _FIRST_CUSTOM:
            fmt = BUILTIN_FORMATS.get(fmt_id)
        else:
            raise Unsupported("number format id that is not defined")
        if is_date_format(fmt):
            dates.add(index)
        formats.append(fmt if fmt is not None else "General")
    return formats, dates


def _stream(archive: zipfile.ZipFile, part: str, *tags: str):
    """Each element of a part with one of ``tags``, when it ends, read in chunks (the caller clears what it is
    done with)."""
    parser = XMLPullParser(events=("end",))
    tail = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
                raise Unsupported("DTD in a part")  # left to openpyxl, whatever it makes of entities
            tail = chunk[-16:]
            parser.feed(chunk)
            for _, element in parser.read_events():
                if element.tag in tags:
                    yield element
                elif element.tag == _LINKS:
                    raise Unsupported("hyperlinks")  # openpyxl writes a link's target into an empty cell
        parser.close()
        for _, element in parser.read_events():
            if element.tag in tags:
                yield element


def _cell_ref(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    if m is None:
        raise Unsupported(f"cell reference {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    if col > MAX_COLUMN:
        raise Unsupported(f"cell reference {ref!r}")
    return int(m.group(2)), col


def _merge_ref(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r0, c0 = _cell_ref(first)
    r1, c1 = _cell_ref(last) if last else (r0, c0)
    if r1 < r0 or c1 < c0:
        raise Unsupported("merged range written backwards")
    return r0, c0, r1, c1


def _cast_number(value: str):
    """openpyxl.worksheet._reader._cast_number."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def _read_sheet(archive, part: str, title: str, strings: list[str], formats: list[str], dates: set[int]):
    values: dict[tuple[int, int], object] = {}
    styles: dict[tuple[int, int], int] = {}
    merges: list[tuple[int, int, int, int]] = []
    row_number = 0
    for element in _stream(archive, part, _ROW, _MERGES):
        if element.tag == _MERGES:
            # the last <mergeCells> counts, as in openpyxl
            merges = [_merge_ref(m.get("ref") or "") for m in element if _local(m.tag) == "mergeCell"]
            continue
        r = element.get("r")
        if r is None:
            row_number += 1
        elif r.isascii() and r.isdigit() and int(r) >= 1:
            row_number = int(r)
        else:
            raise Unsupported(f"row number {r!r}")
        column = 0
        for cell in element:
            if cell.tag != _CELL:
                raise Unsupported("element in a row that is not a cell")
            ref = cell.get("r")
            if ref:
                row, column = _cell_ref(ref)
            else:
                column += 1
                row = row_number
            kind = cell.get("t", "n")
            style = cell.get("s", 0)
            if style:
                style = int(style)
                if not 0 <= style < len(formats):
                    raise Unsupported("style index beyond the styles")
            if kind == "inlineStr":
                child = cell.find(_INLINE)
                value = _text(child) if child is not None else None
            else:
                value = cell.findtext(_VALUE, None) or None
                if value is not None:
                    if kind == "n":
                        if style in dates:
                            raise Unsupported("a date")
                        value = _cast_number(value)
                    elif kind == "s":
                        value = strings[int(value)]
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        raise Unsupported("an ISO 8601 date")
            if value is None or value == "":
                values.pop((row, column), None)  # a later cell at the same place replaces the earlier one
                styles.pop((row, column), None)
                continue
            values[(row, column)] = value
            if isinstance(value, (int, float)):
                styles[(row, column)] = style
            else:
                styles.pop((row, column), None)
        element.clear()
    # openpyxl keeps the value of a merged range's top-left cell only
    covered: set[tuple[int, int]] = set()
    merges = sorted(set(merges))  # openpyxl keeps them as a set
    for r0, c0, r1, c1 in merges:
        for rr in range(r0, r1 + 1):
            for cc in range(c0, c1 + 1):
                if (rr, cc) in covered:
                    raise Unsupported("overlapping merged ranges")
                covered.add((rr, cc))
                if (rr, cc) != (r0, c0):
                    values.pop((rr, cc), None)
                    styles.pop((rr, cc), None)
    return SheetCells(title, values, {at: formats[s] for at, s in styles.items()}, merges)


__all__ = ["SheetCells", "Unsupported", "is_date_format", "read_sheets"]

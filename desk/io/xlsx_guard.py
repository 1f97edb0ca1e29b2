"""Bounds on a workbook before openpyxl reads it.

A workbook is a zip of XML parts; a few kilobytes can describe a merged
range of 17 billion cells (``A1:XFD1048576``), which openpyxl would expand
into one object per cell. Before anything is loaded, the package is read
as it is stored: the number and size of its parts, the sheets, and in each
sheet's XML (streamed, never held whole) the dimension, every merged range
and every cell reference. Anything beyond what a real table needs is
refused with a Chinese message that names the sheet and the range.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import XMLPullParser, ParseError

from desk.errors import InputError


@dataclass(frozen=True)
class WorkbookLimits:
    columns: int = 200
    rows: int = 50_000  # a 指标明细 of 1,000 tables (the cells below bound the work whatever the shape)
    sheets: int = 1_000  # our own export of 998 tables (a sheet each, then 指标明细 and 按单位汇总)
    cells: int = 300_000  # stored cells in the whole workbook
    merges: int = 20_000
    parts: int = 2_000  # files inside the package
    unpacked: int = 64 * 2**20  # bytes of all parts, unpacked
    ratio: int = 200  # unpacked / packed of one part (zip bombs are far beyond)


LIMITS = WorkbookLimits()
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_CHUNK = 1 << 16


class WorkbookError(InputError):
    """The file cannot be read as a workbook of tables."""


class WorkbookTooLargeError(WorkbookError):
    """The workbook is beyond what a table can need; nothing was read."""


# What reading a damaged package raises, from the zip layer to the inflater.
_DAMAGED = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, RuntimeError, ValueError,
            KeyError, UnicodeError)


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _cell(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref.strip().upper())
    return (int(m.group(2)), _column(m.group(1))) if m else None


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → the sheet's title, as far as the workbook part says (for messages)."""
    names: dict[str, str] = {}
    try:
        book = archive.open("xl/workbook.xml").read(2 * 2**20).decode("utf-8", "replace")
        rels = archive.open("xl/_rels/workbook.xml.rels").read(2 * 2**20).decode("utf-8", "replace")
    except KeyError:  # no such part: the sheets keep their part names in messages
        return names
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    for title, rid in re.findall(r'<(?:\w+:)?sheet\b[^>]*name="([^"]*)"[^>]*r:id="([^"]+)"', book):
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[part] = title
    return names


def check_workbook(data: bytes, name: str, limits: WorkbookLimits = LIMITS) -> bool:
    """Refuse a workbook beyond what a table needs, before it is loaded (raises WorkbookTooLargeError),
    or one whose package cannot be read (InputError saying it is damaged).

    Returns whether every sheet's XML is well formed; a sheet that is not is left to openpyxl, which names
    the place where it breaks."""
    try:
        return _check(data, name, limits)
    except _DAMAGED as exc:
        raise WorkbookError(f"“{name}”已损坏，无法读取（{type(exc).__name__}）。文件未导入任何内容。") from None


def _check(data: bytes, name: str, limits: WorkbookLimits) -> bool:
    archive = zipfile.ZipFile(io.BytesIO(data))
    with archive:
        infos = check_parts(archive, name, limits, "Excel 表格文件")
        sheets = [i for i in infos if _SHEET.match(i.filename)]
        if len(sheets) > limits.sheets:
            raise WorkbookTooLargeError(f"“{name}”有 {len(sheets)} 张工作表，超过了 {limits.sheets} 张的上限，未读取。")
        titles = _sheet_names(archive)
        counts = {"cells": 0, "merges": 0, "merged": 0}
        well_formed = True
        for info in sheets:
            well_formed &= _check_sheet(archive, info, titles.get(info.filename, info.filename), name, limits, counts)
        return well_formed


def check_parts(archive: zipfile.ZipFile, name: str, limits: WorkbookLimits, what: str) -> list[zipfile.ZipInfo]:
    """Refuse a package (xlsx or docx) with too many parts, too many bytes unpacked, or a zip bomb's ratio."""
    infos = archive.infolist()
    if len(infos) > limits.parts:
        raise WorkbookTooLargeError(f"“{name}”包含 {len(infos)} 个部件，不像是一个{what}，未读取。")
    total = sum(i.file_size for i in infos)
    if total > limits.unpacked:
        raise WorkbookTooLargeError(
            f"“{name}”解压后有 {total // 2**20} MB，超过了 {limits.unpacked // 2**20} MB 的上限，未读取。")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > limits.ratio and info.file_size > 2**20:
            raise WorkbookTooLargeError(f"“{name}”中的“{info.filename}”压缩比异常（可能是压缩炸弹），未读取。")
    return infos


def _check_sheet(archive, info, title: str, name: str, limits: WorkbookLimits, counts: dict) -> bool:
    def beyond(what: str, ref: str) -> WorkbookTooLargeError:
        return WorkbookTooLargeError(
            f"“{name}”的工作表“{title}”中{what}“{ref}”超出了绩效目标表可能用到的范围"
            f"（{limits.columns} 列 × {limits.rows} 行），未读取。请删除多余的行列后另存再导入。")

    def check_ref(what: str, ref: str) -> int:
        """Refuse a reference beyond the limits; returns the number of cells it covers."""
        corners = [c for c in (_cell(part) for part in ref.split(":")) if c is not None]
        for row, col in corners:
            if row > limits.rows or col > limits.columns:
                raise beyond(what, ref)
        if len(corners) == 2:
            (r1, c1), (r2, c2) = corners
            return (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
        return 1

    parser = XMLPullParser(events=("start",))
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                parser.feed(chunk)
                for _, element in parser.read_events():
                    tag = element.tag.rsplit("}", 1)[-1]
                    if tag == "c":
                        counts["cells"] += 1
                        if counts["cells"] > limits.cells:
                            raise WorkbookTooLargeError(
                                f"“{name}”的单元格超过了 {limits.cells} 个（在工作表“{title}”），未读取。")
                        ref = element.get("r")
                        if ref:
                            check_ref("单元格", ref)
                    elif tag == "mergeCell":
                        counts["merges"] += 1
                        if counts["merges"] > limits.merges:
                            raise WorkbookTooLargeError(f"“{name}”的合并单元格超过了 {limits.merges} 处，未读取。")
                        counts["merged"] += check_ref("合并单元格", element.get("ref") or "")
                        if counts["merged"] > limits.cells:  # openpyxl makes an object for each merged cell
                            raise WorkbookTooLargeError(
                                f"“{name}”的合并单元格共覆盖超过 {limits.cells} 个单元格（在工作表“{title}”），未读取。")
                    elif tag == "dimension":
                        check_ref("使用范围", element.get("ref") or "")
                    element.clear()
    except ParseError:
        return False  # damaged XML: openpyxl reports the file as damaged
    return True


__all__ = ["LIMITS", "check_parts", "WorkbookError", "WorkbookLimits", "WorkbookTooLargeError", "check_workbook"]

"""Hostile inputs, by class, generated from a seed: what offices' files, workbooks and JSON can be.

Each generator yields ``Case(name, path)`` objects for one class; the files are written into a folder.
The classes:

- ``db_truncated``, ``db_flipped``: a real office file cut short, or with bytes changed;
- ``db_schema``: views, triggers, generated columns, extra, renamed or missing columns and tables;
- ``db_rows``: rows a SQLite tool could write: huge or broken text, amounts out of range, bad JSON in
  columns, history snapshots that are bombs, broken or about another table;
- ``db_cross_office``: office A's file carrying office B's unit and tables;
- ``xlsx_bombs``: workbooks with huge merged ranges, far cells, many sheets, zip bombs, broken XML;
- ``docx_bombs``: Word documents with huge spans, too many rows or cells, zip bombs, broken or entity-laden
  XML, tables nested deep, a missing body, a macro document's content type, cut short or with bytes changed;
- ``json_bombs``: interchange JSON nested deep, with huge or non-finite numbers, lone surrogates,
  wrong types anywhere.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    path: Path


# ---------------------------------------------------------------- .db files

def _edit(base: Path, target: Path, *statements: str, params=()) -> Path:
    """A copy of ``base`` changed by SQL, as a SQLite tool would (schema edits allowed)."""
    shutil.copyfile(base, target)
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA writable_schema=ON")
        for i, sql in enumerate(statements):
            conn.execute(sql, params[i] if i < len(params) else ())
        conn.commit()
    finally:
        conn.close()
    return target


def db_truncated(base: Path, folder: Path, rng: random.Random, count: int):
    data = base.read_bytes()
    for i in range(count):
        cut = rng.choice([rng.randrange(len(data)), rng.randrange(100), len(data) - rng.randrange(1, 4096)])
        path = folder / f"truncated-{i}.db"
        path.write_bytes(data[:max(0, cut)])
        yield Case("db_truncated", f"cut at {cut}", path)


def db_flipped(base: Path, folder: Path, rng: random.Random, count: int):
    data = base.read_bytes()
    for i in range(count):
        raw = bytearray(data)
        flips = rng.choice([1, 1, 2, 8, 64])
        where = []
        for _ in range(flips):
            at = rng.randrange(len(raw))
            raw[at] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
            where.append(at)
        path = folder / f"flipped-{i}.db"
        path.write_bytes(bytes(raw))
        yield Case("db_flipped", f"bytes {where[:4]}", path)


SCHEMA_EDITS = {
    "recursive view": [
        "DROP TABLE department_tasks",
        "CREATE VIEW department_tasks(department_uid, position, name, content, total, fiscal, other) AS "
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT 'x', n, 'n', 'c', 0, 0, 0 FROM r"],
    "generated column": [
        "CREATE TABLE extra(a INTEGER, b BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL)",
        "INSERT INTO extra(a) VALUES (1)"],
    "generated column in a table of ours": [
        "ALTER TABLE units ADD COLUMN big BLOB GENERATED ALWAYS AS (zeroblob(500000000)) VIRTUAL"],
    "trigger": ["CREATE TRIGGER t AFTER INSERT ON units BEGIN DELETE FROM projects; END"],
    "extra column": ["ALTER TABLE projects ADD COLUMN note TEXT"],
    "extra table": ["CREATE TABLE notes(x TEXT)"],
    "view": ["CREATE VIEW v AS SELECT * FROM projects"],
    "index on an expression": ["CREATE INDEX big ON projects(length(usage) * 2)"],
    "dropped index": ["DROP INDEX projects_unit_year"],
    "renamed column": ["ALTER TABLE projects RENAME COLUMN usage TO purpose"],
    "dropped table": ["DROP TABLE reviews"],
    "schema text edited": ["UPDATE sqlite_master SET sql = replace(sql, 'name TEXT NOT NULL', 'name TEXT') "
                           "WHERE name = 'units'"],
}


def db_schema(base: Path, folder: Path, rng: random.Random, count: int):
    names = list(SCHEMA_EDITS)
    for i in range(count):
        name = names[i % len(names)]
        path = folder / f"schema-{i}.db"
        try:
            _edit(base, path, *SCHEMA_EDITS[name])
        except sqlite3.DatabaseError:
            continue  # an edit this SQLite refuses to make
        yield Case("db_schema", name, path)


def _bomb(size: int) -> bytes:
    return zlib.compress(b"{" + b" " * size + b"}", 9)


def _deep_json(depth: int) -> bytes:
    return zlib.compress(b"[" * depth + b"]" * depth)


ROW_EDITS = {
    "huge text": ("UPDATE projects SET usage = ? WHERE rowid = 1", lambda rng: ("长" * rng.choice([30_000, 2_000_000]),)),
    "amount out of range": ("UPDATE projects SET budget_total = ? WHERE rowid = 1",
                            lambda rng: (rng.choice([10**18, -10**18, 2**63 - 1]),)),
    "text that is not UTF-8": ("UPDATE projects SET name = CAST(? AS TEXT) WHERE rowid = 1",
                               lambda rng: (bytes([0xff, 0xfe, rng.randrange(256)]),)),
    "bad JSON in a column": ("UPDATE projects SET goals = ? WHERE rowid = 1",
                             lambda rng: (rng.choice(["[", "{\"a\": 1}", "[" * 5000 + "]" * 5000, "[1e400]", "null"]),)),
    "bad plan points": ("UPDATE projects SET plan_points = ? WHERE rowid = 1",
                        lambda rng: (rng.choice(["[\"x\", null]", "[1e999]", "\"30\"", "[[[[]]]]", "[NaN]"]),)),
    "history zip bomb": ("UPDATE history SET snapshot = ? WHERE id = 1",
                         lambda rng: (_bomb(rng.choice([20 * 2**20, 60 * 2**20])),)),
    "history not compressed": ("UPDATE history SET snapshot = ? WHERE id = 1",
                               lambda rng: (bytes(rng.randrange(256) for _ in range(64)),)),
    "history nested JSON": ("UPDATE history SET snapshot = ? WHERE id = 1", lambda rng: (_deep_json(100_000),)),
    "history of another table": ("UPDATE history SET uid = 'not-this-one' WHERE id = 1", lambda rng: ()),
    "history blob far too big": ("UPDATE history SET snapshot = ? WHERE id = 1",
                                 lambda rng: (bytes(rng.randrange(256) for _ in range(2 * 2**20)),)),
    "negative revision": ("UPDATE projects SET revision = -5 WHERE rowid = 1", lambda rng: ()),
    "year out of range": ("UPDATE projects SET year = ? WHERE rowid = 1", lambda rng: (rng.choice([0, 99999, -1]),)),
    "too many indicators": (
        "INSERT INTO indicators(project_uid, position, level1, level2, name, description, comparator, value, unit,"
        " basis) SELECT (SELECT uid FROM projects LIMIT 1), 1000 + value, '产出指标', '数量指标', 'x' || value, '',"
        " '', '1', '', '' FROM generate_series(1, 2500)", lambda rng: ()),
    "unit code too long": ("UPDATE units SET code = ? WHERE rowid = 1", lambda rng: ("9" * 5000,)),
    "huge written value": ("UPDATE indicators SET text = ? WHERE rowid = 1",
                           lambda rng: ("≥" + "9" * rng.choice([30_000, 2_000_000]) + "%",)),
    "bad extra rows": ("UPDATE projects SET extra = ? WHERE rowid = 1",
                       lambda rng: (rng.choice(["[", "[[1, 2]]", "[[\"a\"]]", "{\"ab\": 1}", "5", "[" * 5000 + "]" * 5000,
                                                "[[\"项目绩效模板\", null]]"]),)),
    "too many extra rows": ("UPDATE projects SET extra = ? WHERE rowid = 1",
                            lambda rng: ("[" + ",".join(["[\"a\", \"b\"]"] * rng.choice([101, 200_000])) + "]",)),
    "number out of range": ("UPDATE projects SET number = ? WHERE rowid = 1",
                            lambda rng: (rng.choice([-1, 10**9, 2**63 - 1]),)),
}


def db_rows(base: Path, folder: Path, rng: random.Random, count: int):
    names = list(ROW_EDITS)
    for i in range(count):
        name = names[i % len(names)]
        sql, params = ROW_EDITS[name]
        path = folder / f"rows-{i}.db"
        statements = [sql]
        if "generate_series" in sql:  # not every SQLite has it: insert the rows one by one instead
            statements = [sql.split(" SELECT ")[0] + " VALUES (" + ", ".join("?" * 10) + ")"] * 2500
            uid = sqlite3.connect(base).execute("SELECT uid FROM projects LIMIT 1").fetchone()[0]
            rows = [(uid, 1000 + k, "产出指标", "数量指标", f"x{k}", "", "", "1", "", "") for k in range(2500)]
            try:
                _edit(base, path, *statements, params=rows)
            except sqlite3.DatabaseError:
                continue
        else:
            try:
                _edit(base, path, sql, params=[params(rng)])
            except (sqlite3.DatabaseError, OverflowError):
                continue
        yield Case("db_rows", name, path)


# ---------------------------------------------------------------- workbooks

def _workbook(rows: int = 3) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "表1"
    ws.append(["1. 维稳经费项目绩效目标表"])
    for r in range(rows):
        ws.append(["项目编码", f"P{r}", "项目名称", "维稳经费"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _repack(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for n, b in parts.items():
            w.writestr(n, b)
    return out.getvalue()


def _edited(base: bytes, change, rng: random.Random) -> bytes:
    """The package with ``change`` made to its parts, and in 3 cases of 10 a random byte changed besides."""
    data = _repack(base, change)
    if rng.random() < 0.3:
        raw = bytearray(data)
        raw[rng.randrange(len(raw))] ^= 0xFF
        data = bytes(raw)
    return data


def _part_edit(key: str, old: str, new: str):
    """A change of one package part: the first ``old`` in it replaced by ``new``."""
    def change(parts):
        parts[key] = parts[key].decode("utf-8").replace(old, new, 1).encode("utf-8")
    return change


def _sheet_edit(old: str, new: str):
    return _part_edit("xl/worksheets/sheet1.xml", old, new)


def _many_sheets(parts):
    sheet = parts["xl/worksheets/sheet1.xml"]
    for k in range(2, 400):
        parts[f"xl/worksheets/sheet{k}.xml"] = sheet


XLSX_EDITS = {
    "merged range of the whole sheet": _sheet_edit("</sheetData>", '</sheetData><mergeCells count="1">'
                                                   '<mergeCell ref="A1:XFD1048576"/></mergeCells>'),
    "many merged ranges": _sheet_edit("</sheetData>", "</sheetData><mergeCells>" + "".join(
        f'<mergeCell ref="A{r}:GR{r}"/>' for r in range(1, 4000, 2)) + "</mergeCells>"),
    "a cell far away": _sheet_edit("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                   "<is><t>x</t></is></c></row></sheetData>"),
    "dimension of the whole sheet": _sheet_edit("<sheetData", '<dimension ref="A1:XFD1048576"/><sheetData'),
    "many sheets": _many_sheets,
    "zip bomb": lambda parts: parts.__setitem__("xl/worksheets/sheet1.xml", b" " * (80 * 2**20)),
    "broken XML": _sheet_edit("</sheetData>", "<row><c></sheetData>"),
    "entity expansion": lambda parts: parts.__setitem__(
        "xl/sharedStrings.xml", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">'.encode() for k in range(8))
        + b']><sst><si><t>&i;</t></si></sst>'),
    "many cells": _sheet_edit("</sheetData>", "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDEFGHIJKLMNOPQRST") + "</row>"
        for r in range(10, 4990)) * 4 + "</sheetData>"),
}


def xlsx_bombs(folder: Path, rng: random.Random, count: int):
    base = _workbook()
    names = list(XLSX_EDITS)
    for i in range(count):
        name = names[i % len(names)]
        path = folder / f"book-{i}.xlsx"
        path.write_bytes(_edited(base, XLSX_EDITS[name], rng))
        yield Case("xlsx_bombs", name, path)


# ---------------------------------------------------------------- Word documents

def _document() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("1. 维稳经费项目绩效目标表")
    table = doc.add_table(rows=3, cols=4)
    for r, row in enumerate([["项目编码", "P1", "项目名称", "维稳经费"], ["一级指标", "二级指标", "三级指标", "指标值"],
                             ["产出指标", "数量指标", "排查次数", "≥12次"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 1))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _body_edit(old: str, new: str):
    return _part_edit("word/document.xml", old, new)


def _row(k: int) -> str:  # rows that differ, so the part compresses as a real one does (no zip-bomb ratio)
    return f"<w:tr><w:tc><w:p><w:r><w:t>{k}-{(k * 2654435761) % 2**32:x}</w:t></w:r></w:p></w:tc></w:tr>"



DOCX_EDITS = {
    "huge span": _body_edit("<w:tc>", '<w:tc><w:tcPr><w:gridSpan w:val="99999999"/></w:tcPr>'),
    "span that is not a number": _body_edit("<w:tc>", '<w:tc><w:tcPr><w:gridSpan w:val="-3"/></w:tcPr>'),
    "huge gridBefore": _body_edit("<w:tr>", '<w:tr><w:trPr><w:gridBefore w:val="5000"/></w:trPr>'),
    "many rows": _body_edit("</w:tbl>", "".join(_row(k) for k in range(25_000)) + "</w:tbl>"),
    "many cells in a row": _body_edit("</w:tbl>", "<w:tr>" + "<w:tc><w:p/></w:tc>" * 260 + "</w:tr></w:tbl>"),
    "many paragraphs": _body_edit("<w:sectPr", "".join(f"<w:p><w:r><w:t>{(k * 2654435761) % 2**32:x}</w:t></w:r></w:p>"
                                                        for k in range(210_000)) + "<w:sectPr"),
    "tables nested deep": _body_edit("</w:tbl>", "<w:tr><w:tc>" + "<w:tbl><w:tr><w:tc>" * 400 + "<w:p/>"
                                     + "</w:tc></w:tr></w:tbl>" * 400 + "<w:p/></w:tc></w:tr></w:tbl>"),
    "continued merge with no start": _body_edit("<w:tc>", "<w:tc><w:tcPr><w:vMerge/></w:tcPr>"),
    "zip bomb": lambda parts: parts.__setitem__("word/document.xml", b" " * (80 * 2**20)),
    "broken XML": _body_edit("</w:body>", "<w:p><w:r></w:body>"),
    "entity expansion": lambda parts: parts.__setitem__(
        "word/document.xml", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">'.encode() for k in range(8))
        + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
          b'<w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>'),
    "no body part": lambda parts: parts.pop("word/document.xml"),
    "a macro document": lambda parts: parts.__setitem__("[Content_Types].xml", parts["[Content_Types].xml"].replace(
        b"document.main+xml", b"document.macroEnabled.main+xml")),
    "many parts": lambda parts: parts.update({f"word/media/image{k}.png": b"x" for k in range(3_100)}),
}


def docx_bombs(folder: Path, rng: random.Random, count: int):
    base = _document()
    names = list(DOCX_EDITS) + ["cut short", "bytes changed"]
    for i in range(count):
        name = names[i % len(names)]
        path = folder / f"doc-{i}.docx"
        if name == "cut short":
            data = base[: rng.randrange(1, len(base))]
        elif name == "bytes changed":
            raw = bytearray(base)
            for _ in range(rng.randint(1, 20)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            data = bytes(raw)
        else:
            data = _edited(base, DOCX_EDITS[name], rng)
        path.write_bytes(data)
        yield Case("docx_bombs", name, path)


# ---------------------------------------------------------------- JSON

def _mutate(value, rng: random.Random, depth: int = 0):
    """Replace a random part of a JSON value with something of the wrong shape."""
    strange = ["", None, True, 1e308, -1, 10**40, "１２", "\u202e", [], {}, "x" * 1000, 3.5, "1e400", "NaN"]
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        value = dict(value)
        value[key] = _mutate(value[key], rng, depth + 1)
        return value
    if isinstance(value, list) and value and rng.random() < 0.8:
        value = list(value)
        i = rng.randrange(len(value))
        value[i] = _mutate(value[i], rng, depth + 1)
        return value
    return rng.choice(strange)


def json_bombs(base: dict, folder: Path, rng: random.Random, count: int):
    raw_cases = {
        "nested 1,000 deep": "[" * 1000 + "]" * 1000,
        "nested 200,000 deep": '{"format":"desk","version":1,"units":' + "[" * 200_000 + "]" * 200_000 + "}",
        "30-digit amount": None,
        "1e400": None,
        "lone surrogate": None,
        "NaN": None,
        "huge integer": None,
    }
    text = json.dumps(base, ensure_ascii=False)
    raw_cases["30-digit amount"] = text.replace('"770000.00"', '"123456789012345678901234567890.00"', 1)
    raw_cases["1e400"] = text.replace('"770000.00"', "1e400", 1)
    raw_cases["lone surrogate"] = text.replace("城镇社区工作经费", "\\ud800x", 1)
    raw_cases["NaN"] = text.replace("30", "NaN", 1)
    raw_cases["huge integer"] = text.replace('"year": 2023', '"year": ' + "9" * 5000, 1)
    names = list(raw_cases)
    for i in range(count):
        path = folder / f"in-{i}.json"
        if i < len(names):
            name = names[i]
            path.write_text(raw_cases[name], "utf-8", errors="surrogatepass")
        else:
            name = "a value of the wrong shape"
            path.write_text(json.dumps(_mutate(base, rng), ensure_ascii=False), "utf-8", errors="surrogatepass")
        yield Case("json_bombs", name, path)


# ---------------------------------------------------------------- office A's file carrying office B's content

def db_cross_office(a: Path, b: Path, folder: Path, rng: random.Random, count: int):
    """Office A's file, changed outside the program to carry what belongs to office B.

    Yields (Case, uids A may legitimately change).
    """
    from dataclasses import replace
    from decimal import Decimal

    from desk.domain.model import Budget, Unit
    from desk.store import Store

    with Store.open(b, readonly=True) as store:
        b_unit = store.unit()
        b_tables = store.projects()
    for i in range(count):
        path = folder / f"cross-{i}.db"
        shutil.copyfile(a, path)
        what = []
        with Store.open(path, readonly=False) as store:
            mine = store.projects()
            if rng.random() < 0.6:
                store.add_unit(Unit(b_unit.code, f"被改掉的名字{i}"), rename=True)
                what.append("B's unit renamed")
            if rng.random() < 0.7:
                victim = rng.choice(b_tables)
                store.add_unit(b_unit, rename=False)
                store.save_project(replace(victim, budget=Budget(Decimal(rng.randrange(1, 10**6)), None, None)))
                what.append("B's table changed")
            if rng.random() < 0.4:
                store.add_unit(Unit("439099", "不存在的单位"), rename=False)
                what.append("a third unit")
            if rng.random() < 0.5:
                own = rng.choice(mine)
                store.save_project(replace(own, usage=f"A 自己的修改{i}"))
                what.append("A's own table changed")
        yield Case("db_cross_office", " + ".join(what) or "unchanged", path), {p.uid for p in mine}

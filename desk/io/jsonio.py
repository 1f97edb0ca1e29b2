"""The interchange JSON file (DESIGN.md §4), version 1.

``dumps`` writes a document; ``loads`` checks a JSON text and turns it back
into domain objects, reporting the first problem with its place in Chinese.
Neither touches the ``.db`` file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from desk.domain.codec import (
    JsonShapeError, Reader, department_to_dict, project_to_dict, read_department, read_project,
)
from desk.domain.model import DepartmentPlan, Project, Unit

FORMAT = "desk"
VERSION = 1


@dataclass(frozen=True)
class Document:
    units: tuple[Unit, ...]
    projects: tuple[Project, ...]
    departments: tuple[DepartmentPlan, ...]


def dump_document(doc: Document) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "units": [{"code": u.code, "name": u.name} for u in doc.units],
        "projects": [project_to_dict(p) for p in doc.projects],
        "departments": [department_to_dict(d) for d in doc.departments],
    }


def parse_document(data) -> Document:
    root = Reader(data, "$")
    root.obj()
    if root.get("format", str) != FORMAT:
        root.fail(f"应为 “{FORMAT}”", "format")
    version = root.get("version", int)
    if version > VERSION:
        raise JsonShapeError(f"JSON 文件版本为 {version}，本程序只认识到版本 {VERSION}，请升级程序")
    if version < 1:
        root.fail("无效", "version")
    units = []
    codes: set[str] = set()
    for u in root.items("units", required=True):
        u.obj()
        code = u.get("code", str).strip()
        if not code:
            u.fail("不能为空", "code")
        if code in codes:
            u.fail(f"单位编码“{code}”重复", "code")
        codes.add(code)
        units.append(Unit(code=code, name=u.get("name", str)))
    projects = [read_project(p, codes) for p in root.items("projects")]
    departments = [read_department(d, codes) for d in root.items("departments")]
    seen: dict[str, str] = {}
    for kind, items in (("projects", projects), ("departments", departments)):
        for i, item in enumerate(items):
            where = f"$.{kind}[{i}].uid"
            if item.uid in seen:
                raise JsonShapeError(f"JSON 内容有误：{where} 与 {seen[item.uid]} 重复（{item.uid}）")
            seen[item.uid] = where
    return Document(units=tuple(units), projects=tuple(projects), departments=tuple(departments))


def dumps(doc: Document) -> str:
    return json.dumps(dump_document(doc), ensure_ascii=False, indent=2) + "\n"


MAX_TEXT = 100 * 2**20  # characters in one JSON file
MAX_DEPTH = 32  # our documents nest six levels deep
MAX_STRING = 100_000  # characters in one value


def load_json(text: str, *, source: str = "JSON"):
    """Parse JSON from another program or person, bounded: size, nesting, numbers, valid Unicode.

    Numbers stay exact (Decimal); NaN and Infinity are refused; every
    problem is one Chinese sentence naming the place.
    """
    if len(text) > MAX_TEXT:
        raise JsonShapeError(f"{source} 有 {len(text) // 2**20} MB，超过了 {MAX_TEXT // 2**20} MB 的上限")
    depth = _max_depth(text)
    if depth > MAX_DEPTH:
        raise JsonShapeError(f"{source} 的嵌套层数超过了 {MAX_DEPTH} 层，不是本程序的交换文件")

    def refuse_constant(name: str):
        raise JsonShapeError(f"{source} 中有 {name}，不是有效的数值")

    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonShapeError(f"{source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{_json_reason(exc.msg)}") from None
    except (ValueError, RecursionError):  # e.g. an integer of thousands of digits
        raise JsonShapeError(f"{source} 中有无法读取的数值") from None
    _check_values(data, "$", source)
    return data


def _max_depth(text: str) -> int:
    """How deep brackets nest, outside strings (before parsing, so a bomb never reaches the parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _check_values(value, path: str, source: str) -> None:
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise JsonShapeError(f"{source} 的 {path} 有 {len(value)} 个字，超过了 {MAX_STRING} 个字的上限")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise JsonShapeError(f"{source} 的 {path} 中有无效的字符（不成对的代理字符）") from None
    elif isinstance(value, Decimal):
        if not value.is_finite() or abs(value.adjusted()) > 30:
            raise JsonShapeError(f"{source} 的 {path} 的数值“{value}”超出范围")
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**30:
            raise JsonShapeError(f"{source} 的 {path} 的数值过大")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_values(item, f"{path}[{i}]", source)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, path, source)
            _check_values(item, f"{path}.{key}", source)


def loads(text: str, *, source: str = "JSON") -> Document:
    return parse_document(load_json(text, source=source))


def _json_reason(msg: str) -> str:
    known = {
        "Expecting value": "此处缺少值",
        "Expecting ',' delimiter": "此处缺少逗号",
        "Expecting property name enclosed in double quotes": "属性名应使用双引号",
        "Unterminated string starting at": "字符串没有结束引号",
        "Extra data": "多余的内容",
        "Invalid control character at": "字符串中有无效的控制字符",
        "Expecting ':' delimiter": "此处缺少冒号",
    }
    for key, text in known.items():
        if msg.startswith(key):
            return text
    return "格式错误"

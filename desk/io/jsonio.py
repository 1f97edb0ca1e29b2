"""The interchange JSON file (DESIGN.md §4), version 1.

``dumps`` writes a document; ``loads`` checks a JSON text and turns it back
into domain objects, reporting the first problem with its place in Chinese.
Neither touches the ``.db`` file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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


def loads(text: str, *, source: str = "JSON") -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonShapeError(f"{source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{_json_reason(exc.msg)}") from None
    return parse_document(data)


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

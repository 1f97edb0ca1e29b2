"""Checks of a ``.db`` file before its rows are trusted.

Every file's schema must be exactly the schema its version declares: no
views, triggers, generated columns, extra or renamed columns. It is compared
as text with the schema the migrations produce, before any row is read, so
a hostile schema (a recursive view, a generated column that eats memory)
never runs. A file another installation sent (``Store.open_received``) is
then read through bounded checks: counts, text lengths, amounts, valid
UTF-8, history snapshots decompressed within a budget, digests. A failure
names the place in Chinese; nothing is written either way.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desk.domain.codec import department_from_dict, project_from_dict, project_reads_back, project_to_dict
from desk.domain.rules import table_label, validate
from desk.errors import DeskError
from desk.store import schema
from desk.store.errors import DamagedFileError


@dataclass(frozen=True)
class Limits:
    """What a real office's file can need, many times over; anything beyond is refused."""

    file_bytes: int = 200 * 2**20
    seconds: float = 30.0  # all checks of one file
    units: int = 5_000
    tables: int = 20_000
    rows_per_table: int = 2_000  # indicators or tasks of one table
    text: int = 20_000  # characters in one field
    history_rows: int = 500_000
    snapshot_bytes: int = 1 * 2**20  # one compressed history snapshot
    snapshot_text: int = 4 * 2**20  # the same, decompressed
    history_text: int = 512 * 2**20  # all snapshots of the file, decompressed


LIMITS = Limits()


class HostileFileError(DamagedFileError):
    """A file that is not what our program writes; refused before its content is used."""


# ---------------------------------------------------------------- schema

@lru_cache(maxsize=None)
def expected_schema(version: int) -> frozenset[tuple]:
    """(type, name, table, sql) of every object a file of ``version`` holds, as our migrations make them."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        for v in range(1, version + 1):
            schema.MIGRATIONS[v](conn)
        conn.execute("COMMIT")
        return frozenset(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


_KINDS = {"table": "数据表", "view": "视图", "trigger": "触发器", "index": "索引"}


def check_schema(conn: sqlite3.Connection, version: int, path: Path) -> None:
    """Refuse a file whose schema is not exactly the one of its declared version (read before any row)."""
    if version < 1 or version not in schema.MIGRATIONS:
        raise HostileFileError(path, f"数据格式版本“{version}”无效")
    try:
        found = frozenset(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    except (sqlite3.DatabaseError, ValueError):  # ValueError: schema text that is not UTF-8
        raise HostileFileError(path, "数据结构无法读取") from None
    expected = expected_schema(version)
    if found == expected:
        return
    extra = sorted(found - expected, key=lambda r: (r[0], r[1]))
    missing = sorted(expected - found, key=lambda r: (r[0], r[1]))
    named = lambda rows: "、".join(f"{_KINDS.get(r[0], r[0])} {r[1]}" for r in rows[:5])  # noqa: E731
    parts = []
    if extra:
        parts.append(f"多出或改动了{named(extra)}")
    if missing:
        parts.append(f"缺少或改动了{named(missing)}")
    raise HostileFileError(path, f"数据结构与本程序第 {version} 版的格式不符（{'；'.join(parts)}），为安全起见没有读取其中的内容")


# ---------------------------------------------------------------- rows of a received file

class _Budget:
    """A deadline for the checks of one file, enforced inside SQLite too (progress handler)."""

    def __init__(self, conn: sqlite3.Connection, seconds: float, path: Path):
        self.deadline = time.monotonic() + seconds
        self.path = path
        self.conn = conn
        conn.set_progress_handler(lambda: 1 if time.monotonic() > self.deadline else 0, 10_000)

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise HostileFileError(self.path, "检查文件内容超过了时间限制（文件过大或结构异常）")

    def close(self) -> None:
        self.conn.set_progress_handler(None, 0)


def _too_long(path: Path, where: str, text: str, limit: int) -> None:
    if isinstance(text, str) and len(text) > limit:
        raise HostileFileError(path, f"{where}有 {len(text)} 个字，超过了 {limit} 个字的上限")


def check_rows(store, limits: Limits = LIMITS) -> None:
    """Every row of a received file, read through bounded checks; raises HostileFileError naming the place."""
    path = store.path
    budget = _Budget(store._conn, limits.seconds, path)
    try:
        _check_rows(store, limits, budget)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise HostileFileError(path, "检查文件内容超过了时间限制（文件过大或结构异常）") from None
        raise HostileFileError(path, "内容无法读取（可能含有无效的文字编码）") from None
    except sqlite3.DatabaseError:
        raise HostileFileError(path, "内容无法读取") from None
    except (ValueError, TypeError, KeyError, RecursionError, UnicodeError, ArithmeticError):
        raise HostileFileError(path, "内容不符合本程序的格式") from None
    finally:
        budget.close()


def _count(store, table: str) -> int:
    return store._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _check_rows(store, limits: Limits, budget: _Budget) -> None:
    path = store.path
    for table, limit, label in (("units", limits.units, "单位"), ("projects", limits.tables, "项目表"),
                                ("departments", limits.tables, "部门整体表"), ("history", limits.history_rows, "历史版本")):
        n = _count(store, table)
        if n > limit:
            raise HostileFileError(path, f"{label}有 {n} 条，超过了 {limit} 条的上限")
    for table, column, label in (("indicators", "project_uid", "指标"), ("department_indicators", "department_uid", "指标"),
                                 ("department_tasks", "department_uid", "任务")):
        row = store._conn.execute(f"SELECT {column}, count(*) AS n FROM {table} GROUP BY {column}"
                                  " ORDER BY n DESC LIMIT 1").fetchone()
        if row is not None and row[1] > limits.rows_per_table:
            raise HostileFileError(path, f"一张表有 {row[1]} 条{label}，超过了 {limits.rows_per_table} 条的上限")
    for code, name in store._conn.execute("SELECT code, name FROM units"):
        _too_long(path, "单位编码", code, 100)
        _too_long(path, f"单位“{code}”的名称", name, 500)
    projects, departments = store.projects(), store.departments()
    items = [*projects, *departments]
    texts = not _texts_within(store, limits.text)
    for item in items:
        budget.check()
        _check_item(path, item, limits, texts=texts)
    damaged = store.damaged(items)
    if damaged:
        names = "、".join(f"“{name}”" for _, _, name in damaged[:5])
        raise HostileFileError(path, f"其中 {len(damaged)} 张表的内容已损坏（与校验值不符）：{names}")
    _check_history(store, limits, budget, {p.uid: p for p in projects})
    # every table's content has just been found to match its stored digest
    store.checked_digests = dict(store._conn.execute(
        "SELECT uid, digest FROM projects UNION ALL SELECT uid, digest FROM departments"))
    store.checked_tables = (projects, departments)


# Every text a table holds, column by column; a text kept in a JSON list (goals, header rows, the narrative)
# is never longer than the JSON it is written in.
_TEXT_COLUMNS = {
    "projects": ("name", "code", "usage", "goals", "extra"),
    "indicators": ("level1", "level2", "name", "description", "comparator", "value", "unit", "basis", "text"),
    "departments": ("name", "goals", "narrative"),
    "department_tasks": ("name", "content"),
    "department_indicators": ("level1", "level2", "name", "description", "comparator", "value", "unit", "basis",
                              "text"),
}


def _texts_within(store, limit: int) -> bool:
    """No text of any table is longer than ``limit`` (one query; when it says no, every text is measured
    one by one and the first one too long is named)."""
    parts = " UNION ALL ".join(
        f"SELECT max(max({', '.join(f'coalesce(length({c}), 0)' for c in columns)})) AS n FROM {table}"
        for table, columns in _TEXT_COLUMNS.items())
    longest = store._conn.execute(f"SELECT max(n) FROM ({parts})").fetchone()[0]
    return longest is None or longest <= limit


def _check_item(path: Path, item, limits: Limits, *, texts: bool = True) -> None:
    """``texts=False``: the caller has made sure no text of the table is longer than ``limits.text``."""
    where = table_label(item)
    try:
        validate(item)
    except DeskError as exc:
        raise HostileFileError(path, str(exc)) from None
    if not texts:
        if hasattr(item, "usage") and len(item.extra) > 100:
            raise HostileFileError(path, f"{where}有 {len(item.extra)} 个表样栏目，超过了 100 个的上限")
        if len(item.indicators) > limits.rows_per_table or len(item.goals) > limits.rows_per_table:
            raise HostileFileError(path, f"{where}的行数超过了 {limits.rows_per_table} 行的上限")
        return
    texts = [("名称", item.name)]
    texts += [(f"绩效目标{i + 1}", g) for i, g in enumerate(item.goals)]
    for i, ind in enumerate(item.indicators):
        texts += [(f"指标第{i + 1}行", value) for value in (ind.level1, ind.level2, ind.name, ind.description,
                                                          ind.comparator, ind.value, ind.unit, ind.basis, ind.text)]
    if hasattr(item, "usage"):
        texts += [("项目编码", item.code), ("资金用途", item.usage)]
        if len(item.extra) > 100:
            raise HostileFileError(path, f"{where}有 {len(item.extra)} 个表样栏目，超过了 100 个的上限")
        texts += [("表样栏目", x) for pair in item.extra for x in pair]
    if hasattr(item, "tasks"):
        texts += [(f"任务第{i + 1}行", t) for i, task in enumerate(item.tasks) for t in (task.name, task.content)]
        n = item.narrative
        texts += [("总体绩效目标", n.overall)] + [("分项绩效目标", x) for s in n.sub_goals
                                               for x in (s.title, s.goal, s.indicators)]
        texts += [("工作保障措施", m) for m in n.measures]
    if len(item.indicators) > limits.rows_per_table or len(item.goals) > limits.rows_per_table:
        raise HostileFileError(path, f"{where}的行数超过了 {limits.rows_per_table} 行的上限")
    for label, text in texts:
        _too_long(path, f"{where}的{label}", text, limits.text)


def _check_history(store, limits: Limits, budget: _Budget, checked: dict | None = None) -> None:
    """Every history snapshot: small when compressed and when not, valid JSON of a valid table, its own uid.

    ``checked``: uid → the file's projects, checked already. A snapshot that is exactly one of them (its latest
    revision, nearly always) is not read into a table a second time when the careful reading would accept it
    all the same (codec.project_reads_back).
    """
    path = store.path
    checked = checked or {}
    total = 0
    rows = store._conn.execute("SELECT id, kind, uid, revision, action, snapshot FROM history")
    for hid, kind, uid, revision, action, blob in rows:
        budget.check()
        where = f"历史记录第 {hid} 条"
        if kind not in ("project", "department") or not isinstance(blob, bytes):
            raise HostileFileError(path, f"{where}的类型无效")
        if len(blob) > limits.snapshot_bytes:
            raise HostileFileError(path, f"{where}有 {len(blob)} 字节，超过了上限")
        if action == "digests":  # older revisions reduced to 16-byte digests
            if len(blob) % 16 or revision != 0:
                raise HostileFileError(path, f"{where}（只保留校验值的早期版本）的长度无效")
            continue
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(blob, limits.snapshot_text)
        except zlib.error:
            raise HostileFileError(path, f"{where}不是有效的压缩数据") from None
        if inflater.unconsumed_tail or not inflater.eof:
            raise HostileFileError(path, f"{where}解压后过大或不完整")
        total += len(text)
        if total > limits.history_text:
            raise HostileFileError(path, "历史记录解压后总量过大")
        live = checked.get(uid) if kind == "project" else None
        if live is not None and live.revision == revision and _is_checked(text, live):
            continue
        try:
            data = json.loads(text.decode("utf-8"))
            item = project_from_dict(data) if kind == "project" else department_from_dict(data)
        except (DeskError, ValueError, UnicodeError, RecursionError) as exc:
            raise HostileFileError(path, f"{where}的内容无效（{exc}）" if isinstance(exc, DeskError)
                                   else f"{where}的内容无效") from None
        if item.uid != uid or item.revision != revision:
            raise HostileFileError(path, f"{where}与它所属的表不一致")
        # no text in it can be longer than the JSON it was read from
        _check_item(path, item, limits, texts=len(text) > limits.text)


def _is_checked(text: bytes, project) -> bool:
    """The snapshot reads as exactly ``project`` (a table of the file that passed its checks) and the careful
    reading (project_from_dict, uid and revision, _check_item) would accept it: same values, numbers of the types
    read_project asks for (JSON's 1, 1.0 and true compare equal in Python), and project_reads_back."""
    try:
        data = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError):
        return False  # the careful reading names the problem
    if type(data) is not dict or data != project_to_dict(project):
        return False
    if not all(type(data[k]) is int for k in ("year", "revision", "number")):
        return False
    if any(type(x) is bool for x in data["plan"]["points"]):
        return False
    return project_reads_back(project)


__all__ = ["LIMITS", "HostileFileError", "Limits", "check_rows", "check_schema", "expected_schema"]

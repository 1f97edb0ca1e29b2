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

import hashlib
import json
import re
import sqlite3
import time
import zlib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from desk.domain.codec import (
    INDICATOR_KEYS, department_from_dict, indicator_to_dict, project_from_dict, project_reads_back, project_to_dict,
    value_parts_read_back,
)
from desk.domain.model import Budget, Indicator, Project, SpendingPlan
from desk.domain.money import from_fen
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
    texts = not _texts_within(store, limits.text)
    vouched = {} if texts else plain_projects(store, limits)
    projects, departments = store.projects_except(vouched), store.departments()
    items = [*projects, *departments]
    for item in items:
        budget.check()
        _check_item(path, item, limits, texts=texts)
    damaged = store.damaged(items)
    if damaged:
        names = "、".join(f"“{name}”" for _, _, name in damaged[:5])
        raise HostileFileError(path, f"其中 {len(damaged)} 张表的内容已损坏（与校验值不符）：{names}")
    matched = _check_history(store, limits, budget, {p.uid: p for p in projects}, vouched)
    # every table's content has just been found to match its stored digest
    store.checked_digests = dict(store._conn.execute(
        "SELECT uid, digest FROM projects UNION ALL SELECT uid, digest FROM departments"))
    store.checked_tables = {**{("project", p.uid): p for p in projects}, **{("department", d.uid): d for d in departments}}
    # copied as they are by a merge: stored as save_project writes them (indicators at 0, 1, 2 …), and their
    # history holds their revision
    copyable = {uid for uid, (_, _, stored_as_saved) in vouched.items() if stored_as_saved} & matched
    if copyable:
        copyable -= {r[0] for r in store._conn.execute("SELECT project_uid FROM indicators GROUP BY project_uid"
                                                       " HAVING min(position) != 0 OR max(position) != count(*) - 1")}
    store.copyable = copyable


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
    one by one and the first one too long is named). The same pass notes in ``store.non_text`` whether a
    projects' or indicators' text column holds anything but text (plain_projects then reads none at once)."""
    def odd(table: str) -> str:
        columns = _TEXT_COLUMNS_OF.get(table, ())
        return " OR ".join(f"typeof({c}) != 'text'" for c in columns) or "0"

    parts = " UNION ALL ".join(
        f"SELECT max(max({', '.join(f'coalesce(length({c}), 0)' for c in columns)})) AS n, max({odd(table)}) AS odd"
        f" FROM {table}" for table, columns in _TEXT_COLUMNS.items())
    longest, non_text = store._conn.execute(f"SELECT max(n), max(odd) FROM ({parts})").fetchone()
    store.non_text = bool(non_text)
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


def _check_history(store, limits: Limits, budget: _Budget, checked: dict | None = None,
                   vouched: dict[str, tuple[int, bytes, bool]] | None = None) -> set[str]:
    """Every history snapshot: small when compressed and when not, valid JSON of a valid table, its own uid.

    ``checked``: uid → the file's projects, checked already. A snapshot that is exactly one of them (its latest
    revision, nearly always) is not read into a table a second time when the careful reading would accept it
    all the same (codec.project_reads_back). ``vouched``: uid → (revision, JSON) of the projects plain_projects
    vouched for; a snapshot of that revision that is that JSON byte for byte is the same table, read no further.
    Returns the uids of those found so.
    """
    path = store.path
    checked = checked or {}
    vouched = vouched or {}
    matched = set()
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
        same = vouched.get(uid) if kind == "project" else None
        if same is not None and same[:2] == (revision, text):
            matched.add(uid)
            continue
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
    return matched


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


# ---------------------------------------------------------------- a received file's plain projects, at once

_TEXT_COLUMNS_OF = {
    "projects": ("uid", "unit_code", "form", "code", "name", "money_unit", "usage", "plan_scheme", "plan_points",
                 "goals", "finalized_at", "finalized_by", "extra", "carried_from", "updated_at", "digest"),
    "indicators": ("project_uid", *INDICATOR_KEYS),
}
_SPECIAL = re.compile(rb'["\\\x00-\x1f]')  # what json.dumps would escape in a text (any other byte it writes as is)


_SEPARATORS = ("\x00,", "\x00:")
_encode_both = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=_SEPARATORS).encode
_encode_saved = json.JSONEncoder(ensure_ascii=False).encode  # as save_project writes goals and header rows
_NO_INDICATORS = b'"indicators"\x00:[]'


@lru_cache(maxsize=8192)
def _plain_value(comparator: bytes, value: bytes, unit: bytes, text: bytes) -> bool:
    """codec.value_parts_read_back of an indicator's 指标值 as SQLite holds it (remembered, as parse_value does)."""
    try:
        return value_parts_read_back(comparator.decode(), value.decode(), unit.decode(), text.decode())
    except UnicodeDecodeError:
        return False


@lru_cache(maxsize=None)
def _indicator_template() -> tuple[bytes, tuple[str, ...]]:
    """An indicator as json.dumps(sort_keys=True) writes it with separators \x00, and \x00: (see _vouch), its nine
    texts to be put in (%s) in the order of its keys, and those keys."""
    keys = tuple(sorted(indicator_to_dict(Indicator())))
    return b"{" + b"\x00,".join(b'"' + k.encode() + b'"\x00:"%s"' for k in keys) + b"}", keys


def plain_projects(store, limits: Limits) -> dict[str, tuple[int, bytes, bool]]:
    """The projects of a received file vouched for at once: uid → (revision, JSON of its history snapshot of that
    revision as json.dumps writes it, whether its rows are stored exactly as save_project writes them).

    A project is vouched for when each of its texts is valid UTF-8 with nothing json.dumps escapes (quotes,
    backslashes, control characters), its header reads as a Project that rules.validate, project_reads_back and
    _check_item accept (the same functions, run on it), every indicator is what _read_indicator accepts as it
    stands, and the JSON of the whole table, written as codec.project_to_dict and json.dumps write it, hashes to
    its stored digest. Those are the careful checks, made on the rows instead of on Project objects; anything
    else is read the careful way, which names the problem.
    """
    conn = store._conn
    if store.non_text:  # text columns holding anything but text (or not looked at yet): the careful way
        return {}
    template, keys = _indicator_template()
    at = {key: keys.index(key) for key in ("comparator", "value", "unit", "text")}
    factory = conn.text_factory
    conn.text_factory = bytes  # hashed as the bytes SQLite holds; a text is decoded only where it is read
    try:
        rows = conn.execute(
            "SELECT uid, unit_code, year, form, code, name, money_unit, budget_total, budget_fiscal, budget_other,"
            " usage, plan_scheme, plan_points, goals, finalized_at, finalized_by, number, extra, carried_from,"
            " revision, updated_at, digest FROM projects WHERE uid NOT IN (SELECT uid FROM departments)").fetchall()
        indicators: dict[bytes, list] = {row[0]: [] for row in rows}
        for row in conn.execute(f"SELECT project_uid, {', '.join(keys)} FROM indicators ORDER BY project_uid, position"):
            found = indicators.get(row[0])
            if found is not None:
                found.append(row[1:])
    finally:
        conn.text_factory = factory
    # Indicators' texts go into the JSON as they are: nothing json.dumps would escape, valid UTF-8 each (\x7f
    # between them is neither, and keeps a character from spanning two of them).
    if not _plain_texts(b"\x7f".join(b"\x7f".join(row) for found in indicators.values() for row in found)):
        special = {uid for uid, found in indicators.items() if not _plain_texts(b"\x7f".join(b"\x7f".join(r) for r in found))}
    else:
        special = set()
    vouched: dict[str, tuple[int, bytes, bool]] = {}
    for row in rows:
        if row[0] in special:
            continue
        found = _vouch(row, indicators[row[0]], template, at, limits)
        if found is not None:
            vouched[found[0]] = found[1:]
    return vouched


def _plain_texts(joined: bytes) -> bool:
    if _SPECIAL.search(joined):
        return False
    try:
        joined.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _vouch(row: tuple, inds: list[tuple], template: bytes, at: dict[str, int], limits: Limits):
    """(uid, revision, spaced JSON, stored as saved) of one project's rows when they are vouched for
    (plain_projects), else None."""
    (uid, unit_code, year, form, code, name, money_unit, total, fiscal, other, usage, scheme, points, goals,
     finalized_at, finalized_by, number, extra, carried_from, revision, updated_at, digest) = row
    if len(inds) > limits.rows_per_table:
        return None
    if not all(type(x) is int for x in (year, number, revision)) or not all(
            x is None or type(x) is int for x in (total, fiscal, other)):
        return None
    stored = (goals, extra, points)
    try:
        goals, extra, points = json.loads(goals.decode()), json.loads(extra.decode()), json.loads(points.decode())
        if type(goals) is not list or type(points) is not list or type(extra) is not list or not all(
                type(pair) is list and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str
                for pair in extra):
            return None
        project = Project(
            uid=uid.decode(), unit_code=unit_code.decode(), year=year, form=form.decode(), code=code.decode(),
            name=name.decode(), money_unit=money_unit.decode(),
            budget=Budget(total=from_fen(total), fiscal=from_fen(fiscal), other=from_fen(other)),
            usage=usage.decode(), plan=SpendingPlan(scheme=scheme.decode(), points=tuple(
                None if p is None else Decimal(p) for p in points)),
            goals=tuple(goals), finalized_at=finalized_at.decode(), finalized_by=finalized_by.decode(),
            number=number, extra=tuple((a, b) for a, b in extra), carried_from=carried_from.decode(),
            revision=revision, updated_at=updated_at.decode())
        validate(project)
        if not project_reads_back(project) or len(project.extra) > 100 or len(project.goals) > limits.rows_per_table:
            return None
        c, v, u, t = at["comparator"], at["value"], at["unit"], at["text"]
        for ind in inds:  # _plain_indicator: a known comparator, a unit only with one, the one-cell text its parts
            if not _plain_value(ind[c], ind[v], ind[u], ind[t]):
                return None
        # One writing, both forms: the table as json.dumps(project_to_dict(…), sort_keys=True) writes it, with
        # separators \x00, and \x00: (json.dumps writes a \x00 in a text as \u0000, so they are only its own).
        head = _encode_both(project_to_dict(project)).encode()
    except (ValueError, TypeError, ArithmeticError, RecursionError, DeskError):
        return None  # the careful way names it
    if head.count(_NO_INDICATORS) != 1:
        return None
    both = head.replace(_NO_INDICATORS, b'"indicators"\x00:[' + b"\x00,".join([template % ind for ind in inds]) + b"]")
    compact = both.replace(b"\x00", b"")
    if hashlib.sha256(compact).hexdigest()[:32].encode() != digest:
        return None
    # the way save_project writes them (then the rows can be copied as they are)
    stored_as_saved = stored == (_encode_saved(goals).encode(), _encode_saved(extra).encode(), json.dumps(
        [None if p is None else str(p) for p in project.plan.points]).encode())
    return project.uid, revision, both.replace(b"\x00,", b", ").replace(b"\x00:", b": "), stored_as_saved


__all__ = ["LIMITS", "HostileFileError", "Limits", "check_rows", "check_schema", "expected_schema"]

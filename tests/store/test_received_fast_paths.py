"""The quick ways a received file is checked give the careful checks' verdict, word for word.

A received file's checks take two short cuts (desk/store/checks.py): one query measures every text before
they are measured one by one, and a history snapshot that is exactly a table already checked is not read a
second time. Each file below is one where the short cut could matter: a table that the file's own rows and
digest vouch for, but that the careful reading refuses. The verdict must be the careful one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import codec
from desk.domain.codec import content_digest, project_to_dict
from desk.domain.model import Budget, Indicator, SpendingPlan
from desk.ops import merge as merge_ops
from desk.store import Store, StoreError, checks, db
from tests.helpers import UNIT, good_project


def _office(tmp_path, name: str, project) -> tuple:
    path = tmp_path / f"{name}.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        saved = store.save_project(project)
    return path, saved


def _forge(path, project, snapshot: bytes | None = None) -> None:
    """Rewrite the table's row, digest and its one history snapshot as ``project`` (a SQLite tool's work)."""
    text = snapshot if snapshot is not None else json.dumps(
        project_to_dict(project), ensure_ascii=False, sort_keys=True).encode("utf-8")
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE projects SET revision = ?, digest = ? WHERE uid = ?",
                     (project.revision, content_digest(project), project.uid))
        conn.execute("UPDATE history SET revision = ?, snapshot = ? WHERE uid = ?",
                     (project.revision, zlib.compress(text), project.uid))
        conn.commit()
    finally:
        conn.close()


def _verdicts(path, monkeypatch) -> tuple[str, str]:
    """The refusal (or "ok") with the short cuts, then with them turned off."""
    def verdict() -> str:
        try:
            Store.open_received(path).close()
        except StoreError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "ok"

    quick = verdict()
    with monkeypatch.context() as m:
        _careful_only(m)
        careful = verdict()
    return quick, careful


def _careful_only(m) -> None:
    """Every short cut off: each table read into objects and checked one by one, each snapshot read back."""
    m.setattr(checks, "_is_checked", lambda text, project: False)
    m.setattr(checks, "_texts_within", lambda store, limit: False)
    m.setattr(checks, "plain_projects", lambda store, limits: {})


def _ind(**changes) -> Indicator:
    return replace(good_project().indicators[0], **changes)


# What the rows and the digest accept but reading the table back from its snapshot refuses.
SAVED = {
    "unknown comparator": lambda p: replace(p, indicators=(_ind(comparator="≈"),)),
    "unit on a text target": lambda p: replace(p, indicators=(_ind(comparator="", value="良好", unit="个"),)),
    "one-cell text reading otherwise": lambda p: replace(p, indicators=(_ind(text="≥90%"),)),
    "a goal that is a number": lambda p: replace(p, goals=(1,)),
    "uid of spaces": lambda p: replace(p, uid="   "),
    "percent too large for JSON": lambda p: replace(p, plan=SpendingPlan(
        "month_end", (Decimal("1." + "0" * 400 + "1E+400"), None, None, Decimal(100)))),
}


@pytest.mark.parametrize("case", sorted(SAVED))
def test_a_snapshot_equal_to_its_table_is_refused_when_reading_it_would_refuse(tmp_path, monkeypatch, case):
    path, _ = _office(tmp_path, "office", SAVED[case](good_project()))
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok"  # refused when its snapshot is read back
    assert quick == careful


def test_numbers_of_another_type_in_the_snapshot_are_read_carefully(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    data = project_to_dict(saved)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).replace(
        f'"revision": {saved.revision}', f'"revision": {saved.revision}.0').encode("utf-8")
    assert json.loads(text) == data  # equal in Python, yet read_project asks for an integer
    _forge(path, saved, text)
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


def test_a_negative_revision_is_refused_either_way(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    _forge(path, replace(saved, revision=-1))
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


@pytest.mark.parametrize("where", ["goal", "indicator", "header row"])
def test_a_text_over_the_limit_is_named_the_same_way(tmp_path, monkeypatch, where):
    long = "长" * (checks.LIMITS.text + 1)
    p = good_project()
    p = {"goal": replace(p, goals=("短", long)),
         "indicator": replace(p, indicators=(p.indicators[0], _ind(basis=long))),
         "header row": replace(p, extra=(("栏目", long),))}[where]
    path, _ = _office(tmp_path, "office", p)
    quick, careful = _verdicts(path, monkeypatch)
    assert "上限" in careful and quick == careful


def test_a_good_file_takes_the_short_cut_and_merges_the_same(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    read = []
    real = checks.project_from_dict
    monkeypatch.setattr(checks, "project_from_dict", lambda data: read.append(data) or real(data))
    with Store.open_received(path) as store:
        assert store.received_table("project", saved.uid) == saved
    assert read == []  # its one snapshot is its table: not read again
    quick = merge_ops.merge_files(tmp_path / "quick.db", [path])
    _careful_only(monkeypatch)
    careful = merge_ops.merge_files(tmp_path / "careful.db", [path])
    assert read  # the careful way read it
    assert quick.to_dict() == careful.to_dict() and quick.added == 1
    with Store.open(tmp_path / "quick.db", readonly=True) as a, Store.open(tmp_path / "careful.db", readonly=True) as b:
        assert a.projects() == b.projects() and a.damaged() == [] == b.damaged()
        assert a.history_rows(saved.uid) == b.history_rows(saved.uid)


INDICATORS = [
    {}, {"comparator": "≥", "value": "90", "unit": "%"}, {"comparator": "≈"}, {"comparator": "", "unit": "个"},
    {"comparator": "≥", "value": "90", "unit": "%", "text": "≥90%"}, {"text": "≥90%"}, {"text": "良好"},
    {"comparator": "", "value": "良好", "text": "良好"}, {"name": 5}, {"level1": None}, {"text": ["≥90%"]},
    {"comparator": True}, {"value": 90},
]


@pytest.mark.parametrize("data", INDICATORS + [[], "≥90%", None])
def test_indicators_read_at_once_read_as_field_by_field(monkeypatch, data):
    def read():
        try:
            return codec._read_indicator(codec.Reader(data, "$.indicators[0]"))
        except codec.JsonShapeError as exc:
            return str(exc)

    quick = read()
    monkeypatch.setattr(codec, "_plain_indicator", lambda values: False)
    assert quick == read()


# ---------------------------------------------------------------- tables vouched for at once (checks.plain_projects)

# Texts json.dumps writes as they are, and ones it escapes (those tables are read the careful way).
TEXTS = ["城镇社区工作经费", "", " ", "　全角空格　", "a\u2028b", "😀", "\x7f", "100%", "a, b: c", '"引号"', "反斜杠\\",
         "换\n行", "制表\t符", "\x01", "%s", "{}[]"]


def _variety() -> list:
    base = good_project()
    projects = []
    for i, text in enumerate(TEXTS):
        ind = replace(base.indicators[i % 4], basis=text, description=f"描述{text}")
        projects.append(replace(base, uid=f"u{i}", code=f"C{i}", name=f"表{text}", usage=text, goals=(text, "目标"),
                                extra=(("栏目", text),), indicators=(ind, *base.indicators[1:]), number=i + 1))
    points = [(Decimal(0), Decimal("33.3"), Decimal("66.70"), Decimal(100)), (None, None, None, None),
              (Decimal("0.5"), Decimal("007"), Decimal("1E+2"), Decimal("12.3456789"))]
    budgets = [Budget(None, None, None), Budget(Decimal("-0.05"), Decimal("0.00"), Decimal("-0.05")),
               Budget(Decimal("999999999999.99"), Decimal("1"), Decimal("999999999998.99"))]
    for i, (plan, budget) in enumerate(zip(points, budgets)):
        projects.append(replace(base, uid=f"p{i}", code=f"P{i}", plan=SpendingPlan("quarter", plan), budget=budget,
                                number=100 + i, finalized_at="2026-11-01T10:00:00+08:00", finalized_by="张三"))
    projects.append(replace(base, uid="w", code="W", indicators=(replace(base.indicators[0], comparator="≥",
                                                                             value="90", unit="%", text="≥90%"),)))
    projects.append(replace(base, uid="none", code="N", indicators=(), goals=(), extra=()))
    return projects


def _file(tmp_path, projects, name="office"):
    path = tmp_path / f"{name}.db"
    with Store.create(path, unit=UNIT, year=2023) as store, store.transaction():
        saved = [store.save_project(p) for p in projects]
    return path, saved


def test_every_table_read_at_once_is_written_as_the_careful_way_writes_it(tmp_path):
    path, saved = _file(tmp_path, _variety())
    with Store.open_received(path) as store:
        vouched = checks.plain_projects(store, checks.LIMITS)
        careful = {p.uid: p for p in store.projects()}
    assert careful == {p.uid: p for p in saved}
    for p in saved:
        texts = [getattr(i, k) for i in p.indicators for k in ("level1", "level2", "name", "description",
                                                                 "comparator", "value", "unit", "basis", "text")]
        plain_texts = not any(c in t for t in texts for c in '"\\' + "".join(map(chr, range(32))))
        assert (p.uid in vouched) == plain_texts, p.uid  # the others are read the careful way
        if p.uid in vouched:
            text = json.dumps(project_to_dict(p), ensure_ascii=False, sort_keys=True).encode("utf-8")
            assert vouched[p.uid][:2] == (p.revision, text)
    assert len(vouched) == len(saved) - 5  # a quote, a backslash, a newline, a tab, a control character


def _forge_rows(path, sql: str, params=(), *, redigest: str | None = None) -> None:
    """A SQLite tool's edit; ``redigest``: then the table's digest made to fit its new rows, as a forger would."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()
    if redigest is not None:
        with Store.open(path, readonly=True) as store:
            project = store.project(redigest)
        conn = sqlite3.connect(path)
        try:
            conn.execute("UPDATE projects SET digest = ? WHERE uid = ?", (content_digest(project), redigest))
            conn.commit()
        finally:
            conn.close()


FORGED = {
    "a number where a text belongs": ("UPDATE indicators SET basis = 5 WHERE project_uid = 'u0'", (), None),
    "bytes where a text belongs": ("UPDATE indicators SET basis = x'e4b8ad' WHERE project_uid = 'u0'", (), None),
    "invalid UTF-8 in a text": ("UPDATE indicators SET basis = CAST(x'ff41' AS TEXT) WHERE project_uid = 'u0'", (),
                                None),
    "a quote put in, digest refitted": ("UPDATE indicators SET basis = '\"' WHERE project_uid = 'u0'", (), "u0"),
    "a changed text, digest left": ("UPDATE indicators SET basis = '改了' WHERE project_uid = 'u0'", (), None),
    "a changed text, digest refitted": ("UPDATE indicators SET basis = '改了' WHERE project_uid = 'u0'", (), "u0"),
    "an unknown comparator, digest refitted": ("UPDATE indicators SET comparator = '≈' WHERE project_uid = 'u0'",
                                               (), "u0"),
    "goals written compactly": ("UPDATE projects SET goals = '[\"a\",\"b\"]' WHERE uid = 'u0'", (), "u0"),
    "goals not a list": ("UPDATE projects SET goals = '{\"a\": 1}' WHERE uid = 'u0'", (), None),
    "a percentage as a number": ("UPDATE projects SET plan_points = '[30, null, 90, 100]' WHERE uid = 'u0'", (),
                                 "u0"),
    "a year as text": ("UPDATE projects SET year = '2023' WHERE uid = 'u0'", (), None),
    "an amount too large": ("UPDATE projects SET budget_total = 100000000000000000 WHERE uid = 'u0'", (), None),
    "a gap in the indicators": ("UPDATE indicators SET position = position + 5 WHERE project_uid = 'u0'"
                                " AND position = 3", (), None),
    "a uid also a department's": ("INSERT INTO departments(uid, unit_code, year, form, name, money_unit, goals,"
                                  " narrative, position, revision, updated_at) SELECT 'u0', unit_code, year,"
                                  " 'department', '部门', '元', '[]', '{}', 0, 1, updated_at FROM projects"
                                  " WHERE uid = 'u0'", (), None),
}


def _forge_unescaped(path, uid: str, text: bytes, *, blob: bool = False) -> None:
    """An indicator text put in as ``text`` (bytes SQLite holds as a text), and the digest taken of the table's
    JSON with those bytes put in as they are, unescaped: a forger's digest that fits the rows only when they are
    not read as JSON reads them."""
    with Store.open(path, readonly=True) as store:
        project = store.project(uid)
    marker = "\ue000"
    data = project_to_dict(replace(project, indicators=(replace(project.indicators[0], basis=marker),
                                                        *project.indicators[1:])))
    compact = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256(compact.replace(marker.encode(), text)).hexdigest()[:32]
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"UPDATE indicators SET basis = CAST(? AS {'BLOB' if blob else 'TEXT'}) WHERE project_uid = ?"
                     " AND position = 0", (text, uid))
        conn.execute("UPDATE projects SET digest = ? WHERE uid = ?", (digest, uid))
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("text", [b'x"y', b"x\\y", b"x\ny", b"\xff\xfe", b"\xe4\xb8"])
def test_a_digest_of_texts_put_in_unescaped_is_refused_as_the_careful_way_refuses_it(tmp_path, monkeypatch, text):
    path, _ = _file(tmp_path, _variety()[:3])
    _forge_unescaped(path, "u1", text)
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


def test_bytes_in_a_text_column_with_a_digest_of_that_text_get_the_careful_verdict(tmp_path, monkeypatch):
    path, _ = _file(tmp_path, _variety()[:3])
    _forge_unescaped(path, "u1", "中文".encode(), blob=True)
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


@pytest.mark.parametrize("case", sorted(FORGED))
def test_rows_changed_outside_the_program_get_the_careful_verdict_and_merge(tmp_path, monkeypatch, case):
    path, _ = _file(tmp_path, _variety()[:3] + _variety()[-3:])
    sql, params, redigest = FORGED[case]
    try:
        _forge_rows(path, sql, params, redigest=redigest)
    except sqlite3.DatabaseError:
        pytest.skip("the schema refuses this edit")
    quick, careful = _verdicts(path, monkeypatch)
    assert quick == careful
    other, _ = _file(tmp_path, [replace(good_project(), uid="other", code="O")], "other")
    a = merge_ops.merge_files(tmp_path / "quick.db", [path, other])
    with monkeypatch.context() as m:
        _careful_only(m)
        m.setattr(Store, "copy_received_projects", _no_copy)
        b = merge_ops.merge_files(tmp_path / "careful.db", [path, other])
    assert _comparable(a) == _comparable(b)
    assert _contents(tmp_path / "quick.db") == _contents(tmp_path / "careful.db")


def _no_copy(self, store, adds, received_id):
    assert not adds, "copied although copying was turned off"


def _comparable(report) -> dict:
    data = report.to_dict()
    for source in data.get("sources", []):
        source["file"] = Path(source["file"]).name
    for refused in data.get("refused", []):
        refused["file"] = Path(refused["file"]).name
    return data


def _contents(path) -> dict:
    """Every row a merge writes (times of receiving and the file's own identity left out)."""
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                for table in ("units", "projects", "indicators", "history", "received_items", "conflicts")}
    finally:
        conn.close()


def test_many_files_merge_to_the_same_rows_with_or_without_the_short_cuts(tmp_path, monkeypatch):
    """Tables copied in one pass (Store.copy_received_projects) and ones saved one by one, mixed in one file and
    across files, some held already: the consolidated file's rows are the same either way, row for row."""
    variety = _variety()
    first, _ = _file(tmp_path, variety[:8], "a")
    second, _ = _file(tmp_path, variety[6:], "b")  # two tables again, one of them changed
    # the times a merge writes (a table it gives a revision of its own) are the same in both: the four merges
    # may straddle a second
    monkeypatch.setattr(db, "now_iso", lambda: "2026-11-23T09:00:00+08:00")
    _forge_rows(second, "UPDATE projects SET number = 0 WHERE uid = 'p0'", redigest="p0")
    _forge_rows(second, "UPDATE projects SET name = '改名' WHERE uid = 'u7'", redigest="u7")
    copied = []
    real = Store.copy_received_projects
    with monkeypatch.context() as m:
        m.setattr(Store, "copy_received_projects", lambda self, store, adds, rid: copied.extend(adds) or real(
            self, store, adds, rid))
        a = merge_ops.merge_files(tmp_path / "quick.db", [first, second, first])
        again = merge_ops.merge_files(tmp_path / "quick.db", [second])  # sent again: the same rows
    with monkeypatch.context() as m:
        _careful_only(m)
        m.setattr(Store, "copy_received_projects", _no_copy)
        m.setattr(Store, "same_as_received", lambda self, store, uids: set())
        b = merge_ops.merge_files(tmp_path / "careful.db", [first, second, first])
        again_careful = merge_ops.merge_files(tmp_path / "careful.db", [second])
    assert _comparable(a) == _comparable(b) and _comparable(again) == _comparable(again_careful)
    # u7 changed by its office; the first file again: its tables unchanged, u7 older than the one held
    assert (a.added, a.updated, a.unchanged, a.refused) == (len(variety), 1, 1 + 8, [])
    assert (again.unchanged, again.added, again.updated) == (14, 0, 0), again.to_dict()
    assert 10 <= len(copied) < a.added  # some copied in one pass, some saved one by one
    assert _contents(tmp_path / "quick.db") == _contents(tmp_path / "careful.db")
    with Store.open(tmp_path / "quick.db", readonly=True) as merged:
        assert merged.damaged() == []

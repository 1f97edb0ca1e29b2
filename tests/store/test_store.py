"""The .db file: header marks, refusals that leave bytes unchanged, revisions, history, copies."""

import contextlib
import os
import time
import sqlite3
from dataclasses import replace
from decimal import Decimal

import pytest

from desk.domain.model import Budget, DepartmentPlan, DepartmentTask, Indicator, Narrative, SubGoal, Unit
from desk.store import (
    DamagedFileError, FileBusyError, FileChangedError, ForeignFileError, ForeignOwnerError,
    MigrationError, NewerVersionError, NotSQLiteError, ReadOnlyError, SaveError, Store, StoreError,
    suggest_copy_name,
)
from desk.store import db as store_db
from desk.store import schema
from tests.helpers import UNIT, good_project


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "无终街道.db"
    Store.create(path, unit=UNIT, year=2023).close()
    return path


def test_new_file_is_marked_and_plain_sqlite(db_path):
    raw = db_path.read_bytes()
    assert raw[18:20] == b"\x01\x01"  # rollback journal, not WAL
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.current_version()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with Store.open(db_path) as store:
        assert store.unit() == UNIT and store.year() == 2023 and not store.readonly


def test_create_refuses_to_overwrite(db_path):
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="已存在"):
        Store.create(db_path, unit=UNIT, year=2024)
    assert db_path.read_bytes() == before


def _refused(path, error_type):
    before = path.read_bytes()
    with pytest.raises(error_type) as info:
        Store.open(path)
    assert path.read_bytes() == before, "a refused file must keep its bytes"
    assert path.name in str(info.value)
    assert not [p for p in path.parent.iterdir() if p != path and p.name.startswith(".~")]
    return info.value


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04" + b"\x00" * 200, "项目编码".encode() * 50])
def test_not_sqlite_is_refused_unchanged(tmp_path, content):
    path = tmp_path / "表.db"
    path.write_bytes(content)
    error = _refused(path, NotSQLiteError)
    assert "不是绩效目标表数据文件" in str(error)


def test_foreign_sqlite_is_refused_unchanged(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert "其他软件" in str(_refused(path, ForeignFileError))


def test_newer_version_is_refused_unchanged(db_path):
    raw = bytearray(db_path.read_bytes())
    raw[60:64] = (schema.current_version() + 1).to_bytes(4, "big")
    db_path.write_bytes(bytes(raw))
    error = _refused(db_path, NewerVersionError)
    assert "请升级本程序" in str(error) and error.file_version == schema.current_version() + 1


def test_damaged_file_is_refused_unchanged(db_path):
    with Store.open(db_path) as store:
        for i in range(30):
            store.save_project(good_project(name=f"项目{i}", code=f"C{i}"))
    raw = bytearray(db_path.read_bytes())
    page = 4096
    # scribble over the middle of the file, past the header page
    for offset in range(2 * page, 6 * page, 7):
        raw[offset] = (raw[offset] + 91) % 256
    db_path.write_bytes(bytes(raw))
    assert "已损坏" in str(_refused(db_path, DamagedFileError))


def test_truncated_file_is_refused_unchanged(db_path):
    raw = db_path.read_bytes()
    db_path.write_bytes(raw[: len(raw) // 2])
    _refused(db_path, DamagedFileError)


def test_revisions_history_and_restore(db_path):
    with Store.open(db_path) as store:
        p1 = store.save_project(good_project())
        assert p1.revision == 1 and p1.updated_at
        assert store.save_project(p1).revision == 1  # unchanged: no new revision
        p2 = store.save_project(replace(p1, name="城镇社区工作经费（调整）"))
        p3 = store.save_project(replace(p2, budget=Budget(Decimal("800000.00"), Decimal("800000.00"), None)))
        assert (p2.revision, p3.revision) == (2, 3)
        assert [h.revision for h in store.history(p1.uid)] == [1, 2, 3]
        assert store.load_revision(p1.uid, 1).name == "城镇社区工作经费"
        restored = store.restore(p1.uid, 1)
        assert restored.revision == 4 and restored.name == "城镇社区工作经费"
        assert store.history(p1.uid)[-1].action == "restore"
    with Store.open(db_path) as store:
        (again,) = store.projects()
        assert again == restored
        assert again.budget.total == Decimal("770000.00")


def test_delete_is_recorded_and_can_be_undone_by_restore(db_path):
    with Store.open(db_path) as store:
        p = store.save_project(good_project())
        store.delete_project(p.uid)
        assert store.projects() == []
        assert [h.action for h in store.history(p.uid)] == ["save", "delete"]
        back = store.restore(p.uid, 1)
        assert back.revision == 3 and store.project(p.uid).name == p.name


def test_order_of_projects_is_kept_and_can_be_changed(db_path):
    with Store.open(db_path) as store:
        uids = [store.save_project(good_project(name=f"项目{i}", code=str(i))).uid for i in range(4)]
        store.move_project(uids[3], 0)
    with Store.open(db_path) as store:
        assert [p.uid for p in store.projects()] == [uids[3], uids[0], uids[1], uids[2]]


def test_department_round_trip(db_path):
    dept = DepartmentPlan(
        unit_code=UNIT.code, year=2023, name="玉田县无终街道办事处",
        tasks=(DepartmentTask("社区工作者工资保险", "保证社区工作者积极性", Decimal("8955000.00"),
                              Decimal("8955000.00"), None),),
        goals=("保障运转", "服务社区"),
        indicators=(Indicator("产出指标", "数量指标", "社区数量", "", "≥", "25", "个", ""),),
        narrative=Narrative("总体目标", (SubGoal("（一）党建", "目标", "指标"),), ("加强组织领导",)),
    )
    with Store.open(db_path) as store:
        saved = store.save_department(dept)
        assert saved.revision == 1
    with Store.open(db_path) as store:
        assert store.departments() == [saved]
        assert store.load_revision(saved.uid, 1) == saved


def test_money_is_stored_in_fen(db_path):
    with Store.open(db_path) as store:
        store.save_project(good_project(budget=Budget(Decimal("0.10"), Decimal("0.07"), Decimal("0.03"))))
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT budget_total, budget_fiscal, budget_other FROM projects").fetchone() == (10, 7, 3)
    conn.close()


def test_bad_values_are_refused_before_writing(db_path):
    before = db_path.read_bytes()
    with Store.open(db_path) as store:
        with pytest.raises(Exception, match="两位小数"):
            store.save_project(good_project(budget=Budget(Decimal("1.001"), None, None)))
        with pytest.raises(Exception, match="不在本文件的单位列表中"):
            store.save_project(good_project(unit_code="999999"))
    assert db_path.read_bytes() == before


def test_someone_elses_file_opens_read_only(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_HOME", str(tmp_path / "supervisor"))
    before = db_path.read_bytes()
    with Store.open(db_path) as store:
        assert store.readonly and "另一台电脑" in store.readonly_reason
        with pytest.raises(ReadOnlyError):
            store.save_project(good_project())
    with pytest.raises(ForeignOwnerError, match="接管此文件"):
        Store.open(db_path, readonly=False)
    assert db_path.read_bytes() == before
    with Store.open(db_path, take_over=True) as store:
        assert not store.readonly
        store.save_project(good_project())
    with Store.open(db_path) as store:
        assert not store.readonly


def test_one_writer_at_a_time(db_path):
    first = Store.open(db_path)
    try:
        with pytest.raises(FileBusyError, match="正在另一个窗口"):
            Store.open(db_path, readonly=False)
        second = Store.open(db_path)
        assert second.readonly and "编辑" in second.readonly_reason
        second.close()
    finally:
        first.close()
    with Store.open(db_path) as store:
        assert not store.readonly


def test_file_changed_by_someone_else_is_not_overwritten(db_path, tmp_path):
    store = Store.open(db_path)
    try:
        store.save_project(good_project())
        other = tmp_path / "other.db"
        with Store.create(other, unit=Unit("1", "另一个单位"), year=2020):
            pass
        os.replace(other, db_path)
        foreign_bytes = db_path.read_bytes()
        with pytest.raises(FileChangedError, match="另存为"):
            store.save_project(good_project(name="新项目", code="X"))
        assert db_path.read_bytes() == foreign_bytes
    finally:
        store.close()


def test_failed_write_keeps_the_last_save_and_can_be_retried(db_path, monkeypatch):
    store = Store.open(db_path)
    try:
        store.save_project(good_project())
        good_bytes = db_path.read_bytes()

        def disk_full(src, dst):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(store_db.os, "replace", disk_full)
        with pytest.raises(SaveError, match="磁盘空间不足"):
            store.save_project(good_project(name="新项目", code="X"))
        assert db_path.read_bytes() == good_bytes
        assert store.unsaved
        assert not [p for p in db_path.parent.iterdir() if p.suffix == ".tmp"]
        monkeypatch.undo()
        store.flush()
        assert not store.unsaved
    finally:
        store.close()
    with Store.open(db_path) as again:
        assert sorted(p.name for p in again.projects()) == ["城镇社区工作经费", "新项目"]


def test_export_copy(db_path, tmp_path):
    with Store.open(db_path) as store:
        saved = store.save_project(good_project())
        for i in range(20):
            saved = store.save_project(replace(saved, usage=f"第{i}次修改"))
        out = tmp_path / suggest_copy_name(store.unit(), store.year())
        assert out.name == "439001_玉田县无终街道_2023.db"
        store.export_copy(out)
        with pytest.raises(StoreError):
            store.export_copy(db_path)
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    conn.close()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with Store.open(out, readonly=True) as copy:
        assert copy.projects() == [saved]
        assert len(copy.history(saved.uid)) == 21


NEXT = schema.current_version() + 1


def _next(conn):
    conn.execute("ALTER TABLE projects ADD COLUMN note TEXT NOT NULL DEFAULT ''")


def test_older_file_is_migrated_after_a_backup(db_path, monkeypatch):
    with Store.open(db_path) as store:
        p = store.save_project(good_project())
    original = db_path.read_bytes()
    monkeypatch.setitem(schema.MIGRATIONS, NEXT, _next)
    with Store.open(db_path) as store:
        assert store.schema_version == NEXT
        assert store.migrated_from == NEXT - 1
        assert store.backup_path.read_bytes() == original
        assert store.projects() == [p]
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == NEXT
    assert "note" in [r[1] for r in conn.execute("PRAGMA table_info(projects)")]
    conn.close()


def test_failed_migration_leaves_the_file_unchanged(db_path, monkeypatch):
    original = db_path.read_bytes()

    def broken(conn):
        conn.execute("ALTER TABLE projects ADD COLUMN note TEXT")
        raise RuntimeError("模拟失败")

    monkeypatch.setitem(schema.MIGRATIONS, NEXT, broken)
    with pytest.raises(MigrationError, match="未做任何改动"):
        Store.open(db_path)
    assert db_path.read_bytes() == original
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def test_read_only_open_of_an_older_file_writes_nothing(db_path, monkeypatch):
    original = db_path.read_bytes()
    monkeypatch.setitem(schema.MIGRATIONS, NEXT, _next)
    with Store.open(db_path, readonly=True) as store:
        assert store.schema_version == NEXT
    assert db_path.read_bytes() == original
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def test_version_1_file_is_migrated_to_the_current_version(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", {1: schema.MIGRATIONS[1]})
        Store.create(path, unit=UNIT, year=2022).close()
    raw = path.read_bytes()
    assert int.from_bytes(raw[60:64], "big") == 1
    with Store.open(path) as store:
        assert store.schema_version == schema.current_version()
        assert store.backup_path.read_bytes() == raw
        p = store.save_project(replace(good_project(), finalized_at="2026-11-22T09:00:00+08:00", finalized_by="张三@PC"))
    with Store.open(path) as store:
        assert store.project(p.uid).finalized_by == "张三@PC"


def test_deferred_writes_reach_the_disk_in_order(db_path):
    store = Store.open(db_path)
    try:
        store.defer_writes = True
        before = db_path.read_bytes()
        p = store.save_project(good_project())
        assert db_path.read_bytes() == before and store.unsaved
        first = store.pending_write()
        store.save_project(replace(p, usage="第二次"))  # an edit while the first write is in flight
        first.run()
        store.finish_write(first)
        assert store.unsaved, "the second edit is not on disk yet"
        second = store.pending_write()
        second.run()
        store.finish_write(second)
        assert not store.unsaved and store.pending_write() is None
    finally:
        store.close()
    with Store.open(db_path) as again:
        assert again.project(p.uid).usage == "第二次"


def test_no_write_is_taken_inside_a_transaction(db_path):
    store = Store.open(db_path)
    try:
        store.defer_writes = True
        p = store.save_project(good_project())
        with store.transaction():
            store.save_project(replace(p, usage="未提交"))
            assert store.pending_write() is None  # an uncommitted state never reaches the disk
        pending = store.pending_write()
        pending.run()
        store.finish_write(pending)
    finally:
        store.close()
    with Store.open(db_path) as again:
        assert again.project(p.uid).usage == "未提交"


def test_version_4_tables_get_their_number_within_their_own_unit(tmp_path, monkeypatch):
    """Before numbers were stored, the title number was the table's place in the file; the migration gives each
    table its place among its own unit's tables of the year, so a consolidated file numbers like the offices."""
    path = tmp_path / "v4.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", {k: schema.MIGRATIONS[k] for k in (1, 2, 3, 4)})
        Store.create(path, unit=UNIT, year=2023).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO units(code, name) VALUES ('439002', '玉田镇')")
    for position, (uid, unit) in enumerate((("a1", UNIT.code), ("b1", "439002"), ("a2", UNIT.code), ("b2", "439002"))):
        conn.execute("INSERT INTO projects(uid, unit_code, year, form, code, name, money_unit, usage, plan_scheme,"
                     " plan_points, goals, position, revision, updated_at) VALUES (?, ?, 2023, 'hebei-project', '',"
                     " ?, '元', '', 'month_end', '[null, null, null, null]', '[]', ?, 1, '2023-01-01T00:00:00+08:00')",
                     (uid, unit, f"表{uid}", position))
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.migrated_from == 4
        assert [(p.uid, p.number) for p in store.projects()] == [("a1", 1), ("b1", 1), ("a2", 2), ("b2", 2)]
        assert store.damaged() == []  # digests follow the migrated content
        added = store.save_project(replace(good_project(), uid="a3"))
        assert added.number == 3  # the next of its own unit and year
        kept = store.save_project(replace(store.project("a1"), name="改名"))
        assert kept.number == 1  # an edit keeps the table's number


def test_a_background_write_always_publishes_a_committed_state(db_path):
    """The window keeps committing (and rolling back) while a worker publishes: every published file opens and
    holds a state that was committed, never half a transaction."""
    import threading

    store = Store.open(db_path)
    store.defer_writes = True
    a = store.save_project(good_project(usage="0"))
    b = store.save_project(good_project(code="13022923P00JXC415061P", usage="0"))
    published, errors, stop = [], [], threading.Event()

    def publish():
        while not stop.is_set():
            pending = store.pending_write()
            if pending is None:
                time.sleep(0.001)
                continue
            try:
                pending.run()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
                return
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
                usages = [r[0] for r in conn.execute("SELECT usage FROM projects ORDER BY code")]
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            published.append(usages)
            store._signature = pending.signature  # as finish_write does on the owning thread

    worker = threading.Thread(target=publish)
    worker.start()
    try:
        for i in range(1, 300):
            with store.transaction():  # both tables in one commit
                store.save_project(replace(store.project(a.uid), usage=str(i)))
                store.save_project(replace(store.project(b.uid), usage=str(i)))
            with contextlib.suppress(RuntimeError), store.transaction():  # a change that rolls back
                store.save_project(replace(store.project(a.uid), usage="回滚"))
                raise RuntimeError
            time.sleep(0.001)  # a clerk pauses between edits; the worker publishes in the pauses
    finally:
        stop.set()
        worker.join()
    assert not errors
    assert len(published) >= 5
    for usages in published:
        assert usages[0] == usages[1] != "回滚", usages
    store.close()


def test_a_background_write_without_local_scratch_space_still_publishes(db_path, monkeypatch):
    """The local temp folder full or missing: the worker copies the database in memory instead."""
    import tempfile

    def no_temp(*args, **kwargs):
        raise OSError(28, "No space left on device")

    store = Store.open(db_path)
    try:
        store.defer_writes = True
        p = store.save_project(good_project(usage="临时文件夹已满"))
        monkeypatch.setattr(tempfile, "mkstemp", no_temp)
        pending = store.pending_write()
        pending.run()
        store.finish_write(pending)
        assert not store.unsaved
    finally:
        store.close()
    with Store.open(db_path) as again:
        assert again.project(p.uid).usage == "临时文件夹已满"


def test_scratch_copies_left_by_a_cut_off_save_are_removed(db_path, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, recent = tmp_path / "desk-save-old.db", tmp_path / "desk-save-recent.db"
    for f in (old, recent):
        f.write_bytes(b"x" * 100)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    with Store.open(db_path) as store:
        store.defer_writes = True
        store.save_project(good_project())
        pending = store.pending_write()
        pending.run()
        store.finish_write(pending)
    assert not old.exists(), "an hour-old scratch copy is removed"
    assert recent.exists(), "another program's save may still be using a recent one"
    assert sorted(p.name for p in tmp_path.glob("desk-save-*.db")) == ["desk-save-recent.db"], "ours is removed"

"""The file grows with its tables, not with its edits: old history revisions are reduced to digests, and merge
decides the same with them as with whole snapshots."""

import shutil
from dataclasses import replace

import pytest

from desk.ops import merge as merge_ops
from desk.store import Store
from desk.store import db as store_db
from tests.helpers import UNIT, good_project


def edit(path, uid, times: int, start: int = 0) -> None:
    for k in range(start, start + times):
        with Store.open(path) as store:
            store.save_project(replace(store.project(uid), usage=f"第 {k + 1} 次修改的资金用途"))


def test_two_thousand_edits_take_less_than_half_again_the_room_of_fifty(tmp_path):
    path = tmp_path / "f.db"
    p = good_project()
    with Store.create(path, unit=UNIT, year=2024) as store:
        store.save_project(p)
        for k in range(50):
            store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
    after_50 = path.stat().st_size
    with Store.open(path) as store:
        for k in range(50, 2000):
            store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
        assert len(store.history_digests(p.uid)) == 2001  # every revision is still known, as a digest at least
        assert len(store.history(p.uid)) <= store_db.KEEP_FULL + store_db.COMPACT_EVERY
        assert store.load_revision(p.uid, 2001).usage == "第 2000 次修改"
        with pytest.raises(Exception, match="只保留了校验值"):
            store.load_revision(p.uid, 3)
    after_2000 = path.stat().st_size
    assert after_2000 < 1.5 * after_50, (after_50, after_2000)


def office_and_supervisor(tmp_path, name: str):
    office = tmp_path / f"{name}.db"
    p = good_project()
    with Store.create(office, unit=UNIT, year=2024) as store:
        store.save_project(p)
    edit(office, p.uid, 9)
    out = tmp_path / f"{name}-汇总.db"
    merge_ops.merge_files(out, [office])  # the supervisor holds revision 10
    return office, out, p.uid


def decisions(tmp_path, name: str) -> list[tuple[int, int, int]]:
    office, out, uid = office_and_supervisor(tmp_path, name)
    edit(office, uid, 110, start=9)  # far past what is kept whole: revision 10 survives only as a digest
    seen = []
    report = merge_ops.merge_files(out, [office])  # held revision 10 is in their history: an update
    seen.append((report.updated, report.unchanged, len(report.conflicts)))
    report = merge_ops.merge_files(out, [office])  # the same again: unchanged
    seen.append((report.updated, report.unchanged, len(report.conflicts)))
    copy = tmp_path / f"{name}-另一份.db"
    shutil.copyfile(office, copy)
    edit(office, uid, 1, start=500)
    edit(copy, uid, 1, start=700)  # two copies went different ways: a conflict
    merge_ops.merge_files(out, [office])
    report = merge_ops.merge_files(out, [copy])
    seen.append((report.updated, report.unchanged, len(report.conflicts)))
    return seen


def test_merge_decides_the_same_with_digests_as_with_whole_snapshots(tmp_path, monkeypatch):
    reduced = decisions(tmp_path, "reduced")
    monkeypatch.setattr(store_db, "KEEP_FULL", 10_000)  # nothing reduced
    whole = decisions(tmp_path, "whole")
    assert reduced == whole == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_digests_made_while_editing_equal_those_made_from_the_stored_snapshots(tmp_path, monkeypatch):
    """A revision's digest is taken when it is written (reducing it later then decodes nothing); it must be the
    digest its stored snapshot gives, or merge would miss that their history holds ours."""

    class Forgetful(dict):
        def __setitem__(self, key, value):
            pass  # nothing remembered: every reduced revision is decoded from its snapshot

    packed = []
    for name, forget in (("remembered", False), ("decoded", True)):
        path = tmp_path / f"{name}.db"
        p = good_project(uid="同一张表")
        with Store.create(path, unit=UNIT, year=2024) as store:
            if forget:
                store._digest_of_row = Forgetful()
            store.save_project(p)
            for k in range(120):
                store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
            packed.append([d for d, action in store.history_digests(p.uid) if action == ""])  # the reduced ones
    assert len(packed[0]) > 50 and packed[0] == packed[1]


def test_digests_worked_out_in_idle_time_are_those_the_compaction_decodes(tmp_path, monkeypatch):
    """The window works out ahead, in idle time, the digests a table's next compaction needs
    (Store.prepare_compaction): for revisions written before the file was opened they are decoded then, not in the
    edit that compacts, and they are the digests the compaction would have decoded itself."""
    packed = []
    for name, prepare in (("decoded", False), ("prepared", True)):
        path = tmp_path / f"{name}.db"
        p = good_project(uid="同一张表")
        with Store.create(path, unit=UNIT, year=2024) as store:
            store.save_project(p)
            for k in range(45):
                store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
        with Store.open(path) as store:  # opened again: none of its revisions' digests is remembered
            for k in range(45, 130):
                if prepare:
                    while not store.prepare_compaction(p.uid, seconds=0.0):  # one revision per slice
                        pass
                    assert not store.unsaved, "preparing writes nothing"
                    with monkeypatch.context() as m:
                        m.setattr(store_db, "_snapshot", None)  # the edit that compacts decodes nothing
                        store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
                else:
                    store.save_project(replace(store.project(p.uid), usage=f"第 {k + 1} 次修改"))
            packed.append([d for d, action in store.history_digests(p.uid) if action == ""])
            assert len(store.history(p.uid)) <= store_db.KEEP_FULL + store_db.COMPACT_EVERY
    assert len(packed[0]) > 50 and packed[0] == packed[1]

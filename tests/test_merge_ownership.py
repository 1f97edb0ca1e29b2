"""Ownership in merge: a file may change only what its own office made; each file merges on its own;
content changed outside the program is caught by its digest."""

import hashlib
import os
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

from desk.cli import main
from desk.domain.model import Budget, Unit
from desk.ops import merge as merge_ops
from desk.store import Store
from tests.helpers import good_project

A, B = Unit("439001", "无终街道办事处"), Unit("439002", "玉田镇")
BUREAU = Unit("439000", "玉田县财政局")


@contextmanager
def installation(tmp_path, name):
    """Work as another computer: its own DESK_HOME, so its own installation id."""
    home = tmp_path / f"home-{name}"
    home.mkdir(exist_ok=True)
    before = os.environ["DESK_HOME"]
    os.environ["DESK_HOME"] = str(home)
    try:
        yield
    finally:
        os.environ["DESK_HOME"] = before


def office(tmp_path, unit, n=2):
    with installation(tmp_path, unit.code):
        path = tmp_path / f"{unit.code}.db"
        with Store.create(path, unit=unit, year=2024) as store:
            for i in range(n):
                store.save_project(good_project(unit_code=unit.code, year=2024, code=f"{unit.code}P{i}",
                                                name=f"{unit.name}项目{i}"))
    return path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def projects_of(path):
    with Store.open(path, readonly=True) as store:
        return {p.uid: p for p in store.projects()}, {u.code: u.name for u in store.units()}


def test_a_file_from_office_a_leaves_office_b_untouched_and_says_what_it_ignored(tmp_path, capsys):
    a, b = office(tmp_path, A), office(tmp_path, B)
    out = tmp_path / "汇总.db"
    with installation(tmp_path, "bureau"):
        merge_ops.merge_files(out, [a, b], unit=BUREAU)
    held, units = projects_of(out)
    b_project = next(p for p in held.values() if p.unit_code == B.code)
    # office A's file, edited outside the program: it renames office B and rewrites B's 预算数
    with installation(tmp_path, A.code):
        with Store.open(a) as store:
            store.add_unit(Unit(B.code, "被改掉的名字"), rename=True)
            store.save_project(replace(b_project, budget=Budget(Decimal("1.00"), Decimal("1.00"), Decimal("0.00"))))
            mine = store.projects()[0]
            store.save_project(replace(mine, usage="无终街道自己的修改"))
    before = sha(a)
    with installation(tmp_path, "bureau"):
        code = main(["merge", str(out), str(a)])
    printed = capsys.readouterr().out
    assert code == 1  # something was not written
    assert "不属于该单位的内容" in printed and "被改掉的名字" in printed
    after, units_after = projects_of(out)
    assert units_after[B.code] == B.name  # B's name unchanged
    assert after[b_project.uid].budget == b_project.budget  # B's money unchanged
    assert after[mine.uid].usage == "无终街道自己的修改"  # A's own table updated
    assert sha(a) == before
    with Store.open(out, readonly=True) as store:
        assert [c[2].uid for c in store.conflicts()] == [b_project.uid]  # kept aside for a person to decide


def test_an_office_renames_its_own_unit_and_the_change_is_reported(tmp_path):
    a = office(tmp_path, A)
    out = tmp_path / "汇总.db"
    with installation(tmp_path, "bureau"):
        merge_ops.merge_files(out, [a], unit=BUREAU)
    with installation(tmp_path, A.code):
        with Store.open(a) as store:
            store.add_unit(Unit(A.code, "无终街道办事处（新名称）"), rename=True)
    with installation(tmp_path, "bureau"):
        report = merge_ops.merge_files(out, [a])
    assert report.renamed == [{"file": a.name, "code": A.code, "old": A.name, "new": "无终街道办事处（新名称）"}]
    assert any("单位名称已更新" in line for line in report.detail_lines()) and report.all_merged
    assert projects_of(out)[1][A.code] == "无终街道办事处（新名称）"


def test_a_forwarded_consolidated_file_updates_the_tables_it_received_first_hand(tmp_path):
    a, b = office(tmp_path, A), office(tmp_path, B)
    town = tmp_path / "财政所汇总.db"
    with installation(tmp_path, "town"):
        merge_ops.merge_files(town, [a, b], unit=Unit("439100", "财政所"))
    county = tmp_path / "县汇总.db"
    with installation(tmp_path, "county"):
        report = merge_ops.merge_files(county, [town], unit=BUREAU)
    assert report.added == 4 and report.all_merged
    # office A changes a table; the town merges it and forwards its file again
    with installation(tmp_path, A.code):
        with Store.open(a) as store:
            p = store.projects()[0]
            store.save_project(replace(p, usage="第二次报送"))
    with installation(tmp_path, "town"):
        merge_ops.merge_files(town, [a])
    with installation(tmp_path, "county"):
        report = merge_ops.merge_files(county, [town])
    assert report.updated == 1 and report.all_merged and report.not_owned == []
    assert projects_of(county)[0][p.uid].usage == "第二次报送"
    # the county may also take office A's file directly: same origin
    with installation(tmp_path, A.code):
        with Store.open(a) as store:
            store.save_project(replace(store.project(p.uid), usage="第三次"))
    with installation(tmp_path, "county"):
        report = merge_ops.merge_files(county, [a])
    assert report.updated == 1 and report.all_merged, (report.summary(), report.detail_lines())


def test_a_bad_file_among_good_ones_is_named_and_the_good_ones_merge(tmp_path, capsys):
    a, b = office(tmp_path, A), office(tmp_path, B)
    flipped, cut = tmp_path / "坏文件.db", tmp_path / "半截文件.db"
    flipped.write_bytes(a.read_bytes())
    flip_inside_chinese(flipped, "无终街道办事处项目1")  # one byte, inside a table's text
    cut.write_bytes(b.read_bytes()[: len(b.read_bytes()) // 2])
    out = tmp_path / "汇总.db"
    with installation(tmp_path, "bureau"):
        code = main(["merge", str(out), str(flipped), str(a), str(cut), str(b), "--unit-code", BUREAU.code,
                     "--unit-name", BUREAU.name])
    printed = capsys.readouterr()
    assert code == 1 and "Traceback" not in printed.err and "内部错误" not in printed.err
    assert "坏文件.db" in printed.out and "半截文件.db" in printed.out and "新增 4 张" in printed.out
    assert len(projects_of(out)[0]) == 4


def flip_inside_chinese(path, text):
    """Change one character of ``text`` in the file's bytes into another, still valid, character."""
    data = bytearray(path.read_bytes())
    at = data.find(text.encode("utf-8"))
    assert at > 0
    data[at + 2] ^= 0x01  # the last byte of the first character: another CJK character
    path.write_bytes(bytes(data))


def test_a_byte_changed_outside_the_program_is_caught_by_the_digest(tmp_path, capsys):
    a = office(tmp_path, A)
    with Store.open(a, readonly=True) as store:
        name = store.projects()[0].name
    flip_inside_chinese(a, name)
    with Store.open(a, readonly=True) as store:  # integrity_check passes: only the digest tells
        assert [d[2] for d in store.damaged()] != [] and store.projects()[0].name != name
    out = tmp_path / "汇总.db"
    with installation(tmp_path, "bureau"):
        report = merge_ops.merge_files(out, [a, office(tmp_path, B)], unit=BUREAU)
    (refused,) = report.refused
    assert "内容已损坏" in refused["reason"] and a.name in refused["reason"]
    assert report.added == 2
    with installation(tmp_path, A.code):
        assert main(["check", str(a)]) == 1
    assert "内容已损坏" in capsys.readouterr().out


def test_a_damaged_table_is_flagged_in_the_window_and_not_printed(tmp_path, qtbot):
    from desk.ops import exports
    from desk.ops.document import OpenFile

    a = office(tmp_path, A)
    with Store.open(a, readonly=True) as store:
        first, second = store.projects()
    flip_inside_chinese(a, second.name)
    with installation(tmp_path, A.code):
        document = OpenFile.open(a)
        try:
            assert [f.code for f in document.findings(second.uid)][0] == "CONTENT_DAMAGED"
            assert "CONTENT_DAMAGED" not in [f.code for f in document.findings(first.uid)]
            assert document.finalize_problem(second.uid).count("内容已损坏") == 1
        finally:
            document.close()
        import pytest

        with pytest.raises(Exception, match="内容已损坏"):
            exports.export_pdf(a, tmp_path / "out.pdf")
        assert not (tmp_path / "out.pdf").exists()
        exports.export_pdf(a, tmp_path / "first.pdf", selection=[first.uid])  # the others still print

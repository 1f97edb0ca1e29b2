"""Supervisors merge offices' files: added, updated, unchanged, conflicts, duplicates, refused; sources untouched."""

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from desk.ops import exports as exports_ops, merge as merge_ops
from desk.cli import main
from desk.domain.model import Unit
from desk.store import Store
from tests.helpers import good_project

OFFICES = [Unit("439001", "无终街道办事处"), Unit("439002", "玉田镇"), Unit("439003", "鸦鸿桥镇")]


def office_file(folder: Path, unit: Unit, n: int = 3) -> Path:
    path = folder / f"{unit.code}_{unit.name}_2024.db"
    with Store.create(path, unit=unit, year=2024) as store:
        for i in range(n):
            store.save_project(good_project(unit_code=unit.code, year=2024, code=f"{unit.code}P{i}",
                                            name=f"{unit.name}项目{i}"))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def offices(tmp_path):
    folder = tmp_path / "received"
    folder.mkdir()
    return [office_file(folder, u) for u in OFFICES]


def test_merge_three_offices_then_an_update(tmp_path, offices):
    before = {p: digest(p) for p in offices}
    out = tmp_path / "汇总.db"
    report = merge_ops.merge_files(out, offices)
    assert (report.added, report.updated, report.unchanged) == (9, 0, 0)
    assert report.conflicts == [] and report.duplicates == [] and report.refused == []
    with Store.open(out) as store:
        assert store.project_count() == 9 and {u.code for u in store.units()} >= {u.code for u in OFFICES}
        received = store.received_from()
        assert len(received) == 9 and received[store.projects()[0].uid][0] == offices[0].name
    # the office changes one project and sends its file again
    with Store.open(offices[1]) as store:
        p = store.projects()[0]
        store.save_project(replace(p, usage="追加了用途说明"))
    before[offices[1]] = digest(offices[1])
    report = merge_ops.merge_files(out, offices)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 8)
    with Store.open(out) as store:
        merged = store.project(p.uid)
        assert merged.usage == "追加了用途说明" and merged.revision == 2
        assert [h.revision for h in store.history(p.uid)][:2] == [1, 2]
    assert {p: digest(p) for p in offices} == before, "received files must keep their bytes"


def test_two_diverging_copies_are_a_conflict_and_nothing_is_overwritten(tmp_path, offices):
    first = offices[0]
    second = tmp_path / "second-copy.db"
    shutil.copyfile(first, second)
    with Store.open(first) as store:
        p = store.projects()[0]
        store.save_project(replace(p, usage="第一份的修改"))
    with Store.open(second) as store:
        store.save_project(replace(p, name="第二份改了名称"))
    hashes = {f: digest(f) for f in (first, second)}
    out = tmp_path / "汇总.db"
    report = merge_ops.merge_files(out, [first, second])
    (conflict,) = report.conflicts
    assert conflict["uid"] == p.uid and set(conflict["sources"]) == {first.name, second.name}
    assert set(conflict["fields"]) == {"name", "usage"}
    with Store.open(out) as store:
        held = store.project(p.uid)
        assert held.usage == "第一份的修改" and held.name == p.name  # the first stays, nothing overwritten
        ((_, source, other),) = store.conflicts()
        assert source == second.name and other.name == "第二份改了名称"  # kept for the supervisor to choose
    assert {f: digest(f) for f in (first, second)} == hashes


def test_same_code_different_uid_is_a_possible_duplicate(tmp_path, offices):
    twin = tmp_path / "twin.db"
    with Store.create(twin, unit=OFFICES[0], year=2024) as store:
        store.save_project(good_project(unit_code=OFFICES[0].code, year=2024, code=f"{OFFICES[0].code}P0",
                                        name="重新录入的同一个项目"))
    report = merge_ops.merge_files(tmp_path / "汇总.db", [offices[0], twin])
    (dup,) = report.duplicates
    assert dup["match"] == "项目编码" and dup["value"] == "439001P0"
    assert {p["source"] for p in dup["projects"]} == {offices[0].name, twin.name}


def test_refused_files_are_reported_and_the_others_merge(tmp_path, offices):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all")
    newer = tmp_path / "newer.db"
    shutil.copyfile(offices[2], newer)
    raw = bytearray(newer.read_bytes())
    raw[60:64] = (99).to_bytes(4, "big")
    newer.write_bytes(bytes(raw))
    hashes = {f: digest(f) for f in (broken, newer, *offices)}
    report = merge_ops.merge_files(tmp_path / "汇总.db", [broken, offices[0], newer, offices[1]])
    assert report.added == 6
    reasons = {Path(r["file"]).name: r["reason"] for r in report.refused}
    assert "不是绩效目标表数据文件" in reasons["broken.db"] and "较新版本" in reasons["newer.db"]
    assert {f: digest(f) for f in (broken, newer, *offices)} == hashes


def test_cancelled_merge_leaves_the_consolidated_file_as_it_was(tmp_path, offices):
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, offices[:1])
    before = out.read_bytes()
    with pytest.raises(merge_ops.MergeCancelled):
        merge_ops.merge_files(out, offices, progress=lambda done, total: done < 2)
    assert out.read_bytes() == before
    new_out = tmp_path / "new.db"
    with pytest.raises(merge_ops.MergeCancelled):
        merge_ops.merge_files(new_out, offices, progress=lambda done, total: False)
    assert not new_out.exists()


def test_merge_command_writes_the_report(tmp_path, offices, capsys):
    out, report_path = tmp_path / "汇总.db", tmp_path / "report.json"
    assert main(["merge", str(out), *map(str, offices), "--report", str(report_path)]) == 0
    assert "新增 9 张" in capsys.readouterr().out
    data = json.loads(report_path.read_text("utf-8"))
    assert set(data) >= {"added", "updated", "unchanged", "conflicts", "duplicates"}
    assert (data["added"], data["updated"], data["unchanged"]) == (9, 0, 0)


def test_review_comments_round_trip_from_supervisor_to_clerk(qtbot, tmp_path, offices, capsys, desk_home, monkeypatch):
    office = offices[0]
    out = tmp_path / "汇总.db"
    # the supervisor works on another computer
    monkeypatch.setenv("DESK_HOME", str(tmp_path / "supervisor"))
    merge_ops.merge_files(out, [office])
    with Store.open(out) as store:
        a, b = store.projects()[:2]
    assert main(["review", str(out), "--project", a.code, "--status", "退回修改", "--comment", "满意度指标值偏低"]) == 0
    assert main(["review", str(out), "--project", b.uid, "--status", "审核通过"]) == 0
    reviews_file = tmp_path / "审核意见.json"
    assert main(["export-reviews", str(out), "-o", str(reviews_file), "--unit-code", OFFICES[0].code]) == 0
    assert "已导出 2 条" in capsys.readouterr().out
    # back on the clerk's computer
    monkeypatch.setenv("DESK_HOME", str(desk_home))
    with Store.open(office) as store:
        before = [(p.content_key(), p.revision) for p in store.projects()]
    assert main(["import-reviews", str(office), str(reviews_file)]) == 0
    assert "已导入 2 条审核意见" in capsys.readouterr().out
    with Store.open(office) as store:
        assert [(p.content_key(), p.revision) for p in store.projects()] == before
        reviews = store.reviews()
        assert reviews[a.uid].status == "退回修改" and reviews[a.uid].comment == "满意度指标值偏低"
        assert reviews[b.uid].status == "审核通过"
    from desk.ui.app import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(office)
    try:
        model = window.list_panel.model
        assert "退回修改" in model.data(model.index(0))
        window.list_panel.select(a.uid)
        assert "满意度指标值偏低" in window.editor.review_banner.text()
    finally:
        window.close()


def test_a_file_that_is_not_a_reviews_file_is_refused(tmp_path, offices, capsys):
    wrong = tmp_path / "x.json"
    wrong.write_text('{"format": "desk", "version": 1}', "utf-8")
    before = offices[0].read_bytes()
    assert main(["import-reviews", str(offices[0]), str(wrong)]) == 2
    assert "不是审核意见文件" in capsys.readouterr().err
    assert offices[0].read_bytes() == before


def test_supervisor_outputs_pdf_with_contents_and_totals(tmp_path, offices):
    from openpyxl import load_workbook

    from tests.render.pdfread import pages_text

    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, offices)
    pdf = tmp_path / "all.pdf"
    exports_ops.export_pdf(out, pdf, contents=True)
    texts = pages_text(pdf.read_bytes())
    assert texts[0].startswith("汇总文件") and "目录" in texts[0].splitlines()[0]
    assert len(texts) == 1 + 9
    contents_lines = [ln for ln in texts[0].splitlines()[1:] if "绩效目标表" in ln]
    assert len(contents_lines) == 9 and contents_lines[0].endswith("第 2 页")
    assert "全文第 2 页" in texts[1]
    one_unit = tmp_path / "unit.pdf"
    exports_ops.export_pdf(out, one_unit, unit_code=OFFICES[1].code)
    assert len(pages_text(one_unit.read_bytes())) == 3
    xlsx_path = tmp_path / "all.xlsx"
    exports_ops.export_xlsx(out, xlsx_path)
    totals = list(load_workbook(xlsx_path)["按单位汇总"].iter_rows(values_only=True))
    assert [r[0] for r in totals[1:4]] == [u.code for u in OFFICES] and totals[1][3] == 3


def test_the_consolidated_file_among_the_received_ones_is_refused_by_name(tmp_path, offices):
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, [offices[0]])
    before = digest(out)
    report = merge_ops.merge_files(out, [tmp_path / "." / "汇总.db", offices[1]])
    assert [r["reason"] for r in report.refused] == ["“汇总.db”就是汇总文件本身，不能合并到自己。"]
    assert report.added == 3 and digest(out) != before

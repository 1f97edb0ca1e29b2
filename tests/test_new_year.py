"""新建下一年度文件: every table carried into next year's file, money and plan cleared, last year untouched."""

import json
from dataclasses import replace

from desk.cli import main
from desk.io import jsonio
from desk.ops import imports as imports_ops, reviews as reviews_ops
from desk.store import Store
from tests.conftest import ROOT


def test_next_years_file_carries_every_table_and_clears_money_and_plan(tmp_path, capsys):
    yutian = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    dept = jsonio.loads((ROOT / "resources/demo/yutian-2023-department.json").read_text("utf-8")).departments[0]
    projects = list(yutian.projects)
    projects[0] = replace(projects[0], finalized_at="2023-01-20T09:00:00+08:00", finalized_by="张会计@PC")
    source = tmp_path / "2023.db"
    imports_ops.import_document(jsonio.Document(units=yutian.units, projects=tuple(projects), departments=(dept,)),
                                source)
    reviews_ops.set_review(source, projects[1].uid, "退回修改", "请补充依据")
    before = source.read_bytes()
    out = tmp_path / "2024.db"
    assert main(["new-year", str(source), "-o", str(out)]) == 0
    assert "2024 年度" in capsys.readouterr().out
    assert source.read_bytes() == before  # last year's file is only read
    assert main(["export-json", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    carried = data["projects"]
    assert [p["carried_from"] for p in carried] == [p.uid for p in projects]
    assert all(p["uid"] not in {q.uid for q in projects} for p in carried)
    for new, old in zip(carried, projects):
        assert new["year"] == 2024 and new["name"] == old.name and new["code"] == old.code
        assert new["usage"] == old.usage and new["goals"] == list(old.goals) and new["number"] == old.number
        assert [i["text"] or i["value"] for i in new["indicators"]] == [i.text or i.value for i in old.indicators]
        assert new["budget"] == {"total": None, "fiscal": None, "other": None}
        assert new["plan"]["scheme"] == old.plan.scheme and new["plan"]["points"] == [None] * len(old.plan.points)
        assert new["finalized_at"] == "" and new["finalized_by"] == ""
    (d,) = data["departments"]
    assert d["carried_from"] == dept.uid and d["year"] == 2024 and d["narrative"]["overall"] == dept.narrative.overall
    assert [t["name"] for t in d["tasks"]] == [t.name for t in dept.tasks]
    assert all(t["total"] is None and t["fiscal"] is None and t["other"] is None for t in d["tasks"])
    with Store.open(out, readonly=True) as store:
        assert store.year() == 2024 and store.reviews() == {}  # review statuses are not carried
    # the next year's file is not written over, and cannot be last year's own name
    assert main(["new-year", str(source), "-o", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["new-year", str(source), "-o", str(source)]) == 2


def test_file_menu_makes_next_years_file_and_says_what_to_fill_in(qtbot, tmp_path):
    from desk.ui.app import MainWindow

    source = imports_ops.make_demo(tmp_path / "2023.db")
    before = source.read_bytes()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(source)
    assert window.new_year_file(tmp_path / "2024.db")
    assert window.document.path == tmp_path / "2024.db" and window.document.year == 2024
    banner = window.carry_banner.text()
    assert window.carry_banner.isVisibleTo(window) and "7 张项目表和 1 张部门整体表" in banner and "清空" in banner
    projects = window.session.projects()
    assert len(projects) == 7 and all(p.carried_from and p.budget.total is None for p in projects)
    window.close()
    assert source.read_bytes() == before


def test_copy_selected_projects_from_last_years_file(tmp_path, capsys):
    from desk.domain.model import Unit

    last = imports_ops.make_demo(tmp_path / "2023.db")
    before = last.read_bytes()
    with Store.open(last, readonly=True) as store:
        old = store.projects()
    target = tmp_path / "2024.db"
    Store.create(target, unit=Unit("439001", "玉田县无终街道办事处本级"), year=2024).close()
    assert main(["copy-from", str(last), "--db", str(target), "--project", old[4].code, old[0].uid]) == 0
    assert "复制 2 张项目表" in capsys.readouterr().out
    assert last.read_bytes() == before
    with Store.open(target, readonly=True) as store:
        copies = store.projects()
    assert [c.carried_from for c in copies] == [old[4].uid, old[0].uid]  # in the order asked
    assert all(c.year == 2024 and c.budget.total is None and c.uid not in {o.uid for o in old} for c in copies)
    assert [c.number for c in copies] == [1, 2]  # numbered in this file, not last year's numbers
    assert main(["copy-from", str(last), "--db", str(target), "--project", "不存在"]) == 2
    assert "不存在" in capsys.readouterr().err


def test_project_menu_copies_from_last_years_file_as_one_undo_step(qtbot, tmp_path):
    from desk.domain.model import Unit
    from desk.ui.app import MainWindow

    last = imports_ops.make_demo(tmp_path / "2023.db")
    target = tmp_path / "2024.db"
    Store.create(target, unit=Unit("439001", "玉田县无终街道办事处本级"), year=2024).close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(target)
    assert window.act_copy_from.isEnabled()
    assert window.copy_from_file(last, choose=lambda projects: projects[:3]) == 3
    session = window.session
    assert [p.year for p in session.projects()] == [2024] * 3 and all(p.carried_from for p in session.projects())
    session.undo()
    assert session.projects() == []
    window.close()


def test_checks_compare_a_carried_table_with_last_years(tmp_path, capsys):
    """提示 when a target fell, a 满意度 target is lower, or indicators went; nothing for an unchanged table."""
    from desk.ops.document import OpenFile

    from desk.domain.library import OWN, LibraryEntry

    source = imports_ops.make_demo(tmp_path / "2023.db")
    last = OpenFile.open(source)
    last.add_library_entry(LibraryEntry("产出指标", "数量指标", "慰问困难家庭户数", "", "≥50户", "", origin=OWN))
    last._store.flush()
    last.close()
    out = tmp_path / "2024.db"
    assert main(["new-year", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    doc = OpenFile.open(out)
    assert any(e.name == "慰问困难家庭户数" and e.origin == OWN for e in doc.library())  # the office's own entries
    first, second = doc.projects()[:2]
    assert not [f for f in doc.findings(first.uid) if f.code.startswith("LAST_YEAR")]  # carried as it was
    inds = list(first.indicators)
    k = next(i for i, ind in enumerate(inds) if ind.comparator in ("≥", "=") and ind.unit == "%"
             and "满意" not in ind.name and ind.level1 != "满意度指标")
    s = next(i for i, ind in enumerate(inds) if ind.level1 == "满意度指标" and ind.comparator == "≥")
    old_k, old_s = inds[k].value_text, inds[s].value_text
    inds[k] = inds[k].with_value_text(f"{inds[k].comparator}{int(inds[k].target.number) - 10}%")
    inds[s] = inds[s].with_value_text("≥70%")
    doc.put(first.uid, replace(first, indicators=tuple(inds)))
    doc.put(second.uid, replace(second, indicators=second.indicators[:-1]))
    codes = {f.code: f.message for f in doc.findings(first.uid)}
    assert f"低于上年的“{old_k}”" in codes["LAST_YEAR_VALUE_FELL"]
    assert f"满意度目标“≥70%”低于上年的“{old_s}”" in codes["LAST_YEAR_SATISFACTION_LOWER"]
    fewer = [f for f in doc.findings(second.uid) if f.code == "LAST_YEAR_FEWER_INDICATORS"]
    assert len(fewer) == 1 and f"上年有 {len(second.indicators)} 条" in fewer[0].message
    assert all(f.severity == "warning" for f in doc.findings(first.uid) if f.code.startswith("LAST_YEAR"))
    doc._store.flush()
    doc.close()
    assert main(["check", str(out), "--json"]) in (0, 1)
    reported = {f["code"] for f in json.loads(capsys.readouterr().out)}
    assert {"LAST_YEAR_VALUE_FELL", "LAST_YEAR_SATISFACTION_LOWER", "LAST_YEAR_FEWER_INDICATORS"} <= reported


def test_copy_to_next_year_in_the_same_file_is_carried_and_compared(qtbot, tmp_path):
    from desk.ui.app import MainWindow

    source = imports_ops.make_demo(tmp_path / "2023.db")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(source)
    p = window.session.projects()[0]
    window.list_panel.select(p.uid)
    window.act_next_year.trigger()
    copy = window.current_project()
    assert copy.uid != p.uid and copy.carried_from == p.uid and copy.year == p.year + 1
    assert copy.budget.total is None and all(v is None for v in copy.plan.points)
    assert copy.indicators == p.indicators
    window.session.edit(replace(copy, indicators=copy.indicators[:-1]), "删除行")
    assert any(f.code == "LAST_YEAR_FEWER_INDICATORS" for f in window.session.findings(copy.uid))
    window.close()

"""建议: the program keeps what was written and offers its own spelling as an explicit, reported, undoable fix."""

import json
from dataclasses import replace

from desk.cli import main
from desk.domain import suggestions
from desk.domain.checks import SUGGESTION, check_project
from desk.forms import get_form
from desk.ops import imports as imports_ops
from desk.store import Store
from desk.ui.app import MainWindow
from tests.helpers import UNIT, good_project
from tests.io.test_xlsx_import import table_rows, workbook


def written_project():
    base = good_project()
    inds = list(base.indicators)
    inds[0] = replace(inds[0], level2="数量")
    inds[1] = inds[1].with_value_text("85%以上")
    inds[2] = replace(inds[2], level1="效果指标")
    return replace(base, indicators=tuple(inds))


def test_checks_offer_the_trees_names_and_symbols_without_changing_anything():
    p = written_project()
    found = check_project(p, get_form("hebei-project"))
    offers = {(f.field, f.fix) for f in found if f.severity == SUGGESTION}
    assert offers == {("indicators[0].level2", "数量指标"), ("indicators[1].value", "≥85%"),
                      ("indicators[2].level1", "效益指标")}
    assert not [f for f in found if f.severity != SUGGESTION]  # written this way, the table is still correct
    fixed = suggestions.apply_all(p, found)
    assert [i.level1 for i in fixed.indicators][:3] == ["产出指标", "产出指标", "效益指标"]
    assert fixed.indicators[0].level2 == "数量指标" and fixed.indicators[1].value_text == "≥85%"
    assert not suggestions.suggestions(check_project(fixed, get_form("hebei-project")))
    assert p.indicators[1].value_text == "85%以上"  # the original is untouched


def test_import_reports_offers_and_adopts_them_only_when_asked(tmp_path, capsys):
    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(workbook(("S", table_rows(1, "社区工作经费", "P001"), [])))
    db = tmp_path / "a.db"
    Store.create(db, unit=UNIT, year=2023).close()
    plan = imports_ops.plan_xlsx_import(xlsx, imports_ops.Target.of_file(db))
    text = "\n".join(plan.summary_lines())
    assert "可以统一的写法 2 处" in text and "“效果指标”" in text and "“85%以上”" in text
    imports_ops.apply_xlsx_import(plan, db)
    with Store.open(db, readonly=True) as store:
        (p,) = store.projects()
    assert p.indicators[2].level1 == "效果指标" and p.indicators[1].value_text == "85%以上"

    other = tmp_path / "b.db"
    assert main(["import-xlsx", str(xlsx), "--db", str(other), "--year", "2023", "--apply-suggestions"]) == 0
    out = capsys.readouterr().out
    assert "已采用建议的写法 2 处" in out
    with Store.open(other, readonly=True) as store:
        (p,) = store.projects()
    assert p.indicators[2].level1 == "效益指标" and p.indicators[1].value_text == "≥85%"

    assert main(["check", str(db), "--json"]) == 0  # suggestions are not errors
    findings = json.loads(capsys.readouterr().out)
    assert {(f["severity"], f["fix"]) for f in findings if f["code"].startswith("SUGGEST_")} == {
        ("suggestion", "效益指标"), ("suggestion", "≥85%")}
    assert main(["check", str(db)]) == 0
    assert "[建议]" in capsys.readouterr().out


def test_check_panel_adopts_one_suggestion_as_an_undoable_step(qtbot, tmp_path):
    path = tmp_path / "x.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(written_project())
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    panel = window.check_panel
    assert "建议 3 条" in panel.summary.text()
    assert panel.adopt.isVisible() or not window.isVisible()
    row = next(i for i in range(panel.list.count()) if "85%以上" in panel.list.item(i).text())
    panel.list.setCurrentRow(row)
    assert panel.adopt.isEnabled()
    assert panel.adopt_selected()
    uid = window.session.document.projects()[0].uid
    assert window.session.project(uid).indicators[1].value_text == "≥85%"
    assert "建议 2 条" in panel.summary.text()
    window.session.undo_stack.undo()
    assert window.session.project(uid).indicators[1].value_text == "85%以上"
    assert panel.adopt_every()
    after = window.session.project(uid)
    assert after.indicators[2].level1 == "效益指标" and after.indicators[0].level2 == "数量指标"
    assert window.session.undo_stack.undoText() == "采用全部建议（3 处）"
    window.close()


def test_import_preview_offers_the_suggestions_and_the_window_adopts_them_when_ticked(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from desk.ui import app as app_module

    xlsx = tmp_path / "t.xlsx"
    xlsx.write_bytes(workbook(("S", table_rows(1, "社区工作经费", "P001"), [])))
    path = tmp_path / "x.db"
    Store.create(path, unit=UNIT, year=2023).close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    seen = {}

    def tick_and_accept(dialog):
        seen["text"] = dialog.adopt.text()
        seen["shown"] = dialog.adopt.isVisibleTo(dialog)
        dialog.adopt.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(app_module.ImportPreviewDialog, "exec", tick_and_accept)
    assert window.import_xlsx(xlsx) == 1
    assert seen == {"text": "同时采用以上 2 处建议的写法（不勾选则一律按原样导入）", "shown": True}
    (p,) = window.session.document.projects()
    assert p.indicators[2].level1 == "效益指标" and p.indicators[1].value_text == "≥85%"
    window.session.undo_stack.undo()  # the import, adopted suggestions included, is one step
    assert window.session.document.projects() == []
    window.close()


def test_a_level_broken_over_two_lines_by_a_pdf_to_word_conversion_is_offered_whole():
    base = good_project()
    inds = list(base.indicators)
    inds[0] = replace(inds[0], level1="产出\n指标", level2="数量指\n标")
    found = check_project(replace(base, indicators=tuple(inds)), get_form("hebei-project"))
    offers = {(f.field, f.fix) for f in found if f.severity == SUGGESTION}
    assert {("indicators[0].level1", "产出指标"), ("indicators[0].level2", "数量指标")} <= offers
    assert not [f for f in found if f.severity == "error" and f.field.startswith("indicators[0].level")]

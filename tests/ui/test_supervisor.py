"""The supervisor's window: merge with progress and cancel, overview, conflicts side by side, reviews."""

import shutil
from dataclasses import replace

from PySide6.QtWidgets import QMessageBox

from desk.ops import merge as merge_ops, reviews as reviews_ops
from desk.store import Store
from desk.ui.app import MainWindow
from tests.test_merge import OFFICES, office_file


def consolidated(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    folder = tmp_path / "received"
    folder.mkdir()
    files = [office_file(folder, u) for u in OFFICES]
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, files[:1])
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(out)
    return window, out, files


def test_merge_from_the_window_with_progress_and_cancel(qtbot, tmp_path, monkeypatch):
    window, out, files = consolidated(tmp_path, qtbot, monkeypatch)
    before = out.read_bytes()
    assert window.merge(files[1:], cancel_after=1) is None  # cancelled after the first file
    assert out.read_bytes() == before and window.list_panel.model.rowCount() == 3
    report = window.merge(files[1:])
    assert report.added == 6 and window.list_panel.model.rowCount() == 9
    # overview: one row per unit; double-click lists that unit's projects
    dialog = window.show_overview()
    assert dialog.table.rowCount() == 3
    assert [dialog.table.item(r, 0).text() for r in range(3)] == [u.code for u in OFFICES]
    assert dialog.table.item(1, 3).text() == "3" and dialog.table.item(1, 9).text() == files[1].name
    assert dialog.table.item(1, 5).text() == "缺"  # no 部门整体 table from this office
    dialog._chosen(1, 0)
    assert window.list_panel.proxy.rowCount() == 3
    # offices' tables are read-only in the consolidated file
    uid = window.list_panel.current_uid() or window.session.projects()[3].uid
    window.list_panel.select(uid)
    assert window.editor.name.isReadOnly() and "只读" in window.editor.locked_banner.text()
    window.close()


def test_conflicts_are_shown_side_by_side_and_chosen(qtbot, tmp_path, monkeypatch):
    window, out, files = consolidated(tmp_path, qtbot, monkeypatch)
    copy = tmp_path / "copy.db"
    shutil.copyfile(files[0], copy)
    with Store.open(files[0]) as store:
        p = store.projects()[0]
        store.save_project(replace(p, usage="本单位改了用途"))
    with Store.open(copy) as store:
        store.save_project(replace(p, name="另一份改了名称"))
    window.merge([files[0], copy])
    dialog = window.show_conflicts()
    assert dialog.list.count() == 1
    labels = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    row = labels.index("项目名称")
    assert dialog.table.item(row, 1).text() == p.name and dialog.table.item(row, 2).text() == "另一份改了名称"
    # take the name from the received copy, keep our usage: field by field
    from PySide6.QtCore import Qt

    assert dialog.table.item(labels.index("项目编码"), 2).data(Qt.ItemDataRole.CheckStateRole) is None  # same: no box
    dialog.table.item(row, 2).setCheckState(Qt.CheckState.Checked)
    assert dialog.checked_fields() == ["name"]
    dialog.resolve(take=True, fields=dialog.checked_fields())
    assert dialog.list.count() == 0
    qtbot.waitUntil(lambda: not window.document.unsaved)  # written to disk like any other edit
    merged = window.session.project(p.uid)
    assert merged.name == "另一份改了名称" and merged.usage == "本单位改了用途"
    window.act_undo.trigger()  # choosing is one undoable step, and undo brings the conflict back
    assert window.session.project(p.uid).name == p.name
    assert dialog.list.count() == 1 and dialog.table.item(row, 2).text() == "另一份改了名称"
    window.act_redo.trigger()
    assert window.session.project(p.uid).name == "另一份改了名称" and dialog.list.count() == 0
    window.act_undo.trigger()
    window.close()
    with Store.open(out) as store:  # what the window showed is what the file holds
        ((_, source, other),) = store.conflicts()
        assert source == copy.name and other.name == "另一份改了名称"
        assert store.project(p.uid).name == p.name


def test_review_from_the_window_and_back_to_the_clerk(qtbot, tmp_path, monkeypatch):
    window, out, files = consolidated(tmp_path, qtbot, monkeypatch)
    uid = window.session.projects()[0].uid
    window.list_panel.select(uid)
    dialog = window.edit_review()
    dialog.status.setCurrentText("退回修改")
    dialog.comment.setPlainText("请补充满意度指标")
    dialog.save()
    assert "退回修改" in window.list_panel.model.data(window.list_panel.model.index(0))
    reviews = tmp_path / "r.json"
    window.session.wait_saved()
    assert reviews_ops.export_reviews(out, reviews) == 1
    window.close()
    clerk = MainWindow()
    qtbot.addWidget(clerk)
    clerk.open_file(files[0])
    before = [p.content_key() for p in clerk.session.projects()]
    assert clerk.import_reviews(reviews) == 1
    assert "请补充满意度指标" in clerk.editor.review_banner.text()
    assert [p.content_key() for p in clerk.session.projects()] == before
    clerk.close()


def test_a_supervisor_file_made_in_the_window_names_the_office_and_receives(qtbot, tmp_path, monkeypatch):
    from decimal import Decimal

    from desk.domain.model import Unit
    from desk.ui.dialogs import UnitDialog
    from tests.helpers import good_project

    folder = tmp_path / "received"
    folder.mkdir()
    files = [office_file(folder, u) for u in OFFICES[:2]]
    twin = folder / "twin.db"  # the same project entered twice by the second office
    with Store.create(twin, unit=OFFICES[1], year=2024) as store:
        store.save_project(good_project(unit_code=OFFICES[1].code, year=2024, code=f"{OFFICES[1].code}P0",
                                        name="重新录入"))
    window = MainWindow()
    qtbot.addWidget(window)
    # the dialog asks for the supervisor's own office
    dialog = UnitDialog(window, consolidated=True)
    assert dialog.windowTitle() == "新建汇总文件" and "本级" in dialog.findChildren(type(dialog.error))[0].text()
    dialog.close()
    out = tmp_path / "财政局汇总.db"
    assert window.new_file(consolidated=True, ask=lambda: ("439000", "玉田县财政局", 2024), target=out)
    assert window.document.receives and window.document.unit == Unit("439000", "玉田县财政局")
    assert "汇总文件" in window.header.text() and "玉田县财政局" in window.header.text()
    assert window.supervisor_menu.menuAction().isVisible()
    assert window.right.currentWidget() is window.empty_panel and "合并收到的文件" in window.empty_panel.message.text()
    report = window.merge([*files, twin])
    assert report.added == 7 and len(report.duplicates) == 1
    assert "疑似重复" in window.merge_result.text.toPlainText()
    window.merge_result.close()
    # the offices' tables are read-only because they were received, whatever their unit code
    received = window.session.projects()[0]
    window.list_panel.select(received.uid)
    assert window.editor.name.isReadOnly() and "单位报来的表（无终街道办事处）" in window.editor.locked_banner.text()
    assert not window.act_insert_row.isEnabled() and not window.act_finalize.isEnabled()
    # the overview counts a possible duplicate once in the unit's total
    overview = window.show_overview()
    row = [overview.table.item(r, 0).text() for r in range(overview.table.rowCount())].index(OFFICES[1].code)
    assert overview.table.item(row, 3).text() == "4"
    assert overview.table.item(row, 4).text() == f"{3 * Decimal('770000'):,.2f}元"  # 3 projects, not 4
    assert "未重复计入" in overview.hint.text()
    received_at = overview.table.item(row, 8).text()
    assert "年" in received_at and "T" not in received_at  # people's words, not an ISO timestamp
    overview.close()
    window.close()


def test_an_office_file_has_no_supervisor_menu(qtbot, tmp_path):
    folder = tmp_path / "received"
    folder.mkdir()
    path = office_file(folder, OFFICES[0])
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    assert not window.document.receives
    assert not window.supervisor_menu.menuAction().isVisible() and window.act_import_reviews.isVisible()
    window.close()

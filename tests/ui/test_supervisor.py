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
    assert dialog.table.item(1, 3).text() == "3" and dialog.table.item(1, 8).text() == files[1].name
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

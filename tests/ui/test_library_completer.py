"""The 指标库 in a 三级 cell: two characters typed (as an input method commits them), an entry picked with the
keyboard fills the row, and one undo takes it all back."""

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from desk.domain.model import Indicator
from desk.store import Store
from desk.ui.app import MainWindow
from desk.ui.grid import CellEditor
from tests.helpers import UNIT, good_project


def commit_text(widget, text):
    """What a Chinese input method sends when the clerk picks the characters."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def open_with_row(qtbot, tmp_path, row: Indicator):
    path = tmp_path / "f.db"
    project = replace(good_project(), indicators=good_project().indicators + (row,))
    with Store.create(path, unit=UNIT, year=2024) as store:
        store.save_project(project)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.open_file(path)
    window.list_panel.select(project.uid)
    return window, project


def start_typing(qtbot, window, row: int):
    grid, model = window.editor.grid, window.editor.model
    window.editor.tabs.setCurrentWidget(window.editor.grid_page)
    grid.setFocus()
    grid.setCurrentIndex(model.index(row, model.column_of("name")))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    editor = grid.focusWidget()
    assert isinstance(editor, CellEditor)
    return grid, model, editor


def test_two_characters_offer_the_library_and_a_keyboard_pick_fills_the_row_in_one_step(qtbot, tmp_path):
    window, project = open_with_row(qtbot, tmp_path, Indicator("满意度指标", "服务对象满意度指标"))
    row = len(project.indicators) - 1
    grid, model, editor = start_typing(qtbot, window, row)
    stack = window.session.undo_stack
    steps = stack.count()
    commit_text(editor, "群")
    assert not editor.offering  # one character is not enough
    commit_text(editor, "众")
    qtbot.waitUntil(lambda: editor.offering)
    popup = editor.completer.popup()
    shown = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    assert shown and all("群众" in text.split("　")[0] for text in shown), shown
    assert not popup.currentIndex().isValid()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.indicators[row].name.startswith("群众"))
    filled = model.indicators[row]
    entry = next(e for e in window.session.library() if e.name == filled.name and e.value == filled.value_text)
    assert (filled.level1, filled.level2) == ("满意度指标", "服务对象满意度指标")
    assert (filled.description, filled.basis) == (entry.description, entry.basis) and filled.value_text
    assert stack.count() == steps + 1 and stack.undoText() == "从指标库填入"
    assert grid.state() != grid.State.EditingState  # the typed text was not committed besides
    window.act_undo.trigger()
    assert window.session.project(project.uid).indicators[row] == Indicator("满意度指标", "服务对象满意度指标")
    window.act_redo.trigger()
    assert window.session.project(project.uid).indicators[row] == filled
    # each part stays editable
    grid.setCurrentIndex(model.index(row, model.column_of("value")))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    value_editor = grid.focusWidget()
    value_editor.setPlainText("≥95%")
    qtbot.keyClick(value_editor, Qt.Key.Key_Return)
    assert window.session.project(project.uid).indicators[row].value_text == "≥95%"
    window.close()


def test_typing_past_the_offers_keeps_what_was_typed(qtbot, tmp_path):
    window, project = open_with_row(qtbot, tmp_path, Indicator("产出指标", "数量指标"))
    row = len(project.indicators) - 1
    grid, model, editor = start_typing(qtbot, window, row)
    commit_text(editor, "慰问")
    qtbot.waitUntil(lambda: editor.offering)  # offered, but nothing is marked
    commit_text(editor, "老人户数")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.session.project(project.uid).indicators[row].name == "慰问老人户数"
    assert window.session.project(project.uid).indicators[row].value_text == ""
    window.close()


def test_escape_closes_the_list_first_then_the_cell(qtbot, tmp_path):
    window, project = open_with_row(qtbot, tmp_path, Indicator("满意度指标", "服务对象满意度指标"))
    grid, model, editor = start_typing(qtbot, window, len(project.indicators) - 1)
    commit_text(editor, "满意")
    qtbot.waitUntil(lambda: editor.offering)
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Escape)
    assert not editor.offering and grid.state() == grid.State.EditingState
    window.close()


def test_f2_on_a_filled_cell_offers_nothing_until_the_clerk_types(qtbot, tmp_path):
    window, project = open_with_row(qtbot, tmp_path, Indicator("满意度指标", "服务对象满意度指标", "群众满意度"))
    grid, model, editor = start_typing(qtbot, window, len(project.indicators) - 1)
    assert editor.toPlainText() == "群众满意度" and not editor.offering
    editor.selectAll()
    commit_text(editor, "群众")  # typing replaces the selected text: now the list follows it
    qtbot.waitUntil(lambda: editor.offering)
    window.close()


def test_a_pick_keeps_the_rows_description_and_basis_when_the_entry_has_none(qtbot, tmp_path):
    from desk.domain.library import OWN, LibraryEntry

    row_before = Indicator("满意度指标", "服务对象满意度指标", "", "抽样调查群众", basis="年度满意度调查")
    window, project = open_with_row(qtbot, tmp_path, row_before)
    window.session.add_library_entry(LibraryEntry("满意度指标", "服务对象满意度指标", "干部群众满意度", "", "≥92%", "",
                                                  origin=OWN))
    row = len(project.indicators) - 1
    grid, model, editor = start_typing(qtbot, window, row)
    commit_text(editor, "干部")
    qtbot.waitUntil(lambda: editor.offering)
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.indicators[row].name == "干部群众满意度")
    filled = model.indicators[row]
    assert (filled.value_text, filled.description, filled.basis) == ("≥92%", "抽样调查群众", "年度满意度调查")
    window.close()


def test_text_an_input_method_commits_on_a_cell_not_being_edited_is_kept(qtbot, tmp_path):
    window, project = open_with_row(qtbot, tmp_path, Indicator("满意度指标", "服务对象满意度指标", "旧名称"))
    row = len(project.indicators) - 1
    grid, model = window.editor.grid, window.editor.model
    window.editor.tabs.setCurrentWidget(window.editor.grid_page)
    grid.setFocus()
    grid.setCurrentIndex(model.index(row, model.column_of("name")))
    commit_text(grid, "满意")  # handwriting or voice input: no composition before the text
    editor = grid.focusWidget()
    assert isinstance(editor, CellEditor) and editor.toPlainText() == "满意"
    editor.completer.popup().hide()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.session.project(project.uid).indicators[row].name == "满意"
    window.close()

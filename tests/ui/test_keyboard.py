"""The grid behaves like Excel/WPS, and the keyboard alone reaches every field."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit

from desk.ops import imports as imports_ops
from desk.ui.app import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def demo_window(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    assert window.open_file(imports_ops.make_demo(tmp_path / "demo.db"))
    qtbot.waitUntil(lambda: window.editor.isVisible())  # a new workspace shows once the event loop runs
    return window


def grid_of(window):
    window.editor.show_tab(1)
    return window.editor.grid, window.editor.model


def cell(grid, row, col):
    return (grid.currentIndex().row(), grid.currentIndex().column()) == (row, col)


def test_every_row_of_a_merged_run_is_reachable_and_editable(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    assert grid.merge_of(0, 0) is not None and grid.merge_of(1, 0) is not None  # 产出指标 over several rows
    first, count = grid.merge_of(0, 0)
    # the keyboard walks down the merged 一级 column row by row
    grid.setCurrentIndex(model.index(0, 0))
    for row in range(1, count):
        qtbot.keyClick(grid, Qt.Key.Key_Down)
        assert cell(grid, row, 0)
    # the mouse reaches a covered row too
    rect = grid.visualRect(model.index(count - 1, 1))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert cell(grid, count - 1, 1)
    # editing one covered row changes that row only
    before = [ind.level2 for ind in model.indicators]
    grid.setCurrentIndex(model.index(1, 1))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    focus = QApplication.focusWidget()
    combo = focus if isinstance(focus, QComboBox) else focus.parent()
    assert isinstance(combo, QComboBox) and combo.currentText() == before[1]
    combo.setCurrentText("时效指标")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.state() != grid.State.EditingState)  # a combo commits after Enter is handled
    after = [ind.level2 for ind in model.indicators]
    assert after[1] == "时效指标" and after[:1] + after[2:] == before[:1] + before[2:]
    window.close()


def test_typing_replaces_and_f2_edits_in_place(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    name_col = model.column_of("name")
    old = model.indicators[0].name
    grid.setCurrentIndex(model.index(0, name_col))
    qtbot.keyClick(grid, Qt.Key.Key_A)  # typing into a filled cell replaces its text
    editor = QApplication.focusWidget()
    assert isinstance(editor, QPlainTextEdit) and editor.toPlainText() == "a"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert model.indicators[0].name == "a" and cell(grid, 1, name_col)  # Enter commits and moves down
    window.act_undo.trigger()
    assert model.indicators[0].name == old
    # F2 keeps the text, cursor at the end
    grid.setCurrentIndex(model.index(0, name_col))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor.toPlainText() == old and editor.textCursor().position() == len(old)
    qtbot.keyClicks(editor, "X")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # Tab commits and moves right, without opening the next cell
    assert model.indicators[0].name == old + "X" and cell(grid, 0, name_col + 1)
    assert grid.state() != grid.State.EditingState
    # a combo cell: typing replaces there too
    grid.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(grid, Qt.Key.Key_Q)
    combo = QApplication.focusWidget()
    assert isinstance(combo, QComboBox) and combo.currentText().startswith("q")
    qtbot.keyClick(combo, Qt.Key.Key_Escape)
    assert model.indicators[0].level1 == "产出指标"
    window.close()


def test_line_breaks_in_a_cell_survive_editing(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    col = model.column_of("description")
    model.setData(model.index(2, col), "第一行\n第二行")
    grid.setCurrentIndex(model.index(2, col))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor.toPlainText() == "第一行\n第二行"
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)  # Alt+Enter: a line break
    editor.insertPlainText("第三行")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert model.indicators[2].description == "第一行\n第二行\n第三行"
    window.close()


def test_home_end_move_within_the_row(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    grid.setCurrentIndex(model.index(2, 3))
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert cell(grid, 2, model.columnCount() - 1)
    qtbot.keyClick(grid, Qt.Key.Key_Home)
    assert cell(grid, 2, 0)
    qtbot.keyClick(grid, Qt.Key.Key_End, CTRL)
    assert cell(grid, model.rowCount() - 1, model.columnCount() - 1)
    window.close()


def test_insert_row_puts_the_keyboard_on_the_new_row(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    rows = model.rowCount()
    grid.setCurrentIndex(model.index(1, 4))
    window.editor.code.setFocus()  # the cursor is elsewhere when the clerk presses Ctrl+Shift+=
    window.act_insert_row.trigger()
    assert model.rowCount() == rows + 1
    assert grid.hasFocus() and cell(grid, 2, model.column_of("name"))
    qtbot.keyClick(grid, Qt.Key.Key_Z)  # typing goes straight into the new row
    editor = QApplication.focusWidget()
    editor.insertPlainText("新指标")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert model.indicators[2].name == "z新指标"
    window.close()


def test_paste_lands_exactly_at_the_selected_cell(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    names = [ind.name for ind in model.indicators]
    # the clerk drags from (3, 3) up to (2, 2): the block's top-left cell is where the paste starts
    start = grid.visualRect(model.index(3, 3)).center()
    end = grid.visualRect(model.index(2, 2)).center()
    qtbot.mousePress(grid.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid.viewport(), pos=end)
    qtbot.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=end)
    QGuiApplication.clipboard().setText("粘贴的名称\t粘贴的描述\r\n")
    qtbot.keyClick(grid, Qt.Key.Key_V, CTRL)
    got = [ind.name for ind in model.indicators]
    assert got[2] == "粘贴的名称" and model.indicators[2].description == "粘贴的描述"
    assert got[:2] + got[3:] == names[:2] + names[3:]
    # a single clicked cell inside a merged run: the paste starts on that very row
    rect = grid.visualRect(model.index(1, 0))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center() + QPoint(0, 2))
    QGuiApplication.clipboard().setText("效益指标\r\n")
    qtbot.keyClick(grid, Qt.Key.Key_V, CTRL)
    assert model.indicators[1].level1 == "效益指标" and model.indicators[0].level1 == "产出指标"
    window.close()


def test_tab_leaves_multi_line_fields_and_the_keyboard_reaches_every_field(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    editor = window.editor
    editor.show_tab(0)
    assert editor.name.hasFocus()
    visited = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        visited.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    fields = [editor.name, editor.code, editor.form_combo, editor.total, editor.money_unit, editor.fiscal,
              editor.other, editor.usage, editor.goals, editor.scheme, *editor.plan_edits]
    for field in fields:
        assert field in visited, field
    order = [visited.index(f) for f in fields]
    assert order == sorted(order)  # in reading order
    # Ctrl+Tab puts a tab character into 资金用途 rather than leaving it
    editor.usage.setFocus()
    editor.usage.moveCursor(editor.usage.textCursor().MoveOperation.End)
    qtbot.keyClick(editor.usage, Qt.Key.Key_Tab, CTRL)
    assert editor.usage.toPlainText().endswith("\t") and editor.usage.hasFocus()
    # a goal being edited: Tab commits it and moves on to the next field
    editor.goals.setFocus()
    editor.goals.setCurrentRow(0)
    qtbot.keyClick(editor.goals, Qt.Key.Key_F2)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    line.setText("改过的目标")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    assert window.session.project(editor.uid).goals[0] == "改过的目标"
    assert not editor.goals.hasFocus() and QApplication.focusWidget() is not line
    # the list, the check panel and the grid are one shortcut away
    window.act_focus_list.trigger()
    assert window.list_panel.view.hasFocus()
    window.act_tab_grid.trigger()
    assert editor.grid.hasFocus()
    window.act_focus_checks.trigger()
    assert window.check_panel.list.hasFocus()
    window.close()


def test_ctrl_moves_select_the_cell_they_land_on(qtbot, tmp_path):
    """Delete and typing act on the same cell after Ctrl+End, Ctrl+Home or Ctrl+arrows."""
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    name_col = model.column_of("name")
    grid.setCurrentIndex(model.index(2, name_col))
    kept = model.indicators[2].name
    last_row, last_col = model.rowCount() - 1, model.columnCount() - 1
    qtbot.keyClick(grid, Qt.Key.Key_End, CTRL)
    assert cell(grid, last_row, last_col)
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    assert model.indicators[last_row].basis == "" and model.indicators[2].name == kept
    qtbot.keyClick(grid, Qt.Key.Key_Home, CTRL)
    assert grid.selected_cells() == [(0, 0)]
    qtbot.keyClick(grid, Qt.Key.Key_Down, CTRL)
    assert grid.selected_cells() == [(1, 0)]
    window.close()


def test_a_selected_row_inside_a_merged_run_shows_its_own_value(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    grid, model = grid_of(window)
    assert grid.folded_run(1, 0) == grid.merge_of(1, 0) != None  # noqa: E711 - drawn as one cell
    select = grid.selectionModel().SelectionFlag.ClearAndSelect
    grid.selectionModel().setCurrentIndex(model.index(1, 0), select)
    assert grid.folded_run(1, 0) is None and grid.folded_run(0, 0) is None  # unfolded while worked on
    grid.selectionModel().setCurrentIndex(model.index(1, 3), select)
    assert grid.folded_run(1, 0) is not None  # folded again when the cursor leaves the run
    window.close()


def test_an_empty_grid_says_how_to_add_the_first_row(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    window.act_new_project.trigger()
    grid, model = grid_of(window)
    assert model.rowCount() == 0 and "Ctrl+Shift+=" in grid.EMPTY_HINT and "Ctrl+V" in grid.EMPTY_HINT
    window.act_insert_row.trigger()
    assert cell(grid, 0, model.column_of("level1"))  # the first row starts at 一级指标
    window.close()


def test_undo_shows_the_table_and_field_it_changes(qtbot, tmp_path):
    window = demo_window(qtbot, tmp_path)
    session, editor = window.session, window.editor
    second, third = session.projects()[1], session.projects()[2]
    window.list_panel.select(second.uid)
    editor.show_tab(0)
    editor.name.setFocus()
    editor.name.setText(second.name + "XYZ")
    qtbot.keyClick(editor.name, Qt.Key.Key_Return)
    window.list_panel.select(third.uid)
    editor.show_tab(1)
    window.act_undo.trigger()
    assert session.project(second.uid).name == second.name
    assert editor.uid == second.uid and editor.tabs.currentIndex() == 0 and editor.name.hasFocus()
    assert window.statusBar().currentMessage() == f"已撤销 修改项目名称（项目“{second.name}”）"
    # a grid cell: redo/undo go back to that very cell
    grid, model = grid_of(window)
    col = model.column_of("basis")
    model.setData(model.index(3, col), "新的依据")
    window.list_panel.select(third.uid)
    window.act_undo.trigger()
    assert editor.uid == second.uid and cell(editor.grid, 3, col) and editor.grid.hasFocus()
    window.close()

"""A first-run path: an empty file says how to start, F1 opens a short Chinese help that matches the menus."""

import re

from PySide6.QtGui import QKeySequence

from desk.ops import files
from desk.ui.app import MainWindow
from desk.ui.dialogs import help_pages
from tests.helpers import UNIT

TASKS = ["填写一张表", "从 Excel/WPS 粘贴", "打印和签字", "报送上级", "上级汇总", "新的一年：带入上一年、导入 Word、指标库"]


def plain(text: str) -> str:
    return re.sub(r"\(&.\)|&|…", "", text)


def test_an_empty_file_says_how_to_add_the_first_project(qtbot, tmp_path):
    path = files.create_file(tmp_path / "new.db", UNIT, 2024)
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    assert window.right.currentWidget() is window.empty_panel
    assert "新建项目" in window.empty_panel.message.text() and "Ctrl+Shift+N" in window.empty_panel.message.text()
    new = next(b for b in window.empty_panel.buttons if b.text() == "新建项目")
    new.click()
    assert len(window.session.projects()) == 1 and window.right.currentWidget() is window.editor
    assert window.editor.name.hasFocus() or window.editor.tabs.currentIndex() == 0
    window.act_undo.trigger()
    assert window.right.currentWidget() is window.empty_panel
    window.close()


def test_f1_opens_one_help_page_per_task(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.act_help.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    window.act_help.trigger()
    dialog = window.findChildren(type(window.show_help()))[0]
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == TASKS
    dialog.list.setCurrentRow(3)
    assert "导出副本给上级" in dialog.browser.toPlainText()
    window.close()


def test_the_help_names_only_menus_and_shortcuts_that_exist(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    menus = {}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        menus[plain(menu_action.text())] = {plain(a.text()) for a in menu.actions() if a.text()}
    shortcuts = {a.shortcut().toString() for a in window.findChildren(type(window.act_help)) if not a.shortcut().isEmpty()}
    grid_keys = {"F2", "Alt+Enter", "Ctrl+C", "Ctrl+V", "Ctrl+Z", "Ctrl+Y", "Ctrl+Tab"}
    for title, text in help_pages():
        for menu, item in re.findall(r"“([^“”→ ]+) → ([^“”]+)”", text):
            assert menu in menus, (title, menu)
            assert plain(item) in menus[menu], (title, menu, item)
        for key in re.findall(r"(?:Ctrl|Alt|Shift|F\d)[+A-Za-z0-9=\-↑↓]*", text):
            key = key.replace("↑", "Up").replace("↓", "Down")
            assert key in shortcuts or key in grid_keys, (title, key)
    window.close()

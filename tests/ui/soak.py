"""A long random run of clerk actions through the real main window (the soak test).

Each action goes through the widgets a clerk uses: line edits typed into and
confirmed with Enter, the multi-line 资金用途, the goals list, the indicator
grid (typing, F2, Delete, Tab, Enter, blocks pasted from a spreadsheet, rows
inserted, deleted and moved), undo and redo, switching projects and tabs,
clicking findings, adding, copying and deleting projects, 定稿 and 解除定稿, 指标库 entries picked in 三级
cells from the list two characters bring up (typed as an input method commits them).

After every action the undo stack must tell the truth: a refused edit adds no
step, an accepted one is on top under its own name. Every ``check_every``
actions the model invariants are checked (the grid shows the session's
project, its merged runs match the data, the list shows every project).
``finish`` closes the window and compares the reopened file with the session.

Used by tests/ui/test_soak.py (3,000 actions) and bench/soak_bench.py (30,000).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLineEdit, QMessageBox, QPlainTextEdit

WORDS = ["社区", "服务", "人次", "覆盖率", "满意度", "经费", "维修", "培训", "宣传", "巡查", "≥90%", "85%以上", "12",
         "≤100人", "2024年12月底前", "按上级文件执行", "不低于95%", "低于10%", "115万元", "效果指标", "数量", "Ａ１",
         "多行\n说明", "“引号”", "*", "XX", "-", "  前后空格  ", "𠮷", "㐀"]
MONEY = ["770000", "770,000.00", "77万", "￥1,234.50", "７７００００", "0", "12.345", "1234567890123456", "abc", "1,2,3",
         "", "-5", "3.5万元", "500元", "99999999999999.99"]
PERCENT = ["30", "60%", "90", "100", "", "120", "-5", "abc", "３０", "50.5", "100%"]
LEVEL1 = ["产出指标", "效益指标", "满意度指标", "效果指标", "成本指标", "其他"]
LEVEL2 = ["数量指标", "质量", "时效指标", "成本指标", "社会效益指标", "经济效益", "服务对象满意度指标", "生态"]


def text(rng: random.Random, words: int = 3) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(1, words)))


@dataclass
class SoakResult:
    actions: int = 0
    counts: dict = field(default_factory=dict)
    refused: int = 0  # edits the rules or the fields refused (no undo step)
    problems: list = field(default_factory=list)  # unexpected message boxes: real bugs


class Soak:
    def __init__(self, window, qtbot, seed: int, *, pytest_config=None):
        self.w = window
        self.qtbot = qtbot
        self.rng = random.Random(seed)
        self.pytest_config = pytest_config  # with it, every model gets pytest-qt's model tester attached
        self.testers: list = []
        self.result = SoakResult()
        self._tested_models: set[int] = set()
        self._actions = [
            (6, self.type_header), (6, self.type_money), (4, self.type_plan), (3, self.type_usage),
            (4, self.edit_goal), (2, self.add_or_remove_goal), (10, self.type_in_grid), (4, self.f2_in_grid),
            (3, self.clear_cells), (3, self.paste_block), (3, self.insert_row), (2, self.delete_rows),
            (3, self.move_rows), (8, self.undo), (5, self.redo), (4, self.switch_project), (3, self.switch_tab),
            (2, self.click_finding), (1, self.change_combo), (1, self.new_project), (1, self.copy_project),
            (1, self.delete_project), (1, self.lock_toggle), (1, self.search),
            (2, self.switch_department), (3, self.edit_department), (2, self.pick_from_library),
        ]
        self._weights = [w for w, _ in self._actions]

    # ------------------------------------------------------------ the run

    def run(self, count: int, check_every: int = 100, progress=None) -> SoakResult:
        for n in range(1, count + 1):
            if progress is not None and n % check_every == 0:
                progress(n)
            _, action = self.rng.choices(self._actions, weights=self._weights)[0]
            self._act(action)
            if n % check_every == 0:
                self.check_invariants()
        self.check_invariants()
        return self.result

    def _act(self, action) -> None:
        stack = self.w.session.undo_stack
        before = (stack.count(), stack.index(), stack.undoText())
        expected = action()
        QApplication.processEvents()
        # What the main event loop does between two clerk actions: delete what deleteLater() asked for
        # (closed cell editors, dialogs). processEvents() alone leaves them alive.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self._close_stray_dialogs()
        self.result.actions += 1
        self.result.counts[action.__name__] = self.result.counts.get(action.__name__, 0) + 1
        stack = self.w.session.undo_stack
        after = (stack.count(), stack.index(), stack.undoText())
        if expected is None or expected == "any":
            return
        if expected == "none":  # refused or no change: the stack says nothing happened
            assert after == before, (action.__name__, before, after)
            self.result.refused += 1
        else:  # an accepted edit: on top, under its own name
            assert after[2] == expected and after[1] == after[0], (action.__name__, expected, after)

    def _close_stray_dialogs(self) -> None:
        closed = False
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.close()
                closed = True
        if closed or QApplication.activeWindow() is not self.w:
            self.w.activateWindow()  # as the window manager does when a dialog closes
            QApplication.processEvents()

    # ------------------------------------------------------------ helpers

    @property
    def editor(self):
        return self.w.editor

    def project(self):
        return self.w.current_project()

    def editable(self) -> bool:
        p = self.project()
        return p is not None and self.w.session.editable(p.uid)

    def _confirm_line(self, widget: QLineEdit, value: str) -> None:
        widget.setFocus()
        widget.selectAll()
        widget.insert(value)
        self.qtbot.keyClick(widget, Qt.Key.Key_Return)

    def _settle(self, view) -> None:
        """Enter in an item editor commits once the event loop runs (Qt queues it): wait for that."""
        self.qtbot.waitUntil(lambda: view.state() != view.State.EditingState, timeout=2000)
        QApplication.processEvents()

    def _step(self, changed: bool, name: str) -> str:
        return name if changed else "none"

    # ------------------------------------------------------------ 基本信息

    def type_header(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        key, widget, label = self.rng.choice([("code", self.editor.code, "修改项目编码"),
                                              ("name", self.editor.name, "修改项目名称")])
        value = text(self.rng, 2).replace("\n", "")
        before = getattr(self.project(), key)
        self._confirm_line(widget, value)
        return self._step(getattr(self.project(), key) != before, label)

    def type_money(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        key = self.rng.choice(["total", "fiscal", "other"])
        widget = self.editor.money_fields()[key]
        before = self.project().budget
        self._confirm_line(widget, self.rng.choice(MONEY))
        label = {"total": "修改预算数", "fiscal": "修改财政资金", "other": "修改其他资金"}[key]
        return self._step(self.project().budget != before, label)

    def type_plan(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        visible = [e for e in self.editor.plan_edits if e.isVisibleTo(self.editor)]
        i = self.rng.randrange(len(visible))
        before = self.project().plan
        self._confirm_line(visible[i], self.rng.choice(PERCENT))
        changed = self.project().plan != before
        label = self.w.session.form_for(self.project()).checkpoint_labels(before.scheme)[i]
        return self._step(changed, f"修改支出计划（{label}）")

    def type_usage(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        usage = self.editor.usage
        before = self.project().usage
        usage.setFocus()
        usage.setPlainText(text(self.rng, 4))
        self.qtbot.keyClick(usage, Qt.Key.Key_Tab)  # Tab leaves the field and commits it
        return self._step(self.project().usage != before, "修改资金用途")

    def edit_goal(self):
        if not self.editable() or not self.project().goals:
            return None
        self.editor.show_tab(0)
        goals = self.editor.goals
        goals.setFocus()
        goals.setCurrentRow(self.rng.randrange(goals.count()))
        before = self.project().goals
        self.qtbot.keyClick(goals, Qt.Key.Key_F2)
        line = QApplication.focusWidget()
        if not isinstance(line, QLineEdit):
            return "none"
        line.setText(text(self.rng, 2).replace("\n", ""))
        self.qtbot.keyClick(line, self.rng.choice([Qt.Key.Key_Return, Qt.Key.Key_Tab]))
        self._settle(goals)
        return self._step(self.project().goals != before, "修改绩效目标")

    def add_or_remove_goal(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        goals = self.editor.goals
        goals.setFocus()
        if goals.count():
            goals.setCurrentRow(self.rng.randrange(goals.count()))
        before = self.project().goals
        if goals.count() and self.rng.random() < 0.4:
            self.qtbot.keyClick(goals, Qt.Key.Key_Delete)
            return self._step(self.project().goals != before, "删除绩效目标")
        self.qtbot.keyClick(goals, Qt.Key.Key_Insert)
        line = QApplication.focusWidget()
        if isinstance(line, QLineEdit):
            line.setText(text(self.rng, 2).replace("\n", ""))
            self.qtbot.keyClick(line, Qt.Key.Key_Return)
            self._settle(goals)
        return "any"  # 添加 then 修改 (or an empty goal left as added)

    # ------------------------------------------------------------ the grid

    def _grid(self):
        self.editor.show_tab(1)
        return self.editor.grid, self.editor.model

    def _random_cell(self):
        grid, model = self._grid()
        if model.rowCount() == 0:
            return None
        row, col = self.rng.randrange(model.rowCount()), self.rng.randrange(model.columnCount())
        grid.setCurrentIndex(model.index(row, col))
        grid.setFocus()
        return grid, model, row, col

    def _finish_cell_edit(self, grid, content: str):
        editor = QApplication.focusWidget()
        if isinstance(editor, QComboBox):
            editor.setCurrentText(content)
            key = self.rng.choice([Qt.Key.Key_Return, Qt.Key.Key_Tab, Qt.Key.Key_Escape])
            self.qtbot.keyClick(editor, key)
            self._settle(grid)
            return key
        if isinstance(editor, QPlainTextEdit):
            editor.insertPlainText(content)
            key = self.rng.choice([Qt.Key.Key_Return, Qt.Key.Key_Tab, Qt.Key.Key_Escape])
            self.qtbot.keyClick(editor, key)
            return key
        return None

    def _cell_action(self, key, content=None, step: str | None = None):
        """Press ``key`` on a random cell of an editable table; finish the edit it opens with ``content``."""
        if not self.editable():
            return None
        picked = self._random_cell()
        if picked is None:
            return None
        grid, model, row, col = picked
        before = self.project().indicators
        self.qtbot.keyClick(grid, key)
        if content is not None:
            self._finish_cell_edit(grid, content(model.keys[col]))
        return self._step(self.project().indicators != before, step or f"修改{model.labels[col]}")

    def type_in_grid(self):
        """Typing starts editing and replaces the text."""
        return self._cell_action(Qt.Key.Key_A, lambda key: self.rng.choice(
            LEVEL1 if key == "level1" else LEVEL2 if key == "level2" else WORDS))

    def f2_in_grid(self):
        return self._cell_action(Qt.Key.Key_F2, lambda key: self.rng.choice(["", "1", "X", "\n补充"]))

    def pick_from_library(self):
        """Two characters into a 三级 cell as an input method commits them; the offered list picked from with
        the keyboard (or closed with Esc), as one step."""
        if not self.editable():
            return None
        grid, model = self._grid()
        col = model.column_of("name")
        if model.rowCount() == 0 or col is None:
            return None
        row = self.rng.randrange(model.rowCount())
        grid.setCurrentIndex(model.index(row, col))
        grid.setFocus()
        before = self.project().indicators
        self.qtbot.keyClick(grid, Qt.Key.Key_F2)
        editor = grid.focusWidget()
        if not isinstance(editor, QPlainTextEdit) or getattr(editor, "completer", None) is None:
            self.qtbot.keyClick(grid, Qt.Key.Key_Escape) if editor is not grid else None
            return "any"
        editor.selectAll()
        event = QInputMethodEvent()
        event.setCommitString(self.rng.choice(["满意", "数量", "完成", "覆盖", "及时", "群众", "工作"]))
        QApplication.sendEvent(editor, event)
        if not editor.offering:
            self.qtbot.keyClick(editor, Qt.Key.Key_Escape)
            return "any"
        popup = editor.completer.popup()
        if self.rng.random() < 0.2:
            self.qtbot.keyClick(popup, Qt.Key.Key_Escape)
            self.qtbot.keyClick(editor, Qt.Key.Key_Escape)
            return "none"
        for _ in range(self.rng.randint(1, 3)):
            self.qtbot.keyClick(popup, Qt.Key.Key_Down)
        picked = popup.currentIndex().isValid()  # past the last entry the list has nothing marked again
        self.qtbot.keyClick(popup, Qt.Key.Key_Return)
        self._settle(grid)
        return self._step(self.project().indicators != before, "从指标库填入" if picked else "修改三级指标")

    def clear_cells(self):
        return self._cell_action(Qt.Key.Key_Delete, step="清除内容")

    def paste_block(self):
        if not self.editable():
            return None
        grid, model = self._grid()
        if model.rowCount():
            grid.setCurrentIndex(model.index(self.rng.randrange(model.rowCount()),
                                             self.rng.randrange(model.columnCount())))
        grid.setFocus()
        rows = []
        for _ in range(self.rng.randint(1, 4)):
            cells = [self.rng.choice(LEVEL1), self.rng.choice(LEVEL2)] + [text(self.rng, 2) for _ in range(4)]
            start = self.rng.randrange(3)
            rows.append("\t".join('"' + c.replace('"', '""') + '"' if "\n" in c or '"' in c else c
                                  for c in cells[start:start + self.rng.randint(1, 6)]))
        QGuiApplication.clipboard().setText("\r\n".join(rows) + "\r\n")
        before = self.project().indicators
        self.qtbot.keyClick(grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        return self._step(self.project().indicators != before, "粘贴")

    def insert_row(self):
        if not self.editable():
            return None
        grid, model = self._grid()
        rows = model.rowCount()
        if rows and self.rng.random() < 0.8:
            grid.setCurrentIndex(model.index(self.rng.randrange(rows), 0))
        self.w.act_insert_row.trigger()
        assert model.rowCount() == rows + 1, (rows, model.rowCount(), self.w.statusBar().currentMessage())
        assert grid.hasFocus(), QApplication.focusWidget()
        return "插入行"

    def delete_rows(self):
        if not self.editable():
            return None
        grid, model = self._grid()
        if model.rowCount() == 0:
            return None
        first = self.rng.randrange(model.rowCount())
        last = min(model.rowCount() - 1, first + self.rng.randrange(3))
        grid.setCurrentIndex(model.index(first, 2))
        grid.select_block(first, 0, last - first + 1, model.columnCount())
        self.w.act_delete_row.trigger()
        return f"删除 {last - first + 1} 行"

    def move_rows(self):
        if not self.editable():
            return None
        grid, model = self._grid()
        if model.rowCount() < 2:
            return None
        row = self.rng.randrange(model.rowCount())
        grid.setCurrentIndex(model.index(row, 2))
        grid.selectRow(row)
        up = self.rng.random() < 0.5
        before = self.project().indicators
        (self.w.act_row_up if up else self.w.act_row_down).trigger()
        return self._step(self.project().indicators != before, "上移" if up else "下移")

    # ------------------------------------------------------------ the window

    def undo(self):
        stack = self.w.session.undo_stack
        index = stack.index()
        self.w.act_undo.trigger()
        assert stack.index() == max(0, index - 1)
        return None

    def redo(self):
        stack = self.w.session.undo_stack
        index, count = stack.index(), stack.count()
        self.w.act_redo.trigger()
        assert stack.index() == min(count, index + 1)
        return None

    def switch_project(self):
        projects = self.w.session.projects()
        if projects:
            self.w.list_panel.select(self.rng.choice(projects).uid)
        return "any"

    def switch_department(self):
        departments = self.w.session.departments()
        if departments:
            self.w.list_panel.select(self.rng.choice(departments).uid)
        return "any"

    def edit_department(self):
        """On the department table's pages: a task cell, a goal, the narrative, a task added or removed."""
        editor = self.w.dept_editor
        d = editor.dept()
        if d is None or not self.w.right.currentWidget() is editor:
            return "any"
        choice = self.rng.randrange(5)
        if choice == 0 and editor.tasks.rowCount():
            row, col = self.rng.randrange(editor.tasks.rowCount()), self.rng.randrange(5)
            value = text(self.rng) if col < 2 else self.rng.choice(["12.5", "0", "3,000", "x", "-1", "1万"])
            editor.tasks.setCurrentCell(row, col)
            editor.tasks.item(row, col).setText(value)
        elif choice == 1:
            editor.tabs.setCurrentIndex(0)
            (editor.add_task if self.rng.random() < 0.6 or not d.tasks else editor.remove_task)()
        elif choice == 2:
            editor.tabs.setCurrentIndex(2)
            editor.overall.setPlainText(text(self.rng, 8))
            editor.overall.clearFocus()
            editor.overall.committed.emit(editor.overall.toPlainText())
        elif choice == 3:
            editor.tabs.setCurrentIndex(2)
            editor.add_sub_goal() if self.rng.random() < 0.5 or not d.narrative.sub_goals else editor.remove_sub_goal()
        else:
            editor.tabs.setCurrentIndex(1)
            if editor.model is not None and editor.model.rowCount():
                row = self.rng.randrange(editor.model.rowCount())
                editor.model.setData(editor.model.index(row, 2), text(self.rng))
            else:
                editor.insert_row()
        return "any"

    def switch_tab(self):
        (self.w.act_tab_info if self.rng.random() < 0.5 else self.w.act_tab_grid).trigger()
        return "any"

    def click_finding(self):
        panel = self.w.check_panel
        if panel.list.count():
            item = panel.list.item(self.rng.randrange(panel.list.count()))
            panel.list.itemClicked.emit(item)
        return "any"

    def change_combo(self):
        if not self.editable():
            return None
        self.editor.show_tab(0)
        combo, label = self.rng.choice([(self.editor.money_unit, "更换金额单位"), (self.editor.scheme, "切换支出计划方式")])
        before = self.project()
        combo.setCurrentIndex(self.rng.randrange(combo.count()))
        combo.activated.emit(combo.currentIndex())
        return self._step(self.project().content_key() != before.content_key(), label)

    def new_project(self):
        if self.w.session.readonly or len(self.w.session.projects()) > 12:
            return None
        self.w.act_new_project.trigger()
        return "新建项目"

    def copy_project(self):
        if self.project() is None or len(self.w.session.projects()) > 12:
            return None
        self.w.act_copy_project.trigger()
        return "复制项目"

    def delete_project(self):
        if not self.editable() or len(self.w.session.projects()) < 3:
            return None
        name = self.project().name or "（未命名）"
        self.w.act_delete_project.trigger()
        return f"删除项目“{name}”"

    def lock_toggle(self):
        p = self.project()
        if p is None:
            return None
        if p.finalized:
            self.w.act_unfinalize.trigger()
        else:
            self.w.act_finalize.trigger()  # refused while the table has errors
        return "any"

    def search(self):
        panel = self.w.list_panel
        panel.search.setText(self.rng.choice(["", "经费", "9", "不存在的项目"]))
        panel.search.clear()
        return "any"

    # ------------------------------------------------------------ invariants

    def check_invariants(self) -> None:
        w = self.w
        session = w.session
        projects = session.projects()
        list_model = w.list_panel.model
        assert list_model.uids == [d.uid for d in session.departments()] + [p.uid for p in projects]
        shown = w.dept_editor.dept()
        if shown is not None and w.right.currentWidget() is w.dept_editor:
            assert w.dept_editor.model.indicators == shown.indicators
            assert w.dept_editor.tasks.rowCount() == len(shown.tasks)
        p = w.current_project()
        if p is None:
            return
        grid, model = w.editor.grid, w.editor.model
        if id(model) not in self._tested_models:
            self.attach_tester(model)
            self._tested_models.add(id(model))
        assert model.indicators == p.indicators  # the grid shows what the session holds
        assert grid.merged_runs() == model.spans()  # merges drawn match the data
        for row, col, count in model.spans():
            values = {(model.indicators[r].level1, model.indicators[r].level2)[: col + 1] for r in range(row, row + count)}
            assert len(values) == 1 and values.pop()[-1]  # one non-empty 一级 (or 一级+二级) over the run
        assert grid.rowSpan(0, 0) == 1 if model.rowCount() else True  # no Qt spans: every cell reachable
        stack = session.undo_stack
        assert 0 <= stack.index() <= stack.count()
        assert w.act_undo.isEnabled() == stack.canUndo() and w.act_redo.isEnabled() == stack.canRedo()
        if stack.canUndo():
            assert w.act_undo.text() == f"撤销 {stack.undoText()}"

    def attach_tester(self, model) -> None:
        """pytest-qt's model tester, one per model: it checks every signal the model sends from now on."""
        if self.pytest_config is None:
            return
        from pytestqt.modeltest import ModelTester

        tester = ModelTester(self.pytest_config)
        tester.check(model, force_py=True)
        self.testers.append(tester)

    def finish(self, path) -> None:
        """Close the window and check that the file holds exactly what the session showed."""
        from desk.store import Store

        expected = [p.content_key() for p in self.w.session.projects()]
        departments = [d.content_key() for d in self.w.session.departments()]
        self.w.close()
        with Store.open(path) as store:
            assert [p.content_key() for p in store.projects()] == expected
            assert [d.content_key() for d in store.departments()] == departments


def quiet_dialogs(monkeypatch, problems: list) -> None:
    """Answer 是 to every question; keep warnings (expected: refusals) and critical errors (bugs)."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: problems.append((title, text)))

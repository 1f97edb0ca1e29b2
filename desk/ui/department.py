"""The department's year: the 部门（单位）整体支出绩效目标表 and the narrative (部门整体绩效目标).

Three pages: 部门整体表 (unit name, 年度主要任务 with a live 合计, 年度总体目标),
年度绩效指标 (the same grid widget as projects, on the form's tree) and
部门整体绩效目标 (总体绩效目标, 分项绩效目标 items, 工作保障措施). Every change
replaces the whole department table through the session: one undo step,
checked, autosaved.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidgetItem,
    QPlainTextEdit, QPushButton, QScrollArea, QStyledItemDelegate, QTableWidget, QTableWidgetItem, QTabWidget,
    QVBoxLayout, QWidget,
)

from desk.domain.model import DepartmentPlan, DepartmentTask, SubGoal
from desk.domain.money import display_money, parse_typed_money
from desk.errors import DeskError
from desk.ui.editor import CommitLineEdit, CommitTextEdit, GoalList
from desk.ui.grid import IndicatorModel, IndicatorView, mount_grid
from desk.ui.session import EditSession

class MultiLineDelegate(QStyledItemDelegate):
    """Cells of long text edited in a multi-line box: Enter is a new line, leaving the cell commits, and text
    pasted from Word keeps its paragraphs."""

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt API
        editor = QPlainTextEdit(parent)
        editor.setTabChangesFocus(True)
        return editor

    def setEditorData(self, editor, index):  # noqa: N802 - Qt API
        editor.setPlainText(index.data() or "")

    def setModelData(self, editor, model, index):  # noqa: N802 - Qt API
        text = editor.toPlainText()
        if text != (index.data() or ""):
            model.setData(index, text)

    def updateEditorGeometry(self, editor, option, index):  # noqa: N802 - Qt API
        rect = option.rect
        rect.setHeight(max(rect.height(), 90))
        editor.setGeometry(rect)


TASK_COLUMNS = ("任务名称", "主要内容", "总额", "财政拨款", "其他资金")
# as in Excel/WPS: typing replaces, F2 or a double click edits; moving the cursor never opens an editor
EDIT_TRIGGERS = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                 | QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked)
AMOUNT_KEYS = ("total", "fiscal", "other")
SUB_COLUMNS = ("标题", "绩效目标", "绩效指标")


class DepartmentEditor(QWidget):
    """Edits one department table of the session; ``show_department`` switches which."""

    message = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.uid: str | None = None
        self._filling = False
        self.model: IndicatorModel | None = None
        self.grid: IndicatorView | None = None
        self._form_name = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        top.addWidget(self.banner, 1)
        self.finalize_button = QPushButton("定稿")
        self.finalize_button.setToolTip("锁定这张表用于签字盖章；打印时不再有“草稿”字样")
        self.unfinalize_button = QPushButton("解除定稿")
        top.addWidget(self.finalize_button)
        top.addWidget(self.unfinalize_button)
        layout.addLayout(top)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        # --- 部门整体表
        page = QWidget()
        form = QVBoxLayout(page)
        head = QGroupBox("部门（单位）整体支出绩效目标表")
        hg = QGridLayout(head)
        self.name = CommitLineEdit()
        self.money_unit = QComboBox()
        self.money_unit.addItems(["万元", "元"])
        self.form_combo = QComboBox()
        for key, f in sorted(session.forms.items()):
            if f.kind == "department":
                self.form_combo.addItem(f.label, key)
        hg.addWidget(QLabel("部门（单位）名称"), 0, 0)
        hg.addWidget(self.name, 0, 1, 1, 3)
        hg.addWidget(QLabel("表样"), 1, 0)
        hg.addWidget(self.form_combo, 1, 1)
        hg.addWidget(QLabel("金额单位"), 1, 2)
        hg.addWidget(self.money_unit, 1, 3)
        hg.setColumnStretch(1, 1)
        form.addWidget(head)
        tasks_box = QGroupBox("年度主要任务")
        tl = QVBoxLayout(tasks_box)
        self.tasks = QTableWidget(0, len(TASK_COLUMNS))
        self.tasks.setHorizontalHeaderLabels(TASK_COLUMNS)
        self.tasks.setWordWrap(True)
        header = self.tasks.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tasks.setMinimumHeight(150)
        self._long_text = MultiLineDelegate(self)
        self.tasks.setItemDelegateForColumn(1, self._long_text)  # 主要内容
        tl.addWidget(self.tasks)
        self.total = QLabel("")
        self.total.setWordWrap(True)
        tl.addWidget(self.total)
        self.task_add, self.task_remove, self.task_up, self.task_down = _button_row(
            tl, "添加任务", "删除任务", "上移", "下移")
        form.addWidget(tasks_box)
        goals_box = QGroupBox("年度总体目标（目标1…N，一行一条）")
        gl = QVBoxLayout(goals_box)
        self.goals = GoalList()
        self.goals.setMaximumHeight(110)
        gl.addWidget(self.goals)
        self.goal_add, self.goal_remove = _button_row(gl, "添加目标", "删除目标")
        form.addWidget(goals_box)
        form.addStretch(1)
        self.tabs.addTab(_scrolled(page), "部门整体表")

        # --- 年度绩效指标
        self.grid_page = QWidget()
        gp = QVBoxLayout(self.grid_page)
        gp.setContentsMargins(4, 4, 4, 4)
        self.row_insert, self.row_delete = _button_row(gp, "插入行", "删除行")
        self.grid_holder = QVBoxLayout()
        gp.addLayout(self.grid_holder)
        self.tabs.addTab(self.grid_page, "年度绩效指标")

        # --- 部门整体绩效目标 (the narrative)
        page = QWidget()
        nl = QVBoxLayout(page)
        overall_box = QGroupBox("一、总体绩效目标")
        ol = QVBoxLayout(overall_box)
        self.overall = CommitTextEdit()
        self.overall.setMinimumHeight(90)
        ol.addWidget(self.overall)
        nl.addWidget(overall_box)
        subs_box = QGroupBox("二、分项绩效目标")
        sl = QVBoxLayout(subs_box)
        self.subs = QTableWidget(0, len(SUB_COLUMNS))
        self.subs.setHorizontalHeaderLabels(SUB_COLUMNS)
        self.subs.setWordWrap(True)
        subs_header = self.subs.horizontalHeader()
        subs_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        subs_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # titles are short or empty
        subs_header.setMinimumSectionSize(60)
        self.subs.setMinimumHeight(120)
        self.subs.setItemDelegate(self._long_text)  # 标题, 绩效目标 and 绩效指标 are long text
        sl.addWidget(self.subs)
        self.sub_add, self.sub_remove = _button_row(sl, "添加分项", "删除分项")
        nl.addWidget(subs_box)
        measures_box = QGroupBox("三、工作保障措施（一行一条，打印时编号）")
        ml = QVBoxLayout(measures_box)
        self.measures = GoalList()
        self.measures.setMaximumHeight(120)
        ml.addWidget(self.measures)
        self.measure_add, self.measure_remove = _button_row(ml, "添加措施", "删除措施")
        nl.addWidget(measures_box)
        nl.addStretch(1)
        self.tabs.addTab(_scrolled(page), "部门整体绩效目标")

        # --- wiring
        self.name.committed.connect(lambda t: self._put(self.dept() and replace(self.dept(), name=t.strip()),
                                                        "修改部门（单位）名称"))
        self.money_unit.activated.connect(lambda _: self._put(
            self.dept() and replace(self.dept(), money_unit=self.money_unit.currentText()), "更换金额单位"))
        self.form_combo.activated.connect(lambda _: self._put(
            self.dept() and replace(self.dept(), form=self.form_combo.currentData()), "更换表样"))
        self.tasks.itemChanged.connect(self._task_changed)
        self.task_add.clicked.connect(self.add_task)
        self.task_remove.clicked.connect(self.remove_task)
        self.task_up.clicked.connect(lambda: self.move_task(-1))
        self.task_down.clicked.connect(lambda: self.move_task(1))
        self.goals.itemChanged.connect(lambda _: self._list_changed(self.goals, "goals", "修改年度总体目标"))
        self.goal_add.clicked.connect(lambda: self._add_line(self.goals, "goals", "添加目标"))
        self.goals.add_requested.connect(lambda: self._add_line(self.goals, "goals", "添加目标"))
        self.goal_remove.clicked.connect(lambda: self._remove_line(self.goals, "goals", "删除目标"))
        self.goals.remove_requested.connect(lambda: self._remove_line(self.goals, "goals", "删除目标"))
        self.overall.committed.connect(lambda t: self._put_narrative("修改总体绩效目标", overall=t))
        self.subs.itemChanged.connect(self._sub_changed)
        self.sub_add.clicked.connect(self.add_sub_goal)
        self.sub_remove.clicked.connect(self.remove_sub_goal)
        self.measures.itemChanged.connect(lambda _: self._list_changed(self.measures, "measures", "修改工作保障措施"))
        self.measure_add.clicked.connect(lambda: self._add_line(self.measures, "measures", "添加措施"))
        self.measures.add_requested.connect(lambda: self._add_line(self.measures, "measures", "添加措施"))
        self.measure_remove.clicked.connect(lambda: self._remove_line(self.measures, "measures", "删除措施"))
        self.measures.remove_requested.connect(lambda: self._remove_line(self.measures, "measures", "删除措施"))
        self.finalize_button.clicked.connect(self.finalize)
        self.unfinalize_button.clicked.connect(self.unfinalize)
        for widget in (self.goals, self.measures):
            widget.installEventFilter(self)  # Ctrl+V on the list: each pasted paragraph becomes one line
        self.row_insert.clicked.connect(self.insert_row)
        self.row_delete.clicked.connect(self.delete_rows)
        session.projectChanged.connect(lambda uid: uid == self.uid and self.refresh())

    def eventFilter(self, watched, event):  # noqa: N802 - Qt API
        if (watched in (self.goals, self.measures) and event.type() == QEvent.Type.KeyPress
                and event.matches(QKeySequence.StandardKey.Paste)
                and watched.state() != QAbstractItemView.State.EditingState):
            self.paste_lines(watched)
            return True
        return super().eventFilter(watched, event)

    def paste_lines(self, widget: GoalList) -> bool:
        """Paragraphs copied from Word into 年度总体目标 or 工作保障措施: one line each, as one undo step."""
        text = QGuiApplication.clipboard().text()
        lines = tuple(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip())
        if not lines:
            return False
        key = "goals" if widget is self.goals else "measures"
        return self._set_lines(key, self._lines(widget) + lines, "粘贴目标" if key == "goals" else "粘贴措施")

    # ------------------------------------------------------------ showing

    def dept(self) -> DepartmentPlan | None:
        return self.session.department(self.uid) if self.uid else None

    def show_department(self, uid: str | None) -> None:
        self.uid = uid
        self.refresh()

    def refresh(self) -> None:
        d = self.dept()
        self.setEnabled(d is not None)
        if d is None:
            return
        editable = self.session.editable_department(d.uid)
        if d.finalized:
            self.banner.setText(f"已定稿（{d.finalized_by}，{d.finalized_at[:16].replace('T', ' ')}）："
                                "内容已锁定，如需修改请点“解除定稿”。")
            self.banner.setStyleSheet("background:#e8f0fe; padding:4px;")
        else:
            self.banner.setText("草稿：打印时带“草稿”字样；核对无误后点“定稿”。")
            self.banner.setStyleSheet("color:#555; padding:4px;")
        review = self.session.reviews.get(d.uid)
        if review is not None:  # the supervisor's 审核意见, as on a project
            comment = f"：{review.comment}" if review.comment else ""
            self.banner.setText(self.banner.text() + f"\n审核意见（{review.status}，{review.reviewer}）{comment}")
        writable = not self.session.readonly and not self.session.document.is_received(d.uid)
        self.finalize_button.setVisible(not d.finalized)
        self.unfinalize_button.setVisible(d.finalized)
        self.finalize_button.setEnabled(writable)
        self.unfinalize_button.setEnabled(writable)
        self._filling = True
        try:
            self.name.show_value(d.name)
            self.name.setReadOnly(not editable)
            self.money_unit.setCurrentText(d.money_unit)
            index = self.form_combo.findData(d.form)
            if index >= 0:
                self.form_combo.setCurrentIndex(index)
            self._fill_tasks(d)
            self._fill_list(self.goals, d.goals)
            self.overall.show_value(d.narrative.overall)
            self._fill_subs(d)
            self._fill_list(self.measures, d.narrative.measures)
            for w in (self.money_unit, self.form_combo, self.task_add, self.task_remove, self.task_up, self.task_down,
                      self.goal_add, self.goal_remove, self.sub_add, self.sub_remove, self.measure_add,
                      self.measure_remove, self.row_insert, self.row_delete):
                w.setEnabled(editable)
            for table in (self.tasks, self.subs):
                table.setEditTriggers(EDIT_TRIGGERS if editable else QAbstractItemView.EditTrigger.NoEditTriggers)
            self.overall.setReadOnly(not editable)
        finally:
            self._filling = False
        self._ensure_grid(d)
        self.model.readonly = not editable
        self.model.set_indicators(d.indicators)
        self.model.set_findings(self.session.findings(d.uid))
        self.grid.update_spans()

    def _ensure_grid(self, d: DepartmentPlan) -> None:
        form = self.session.forms.get(d.form) or self.session.forms["department"]
        if self.model is not None and form.name == self._form_name:
            return
        self._form_name = form.name
        self.model, self.grid = mount_grid(self.grid_holder, self.grid_page, self.grid, form, self._commit_indicators,
                                           self.session.library)

    def _fill_tasks(self, d: DepartmentPlan) -> None:
        self.tasks.blockSignals(True)
        self.tasks.setRowCount(len(d.tasks))
        for r, t in enumerate(d.tasks):
            values = (t.name, t.content, *(display_money(getattr(t, k), d.money_unit, grouped=True)
                                           for k in AMOUNT_KEYS))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.tasks.setItem(r, c, item)
        self.tasks.resizeRowsToContents()
        self.tasks.blockSignals(False)
        totals = d.totals()
        unit = d.money_unit
        text = "合计：总额 {} {u}，财政拨款 {} {u}，其他资金 {} {u}".format(
            *(display_money(v, unit, grouped=True) for v in totals), u=unit)
        problems = [f.message for f in self.session.findings(d.uid)
                    if f.code in ("DEPT_TASK_BALANCE", "DEPT_TOTAL_VS_PROJECTS", "MONEY_NEGATIVE")]
        self.total.setText(text + ("\n✗ " + "\n✗ ".join(problems) if problems else ""))
        self.total.setStyleSheet("color:#b00020;" if problems else "")

    def _fill_subs(self, d: DepartmentPlan) -> None:
        self.subs.blockSignals(True)
        self.subs.setRowCount(len(d.narrative.sub_goals))
        for r, s in enumerate(d.narrative.sub_goals):
            for c, value in enumerate((s.title, s.goal, s.indicators)):
                self.subs.setItem(r, c, QTableWidgetItem(value))
        self.subs.resizeRowsToContents()
        self.subs.blockSignals(False)

    @staticmethod
    def _fill_list(widget: GoalList, lines) -> None:
        widget.blockSignals(True)
        current = widget.currentRow()
        widget.clear()
        for line in lines:
            item = QListWidgetItem(line)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            widget.addItem(item)
        if 0 <= current < widget.count():
            widget.setCurrentRow(current)
        widget.blockSignals(False)

    # ------------------------------------------------------------ editing

    def finalize(self) -> bool:
        d = self.dept()
        if d is None:
            return False
        try:
            self.session.finalize_department(d.uid, self.session.findings(d.uid))
        except DeskError as exc:
            self.message.emit(str(exc))
            return False
        self.message.emit("部门整体表已定稿")
        return True

    def unfinalize(self) -> bool:
        d = self.dept()
        if d is None:
            return False
        try:
            self.session.unfinalize_department(d.uid)
        except DeskError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def _put(self, after: DepartmentPlan | None, text: str) -> bool:
        if after is None or self._filling:
            return False
        try:
            before = self.dept()
            if before is not None and before.content_key() == after.content_key():
                return False
            self.session.put_department(after, text)
            return True
        except DeskError as exc:
            self.message.emit(str(exc))
            self.refresh()
            return False

    def _put_narrative(self, text: str, **changes) -> bool:
        d = self.dept()
        return bool(d) and self._put(replace(d, narrative=replace(d.narrative, **changes)), text)

    def _task_changed(self, item: QTableWidgetItem) -> None:
        d = self.dept()
        if d is None or self._filling or item.row() >= len(d.tasks):
            return
        r, c = item.row(), item.column()
        task = d.tasks[r]
        text = item.text()
        if c < 2:
            changed = replace(task, **{("name", "content")[c]: text.strip() if c == 0 else text})
        else:
            key = AMOUNT_KEYS[c - 2]
            try:
                changed = replace(task, **{key: parse_typed_money(text, what=TASK_COLUMNS[c], unit=d.money_unit)})
            except DeskError as exc:
                self.message.emit(f"任务第{r + 1}行：{exc}")
                self.refresh()
                return
        tasks = list(d.tasks)
        tasks[r] = changed
        self._put(replace(d, tasks=tuple(tasks)), f"修改任务第{r + 1}行的{TASK_COLUMNS[c]}")

    def add_task(self) -> None:
        d = self.dept()
        if d is not None and self._put(replace(d, tasks=d.tasks + (DepartmentTask(),)), "添加任务"):
            self.tabs.setCurrentIndex(0)
            self.tasks.setCurrentCell(len(d.tasks), 0)

    def remove_task(self) -> None:
        d = self.dept()
        r = self.tasks.currentRow()
        if d is not None and 0 <= r < len(d.tasks):
            self._put(replace(d, tasks=d.tasks[:r] + d.tasks[r + 1:]), "删除任务")

    def move_task(self, step: int) -> None:
        d = self.dept()
        r = self.tasks.currentRow()
        if d is None or not (0 <= r < len(d.tasks)) or not (0 <= r + step < len(d.tasks)):
            return
        tasks = list(d.tasks)
        tasks[r], tasks[r + step] = tasks[r + step], tasks[r]
        if self._put(replace(d, tasks=tuple(tasks)), "移动任务"):
            self.tasks.setCurrentCell(r + step, self.tasks.currentColumn())

    def _lines(self, widget: GoalList) -> tuple[str, ...]:
        return tuple(widget.item(i).text() for i in range(widget.count()))

    def _set_lines(self, key: str, lines: tuple[str, ...], text: str) -> bool:
        d = self.dept()
        if d is None:
            return False
        if key == "goals":
            return self._put(replace(d, goals=lines), text)
        return self._put_narrative(text, measures=lines)

    def _list_changed(self, widget: GoalList, key: str, text: str) -> None:
        if not self._filling:
            self._set_lines(key, self._lines(widget), text)

    def _add_line(self, widget: GoalList, key: str, text: str) -> None:
        lines = self._lines(widget) + ("",)
        if self._set_lines(key, lines, text):
            widget.setCurrentRow(len(lines) - 1)
            widget.editItem(widget.item(len(lines) - 1))

    def _remove_line(self, widget: GoalList, key: str, text: str) -> None:
        r = widget.currentRow()
        lines = self._lines(widget)
        if 0 <= r < len(lines):
            self._set_lines(key, lines[:r] + lines[r + 1:], text)

    def _sub_changed(self, item: QTableWidgetItem) -> None:
        d = self.dept()
        if d is None or self._filling or item.row() >= len(d.narrative.sub_goals):
            return
        subs = list(d.narrative.sub_goals)
        subs[item.row()] = replace(subs[item.row()], **{("title", "goal", "indicators")[item.column()]: item.text()})
        self._put_narrative(f"修改分项绩效目标第{item.row() + 1}项", sub_goals=tuple(subs))

    def add_sub_goal(self) -> None:
        d = self.dept()
        if d is not None and self._put_narrative("添加分项绩效目标", sub_goals=d.narrative.sub_goals + (SubGoal(),)):
            self.subs.setCurrentCell(len(d.narrative.sub_goals), 0)

    def remove_sub_goal(self) -> None:
        d = self.dept()
        r = self.subs.currentRow()
        if d is not None and 0 <= r < len(d.narrative.sub_goals):
            subs = d.narrative.sub_goals
            self._put_narrative("删除分项绩效目标", sub_goals=subs[:r] + subs[r + 1:])

    def _commit_indicators(self, indicators, text: str, merge_key=None) -> None:
        d = self.dept()
        if d is not None:
            self._put(replace(d, indicators=tuple(indicators)), text)

    def insert_row(self) -> None:
        if self.model is None:
            return
        row = self.grid.currentIndex().row() + 1 if self.grid.currentIndex().isValid() else self.model.rowCount()
        self.model.insert_rows(row, 1)

    def delete_rows(self) -> None:
        if self.model is None:
            return
        self.model.remove_rows(self.grid.selected_rows())


def _button_row(layout, *labels: str) -> list[QPushButton]:
    """A row of buttons under a list or table, on its left."""
    row = QHBoxLayout()
    buttons = [QPushButton(label) for label in labels]
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    layout.addLayout(row)
    return buttons


def _scrolled(page: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(page)
    return scroll


__all__ = ["DepartmentEditor"]

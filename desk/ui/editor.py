"""The project editor: header, money, usage, goals, spending plan and the indicator grid.

Each field commits when the clerk finishes it (Enter, Tab or leaving the
field), as one undoable step through the session; the widgets then show what
the session holds. Nothing here knows how the file is written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QComboBox, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSizePolicy, QTabWidget,
    QToolButton, QVBoxLayout, QWidget,
)

from desk.domain.model import Project, SpendingPlan, when_text
from desk.domain.money import display_money, parse_decimal, parse_typed_money, percent_text
from desk.errors import DeskError
from desk.ui.grid import IndicatorModel, IndicatorView, mount_grid
from desk.ui.session import EditSession

SCHEME_LABELS = {"month_end": "按月末（3月底…12月底）", "quarter": "按季度（第一季度…第四季度）"}
_PLAN_FIELD = re.compile(r"^plan\.points\[(\d+)\]$")
_GOAL_FIELD = re.compile(r"^goals\[(\d+)\]$")
_CELL_FIELD = re.compile(r"^indicators\[(\d+)\]#(\d+)$")  # a grid cell by row and column (undo/redo)


class CommitLineEdit(QLineEdit):
    """A line edit that reports a finished value once (Enter, Tab, focus out)."""

    committed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.editingFinished.connect(lambda: self.committed.emit(self.text()))

    def show_value(self, text: str) -> None:
        if self.text() != text:
            self.blockSignals(True)
            self.setText(text)
            self.blockSignals(False)

    def mark_error(self, message: str) -> None:
        self.setStyleSheet("QLineEdit { background: #ffe4e4; }" if message else "")
        self.setToolTip(message)


class CommitTextEdit(QPlainTextEdit):
    """Multi-line text committed when the field loses focus or typing pauses (0.8 s)."""

    committed = Signal(str)
    PAUSE_MS = 800

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)  # Tab moves to the next field, as in every form
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(self.PAUSE_MS)
        self._pause.timeout.connect(lambda: self.committed.emit(self.toPlainText()))
        self.textChanged.connect(self._pause.start)

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key.Key_Tab and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            self.insertPlainText("\t")  # the rare tab character
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event):  # noqa: N802
        super().focusOutEvent(event)
        self._pause.stop()
        self.committed.emit(self.toPlainText())

    def show_value(self, text: str) -> None:
        if self.toPlainText() != text:
            self.blockSignals(True)
            self.setPlainText(text)
            self.blockSignals(False)


class PlanChart(QWidget):
    """A small cumulative chart of the spending plan (blank checkpoints skipped)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points: list[Decimal | None] = []
        self.labels: tuple[str, ...] = ()
        self.setMinimumSize(120, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_plan(self, labels, points) -> None:
        self.labels, self.points = tuple(labels), list(points)
        self.update()

    def paintEvent(self, event):  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(44, 8, -10, -22)
        p.setPen(QPen(QColor(180, 180, 180)))
        for pct in (0, 50, 100):
            y = r.bottom() - r.height() * pct / 100
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            p.drawText(QRectF(0, y - 8, 40, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{pct}%")
        n = max(1, len(self.labels))
        step = r.width() / n
        pen = QPen(QColor(40, 90, 170), 2)
        last = None
        font = p.font()
        widest = max((p.fontMetrics().horizontalAdvance(label) for label in self.labels), default=0)
        if widest > step - 2 and widest:
            font.setPointSizeF(max(5.0, font.pointSizeF() * (step - 2) / widest))  # labels never overlap
            p.setFont(font)
        for i, label in enumerate(self.labels):
            x = r.left() + step * (i + 0.5)
            p.setPen(QColor(90, 90, 90))
            p.drawText(QRectF(x - step / 2, r.bottom() + 2, step, 18), Qt.AlignmentFlag.AlignCenter, label)
            value = self.points[i] if i < len(self.points) else None
            if value is None:
                continue
            y = r.bottom() - r.height() * float(min(max(value, 0), 100)) / 100
            p.setPen(pen)
            if last is not None:
                p.drawLine(last, QPointF(x, y))
            p.setBrush(QColor(40, 90, 170))
            p.drawEllipse(QPointF(x, y), 3, 3)
            last = QPointF(x, y)
        p.end()


class GoalList(QListWidget):
    """绩效目标, one per line: typing replaces, F2 edits, Tab leaves for the next field.

    While the list has the keyboard, 插入行/删除行/上移/下移 (Ctrl+Shift+=, Ctrl+-,
    Insert, Delete, Alt+↑/↓) act on the goals instead of the indicator grid.
    """

    add_requested = Signal()
    remove_requested = Signal()
    move_requested = Signal(int)

    def _keys(self, event) -> str:
        key, mods = event.key(), event.modifiers()
        alt = Qt.KeyboardModifier.AltModifier
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        if key == Qt.Key.Key_Insert or (mods == ctrl_shift and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)):
            return "add"
        if key == Qt.Key.Key_Delete or (mods == Qt.KeyboardModifier.ControlModifier and key == Qt.Key.Key_Minus):
            return "remove"
        if mods == alt and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            return "up" if key == Qt.Key.Key_Up else "down"
        return ""

    def event(self, event):  # noqa: A003
        if event.type() == QEvent.Type.ShortcutOverride and self.state() != QAbstractItemView.State.EditingState \
                and self._keys(event):
            event.accept()  # the key comes to keyPressEvent instead of the window's 插入行/删除行 actions
            return True
        return super().event(event)

    def keyPressEvent(self, event):  # noqa: N802
        what = self._keys(event) if self.state() != QAbstractItemView.State.EditingState else ""
        if what == "add":
            self.add_requested.emit()
        elif what == "remove":
            self.remove_requested.emit()
        elif what in ("up", "down"):
            self.move_requested.emit(-1 if what == "up" else 1)
        else:
            super().keyPressEvent(event)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed
                             | QAbstractItemView.EditTrigger.SelectedClicked)
        self.setWordWrap(True)

    def closeEditor(self, editor, hint):  # noqa: N802
        if hint in (QAbstractItemDelegate.EndEditHint.EditNextItem, QAbstractItemDelegate.EndEditHint.EditPreviousItem):
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.setFocus()
            self.focusNextPrevChild(hint == QAbstractItemDelegate.EndEditHint.EditNextItem)
            return
        super().closeEditor(editor, hint)


class ProjectEditor(QWidget):
    """Edits one project of the session; ``show_project`` switches which."""

    message = Signal(str)  # something to show in the status bar

    MONEY_LABELS = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.uid: str | None = None
        self.model: IndicatorModel | None = None
        self.grid: IndicatorView | None = None
        self._form_name = ""
        self._money_errors: dict[str, str] = {}  # field → why what was typed there was refused

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.locked_banner = QLabel("", self)
        self.locked_banner.setWordWrap(True)
        self.locked_banner.setStyleSheet("background:#e8f0fe; padding:4px;")
        self.locked_banner.hide()
        layout.addWidget(self.locked_banner)
        self.review_banner = QLabel("", self)
        self.review_banner.setWordWrap(True)
        self.review_banner.setStyleSheet("background:#fff4ce; padding:4px;")
        self.review_banner.hide()
        layout.addWidget(self.review_banner)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        # --- tab 1: 基本信息
        page = QWidget()
        form = QVBoxLayout(page)
        head = QGroupBox("项目")
        grid = QGridLayout(head)
        self.code = CommitLineEdit()
        self.code.setPlaceholderText("可不填，最多 21 位")
        self.name = CommitLineEdit()
        self.form_combo = QComboBox()
        for name, f in sorted(session.forms.items()):
            if f.kind == "project":
                self.form_combo.addItem(f.label, name)
        # 项目名称 gets a whole row: long names stay readable at 150 % on a 1366×768 screen
        grid.addWidget(QLabel("项目名称"), 0, 0)
        grid.addWidget(self.name, 0, 1, 1, 3)
        _label_row(grid, 1, [("项目编码", self.code), ("表样", self.form_combo)])
        self.number = CommitLineEdit()
        self.number.setPlaceholderText("保存时自动编号")
        self.number.setToolTip("本单位本年度的第几张表，打印在标题前（如“3.”）；谁打印都一样")
        self.number.setMaximumWidth(self.number.fontMetrics().horizontalAdvance("000000") + 40)
        grid.addWidget(QLabel("序号"), 2, 0)
        grid.addWidget(self.number, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        form.addWidget(head)
        # header rows some forms add (项目绩效模板): built for the project's form
        self.extra_box = QGroupBox("表样中的其他栏目")
        self.extra_grid = QGridLayout(self.extra_box)
        self.extra_edits: dict[str, CommitTextEdit] = {}
        self._extra_form = None
        self.extra_box.hide()
        form.addWidget(self.extra_box)

        money = QGroupBox("预算规模及资金用途")
        self.money_box = money
        outer = QGridLayout(money)
        self.money_rows = QWidget()  # hidden on forms whose money is written inside 项目资金主要用途
        mg = QGridLayout(self.money_rows)
        mg.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.money_rows, 0, 0, 1, 4)
        self.money_unit = QComboBox()
        self.money_unit.addItems(["元", "万元"])
        self.money_unit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.total = CommitLineEdit()
        self.fiscal = CommitLineEdit()
        self.other = CommitLineEdit()
        for key, w in self.money_fields().items():
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
            w.setToolTip("可写 770000、770,000.00、77万 或 ￥770000")
            w.committed.connect(lambda text, key=key: self._commit_money(key, text))
        self.balance = QLabel("")
        self.balance.setWordWrap(True)
        # two amounts a row, each wide enough for 9,999,999,999.99: no digit is ever cut off
        widest = self.total.fontMetrics().horizontalAdvance("9,999,999,999.99") + 24
        for w in self.money_fields().values():
            w.setMinimumWidth(widest)
        _label_row(mg, 0, [("预算数", self.total), ("单位", self.money_unit)])
        _label_row(mg, 1, [("其中：财政资金", self.fiscal), ("其他资金", self.other)])
        mg.setColumnStretch(1, 1)
        mg.setColumnStretch(3, 1)
        mg.addWidget(self.balance, 2, 1, 1, 3)
        self.usage_label = QLabel("资金用途")
        outer.addWidget(self.usage_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        self.usage = CommitTextEdit()
        self.usage.setFixedHeight(54)
        outer.addWidget(self.usage, 1, 1, 1, 3)
        outer.setColumnStretch(1, 1)
        form.addWidget(money)

        goals_box = QGroupBox("绩效目标")
        gl = QVBoxLayout(goals_box)
        self.goals = GoalList()
        self.goals.setMinimumHeight(50)
        self.goals.setMaximumHeight(90)
        gl.addWidget(self.goals)
        buttons = QHBoxLayout()
        self.goal_add = QToolButton(text="添加")
        self.goal_remove = QToolButton(text="删除")
        self.goal_up = QToolButton(text="上移")
        self.goal_down = QToolButton(text="下移")
        for b in (self.goal_add, self.goal_remove, self.goal_up, self.goal_down):
            buttons.addWidget(b)
        buttons.addStretch(1)
        gl.addLayout(buttons)
        form.addWidget(goals_box)

        plan_box = QGroupBox("资金支出计划（累计 %）")
        plan_row = QHBoxLayout(plan_box)
        pl = QGridLayout()
        plan_row.addLayout(pl, 3)
        self.scheme = QComboBox()
        pl.addWidget(self.scheme, 0, 0, 1, 5)
        self.plan_labels: list[QLabel] = []
        self.plan_edits: list[CommitLineEdit] = []
        self.plan_amounts: list[QLabel] = []
        for i in range(4):
            label = QLabel("")
            edit = CommitLineEdit()
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setPlaceholderText("可空")
            amount = QLabel("")
            amount.setStyleSheet("color:#666; font-size: 8pt;")
            pl.addWidget(label, 1, i + 1, Qt.AlignmentFlag.AlignCenter)
            pl.addWidget(edit, 2, i + 1)
            pl.addWidget(amount, 3, i + 1, Qt.AlignmentFlag.AlignRight)
            self.plan_labels.append(label)
            self.plan_edits.append(edit)
            self.plan_amounts.append(amount)
            edit.committed.connect(lambda text, i=i: self._commit_plan(i, text))
        pl.addWidget(QLabel("累计 %"), 2, 0)
        pl.addWidget(QLabel("金额"), 3, 0)
        self.plan_check = QLabel("")
        self.plan_check.setWordWrap(True)
        pl.addWidget(self.plan_check, 4, 0, 1, 5)
        self.chart = PlanChart()
        self.chart.setMinimumSize(120, 110)
        plan_row.addWidget(self.chart, 2)
        form.addWidget(plan_box)
        form.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the tab bar straight to 项目名称
        scroll.setWidget(page)
        self.info_page = scroll
        self.tabs.addTab(scroll, "基本信息")

        # --- tab 2: 绩效指标
        self.grid_page = QWidget()
        gp = QVBoxLayout(self.grid_page)
        gp.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.row_insert = QPushButton("插入行")
        self.row_delete = QPushButton("删除行")
        self.row_up = QPushButton("上移")
        self.row_down = QPushButton("下移")
        for b in (self.row_insert, self.row_delete, self.row_up, self.row_down):
            bar.addWidget(b)
        bar.addStretch(1)
        hint = QLabel("Ctrl+V 粘贴")
        hint.setToolTip("可以在 Excel/WPS 中复制一整块单元格，在这里选中起始单元格后按 Ctrl+V 粘贴")
        bar.addWidget(hint)
        gp.addLayout(bar)
        self.grid_holder = QVBoxLayout()
        gp.addLayout(self.grid_holder)
        self.tabs.addTab(self.grid_page, "绩效指标")

        # the keyboard reaches every field, in reading order
        chain = [self.name, self.code, self.form_combo, self.number, self.total, self.money_unit, self.fiscal, self.other,
                 self.usage, self.goals, self.goal_add, self.goal_remove, self.goal_up, self.goal_down, self.scheme,
                 *self.plan_edits]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

        # --- wiring
        self.code.committed.connect(lambda t: self._edit("修改项目编码", ("code",), code=t.strip()))
        self.name.committed.connect(lambda t: self._edit("修改项目名称", ("name",), name=t.strip()))
        self.usage.committed.connect(lambda t: self._edit("修改资金用途", ("usage",), usage=t))
        self.number.committed.connect(self._commit_number)
        self.form_combo.activated.connect(self._commit_form)
        self.money_unit.activated.connect(self._commit_money_unit)
        self.scheme.activated.connect(self._commit_scheme)
        self.goals.itemChanged.connect(lambda item: self._commit_goals())
        self.goal_add.clicked.connect(self.add_goal)
        self.goals.add_requested.connect(self.add_goal)
        self.goals.remove_requested.connect(self.remove_goal)
        self.goals.move_requested.connect(self.move_goal)
        self.goal_remove.clicked.connect(self.remove_goal)
        self.goal_up.clicked.connect(lambda: self.move_goal(-1))
        self.goal_down.clicked.connect(lambda: self.move_goal(1))
        self.row_insert.clicked.connect(self.insert_row)
        self.row_delete.clicked.connect(self.delete_rows)
        self.row_up.clicked.connect(lambda: self.move_rows(-1))
        self.row_down.clicked.connect(lambda: self.move_rows(1))
        session.projectChanged.connect(self._project_changed)
        self.setEnabled(False)

    def money_fields(self) -> dict[str, CommitLineEdit]:
        return {"total": self.total, "fiscal": self.fiscal, "other": self.other}

    # ------------------------------------------------------------ showing

    def project(self) -> Project | None:
        return self.session.project(self.uid) if self.uid else None

    def show_project(self, uid: str | None) -> None:
        if uid != self.uid and self._money_errors:
            left = "；".join(self._money_errors.values())
            self.message.emit(f"上一张表中写错的金额没有保存：{left}")  # never dropped without a word
            self._money_errors.clear()
        self.uid = uid
        p = self.project()
        self.setEnabled(p is not None)
        if p is None:
            return
        self._ensure_grid(p)
        self._refresh(p)

    def show_tab(self, index: int) -> None:
        """Switch to 基本信息 (0) or 绩效指标 (1) and put the cursor in its first field."""
        self.tabs.setCurrentIndex(index)
        if index == 0:
            self.name.setFocus()
        elif self.grid is not None:
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid() and self.model.rowCount():
                self.grid.setCurrentIndex(self.model.index(0, self.model.column_of("name") or 0))

    def _ensure_grid(self, p: Project) -> None:
        form = self.session.form_for(p)
        if self.model is not None and form.name == self._form_name:
            return
        self._form_name = form.name
        self.model, self.grid = mount_grid(self.grid_holder, self.grid_page, self.grid, form, self._commit_indicators,
                                           self.session.library)

    def _project_changed(self, uid: str) -> None:
        if uid == self.uid:
            p = self.project()
            if p is not None:
                self._ensure_grid(p)
                self._refresh(p)

    def _refresh(self, p: Project) -> None:
        session = self.session
        received = session.is_received(p)
        locked = not session.editable(p.uid)
        if received:
            units = {u.code: u.name for u in session.document.units()}
            self.locked_banner.setText(f"单位报来的表（{units.get(p.unit_code) or p.unit_code}）：在汇总文件中只读，"
                                       "如需修改请用审核意见退回单位。")
            self.locked_banner.show()
        elif p.finalized:
            self.locked_banner.setText(f"已定稿（{p.finalized_by}，{when_text(p.finalized_at)}）："
                                       "内容已锁定，如需修改请用“项目 → 解除定稿”。")
            self.locked_banner.show()
        elif session.readonly:
            document = session.document
            hint = "。如果这是您自己的文件（例如换了电脑），请用“文件 → 接管此文件”" if document.created_elsewhere else ""
            self.locked_banner.setText(f"只读：{document.readonly_reason}{hint}。")
            self.locked_banner.show()
        else:
            self.locked_banner.hide()
        review = session.reviews.get(p.uid)
        if review is not None:
            comment = f"：{review.comment}" if review.comment else ""
            self.review_banner.setText(f"审核意见（{review.status}，{review.reviewer}，{when_text(review.reviewed_at)}，"
                                       f"针对第 {review.revision} 版）{comment}")
            self.review_banner.show()
        else:
            self.review_banner.hide()
        for w in (self.code, self.name, self.number, self.total, self.fiscal, self.other):
            w.setReadOnly(locked)
        self.usage.setReadOnly(locked)
        self._show_form_parts(p, locked)
        for w in (self.form_combo, self.money_unit, self.scheme, self.goal_add, self.goal_remove, self.goal_up,
                  self.goal_down, self.row_insert, self.row_delete, self.row_up, self.row_down):
            w.setEnabled(not locked)
        self.goals.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if locked else (
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked))
        for e in self.plan_edits:
            e.setReadOnly(locked)
        self.code.show_value(p.code)
        self.name.show_value(p.name)
        self.number.show_value(str(p.number) if p.number else "")
        idx = self.form_combo.findData(p.form)
        if idx >= 0:
            self.form_combo.setCurrentIndex(idx)
        self.money_unit.setCurrentText(p.money_unit)
        for key, w in self.money_fields().items():
            if key in self._money_errors:
                continue  # keep what the clerk typed, marked, until it is corrected
            w.show_value(display_money(getattr(p.budget, key), p.money_unit, grouped=True))
            w.mark_error("")
        self.usage.show_value(p.usage)
        self._show_balance(p)
        self._show_goals(p)
        self._show_plan(p)
        model = self.model
        model.readonly = locked
        model.set_indicators(p.indicators)
        model.set_findings(session.findings(p.uid))
        self.grid.update_spans()

    def _show_form_parts(self, p: Project, locked: bool) -> None:
        """What the project's form has: money rows or only 项目资金主要用途, and extra header rows."""
        form = self.session.form_for(p)
        usage_only = not form.has_money_rows
        self.money_rows.setVisible(not usage_only)
        label = "".join(form.print.money_label.split()) if usage_only else "资金用途"
        self.money_box.setTitle(label if usage_only else "预算规模及资金用途")
        self.usage_label.setText(label)
        self.usage.setPlaceholderText("金额写在这里，如：预算数 200 万元，其中财政资金 200 万元。主要用于……"
                                      if usage_only else "")
        if self._extra_form != form.name:
            self._extra_form = form.name
            for w in self.extra_edits.values():
                w.setParent(None)
                w.deleteLater()
            while self.extra_grid.count():
                item = self.extra_grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            self.extra_edits = {}
            for row, name in enumerate(form.extra_rows):
                edit = CommitTextEdit()
                edit.setFixedHeight(46)
                edit.committed.connect(lambda text, name=name: self._commit_extra(name, text))
                self.extra_grid.addWidget(QLabel(name), row, 0, Qt.AlignmentFlag.AlignTop)
                self.extra_grid.addWidget(edit, row, 1)
                self.extra_edits[name] = edit
            self.extra_box.setVisible(bool(form.extra_rows))
        for name, edit in self.extra_edits.items():
            edit.setReadOnly(locked)
            edit.show_value(p.extra_value(name))

    def _commit_extra(self, name: str, text: str) -> None:
        p = self.project()
        if p is None or p.extra_value(name) == text:
            return
        extra = tuple((k, v) for k, v in p.extra if k != name)
        extra += ((name, text),) if text else ()
        order = {k: i for i, k in enumerate(self.session.form_for(p).extra_rows)}
        extra = tuple(sorted(extra, key=lambda kv: order.get(kv[0], len(order))))
        self._push(replace(p, extra=extra), f"修改{name}", (p.uid, "extra", name))

    def _commit_number(self, text: str) -> None:
        p = self.project()
        if p is None:
            return
        text = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if text == (str(p.number) if p.number else ""):
            return
        if not text.isdigit() or not 1 <= int(text) <= 100000:
            self.message.emit(f"序号“{text}”无效：请写 1 到 100000 之间的整数。")
            self.number.show_value(str(p.number) if p.number else "")
            return
        self._push(replace(p, number=int(text)), "修改序号", (p.uid, "number"))

    def _show_balance(self, p: Project) -> None:
        b, unit = p.budget, p.money_unit
        if self._money_errors:
            self.balance.setText("✗ " + next(iter(self._money_errors.values())))
            self.balance.setStyleSheet("color:#b00020;")
            return
        found = [f for f in self.session.findings(p.uid) if f.code in ("MONEY_BALANCE", "MONEY_MISSING", "MONEY_NEGATIVE")]
        if found:
            self.balance.setText("✗ " + found[0].message)
            self.balance.setStyleSheet("color:#b00020;")
        elif b.total is not None:
            self.balance.setText(f"✓ 预算数 {display_money(b.total, unit, grouped=True)}{unit} = 财政资金 + 其他资金")
            self.balance.setStyleSheet("color:#1b7a2e;")
        else:
            self.balance.setText("")

    def _show_goals(self, p: Project) -> None:
        self.goals.blockSignals(True)
        current = self.goals.currentRow()
        self.goals.clear()
        for g in p.goals:
            item = QListWidgetItem(g)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.goals.addItem(item)
        if 0 <= current < self.goals.count():
            self.goals.setCurrentRow(current)
        self.goals.blockSignals(False)

    def _show_plan(self, p: Project) -> None:
        form = self.session.form_for(p)
        self.scheme.blockSignals(True)
        self.scheme.clear()
        for key in form.plan_schemes:
            self.scheme.addItem(SCHEME_LABELS.get(key, key), key)
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(p.plan.scheme)))
        self.scheme.blockSignals(False)
        labels = form.checkpoint_labels(p.plan.scheme)
        points = list(p.plan.points) + [None] * (len(labels) - len(p.plan.points))
        for i in range(4):
            visible = i < len(labels)
            for w in (self.plan_labels[i], self.plan_edits[i], self.plan_amounts[i]):
                w.setVisible(visible)
            if not visible:
                continue
            self.plan_labels[i].setText(labels[i])
            self.plan_edits[i].setPlaceholderText("应为 100" if i == len(labels) - 1 else "可空")
            self.plan_edits[i].show_value("" if points[i] is None else percent_text(points[i]))
            self.plan_edits[i].mark_error("")
            amount = ""
            if points[i] is not None and p.budget.total is not None:
                value = (p.budget.total * points[i] / 100).quantize(Decimal("0.01"))
                amount = f"{display_money(value, p.money_unit, grouped=True)}{p.money_unit}"
            self.plan_amounts[i].setText(amount)
        found = [f for f in self.session.findings(p.uid) if f.code.startswith("PLAN_")]
        if found:
            self.plan_check.setText("✗ " + "；".join(f.message for f in found[:2]))
            self.plan_check.setStyleSheet("color:#b00020;")
        else:
            self.plan_check.setText("✓ 累计进度逐期不减，年底为 100%")
            self.plan_check.setStyleSheet("color:#1b7a2e;")
        self.chart.set_plan(labels, points[: len(labels)])

    # ------------------------------------------------------------ committing

    def _edit(self, text: str, key, **changes) -> None:
        p = self.project()
        if p is None:
            return
        self._push(replace(p, **changes), text, (p.uid,) + tuple(key))

    def _push(self, after: Project, text: str, merge_key=None) -> bool:
        try:
            return self.session.edit(after, text, merge_key)
        except DeskError as exc:
            self.message.emit(str(exc))
            current = self.project()
            if current is not None:
                self._refresh(current)
            return False

    def _commit_form(self) -> None:
        p = self.project()
        name = self.form_combo.currentData()
        if p is None or not name or name == p.form:
            return
        form = self.session.form_for(replace(p, form=name))
        plan = p.plan
        if plan.scheme not in form.plan_schemes:
            plan = SpendingPlan(form.default_scheme, plan.points)
        self._push(replace(p, form=name, plan=plan), "更换表样")

    def _commit_money_unit(self) -> None:
        p = self.project()
        if p is not None:
            self._push(replace(p, money_unit=self.money_unit.currentText()), "更换金额单位")

    def _commit_money(self, key: str, text: str) -> None:
        """An amount as typed (770000, 770,000.00, 77万, ￥…); refused inline, at the field, when it is not one."""
        p = self.project()
        widget = self.money_fields()[key]
        if p is None or widget.isReadOnly():
            return
        label = self.MONEY_LABELS[key]
        try:
            amount = parse_typed_money(text, what=label, unit=p.money_unit)
            after = replace(p, budget=replace(p.budget, **{key: amount}))
            self.session.check(after)
        except DeskError as exc:
            self._money_errors[key] = str(exc)
            widget.mark_error(str(exc))
            self._show_balance(p)
            self.message.emit(str(exc))
            return
        self._money_errors.pop(key, None)
        widget.mark_error("")
        if not self._push(after, f"修改{label}", (p.uid, "budget", key)):
            self._refresh(self.project())  # unchanged: show the amount the way the field shows amounts

    def _commit_plan(self, i: int, text: str) -> None:
        p = self.project()
        if p is None or self.plan_edits[i].isReadOnly():
            return
        labels = self.session.form_for(p).checkpoint_labels(p.plan.scheme)
        try:
            value = parse_decimal(text.replace("%", "").replace("％", ""), what=f"“{labels[i]}”的累计进度")
        except DeskError as exc:
            self.plan_edits[i].mark_error(str(exc))
            self.plan_check.setText("✗ " + str(exc))
            self.plan_check.setStyleSheet("color:#b00020;")
            self.message.emit(str(exc))
            return
        points = list(p.plan.points) + [None] * (len(labels) - len(p.plan.points))
        points[i] = value
        self._push(replace(p, plan=replace(p.plan, points=tuple(points[: len(labels)]))),
                   f"修改支出计划（{labels[i]}）", (p.uid, "plan", i))

    def _commit_scheme(self) -> None:
        p = self.project()
        key = self.scheme.currentData()
        if p is None or not key or key == p.plan.scheme:
            return
        labels = self.session.form_for(p).checkpoint_labels(key)
        points = (tuple(p.plan.points) + (None,) * len(labels))[: len(labels)]
        self._push(replace(p, plan=SpendingPlan(key, points)), "切换支出计划方式")

    def _goal_texts(self) -> tuple[str, ...]:
        return tuple(self.goals.item(i).text() for i in range(self.goals.count()))

    def _commit_goals(self, text: str = "修改绩效目标") -> None:
        p = self.project()
        if p is not None:
            self._push(replace(p, goals=self._goal_texts()), text)

    def add_goal(self) -> None:
        p = self.project()
        if p is None:
            return
        row = self.goals.currentRow() + 1 if self.goals.currentRow() >= 0 else len(p.goals)
        if not self._push(replace(p, goals=p.goals[:row] + ("",) + p.goals[row:]), "添加绩效目标"):
            return
        self.goals.setFocus()
        self.goals.setCurrentRow(row)
        self.goals.editItem(self.goals.item(row))

    def remove_goal(self) -> None:
        p = self.project()
        row = self.goals.currentRow()
        if p is None or not (0 <= row < len(p.goals)):
            return
        self._push(replace(p, goals=p.goals[:row] + p.goals[row + 1:]), "删除绩效目标")

    def move_goal(self, delta: int) -> None:
        p = self.project()
        row = self.goals.currentRow()
        target = row + delta
        if p is None or not (0 <= row < len(p.goals)) or not (0 <= target < len(p.goals)):
            return
        goals = list(p.goals)
        goals[row], goals[target] = goals[target], goals[row]
        if self._push(replace(p, goals=tuple(goals)), "调整绩效目标顺序"):
            self.goals.setCurrentRow(target)

    def _commit_indicators(self, indicators, text: str, merge_key) -> None:
        p = self.project()
        if p is None:
            return
        key = None if merge_key is None else (p.uid, "indicators") + tuple(merge_key)
        self._push(replace(p, indicators=indicators), text, key)

    # ------------------------------------------------------------ grid rows

    def insert_row(self) -> None:
        """插入行 (Ctrl+Shift+=): a grid row under the cursor; the keyboard moves there."""
        if self.grid is None:
            return
        current = self.grid.currentIndex()
        row = current.row() + 1 if current.isValid() else self.model.rowCount()
        before = self.model.rowCount()
        self.model.insert_rows(row)
        self.tabs.setCurrentWidget(self.grid_page)
        if self.model.rowCount() > before:
            # the first row starts at 一级指标; a row under others takes their 一级/二级 and starts at 三级指标
            column = self.model.column_of("level1" if before == 0 else "name") or 0
            self.grid.setCurrentIndex(self.model.index(row, column))
        self.grid.setFocus()

    def delete_rows(self) -> None:
        """删除行: the cursor goes to the row that took the first deleted row's place."""
        if self.grid is None:
            return
        rows = self.grid.selected_rows()
        column = max(0, self.grid.currentIndex().column())
        before = self.model.rowCount()
        self.model.remove_rows(rows)
        if rows and self.model.rowCount() < before and self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(min(rows[0], self.model.rowCount() - 1), column))

    def move_rows(self, delta: int) -> None:
        if self.grid is None:
            return
        column = max(0, self.grid.currentIndex().column())
        moved = self.model.move_rows(self.grid.selected_rows(), delta)
        if moved:
            self.grid.select_block(moved[0], 0, len(moved), self.model.columnCount())
            self.grid.setCurrentIndex(self.model.index(moved[0], column))

    # ------------------------------------------------------------ jumping to a finding

    def focus_field(self, field: str) -> None:
        """Show the field a finding names and put the cursor there."""
        simple = {"code": self.code, "name": self.name, "usage": self.usage, "budget.total": self.total,
                  "budget.fiscal": self.fiscal, "budget.other": self.other, "form": self.form_combo,
                  "plan": self.plan_edits[0], "goals": self.goals}
        if field in simple:
            self.tabs.setCurrentIndex(0)
            simple[field].setFocus()
            self.info_page.ensureWidgetVisible(simple[field])
            return
        m = _PLAN_FIELD.match(field)
        if m:
            self.tabs.setCurrentIndex(0)
            edit = self.plan_edits[min(int(m.group(1)), 3)]
            edit.setFocus()
            self.info_page.ensureWidgetVisible(edit)
            return
        m = _GOAL_FIELD.match(field)
        if m:
            self.tabs.setCurrentIndex(0)
            self.goals.setCurrentRow(int(m.group(1)))
            self.goals.setFocus()
            self.info_page.ensureWidgetVisible(self.goals)
            return
        if field.startswith("indicators") and self.model is not None:
            self.tabs.setCurrentWidget(self.grid_page)
            m = _CELL_FIELD.match(field)
            where = (int(m.group(1)), int(m.group(2))) if m else self.model.cell_for_field(field)
            if where is not None and where[0] < self.model.rowCount():
                index = self.model.index(*where)
                self.grid.setCurrentIndex(index)
                self.grid.scrollTo(index)
            self.grid.setFocus()


def _label_row(grid: QGridLayout, row: int, pairs) -> None:
    """Label, field, label, field … along one row of a grid layout."""
    for i, (label, widget) in enumerate(pairs):
        grid.addWidget(QLabel(label), row, 2 * i)
        grid.addWidget(widget, row, 2 * i + 1)

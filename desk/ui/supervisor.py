"""Supervisors' dialogs: unit overview, conflicts side by side, 审核意见."""

from __future__ import annotations

from dataclasses import fields, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QPlainTextEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from desk.domain.model import REVIEW_STATUSES, Budget, Indicator, SpendingPlan, when_text
from desk.domain.money import display_money, percent_text
from desk.ops.document import OpenFile
from desk.ops.merge import FIELD_LABELS, overview
from desk.ui.dialogs import fit_to_screen, guarded
from desk.ui.session import EditSession

OVERVIEW_COLUMNS = ("单位编码", "单位名称", "年度", "项目数", "预算数合计", "部门整体", "错误", "提示", "收到时间", "来自文件")
CONFLICT_FIELDS = ("code", "name", "money_unit", "budget", "usage", "plan", "goals", "indicators", "form",
                   "finalized_at")


class OverviewDialog(QDialog):
    """单位概览: who sent what and what is wrong; double-click a unit to list its projects."""

    unit_chosen = Signal(str)

    def __init__(self, document: OpenFile, parent=None):
        super().__init__(parent)
        self.setWindowTitle("单位概览")
        layout = QVBoxLayout(self)
        rows = overview(document)
        self.table = QTableWidget(len(rows), len(OVERVIEW_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(OVERVIEW_COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        doubles = 0
        for r, row in enumerate(rows):
            values = (row.code, row.name, row.year, row.projects, row.total, row.department, row.errors, row.warnings,
                      row.received_at, row.source)
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if c in (2, 3, 4, 6, 7):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 4 and row.duplicates:
                    item.setToolTip(f"有 {row.duplicates} 张疑似重复的表未计入合计")
                self.table.setItem(r, c, item)
            doubles += row.duplicates
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        hint = "双击一个单位，左侧列出它的项目（单位报来的表在汇总文件中只读）。"
        if doubles:
            hint += f"疑似重复的表（同单位、同编码或同名称）只计入一次，共 {doubles} 张未重复计入预算数合计。"
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.table.cellDoubleClicked.connect(self._chosen)
        fit_to_screen(self, 980, 420)

    def _chosen(self, row: int, _col: int) -> None:
        self.unit_chosen.emit(self.table.item(row, 0).text())
        self.accept()


def _show(value) -> str:
    if isinstance(value, Budget):
        return "；".join(f"{label} {display_money(v, grouped=True)}" for label, v in (
            ("预算数", value.total), ("财政资金", value.fiscal), ("其他资金", value.other)) if v is not None)
    if isinstance(value, SpendingPlan):
        scheme = "按月末" if value.scheme == "month_end" else "按季度"
        return f"{scheme}：" + "、".join("空" if x is None else f"{percent_text(x)}%" for x in value.points)
    if isinstance(value, Indicator):
        return " · ".join(x for x in (value.level1, value.level2, value.name, value.description, value.value_text,
                                      value.basis) if x)
    if isinstance(value, tuple):
        return "\n".join(_show(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        parts = []
        for f in fields(value):
            v = getattr(value, f.name)
            if v not in ("", None, ()):
                parts.append(str(v) if not isinstance(v, tuple) else "、".join("" if x is None else str(x) for x in v))
        return " · ".join(parts)
    return "" if value is None else str(value)


class ConflictDialog(QDialog):
    """Two versions of one table side by side, field by field; the supervisor chooses (undoable)."""

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("处理冲突")
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        split.addWidget(self.list)
        right_widget = QWidget()
        right = QVBoxLayout(right_widget)
        right.setContentsMargins(0, 0, 0, 0)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        right.addWidget(self.info)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["栏目", "本文件中的版本", "收到的版本"])
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.table, 1)
        split.addWidget(right_widget)
        split.setStretchFactor(1, 1)
        split.setSizes([220, 680])
        outer.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.keep = QPushButton("保留本文件的版本")
        self.take = QPushButton("采用收到的版本")
        self.mix = QPushButton("按勾选的栏目合并")
        self.mix.setToolTip("在“收到的版本”一列勾选要采用的栏目，其余栏目保留本文件的内容")
        self.close_button = QPushButton("关闭")
        for b in (self.keep, self.take, self.mix):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        self.keep.clicked.connect(lambda: guarded(self, "未能处理冲突", lambda: self.resolve(take=False)))
        self.take.clicked.connect(lambda: guarded(self, "未能处理冲突", lambda: self.resolve(take=True)))
        self.mix.clicked.connect(lambda: guarded(self, "未能处理冲突",
                                                 lambda: self.resolve(take=True, fields=self.checked_fields())))
        self.close_button.clicked.connect(self.accept)
        self.list.currentRowChanged.connect(self._show_current)
        session.conflictsChanged.connect(self.reload)
        self.field_names: list[str] = []
        self.reload()
        fit_to_screen(self, 1100, 560)

    def reload(self) -> None:
        self.conflicts = self.session.document.conflicts()
        self.list.clear()
        for c in self.conflicts:
            self.list.addItem(f"{c.version.name or '（未命名）'}\n来自 {c.source}")
        if self.conflicts:
            self.list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)
            self.info.setText("没有待处理的冲突。")
        for b in (self.keep, self.take, self.mix):
            b.setEnabled(bool(self.conflicts))

    def _show_current(self, row: int) -> None:
        if not (0 <= row < len(self.conflicts)):
            return
        conflict = self.conflicts[row]
        theirs = conflict.version
        ours = self.session.project(theirs.uid)
        self.info.setText(f"“{theirs.name or '（未命名）'}”在两处被分别修改：本文件中是第 {ours.revision if ours else '-'} 版，"
                          f"“{conflict.source}”中是第 {theirs.revision} 版。标黄的栏目不同。")
        names = [n for n in CONFLICT_FIELDS if hasattr(theirs, n)]
        self.field_names = names
        self.table.setRowCount(len(names))
        for r, name in enumerate(names):
            a = getattr(ours, name) if ours is not None else None
            b = getattr(theirs, name)
            cells = (FIELD_LABELS[name], self._field_text(ours, name), self._field_text(theirs, name))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if a != b:
                    item.setBackground(Qt.GlobalColor.yellow)
                    if c == 2:  # a differing field: a box to take it from the received version
                        item.setCheckState(Qt.CheckState.Unchecked)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()

    def _field_text(self, item, name: str) -> str:
        """A field of one version in people's words: form titles, not ids; dates as 2026年11月22日 14:05."""
        if item is None:
            return ""
        if name == "form":
            form = self.session.forms.get(item.form)
            return form.label if form is not None else item.form
        if name == "finalized_at":
            return f"已定稿（{item.finalized_by}，{when_text(item.finalized_at)}）" if item.finalized_at else "未定稿"
        return _show(getattr(item, name))

    def checked_fields(self) -> list[str]:
        return [name for r, name in enumerate(self.field_names)
                if self.table.item(r, 2).data(Qt.ItemDataRole.CheckStateRole) is not None
                and self.table.item(r, 2).checkState() == Qt.CheckState.Checked]

    def resolve(self, *, take: bool, fields: list[str] | None = None) -> None:
        """Keep ours, take theirs, or take only ``fields`` from theirs: one undoable step."""
        row = self.list.currentRow()
        if not (0 <= row < len(self.conflicts)):
            return
        conflict = self.conflicts[row]
        theirs = conflict.version
        ours = self.session.project(theirs.uid)
        if take and fields is not None and ours is not None:
            version = replace(ours, **{f: getattr(theirs, f) for f in fields})
            text = f"按栏目合并“{conflict.source}”中的修改"
        elif take:
            version, text = theirs, f"采用“{conflict.source}”中的版本"
        else:
            version, text = None, f"保留本文件的版本（不采用“{conflict.source}”）"
        self.session.resolve_conflict(conflict, version, text)


class ReviewDialog(QDialog):
    """审核意见 for one table: a status and a comment."""

    def __init__(self, session: EditSession, uid: str, parent=None):
        super().__init__(parent)
        self.session, self.uid = session, uid
        p = session.project(uid) or session.department(uid)  # a project or the unit's department table
        self.setWindowTitle(f"审核意见 — {p.name or '（未命名）'}")
        form = QFormLayout(self)
        self.status = QComboBox()
        self.status.addItems(list(REVIEW_STATUSES))
        self.comment = QPlainTextEdit()
        self.comment.setTabChangesFocus(True)
        current = session.reviews.get(uid)
        if current is not None:
            self.status.setCurrentText(current.status)
            self.comment.setPlainText(current.comment)
        form.addRow("状态", self.status)
        form.addRow("意见", self.comment)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(lambda: guarded(self, "未能保存审核意见", self.save))
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        fit_to_screen(self, 520, 320)

    def save(self) -> None:
        self.session.set_review(self.uid, self.status.currentText(), self.comment.toPlainText().strip())
        self.accept()

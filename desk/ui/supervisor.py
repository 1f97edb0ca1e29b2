"""Supervisors' dialogs: unit overview, conflicts side by side, 审核意见, merge report."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from desk.domain.model import REVIEW_STATUSES, Project
from desk.domain.money import display_money
from desk.ui.session import EditSession

OVERVIEW_COLUMNS = ("单位编码", "单位名称", "年度", "项目数", "预算数合计", "错误", "提示", "收到时间", "来自文件")
FIELD_LABELS = {"code": "项目编码", "name": "项目名称", "money_unit": "金额单位", "budget": "预算数", "usage": "资金用途",
                "plan": "资金支出计划", "goals": "绩效目标", "indicators": "绩效指标", "form": "表样",
                "finalized_at": "定稿时间"}


def unit_rows(session: EditSession) -> list[tuple]:
    """One row per unit and year of the open file, for the overview."""
    units = {u.code: u.name for u in session.store.units()}
    received = session.store.received_from()
    groups: dict[tuple[str, int], list[Project]] = {}
    for p in session.projects():
        groups.setdefault((p.unit_code, p.year), []).append(p)
    rows = []
    for (code, year), items in sorted(groups.items()):
        total = sum((p.budget.total or 0) for p in items)
        errors = sum(1 for p in items for f in session.findings(p.uid) if f.severity == "error")
        warnings = sum(1 for p in items for f in session.findings(p.uid) if f.severity != "error")
        got = [received[p.uid] for p in items if p.uid in received]
        latest = max(got, key=lambda x: x[1]) if got else ("", "")
        rows.append((code, units.get(code, ""), year, len(items), f"{display_money(total)}元", errors, warnings,
                     latest[1][:16].replace("T", " "), latest[0]))
    return rows


class OverviewDialog(QDialog):
    """单位概览: who sent what and what is wrong; double-click a unit to list its projects."""

    unit_chosen = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.setWindowTitle("单位概览")
        self.resize(980, 420)
        layout = QVBoxLayout(self)
        rows = unit_rows(session)
        self.table = QTableWidget(len(rows), len(OVERVIEW_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(OVERVIEW_COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(str(value))
                if c in (2, 3, 4, 5, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        layout.addWidget(QLabel("双击一个单位，左侧列出它的项目（其他单位的表只读打开）。"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.cellDoubleClicked.connect(self._chosen)

    def _chosen(self, row: int, _col: int) -> None:
        self.unit_chosen.emit(self.table.item(row, 0).text())
        self.accept()


def _show(value) -> str:
    from desk.domain.model import Budget, Indicator, SpendingPlan
    from desk.domain.money import percent_text

    if isinstance(value, Budget):
        return "；".join(f"{label} {display_money(v)}" for label, v in (("预算数", value.total), ("财政资金", value.fiscal),
                                                                       ("其他资金", value.other)) if v is not None)
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
    """Two versions of one table side by side, field by field; the supervisor chooses."""

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("处理冲突")
        self.resize(1100, 560)
        layout = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setMaximumWidth(280)
        layout.addWidget(self.list)
        right = QVBoxLayout()
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
        right.addWidget(self.table)
        buttons = QHBoxLayout()
        self.keep = QPushButton("保留本文件的版本")
        self.take = QPushButton("采用收到的版本")
        self.mix = QPushButton("按勾选的栏目合并")
        self.mix.setToolTip("在“收到的版本”一列勾选要采用的栏目，其余栏目保留本文件的内容")
        close = QPushButton("关闭")
        buttons.addWidget(self.keep)
        buttons.addWidget(self.take)
        buttons.addWidget(self.mix)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right.addLayout(buttons)
        layout.addLayout(right, 1)
        self.keep.clicked.connect(lambda: self.resolve(take=False))
        self.take.clicked.connect(lambda: self.resolve(take=True))
        self.mix.clicked.connect(lambda: self.resolve(take=True, fields=self.checked_fields()))
        close.clicked.connect(self.accept)
        self.list.currentRowChanged.connect(self._show_current)
        self.reload()

    def reload(self) -> None:
        self.conflicts = self.session.store.conflicts()
        self.list.clear()
        for cid, source, item in self.conflicts:
            self.list.addItem(f"{item.name or item.uid}\n来自 {source}")
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
        cid, source, theirs = self.conflicts[row]
        ours = self.session.project(theirs.uid)
        self.info.setText(f"同一张表（uid {theirs.uid}）在两处被分别修改：本文件中第 {ours.revision if ours else '-'} 版，"
                          f"“{source}”中第 {theirs.revision} 版。标黄的栏目不同。")
        names = [n for n in FIELD_LABELS if hasattr(theirs, n)]
        self.field_names = names
        self.table.setRowCount(len(names))
        for r, name in enumerate(names):
            a = getattr(ours, name) if ours is not None else None
            b = getattr(theirs, name)
            cells = (FIELD_LABELS[name], _show(a), _show(b))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if a != b:
                    item.setBackground(Qt.GlobalColor.yellow)
                    if c == 2:  # a differing field: a box to take it from the received version
                        item.setCheckState(Qt.CheckState.Unchecked)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()

    def checked_fields(self) -> list[str]:
        return [name for r, name in enumerate(self.field_names)
                if self.table.item(r, 2).data(Qt.ItemDataRole.CheckStateRole) is not None
                and self.table.item(r, 2).checkState() == Qt.CheckState.Checked]

    def resolve(self, *, take: bool, fields: list[str] | None = None) -> None:
        """Keep ours, take theirs, or take only ``fields`` from theirs."""
        from dataclasses import replace as _replace

        row = self.list.currentRow()
        if not (0 <= row < len(self.conflicts)):
            return
        cid, source, theirs = self.conflicts[row]
        ours = self.session.project(theirs.uid)
        if take and fields is not None and ours is not None:
            mixed = _replace(ours, **{f: getattr(theirs, f) for f in fields})
            self.session.accept_version(mixed, f"按栏目合并“{source}”中的修改")
        elif take:
            self.session.accept_version(theirs, f"采用“{source}”中的版本")
        self.session.store.resolve_conflict(cid)
        self.session._schedule_write()
        self.reload()


class ReviewDialog(QDialog):
    """审核意见 for one table: a status and a comment."""

    def __init__(self, session: EditSession, uid: str, parent=None):
        super().__init__(parent)
        self.session, self.uid = session, uid
        p = session.project(uid)
        self.setWindowTitle(f"审核意见 — {p.name}")
        form = QFormLayout(self)
        self.status = QComboBox()
        self.status.addItems(list(REVIEW_STATUSES))
        self.comment = QPlainTextEdit()
        current = session.reviews.get(uid)
        if current is not None:
            self.status.setCurrentText(current.status)
            self.comment.setPlainText(current.comment)
        form.addRow("状态", self.status)
        form.addRow("意见", self.comment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        self.session.set_review(self.uid, self.status.currentText(), self.comment.toPlainText().strip())
        self.accept()


def report_text(report) -> str:
    lines = [report.summary()]
    for c in report.conflicts:
        lines.append(f"冲突：{c['project']}（{'、'.join(c['sources'])}），不同之处："
                     f"{'、'.join(FIELD_LABELS.get(f, f) for f in c['fields'])}——请用“汇总 → 处理冲突”逐项选择")
    for d in report.duplicates:
        names = "、".join(f"{p['project']}（{p['source'] or '本文件'}）" for p in d["projects"])
        lines.append(f"疑似重复（{d['match']}“{d['value']}”相同）：{names}")
    for r in report.refused:
        lines.append(f"拒收：{r['reason']}")
    return "\n".join(lines)

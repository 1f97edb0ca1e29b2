"""The project list (search, filter, badges) and the live check panel."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
    QWidget,
)

from desk.domain import suggestions
from desk.domain.checks import RULES
from desk.domain.model import when_text
from desk.domain.money import display_money
from desk.errors import DeskError
from desk.ui.session import EditSession

UID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
FIELD_ROLE = Qt.ItemDataRole.UserRole + 4
INDEX_ROLE = Qt.ItemDataRole.UserRole + 5

FILTERS = (("all", "全部"), ("errors", "有错误"), ("warnings", "只有提示"), ("clean", "无问题"),
           ("final", "已定稿"), ("draft", "未定稿"))


def _dot(color: QColor, lock: bool = False) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(color)
    p.setPen(Qt.PenStyle.NoPen)
    if lock:
        p.drawRect(2, 6, 10, 7)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(color)
        p.drawArc(4, 1, 6, 9, 0, 180 * 16)
    else:
        p.drawEllipse(2, 2, 10, 10)
    p.end()
    return QIcon(pix)


class ProjectListModel(QAbstractListModel):
    """The file's tables: the department table first, then the projects. A project not checked yet shows
    审核中 until its check has run (EditSession checks them while the window is idle)."""

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self._departments = {d.uid: d for d in session.departments()}
        self.uids = list(self._departments) + session.uids()
        self._rows = {uid: row for row, uid in enumerate(self.uids)}
        self._icons = {"error": _dot(QColor(200, 40, 40)), "warning": _dot(QColor(230, 160, 0)),
                       "clean": _dot(QColor(40, 150, 70)), "final": _dot(QColor(40, 90, 170), lock=True),
                       "pending": _dot(QColor(170, 170, 170))}
        session.projectsChanged.connect(self.reload)
        session.projectChanged.connect(self._changed)
        session.findingsChanged.connect(self._checked)

    def reload(self) -> None:
        self.beginResetModel()
        self._departments = {d.uid: d for d in self.session.departments()}
        self.uids = list(self._departments) + self.session.uids()
        self._rows = {uid: row for row, uid in enumerate(self.uids)}
        self.endResetModel()

    def _checked(self, uids) -> None:
        """Badges of projects whose checks have run: one change over the rows they span."""
        rows = [self._rows[u] for u in uids if u in self._rows]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def is_department(self, uid: str) -> bool:
        return uid in self._departments

    def _changed(self, uid: str) -> None:
        if uid in self._departments:
            self._departments[uid] = self.session.department(uid) or self._departments[uid]
        if uid in self._rows:
            idx = self.index(self._rows[uid])
            self.dataChanged.emit(idx, idx)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.uids)

    def counts(self, uid: str, *, now: bool = True) -> tuple[int, int] | None:
        """(errors, warnings); when the table's check has not run yet: worked out ``now``, or None."""
        found = self.session.findings(uid) if now or uid in self._departments else self.session.known_findings(uid)
        if found is None:
            return None
        errors = sum(1 for f in found if f.severity == "error")
        return errors, sum(1 for f in found if f.severity == "warning")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.uids):
            return None
        uid = self.uids[index.row()]
        if uid in self._departments:
            return self._department_data(uid, role)
        p = self.session.summary(uid)
        if p is None:
            return None
        if role == UID_ROLE:
            return uid
        if role == SEARCH_ROLE:
            return f"{p.name}\n{p.code}\n{p.unit_code}"
        # the filter by findings needs them (its choice checks every table first); the rest shows 审核中 till then
        counts = self.counts(uid, now=role == STATUS_ROLE)
        errors, warnings = counts if counts is not None else (0, 0)
        if role == Qt.ItemDataRole.DisplayRole:
            badges = []
            review = self.session.reviews.get(uid)
            if review is not None:
                badges.append(review.status)
            if p.finalized:
                badges.append("已定稿")
            if counts is None:
                badges.append("审核中")
            if errors:
                badges.append(f"错误 {errors}")
            if warnings:
                badges.append(f"提示 {warnings}")
            money = (f"{display_money(p.budget_total, p.money_unit, grouped=True)}{p.money_unit}"
                     if p.budget_total is not None else "")
            second = "  ".join(x for x in (" · ".join(badges), money, p.code) if x)
            number = p.number or index.row() + 1 - len(self._departments)  # the number the paper prints
            return f"{number}. {p.name or '（未命名项目）'}\n{second}"
        if role == Qt.ItemDataRole.DecorationRole:
            if p.finalized:
                return self._icons["final"]
            if counts is None:
                return self._icons["pending"]
            return self._icons["error" if errors else "warning" if warnings else "clean"]
        if role == Qt.ItemDataRole.ToolTipRole:
            checks = "正在审核…" if counts is None else f"错误 {errors} 条，提示 {warnings} 条"
            return f"{p.name}\n项目编码：{p.code or '（空）'}\n{checks}" + (
                f"\n已定稿：{p.finalized_by}，{when_text(p.finalized_at)}" if p.finalized else "")
        if role == STATUS_ROLE:
            return ("final" if p.finalized else "draft", "errors" if errors else "warnings" if warnings else "clean")
        return None


    def _department_data(self, uid: str, role):
        d = self._departments[uid]
        errors, warnings = self.counts(uid)
        if role == Qt.ItemDataRole.DisplayRole:
            badges = [f"错误 {errors}"] * bool(errors) + [f"提示 {warnings}"] * bool(warnings)
            total = f"合计 {display_money(d.totals()[0], d.money_unit, grouped=True)}{d.money_unit}"
            return f"部门整体支出绩效目标表（{d.year}）\n{'  '.join([' · '.join(badges), total]).strip()}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons["error" if errors else "warning" if warnings else "clean"]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"部门（单位）整体支出绩效目标表与部门整体绩效目标\n{d.name}\n错误 {errors} 条，提示 {warnings} 条"
        if role == UID_ROLE:
            return uid
        if role == SEARCH_ROLE:
            return f"部门整体\n{d.name}\n{d.unit_code}"
        if role == STATUS_ROLE:
            return ("draft", "errors" if errors else "warnings" if warnings else "clean")
        return None


class ProjectFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.status = "all"

    def _change(self, **values) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9
            self.beginFilterChange()
            self.__dict__.update(values)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.__dict__.update(values)
            self.invalidateRowsFilter()

    def set_text(self, text: str) -> None:
        self._change(text=text.strip().lower())

    def set_status(self, status: str) -> None:
        self._change(status=status)

    def filterAcceptsRow(self, row, parent):  # noqa: N802
        if not self.text and self.status == "all":
            return True  # (asked once per row when the list is built: 5,000 times for a large file)
        index = self.sourceModel().index(row, 0, parent)
        if self.text and self.text not in (index.data(SEARCH_ROLE) or "").lower():
            return False
        if self.status == "all":
            return True
        lock, checks = index.data(STATUS_ROLE)
        return self.status in (lock, checks)


class ProjectListPanel(QWidget):
    selected = Signal(str)  # uid

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索项目名称或编码")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        for key, label in FILTERS:
            self.status.addItem(label, key)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        layout.addLayout(top)
        self.model = ProjectListModel(session, self)
        self.proxy = ProjectFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(1)
        self.view.setAccessibleName("项目列表")
        layout.addWidget(self.view)
        self.count = QLabel("")
        layout.addWidget(self.count)
        self.search.textChanged.connect(self.proxy.set_text)
        self.search.returnPressed.connect(self.focus_list)
        self.search.installEventFilter(self)
        self.session = session
        self.status.currentIndexChanged.connect(self._status_chosen)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._update_count()

    def _status_chosen(self, _index) -> None:
        status = self.status.currentData()
        if status in ("errors", "warnings", "clean"):
            self.session.check_all()  # a filter by findings needs every table's (the ones not checked yet now)
        self.proxy.set_status(status)

    def eventFilter(self, watched, event):  # noqa: N802
        """↓ in the search box goes down into the list, as in a file dialog."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self.focus_list()
            return True
        return super().eventFilter(watched, event)

    def focus_list(self) -> None:
        self.view.setFocus()
        if not self.view.currentIndex().isValid() and self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))

    def _update_count(self, *args) -> None:
        self.count.setText(f"显示 {self.proxy.rowCount()} / 共 {self.model.rowCount()} 张表")

    def _current_changed(self, current, previous) -> None:
        uid = current.data(UID_ROLE) if current.isValid() else None
        if uid:
            self.selected.emit(uid)

    def current_uid(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(UID_ROLE) if index.isValid() else None

    def select(self, uid: str) -> None:
        row = self.model._rows.get(uid)
        if row is None:
            return
        source = self.model.index(row)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():  # hidden by the filter: show everything
            self.search.clear()
            self.status.setCurrentIndex(0)
            index = self.proxy.mapFromSource(source)
        self.view.setCurrentIndex(index)


class CheckPanel(QWidget):
    """The findings of the current project; activating one jumps to its field. 建议 can be adopted here,
    one or all, each as one undoable edit."""

    jump = Signal(str)  # field path
    message = Signal(str)  # for the status bar

    LABELS = {"error": "错误", "warning": "提示", "suggestion": "建议"}
    ORDER = {"error": 0, "warning": 1, "suggestion": 2}

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.uid: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.adopt = QPushButton("采用建议")
        self.adopt.setToolTip("把所选的一条建议写进表里（可撤销）；原来的写法不会被自动改动")
        self.adopt_all = QPushButton("全部采用")
        self.adopt_all.setToolTip("把这张表的全部建议一次写进表里（一步，可撤销）")
        buttons.addWidget(self.adopt)
        buttons.addWidget(self.adopt_all)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.adopt.clicked.connect(self.adopt_selected)
        self.adopt_all.clicked.connect(self.adopt_every)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemActivated.connect(lambda item: self.jump.emit(item.data(FIELD_ROLE)))
        self.list.itemClicked.connect(lambda item: self.jump.emit(item.data(FIELD_ROLE)))
        session.projectChanged.connect(lambda uid: uid == self.uid and self.refresh())
        self._icons = {"error": _dot(QColor(200, 40, 40)), "warning": _dot(QColor(230, 160, 0)),
                       "suggestion": _dot(QColor(40, 110, 200))}
        self._found: list = []

    def show_project(self, uid: str | None) -> None:
        self.uid = uid
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        self._found = []
        if not self.uid:
            self.summary.setText("")
            self._update_buttons()
            return
        found = sorted(self.session.findings(self.uid), key=lambda f: self.ORDER.get(f.severity, 3))
        self._found = found
        errors = sum(1 for f in found if f.severity == "error")
        warnings = sum(1 for f in found if f.severity == "warning")
        offers = len(found) - errors - warnings
        if not errors and not warnings:
            self.summary.setText("✓ 审核通过：没有错误和提示" + (f"；建议 {offers} 条" if offers else ""))
        else:
            self.summary.setText(f"错误 {errors} 条，提示 {warnings} 条" + (f"，建议 {offers} 条" if offers else "")
                                 + "（点击定位到该栏）")
        for k, f in enumerate(found):
            item = QListWidgetItem(self._icons.get(f.severity, self._icons["warning"]),
                                   f"{self.LABELS.get(f.severity, '提示')}：{f.message}")
            item.setData(FIELD_ROLE, f.field)
            item.setData(INDEX_ROLE, k)
            item.setToolTip(f"规则：{RULES[f.code][1]}" if f.code in RULES else "")
            self.list.addItem(item)
        self._update_buttons()

    def _offers(self) -> list:
        return [f for f in self._found if f.severity == "suggestion" and f.fix]

    def _selected_offer(self):
        item = self.list.currentItem()
        if item is None:
            return None
        f = self._found[item.data(INDEX_ROLE)]
        return f if f.severity == "suggestion" and f.fix else None

    def _update_buttons(self) -> None:
        editable = bool(self.uid) and (self.session.editable(self.uid) or self.session.editable_department(self.uid))
        offers = self._offers()
        self.adopt.setVisible(bool(offers))
        self.adopt_all.setVisible(len(offers) > 1)
        self.adopt.setEnabled(editable and self._selected_offer() is not None)
        self.adopt_all.setEnabled(editable)

    def adopt_selected(self) -> bool:
        f = self._selected_offer()
        if f is None or not self.uid:
            return False
        return self._adopt([f], f"采用建议：改为“{f.fix}”")

    def adopt_every(self) -> bool:
        offers = self._offers()
        return bool(offers) and self._adopt(offers, f"采用全部建议（{len(offers)} 处）")

    def _adopt(self, offers, text: str) -> bool:
        p = self.session.project(self.uid)
        department = self.session.department(self.uid) if p is None else None
        if p is None and department is None:
            return False
        try:
            if department is not None:  # the department table's grid takes the same offers
                self.session.put_department(suggestions.apply_all(department, offers), text)
                return True
            return self.session.edit(suggestions.apply_all(p, offers), text)
        except DeskError as exc:
            self.message.emit(str(exc))
            return False


class EmptyFilePanel(QWidget):
    """What an empty file shows in place of the editor: how to add the first table."""

    new_project = Signal()
    import_xlsx = Signal()
    import_docx = Signal()
    merge = Signal()
    help = Signal()

    def __init__(self, *, receives: bool = False, readonly: bool = False, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        if readonly:
            text = "这个文件里还没有项目表。文件以只读方式打开，不能添加。"
        elif receives:
            text = ("这是一个汇总文件，里面还没有单位报来的表。\n"
                    "用“汇总 → 合并收到的文件”选择各单位报来的 .db 文件（可以一次选多个）。")
        else:
            text = ("这个文件里还没有项目表。\n"
                    "点“新建项目”（Ctrl+Shift+N）开始填写第一张表，"
                    "或者用“导入Excel”“导入Word”把已有的表格（如上一年度的公开文本）读进来。")
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.buttons: list[QPushButton] = []
        choices = [] if readonly else (
            [("合并收到的文件…", self.merge)] if receives else
            [("新建项目", self.new_project), ("导入Excel…", self.import_xlsx), ("导入Word…", self.import_docx)])
        for label, signal in choices + [("帮助（F1）", self.help)]:
            button = QPushButton(label)
            button.clicked.connect(signal.emit)
            buttons.addWidget(button)
            self.buttons.append(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(2)

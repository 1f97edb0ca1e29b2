"""The 指标库 window: every indicator the file's tables, the office and the shipped library offer; searched,
exported, and the office's own entries added and removed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QMessageBox, QPushButton, QTableView, QVBoxLayout,
)

from desk.domain.library import OWN, LibraryEntry, search
from desk.ops import library
from desk.ui.dialogs import fit_to_screen, guarded

COLUMNS = tuple((label, key) for label, key, _ in library.COLUMNS)  # as the Excel export has them


class LibraryModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[LibraryEntry] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        key = COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(entry, key)
            return "" if value in (0, "") and key == "year" else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(x for x in (entry.name, f"描述：{entry.description}" if entry.description else "",
                                         f"依据：{entry.basis}" if entry.basis else "", f"来源：{entry.source}") if x)
        return None

    def show(self, entries: list[LibraryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()


class EntryDialog(QDialog):
    """One entry of the office's own: 一级 · 二级 · 三级 · 描述 · 指标值 · 依据."""

    FIELDS = (("一级指标", "level1"), ("二级指标", "level2"), ("三级指标", "name"), ("指标描述", "description"),
              ("指标值", "value"), ("指标值确定依据", "basis"))

    def __init__(self, parent=None, level1_names=(), tree=None):
        super().__init__(parent)
        self.setWindowTitle("添加到指标库")
        self.tree = tree
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit | QComboBox] = {}
        for label, key in self.FIELDS:
            if key in ("level1", "level2"):
                edit = QComboBox()
                edit.setEditable(True)
                edit.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                if key == "level1":
                    edit.addItems(list(level1_names))
                edit.setCurrentIndex(-1)
            else:
                edit = QLineEdit()
            self.edits[key] = edit
            form.addRow(label, edit)
        self.edits["level1"].currentTextChanged.connect(self._level2_choices)
        self.message = QLabel("")
        self.message.setStyleSheet("color:#b00020;")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        fit_to_screen(self, 520, 300)

    def _level2_choices(self, level1: str) -> None:
        """The 二级 of the chosen 一级, from the form's indicator tree."""
        box = self.edits["level2"]
        current = box.currentText()
        box.clear()
        found = self.tree.find_level1(level1) if self.tree is not None else None
        box.addItems(list(found.children) if found is not None else [])
        box.setCurrentIndex(-1)
        box.setEditText(current)

    def text(self, key: str) -> str:
        edit = self.edits[key]
        return (edit.currentText() if isinstance(edit, QComboBox) else edit.text()).strip()

    def entry(self) -> LibraryEntry:
        return LibraryEntry(**{key: self.text(key) for _, key in self.FIELDS}, origin=OWN)

    def _accept(self) -> None:
        if not self.text("name"):
            self.message.setText("请填写三级指标。")
            self.edits["name"].setFocus()
            return
        self.accept()


class LibraryDialog(QDialog):
    """指标库: search by words and 一级指标; 填入当前表; 添加, 删除 (and 撤销删除) the office's entries; 导出Excel."""

    def __init__(self, session, parent=None, *, level1_names=(), tree=None, fill=None, folder: Path | None = None):
        super().__init__(parent)
        self.session = session
        self.tree = tree
        self.fill = fill  # fill(entries) -> int: new rows in the current table; None when there is none to fill
        self.folder = folder or Path.home()
        self.setWindowTitle("指标库")
        layout = QVBoxLayout(self)
        self.lead = QLabel("本文件各表用过的指标、本单位添加的指标和程序自带的公开资料中的指标，用得多、用得近的在前。"
                           "在“三级指标”格中输入两个字就会列出这里的指标。")
        self.lead.setWordWrap(True)
        layout.addWidget(self.lead)
        bar = QHBoxLayout()
        self.words = QLineEdit()
        self.words.setPlaceholderText("输入关键词查找（如 满意度、覆盖率），可写多个，用空格隔开")
        self.words.setClearButtonEnabled(True)
        self.level1 = QComboBox()
        bar.addWidget(self.words, 1)
        bar.addWidget(self.level1)
        layout.addLayout(bar)
        self.model = LibraryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the buttons
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((190, 90, 80, 120, 200, 40, 50, 160)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda *_: guarded(self, "填入当前表", self.fill_selected))
        layout.addWidget(self.table, 1)
        self.count = QLabel("")
        self.count.setWordWrap(True)
        layout.addWidget(self.count)
        buttons = QHBoxLayout()
        self.fill_button = QPushButton("填入当前表(&I)")
        self.fill_button.setToolTip("把选中的指标加到当前表的绩效指标末尾（可以撤销）；也可以双击")
        self.add_button = QPushButton("添加(&A)…")
        self.remove_button = QPushButton("删除(&D)")
        self.undo_button = QPushButton("撤销删除(&U)")
        self.export_button = QPushButton("导出Excel(&X)…")
        close = QPushButton("关闭")
        for b in (self.fill_button, self.add_button, self.remove_button, self.undo_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        for b in (self.fill_button, self.add_button, self.remove_button, self.undo_button, self.export_button, close):
            b.setAutoDefault(False)  # Enter in the search box searches; it opens nothing
            b.setDefault(False)
        writable = not session.readonly
        self.fill_button.setEnabled(fill is not None)
        self.add_button.setEnabled(writable)
        self.remove_button.setEnabled(writable)
        self.undo_button.setEnabled(False)
        self._removed: list[LibraryEntry] = []
        self.fill_button.clicked.connect(lambda: guarded(self, "填入当前表", self.fill_selected))
        self.add_button.clicked.connect(lambda: guarded(self, "添加到指标库", self.add_entry))
        self.remove_button.clicked.connect(lambda: guarded(self, "从指标库删除", self.remove_selected))
        self.undo_button.clicked.connect(lambda: guarded(self, "撤销删除", self.undo_remove))
        self.export_button.clicked.connect(lambda: guarded(self, "导出指标库", self.choose_export))
        close.clicked.connect(self.accept)
        self.words.textChanged.connect(self.refresh)
        self.level1.currentIndexChanged.connect(self.refresh)
        self._all: list[LibraryEntry] = []
        self.reload()
        names = list(level1_names) + sorted({e.level1 for e in self._all if e.level1} - set(level1_names))
        self.level1.addItems(["全部一级指标", *names])
        fit_to_screen(self, 1100, 640)

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key.Key_Delete and self.table.hasFocus() and self.remove_button.isEnabled():
            guarded(self, "从指标库删除", self.remove_selected)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus() and self.fill is not None:
            guarded(self, "填入当前表", self.fill_selected)
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------ listing

    def reload(self) -> None:
        self._all = self.session.library()
        problem = getattr(self.session.document, "library_problem", "")
        if problem:
            self.lead.setText(f"{problem}下面只列出各表用过的和程序自带的指标；添加、删除暂时不能用。")
            self.add_button.setEnabled(False)
            self.remove_button.setEnabled(False)
        self.refresh()

    def shown(self) -> list[LibraryEntry]:
        level1 = self.level1.currentText() if self.level1.currentIndex() > 0 else ""
        return search(self._all, self.words.text(), level1=level1)

    def refresh(self, *_) -> None:
        found = self.shown()
        self.model.show(found)
        self.count.setText(f"共 {len(found)} 条" + (f"（指标库共 {len(self._all)} 条）" if len(found) != len(self._all)
                                                  else ""))

    def selected(self) -> list[LibraryEntry]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.entries[r] for r in rows if r < len(self.model.entries)]

    # ------------------------------------------------------------ changes

    def fill_selected(self) -> int:
        chosen = self.selected()
        if not chosen:
            QMessageBox.information(self, "填入当前表", "请先选中要填入的指标。")
            return 0
        added = self.fill(chosen)
        if added:
            self.count.setText(f"已把 {added} 条指标加到当前表的末尾（可以撤销）")
        return added

    def add_entry(self, entry: LibraryEntry | None = None) -> bool:
        if entry is None:
            dialog = EntryDialog(self, tuple(self.level1.itemText(i) for i in range(1, self.level1.count())),
                                 self.tree)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            entry = dialog.entry()
        self.session.add_library_entry(entry)
        self.reload()
        return True

    def remove_selected(self, *, confirm: bool = True) -> int:
        chosen = self.selected()
        if not chosen:
            QMessageBox.information(self, "从指标库删除", "请先选中要删除的指标。")
            return 0
        if confirm:
            names = "、".join(e.name for e in chosen[:5]) + (f" 等 {len(chosen)} 条" if len(chosen) > 5 else "")
            answer = QMessageBox.question(
                self, "从指标库删除", f"从指标库删除 {names}？\n\n本单位添加的指标会被删除；来自表格或自带资料的指标"
                "以后不再列出（表格本身不会改动）。删除后可以点“撤销删除”恢复。")
            if answer != QMessageBox.StandardButton.Yes:
                return 0
        for entry in chosen:
            self.session.remove_library_entry(entry)
        self._removed = chosen
        self.undo_button.setEnabled(True)
        self.reload()
        self.count.setText(f"已删除 {len(chosen)} 条（点“撤销删除”可以恢复）")
        return len(chosen)

    def undo_remove(self) -> int:
        """The last deletion taken back: the office's entries added again, the others listed again."""
        for entry in self._removed:
            self.session.restore_library_entry(entry)
        count, self._removed = len(self._removed), []
        self.undo_button.setEnabled(False)
        self.reload()
        return count

    def choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "导出指标库", str(self.folder / "指标库.xlsx"),
                                              "Excel 文件 (*.xlsx)")
        if name:
            self.export(Path(name))

    def export(self, target: Path) -> Path:
        from desk.ops import exports  # the Excel part loads only when something is exported

        out = exports.export_library(self.shown(), target)
        self.count.setText(f"已导出 {len(self.model.entries)} 条：{out}")
        return out

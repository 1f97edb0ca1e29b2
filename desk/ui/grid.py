"""The indicator grid: a table model over a project's indicators, its delegates and view.

The model never changes the project itself: every edit builds a new tuple of
indicators and hands it to ``commit`` (the editor turns it into one undoable
command); the session then calls ``set_project`` with the result, and the
model reports exactly the rows that changed. Merged 一级/二级 cells are spans
recomputed from the model after every change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import (
    QAbstractTableModel, QEvent, QItemSelection, QItemSelectionModel, QModelIndex, QRect, QSize, Qt, Signal,
)
from PySide6.QtGui import (
    QColor, QGuiApplication, QKeySequence, QPainter, QPalette, QPen, QStandardItem, QStandardItemModel, QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QApplication, QComboBox, QCompleter, QHeaderView, QLineEdit,
    QPlainTextEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView,
)

from desk.domain.checks import Finding
from desk.errors import DeskError
from desk.domain.formdef import FormDef
from desk.domain.library import LibraryEntry, complete
from desk.domain.model import Indicator
from desk.domain.values import make_value, split_columns

COMPARATOR_CHOICES = ("≥", "≤", "=", ">", "<", "文字描述")
ERROR_BG = QColor(255, 228, 228)
WARNING_BG = QColor(255, 246, 214)
_FIELD = re.compile(r"^indicators\[(\d+)\](?:\.(\w+))?$")

Commit = Callable[[tuple[Indicator, ...], str, object], None]
Library = Callable[[], list[LibraryEntry]]
MIN_TYPED = 2  # characters typed in a 三级 cell before the 指标库 is offered


class IndicatorModel(QAbstractTableModel):
    def __init__(self, form: FormDef, commit: Commit | None = None, parent=None):
        super().__init__(parent)
        self.form = form
        self.keys = [c.key for c in form.columns]
        self.labels = [c.label for c in form.columns]
        self.indicators: tuple[Indicator, ...] = ()
        self.commit = commit or (lambda inds, text, key: self.set_indicators(inds))
        self.readonly = False
        self._cell_findings: dict[tuple[int, int], list[Finding]] = {}

    # ------------------------------------------------------------ Qt model API

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.indicators)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.keys)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.labels[section] if 0 <= section < len(self.labels) else None
        return str(section + 1)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.readonly:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.indicators)):
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.cell_text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            found = self._cell_findings.get((row, col))
            return "\n".join(f.message for f in found) if found else None
        if role == Qt.ItemDataRole.BackgroundRole:
            found = self._cell_findings.get((row, col))
            if found:
                if any(f.severity == "error" for f in found):
                    return ERROR_BG
                return WARNING_BG if any(f.severity == "warning" for f in found) else None
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self.keys[col] in ("level1", "level2", "comparator", "number", "value"):
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.readonly:
            return False
        text = "" if value is None else str(value)
        row, col = index.row(), index.column()
        updated = self._with_cell(self.indicators[row], self.keys[col], text)
        if updated == self.indicators[row]:
            return False
        inds = list(self.indicators)
        inds[row] = updated
        self.commit(tuple(inds), f"修改{self.labels[col]}", ("cell", row, col))
        return True

    # ------------------------------------------------------------ cells

    def cell_text(self, row: int, col: int) -> str:
        ind = self.indicators[row]
        key = self.keys[col]
        if key == "value":
            return ind.value_text
        if key in ("comparator", "number", "unit"):
            comparator, number, unit = split_columns(ind.target, self.form.bare_symbol)  # as it prints
            return {"comparator": comparator, "number": number, "unit": unit}[key]
        return getattr(ind, key)

    def _with_cell(self, ind: Indicator, key: str, text: str) -> Indicator:
        text = text.strip() if key not in ("description", "basis", "name") else text
        if key == "value":
            return ind.with_value_text(text)
        if key in ("comparator", "number", "unit"):
            parts = dict(zip(("comparator", "number", "unit"), split_columns(ind.target, self.form.bare_symbol)))
            parts[key] = text
            if key == "comparator" and text in ("", "文字描述") and parts["number"] and not ind.target.is_qualitative:
                # switching to 文字描述 keeps the whole value as text
                parts = {"comparator": "", "number": "", "unit": ind.value_text}
            target = make_value(parts["comparator"], parts["number"], parts["unit"])
            if key == "unit" and parts["comparator"] in ("", "文字描述") and not parts["number"]:
                target = make_value("", "", text)
            return ind.with_value_parts(target)  # given as parts now: no one-cell text any more
        # 一级/二级 as typed (效果指标 stays 效果指标); the checks offer the tree's own name
        return replace(ind, **{key: text})

    def fill_row(self, row: int, entry: LibraryEntry) -> bool:
        """三级, 描述, 指标值 and 依据 (and empty 一级/二级) from a 指标库 entry, as one change."""
        if self.readonly or not 0 <= row < len(self.indicators):
            return False
        split = any(k in self.keys for k in ("comparator", "number", "unit"))
        updated = entry.fill(self.indicators[row], split=split)
        if updated == self.indicators[row]:
            return False
        inds = list(self.indicators)
        inds[row] = updated
        self.commit(tuple(inds), "从指标库填入", None)
        return True

    def append_from_library(self, entries: list[LibraryEntry]) -> int:
        """New rows at the end, one per 指标库 entry, as one change."""
        if self.readonly or not entries:
            return 0
        split = any(k in self.keys for k in ("comparator", "number", "unit"))
        rows = tuple(e.fill(Indicator(e.level1, e.level2), split=split) for e in entries)
        self.commit(self.indicators + rows, "从指标库填入", None)
        return len(rows)

    def column_of(self, key: str) -> int | None:
        return self.keys.index(key) if key in self.keys else None

    def cell_for_field(self, field: str) -> tuple[int, int] | None:
        """Where a finding's field (indicators[2].value) sits in the grid."""
        m = _FIELD.match(field)
        if not m:
            return None
        row, key = int(m.group(1)), m.group(2) or "name"
        if key == "value" and "value" not in self.keys:
            key = "number" if "number" in self.keys else key
        if key == "unit" and "unit" not in self.keys:
            key = "value"
        col = self.column_of(key)
        return (row, col) if col is not None else None

    # ------------------------------------------------------------ content from the session

    def set_findings(self, findings: list[Finding]) -> None:
        cells: dict[tuple[int, int], list[Finding]] = {}
        for f in findings:
            where = self.cell_for_field(f.field)
            if where is not None:
                cells.setdefault(where, []).append(f)
        old = set(self._cell_findings) | set(cells)
        self._cell_findings = cells
        for row, col in old:
            if row < len(self.indicators):
                idx = self.index(row, col)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole])

    def set_indicators(self, new: tuple[Indicator, ...]) -> None:
        """Show ``new``, reporting only the rows that changed (selection survives)."""
        old = self.indicators
        if new == old:
            return
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < min(len(old), len(new)) - prefix
               and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]):
            suffix += 1
        old_mid = len(old) - prefix - suffix
        new_mid = len(new) - prefix - suffix
        if old_mid == new_mid:
            self.indicators = new
            self.dataChanged.emit(self.index(prefix, 0), self.index(prefix + new_mid - 1, len(self.keys) - 1))
            return
        if old_mid:
            self.beginRemoveRows(QModelIndex(), prefix, prefix + old_mid - 1)
            self.indicators = old[:prefix] + old[len(old) - suffix:]
            self.endRemoveRows()
        if new_mid:
            self.beginInsertRows(QModelIndex(), prefix, prefix + new_mid - 1)
            self.indicators = new
            self.endInsertRows()
        self.indicators = new

    # ------------------------------------------------------------ whole-grid edits

    def insert_rows(self, row: int, count: int = 1) -> None:
        row = max(0, min(row, len(self.indicators)))
        template = self.indicators[row - 1] if row > 0 else (self.indicators[0] if self.indicators else None)
        fresh = Indicator(level1=template.level1 if template else "", level2=template.level2 if template else "")
        inds = self.indicators[:row] + (fresh,) * count + self.indicators[row:]
        self.commit(inds, "插入行", None)

    def remove_rows(self, rows: list[int]) -> None:
        drop = set(rows)
        if not drop:
            return
        inds = tuple(ind for i, ind in enumerate(self.indicators) if i not in drop)
        self.commit(inds, f"删除 {len(drop)} 行", None)

    def move_rows(self, rows: list[int], delta: int) -> list[int] | None:
        """Move a contiguous block of rows up (-1) or down (+1); returns the new rows."""
        rows = sorted(set(rows))
        if not rows or rows != list(range(rows[0], rows[-1] + 1)):
            return None
        first, last = rows[0], rows[-1]
        if first + delta < 0 or last + delta >= len(self.indicators):
            return None
        inds = list(self.indicators)
        block = inds[first:last + 1]
        del inds[first:last + 1]
        inds[first + delta:first + delta] = block
        self.commit(tuple(inds), "上移" if delta < 0 else "下移", None)
        return [r + delta for r in rows]

    def clear_cells(self, cells: list[tuple[int, int]]) -> None:
        inds = list(self.indicators)
        for row, col in cells:
            inds[row] = self._with_cell(inds[row], self.keys[col], "")
        if tuple(inds) != self.indicators:
            self.commit(tuple(inds), "清除内容", None)

    def paste(self, top: int, left: int, block: list[list[str]]) -> tuple[int, int]:
        """Paste a rectangle of text (from Excel/WPS), adding rows as needed; one step."""
        if not block:
            return (0, 0)
        inds = list(self.indicators)
        width = min(max(len(r) for r in block), len(self.keys) - left)
        for r, line in enumerate(block):
            row = top + r
            while row >= len(inds):
                inds.append(Indicator())
            for c in range(width):
                text = line[c] if c < len(line) else ""
                inds[row] = self._with_cell(inds[row], self.keys[left + c], text)  # each cell as written
        self.commit(tuple(inds), "粘贴", None)
        return (len(block), width)

    def copy_text(self, cells: list[tuple[int, int]]) -> str:
        if not cells:
            return ""
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        lines = []
        for r in range(rows[0], rows[-1] + 1):
            lines.append("\t".join(_tsv_cell(self.cell_text(r, c)) for c in range(cols[0], cols[-1] + 1)))
        return "\r\n".join(lines) + "\r\n"

    def spans(self) -> list[tuple[int, int, int]]:
        """(row, column, row count) of the merged 一级/二级 cells."""
        out = []
        l1 = self.column_of("level1")
        l2 = self.column_of("level2")
        inds = self.indicators
        for col, key in ((l1, lambda i: (i.level1,)), (l2, lambda i: (i.level1, i.level2))):
            if col is None:
                continue
            start = 0
            for r in range(1, len(inds) + 1):
                if r == len(inds) or key(inds[r]) != key(inds[start]) or not key(inds[start])[-1]:
                    if r - start > 1:
                        out.append((start, col, r - start))
                    start = r
        return out


def _tsv_cell(text: str) -> str:
    if any(ch in text for ch in '\t\n\r"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def parse_tsv(text: str) -> list[list[str]]:
    """Excel/WPS clipboard text: tabs between cells, quoted cells may hold newlines."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell = []
    i, n = 0, len(text)
    quoted = False
    at_start = True
    while i < n:
        ch = text[i]
        if quoted:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    cell.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                cell.append(ch)
        elif ch == '"' and at_start:
            quoted = True
        elif ch == "\t":
            row.append("".join(cell))
            cell, at_start = [], True
            i += 1
            continue
        elif ch in "\r\n":
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_start = [], [], True
            i += 1
            continue
        else:
            cell.append(ch)
        at_start = False
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


class CellEditor(QPlainTextEdit):
    """The editor of a text cell: keeps line breaks (Alt+Enter adds one), Enter commits, Tab moves on."""

    def __init__(self, delegate: "GridDelegate", parent=None):
        super().__init__(parent)
        self.delegate = delegate  # (Tab is not a focus change here: keyPressEvent ends the edit)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setStyleSheet("CellEditor { border: 2px solid #2f6fd6; }")  # clearly over the cells it covers
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().setDocumentMargin(2)
        self.min_height = 0
        self.max_height = 0
        self.document().contentsChanged.connect(self.fit_height)
        self.completer: QCompleter | None = None
        self._offers: list[LibraryEntry] = []
        self._armed = False  # offers follow what the clerk types, not the text the cell opened with

    # ------------------------------------------------------------ the 指标库 (三级 cells)

    def offer_library(self, entries: list[LibraryEntry], level1: str, level2: str, pick) -> None:
        """Offer 指标库 entries of the row's 一级/二级 matching what is typed (typed or entered by an IME);
        ``pick(entry)`` fills the row."""
        self._library = (entries, level1, level2)
        completer = QCompleter(QStandardItemModel(self), self)
        completer.setWidget(self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(10)
        completer.activated[QModelIndex].connect(
            lambda index: pick(self._offers[index.row()]) if 0 <= index.row() < len(self._offers) else None)
        self.completer = completer
        self.textChanged.connect(self._update_offers)

    def arm_library(self) -> None:
        self._armed = True

    def _update_offers(self) -> None:
        completer = self.completer
        if completer is None or not self._armed:
            return
        typed = self.toPlainText().strip()
        entries, level1, level2 = self._library
        self._offers = complete(entries, typed, level1=level1, level2=level2) if len(typed) >= MIN_TYPED else []
        model = completer.model()
        model.clear()
        popup = completer.popup()
        if not self._offers:
            popup.hide()
            return
        for e in self._offers:
            item = QStandardItem(f"{e.name}　{e.value}" + (f"　（{e.level2 or e.level1}）" if e.level2 or e.level1 else ""))
            item.setToolTip("\n".join(x for x in (f"描述：{e.description}" if e.description else "",
                                                  f"依据：{e.basis}" if e.basis else "",
                                                  f"用过 {e.count} 次" + (f"，最近 {e.year} 年" if e.year else ""),
                                                  f"来源：{e.source}") if x))
            model.appendRow(item)
        rect = self.cursorRect()
        rect.setLeft(0)
        rect.setWidth(max(self.width(), 420))
        completer.complete(rect)
        popup.setCurrentIndex(QModelIndex())  # nothing chosen until an arrow key picks one

    @property
    def offering(self) -> bool:
        return self.completer is not None and self.completer.popup().isVisible()

    def fit_height(self) -> None:
        """Grow with the text, from the cell's height up to the bottom of the grid."""
        if not self.max_height:
            return
        lines = max(1, int(self.document().documentLayout().documentSize().height()))
        needed = lines * self.fontMetrics().lineSpacing() + 10
        self.resize(self.width(), max(self.min_height, min(needed, self.max_height)))

    def keyPressEvent(self, event):  # noqa: N802
        # Qt's delegates leave Tab and Enter to text-edit editors: this one decides, as a spreadsheet cell does.
        key, hint = event.key(), None
        if self.offering and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Tab,
                                     Qt.Key.Key_Backtab):
            current = self.completer.popup().currentIndex()
            if key == Qt.Key.Key_Escape or current.isValid():
                event.ignore()  # the open list takes it: Enter/Tab choose the marked entry, Esc closes the list
                return
            self.completer.popup().hide()  # nothing marked: the key does what it does in any cell
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier):
                self.insertPlainText("\n")  # a line break inside the cell, as Alt+Enter in Excel
                return
            hint = QAbstractItemDelegate.EndEditHint.SubmitModelCache  # commit and move down
        elif key == Qt.Key.Key_Tab and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            hint = QAbstractItemDelegate.EndEditHint.EditNextItem
        elif key == Qt.Key.Key_Backtab:
            hint = QAbstractItemDelegate.EndEditHint.EditPreviousItem
        if hint is None:
            super().keyPressEvent(event)
            return
        self.delegate.commitData.emit(self)
        self.delegate.closeEditor.emit(self, hint)


class GridDelegate(QStyledItemDelegate):
    """Every cell of the grid: draws the merged look of 一级/二级 and opens the right editor.

    A run of equal 一级 (or 一级+二级) values is drawn as one merged cell, but
    each row keeps its own cell: it can be selected, reached by the keyboard
    and edited like any other. Typing into a cell replaces its text; F2 or a
    double click edits it in place with the cursor at the end.
    """

    def __init__(self, view: "IndicatorView", choices: Callable[[QModelIndex], list[str]] | None = None):
        super().__init__(view)
        self.view = view
        self.choices = choices
        self._filled: set = set()  # open editors already given their text

    # ------------------------------------------------------------ drawing

    def paint(self, painter, option, index):
        view = self.view
        merged = view.folded_run(index.row(), index.column())
        if merged is None:
            super().paint(painter, option, index)
        else:
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""  # the merged label is drawn once over the whole run (IndicatorView.paintEvent)
            style = view.style()
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, view)
        painter.save()
        painter.setPen(view.grid_pen())
        r = option.rect
        painter.drawLine(r.topRight(), r.bottomRight())
        if merged is None or index.row() == merged[0] + merged[1] - 1:
            painter.drawLine(r.bottomLeft(), r.bottomRight())
        painter.restore()

    def sizeHint(self, option, index):
        if self.view.merge_of(index.row(), index.column()) is not None:  # its label spans the run's rows
            hint = super().sizeHint(option, self.view.model().index(index.row(), index.column()))
            return QSize(hint.width(), self.view.fontMetrics().height() + 8)
        return super().sizeHint(option, index)

    # ------------------------------------------------------------ editing

    def createEditor(self, parent, option, index):  # noqa: N802
        if self.choices is not None:
            combo = QComboBox(parent)
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.addItems(self.choices(index))
            return combo
        editor = CellEditor(self, parent)
        view, model = self.view, self.view.imodel()
        if view.library is not None and model.keys[index.column()] == "name" and index.row() < len(model.indicators):
            ind = model.indicators[index.row()]
            row = index.row()
            try:
                entries = view.library()
            except DeskError:  # no library to offer (a damaged install): the cell edits as any other
                entries = []
            editor.offer_library(entries, ind.level1.strip(), ind.level2.strip(),
                                 lambda entry: self._pick(editor, row, entry))
        return editor

    def _pick(self, editor: CellEditor, row: int, entry: LibraryEntry) -> None:
        """A 指标库 entry chosen in a 三级 cell: the editor closes without its typed text, the row is filled."""
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.view.imodel().fill_row(row, entry)

    def setEditorData(self, editor, index):  # noqa: N802
        if editor in self._filled:
            return  # filled once when it opened: what is being typed is never reset by a later model change
        self._filled.add(editor)
        editor.destroyed.connect(lambda *_: self._filled.discard(editor))
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if self.view.edit_trigger == QAbstractItemView.EditTrigger.AnyKeyPressed:
            text = ""  # typing replaces the cell's text, as in Excel/WPS
        if isinstance(editor, QComboBox):
            editor.setCurrentText(text)
            line = editor.lineEdit()
            if line is not None:
                line.deselect()
                line.end(False)
            return
        editor.setPlainText(text)
        editor.moveCursor(QTextCursor.MoveOperation.End)
        editor.arm_library()

    def setModelData(self, editor, model, index):  # noqa: N802
        text = editor.currentText() if isinstance(editor, QComboBox) else editor.toPlainText()
        model.setData(index, text, Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index):  # noqa: N802
        rect = QRect(option.rect)
        editor.setGeometry(rect)
        if isinstance(editor, CellEditor):
            editor.min_height = rect.height()
            editor.max_height = max(rect.height(), self.view.viewport().height() - rect.top())
            editor.fit_height()


class IndicatorView(QTableView):
    """Spreadsheet keyboard: arrows, Tab, Home/End, Enter moves down, typing replaces, F2 edits, Delete clears,
    Ctrl+C/V blocks that land at the selected cell."""

    pasted = Signal(int, int)

    def __init__(self, model: IndicatorModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setWordWrap(True)
        self.setShowGrid(False)  # the delegate draws the lines, leaving out those inside a merged run
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setTabKeyNavigation(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.edit_trigger = QAbstractItemView.EditTrigger.NoEditTriggers
        self.library: Library | None = None  # the 指标库 offered in 三级 cells
        self._merges: dict[tuple[int, int], tuple[int, int]] = {}  # (row, col) → (first row, rows) of a merged run
        self._runs: list[tuple[int, int, int]] = []
        # Columns share the width in the proportions of the printed form until
        # the clerk drags a column border.
        self.weights = list(model.form.print.grid_widths_mm)
        self._auto_fit = True
        self._fitting = False
        self.horizontalHeader().sectionResized.connect(self._user_resized)
        tree = model.form.tree

        def level1_choices(index):
            return list(tree.level1_names())

        def level2_choices(index):
            l1 = tree.find_level1(model.indicators[index.row()].level1) if index.row() < len(model.indicators) else None
            if l1 is not None:
                return list(l1.children)
            return [c for l in tree.level1 for c in l.children]

        choices = {"level1": level1_choices, "level2": level2_choices,
                   "comparator": lambda index: list(COMPARATOR_CHOICES)}
        self.setItemDelegate(GridDelegate(self))
        for key, pick in choices.items():
            col = model.column_of(key)
            if col is not None:
                self.setItemDelegateForColumn(col, GridDelegate(self, pick))
        self.selectionModel().selectionChanged.connect(lambda *_: self.viewport().update())
        model.modelReset.connect(self.update_spans)
        model.rowsInserted.connect(self.update_spans)
        model.rowsRemoved.connect(self.update_spans)
        model.dataChanged.connect(self._data_changed)

    def _user_resized(self, *args) -> None:
        if not self._fitting:
            self._auto_fit = False

    def fit_columns(self) -> None:
        if not self._auto_fit or not self.weights:
            return
        width = self.viewport().width()
        total = sum(self.weights)
        self._fitting = True
        try:
            for col, weight in enumerate(self.weights):
                self.setColumnWidth(col, max(40, int(width * weight / total)))
        finally:
            self._fitting = False

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self.fit_columns()

    def imodel(self) -> IndicatorModel:
        return self.model()

    def _data_changed(self, top_left, bottom_right, roles=()):
        if not roles or Qt.ItemDataRole.DisplayRole in roles:
            self.update_spans()

    # ------------------------------------------------------------ the merged look

    def update_spans(self) -> None:
        """Recompute the merged runs of 一级/二级 from the model (no Qt spans: every cell stays reachable)."""
        self._runs = self.imodel().spans()
        self._merges = {(row + k, col): (row, count) for row, col, count in self._runs for k in range(count)}
        self.viewport().update()

    def merge_of(self, row: int, col: int) -> tuple[int, int] | None:
        """(first row, rows) of the merged run the cell belongs to, or None."""
        return self._merges.get((row, col))

    def merged_runs(self) -> list[tuple[int, int, int]]:
        return list(self._runs)

    def _run_selected(self, row: int, col: int, count: int) -> bool:
        selection = self.selectionModel()
        model = self.imodel()
        return any(selection.isSelected(model.index(r, col)) for r in range(row, row + count))

    def folded_run(self, row: int, col: int) -> tuple[int, int] | None:
        """The merged run drawn as one cell, or None. A run with a selected cell unfolds: each of its
        rows shows its own value, so the row being worked on never looks empty."""
        merged = self._merges.get((row, col))
        if merged is None or self._run_selected(merged[0], col, merged[1]):
            return None
        return merged

    def grid_pen(self) -> QPen:
        color = QColor(self.style().styleHint(QStyle.StyleHint.SH_Table_GridLineColor, None, self) & 0xFFFFFF)
        return QPen(color if color.isValid() and color != QColor(0, 0, 0) else QColor(200, 200, 200))

    EMPTY_HINT = ("还没有绩效指标。\n按 Ctrl+Shift+= 插入一行，"
                  "或在 Excel/WPS 中复制整块后点这里按 Ctrl+V 粘贴。")

    def paintEvent(self, event):  # noqa: N802
        super().paintEvent(event)
        model = self.imodel()
        if model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.EMPTY_HINT)
            painter.end()
            return
        if not self._runs:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        visible = self.viewport().rect()
        for row, col, count in self._runs:
            if self.isColumnHidden(col) or self._run_selected(row, col, count):
                continue  # an unfolded run: its cells draw their own text
            top = self.visualRect(model.index(row, col))
            bottom = self.visualRect(model.index(row + count - 1, col))
            rect = top.united(bottom).adjusted(3, 1, -3, -1)
            if not rect.intersects(visible):
                continue
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             model.cell_text(row, col))
        painter.end()

    def selectionCommand(self, index, event=None):  # noqa: N802
        """Ctrl+arrows and Ctrl+Home/End select the cell they land on, as in Excel (Qt would only move the
        cursor, leaving Delete and copy acting on the old selection)."""
        if (event is not None and event.type() == QEvent.Type.KeyPress
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            return QItemSelectionModel.SelectionFlag.ClearAndSelect
        return super().selectionCommand(index, event)

    # ------------------------------------------------------------ editing and the keyboard

    def edit(self, index, trigger=QAbstractItemView.EditTrigger.AllEditTriggers, event=None):  # noqa: A003
        """Remember how editing started: typing replaces the text; F2 and double click keep it."""
        if trigger in (QAbstractItemView.EditTrigger.AnyKeyPressed, QAbstractItemView.EditTrigger.EditKeyPressed,
                       QAbstractItemView.EditTrigger.DoubleClicked):
            self.edit_trigger = trigger
        else:
            self.edit_trigger = QAbstractItemView.EditTrigger.NoEditTriggers
        opened = super().edit(index, trigger, event)
        focus = QApplication.focusWidget()
        line = focus.lineEdit() if isinstance(focus, QComboBox) else focus
        if opened and trigger != QAbstractItemView.EditTrigger.AnyKeyPressed and isinstance(line, QLineEdit):
            line.deselect()  # Qt selects the whole text of a line edit; F2 edits in place, cursor at the end
            line.end(False)
        return opened

    def selected_cells(self) -> list[tuple[int, int]]:
        """The selected cells; the cursor's cell alone when it stands outside the selection."""
        cells = {(i.row(), i.column()) for i in self.selectionModel().selectedIndexes()}
        current = self.currentIndex()
        if current.isValid() and (current.row(), current.column()) not in cells:
            cells = {(current.row(), current.column())}
        return sorted(cells)

    def selected_rows(self) -> list[int]:
        return sorted({r for r, _ in self.selected_cells()})

    def paste_anchor(self) -> tuple[int, int]:
        """Where a paste lands: the top-left cell of the selected block that holds the current cell, else the
        current cell, else the first column of a new row at the end."""
        current = self.currentIndex()
        if not current.isValid():
            return self.imodel().rowCount(), 0
        for block in self.selectionModel().selection():
            if block.contains(current):
                return block.top(), block.left()
        return current.row(), current.column()

    def copy(self) -> None:
        text = self.imodel().copy_text(self.selected_cells())
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self) -> None:
        model = self.imodel()
        if model.readonly:
            return
        block = parse_tsv(QGuiApplication.clipboard().text())
        if not block:
            return
        top, left = self.paste_anchor()
        rows, cols = model.paste(top, left, block)
        self.select_block(top, left, rows, cols)
        self.pasted.emit(rows, cols)

    def select_block(self, top: int, left: int, rows: int, cols: int) -> None:
        model = self.imodel()
        if rows <= 0 or cols <= 0 or top >= model.rowCount():
            return
        sel = self.selectionModel()
        bottom = min(top + rows - 1, model.rowCount() - 1)
        self.setCurrentIndex(model.index(top, left))
        sel.select(QItemSelection(model.index(top, left), model.index(bottom, left + cols - 1)),
                   QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def keyPressEvent(self, event):  # noqa: N802
        if self.state() != QAbstractItemView.State.EditingState:
            if event.matches(QKeySequence.StandardKey.Copy):
                self.copy()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste()
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not self.imodel().readonly:
                self.imodel().clear_cells(self.selected_cells())
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._move(1 if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier else -1)
                return
        super().keyPressEvent(event)

    def _move(self, delta: int) -> None:
        current = self.currentIndex()
        if not current.isValid():
            return
        row = max(0, min(self.imodel().rowCount() - 1, current.row() + delta))
        self.setCurrentIndex(self.imodel().index(row, current.column()))

    def inputMethodEvent(self, event):  # noqa: N802
        """Text an input method commits with no composition first (handwriting, voice, some IMEs) starts
        editing the current cell with that text, as typing does."""
        commit, preedit = event.commitString(), event.preeditString()
        if commit and not preedit and self.state() != QAbstractItemView.State.EditingState:
            index = self.currentIndex()
            if index.isValid() and self.edit(index, QAbstractItemView.EditTrigger.AnyKeyPressed, event):
                editor = self.indexWidget(index) or QApplication.focusWidget()
                if isinstance(editor, QComboBox) and editor.lineEdit() is not None:
                    editor.lineEdit().insert(commit)
                elif isinstance(editor, QPlainTextEdit):
                    editor.insertPlainText(commit)
                event.accept()
                return
        super().inputMethodEvent(event)

    def closeEditor(self, editor, hint):  # noqa: N802
        Hint = QAbstractItemDelegate.EndEditHint
        if hint == Hint.SubmitModelCache:
            super().closeEditor(editor, Hint.NoHint)
            self._move(1)  # Enter commits and moves down, as in Excel/WPS
            return
        if hint in (Hint.EditNextItem, Hint.EditPreviousItem):
            # Tab commits and moves to the next cell without opening it, as in Excel/WPS
            super().closeEditor(editor, Hint.NoHint)
            action = (QAbstractItemView.CursorAction.MoveNext if hint == Hint.EditNextItem
                      else QAbstractItemView.CursorAction.MovePrevious)
            target = self.moveCursor(action, Qt.KeyboardModifier.NoModifier)
            if target.isValid():
                self.setCurrentIndex(target)
            return
        super().closeEditor(editor, hint)


def mount_grid(holder, parent, old_view, form, commit, library: Library | None = None
               ) -> tuple[IndicatorModel, IndicatorView]:
    """A fresh grid for ``form`` in the layout ``holder``, replacing ``old_view`` (the editor's form changed)."""
    if old_view is not None:
        old_view.setParent(None)
        old_view.deleteLater()
    model = IndicatorModel(form, commit=commit)
    view = IndicatorView(model, parent)
    view.library = library
    holder.addWidget(view)
    view.fit_columns()
    return model, view

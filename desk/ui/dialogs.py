"""Dialogs of the main window, each fitted to the screen it opens on.

A clerk's laptop is often 1366×768 at 150 %: about 910×512 logical pixels
for everything. Every dialog here asks for a comfortable size, takes at most
the available screen, keeps its buttons in view and scrolls what is long.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox, QPlainTextEdit,
    QSpinBox, QTextBrowser, QVBoxLayout, QWidget,
)

from desk import logs, paths
from desk.errors import DeskError, shown

MARGIN = 8  # logical pixels kept free around a window
LONG_MESSAGE_LINES = 12  # longer explanations open in a scrolling dialog


def available_geometry(widget: QWidget):
    parent = widget.parentWidget()
    screen = (parent.screen() if parent is not None else None) or widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Size ``widget`` to width×height, but never beyond the available screen, and put it inside it."""
    area = available_geometry(widget)
    frame = 32 if widget.isWindow() else 0  # the title bar the window manager adds
    w = min(width, area.width() - 2 * MARGIN)
    h = min(height, area.height() - 2 * MARGIN - frame)
    widget.resize(max(w, 100), max(h, 100))
    x = area.x() + max(MARGIN, (area.width() - widget.width()) // 2)
    y = area.y() + max(MARGIN, (area.height() - widget.height() - frame) // 2)
    widget.move(x, y)


class TextDialog(QDialog):
    """A message that may be long: a short lead, the text in a scrolling box, and 确定."""

    def __init__(self, title: str, lead: str, text: str, parent=None, *, width: int = 640, height: int = 420):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.lead = QLabel(shown(lead))
        self.lead.setWordWrap(True)
        layout.addWidget(self.lead)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlainText(shown(text))
        layout.addWidget(self.text, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        fit_to_screen(self, width, height)


def explain(parent: QWidget | None, title: str, text: str) -> None:
    """A problem in Chinese; a long one (a list of errors or tables) scrolls. People's text is shown safely."""
    text = shown(text)
    if text.count("\n") >= LONG_MESSAGE_LINES:
        lead, _, rest = text.partition("\n")
        dialog = TextDialog(title, lead, rest, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
    else:
        QMessageBox.warning(parent, title, text)


def guarded(parent: QWidget | None, title: str, action, unexpected: str = "操作时遇到意外问题"):
    """Run ``action``; explain a failure (never a traceback). Returns None on failure."""
    try:
        result = action()
        return True if result is None else result
    except DeskError as exc:
        explain(parent, title, str(exc))
    except Exception:  # noqa: BLE001 - users never see a traceback
        log = logs.log_exception(title)
        QMessageBox.critical(parent, title, f"{unexpected}。详情已写入日志：{log}")
    return None


class UnitDialog(QDialog):
    """新建文件 / 新建汇总文件: the unit (an office, or the supervisor's own office) and the year."""

    def __init__(self, parent=None, *, consolidated: bool = False):
        super().__init__(parent)
        self.setWindowTitle("新建汇总文件" if consolidated else "新建文件")
        form = QFormLayout(self)
        if consolidated:
            note = QLabel("汇总文件用来合并各单位报来的文件。请填写本级（审核单位）的编码和名称，如财政所、财政局。")
            note.setWordWrap(True)
            form.addRow(note)
        self.code = QLineEdit()
        self.code.setPlaceholderText("如 439000" if consolidated else "如 439001")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 玉田县财政局" if consolidated else "如 玉田县无终街道办事处本级")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year + 1)
        form.addRow("单位编码", self.code)
        form.addRow("单位名称", self.name)
        form.addRow("预算年度", self.year)
        self.error = QLabel("")
        self.error.setStyleSheet("color:#b00020;")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        fit_to_screen(self, 460, 240)

    def _accept(self) -> None:
        if not self.code.text().strip() or not self.name.text().strip():
            self.error.setText("请填写单位编码和单位名称。")
            (self.code if not self.code.text().strip() else self.name).setFocus()
            return
        self.accept()


class ImportPreviewDialog(QDialog):
    """What an Excel or Word import found, before anything is written."""

    def __init__(self, plan, parent=None):
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"导入{plan.kind} — {plan.source}")
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        note = "点击“导入”把以上各表全部写入本文件（可以撤销）。"
        if plan.updates:
            note = f"其中 {plan.updates} 个项目已在本文件中，导入会用 {plan.kind} 中的内容更新它们（可以撤销）。"
        label = QLabel(note)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.adopt = QCheckBox(f"同时采用以上 {len(plan.offers)} 处建议的写法（不勾选则一律按原样导入）")
        self.adopt.setVisible(bool(plan.offers))
        layout.addWidget(self.adopt)
        has_narrative = plan.narrative is not None
        where = "，替换本文件中已有的文字部分" if has_narrative and plan.replaces_narrative else "，写入部门整体表"
        self.narrative = QCheckBox(f"同时导入文字部分（总体绩效目标、分项绩效目标、工作保障措施）{where}")
        self.narrative_only = QCheckBox("只导入文字部分（本文件中的各张表都不动）")
        for box in (self.narrative, self.narrative_only):
            box.setVisible(has_narrative)
            layout.addWidget(box)
        self.narrative.toggled.connect(self._show)
        self.narrative_only.toggled.connect(self._only_toggled)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show()
        fit_to_screen(self, 760, 460)

    def _only_toggled(self, on: bool) -> None:
        if on:
            self.narrative.setChecked(True)
        self.narrative.setEnabled(not on)
        self._show()

    def _show(self, *_) -> None:
        """The report, saying what the narrative boxes now mean."""
        choice = "only" if self.narrative_only.isChecked() else "with" if self.narrative.isChecked() else "none"
        self.text.setPlainText("\n".join(self.plan.summary_lines(choice)))


class PreviewDialog(QDialog):
    """打印预览: the PDF of the current project as it will print; 打印… sends it to a printer."""

    def __init__(self, pdf_path: Path, title: str, parent=None):
        super().__init__(parent)
        from desk.ui.pdfpages import PdfPages, PdfPageView  # PDFium loads only when a preview is opened

        self.setWindowTitle(f"打印预览 — {title}")
        layout = QVBoxLayout(self)
        self.document = PdfPages(pdf_path)
        self.view = PdfPageView(self.document, self)
        layout.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox()
        self.print_button = self.buttons.addButton("打印…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_document)
        layout.addWidget(self.buttons)
        self.finished.connect(lambda *_: self.document.close())
        fit_to_screen(self, 820, 700)

    def print_document(self) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return print_pdf(self.document, printer)


def print_pdf(document, printer) -> bool:
    """Draw every page of an open PDF (desk.ui.pdfpages.PdfPages) onto ``printer``."""
    from desk.ui.pdfpages import print_pages

    return print_pages(document, printer)


# ---------------------------------------------------------------- help

def help_pages() -> list[tuple[str, str]]:
    """(title, Markdown text) of each page in resources/help, in file-name order."""
    pages = []
    for path in sorted((paths.resources_dir() / "help").glob("*.md")):
        text = path.read_text("utf-8")
        first = text.lstrip().splitlines()[0] if text.strip() else path.stem
        pages.append((first.lstrip("# ").strip(), text))
    return pages


class HelpDialog(QDialog):
    """帮助 (F1): one short page per task, chosen on the left."""

    def __init__(self, parent=None, *, page: int = 0):
        super().__init__(parent)
        self.setWindowTitle("帮助")
        layout = QHBoxLayout(self)
        self.pages = help_pages()
        self.list = QListWidget()
        self.list.addItems([title for title, _ in self.pages])
        self.list.setMaximumWidth(180)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        layout.addLayout(left)
        right = QVBoxLayout()
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        right.addWidget(self.browser, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        right.addWidget(self.buttons)
        layout.addLayout(right, 1)
        self.list.currentRowChanged.connect(self.show_page)
        if self.pages:
            self.list.setCurrentRow(max(0, min(page, len(self.pages) - 1)))
        fit_to_screen(self, 760, 520)

    def show_page(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            self.browser.setMarkdown(self.pages[row][1])

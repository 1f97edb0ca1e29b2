"""The main window a clerk works in: project list, editor, checks, menus, printing."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QLibraryInfo, QLocale, QSettings, Qt, QTimer, QTranslator
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit, QMainWindow,
    QMessageBox, QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from desk import __version__, logs, paths, services
from desk.errors import DeskError
from desk.forms import default_forms
from desk.store import Store, suggest_copy_name
from desk.ui.editor import ProjectEditor
from desk.ui.panels import CheckPanel, ProjectListPanel
from desk.ui.session import EditSession

APP_NAME = "绩效目标表"
MAX_RECENT = 8


def install_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own zh_CN strings, so standard buttons read 确定/取消/打开."""
    translators = []
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            translators.append(translator)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    return translators


def register_fonts() -> list[str]:
    """Register the CJK fonts shipped in resources/fonts so Chinese renders anywhere."""
    families: list[str] = []
    font_dir = paths.resources_dir() / "fonts"
    for path in sorted(font_dir.glob("*.tt[fc]")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def settings() -> QSettings:
    return QSettings(str(paths.user_data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class NewFileDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("新建文件")
        form = QFormLayout(self)
        self.code = QLineEdit()
        self.code.setPlaceholderText("如 439001")
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 玉田县无终街道办事处本级")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        from datetime import date

        self.year.setValue(date.today().year + 1)
        form.addRow("单位编码", self.code)
        form.addRow("单位名称", self.name)
        form.addRow("预算年度", self.year)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ImportPreviewDialog(QDialog):
    """What an Excel import found, before anything is written."""

    def __init__(self, plan, parent=None):
        super().__init__(parent)
        from PySide6.QtWidgets import QPlainTextEdit

        self.setWindowTitle(f"导入Excel — {plan.source}")
        self.resize(760, 460)
        layout = QVBoxLayout(self)
        text = QPlainTextEdit()
        text.setReadOnly(True)
        text.setPlainText("\n".join(plan.summary_lines()))
        layout.addWidget(text)
        note = "点击“导入”把以上项目全部写入本文件（可以撤销）。"
        if plan.updates:
            note = f"其中 {plan.updates} 个项目已在本文件中，导入会用 Excel 中的内容更新它们（可以撤销）。"
        layout.addWidget(QLabel(note))
        buttons = QDialogButtonBox()
        buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class PreviewDialog(QDialog):
    """打印预览: the PDF of the current project as it will print; 打印… sends it to a printer."""

    def __init__(self, pdf_path: Path, title: str, parent=None):
        super().__init__(parent)
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        self.setWindowTitle(f"打印预览 — {title}")
        self.resize(820, 700)
        layout = QVBoxLayout(self)
        self.document = QPdfDocument(self)
        self.document.load(str(pdf_path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        layout.addWidget(self.view)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton("打印…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self.print_document)
        layout.addWidget(buttons)

    def print_document(self) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return print_pdf(self.document, printer)


def print_pdf(document, printer) -> bool:
    """Draw every page of a loaded QPdfDocument onto ``printer``."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QPainter

    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        dpi = min(printer.resolution(), 300)  # enough for print; 1200 dpi images would take ~500 MB a page
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            size_pt = document.pagePointSize(page)
            size = QSize(int(size_pt.width() / 72 * dpi), int(size_pt.height() / 72 * dpi))
            image = document.render(page, size)
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(target.x(), target.y(), image.scaled(scaled))
    finally:
        painter.end()
    return True


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.session: EditSession | None = None
        self.store: Store | None = None
        self.forms = default_forms()
        self._previews: tempfile.TemporaryDirectory | None = None
        self._preview_count = 0
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 720)
        self._placeholder = QLabel("未打开文件。请从“文件 → 打开”选择一个 .db 文件，或“文件 → 新建”。")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self._placeholder)
        self.header = QLabel("")
        self.save_state = QLabel("")
        self.statusBar().addPermanentWidget(self.save_state)
        self.list_panel: ProjectListPanel | None = None
        self.editor: ProjectEditor | None = None
        self.check_panel: CheckPanel | None = None
        self._needs: dict[QAction, tuple[bool, bool, bool]] = {}
        self._build_actions()
        self._build_menus()
        self._update_actions()
        self._restore_geometry()

    # ------------------------------------------------------------ actions and menus

    def _action(self, text: str, slot, shortcut=None, *, needs_file=True, needs_project=False, needs_write=False):
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: self._run(slot))
        # Per-action state lives in Python: never in Qt dynamic properties
        # (PySide6 6.12.0 frees None after ~1,000 reads of a missing one).
        self._needs[action] = (needs_file, needs_project, needs_write)
        return action

    def _build_actions(self) -> None:
        a = self._action
        S = QKeySequence.StandardKey
        self.act_new_file = a("新建文件(&N)…", self.new_file, S.New, needs_file=False)
        self.act_open = a("打开(&O)…", self.choose_file, S.Open, needs_file=False)
        self.act_export_copy = a("导出副本给上级(&E)…", self.export_copy)
        self.act_take_over = a("接管此文件(&T)…", self.take_over)
        self.act_import_xlsx = a("导入Excel(&I)…", self.choose_xlsx_import, needs_write=True)
        self.act_export_xlsx = a("导出Excel(&X)…", self.choose_xlsx_export)
        self.pdf_action = a("导出PDF(&P)…", self.choose_pdf_target, "Ctrl+Shift+P")
        self.act_preview = a("打印预览(&V)…", self.preview, "Ctrl+Shift+V", needs_project=True)
        self.act_print = a("打印(&R)…", self.print_current, S.Print, needs_project=True)
        self.act_quit = a("退出(&X)", self.close, "Ctrl+Q", needs_file=False)
        self.act_undo = a("撤销(&U)", lambda: self.session.undo_stack.undo(), S.Undo)
        self.act_redo = a("重做(&R)", lambda: self.session.undo_stack.redo(), S.Redo)
        self.act_copy = a("复制(&C)", self.copy_cells, None, needs_project=True)
        self.act_paste = a("粘贴(&P)", self.paste_cells, None, needs_project=True, needs_write=True)
        self.act_insert_row = a("插入行(&I)", lambda: self.editor.insert_row(), "Ctrl+Shift+=", needs_project=True,
                                needs_write=True)
        self.act_delete_row = a("删除行(&D)", lambda: self.editor.delete_rows(), "Ctrl+-", needs_project=True,
                                needs_write=True)
        self.act_row_up = a("上移(&K)", lambda: self.editor.move_rows(-1), "Alt+Up", needs_project=True, needs_write=True)
        self.act_row_down = a("下移(&J)", lambda: self.editor.move_rows(1), "Alt+Down", needs_project=True,
                              needs_write=True)
        self.act_new_project = a("新建项目(&N)", self.new_project, "Ctrl+Shift+N", needs_write=True)
        self.act_copy_project = a("复制项目(&C)", lambda: self.copy_project(False), None, needs_project=True,
                                  needs_write=True)
        self.act_delete_project = a("删除项目(&D)…", self.delete_project, None, needs_project=True, needs_write=True)
        self.act_next_year = a("复制到下一年度(&Y)", lambda: self.copy_project(True), None, needs_project=True,
                               needs_write=True)
        self.act_merge = a("合并收到的文件(&M)…", self.choose_merge_sources, needs_write=True)
        self.act_overview = a("单位概览(&O)…", self.show_overview)
        self.act_conflicts = a("处理冲突(&C)…", self.show_conflicts, needs_write=True)
        self.act_review = a("审核意见(&R)…", self.edit_review, needs_project=True, needs_write=True)
        self.act_export_reviews = a("导出审核意见(&E)…", self.choose_reviews_export)
        self.act_import_reviews = a("导入审核意见(&I)…", self.choose_reviews_import, needs_write=True)
        self.act_finalize = a("定稿并打印(&F)…", self.finalize, None, needs_project=True, needs_write=True)
        self.act_unfinalize = a("解除定稿(&L)…", self.unfinalize, None, needs_project=True, needs_write=True)

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("文件(&F)")
        for act in (self.act_new_file, self.act_open):
            m.addAction(act)
        self.recent_menu = m.addMenu("最近文件(&R)")
        self._fill_recent()
        m.addAction(self.act_take_over)
        m.addSeparator()
        m.addAction(self.act_import_xlsx)
        m.addSeparator()
        for act in (self.act_export_copy, self.act_export_xlsx, self.pdf_action, self.act_preview, self.act_print):
            m.addAction(act)
        m.addSeparator()
        m.addAction(self.act_quit)
        e = self.menuBar().addMenu("编辑(&E)")
        for act in (self.act_undo, self.act_redo):
            e.addAction(act)
        e.addSeparator()
        for act in (self.act_copy, self.act_paste):
            e.addAction(act)
        e.addSeparator()
        for act in (self.act_insert_row, self.act_delete_row, self.act_row_up, self.act_row_down):
            e.addAction(act)
        p = self.menuBar().addMenu("项目(&P)")
        for act in (self.act_new_project, self.act_copy_project, self.act_delete_project, self.act_next_year):
            p.addAction(act)
        p.addSeparator()
        p.addAction(self.act_finalize)
        p.addAction(self.act_unfinalize)
        v = self.menuBar().addMenu("汇总(&S)")
        for act in (self.act_merge, self.act_overview, self.act_conflicts):
            v.addAction(act)
        v.addSeparator()
        for act in (self.act_review, self.act_export_reviews, self.act_import_reviews):
            v.addAction(act)
        h = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于(&A)", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, f"关于{APP_NAME}", f"{APP_NAME} {__version__}\n街道办事处预算绩效目标表的离线填报、审核、打印与汇总。"))
        h.addAction(about)

    def _save_failed(self, text: str) -> None:
        QMessageBox.warning(self, "保存失败", text)

    def _update_actions(self, *_) -> None:
        has_file = self.session is not None
        current = self.current_project()
        writable = has_file and not self.session.readonly
        for act, (needs_file, needs_project, needs_write) in self._needs.items():
            ok = (not needs_file or has_file) and (not needs_project or current is not None) and (
                not needs_write or writable)
            act.setEnabled(ok)
        if has_file:
            stack = self.session.undo_stack
            self.act_undo.setEnabled(stack.canUndo())
            self.act_redo.setEnabled(stack.canRedo())
            self.act_undo.setText(f"撤销 {stack.undoText()}".strip() if stack.canUndo() else "撤销(&U)")
            self.act_redo.setText(f"重做 {stack.redoText()}".strip() if stack.canRedo() else "重做(&R)")
        self.act_take_over.setEnabled(has_file and self.session.readonly and "另一台电脑" in self.store.readonly_reason)
        if current is not None:
            self.act_finalize.setEnabled(writable and not current.finalized)
            self.act_unfinalize.setEnabled(writable and current.finalized)

    def _run(self, slot) -> None:
        self._guarded("操作未完成", "操作时遇到意外问题", slot)
        self._update_actions()

    def _guarded(self, title: str, unexpected: str, action):
        """Run ``action``; explain a failure in a message box (never a traceback). None on failure."""
        try:
            result = action()
            return True if result is None else result
        except DeskError as exc:
            QMessageBox.warning(self, title, str(exc))
        except Exception:  # noqa: BLE001 - never show a traceback
            log = logs.log_exception(title)
            QMessageBox.critical(self, title, f"{unexpected}。详情已写入日志：{log}")
        return None

    # ------------------------------------------------------------ files

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "打开绩效目标表文件", self._last_dir(),
                                              "绩效目标表文件 (*.db);;所有文件 (*)")
        if name:
            self.open_file(Path(name))

    def _last_dir(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def new_file(self) -> None:
        dialog = NewFileDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        code, name, year = dialog.code.text().strip(), dialog.name.text().strip(), dialog.year.value()
        from desk.domain.model import Unit

        unit = Unit(code, name)
        suggested = str(Path(self._last_dir()) / suggest_copy_name(unit, year))
        target, _ = QFileDialog.getSaveFileName(self, "新建文件", suggested, "绩效目标表文件 (*.db)")
        if not target:
            return
        Store.create(Path(target), unit=unit, year=year).close()
        self.open_file(Path(target))

    def open_file(self, path: Path) -> bool:
        store = self._guarded("无法打开文件", "打开文件时遇到意外问题，文件未做任何改动", lambda: Store.open(path))
        if store is None:
            return False
        if not self.close_file():
            store.close()
            return False
        self.store = store
        self.session = EditSession(store, self.forms, self)
        self._build_workspace()
        self._remember(path)
        unit = store.unit()
        unit_text = f"{unit.code} {unit.name}" if unit else "（未设置单位）"
        ro = f"    【只读：{store.readonly_reason}】" if store.readonly else ""
        self.header.setText(f"单位：{unit_text}    年度：{store.year() or ''}{ro}")
        self.setWindowTitle(f"{store.path.name} — {unit_text} {store.year() or ''} — {APP_NAME}")
        if getattr(store, "migrated_from", None):
            self.statusBar().showMessage(f"文件已从数据格式第 {store.migrated_from} 版升级，原文件备份为 {store.backup_path.name}")
        projects = self.session.projects()
        if projects:
            self.list_panel.select(projects[0].uid)
        self._update_actions()
        return True

    def _build_workspace(self) -> None:
        session = self.session
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        self.header = QLabel(self.header.text())
        self.header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.header)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QSplitter(Qt.Orientation.Vertical)
        self.list_panel = ProjectListPanel(session)
        self.check_panel = CheckPanel(session)
        left.addWidget(self.list_panel)
        left.addWidget(self.check_panel)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        self.editor = ProjectEditor(session)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        width = max(self.width(), 800)
        self.splitter.setSizes([int(width * 0.27), width - int(width * 0.27)])
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.list_panel.selected.connect(self.show_project)
        self.check_panel.jump.connect(self.editor.focus_field)
        self.editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        session.saveStateChanged.connect(self.save_state.setText)
        session.saveFailed.connect(self._save_failed)
        session.undo_stack.indexChanged.connect(self._update_actions)
        session.projectChanged.connect(self._update_actions)
        session.projectsChanged.connect(self._projects_changed)
        state = settings().value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        self.save_state.setText("已打开" if not session.readonly else "只读")

    def _projects_changed(self) -> None:
        if self.editor.uid and self.session.project(self.editor.uid) is None:
            projects = self.session.projects()
            self.show_project(projects[0].uid if projects else None)
            if projects:
                self.list_panel.select(projects[0].uid)
        self._update_actions()

    def show_project(self, uid: str | None) -> None:
        self.editor.show_project(uid)
        self.check_panel.show_project(uid)
        self._update_actions()

    def current_project(self):
        if self.session is None or self.editor is None or not self.editor.uid:
            return None
        return self.session.project(self.editor.uid)

    def take_over(self, *, confirm: bool = True) -> bool:
        """接管此文件: a file created on another computer becomes editable here (e.g. a new laptop)."""
        path = self.store.path
        if confirm and not self._confirm(
                "接管此文件", f"“{path.name}”是在另一台电脑上创建的。确认这是您自己的文件（例如换了电脑），"
                "以后在本机修改它吗？上级审核别人报来的文件时不要接管。"):
            return False
        if not self.close_file():
            return False
        store = self._guarded("无法接管", "接管时遇到意外问题，文件未做任何改动",
                              lambda: Store.open(path, readonly=False, take_over=True))
        if store is None:
            self.open_file(path)
            return False
        store.close()
        return self.open_file(path)

    def close_file(self) -> bool:
        if self.session is None:
            return True
        settings().setValue("window/splitter", self.splitter.saveState())
        if not self.session.close():
            answer = QMessageBox.question(
                self, "尚未保存", "有修改还没有写入文件（见状态栏）。仍然关闭吗？关闭后这些修改会丢失。",
                QMessageBox.StandardButton.No | QMessageBox.StandardButton.Yes)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        for signal in (self.session.saveStateChanged, self.session.saveFailed, self.session.projectChanged,
                       self.session.projectsChanged, self.session.undo_stack.indexChanged):
            signal.disconnect()
        self.session = None
        self.store = None
        self.editor = None
        self.list_panel = None
        self.check_panel = None
        return True

    def recent_files(self) -> list[str]:
        value = settings().value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if v]

    def _remember(self, path: Path) -> None:
        path_text = str(Path(path).resolve())
        recent = [path_text] + [r for r in self.recent_files() if r != path_text]
        settings().setValue("recent", recent[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for i, path in enumerate(recent, 1):
            action = self.recent_menu.addAction(f"&{i} {path}")
            action.triggered.connect(lambda checked=False, p=path: self.open_file(Path(p)))
        self.recent_menu.setEnabled(bool(recent))

    def export_copy(self) -> None:
        store = self.store
        suggested = str(store.path.parent / suggest_copy_name(store.unit(), store.year()))
        target, _ = QFileDialog.getSaveFileName(self, "导出副本给上级", suggested, "绩效目标表文件 (*.db)")
        if target:
            self.session.wait_saved()
            store.export_copy(Path(target))
            self.statusBar().showMessage(f"已导出副本：{target}", 8000)

    # ------------------------------------------------------------ Excel

    def choose_xlsx_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "导入Excel", self._last_dir(), "Excel 文件 (*.xlsx);;所有文件 (*)")
        if name:
            self.import_xlsx(Path(name))

    def import_xlsx(self, path: Path, *, ask=None) -> int:
        """Show what the workbook holds, then add or update the projects as one undoable step."""
        session, store = self.session, self.store
        session.wait_saved()
        unit = store.unit()
        plan = services.plan_xlsx_import(path, store.path, unit_code=unit.code if unit else None,
                                         unit_name=unit.name if unit else None, year=store.year())
        accepted = ask(plan) if ask is not None else ImportPreviewDialog(plan, self).exec() == QDialog.DialogCode.Accepted
        if not accepted:
            return 0
        locked = [session.project(t.project.uid) for t, a in zip(plan.tables, plan.actions) if a == "更新"]
        locked = [p for p in locked if p is not None and p.finalized]
        if locked:
            raise DeskError(f"项目“{locked[0].name}”已定稿，不能用 Excel 覆盖；请先解除定稿。未导入任何内容。")
        with session.batch(f"导入 {plan.source}"):
            for table, action in zip(plan.tables, plan.actions):
                if action == "新增":
                    session.add_project(table.project, text="导入")
                else:
                    session.edit(table.project, "导入")
        if plan.tables:
            self.list_panel.select(plan.tables[0].project.uid)
        self.statusBar().showMessage(f"已从 {plan.source} 导入 {len(plan.tables)} 张表", 8000)
        return len(plan.tables)

    def choose_xlsx_export(self) -> None:
        suggested = str(self.store.path.with_suffix(".xlsx"))
        name, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 文件 (*.xlsx)")
        if name:
            self.session.wait_saved()
            services.export_xlsx(self.store.path, Path(name))
            self.statusBar().showMessage(f"已导出Excel：{name}", 8000)

    # ------------------------------------------------------------ supervisors

    def choose_merge_sources(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择收到的文件", self._last_dir(), "绩效目标表文件 (*.db)")
        if names:
            self.merge([Path(n) for n in names])

    def merge(self, sources: list[Path], *, cancel_after: int | None = None):
        """Merge received files into the open file, with a progress bar and 取消 (nothing kept when cancelled)."""
        from PySide6.QtWidgets import QProgressDialog

        from desk.ui.supervisor import report_text

        path = self.store.path
        self.session.wait_saved()
        self.close_file()
        progress = QProgressDialog("正在合并收到的文件…", "取消", 0, len(sources), self)
        progress.setWindowTitle("合并")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)

        def step(done: int, total: int) -> bool:
            progress.setMaximum(total)
            progress.setValue(done)
            QApplication.processEvents()
            if cancel_after is not None and done >= cancel_after:
                progress.cancel()
            return not progress.wasCanceled()

        try:
            report = self._guarded("合并未完成", "合并时遇到意外问题，汇总文件保持原样",
                                   lambda: services.merge_files(path, sources, progress=step))
        finally:
            progress.close()
            self.open_file(path)
        if report is not None and report is not True:
            self.last_merge_report = report
            QMessageBox.information(self, "合并结果", report_text(report))
            return report
        return None

    def show_overview(self):
        from desk.ui.supervisor import OverviewDialog

        dialog = OverviewDialog(self.session, self)
        dialog.unit_chosen.connect(lambda code: self.list_panel.search.setText(code))
        dialog.open()
        return dialog

    def show_conflicts(self):
        from desk.ui.supervisor import ConflictDialog

        dialog = ConflictDialog(self.session, self)
        dialog.open()
        return dialog

    def edit_review(self):
        from desk.ui.supervisor import ReviewDialog

        dialog = ReviewDialog(self.session, self.current_project().uid, self)
        dialog.open()
        return dialog

    def choose_reviews_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "导出审核意见", str(self.store.path.with_suffix(".审核意见.json")),
                                              "审核意见 (*.json)")
        if name:
            self.session.wait_saved()
            count = services.export_reviews(self.store.path, Path(name))
            self.statusBar().showMessage(f"已导出 {count} 条审核意见：{name}", 8000)

    def choose_reviews_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "导入审核意见", self._last_dir(), "审核意见 (*.json)")
        if name:
            self.import_reviews(Path(name))

    def import_reviews(self, path: Path) -> int:
        """Take in a supervisor's 审核意见 (the tables themselves are not changed)."""
        items = services.read_reviews_file(path)
        held = {p.uid for p in self.session.projects()}
        taken = 0
        with self.session.store.transaction():
            for review, _name in items:
                if review.uid in held:
                    self.session.store.save_review(review)
                    taken += 1
        self.session.reviews = self.session.store.reviews()
        for review, _ in items:
            if review.uid in held:
                self.session.projectChanged.emit(review.uid)
        self.session._schedule_write()
        self.statusBar().showMessage(f"已导入 {taken} 条审核意见（表的内容未改动）", 8000)
        return taken

    # ------------------------------------------------------------ printing

    def choose_pdf_target(self) -> None:
        if self.store is None:
            return
        suggested = str(self.store.path.with_suffix(".pdf"))
        name, _ = QFileDialog.getSaveFileName(self, "导出PDF", suggested, "PDF 文件 (*.pdf)")
        if name:
            self.export_pdf(Path(name))

    def export_pdf(self, target: Path, selection: list[str] | None = None) -> bool:
        """Print projects of the open file to ``target``; problems are explained, never raised."""
        if self.store is None:
            return False
        session, path = self.session, self.store.path
        if session is not None:
            session.wait_saved()
        if self._guarded("无法导出PDF", "导出时遇到意外问题",
                         lambda: services.export_pdf(path, target, selection=selection)) is None:
            return False
        self.statusBar().showMessage(f"已导出PDF：{target}", 8000)
        return True

    def _current_pdf(self) -> Path | None:
        p = self.current_project()
        if p is None:
            return None
        if self._previews is None:  # one folder per window, removed when the window closes
            self._previews = tempfile.TemporaryDirectory(prefix="desk-preview-", ignore_cleanup_errors=True)
        self._preview_count += 1  # a new name each time: an open preview may still hold the last file
        target = Path(self._previews.name) / f"preview-{self._preview_count}.pdf"
        return target if self.export_pdf(target, [p.uid]) else None

    def preview(self) -> PreviewDialog | None:
        pdf = self._current_pdf()
        if pdf is None:
            return None
        dialog = PreviewDialog(pdf, self.current_project().name, self)
        dialog.open()
        return dialog

    def print_current(self) -> None:
        dialog = self.preview()
        if dialog is not None:
            dialog.print_document()

    # ------------------------------------------------------------ projects

    def new_project(self) -> None:
        p = self.session.new_project("hebei-project")
        self.list_panel.select(p.uid)
        self.editor.tabs.setCurrentIndex(0)
        self.editor.name.setFocus()

    def copy_project(self, next_year: bool) -> None:
        p = self.current_project()
        copy = self.session.copy_project(p.uid, next_year=next_year)
        self.list_panel.select(copy.uid)
        if next_year:
            self.statusBar().showMessage(f"已复制到 {copy.year} 年度（同一文件中）", 8000)

    def _confirm(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        return QMessageBox.question(self, title, text, buttons) == QMessageBox.StandardButton.Yes

    def delete_project(self) -> None:
        p = self.current_project()
        if self._confirm("删除项目", f"删除项目“{p.name or '（未命名）'}”？可以用“撤销”恢复。"):
            self.session.delete_project(p.uid)

    def finalize(self) -> None:
        p = self.current_project()
        if not self._confirm("定稿", f"定稿后项目“{p.name}”将被锁定，不能再修改（可“解除定稿”，会记录在历史中）。继续并打印吗？"):
            return
        self.session.finalize(p.uid)
        self.editor.show_project(p.uid)
        self.print_current()

    def unfinalize(self) -> None:
        p = self.current_project()
        if self._confirm("解除定稿", f"解除项目“{p.name}”的定稿？已签字的纸质稿将与修改后的内容不一致。"):
            self.session.unfinalize(p.uid)
            self.editor.show_project(p.uid)

    # ------------------------------------------------------------ editing shortcuts

    def copy_cells(self) -> None:
        if self.editor.grid is not None:
            self.editor.grid.copy()

    def paste_cells(self) -> None:
        if self.editor.grid is not None:
            self.editor.tabs.setCurrentWidget(self.editor.grid_page)
            self.editor.grid.paste()

    # ------------------------------------------------------------ window state

    def _restore_geometry(self) -> None:
        geometry = settings().value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        settings().setValue("window/geometry", self.saveGeometry())
        if not self.close_file():
            event.ignore()
            return
        if self._previews is not None:
            self._previews.cleanup()
            self._previews = None
        super().closeEvent(event)


def _excepthook(exc_type, exc, tb) -> None:
    logs.setup().error("unhandled", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if app is not None:
        QMessageBox.critical(None, APP_NAME, f"程序遇到意外问题。详情已写入日志：{logs.log_path()}")


def run(path: Path | None = None, *, quit_after_ms: int | None = None, report_ready: bool = False) -> int:
    logs.setup()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("desk")
    install_translations(app)
    register_fonts()
    sys.excepthook = _excepthook
    window = MainWindow()
    window.show()
    if path is not None and not window.open_file(path):
        if quit_after_ms is not None:
            return 2
    if report_ready:  # bench/startup_bench.py: the window is usable once the event loop runs
        QTimer.singleShot(0, lambda: print("READY", flush=True))
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, window.close)
    return app.exec()

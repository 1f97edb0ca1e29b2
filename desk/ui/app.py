"""The main window a clerk works in: project list, editor, checks, menus, printing.

Everything it does to a file goes through ``desk.ops``; it never touches the
store.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QLibraryInfo, QLocale, QSettings, Qt, QTimer, QTranslator
from PySide6.QtGui import QAction, QFontDatabase, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDialog, QFileDialog, QLabel, QMainWindow, QMessageBox, QSizePolicy, QSplitter, QStackedWidget,
    QVBoxLayout, QWidget,
)

from desk import __version__, logs, paths
from desk.domain import rules
from desk.domain.model import Unit, when_text
from desk.errors import shown
from desk.forms import default_forms
from desk.ops import files
from desk.ops.document import OpenFile
from desk.ui.dialogs import (
    HelpDialog, ImportPreviewDialog, PreviewDialog, TextDialog, UnitDialog, available_geometry, explain,
    fit_to_screen, guarded, print_pdf,
)
from desk.ui.editor import ProjectEditor
from desk.ui.panels import CheckPanel, EmptyFilePanel, ProjectListPanel
from desk.ui.session import EditSession

if TYPE_CHECKING:
    from desk.ui.department import DepartmentEditor

__all__ = ["MainWindow", "print_pdf", "run"]

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


APP_USER_MODEL_ID = "desk.JiXiaoMuBiaoBiao"  # the same as packaging/windows/desk.nsi's APP_ID


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


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.session: EditSession | None = None
        self.document: OpenFile | None = None
        self.forms = default_forms()
        self._previews: tempfile.TemporaryDirectory | None = None
        self._preview_count = 0
        self.setWindowTitle(APP_NAME)
        self._placeholder = QLabel("未打开文件。请从“文件 → 打开”选择一个 .db 文件，或“文件 → 新建文件”。\n按 F1 查看帮助。")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self.setCentralWidget(self._placeholder)
        self.header = QLabel("")
        self.save_state = QLabel("")
        self.statusBar().addPermanentWidget(self.save_state)
        self.list_panel: ProjectListPanel | None = None
        self.editor: ProjectEditor | None = None
        self._dept_editor: DepartmentEditor | None = None  # made when first needed (the dept_editor property)
        self.check_panel: CheckPanel | None = None
        self.empty_panel: EmptyFilePanel | None = None
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
        self.act_new_consolidated = a("新建汇总文件(&H)…", self.new_consolidated_file, needs_file=False)
        self.act_new_year = a("新建下一年度文件(&Y)…", self.new_year_file)
        self.act_open = a("打开(&O)…", self.choose_file, S.Open, needs_file=False)
        self.act_export_copy = a("导出副本给上级(&E)…", self.export_copy)
        self.act_take_over = a("接管此文件(&T)…", self.take_over)
        self.act_import_xlsx = a("导入Excel(&I)…", self.choose_xlsx_import, needs_write=True)
        self.act_import_docx = a("导入Word(&W)…", self.choose_docx_import, needs_write=True)
        self.act_export_xlsx = a("导出Excel(&X)…", self.choose_xlsx_export)
        self.pdf_action = a("导出PDF(&P)…", self.choose_pdf_target, "Ctrl+Shift+P")
        self.act_export_document = a("导出公开文本(&D)…", self.choose_document_target)
        self.act_preview = a("打印预览(&V)…", self.preview, "Ctrl+Shift+V", needs_project=True)
        self.act_print = a("打印(&R)…", self.print_current, S.Print, needs_project=True)
        self.act_quit = a("退出(&X)", self.close, "Ctrl+Q", needs_file=False)
        self.act_undo = a("撤销(&U)", lambda: self.session.undo(), S.Undo)
        self.act_redo = a("重做(&R)", lambda: self.session.redo(), S.Redo)
        if QKeySequence("Ctrl+Y") not in self.act_redo.shortcuts():  # as in Excel/WPS, on every system
            self.act_redo.setShortcuts([*self.act_redo.shortcuts(), QKeySequence("Ctrl+Y")])
        self.act_copy = a("复制(&C)\tCtrl+C", self.copy_cells, None, needs_project=True)
        self.act_paste = a("粘贴(&P)\tCtrl+V", self.paste_cells, None, needs_project=True, needs_write=True)
        self.act_insert_row = a("在下方插入行(&I)", lambda: self.editor.insert_row(), "Ctrl+Shift+=", needs_project=True,
                                needs_write=True)
        self.act_delete_row = a("删除行(&D)", lambda: self.editor.delete_rows(), "Ctrl+-", needs_project=True,
                                needs_write=True)
        self.act_row_up = a("上移(&K)", lambda: self.editor.move_rows(-1), "Alt+Up", needs_project=True, needs_write=True)
        self.act_row_down = a("下移(&J)", lambda: self.editor.move_rows(1), "Alt+Down", needs_project=True,
                              needs_write=True)
        self.act_new_project = a("新建项目(&N)", self.new_project, "Ctrl+Shift+N", needs_write=True)
        self.act_new_department = a("新建部门整体表(&B)", self.new_department, None, needs_write=True)
        self.act_copy_project = a("复制项目(&C)", lambda: self.copy_project(False), None, needs_project=True,
                                  needs_write=True)
        self.act_delete_project = a("删除项目(&D)…", self.delete_project, None, needs_project=True, needs_write=True)
        self.act_next_year = a("复制到下一年度(&Y)", lambda: self.copy_project(True), None, needs_project=True,
                               needs_write=True)
        self.act_copy_from = a("从其他文件复制项目(&F)…", self.copy_from_file, None, needs_write=True)
        self.act_library = a("指标库(&L)…", self.show_library, "Ctrl+Shift+L")
        self.act_merge = a("合并收到的文件(&M)…", self.choose_merge_sources, needs_write=True)
        self.act_overview = a("单位概览(&O)…", self.show_overview)
        self.act_conflicts = a("处理冲突(&C)…", self.show_conflicts, needs_write=True)
        self.act_review = a("审核意见(&R)…", self.edit_review, needs_project=True, needs_write=True)
        self.act_export_reviews = a("导出审核意见(&E)…", self.choose_reviews_export)
        self.act_import_reviews = a("导入审核意见(&I)…", self.choose_reviews_import, needs_write=True)
        self.act_finalize = a("定稿并打印(&F)…", self.finalize, None, needs_project=True, needs_write=True)
        self.act_unfinalize = a("解除定稿(&L)…", self.unfinalize, None, needs_project=True, needs_write=True)
        self.act_focus_list = a("转到项目列表(&L)", self.focus_list, "Ctrl+L")
        self.act_focus_checks = a("转到审核结果(&K)", self.focus_checks, "Ctrl+Shift+K")
        self.act_tab_info = a("基本信息(&1)", lambda: self.editor.show_tab(0), "Ctrl+1", needs_project=True)
        self.act_tab_grid = a("绩效指标(&2)", lambda: self.editor.show_tab(1), "Ctrl+2", needs_project=True)
        self.act_help = a("帮助(&H)…", self.show_help, S.HelpContents, needs_file=False)

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("文件(&F)")
        for act in (self.act_new_file, self.act_new_consolidated, self.act_new_year, self.act_open):
            m.addAction(act)
        self.recent_menu = m.addMenu("最近文件(&R)")
        self._fill_recent()
        m.addAction(self.act_take_over)
        m.addSeparator()
        m.addAction(self.act_import_xlsx)
        m.addAction(self.act_import_docx)
        m.addSeparator()
        for act in (self.act_export_copy, self.act_export_xlsx, self.pdf_action, self.act_export_document,
                    self.act_preview, self.act_print):
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
        v = self.menuBar().addMenu("查看(&V)")
        for act in (self.act_focus_list, self.act_focus_checks, self.act_tab_info, self.act_tab_grid):
            v.addAction(act)
        p = self.menuBar().addMenu("项目(&P)")
        for act in (self.act_new_project, self.act_new_department, self.act_copy_project, self.act_delete_project,
                    self.act_next_year, self.act_copy_from):
            p.addAction(act)
        p.addSeparator()
        p.addAction(self.act_library)
        p.addSeparator()
        p.addAction(self.act_finalize)
        p.addAction(self.act_unfinalize)
        p.addSeparator()
        p.addAction(self.act_import_reviews)
        self.supervisor_menu = self.menuBar().addMenu("汇总(&S)")
        for act in (self.act_merge, self.act_overview, self.act_conflicts):
            self.supervisor_menu.addAction(act)
        self.supervisor_menu.addSeparator()
        for act in (self.act_review, self.act_export_reviews):
            self.supervisor_menu.addAction(act)
        h = self.menuBar().addMenu("帮助(&H)")
        h.addAction(self.act_help)
        about = QAction("关于(&A)", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, f"关于{APP_NAME}", f"{APP_NAME} {__version__}\n街道办事处预算绩效目标表的离线填报、审核、打印与汇总。"))
        h.addAction(about)

    def _save_failed(self, text: str) -> None:
        explain(self, "保存失败", text)

    def _update_actions(self, *_) -> None:
        document = self.document
        has_file = document is not None
        current = self.current_project()
        writable = has_file and not document.readonly
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
        # The 汇总 menu belongs to files that receive offices' files; 导入审核意见 to offices' own files.
        if has_file and current is None and self._dept_uid():
            self.act_review.setEnabled(writable)  # 审核意见 on the department table shown
        receives = has_file and document.receives
        self.supervisor_menu.menuAction().setVisible(receives)
        self.act_import_reviews.setVisible(not receives)
        self.act_take_over.setEnabled(has_file and document.created_elsewhere)
        if current is not None:
            editable_lock = writable and not self.session.is_received(current)
            self.act_finalize.setEnabled(editable_lock and not current.finalized)
            self.act_unfinalize.setEnabled(editable_lock and current.finalized)
            for act in (self.act_paste, self.act_insert_row, self.act_delete_row, self.act_row_up, self.act_row_down,
                        self.act_delete_project):
                act.setEnabled(act.isEnabled() and self.session.editable(current.uid))

    def _run(self, slot) -> None:
        self._guarded("操作未完成", "操作时遇到意外问题", slot)
        self._update_actions()

    def explain(self, title: str, text: str) -> None:
        explain(self, title, text)

    def _guarded(self, title: str, unexpected: str, action):
        """Run ``action``; explain a failure in a message box (never a traceback). None on failure."""
        return guarded(self, title, action, unexpected)

    # ------------------------------------------------------------ files

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "打开绩效目标表文件", self._last_dir(),
                                              "绩效目标表文件 (*.db);;所有文件 (*)")
        if name:
            self.open_file(Path(name))

    def _last_dir(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def new_file(self, *, consolidated: bool = False, ask=None, target: Path | None = None) -> bool:
        """新建文件 (an office's own) or 新建汇总文件 (a supervisor's, naming the supervisor's office)."""
        if ask is None:
            dialog = UnitDialog(self, consolidated=consolidated)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            answer = (dialog.code.text().strip(), dialog.name.text().strip(), dialog.year.value())
        else:
            answer = ask()
        code, name, year = answer
        unit = Unit(code, name)
        if target is None:
            suggested = Path(self._last_dir()) / (f"汇总_{code}_{year}.db" if consolidated
                                                  else files.suggested_name(unit, year))
            chosen, _ = QFileDialog.getSaveFileName(self, "新建汇总文件" if consolidated else "新建文件",
                                                    str(suggested), "绩效目标表文件 (*.db)")
            if not chosen:
                return False
            target = Path(chosen)
        files.create_file(target, unit, year, role=files.CONSOLIDATED if consolidated else files.OFFICE)
        return self.open_file(target)

    def new_consolidated_file(self) -> bool:
        return self.new_file(consolidated=True)

    def show_library(self, *, modal: bool = True):
        """指标库: list, search, export; add and remove the office's own entries."""
        from desk.ui.library import LibraryDialog

        current = self.current_project()
        form = self.session.form_for(current) if current is not None else default_forms()["hebei-project"]
        model = None  # the grid shown: the project's, or the department table's
        if current is not None and self.session.editable(current.uid):
            model = self.editor.model
        elif current is None and self._dept_uid() and self.session.editable_department(self._dept_uid()):
            model = self.dept_editor.model
            form = self.dept_editor.model.form
        dialog = LibraryDialog(self.session, self, level1_names=form.tree.level1_names(), tree=form.tree,
                               fill=model.append_from_library if model is not None else None,
                               folder=self.document.path.parent)
        if modal:
            dialog.exec()
        return dialog

    def copy_from_file(self, source: Path | None = None, *, choose=None) -> int:
        """项目 → 从其他文件复制项目: tables of last year's (or a neighbour's) file become new tables here, as one
        undoable step; money and plan cleared. ``choose(projects)`` picks them in tests."""
        from desk.ops import newyear

        if self.document is None:
            return 0
        if source is None:
            name, _ = QFileDialog.getOpenFileName(self, "从其他文件复制项目", self._last_dir(), "绩效目标表文件 (*.db)")
            if not name:
                return 0
            source = Path(name)
        if source.resolve() == self.document.path.resolve():
            self.statusBar().showMessage("请选择另一个文件（如上一年度的文件）", 8000)
            return 0
        projects = self._guarded("无法读取文件", "读取时遇到意外问题，文件未做任何改动",
                                 lambda: newyear.projects_of(source))
        if not projects:
            return 0
        chosen = choose(projects) if choose is not None else self._choose_projects(source, projects)
        if not chosen:
            return 0
        unit, year = self.document.unit, self.document.year
        copies = [newyear.carried(p, unit.code if unit else p.unit_code, year or p.year) for p in chosen]
        with self.session.batch(f"从 {source.name} 复制 {len(copies)} 张项目表"):
            for copy in copies:
                self.session.add_project(copy, text="复制项目")
        self.list_panel.select(copies[0].uid)
        self.statusBar().showMessage(f"已从 {source.name} 复制 {len(copies)} 张项目表；预算金额和资金支出计划已清空，请填写",
                                     8000)
        return len(copies)

    def _choose_projects(self, source: Path, projects) -> list:
        from PySide6.QtWidgets import QDialogButtonBox, QListWidget, QListWidgetItem, QVBoxLayout

        dialog = QDialog(self)
        dialog.setWindowTitle(f"从 {source.name} 复制项目")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("勾选要复制到本文件的项目表（复制后预算金额和资金支出计划清空）："))
        items = QListWidget()
        for p in projects:
            item = QListWidgetItem(f"{p.year} 年  {p.name or '（未命名）'}  {p.code}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            items.addItem(item)
        layout.addWidget(items, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        fit_to_screen(dialog, 620, 420)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return []
        return [p for k, p in enumerate(projects) if items.item(k).checkState() == Qt.CheckState.Checked]

    def new_year_file(self, target: Path | None = None) -> bool:
        """文件 → 新建下一年度文件: every table carried into a new file for the next year; this file untouched."""
        from desk.ops import newyear

        if self.document is None:
            return False
        source = self.document.path
        if target is None:
            year = (self.document.year or 0) + 1
            suggested = source.with_name(files.suggested_name(self.document.unit, year)) if self.document.unit \
                else source.with_name(f"{source.stem}_{year}.db")
            chosen, _ = QFileDialog.getSaveFileName(self, "新建下一年度文件", str(suggested), "绩效目标表文件 (*.db)")
            if not chosen:
                return False
            target = Path(chosen)
        self.session.wait_saved()
        report = self._guarded("无法新建下一年度文件", "新建时遇到意外问题，上一年度文件未做任何改动",
                               lambda: newyear.new_year(source, target))
        if report is None or not self.open_file(target):
            return False
        self.carry_banner.setText(report.summary() + "。")
        self.carry_banner.show()
        return True

    def open_file(self, path: Path) -> bool:
        document = self._guarded("无法打开文件", "打开文件时遇到意外问题，文件未做任何改动",
                                 lambda: OpenFile.open(path, forms=self.forms, check_later=True))
        if document is None:
            return False
        if not self.close_file():
            document.close()
            return False
        self.document = document
        self.session = EditSession(document, self)
        self._build_workspace()
        self._remember(path)
        unit = document.unit
        unit_text = f"{unit.name}（{unit.code}）" if unit else "（未设置单位）"
        kind = "汇总文件    " if document.receives else ""
        ro = f"    【只读：{document.readonly_reason}】" if document.readonly else ""
        self.header.setText(f"{kind}单位：{unit_text}    年度：{document.year or ''}{ro}")
        self.setWindowTitle(f"{document.path.name} — {unit.name if unit else ''} {document.year or ''} — {APP_NAME}")
        if document.migrated_from:
            self.statusBar().showMessage(
                f"文件已从数据格式第 {document.migrated_from} 版升级，原文件备份为 {document.backup_path.name}")
        uids = self.session.uids()
        if uids:
            self.list_panel.select(uids[0])
        self._show_empty_state()
        self._update_actions()
        return True

    def _file_damaged(self, text: str) -> None:
        """The integrity check after opening found the file damaged: said, and the window becomes read-only
        (nothing done since opening was written, and nothing will be)."""
        document = self.document
        self.header.setText(self.header.text().split("    【只读")[0] + f"    【只读：{document.readonly_reason}】")
        self.save_state.setText("只读：文件已损坏")
        if self.editor.uid:
            self.editor.show_project(self.editor.uid)
        if self._dept_uid():
            self.dept_editor.show_department(self._dept_uid())
        self.check_panel.refresh()
        for button in self.empty_panel.buttons[:-1]:  # 新建项目, 导入…: not in a read-only file (帮助 stays)
            button.hide()
        self._update_actions()
        self.explain("文件已损坏", text)

    def _build_workspace(self) -> None:
        session = self.session
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        self.header = QLabel(self.header.text())
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.header)
        self.carry_banner = QLabel("")  # 新建下一年度文件: what was carried and what to fill in
        self.carry_banner.setWordWrap(True)
        self.carry_banner.setStyleSheet("background:#e6f4ea; padding:4px;")
        self.carry_banner.hide()
        layout.addWidget(self.carry_banner)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QSplitter(Qt.Orientation.Vertical)
        self.list_panel = ProjectListPanel(session)
        self.check_panel = CheckPanel(session)
        left.addWidget(self.list_panel)
        left.addWidget(self.check_panel)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        self.editor = ProjectEditor(session)
        self._dept_editor = None
        self.empty_panel = EmptyFilePanel(receives=self.document.receives, readonly=self.document.readonly)
        self.empty_panel.new_project.connect(lambda: self._run(self.new_project))
        self.empty_panel.import_xlsx.connect(lambda: self._run(self.choose_xlsx_import))
        self.empty_panel.import_docx.connect(lambda: self._run(self.choose_docx_import))
        self.empty_panel.merge.connect(lambda: self._run(self.choose_merge_sources))
        self.empty_panel.help.connect(lambda: self._run(self.show_help))
        self.right = QStackedWidget()
        self.right.addWidget(self.editor)
        self.right.addWidget(self.empty_panel)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        width = max(self.width(), 600)
        left_width = min(int(width * 0.27), 300)  # the table gets the room on a small screen
        self.splitter.setSizes([left_width, width - left_width])
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.list_panel.selected.connect(  # a table is read whole when shown: a damaged one is explained
            lambda uid: self._guarded("无法显示这张表", "显示这张表时遇到意外问题", lambda: self.show_project(uid)))
        self.check_panel.jump.connect(self.editor.focus_field)
        self.editor.message.connect(lambda text: self.statusBar().showMessage(shown(text), 8000))
        self.check_panel.message.connect(lambda text: self.statusBar().showMessage(shown(text), 8000))
        session.saveStateChanged.connect(self.save_state.setText)
        session.saveFailed.connect(self._save_failed)
        session.fileDamaged.connect(self._file_damaged)
        session.undo_stack.indexChanged.connect(self._update_actions)
        session.projectChanged.connect(self._update_actions)
        session.projectsChanged.connect(self._projects_changed)
        session.stepApplied.connect(self._step_applied)
        state = settings().value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        self.save_state.setText("已打开" if not session.readonly else "只读")

    @property
    def dept_editor(self) -> DepartmentEditor | None:
        """The department table's editor (None without a file), made when first needed: a file opens on a
        project table, and making it costs the window's start-up about 7 ms."""
        if self._dept_editor is None and self.session is not None:
            from desk.ui.department import DepartmentEditor  # (its module too: ~5 ms more)

            editor = DepartmentEditor(self.session)
            editor.message.connect(lambda text: self.statusBar().showMessage(shown(text), 8000))
            self.right.addWidget(editor)
            self._dept_editor = editor
        return self._dept_editor

    def _dept_uid(self) -> str | None:
        """The uid of the department table shown, or None (its editor is not made for asking)."""
        return self._dept_editor.uid if self._dept_editor is not None else None

    def _step_applied(self, uid: str, text: str, field: str) -> None:
        """After 撤销/重做: show the table (and field) it changed, and say so; never a silent change elsewhere."""
        p = self.session.project(uid) if uid else None
        if p is not None and uid != self.editor.uid:
            self.list_panel.select(uid)
        elif uid and p is None and self.session.department(uid) is not None and uid != self._dept_uid():
            self.list_panel.select(uid)
        if p is not None and field:
            self.editor.focus_field(field)
        name = f"（项目“{p.name or '未命名'}”）" if p is not None else ""
        self.statusBar().showMessage(shown(f"已{text}{name}"), 8000)

    def _show_empty_state(self) -> None:
        """An empty file says how to add the first table instead of showing a greyed-out editor."""
        if self.editor is None:
            return
        empty = not self.session.project_count() and not self.session.departments()
        shown_dept = self._dept_uid() is not None and self.session.department(self._dept_uid()) is not None
        self.right.setCurrentWidget(self.empty_panel if empty else self.dept_editor if shown_dept else self.editor)

    def _projects_changed(self) -> None:
        if self._dept_uid() and self.session.department(self._dept_uid()) is None:
            self.dept_editor.show_department(None)
            uids = self.session.uids()
            self.show_project(uids[0] if uids else None)
        if self.editor.uid and self.session.project(self.editor.uid) is None:
            uids = self.session.uids()
            self.show_project(uids[0] if uids else None)
            if uids:
                self.list_panel.select(uids[0])
        self._show_empty_state()
        self._update_actions()

    def show_project(self, uid: str | None) -> None:
        """Show a project table, or the unit's department table (the list holds both)."""
        if uid is not None and self.session.project(uid) is None and self.session.department(uid) is not None:
            self.editor.show_project(None)
            self.dept_editor.show_department(uid)
            self.right.setCurrentWidget(self.dept_editor)
        else:
            if self._dept_editor is not None:
                self._dept_editor.show_department(None)
            self.editor.show_project(uid)
            if self._dept_editor is not None and self.right.currentWidget() is self._dept_editor:
                self.right.setCurrentWidget(self.editor)
        self.check_panel.show_project(uid)
        self._update_actions()

    def new_department(self) -> None:
        """项目 → 新建部门整体表: the unit's 部门（单位）整体支出绩效目标表 of the year."""
        dept = self._guarded("无法新建部门整体表", "新建时遇到意外问题", self.session.new_department)
        if dept is not None:
            self.list_panel.select(dept.uid)
            self.show_project(dept.uid)

    def current_project(self):
        if self.session is None or self.editor is None or not self.editor.uid:
            return None
        return self.session.project(self.editor.uid)

    def take_over(self, *, confirm: bool = True) -> bool:
        """接管此文件: a file created on another computer becomes editable here (e.g. a new laptop)."""
        path = self.document.path
        if confirm and not self._confirm(
                "接管此文件", f"“{path.name}”是在另一台电脑上创建的。确认这是您自己的文件（例如换了电脑），"
                "以后在本机修改它吗？上级审核别人报来的文件时不要接管。"):
            return False
        if not self.close_file():
            return False
        if self._guarded("无法接管", "接管时遇到意外问题，文件未做任何改动", lambda: files.take_over(path)) is None:
            self.open_file(path)
            return False
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
        for signal in (self.session.saveStateChanged, self.session.saveFailed, self.session.fileDamaged,
                       self.session.projectChanged,
                       self.session.projectsChanged, self.session.stepApplied, self.session.undo_stack.indexChanged):
            signal.disconnect()
        self.session = None
        self.document = None
        self.editor = None
        self._dept_editor = None
        self.list_panel = None
        self.check_panel = None
        self.empty_panel = None
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
        path = self.document.path
        suggested = str(path.parent / files.copy_name(path))
        target, _ = QFileDialog.getSaveFileName(self, "导出副本给上级", suggested, "绩效目标表文件 (*.db)")
        if target:
            self.session.wait_saved()
            files.export_copy(path, Path(target))
            self.statusBar().showMessage(f"已导出副本：{target}", 8000)

    # ------------------------------------------------------------ Excel

    def choose_xlsx_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "导入Excel", self._last_dir(), "Excel 文件 (*.xlsx);;所有文件 (*)")
        if name:
            self.import_xlsx(Path(name))

    def import_xlsx(self, path: Path, *, ask=None) -> int:
        """Show what the workbook holds, then add or update the projects as one undoable step."""
        from desk.ops import imports

        return self._import(imports.plan_xlsx_import, path, ask=ask)

    def choose_docx_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "导入Word", self._last_dir(),
                                              "Word 文档 (*.docx);;旧版 Word/WPS (*.doc *.wps);;所有文件 (*)")
        if name:
            self.import_docx(Path(name))

    def import_docx(self, path: Path, *, ask=None) -> int:
        """Show what the document holds (tables and narrative), then import what the clerk chose in one step."""
        from desk.ops import imports

        return self._import(imports.plan_docx_import, path, ask=ask)

    def _import(self, make_plan, path: Path, *, ask=None) -> int:
        from desk.ops import imports

        session, document = self.session, self.document
        unit = document.unit
        plan = make_plan(path, document.import_target(), unit_code=unit.code if unit else None,
                         unit_name=unit.name if unit else None, year=document.year)
        plan.refuse_if_blocked()  # said before anything is asked
        if ask is not None:
            accepted = ask(plan)
        else:
            dialog = ImportPreviewDialog(plan, self)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            if accepted and dialog.adopt.isChecked():
                plan.apply_suggestions()  # chosen by the clerk in the preview; the import stays one undo step
            if accepted and dialog.narrative_only.isChecked():
                plan.narrative_only()
            elif accepted and dialog.narrative.isChecked():
                plan.include_narrative()
        if not accepted:
            return 0
        plan.refuse_if_blocked()  # the narrative may go to a table that is finalised
        with session.batch(f"导入 {plan.source}"):
            for table, action in zip(plan.tables, plan.actions):
                if action == imports.ADD:
                    session.add_project(table.project, text="导入", via=rules.IMPORT)
                else:
                    session.edit(table.project, "导入", via=rules.IMPORT)
            for found in plan.departments:
                session.put_department(found.department, "导入部门整体表", via=rules.IMPORT)
        if plan.tables:
            self.list_panel.select(plan.tables[0].project.uid)
        count = len(plan.tables) + len(plan.departments)
        adopted = f"，采用建议写法 {plan.adopted} 处" if plan.adopted else ""
        narrative = "，含文字部分" if plan.narrative_included else ""
        self.statusBar().showMessage(f"已从 {plan.source} 导入 {count} 张表{narrative}{adopted}", 8000)
        return count

    def choose_xlsx_export(self) -> None:
        suggested = str(self.document.path.with_suffix(".xlsx"))
        name, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 文件 (*.xlsx)")
        if name:
            self.export_xlsx(Path(name))

    def export_xlsx(self, target: Path) -> None:
        from desk.ops import exports

        self.session.wait_saved()
        exports.export_xlsx(self.document.path, target)
        self.statusBar().showMessage(f"已导出Excel：{target}", 8000)

    # ------------------------------------------------------------ supervisors

    def choose_merge_sources(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "选择收到的文件", self._last_dir(), "绩效目标表文件 (*.db)")
        if names:
            self.merge([Path(n) for n in names])

    def merge(self, sources: list[Path], *, cancel_after: int | None = None):
        """Merge received files into the open file, with a progress bar and 取消 (nothing kept when cancelled)."""
        from PySide6.QtWidgets import QProgressDialog

        from desk.ops import merge

        path = self.document.path
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
                                   lambda: merge.merge_files(path, sources, progress=step))
        finally:
            progress.close()
            self.open_file(path)
        if report is not None and report is not True:
            self.last_merge_report = report
            self.merge_result = TextDialog("合并结果", report.summary(),
                                           "\n".join(report.detail_lines()) or "没有需要处理的问题。", self)
            self.merge_result.open()
            return report
        return None

    def show_overview(self):
        from desk.ui.supervisor import OverviewDialog

        dialog = OverviewDialog(self.document, self)
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

        current = self.current_project()
        uid = current.uid if current is not None else self._dept_uid()  # or the department table shown
        dialog = ReviewDialog(self.session, uid, self)
        dialog.open()
        return dialog

    def choose_reviews_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "导出审核意见", str(self.document.path.with_suffix(".审核意见.json")),
                                              "审核意见 (*.json)")
        if name:
            from desk.ops import reviews

            self.session.wait_saved()
            count = reviews.export_reviews(self.document.path, Path(name))
            self.statusBar().showMessage(f"已导出 {count} 条审核意见：{name}", 8000)

    def choose_reviews_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "导入审核意见", self._last_dir(), "审核意见 (*.json)")
        if name:
            self.import_reviews(Path(name))

    def import_reviews(self, path: Path) -> int:
        """Take in a supervisor's 审核意见 (the tables themselves are not changed)."""
        from desk.ops import reviews

        taken, unknown = self.session.take_reviews(reviews.read_reviews_file(path))
        extra = f"；本文件中没有的表 {len(unknown)} 张，意见未导入" if unknown else ""
        self.statusBar().showMessage(f"已导入 {len(taken)} 条审核意见（表的内容未改动）{extra}", 8000)
        return len(taken)

    # ------------------------------------------------------------ printing

    def choose_pdf_target(self) -> None:
        if self.document is None:
            return
        suggested = str(self.document.path.with_suffix(".pdf"))
        name, _ = QFileDialog.getSaveFileName(self, "导出PDF", suggested, "PDF 文件 (*.pdf)")
        if name:
            self.export_pdf(Path(name))

    def choose_document_target(self) -> None:
        if self.document is None:
            return
        unit, year = self.document.unit, self.document.year
        stem = f"{unit.name if unit else ''}{year or ''}年部门预算绩效目标" if unit else self.document.path.stem
        suggested = str(self.document.path.with_name(stem + ".pdf"))
        name, chosen = QFileDialog.getSaveFileName(self, "导出公开文本", suggested,
                                                   "PDF 文件 (*.pdf);;Word 文档 (*.docx)")
        if name:
            target = Path(name)
            if target.suffix.lower() not in (".pdf", ".docx"):
                target = target.with_suffix(".docx" if "docx" in chosen else ".pdf")
            self.export_document(target)

    def export_document(self, target: Path, unit_code: str | None = None) -> bool:
        """The published document (PDF or Word) of the open file's unit; problems explained, never raised."""
        from desk.ops import exports

        if self.document is None:
            return False
        path = self.document.path
        if unit_code is None and self.document.receives and self.document.unit is not None:
            unit_code = None  # a consolidated file: the unit of the selected table
            current = self.current_project()
            if current is not None:
                unit_code = current.unit_code
        self.session.wait_saved()
        if self._guarded("无法导出公开文本", "导出时遇到意外问题",
                         lambda: exports.export_published(path, target, unit_code=unit_code)) is None:
            return False
        self.statusBar().showMessage(f"已导出公开文本：{target}", 8000)
        return True

    def export_pdf(self, target: Path, selection: list[str] | None = None, *, quiet: bool = False) -> bool:
        """Print projects of the open file to ``target``; problems are explained, never raised."""
        from desk.ops import exports

        if self.document is None:
            return False
        path = self.document.path
        self.session.wait_saved()
        if self._guarded("无法导出PDF", "导出时遇到意外问题",
                         lambda: exports.export_pdf(path, target, selection=selection)) is None:
            return False
        if not quiet:
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
        return target if self.export_pdf(target, [p.uid], quiet=True) else None

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
        self.editor.show_tab(0)
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
        self.session.document.check(p.uid, None)  # a protected table is explained before anything is asked
        if self._confirm("删除项目", f"删除项目“{p.name or '（未命名）'}”？可以用“撤销”恢复。"):
            self.session.delete_project(p.uid)

    def finalize(self) -> None:
        """定稿并打印: the errors are listed and 定稿 refused before anything is asked."""
        p = self.current_project()
        problem = self.session.finalize_problem(p.uid)
        if problem:
            self.explain("不能定稿", problem)
            return
        if not self._confirm("定稿", f"定稿后项目“{p.name}”将被锁定，不能再修改（可“解除定稿”，会记录在历史中）。继续并打印吗？"):
            return
        self.session.finalize(p.uid)
        self.editor.show_project(p.uid)
        self.print_current()

    def unfinalize(self) -> None:
        p = self.current_project()
        if self._confirm("解除定稿", f"解除项目“{p.name}”的定稿（{p.finalized_by}，{when_text(p.finalized_at)}）？"
                                    "已签字的纸质稿将与修改后的内容不一致。"):
            self.session.unfinalize(p.uid)
            self.editor.show_project(p.uid)

    # ------------------------------------------------------------ editing shortcuts and focus

    def copy_cells(self) -> None:
        if self.editor.grid is not None:
            self.editor.grid.copy()

    def paste_cells(self) -> None:
        if self.editor.grid is not None:
            self.editor.show_tab(1)
            self.editor.grid.paste()

    def focus_list(self) -> None:
        if self.list_panel is not None:
            self.list_panel.view.setFocus()

    def focus_checks(self) -> None:
        if self.check_panel is not None:
            self.check_panel.list.setFocus()
            if self.check_panel.list.currentRow() < 0 and self.check_panel.list.count():
                self.check_panel.list.setCurrentRow(0)

    def show_help(self, page: int = 0) -> HelpDialog:
        dialog = HelpDialog(self, page=page)
        dialog.open()
        return dialog

    # ------------------------------------------------------------ window state

    def _restore_geometry(self) -> None:
        geometry = settings().value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            fit_to_screen(self, 1280, 720)
        self._keep_on_screen()

    def _keep_on_screen(self) -> None:
        """A window restored from a bigger screen (or a larger scaling) still fits this one."""
        area = available_geometry(self)
        if self.width() > area.width() or self.height() > area.height() or not area.intersects(self.geometry()):
            fit_to_screen(self, min(self.width(), area.width()), min(self.height(), area.height()))

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


def run(path: Path | None = None, *, quit_after_ms: int | None = None, report_ready: bool = False,
        quit_when_checked: bool = False) -> int:
    logs.enable_crash_trace()  # (the log file itself is opened when something is first logged: logs.setup)
    if sys.platform == "win32":  # the taskbar shows 绩效目标表 with its icon, not Python (the installer's id)
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("desk")
    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "desk.png")))
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
    if report_ready or quit_when_checked:  # … and CHECKED once every check after opening is over
        poll = QTimer(window)

        def checked() -> None:
            if window.session is None or not window.session.checks_pending:
                poll.stop()
                if report_ready:
                    print("CHECKED", flush=True)
                if quit_when_checked:
                    window.close()

        poll.timeout.connect(checked)
        poll.start(20)
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, window.close)
    return app.exec()

"""The main window (the full editor comes with issue 3/5).

Opens a file through the store, shows the unit, the year and the projects
with their check results, and explains refused files in Chinese.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QHeaderView, QLabel, QMainWindow, QMessageBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from desk import __version__, logs, paths, services
from desk.domain.money import display_money
from desk.errors import DeskError
from desk.store import Store

APP_NAME = "绩效目标表"
COLUMNS = ("项目编码", "项目名称", "预算数", "指标数", "错误", "提示", "版本")


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
    for path in sorted(font_dir.glob("*.tt[fc]")) + sorted(font_dir.glob("*.otf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.store: Store | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1200, 700)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.header = QLabel("未打开文件。请从“文件 → 打开”选择一个 .db 文件。", central)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = QLabel("", central)
        self.banner.setStyleSheet("background:#fff4ce; padding:4px;")
        self.banner.hide()
        self.table = QTableWidget(0, len(COLUMNS), central)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

        file_menu = self.menuBar().addMenu("文件(&F)")
        open_action = QAction("打开(&O)…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_file)
        file_menu.addAction(open_action)
        self.pdf_action = QAction("导出PDF(&P)…", self)
        self.pdf_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.pdf_action.triggered.connect(self.choose_pdf_target)
        self.pdf_action.setEnabled(False)
        file_menu.addAction(self.pdf_action)
        file_menu.addSeparator()
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于(&A)", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, f"关于{APP_NAME}", f"{APP_NAME} {__version__}\n街道办事处预算绩效目标表的离线填报、审核、打印与汇总。"))
        help_menu.addAction(about)
        self.statusBar().showMessage("就绪")

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "打开绩效目标表文件", "", "绩效目标表文件 (*.db);;所有文件 (*)")
        if name:
            self.open_file(Path(name))

    def choose_pdf_target(self) -> None:
        if self.store is None:
            return
        suggested = str(self.store.path.with_suffix(".pdf"))
        name, _ = QFileDialog.getSaveFileName(self, "导出PDF", suggested, "PDF 文件 (*.pdf)")
        if name:
            self.export_pdf(Path(name))

    def export_pdf(self, target: Path) -> bool:
        """Print every project of the open file to ``target``; problems are explained, never raised."""
        if self.store is None:
            return False
        path = self.store.path
        if self._guarded("无法导出PDF", "导出时遇到意外问题", lambda: services.export_pdf(path, target)) is None:
            return False
        self.statusBar().showMessage(f"已导出PDF：{target}")
        return True

    def _guarded(self, title: str, unexpected: str, action):
        """Run ``action``; explain a failure in a message box (never a traceback). None on failure."""
        try:
            return action()
        except DeskError as exc:
            QMessageBox.warning(self, title, str(exc))
        except Exception:  # noqa: BLE001 - never show a traceback
            log = logs.log_exception(title)
            QMessageBox.critical(self, title, f"{unexpected}。详情已写入日志：{log}")
        return None

    def open_file(self, path: Path) -> bool:
        store = self._guarded("无法打开文件", "打开文件时遇到意外问题，文件未做任何改动", lambda: Store.open(path))
        if store is None:
            return False
        if self.store is not None:
            self.store.close()
        self.store = store
        self.pdf_action.setEnabled(True)
        self.refresh()
        return True

    def refresh(self) -> None:
        store = self.store
        if store is None:
            return
        unit = store.unit()
        unit_text = f"{unit.code} {unit.name}" if unit else "（未设置单位）"
        self.header.setText(f"单位：{unit_text}    年度：{store.year() or ''}    文件：{store.path}")
        self.setWindowTitle(f"{store.path.name} — {APP_NAME}")
        if store.readonly:
            self.banner.setText(f"只读：{store.readonly_reason}")
            self.banner.show()
        else:
            self.banner.hide()
        findings = services.check_store(store)
        counts: dict[str, list[int]] = {}
        for f in findings:
            pair = counts.setdefault(f.project_uid, [0, 0])
            pair[0 if f.severity == "error" else 1] += 1
        projects = store.projects()
        self.table.setRowCount(len(projects))
        for row, p in enumerate(projects):
            errors, warnings = counts.get(p.uid, [0, 0])
            values = (p.code, p.name, display_money(p.budget.total, p.money_unit) + p.money_unit,
                      str(len(p.indicators)), str(errors), str(warnings), str(p.revision))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col in (2, 3, 4, 5, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.statusBar().showMessage(f"共 {len(projects)} 个项目，错误 {sum(c[0] for c in counts.values())} 条，"
                                     f"提示 {sum(c[1] for c in counts.values())} 条")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)


def _excepthook(exc_type, exc, tb) -> None:
    logs.setup().error("unhandled", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if app is not None:
        QMessageBox.critical(None, APP_NAME, f"程序遇到意外问题。详情已写入日志：{logs.log_path()}")


def run(path: Path | None = None, *, quit_after_ms: int | None = None) -> int:
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
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, app.quit)
    return app.exec()

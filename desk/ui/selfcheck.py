"""The main window's part of desk selftest: opened offscreen on a file, a table and its preview shown, closed."""

from __future__ import annotations

import os
from pathlib import Path


def open_window_offscreen(path: Path) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window appears on the clerk's screen
    from PySide6.QtWidgets import QApplication

    from desk.ui.app import MainWindow, install_translations, register_fonts

    app = QApplication.instance() or QApplication([])
    install_translations(app)
    fonts = register_fonts()
    window = MainWindow()
    try:
        window.show()
        if not window.open_file(Path(path)):
            raise RuntimeError("主窗口打不开示例文件")
        tables = len(window.session.projects())
        window.list_panel.select(window.session.projects()[0].uid)
        preview = window.preview()
        pages = preview.document.pageCount() if preview is not None else 0
        if preview is not None:
            preview.view.draw_visible()
            preview.close()
        app.processEvents()
        if not fonts:
            raise RuntimeError("程序自带的中文字体没有装载")
        return f"打开 {tables} 张表，打印预览 {pages} 页，中文字体 {'、'.join(dict.fromkeys(fonts))}"
    finally:
        window.close()
        app.processEvents()

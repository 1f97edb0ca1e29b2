"""Open every window and dialog on a small screen and report where each one is.

Usage: python -m tests.ui.screens_child WORKDIR [SHOTS_DIR]
Run with QT_SCALE_FACTOR=1.5 and an offscreen screen of 1366×728 (a 1366×768
laptop less its taskbar). Prints one JSON object: for each window, the
available screen, its geometry, its minimum size and every button with
whether it is visible inside the window. With SHOTS_DIR, saves a PNG of each.
"""

import json
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget  # noqa: E402


def describe(name: str, widget: QWidget, shots: Path | None) -> dict:
    app = QApplication.instance()
    widget.show()
    for _ in range(5):
        app.processEvents()
    area = (widget.screen() or app.primaryScreen()).availableGeometry()
    geometry = widget.frameGeometry()
    inside = widget.rect()
    buttons = []
    for button in widget.findChildren(QAbstractButton):
        if not button.isVisibleTo(widget) or button.window() is not widget:
            continue
        top_left = button.mapTo(widget, button.rect().topLeft())
        rect = QRect(top_left, button.size())
        buttons.append({"text": button.text(), "visible": button.isVisible() and not button.visibleRegion().isEmpty(),
                        "inside": inside.contains(rect)})
    if shots is not None:
        widget.grab().save(str(shots / f"{name}.png"))
    hint = widget.minimumSizeHint()
    return {"name": name, "area": [area.x(), area.y(), area.width(), area.height()],
            "geometry": [geometry.x(), geometry.y(), geometry.width(), geometry.height()],
            "minimum": [max(hint.width(), widget.minimumWidth()), max(hint.height(), widget.minimumHeight())],
            "buttons": buttons}


def office_files(folder: Path):
    """Two offices' files, and a second copy of the first one changed differently (a conflict)."""
    from desk.store import Store
    from tests.test_merge import OFFICES, office_file

    paths = [office_file(folder, unit) for unit in OFFICES[:2]]
    copy = folder / "copy.db"
    shutil.copyfile(paths[0], copy)
    with Store.open(paths[0]) as store:
        p = store.projects()[0]
        store.save_project(replace(p, usage="第一份改了用途"))
    with Store.open(copy) as store:
        store.save_project(replace(p, name="第二份改了名称"))
    return paths, copy


def main() -> None:
    work = Path(sys.argv[1])
    shots = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    from desk.domain.model import Unit
    from desk.ops import imports
    from desk.ui.app import MainWindow, install_translations, register_fonts
    from desk.ui.dialogs import ImportPreviewDialog, TextDialog, UnitDialog
    from desk.ui.supervisor import ReviewDialog
    from tests.conftest import SAMPLES

    install_translations(app)
    register_fonts()
    report = []
    window = MainWindow()
    demo = imports.make_demo(work / "demo.db")
    window.open_file(demo)
    report.append(describe("main-window", window, shots))
    window.editor.show_tab(1)
    report.append(describe("main-window-grid", window, shots))
    window.editor.show_tab(0)
    preview = window.preview()
    preview.show()
    deadline = time.monotonic() + 3  # QPdfView draws its pages in the background
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    report.append(describe("print-preview", preview, shots))
    preview.close()
    errors = window.session.finalize_problem(window.session.projects()[-1].uid)
    long_text = errors + "\n" + "\n".join(f"项目“补助资金{i}”已定稿，导入不能改动它的内容" for i in range(30))
    lead, _, rest = long_text.partition("\n")
    report.append(describe("long-message", TextDialog("不能定稿", lead, rest, window), shots))
    plan = imports.plan_xlsx_import(SAMPLES / "yutian-2023-project-tables.xlsx", window.document.import_target(),
                                    unit_code="439001", unit_name="玉田县无终街道办事处本级", year=2023)
    report.append(describe("import-preview", ImportPreviewDialog(plan, window), shots))
    docx = work / "去年公开文本.docx"
    from desk.ops import exports

    exports.export_published(demo, docx)
    word = imports.plan_docx_import(docx, window.document.import_target())
    report.append(describe("import-word-preview", ImportPreviewDialog(word, window), shots))
    library = window.show_library(modal=False)
    library.words.setText("满意度")
    report.append(describe("library", library, shots))
    library.close()
    from desk.ui.library import EntryDialog

    report.append(describe("library-add", EntryDialog(window, ("产出指标", "效益指标", "满意度指标")), shots))
    # the 指标库 offered in a 三级 cell
    window.editor.show_tab(1)
    grid, model = window.editor.grid, window.editor.model
    grid.setCurrentIndex(model.index(model.rowCount() - 1, model.column_of("name")))
    grid.setFocus()
    grid.edit(grid.currentIndex())
    editor = grid.focusWidget() if grid.focusWidget() is not grid else grid.indexWidget(grid.currentIndex())
    if editor is not None and hasattr(editor, "completer"):
        from PySide6.QtGui import QInputMethodEvent

        editor.selectAll()
        event = QInputMethodEvent()
        event.setCommitString("满意")
        QApplication.sendEvent(editor, event)
        for _ in range(5):
            app.processEvents()
        if shots is not None:
            window.grab().save(str(shots / "main-window-library-offer.png"))
            if editor.offering:
                editor.completer.popup().grab().save(str(shots / "library-offer-list.png"))
        grid.closeEditor(editor, grid.itemDelegate().EndEditHint.RevertModelCache)
    window.editor.show_tab(0)
    report.append(describe("new-file", UnitDialog(window), shots))
    report.append(describe("new-consolidated-file", UnitDialog(window, consolidated=True), shots))
    report.append(describe("help", window.show_help(), shots))
    # a supervisor's file with offices merged in and a conflict
    folder = work / "received"
    folder.mkdir()
    offices, copy = office_files(folder)
    out = work / "汇总.db"
    window.new_file(consolidated=True, ask=lambda: ("439000", "玉田县财政局", 2024), target=out)
    window.merge([*offices, copy])
    report.append(describe("merge-result", window.merge_result, shots))
    window.merge_result.close()
    report.append(describe("main-window-consolidated", window, shots))
    report.append(describe("overview", window.show_overview(), shots))
    report.append(describe("conflicts", window.show_conflicts(), shots))
    window.list_panel.select(window.session.projects()[0].uid)
    report.append(describe("review", ReviewDialog(window.session, window.session.projects()[0].uid, window), shots))
    empty = work / "empty.db"
    window.new_file(ask=lambda: ("439003", "鸦鸿桥镇", 2024), target=empty)
    report.append(describe("main-window-empty-file", window, shots))
    assert window.document.unit == Unit("439003", "鸦鸿桥镇")
    window.close()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Make the README's screenshots of the main window on a 1366×768 screen.

Run: python docs/make_screenshots.py            (100 %: shot-info.png, shot-grid.png, shot-library-offer.png,
                                                  shot-library.png, shot-dept.png, shot-narrative.png)
     python docs/make_screenshots.py --scale 1.5 (150 %: shot150-grid.png, shot150-plan.png, the same others)
Each run is its own process: Qt reads the scale factor once, at start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def child(scale: float) -> None:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from desk.ops import imports
    from desk.ui.app import MainWindow, install_translations, register_fonts

    install_translations(app)
    register_fonts()
    window = MainWindow()
    area = app.primaryScreen().availableGeometry()
    window.resize(area.width(), area.height())
    window.move(area.topLeft())
    window.show()
    window.open_file(imports.make_demo(Path(os.environ["DESK_HOME"]) / "demo.db"))

    def shot(name: str) -> None:
        for _ in range(10):
            app.processEvents()
        window.grab().save(str(DOCS / name))

    if scale == 1:
        window.editor.show_tab(0)
        shot("shot-info.png")
        window.editor.show_tab(1)
        shot("shot-grid.png")
    else:
        window.editor.show_tab(1)
        shot("shot150-grid.png")
        window.editor.show_tab(0)
        window.editor.info_page.ensureWidgetVisible(window.editor.plan_edits[0])
        shot("shot150-plan.png")
    # the 指标库: offered in a 三级 cell after two characters, and its window
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QInputMethodEvent, QPainter

    prefix = "shot" if scale == 1 else "shot150"
    window.editor.show_tab(1)
    grid, model = window.editor.grid, window.editor.model
    grid.setCurrentIndex(model.index(model.rowCount() - 1, model.column_of("name")))
    grid.setFocus()
    grid.edit(grid.currentIndex())
    for _ in range(5):
        app.processEvents()
    editor = grid.focusWidget()
    editor.selectAll()
    event = QInputMethodEvent()
    event.setCommitString("满意")
    app.sendEvent(editor, event)
    for _ in range(10):
        app.processEvents()
    picture = window.grab()
    popup = editor.completer.popup()
    if popup.isVisible():  # a separate window on screen: drawn where it stands over the main window
        painter = QPainter(picture)
        painter.drawPixmap(popup.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0)), popup.grab())
        painter.end()
    picture.save(str(DOCS / f"{prefix}-library-offer.png"))
    popup.hide()
    grid.closeEditor(editor, grid.itemDelegate().EndEditHint.RevertModelCache)
    library = window.show_library(modal=False)
    library.words.setText("满意度")
    for _ in range(10):
        app.processEvents()
    library.grab().save(str(DOCS / f"{prefix}-library.png"))
    library.close()
    # the department's year: the sample's narrative and a department table built from its projects
    from desk.io import jsonio

    sample = jsonio.loads((ROOT / "resources/demo/yutian-2023-department.json").read_text("utf-8"))
    dept = sample.departments[0]
    window.session.put_department(dept, "示例部门整体表")
    window.list_panel.select(dept.uid)
    window.show_project(dept.uid)
    window.dept_editor.tabs.setCurrentIndex(0)
    shot(f"{prefix}-dept.png")
    window.dept_editor.tabs.setCurrentIndex(2)
    shot(f"{prefix}-narrative.png")
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scale)
        return
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "screen.json"
        config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 728,
                                                   "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), "utf-8")
        env = dict(os.environ, DESK_HOME=home, QT_SCALE_FACTOR=str(args.scale),
                   QT_QPA_PLATFORM=f"offscreen:configfile={config}")
        subprocess.run([sys.executable, __file__, "--child", "--scale", str(args.scale)], env=env, check=True)


if __name__ == "__main__":
    main()

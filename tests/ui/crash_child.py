"""A GUI process that makes one edit through the editor and reports when it is saved.

Usage: python -m tests.ui.crash_child FILE.db NEW_NAME
Prints "EDITED" when the edit is committed and "SAVED <ms>" when the status
bar says 已保存; then it keeps running until it is killed.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from desk.ui.app import MainWindow  # noqa: E402


def main() -> None:
    path, new_name = Path(sys.argv[1]), sys.argv[2]
    app = QApplication([])
    window = MainWindow()
    window.show()
    window.open_file(path)
    started = [0.0]

    def state(text: str) -> None:
        if text.startswith("已保存") and started[0]:
            print(f"SAVED {(time.perf_counter() - started[0]) * 1000:.1f}", flush=True)

    window.session.saveStateChanged.connect(state)
    editor = window.editor
    editor.name.setFocus()
    editor.name.setText(new_name)
    started[0] = time.perf_counter()
    editor.name.editingFinished.emit()
    print("EDITED", flush=True)
    app.exec()


if __name__ == "__main__":
    main()

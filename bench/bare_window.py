"""The floor of bench/startup_bench.py: a process that imports PySide6, shows an empty QMainWindow and prints
READY once the event loop runs (as ``python -m desk FILE --report-ready`` does), then quits after
``--quit-after`` ms."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quit-after", type=int, default=None)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1280, 720)
    window.show()
    QTimer.singleShot(0, lambda: print("READY", flush=True))
    if args.quit_after is not None:
        QTimer.singleShot(args.quit_after, window.close)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())

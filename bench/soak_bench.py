"""The long soak: 30,000 random clerk actions through the real main window (offscreen).

The same actions and checks as tests/ui/test_soak.py (tests/ui/soak.py): the
undo stack tells the truth after every action, the model invariants hold
every 100 actions, and the reopened file equals what the window showed.
Prints the time per action and the memory of the process, each against an
anchor measured in the same run: the first 3,000 actions (a window that slows
down or grows as it is used shows ratios well above 1).

Run: python bench/soak_bench.py [--actions 30000] [--seed 20261122]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

ANCHOR = 3000


class Bot:
    """The two qtbot calls the soak uses."""

    def __init__(self, app):
        self.app = app

    def keyClick(self, widget, key, modifier=Qt.KeyboardModifier.NoModifier):  # noqa: N802 - qtbot's name
        QTest.keyClick(widget, key, modifier)

    def waitUntil(self, condition, timeout=2000):  # noqa: N802 - qtbot's name
        end = time.monotonic() + timeout / 1000
        while not condition():
            self.app.processEvents()
            if time.monotonic() > end:
                raise AssertionError("timed out")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="desk-soak-")
    os.environ["DESK_HOME"] = home
    app = QApplication([])
    from desk.ops import imports
    from desk.ui.app import MainWindow
    from tests.ui.soak import Soak

    problems: list = []
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)
    QMessageBox.critical = staticmethod(lambda parent, title, text, *a, **k: problems.append((title, text)))
    path = imports.make_demo(Path(home) / "demo.db")
    window = MainWindow()
    window.print_current = lambda: None
    window.show()
    window.activateWindow()
    app.processEvents()
    window.open_file(path)
    app.processEvents()
    soak = Soak(window, Bot(app), args.seed)
    marks = {}
    start = time.perf_counter()

    def progress(n: int) -> None:
        if n == ANCHOR or n == args.actions or n % 5000 == 0:
            marks[n] = (time.perf_counter() - start, rss_mb())
            print(f"{n:>6} actions  {marks[n][0]:7.1f} s  rss {marks[n][1]:6.1f} MB", flush=True)

    result = soak.run(args.actions, progress=progress)
    total = time.perf_counter() - start
    soak.finish(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    anchor_time, anchor_rss = marks[ANCHOR]
    last_rate = (total - anchor_time) / (args.actions - ANCHOR) if args.actions > ANCHOR else 0
    print(f"actions: {result.actions}, refused without an undo step: {result.refused}, unexpected errors: "
          f"{len(problems)}")
    print(f"time: {total:.1f} s, {total / args.actions * 1000:.1f} ms per action; after the first {ANCHOR}: "
          f"{last_rate * 1000:.1f} ms per action = {last_rate / (anchor_time / ANCHOR):.2f}× the first {ANCHOR}")
    print(f"memory: peak {peak:.0f} MB; at the end {marks[args.actions][1]:.0f} MB = "
          f"{marks[args.actions][1] / anchor_rss:.2f}× after the first {ANCHOR} actions")
    print("reopened file equals the window's last state: yes")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The soak test: 3,000 random clerk actions through the real main window, with a fixed seed.

A PySide6 release once freed None after about a thousand reads of a missing
dynamic property, and the window died after a minute of editing; scripted
tests of a few dozen actions never saw it. bench/soak_bench.py runs the same
for 30,000 actions.
"""

from desk.ops import imports as imports_ops
from desk.ui.app import MainWindow
from tests.ui.soak import Soak, quiet_dialogs

ACTIONS = 3000
SEED = 20261122


def test_three_thousand_random_clerk_actions(qtbot, tmp_path, monkeypatch, request):
    problems: list = []
    quiet_dialogs(monkeypatch, problems)
    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    monkeypatch.setattr(window, "print_current", lambda: None)  # 定稿并打印: no printer dialog in a test
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    assert window.open_file(path)
    qtbot.waitUntil(window.editor.isVisible)
    soak = Soak(window, qtbot, SEED, pytest_config=request.config)
    soak.attach_tester(window.list_panel.model)
    soak.attach_tester(window.list_panel.proxy)
    result = soak.run(ACTIONS)
    assert result.actions == ACTIONS and problems == []
    assert len(result.counts) >= 20  # every kind of action was exercised
    assert result.refused > 50  # invalid money, locked tables, no-op edits: refused without an undo step
    soak.finish(path)

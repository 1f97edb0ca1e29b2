"""Opening a large file: the list shows at once, the checks fill in the badges afterwards, and neither a check
that has not run yet nor the integrity check that runs after opening can let a wrong result through."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from desk.domain.model import new_uid
from desk.domain.rules import ProtectedError
from desk.store import Store, db
from desk.ui.app import MainWindow
from desk.ui.session import EditSession
from tests.conftest import ROOT
from tests.helpers import UNIT, good_project

COUNT = 120
BAD = {7, 80, 115}  # positions of the projects with errors (no 项目名称, a plan that does not reach 100)


def make_file(path, count: int = COUNT) -> list[str]:
    """``count`` projects, in one transaction; the ones at BAD have errors. Returns their uids in order."""
    uids = []
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.defer_writes = True
        with store.transaction():
            for i in range(count):
                p = good_project(uid=new_uid(), code=f"13022923P{i:012d}")
                if i in BAD:
                    p = replace(p, name="", plan=replace(p.plan, points=p.plan.points[:3] + (None,)))
                uids.append(store.save_project(p).uid)
        store.defer_writes = False
        store.flush()
    return uids


def open_window(qtbot, path) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    return window


def row_text(window, uid) -> str:
    model = window.list_panel.model
    return model.data(model.index(model.uids.index(uid)))


def settle(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def test_the_list_shows_before_the_checks_and_the_badges_come_after(qtbot, tmp_path):
    path = tmp_path / "large.db"
    uids = make_file(path)
    window = open_window(qtbot, path)
    session = window.session
    assert COUNT > EditSession.FIRST_CHECKS  # a file this large is not checked before the window shows
    # The window is there with every table listed; the far ones say 审核中 and no count yet.
    assert window.list_panel.model.rowCount() == COUNT
    assert window.list_panel.count.text() == f"显示 {COUNT} / 共 {COUNT} 张表"
    assert session.checks_pending and session.known_findings(uids[80]) is None
    far = row_text(window, uids[80])
    assert far.startswith("81. （未命名项目）\n审核中") and "错误" not in far
    # The project shown is checked when it is shown (its check panel is never empty for lack of a check).
    assert window.editor.uid == uids[0] and window.check_panel.summary.text().startswith("✓")
    qtbot.waitUntil(lambda: not session.checks_pending, timeout=20_000)
    for k, uid in enumerate(uids):
        text = row_text(window, uid)
        errors = sum(1 for f in session.findings(uid) if f.severity == "error")
        assert "审核中" not in text
        assert (f"错误 {errors}" in text) == (k in BAD) and (errors > 0) == (k in BAD), (k, text)
    window.close()


def test_a_filter_by_findings_checks_every_table_first(qtbot, tmp_path):
    path = tmp_path / "large.db"
    make_file(path)
    window = open_window(qtbot, path)
    panel = window.list_panel
    assert window.session.checks_pending
    panel.status.setCurrentIndex(panel.status.findData("errors"))
    assert panel.proxy.rowCount() == len(BAD)  # at once, not only the tables checked so far
    window.close()


def test_finalize_is_refused_for_a_table_whose_check_has_not_run(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "large.db"
    uids = make_file(path)
    window = open_window(qtbot, path)
    session, uid = window.session, uids[115]
    assert session.known_findings(uid) is None  # its turn in the background has not come
    with pytest.raises(ProtectedError, match="错误，不能定稿"):
        session.finalize(uid)
    assert session.known_findings(uid)  # checked on demand, and told to the list
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("定稿 was offered for a table with errors"))
    window.list_panel.select(uid)
    window.finalize()
    assert shown and shown[0][0] == "不能定稿" and "项目名称未填写" in shown[0][1]
    window.close()
    with Store.open(path, readonly=True) as store:
        assert not store.project(uid).finalized


def damage_conflicts_table(path) -> None:
    """Overwrite the page of the (empty) conflicts table, which neither opening nor editing reads: only the
    integrity check finds it."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'conflicts'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start:start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


def test_a_damaged_file_found_after_opening_is_never_written_and_said_in_chinese(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "large.db"
    uids = make_file(path)
    damage_conflicts_table(path)
    with pytest.raises(Exception, match="已损坏"):  # the check at open (small files, the command line) refuses it
        Store.open(path, readonly=True)
    before = path.read_bytes()
    monkeypatch.setattr(db, "CHECK_LATER_BYTES", 0)  # this file counts as large: its check runs after opening
    release = threading.Event()
    check = db._LaterCheck._check
    monkeypatch.setattr(db._LaterCheck, "_check", lambda self: (release.wait(30), check(self))[1])
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("asked to keep unsaved changes"))
    window = open_window(qtbot, path)
    session = window.session
    assert not session.readonly and session.document.checked is None
    # An edit while the check runs is taken in memory, and waits for the check before any save.
    assert session.edit(replace(session.project(uids[0]), name="改过的名称"), "修改项目名称")
    settle(0.3)
    assert path.read_bytes() == before
    assert "检查" in window.save_state.text()
    release.set()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    title, text = shown[0]
    assert title == "文件已损坏" and "完整性检查没有通过" in text and "没有写入文件" in text and "只读" in text
    # Read-only from now on: the window says so and refuses edits; nothing reaches the disk, also on closing.
    assert session.readonly and "只读" in window.header.text() and not window.act_new_project.isEnabled()
    assert window.editor.name.isReadOnly()
    with pytest.raises(ProtectedError, match="只读"):
        session.edit(replace(session.project(uids[1]), name="又改了"), "修改项目名称")
    settle(0.3)
    window.close()
    assert path.read_bytes() == before


def test_a_sound_large_file_saves_once_its_check_after_opening_has_passed(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "large.db"
    uids = make_file(path)
    monkeypatch.setattr(db, "CHECK_LATER_BYTES", 0)
    release = threading.Event()
    check = db._LaterCheck._check
    monkeypatch.setattr(db._LaterCheck, "_check", lambda self: (release.wait(30), check(self))[1])
    before = path.read_bytes()
    window = open_window(qtbot, path)
    session = window.session
    assert session.edit(replace(session.project(uids[0]), name="改过的名称"), "修改项目名称")
    settle(0.3)
    assert path.read_bytes() == before  # not before the check has passed
    release.set()
    assert session.wait_saved()
    window.close()
    with Store.open(path, readonly=True) as store:
        assert store.project(uids[0]).name == "改过的名称"


def test_a_table_that_cannot_be_read_does_not_stop_the_other_tables_checks(tmp_path, monkeypatch):
    from desk.ops.document import OpenFile
    from desk.store import DamagedFileError

    path = tmp_path / "大文件.db"
    uids = make_file(path)
    unreadable = uids[3]
    document = OpenFile.open(path)
    try:
        real = document._store.project

        def project(uid):
            if uid == unreadable:
                raise DamagedFileError(path, "项目表内容不符合本程序的格式")
            return real(uid)

        monkeypatch.setattr(document._store, "project", project)
        document.check_all()
        assert not document.unchecked
        for i, uid in enumerate(uids):
            if uid == unreadable:
                assert document.known_findings(uid) is None
                with pytest.raises(DamagedFileError, match="不符合本程序的格式"):
                    document.findings(uid)  # said when the table is asked for
            else:
                assert document.known_findings(uid) is not None, i
                assert bool(document.errors(uid)) == (i in BAD), i
    finally:
        document.close()


# What only later work needs is loaded when that work comes (each costs the window's start-up milliseconds):
# the department table's editor, the save worker's thread pool, uuid (new tables), socket (the host's name on
# Linux and macOS), importlib.resources (the shipped data is found by its path), and what printing, Excel and
# Word files need.
LATER = ("desk.ui.department", "concurrent.futures", "uuid", "importlib.resources", "openpyxl", "docx", "reportlab",
         "sqlite_utils") + (("socket",) if sys.platform != "win32" else ())


def test_the_window_opens_a_file_without_loading_what_only_later_work_needs(tmp_path):
    path = tmp_path / "x.db"
    make_file(path, 30)
    code = ("import sys\nfrom pathlib import Path\nfrom PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\nfrom desk.ui.app import MainWindow, register_fonts\nregister_fonts()\n"
            f"w = MainWindow()\nw.show()\nassert w.open_file(Path({str(path)!r}))\napp.processEvents()\n"
            "shown = w.editor.name.text()\n"
            f"print(shown, sorted(m for m in {LATER!r} if m in sys.modules))\n"
            "w.list_panel.select(w.session.new_department().uid)\napp.processEvents()\n"
            "print(w.right.currentWidget() is w.dept_editor, w.dept_editor.uid is not None)\n"
            "w.close()\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")  # (DESK_HOME: the file is ours)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    first, then = out.stdout.strip().splitlines()[-2:]
    assert first == f"{good_project().name} []"
    assert then == "True True"  # the department table's editor is made when one is shown

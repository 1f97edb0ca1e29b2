"""Kill the program right after an edit: the edit is in the file when it is reopened."""

import os
import signal
import subprocess
import sys

import pytest

from desk.ops import imports as imports_ops
from desk.store import Store
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")


def test_killed_after_an_edit_keeps_the_edit(tmp_path, desk_home):
    path = imports_ops.make_demo(tmp_path / "demo.db")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", DESK_HOME=str(desk_home))
    child = subprocess.Popen([sys.executable, "-m", "tests.ui.crash_child", str(path), "城镇社区工作经费（改）"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "EDITED"
        line = child.stdout.readline().strip()
        assert line.startswith("SAVED"), line + child.stderr.read()
        child.send_signal(signal.SIGKILL)  # no chance to close or flush anything
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    with Store.open(path) as store:
        assert store.projects()[0].name == "城镇社区工作经费（改）"
    save_ms = float(line.split()[1])
    assert save_ms < 5000

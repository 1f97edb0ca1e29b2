"""Every window and dialog fits a 1366×768 laptop at 150 % scaling, buttons in view."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# 1366×768 less a 40-pixel taskbar; at QT_SCALE_FACTOR=1.5 about 910×485 logical pixels
SCREEN = {"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 728,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
EXPECTED = {"main-window", "main-window-grid", "print-preview", "long-message", "import-preview", "new-file",
            "new-consolidated-file", "help", "merge-result", "main-window-consolidated", "overview", "conflicts",
            "review", "main-window-empty-file", "import-word-preview", "library", "library-add"}
# buttons of the main window's 基本信息 page live in a scrolling page: reachable by scrolling
SCROLLED = {"添加", "删除", "上移", "下移"}


@pytest.fixture(scope="module")
def windows(tmp_path_factory):
    work = tmp_path_factory.mktemp("screens")
    config = work / "screen.json"
    config.write_text(json.dumps(SCREEN), "utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_SCALE_FACTOR="1.5", DESK_HOME=str(work / "home"),
               QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    (work / "home").mkdir()
    shots = os.environ.get("DESK_SHOTS")  # set it to keep a PNG of every window
    args = [sys.executable, "-m", "tests.ui.screens_child", str(work)] + ([shots] if shots else [])
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return {w["name"]: w for w in json.loads(result.stdout)}


def test_every_window_was_opened(windows):
    assert set(windows) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_window_opens_inside_the_screen_with_its_buttons_visible(windows, name):
    w = windows[name]
    ax, ay, aw, ah = w["area"]
    assert (aw, ah) == (911, 485)  # the screen really is the small one
    x, y, width, height = w["geometry"]
    assert ax <= x and ay <= y and x + width <= ax + aw and y + height <= ay + ah, w["geometry"]
    assert w["minimum"][0] <= aw and w["minimum"][1] <= ah, w["minimum"]  # it can always be made to fit
    hidden = [b["text"] for b in w["buttons"] if not (b["visible"] and b["inside"]) and b["text"] not in SCROLLED]
    assert hidden == []
    assert w["buttons"] or name.startswith("main-window")

"""A native crash leaves a trace in the log folder; the class of Qt crash we met stays out of the code."""

import ast
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHILD = """
from desk import logs
logs.enable_crash_trace()
import faulthandler
faulthandler._sigsegv()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the child dies of SIGSEGV")
def test_a_native_crash_writes_the_stack_to_the_crash_log(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, DESK_HOME=str(home), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    text = (home / "crash.log").read_text("utf-8")
    assert "--- desk" in text and "Fatal Python error" in text and "Segmentation fault" in text
    assert "<string>" in text  # the Python line that was running


def test_no_qt_dynamic_properties_are_read():
    """QObject.property() on a missing name freed None in PySide6 6.12.0: keep such state in Python."""
    offenders = []
    for path in (ROOT / "desk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("property", "setProperty") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []

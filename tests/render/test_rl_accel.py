"""reportlab's C accelerator (rl-accel) is installed and changes nothing on paper: the same PDF bytes."""

import subprocess
import sys

from desk.ops import exports, imports
from tests.conftest import ROOT


def test_the_accelerator_is_used_and_the_pdf_bytes_are_the_same_without_it(tmp_path):
    import _rl_accel  # noqa: F401 - a dependency: the accelerated functions are there

    demo = imports.make_demo(tmp_path / "demo.db")
    fast = tmp_path / "fast.pdf"
    exports.export_pdf(demo, fast)
    plain = tmp_path / "plain.pdf"
    code = ("import sys; sys.modules['_rl_accel'] = None\n"
            "from desk.ops import exports\n"
            f"exports.export_pdf({str(demo)!r}, {str(plain)!r})\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
    assert fast.read_bytes() == plain.read_bytes()

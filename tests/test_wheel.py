"""The wheel as a clerk's installer would get it: built from a clean checkout, installed into a fresh virtual
environment, run from another folder. It carries forms and resources inside the package, no share/desk
data-files, and pulls in no Qt WebEngine."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

CONSTRAINTS = ROOT / "packaging" / "requirements-windows.txt"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a checkout to build from a clean copy")
    clean = work / "checkout"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clean)], check=True, timeout=120)
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(clean)],
                   check=True, timeout=600)
    (built,) = dist.glob("desk-*.whl")
    return built


def test_the_wheel_carries_forms_and_resources_inside_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    forms = {p.name for p in (ROOT / "forms").glob("*.toml")}
    assert forms and {f"desk/data/forms/{f}" for f in forms} <= names
    for part in ("fonts/uming.ttc", "fonts/hanazono-ext-a.ttf.xz", "demo/yutian-2023.json", "help/1-fill.md",
                 "library/indicators.json"):
        assert f"desk/data/resources/{part}" in names, part
    assert not [n for n in names if ".data/data/" in n or n.startswith(("tests/", "forms/", "resources/"))]


def test_a_fresh_install_runs_from_another_folder_and_has_no_webengine(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel), "-c", str(CONSTRAINTS)], check=True,
                   timeout=900)
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK_HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(bindir / "desk"), "selftest"], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ 打印 PDF" in result.stdout and "✓ 主窗口" in result.stdout
    where = subprocess.run([str(python), "-c", "import desk, PySide6; print(desk.__file__); print(PySide6.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert not where[0].startswith(str(ROOT))  # the installed copy, not the checkout
    site = Path(where[1]).parent.parent
    listed = subprocess.run([str(python), "-m", "pip", "list"], capture_output=True, text=True, check=True).stdout
    assert "PySide6_Addons" not in listed and "PySide6 " not in listed
    assert not list(site.glob("PySide6/**/*WebEngine*.so*")) and not list(site.glob("PySide6/**/*QtPdf*.so*"))
    assert not (venv / "share" / "desk").exists()

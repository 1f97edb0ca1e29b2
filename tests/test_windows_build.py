"""The Windows installer, tested as far as this machine can: every pin resolves as a win_amd64 wheel, the build
script refuses a runtime it cannot verify, and with a stand-in runtime it compiles a setup .exe with makensis,
the same bytes twice, holding the program, its data and a slim Qt. (Running the installer needs Windows:
.github/workflows/windows.yml.)"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "packaging"))
import build_windows  # noqa: E402

pytestmark = pytest.mark.slow


def stand_in_runtime(folder: Path) -> Path:
    """A zip shaped as python.org's embeddable runtime (no real Windows binaries)."""
    path = folder / "python-3.11.9-embed-amd64.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("python.exe", b"MZ stand-in")
        z.writestr("pythonw.exe", b"MZ stand-in")
        z.writestr("python311._pth", "python311.zip\r\n.\r\n")
        z.writestr("python311.zip", b"PK\x05\x06" + b"\0" * 18)
    return path


def test_every_pin_is_a_win_amd64_wheel(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", "win_amd64",
         "--python-version", "311", "--implementation", "cp", "-r", str(build_windows.CONSTRAINTS),
         "-d", str(tmp_path)], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    pins = [line.split("==")[0].lower().replace("-", "_").replace(".", "_") for line in build_windows.CONSTRAINTS.read_text("utf-8")
            .splitlines() if "==" in line and not line.startswith("#")]
    got = {p.name.split("-")[0].lower().replace("-", "_") for p in tmp_path.glob("*.whl")}
    assert set(pins) <= got, set(pins) - got


def test_a_runtime_whose_hash_is_not_pinned_is_refused(tmp_path):
    runtime = stand_in_runtime(tmp_path)
    with pytest.raises(build_windows.BuildError, match="not the pinned"):
        build_windows.verify_runtime(runtime, allow_unverified=False)
    assert build_windows.verify_runtime(runtime, allow_unverified=True) == "3.11.9"
    wrong = tmp_path / "python-3.12.0-embed-amd64.zip"
    shutil.copyfile(runtime, wrong)
    with pytest.raises(build_windows.BuildError, match="official embeddable runtime"):
        build_windows.verify_runtime(wrong, allow_unverified=True)


@pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis (NSIS) is not installed: apt-get install nsis")
def test_the_installer_compiles_the_same_twice_with_the_program_inside(tmp_path):
    pytest.importorskip("nsist", reason="pynsist is not installed")
    runtime = stand_in_runtime(tmp_path)
    first = build_windows.build(runtime, tmp_path / "out1", allow_unverified=True, fast=True, work=tmp_path / "w1")
    assert first.name.startswith("desk-") and first.name.endswith("-setup.exe")
    assert first.read_bytes()[:2] == b"MZ" and first.stat().st_size > 30 * 2**20
    build = tmp_path / "w1" / "build"
    nsi = (build / "installer.nsi").read_text("utf-8")
    for needed in ('MUI_LANGUAGE "SimpChinese"', "RequestExecutionLevel user", r"$LOCALAPPDATA\Programs",
                   r'$SMPROGRAMS\${PRODUCT_NAME}.lnk', r"Software\Classes\.db\OpenWithProgids", '!define PRODUCT_NAME "绩效目标表"',
                   'WriteUninstaller "$INSTDIR\\uninstall.exe"', "SetDateSave off"):
        assert needed in nsi, needed
    assert "HKLM" not in nsi and "Software\\Classes\\.db\" \"\"" not in nsi  # no admin rights, .db not taken over
    pkgs = build / "pkgs"
    assert (pkgs / "desk" / "data" / "forms" / "hebei-project.toml").is_file()
    assert (pkgs / "desk" / "data" / "resources" / "fonts" / "uming.ttc").is_file()
    assert (pkgs / "PySide6" / "QtPrintSupport.pyd").is_file() and (pkgs / "pypdfium2_raw").is_dir()
    assert not list(pkgs.glob("PySide6/*WebEngine*")) and not list(pkgs.glob("PySide6/Qt6Quick*"))
    assert not (pkgs / "PySide6" / "qml").exists() and not (pkgs / "PySide6" / "opengl32sw.dll").exists()
    assert "..\\pkgs" in (build / "Python" / "python311._pth").read_text("utf-8")
    assert (build / "desk_launch.pyw").is_file() and (build / "desk.ico").is_file()
    second = build_windows.build(runtime, tmp_path / "out2", allow_unverified=True, fast=True, work=tmp_path / "w2",
                                 wheelhouse=None)
    assert second.read_bytes() == first.read_bytes()  # reproducible: the same inputs, the same installer

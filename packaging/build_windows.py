"""Build the Windows installer: desk-<version>-setup.exe, with pynsist and NSIS, the same way every time.

    python packaging/build_windows.py --runtime python-3.11.9-embed-amd64.zip --out DIR

- The runtime is the official embeddable CPython for Windows (from python.org). Its SHA-256 must be the one
  pinned in RUNTIMES below; ``--allow-unverified-runtime`` (tests only) accepts a stand-in zip.
- The program is the wheel built from this checkout; its dependencies are the win_amd64 wheels of the pins in
  packaging/requirements-windows.txt (``pip download --platform win_amd64 --only-binary=:all:``), or those
  in ``--wheelhouse``.
- Qt parts the program does not use (Quick/QML, Designer, the tools, OpenGL's software renderer, WebEngine's
  ICU data) are left out.
- The installer (packaging/windows/desk.nsi): Chinese, per user into %LOCALAPPDATA%\\Programs\\绩效目标表 with
  no admin rights, a Start-menu shortcut 绩效目标表 with the program's icon, offered for .db files under
  OpenWithProgids, and an uninstaller that leaves the clerk's files.
- Reproducible: SOURCE_DATE_EPOCH-free inputs, files sorted, no file times stored (SetDateSave off), one
  fixed build folder name; see ``--check-reproducible``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "packaging" / "requirements-windows.txt"
TEMPLATE = ROOT / "packaging" / "windows" / "desk.nsi"
ICON = ROOT / "resources" / "icons" / "desk.ico"
APP_NAME = "绩效目标表"
# The official embeddable runtimes this build accepts: file name -> SHA-256 (from python.org's release page).
# Empty until it is filled in from python.org on a machine that can fetch the file: an official build
# refuses any runtime whose hash is not listed here.
RUNTIMES: dict[str, str] = {}
RUNTIME_NAME = re.compile(r"^python-(3\.11\.\d+)-embed-amd64\.zip$")
# Qt parts the program does not use (it needs QtCore, QtGui, QtWidgets and QtPrintSupport)
EXCLUDE = [
    "pkgs/PySide6/opengl32sw.dll", "pkgs/PySide6/resources/*", "pkgs/PySide6/qml/*", "pkgs/PySide6/Qt6Quick*",
    "pkgs/PySide6/Qt6Qml*", "pkgs/PySide6/Qt6Designer*", "pkgs/PySide6/Qt6Labs*", "pkgs/PySide6/Qt6VirtualKeyboard*",
    "pkgs/PySide6/Qt6Help*", "pkgs/PySide6/Qt6Sql*", "pkgs/PySide6/Qt6Test*", "pkgs/PySide6/Qt6ShaderTools*",
    "pkgs/PySide6/QtQuick*", "pkgs/PySide6/QtQml*", "pkgs/PySide6/QtDesigner*", "pkgs/PySide6/QtHelp*",
    "pkgs/PySide6/QtSql*", "pkgs/PySide6/QtTest*", "pkgs/PySide6/QtUiTools*", "pkgs/PySide6/QtOpenGL*",
    "pkgs/PySide6/*.exe", "pkgs/PySide6/*.pyi", "pkgs/PySide6/metatypes/*", "pkgs/PySide6/typesystems/*",
    "pkgs/PySide6/include/*", "pkgs/PySide6/glue/*", "pkgs/PySide6/scripts/*", "pkgs/PySide6/plugins/designer/*",
    "pkgs/PySide6/plugins/qmltooling/*", "pkgs/PySide6/plugins/sqldrivers/*", "pkgs/PySide6/plugins/qmllint/*",
    "pkgs/PySide6/plugins/qmlls/*", "pkgs/PySide6/translations/qtwebengine*", "pkgs/PySide6/translations/designer*",
    "pkgs/PySide6/translations/linguist*", "pkgs/PySide6/translations/assistant*",
]
LAUNCHER = '''"""Start 绩效目标表 (desk) from the Start menu or a double-clicked .db file."""
import os
import sys

if sys.stdout is None or sys.stderr is None:  # pythonw: no console; messages go to the window and the log
    sys.stdout = sys.stdout or open(os.devnull, "w", encoding="utf-8")
    sys.stderr = sys.stderr or open(os.devnull, "w", encoding="utf-8")

from desk.cli import entry

sys.exit(entry())
'''


class BuildError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_runtime(runtime: Path, allow_unverified: bool) -> str:
    """The runtime's Python version, after its name and hash are checked."""
    m = RUNTIME_NAME.match(runtime.name)
    if not m:
        raise BuildError(f"{runtime.name}: expected an official embeddable runtime, python-3.11.N-embed-amd64.zip")
    digest = sha256(runtime)
    pinned = RUNTIMES.get(runtime.name)
    if pinned != digest and not allow_unverified:
        raise BuildError(f"{runtime.name}: SHA-256 {digest} is not the pinned {pinned or '(none pinned)'}; "
                         "refusing to build (pass --allow-unverified-runtime only for tests)")
    with zipfile.ZipFile(runtime) as z:
        if not any(n.lower() == "python.exe" for n in z.namelist()):
            raise BuildError(f"{runtime.name}: no python.exe inside")
    return m.group(1)


def build_wheel(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True)
    (wheel,) = out.glob("desk-*.whl")
    return wheel


def download_wheels(wheel: Path, out: Path, py_version: str) -> list[Path]:
    """The win_amd64 wheels of every runtime dependency, at the pinned versions."""
    major_minor = "".join(py_version.split(".")[:2])
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--platform", "win_amd64",
                    "--python-version", major_minor, "--implementation", "cp", "-c", str(CONSTRAINTS),
                    "-d", str(out), str(wheel)], check=True)
    return sorted(p for p in out.glob("*.whl") if not p.name.startswith("desk-"))


def build(runtime: Path, out: Path, *, wheelhouse: Path | None = None, allow_unverified: bool = False,
          fast: bool = False, work: Path | None = None) -> Path:
    from nsist import InstallerBuilder

    import desk

    py_version = verify_runtime(runtime, allow_unverified)
    if shutil.which("makensis") is None:
        raise BuildError("makensis not found: install NSIS (Debian: apt-get install nsis)")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(work or tempfile.mkdtemp(prefix="desk-build-"))
    cache = work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(runtime, cache / runtime.name)  # pynsist takes the runtime from its cache, never the network
    os.environ["PYNSIST_CACHE_DIR"] = str(cache)
    wheels_dir = work / "wheels"
    wheels_dir.mkdir(exist_ok=True)
    wheel = build_wheel(wheels_dir)
    deps = sorted(wheelhouse.glob("*.whl")) if wheelhouse else download_wheels(wheel, wheels_dir, py_version)
    if not any(p.name.lower().startswith("pyside6_essentials") for p in deps):
        raise BuildError("no PySide6_Essentials win_amd64 wheel among the dependencies")
    launcher = work / "desk_launch.pyw"
    launcher.write_text(LAUNCHER, "utf-8")
    template = work / "desk.nsi"
    template.write_text(TEMPLATE.read_text("utf-8").replace("[[ compressor ]]", "zlib" if fast else "lzma"),
                        "utf-8")
    installer_name = f"desk-{desk.__version__}-setup.exe"
    build_dir = work / "build"  # one fixed name: the paths inside the installer do not depend on a temp name
    builder = InstallerBuilder(
        APP_NAME, desk.__version__, {}, icon=str(ICON), packages=[],
        extra_files=[(str(launcher), "$INSTDIR"), (str(ICON), "$INSTDIR")],
        py_version=py_version, py_bitness=64, py_format="bundled", inc_msvcrt=False, build_dir=str(build_dir),
        installer_name=installer_name, nsi_template=template.name, exclude=EXCLUDE,
        local_wheels=[str(wheel)] + [str(p) for p in deps])
    here = Path.cwd()
    os.chdir(work)  # pynsist finds its template by a name relative to the working folder
    try:
        code = builder.run(makensis=True)
    finally:
        os.chdir(here)
    if code:
        raise BuildError(f"makensis failed (exit {code})")
    target = out / installer_name
    shutil.copyfile(build_dir / installer_name, target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", required=True, type=Path, help="python-3.11.N-embed-amd64.zip from python.org")
    parser.add_argument("--out", required=True, type=Path, help="folder for desk-<version>-setup.exe")
    parser.add_argument("--wheelhouse", type=Path, help="win_amd64 wheels already downloaded (default: download)")
    parser.add_argument("--allow-unverified-runtime", action="store_true", help="tests only: a stand-in runtime")
    parser.add_argument("--fast", action="store_true", help="zlib instead of lzma (tests)")
    parser.add_argument("--work", type=Path, help="build folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    try:
        target = build(args.runtime, args.out, wheelhouse=args.wheelhouse,
                       allow_unverified=args.allow_unverified_runtime, fast=args.fast, work=args.work)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"build_windows: {exc}", file=sys.stderr)
        return 2
    print(f"{target}  {target.stat().st_size // 2**20} MB  sha256 {sha256(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

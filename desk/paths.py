"""Where the program finds its shipped data and keeps its per-user data."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _install_root() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS).
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    source = Path(__file__).resolve().parent.parent
    if (source / "forms").is_dir():
        return source  # a source checkout or an editable install
    return Path(sys.prefix) / "share" / "desk"  # pip install . (data-files)


def forms_dir() -> Path:
    return _install_root() / "forms"


def resources_dir() -> Path:
    return _install_root() / "resources"


def user_data_dir() -> Path:
    """Per-user folder for settings, logs and the demo file.

    ``DESK_HOME`` overrides it (tests, portable installs).
    """
    override = os.environ.get("DESK_HOME")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "desk"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "desk"
    base.mkdir(parents=True, exist_ok=True)
    return base

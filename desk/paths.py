"""Where the program finds its shipped data and keeps its per-user data."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path


def _package_dir(folder: str) -> Path:
    """The folder of a data package (desk.data.forms, desk.data.resources) as a real path.

    A wheel carries forms/ and resources/ inside the package, as desk/data/forms and desk/data/resources,
    wherever it was installed. A frozen build keeps them beside the program; a source checkout (or an
    editable install) reads the top-level folders themselves. (Found without importlib.resources, which
    costs the window's start-up about 10 ms.)"""
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data next to the executable
    if frozen:
        return Path(frozen) / folder
    here = Path(__file__).resolve().parent
    installed = here / "data" / folder
    if installed.is_dir():
        return installed
    return here.parent / folder


@lru_cache(maxsize=None)
def forms_dir() -> Path:
    return _package_dir("forms")


@lru_cache(maxsize=None)
def resources_dir() -> Path:
    return _package_dir("resources")


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

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def desk_home(tmp_path_factory, monkeypatch):
    """Each test gets its own per-user folder (settings, installation id, log)."""
    home = tmp_path_factory.mktemp("desk-home")
    monkeypatch.setenv("DESK_HOME", str(home))
    return home


@pytest.fixture
def demo_json() -> Path:
    return ROOT / "resources" / "demo" / "yutian-2023.json"


@pytest.fixture
def python_exe() -> str:
    return sys.executable

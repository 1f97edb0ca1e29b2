"""README, `desk --help` and the code stay in step."""

import re

from desk.cli import COMMANDS
from desk.domain.checks import RULES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def test_readme_lists_every_check_code_with_its_severity():
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| (错误|提示|建议) \|", README, flags=re.M))
    assert set(rows) == set(RULES)
    labels = {"error": "错误", "warning": "提示", "suggestion": "建议"}
    for code, (severity, _) in RULES.items():
        assert rows[code] == labels[severity], code


def test_readme_documents_every_command():
    for name in COMMANDS:
        assert f"`desk {name}" in README, name


CONSTRAINTS = "-c packaging/requirements-windows.txt"


def test_readme_has_the_two_quick_start_commands_with_the_tested_versions():
    assert f"python -m pip install -e . {CONSTRAINTS} && python -m desk --demo" in README
    marker = README.index("<!-- ci:")
    block = README[marker:].split("```")[1]
    assert block.strip().splitlines()[-1] == f'python -m pip install -e ".[test]" {CONSTRAINTS} && python -m pytest'


def test_the_constraints_pin_every_dependency_and_a_qt_without_the_property_crash():
    pins = dict(line.split("==") for line in (ROOT / "packaging" / "requirements-windows.txt").read_text("utf-8")
                .splitlines() if "==" in line and not line.startswith("#"))
    for name in ("PySide6_Essentials", "shiboken6", "sqlite-utils", "openpyxl", "reportlab", "rl-accel", "pypdfium2",
                 "python-docx", "pytest", "pytest-qt", "hypothesis", "pdfplumber"):
        assert name in pins, name
    assert pins["PySide6_Essentials"] != "6.12.0"  # QObject.property() of a missing name frees None there
    assert "PySide6" not in pins and "PySide6_Addons" not in pins  # no WebEngine: Essentials only

"""The architecture of DESIGN.md §2, checked on the imports of every module."""

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "desk"
SQL_STATEMENTS = [re.compile(p, re.I) for p in (
    r"\bSELECT\b[^\n]*\bFROM\b", r"\bINSERT\s+INTO\b", r"\bUPDATE\s+\w+\s+SET\b", r"\bCREATE\s+TABLE\b",
    r"\bDELETE\s+FROM\b")] + [re.compile(r"\bPRAGMA\s+\w+")]  # upper case: not “# pragma: no cover”


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def _uses(names: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {n for n in names if n.split(".")[0] in prefixes or n.startswith(prefixes)}


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_has_no_qt_no_sql_and_no_upper_layers(path):
    names = imports_of(path)
    assert not _uses(names, ("PySide6", "sqlite3", "sqlite_utils", "reportlab", "openpyxl"))
    assert not {n for n in names if n.startswith(("desk.store", "desk.ui", "desk.io", "desk.render", "desk.forms",
                                                     "desk.cli", "desk.ops"))}


def test_only_the_store_touches_sqlite():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "store" in path.relative_to(PACKAGE).parts:
            continue
        if _uses(imports_of(path), ("sqlite3", "sqlite_utils")):
            offenders.append(str(path.relative_to(ROOT)))
        text = path.read_text("utf-8")
        for statement in SQL_STATEMENTS:
            assert not statement.search(text), f"SQL in {path}"
    assert offenders == []


@pytest.mark.parametrize("sub", ["store", "io", "render"])
def test_lower_layers_do_not_import_qt(sub):
    for path in modules(sub):
        assert not _uses(imports_of(path), ("PySide6",)), path
        assert not {n for n in imports_of(path) if n.startswith(("desk.ui", "desk.cli"))}, path


def _all_imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) of every import in a file."""
    tree = ast.parse(path.read_text("utf-8"))
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, id(node) in top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


FRONT_ENDS_MAY_USE = ("desk.ops", "desk.domain", "desk.forms", "desk.errors", "desk.logs", "desk.paths", "desk.ui")


@pytest.mark.parametrize("path", [*modules("ui"), PACKAGE / "cli.py"], ids=lambda p: p.name)
def test_front_ends_reach_files_only_through_the_operations_layer(path):
    """The GUI and the CLI call desk.ops; neither touches the store, the readers or the renderers."""
    own = {name for name, _ in _all_imports(path) if name.startswith("desk.") or name == "desk"}
    assert {n for n in own if n != "desk" and not n.startswith(FRONT_ENDS_MAY_USE)} == set()


def test_the_operations_layer_replaced_services_and_imports_at_the_top():
    assert not (PACKAGE / "services.py").exists()
    for path in modules("ops"):
        nested = [name for name, top in _all_imports(path) if not top]
        assert nested == [], f"{path.name} imports inside functions: {nested}"
        assert not _uses(imports_of(path), ("PySide6",)), path
        assert not {n for n in imports_of(path) if n.startswith(("desk.ui", "desk.cli"))}, path

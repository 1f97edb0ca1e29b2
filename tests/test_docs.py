"""README, `desk --help` and the code stay in step."""

import re

from desk.cli import COMMANDS
from desk.domain.checks import RULES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def test_readme_lists_every_check_code_with_its_severity():
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| (错误|提示) \|", README, flags=re.M))
    assert set(rows) == set(RULES)
    for code, (severity, _) in RULES.items():
        assert rows[code] == ("错误" if severity == "error" else "提示"), code


def test_readme_documents_every_command():
    for name in COMMANDS:
        assert f"`desk {name}" in README, name


def test_readme_has_the_two_quick_start_commands():
    assert "python -m pip install -e . && python -m desk --demo" in README
    marker = README.index("<!-- ci:")
    block = README[marker:].split("```")[1]
    assert block.strip().splitlines()[-1] == 'python -m pip install -e ".[test]" && python -m pytest'

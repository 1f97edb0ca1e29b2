"""The Windows workflow builds with the same script the Linux tests use, installs, runs selftest, uninstalls."""

from tests.conftest import ROOT

WORKFLOW = (ROOT / ".github" / "workflows" / "windows.yml").read_text("utf-8")


def test_the_windows_workflow_uses_the_same_build_script_and_checks_the_install():
    assert "runs-on: windows-latest" in WORKFLOW
    assert "python packaging/build_windows.py --runtime" in WORKFLOW
    assert "-c packaging/requirements-windows.txt" in WORKFLOW
    for step in ("ArgumentList '/S'", "-m desk selftest", "OpenWithProgids", "uninstall.exe", "绩效目标表.lnk"):
        assert step in WORKFLOW, step

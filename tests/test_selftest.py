"""desk selftest: every part once, offline; a failing part is named and the rest still run."""

from desk.cli import main
from desk.errors import DeskError
from desk.ops import exports


def test_selftest_passes_here_and_reports_each_step(capsys):
    assert main(["selftest"]) == 0
    out = capsys.readouterr().out
    for step in ("表样", "新建文件", "导入示例", "审核", "打印 PDF", "导出、读回 Excel", "导出、读回 Word", "汇总两个文件",
                 "指标库", "主窗口"):
        assert f"✓ {step}（" in out, step
    assert "自检通过：10 项全部正常" in out and "秒" in out


def test_a_failing_step_is_named_and_the_others_run(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise DeskError("打印机驱动坏了")

    monkeypatch.setattr(exports, "export_pdf", broken)
    assert main(["selftest", "--no-window"]) == 1
    out = capsys.readouterr().out
    assert "✗ 打印 PDF" in out and "打印机驱动坏了" in out
    assert "✓ 汇总两个文件" in out and "自检未通过：1 项失败" in out


def test_with_no_console_as_under_pythonw_messages_do_not_crash(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert main(["check", "/nonexistent/不存在.db"]) == 2  # the message has nowhere to go; no AttributeError

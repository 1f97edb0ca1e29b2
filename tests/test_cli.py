"""The desk command: help, exit codes, one Chinese line per error, never a traceback."""

import json
import os
import subprocess
import sys

import pytest

from desk import __version__
from desk.cli import COMMANDS, main
from desk.store import Store
from tests.conftest import ROOT


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：desk")
    for name in COMMANDS:
        assert name in out
    assert "--demo" in out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"desk {__version__}"


def test_new_import_export_check_copy(capsys, tmp_path, demo_json, monkeypatch):
    db = tmp_path / "无终.db"
    code, out, _ = run(capsys, "new", str(db), "--unit-code", "439001", "--unit-name", "玉田县无终街道办事处本级",
                       "--year", "2023")
    assert code == 0 and "已新建" in out
    code, out, _ = run(capsys, "import-json", str(demo_json), "--db", str(db))
    assert code == 0 and "新增 7 个" in out

    code, out, _ = run(capsys, "export-json", str(db))
    assert code == 0
    exported = json.loads(out)
    assert json.loads(demo_json.read_text("utf-8")) == exported

    code, out, _ = run(capsys, "check", str(db), "--json")
    findings = json.loads(out)
    assert code == 1, "the sample's last table lacks 效益/满意度: errors exist"
    assert all(set(f) == {"code", "severity", "project_uid", "project", "field", "message", "fix"} for f in findings)
    missing = [f for f in findings if f["code"] == "IND_MISSING_L1"]
    assert {f["project"] for f in missing} == {"招聘社区工作者工资保险"}

    code, out, _ = run(capsys, "check", str(db))
    assert code == 1 and "[错误] 招聘社区工作者工资保险" in out and "共审核 7 张表" in out

    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "export-copy", str(db))
    assert code == 0 and (tmp_path / "439001_玉田县无终街道_2023.db").exists()


def test_check_passes_with_exit_zero_when_clean(capsys, tmp_path):
    db = tmp_path / "a.db"
    assert run(capsys, "new", str(db), "--unit-code", "1", "--unit-name", "单位", "--year", "2024")[0] == 0
    code, out, _ = run(capsys, "check", str(db), "--json")
    assert code == 0 and json.loads(out) == []


def test_import_json_creates_the_file(capsys, tmp_path, demo_json):
    db = tmp_path / "new.db"
    code, out, _ = run(capsys, "import-json", str(demo_json), "--db", str(db))
    assert code == 0 and "已新建文件并导入" in out
    with Store.open(db) as store:
        assert store.unit().code == "439001" and store.year() == 2023 and store.project_count() == 7


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check"], "缺少参数"),
        (["check", "{missing}"], "找不到文件"),
        (["check", "{text}"], "不是绩效目标表数据文件"),
        (["new", "{db}", "--unit-code", "1", "--unit-name", "x", "--year", "abc"], "不是整数"),
        (["import-json", "{text}", "--db", "{db}"], "不是有效的 JSON"),
        (["import-json", "{missing}", "--db", "{db}"], "找不到文件"),
        (["export-json", "{text}"], "不是绩效目标表数据文件"),
        (["frobnicate"], "命令行有误"),
    ],
)
def test_errors_are_one_chinese_line(capsys, tmp_path, argv, message):
    text = tmp_path / "notes.txt"
    text.write_text("不是数据库", "utf-8")
    values = {"missing": str(tmp_path / "none.db"), "text": str(text), "db": str(tmp_path / "out.db")}
    code, out, err = run(capsys, *[a.format(**values) for a in argv])
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and message in lines[0]
    assert "Traceback" not in err + out
    assert not (tmp_path / "out.db").exists()


def test_unexpected_errors_go_to_the_log(capsys, monkeypatch, desk_home, tmp_path):
    from desk import cli

    def boom(args):
        raise RuntimeError("internal detail")

    monkeypatch.setitem(cli.HANDLERS, "check", boom)
    code, out, err = run(capsys, "check", str(tmp_path / "x.db"))
    assert code == 3
    assert err.startswith("内部错误") and "Traceback" not in err and "internal detail" not in err
    assert "internal detail" in (desk_home / "desk.log").read_text("utf-8")


def test_console_script_and_demo_gui_start(tmp_path, desk_home):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK_HOME=str(desk_home), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "desk", "--demo", "--quit-after", "300"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    demo = desk_home / "示例_玉田县无终街道_2023.db"
    with Store.open(demo, readonly=True) as store:
        assert store.project_count() == 7


def test_json_through_stdin_and_output_file(capsys, tmp_path, demo_json, monkeypatch):
    import io

    db = tmp_path / "a.db"
    monkeypatch.setattr("sys.stdin", io.StringIO(demo_json.read_text("utf-8")))
    code, out, _ = run(capsys, "import-json", "-", "--db", str(db))
    assert code == 0 and "新增 7 个" in out
    target = tmp_path / "out.json"
    code, _, err = run(capsys, "export-json", str(db), "-o", str(target))
    assert code == 0 and "已导出" in err
    assert json.loads(target.read_text("utf-8")) == json.loads(demo_json.read_text("utf-8"))


def test_writing_to_someone_elses_file_needs_take_over(capsys, tmp_path, demo_json, monkeypatch):
    db = tmp_path / "office.db"
    assert run(capsys, "new", str(db), "--unit-code", "439001", "--unit-name", "玉田县无终街道办事处本级",
               "--year", "2023")[0] == 0
    monkeypatch.setenv("DESK_HOME", str(tmp_path / "new-computer"))
    before = db.read_bytes()
    code, _, err = run(capsys, "import-json", str(demo_json), "--db", str(db))
    assert code == 2 and "--take-over" in err and db.read_bytes() == before
    code, out, _ = run(capsys, "import-json", str(demo_json), "--db", str(db), "--take-over")
    assert code == 0 and "新增 7 个" in out


def test_export_pdf_command(capsys, tmp_path, demo_json):
    db = tmp_path / "a.db"
    assert run(capsys, "import-json", str(demo_json), "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "export-pdf", str(db), "-o", str(tmp_path / "a.pdf"))
    assert code == 0 and "已生成 PDF" in out
    code, out, _ = run(capsys, "export-pdf", str(db), "-o", str(tmp_path / "b.pdf"))
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    code, out, _ = run(capsys, "export-pdf", str(db), "--split", str(tmp_path / "each"),
                       "--form", "hebei-project-split", "--project", "13022923P00JXC4150646")
    assert code == 0 and [p.name for p in (tmp_path / "each").iterdir()] == ["13022923P00JXC4150646_维稳经费.pdf"]
    code, _, err = run(capsys, "export-pdf", str(db))
    assert code == 2 and "-o" in err
    code, _, err = run(capsys, "export-pdf", str(db), "-o", str(tmp_path / "c.pdf"), "--form", "department")
    assert code == 2 and "不是项目支出绩效目标表" in err and not (tmp_path / "c.pdf").exists()
    code, _, err = run(capsys, "export-pdf", str(db), "-o", str(tmp_path / "c.pdf"), "--font", str(tmp_path / "x.otf"))
    assert code == 2 and "找不到字体文件" in err


def test_a_reader_that_goes_away_is_not_an_internal_error(tmp_path, demo_json):
    db = tmp_path / "a.db"
    assert main(["import-json", str(demo_json), "--db", str(db)]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "desk", "export-json", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=str(ROOT))
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    assert proc.wait(timeout=60) == 0
    assert "内部错误" not in proc.stderr.read().decode("utf-8")

"""Terminal escapes and bidi overrides in people's text never reach a terminal, a log or a message box raw;
the data itself stays as it was written."""

import json
import logging

from desk.cli import main
from desk.errors import shown
from desk.ops import merge as merge_ops
from desk.store import Store
from tests.helpers import UNIT, good_project

HOSTILE = "清屏\x1b[2J\x1b]0;标题\x07回车\r覆盖\u202e反向\u2066隔离\u200f标记"
RAW = ("\x1b", "\x07", "\r", "\u202e", "\u2066", "\u200f")


def hostile_file(tmp_path):
    path = tmp_path / "office.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(good_project(name=HOSTILE, code="X1", goals=()))  # GOALS_MISSING names the project
    return path


def test_shown_escapes_only_what_is_unsafe_and_keeps_json_valid():
    text = shown(HOSTILE + "\n第二行\t制表")
    assert not any(ch in text for ch in RAW)
    assert "\\u001b[2J" in text and "\\u202e" in text and "\n第二行\t制表" in text
    assert json.loads(shown(json.dumps({"name": HOSTILE}, ensure_ascii=False)))["name"] == HOSTILE


def test_cli_output_is_escaped_and_the_data_unchanged(tmp_path, capsys):
    path = hostile_file(tmp_path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "清屏\\u001b[2J" in out and not any(ch in out for ch in RAW)
    assert main(["check", str(path), "--json"]) == 1
    out = capsys.readouterr().out
    assert not any(ch in out for ch in RAW)
    assert json.loads(out)[0]["project"] == HOSTILE  # the JSON still says exactly what was written
    assert main(["export-json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["projects"][0]["name"] == HOSTILE
    out_path = tmp_path / "汇总.db"
    report = merge_ops.merge_files(out_path, [path, path.with_name("missing\x1b[2J.db")])
    assert report.refused
    assert main(["merge", str(out_path), str(path), str(path.with_name("missing\x1b[2J.db"))]) in (0, 1)
    out = capsys.readouterr()
    assert not any(ch in out.out + out.err for ch in RAW)
    with Store.open(path) as store:
        assert store.projects()[0].name == HOSTILE


def test_logs_and_message_boxes_show_it_escaped(tmp_path, monkeypatch, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from desk import logs
    from desk.ui.dialogs import explain

    logger = logs.setup()
    logger.error("项目 %s 出错", HOSTILE)
    (handler,) = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    handler.flush()
    with open(handler.baseFilename, encoding="utf-8") as fh:  # the log file, wherever it was opened
        text = fh.read()
    assert "清屏\\u001b[2J" in text and not any(ch in text for ch in RAW)
    shown_texts = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown_texts.append(text))
    explain(None, "无法打开文件", f"项目“{HOSTILE}”有问题")
    assert shown_texts and not any(ch in shown_texts[0] for ch in RAW) and "\\u202e" in shown_texts[0]

"""The 指标库: the shipped library holds only what public disclosures wrote, with their sources; a file's own
indicators and the office's entries join it; search, ranking, export, add and remove."""

import json
import re
from pathlib import Path

import pytest
from dataclasses import replace

from openpyxl import load_workbook

from desk.cli import main
from desk.domain.library import FILE, OWN, SHIPPED, LibraryEntry, combine, complete, from_tables, ranked, search
from desk.domain.model import Indicator
from desk.errors import DeskError
from desk.ops import exports, imports as imports_ops, library
from desk.ops.document import OpenFile
from desk.store import Store
from tests.conftest import ROOT, SAMPLES
from tests.helpers import UNIT, good_project

SAMPLE_TEXT = ROOT / "tests" / "data" / "samples"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_shipped_entry_is_written_in_its_disclosure():
    data = json.loads((ROOT / "resources" / "library" / "indicators.json").read_text("utf-8"))
    texts = {s["source"]: squeeze((ROOT / s["text"]).read_text("utf-8")) for s in data["sources"]}
    assert len(data["entries"]) >= 80
    for e in data["entries"]:
        text = texts[e["source"]]  # every entry names one of the disclosures
        for key in ("name", "description", "value", "basis"):
            assert squeeze(e[key]) in text, (key, e)
        assert e["level1"] and e["count"] >= 1 and e["year"] in (2021, 2023)


def test_the_shipped_file_is_what_the_build_script_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_library", ROOT / "packaging" / "build_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.text() == (ROOT / "resources" / "library" / "indicators.json").read_text("utf-8")


def entry(name, value="≥90%", *, count=1, year=2023, origin=FILE, level1="满意度指标", level2="服务对象满意度指标"):
    return LibraryEntry(level1, level2, name, "", value, "", count, year, "x", origin)


def test_ranking_weighs_uses_by_how_recent_they_are():
    old_often = entry("群众满意度", count=4, year=2019)
    recent = entry("群众满意率", count=2, year=2024)
    once_long_ago = entry("群众满意程度", count=1, year=2015)
    assert [e.name for e in ranked([once_long_ago, old_often, recent], 2025)] == ["群众满意率", "群众满意度", "群众满意程度"]


def test_the_same_indicator_from_several_places_is_one_entry():
    p1 = replace(good_project(), year=2023, name="甲项目")
    p2 = replace(good_project(), year=2024, name="乙项目")
    found = from_tables([p1, p2])
    assert all(e.count == 2 and e.year == 2024 and "甲项目" in e.source and "乙项目" in e.source for e in found)
    shipped = [replace(found[0], origin=SHIPPED, source="公开资料", count=3, year=2021)]
    merged = combine(found, shipped)
    first = next(e for e in merged if e.key == found[0].key)
    assert first.count == 5 and first.origin == FILE and "公开资料" in first.source
    assert combine(found, hidden=[found[0].key]) == found[1:]


def test_completion_filters_by_levels_and_puts_beginnings_first():
    items = [entry("服务对象满意度"), entry("群众满意度"), entry("满意度调查覆盖率"),
             entry("满意度", level1="效益指标", level2="社会效益指标")]
    assert [e.name for e in complete(items, "满意", level1="满意度指标")] == ["满意度调查覆盖率", "服务对象满意度",
                                                                             "群众满意度"]
    assert [e.name for e in complete(items, "满意", level1="满意度指标", level2="满意")] == [
        "满意度调查覆盖率", "服务对象满意度", "群众满意度"]  # a 二级 written another way narrows by 一级 only
    assert search(items, "群众 满意") == [items[1]]


def test_library_search_json_gives_shipped_entries_with_sources_then_an_imported_files_too(tmp_path, capsys):
    assert main(["library", "search", "满意度", "--json"]) == 0
    shipped = json.loads(capsys.readouterr().out)
    words = ("name", "description", "value", "basis", "level1", "level2")
    assert shipped and all("满意度" in "".join(e[k] for k in words) for e in shipped)
    assert {k for e in shipped for k in e} >= {"level1", "level2", "name", "description", "value", "basis", "count",
                                               "source"}
    assert all(e["source"].endswith("（公开文本）") for e in shipped)
    db = tmp_path / "f.db"
    with Store.create(db, unit=UNIT, year=2024) as store:
        store.save_project(replace(good_project(), indicators=(
            Indicator("满意度指标", "服务对象满意度指标", "辖区商户满意度", "抽样调查", "≥", "88", "%", "商户调查"),)))
    assert main(["library", "search", "商户", "--db", str(db), "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert (found["name"], found["value"], found["count"]) == ("辖区商户满意度", "≥88%", 1)
    assert found["source"].startswith("本文件：")
    # a workbook imported into the file: its indicators are found too
    plan = imports_ops.plan_xlsx_import(SAMPLES / "yutian-2023-project-tables.xlsx", imports_ops.Target.of_file(db),
                                        year=2024)
    imports_ops.apply_import(plan, db)
    assert main(["library", "search", "退休人员", "--db", str(db), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert any(h["source"].startswith("本文件：") and h["year"] == 2024 for h in hits)


def test_the_office_adds_and_removes_its_own_entries_kept_in_the_file(tmp_path):
    db = tmp_path / "f.db"
    with Store.create(db, unit=UNIT, year=2024) as store:
        store.save_project(good_project())
    doc = OpenFile.open(db)
    mine = LibraryEntry("产出指标", "数量指标", "慰问困难家庭户数", "节日走访慰问", "≥50户", "民政台账", origin=OWN)
    doc.add_library_entry(mine)
    shipped_one = next(e for e in doc.library() if e.origin == SHIPPED)
    doc.remove_library_entry(shipped_one)
    doc._store.flush()
    doc.close()
    doc = OpenFile.open(db)
    items = doc.library()
    ours = next(e for e in items if e.name == "慰问困难家庭户数")
    assert ours.origin == OWN and ours.source == "本单位添加" and ours.value == "≥50户"
    assert shipped_one.key not in {e.key for e in items}
    from_file = next(e for e in items if e.origin == FILE)
    doc.remove_library_entry(ours)
    doc.remove_library_entry(from_file)  # no longer offered; the table keeps it
    assert {e.key for e in doc.library()}.isdisjoint({ours.key, from_file.key})
    assert doc.projects()[0].indicators == good_project().indicators
    doc.close()


def test_export_writes_every_listed_entry(tmp_path):
    found = library.find(None, ["满意度"])
    out = exports.export_library(found, tmp_path / "指标库.xlsx")
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]][:4] == ["三级指标", "指标值", "一级指标", "二级指标"]  # as the window shows
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == [e.name for e in found]
    with pytest.raises(DeskError, match=r"\.xlsx"):
        exports.export_library(found, tmp_path / "指标库.xls")
    assert not (tmp_path / "指标库.xls").exists()


def test_cli_search_splits_quoted_words_knows_short_level_names_and_refuses_o(capsys):
    assert main(["library", "search", "群众 满意", "--json"]) == 0
    together = json.loads(capsys.readouterr().out)
    assert main(["library", "search", "群众", "满意", "--json"]) == 0
    assert together and together == json.loads(capsys.readouterr().out)
    assert main(["library", "search", "满意", "--level1", "满意度", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    assert main(["library", "search", "满意", "-o", "x.xlsx"]) == 2
    assert "-o 只用于 export" in capsys.readouterr().err


def test_no_export_replaces_a_folder_or_a_device(tmp_path):
    from desk.store import SaveError, write_file_atomically

    folder = tmp_path / "指标库.xlsx"
    folder.mkdir()
    with pytest.raises(SaveError, match="不是文件"):
        exports.export_library(library.find(None, ["满意度"]), folder)
    with pytest.raises(SaveError, match="不是文件"):
        write_file_atomically(Path("/dev/null"), b"x")
    assert Path("/dev/null").is_char_device()

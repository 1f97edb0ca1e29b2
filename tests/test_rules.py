"""One set of rules on every write path: a finalised table changes only through 解除定稿,
received tables are read-only in a consolidated file, and what is saved is valid."""

import hashlib
import json
from dataclasses import replace
from decimal import Decimal

import pytest

from desk.cli import main
from desk.domain import rules
from desk.domain.model import Unit
from desk.errors import InputError
from desk.io import jsonio
from desk.ops import exports as exports_ops
from desk.ops import imports as imports_ops
from desk.ops import merge as merge_ops
from desk.ops.document import OpenFile
from desk.render import xlsx
from desk.store import Store
from tests.helpers import UNIT, good_project

FINAL = dict(finalized_at="2026-11-20T09:30:00+08:00", finalized_by="张会计@无终街道")


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finalised_file(path, **changes):
    """A clerk's file holding one finalised project (and one draft)."""
    final = good_project(**FINAL, **changes)
    draft = good_project(code="DRAFT1", name="草稿项目")
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(final)
        store.save_project(draft)
    return final, draft


# ---------------------------------------------------------------- the domain rules

def test_the_rules_name_the_table_and_the_way_out_in_chinese():
    final = good_project(**FINAL)
    changed = replace(final, usage="改了用途")
    problem = rules.change_problem(final, changed, via=rules.IMPORT)
    assert problem.startswith("项目“城镇社区工作经费”已定稿（张会计@无终街道，2026年11月20日 09:30）")
    assert "导入不能改动" in problem and "解除定稿" in problem
    assert rules.change_problem(final, replace(final, revision=9), via=rules.IMPORT) == ""  # same content
    assert rules.change_problem(final, replace(final, finalized_at="", finalized_by=""), via=rules.UNFINALIZE) == ""
    assert "不能删除" in rules.change_problem(final, None, via=rules.EDIT)
    assert rules.change_problem(final, changed, via=rules.MERGE, released=True) == ""
    assert "已定稿" in rules.change_problem(final, changed, via=rules.MERGE)
    draft = good_project()
    assert "单位报来的表" in rules.change_problem(draft, replace(draft, name="x"), via=rules.EDIT, received=True)
    assert rules.change_problem(draft, replace(draft, name="x"), via=rules.RESOLVE, received=True) == ""
    with pytest.raises(InputError, match="预算数“1234567890123456.00”过大"):
        rules.check_change(draft, replace(draft, budget=replace(draft.budget, total=Decimal("1234567890123456.00"))),
                           via=rules.EDIT)


# ---------------------------------------------------------------- JSON import

def test_import_json_leaves_a_finalised_table_unchanged_and_says_so(tmp_path, capsys):
    path = tmp_path / "office.db"
    final, draft = finalised_file(path)
    before = sha(path)
    doc = jsonio.Document(units=(UNIT,), projects=(
        replace(final, usage="JSON 里改了用途"), replace(draft, usage="草稿也改了")), departments=())
    source = tmp_path / "in.json"
    source.write_text(jsonio.dumps(doc), "utf-8")
    assert main(["import-json", str(source), "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "项目“城镇社区工作经费”已定稿" in err and "导入不能改动它的内容" in err and "未导入任何内容" in err
    assert sha(path) == before  # all or nothing: the draft was not changed either
    # the same content (a JSON exported from this file) imports as unchanged
    text = exports_ops.export_json(path)
    source.write_text(text, "utf-8")
    assert main(["import-json", str(source), "--db", str(path)]) == 0
    assert "未变 2 个" in capsys.readouterr().out
    with Store.open(path) as store:
        assert store.project(final.uid).usage == final.usage and store.project(final.uid).finalized


def test_import_json_cannot_unfinalise_a_table_by_importing_an_older_export(tmp_path, capsys):
    path = tmp_path / "office.db"
    final, _ = finalised_file(path)
    doc = jsonio.Document(units=(UNIT,), projects=(replace(final, finalized_at="", finalized_by=""),), departments=())
    with pytest.raises(rules.ProtectedError, match="已定稿"):
        imports_ops.import_document(doc, path)
    with Store.open(path) as store:
        assert store.project(final.uid).finalized


# ---------------------------------------------------------------- Excel import

def test_import_xlsx_leaves_a_finalised_table_unchanged_and_says_so(tmp_path, capsys):
    path = tmp_path / "office.db"
    final, draft = finalised_file(path)
    with Store.open(path, readonly=True) as store:
        jobs = exports_ops.print_jobs(store)
    changed = [replace(j, project=replace(j.project, usage=j.project.usage + "（Excel 中改过）")) for j in jobs]
    book = tmp_path / "book.xlsx"
    book.write_bytes(xlsx.render(changed, {}))
    before = sha(path)
    assert main(["import-xlsx", str(book), "--db", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "→ 不能更新" in out and "已定稿" in out and "→ 更新" in out
    assert main(["import-xlsx", str(book), "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "项目“城镇社区工作经费”已定稿" in err and "未导入任何内容" in err
    assert sha(path) == before


# ---------------------------------------------------------------- merge

def office_with_final(folder, unit=Unit("439001", "无终街道办事处")):
    path = folder / f"{unit.code}.db"
    p = good_project(unit_code=unit.code, year=2024, **FINAL)
    with Store.create(path, unit=unit, year=2024) as store:
        store.save_project(p)
    return path, p


def test_merge_leaves_a_finalised_table_unchanged_unless_the_office_released_it(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    office, p = office_with_final(folder)
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, [office], unit=Unit("439000", "玉田县财政局"))
    # a copy edited outside the program: content changed while still finalised, no 解除定稿 in its history
    forged = tmp_path / "forged.db"
    forged.write_bytes(office.read_bytes())
    with Store.open(forged) as store:
        store.save_project(replace(store.project(p.uid), usage="偷偷改了用途"))
    report = merge_ops.merge_files(out, [forged])
    assert report.updated == 0 and len(report.locked) == 1
    assert "已定稿" in report.locked[0]["reason"] and report.locked[0]["file"] == "forged.db"
    assert "已定稿未更新 1 张" in report.summary()
    assert any("未更新：" in line and "forged.db" in line for line in report.detail_lines())
    with Store.open(out) as store:
        assert store.project(p.uid).usage == p.usage
    # the office releases it (解除定稿), edits, finalises again, and sends it: the update goes through
    office_doc = OpenFile.open(office)
    office_doc.unfinalize(p.uid)
    office_doc.put(p.uid, replace(office_doc.project(p.uid), usage="退回后改正了用途"))
    office_doc.finalize(p.uid)
    office_doc._store.flush()
    office_doc.close()
    report = merge_ops.merge_files(out, [office])
    assert report.updated == 1 and report.locked == []
    with Store.open(out) as store:
        assert store.project(p.uid).usage == "退回后改正了用途" and store.project(p.uid).finalized


def test_merge_into_an_office_file_is_refused(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    office, _ = office_with_final(folder)
    own = tmp_path / "own.db"
    Store.create(own, unit=UNIT, year=2024).close()
    before = sha(own)
    assert main(["merge", str(own), str(office)]) == 2
    assert "是单位自己的填报文件，不是汇总文件" in capsys.readouterr().err
    assert sha(own) == before


def test_merge_warns_about_a_file_for_another_year(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    office, _ = office_with_final(folder)
    old = folder / "old.db"
    with Store.create(old, unit=Unit("439002", "玉田镇"), year=2023) as store:
        store.save_project(good_project(unit_code="439002", year=2023, code="X1"))
    report = merge_ops.merge_files(tmp_path / "汇总.db", [office, old], unit=Unit("439000", "玉田县财政局"), year=2024)
    assert report.added == 2
    assert report.warnings == ["“old.db”是 2023 年度的文件，本汇总文件是 2024 年度；已照常合并，请核对。"]
    assert json.loads(json.dumps(report.to_dict()))["warnings"] == report.warnings


# ---------------------------------------------------------------- the open file (the GUI's only way in)

def test_received_tables_are_read_only_by_where_they_came_from(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    office, p = office_with_final(folder)
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, [office], unit=Unit("439000", "玉田县财政局"))
    document = OpenFile.open(out)
    try:
        assert document.receives and document.unit == Unit("439000", "玉田县财政局")
        assert document.is_received(p.uid) and not document.editable(p.uid)
        with pytest.raises(rules.ProtectedError, match="单位报来的表"):
            document.put(p.uid, replace(p, name="上级改的名字"))
        own = good_project(unit_code="439000", year=2024, code="OWN1", name="本级项目")
        document.put(own.uid, own)  # the supervisor's own table stays editable
        assert document.editable(own.uid)
        document.put(own.uid, replace(own, usage="改得了"))
    finally:
        document.close()

"""The 部门（单位）整体支出绩效目标表 printed in the official layout (乌尔禾区 2021), read back with pdfplumber."""

from dataclasses import replace
from decimal import Decimal

import pytest

from desk.domain.money import display_money
from desk.forms import get_form
from desk.io import jsonio
from desk.ops import exports as exports_ops, imports as imports_ops
from desk.render.fonts import find_fonts
from desk.render.pdf import PrintJob, render
from tests.conftest import ROOT
from tests.helpers import good_project
from tests.render.pdfread import pages_tables, pages_text

URHO = ROOT / "tests/data/urho-2021-department.json"


@pytest.fixture(scope="module")
def urho():
    return jsonio.loads(URHO.read_text("utf-8"))


def rows_of(data: bytes) -> list[list[str | None]]:
    return [r for page in pages_tables(data) for r in page]


def cells(row) -> list[str]:
    return [c for c in row if c]


def test_urho_department_table_prints_every_task_the_total_and_every_indicator(urho):
    d = urho.departments[0]
    data = render([PrintJob(d, 0, get_form(d.form), urho.units[0])], find_fonts())
    text = pages_text(data)
    assert text[0].splitlines()[:2] == ["部门（单位）整体支出绩效目标表", "(2021 年)"]
    rows = rows_of(data)
    assert ["部门（单位）名称", "乌尔禾区柳树街街道办事处"] in [cells(r) for r in rows]
    assert ["合计", "852.51", "852.51", "0.00"] in [cells(r) for r in rows]
    printed = [cells(r) for r in rows]
    for t in d.tasks:  # each task with its amounts, in one row
        want = [t.name, t.content] + [display_money(v, "万元") for v in (t.total, t.fiscal, t.other)]
        assert want in printed, t.name
    # every indicator in its row: 三级 and 指标值 side by side, under the right 一级/二级 (merged cells filled down)
    tree = get_form(d.form).tree
    level1 = set(tree.level1_names())
    level2 = {c for l1 in tree.level1 for c in l1.children}
    got = []
    l1 = l2 = ""
    in_grid = False
    for r in rows:
        vals = [c.replace("（续）", "") for c in cells(r)]
        if "三级指标" in vals:
            in_grid = True
            continue
        if not in_grid or not vals or vals[0].startswith("填报"):
            continue
        vals = [v for v in vals if v != "年度绩效指标"]
        if vals and vals[0] in level1:
            l1, l2 = vals.pop(0), ""
        if vals and vals[0] in level2:
            l2 = vals.pop(0)
        got.append((l1, l2, *(vals + ["", ""])[:2]))
    assert got == [(i.level1, i.level2, i.name, i.value_text) for i in d.indicators]


def test_export_pdf_prints_the_department_first_and_a_file_with_only_a_department(urho, tmp_path):
    db = tmp_path / "u.db"
    imports_ops.import_document(urho, db)
    only = tmp_path / "only.pdf"
    exports_ops.export_pdf(db, only)  # no project at all: the department table prints
    assert pages_text(only.read_bytes())[0].startswith("部门（单位）整体支出绩效目标表")
    d = urho.departments[0]
    project = replace(good_project(), unit_code=d.unit_code, year=d.year, number=1)
    imports_ops.import_document(jsonio.Document(units=urho.units, projects=(project,), departments=()), db)
    both = tmp_path / "both.pdf"
    exports_ops.export_pdf(db, both, contents=True)
    texts = pages_text(both.read_bytes())
    heads = [t.splitlines()[0] for t in texts]
    assert "目录" in heads[0]
    assert heads[1] == "部门（单位）整体支出绩效目标表" and f"1.{project.name}绩效目标表" in heads
    assert heads.index(f"1.{project.name}绩效目标表") > 1
    assert "部门（单位）整体支出绩效目标表" in texts[0] and f"1.{project.name}绩效目标表" in texts[0]


def test_department_goals_are_numbered_only_where_they_have_no_number(urho):
    d = replace(urho.departments[0], goals=("保障在职人员工资", "目标2：建强基层基础", "维护稳定"))
    data = render([PrintJob(d, 0, get_form(d.form), urho.units[0])], find_fonts())
    row = next(cells(r) for r in rows_of(data) if r and r[0] == "年度总体目标")
    assert row == ["年度总体目标", "目标1：保障在职人员工资目标2：建强基层基础目标3：维护稳定"]  # lines joined on read


def test_detail_variant_prints_description_basis_and_split_values(urho):
    d = urho.departments[0]
    inds = list(d.indicators)
    inds[0] = replace(inds[0], description="城区道路清扫保洁的面积", basis="依据保洁合同")
    d = replace(d, form="department-detail", indicators=tuple(inds))
    data = render([PrintJob(d, 0, get_form(d.form), urho.units[0])], find_fonts())
    printed = [cells(r) for r in rows_of(data)]
    assert ["符号", "值", "单位（文字描述）"] in printed
    first = next(r for r in printed if "城区道路清扫保洁面积" in r)
    assert first[-6:] == ["城区道路清扫保洁面积", "城区道路清扫保洁的面积", "≥", "150000", "平方米", "依据保洁合同"]
    assert Decimal(150000) == inds[0].target.number


def test_check_compares_the_department_total_with_the_projects(urho, tmp_path):
    from desk.ops import checking

    d = urho.departments[0]
    project = replace(good_project(), unit_code=d.unit_code, year=d.year, number=1)  # 770000 元 = 77 万元
    findings = checking.check_tables([d, project])
    (f,) = [f for f in findings if f.code == "DEPT_TOTAL_VS_PROJECTS"]
    assert "852.51万元" in f.message and "77.00万元" in f.message and f.severity == "warning"
    assert not [f for f in checking.check_tables([d]) if f.code == "DEPT_TOTAL_VS_PROJECTS"]

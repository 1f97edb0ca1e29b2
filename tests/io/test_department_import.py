"""Excel import of department tables: the urho shape and a bare department indicator grid, beside projects."""

from decimal import Decimal

from desk.domain.model import Unit
from desk.io import jsonio
from desk.io.xlsx_import import read_workbook
from desk.ops import imports as imports_ops
from desk.store import Store
from tests.conftest import ROOT
from tests.io.test_xlsx_import import FORMS, table_rows
from tests.io.test_xlsx_import import workbook as _workbook


def workbook(*sheets):
    """As the import tests build workbooks, with text such as “=1台” stored as text (as Excel stores '=1台)."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_workbook(*sheets)))
    for ws, (_, rows, _) in zip(wb.worksheets, sheets):
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if isinstance(value, str) and value.startswith("="):
                    ws.cell(r, c).value = value
                    ws.cell(r, c).data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

URHO = jsonio.loads((ROOT / "tests/data/urho-2021-department.json").read_text("utf-8")).departments[0]


def urho_rows():
    """The urho 2021 table as its workbook lays it out: amounts in 万元, 合计 first, goals in one cell, the
    年度绩效指标 label down the left, 一级/二级 written once (merged), 成本指标 rows without 二级."""
    d = URHO
    rows = [["部门（单位）整体支出绩效目标表"], ["(2021 年)"],
            ["部门（单位）名称", None, d.name],
            ["任务名称", "主要内容", "预算金额（万元）"],
            [None, None, "总额", "财政拨款", "其他资金"],
            ["合计", None, 852.51, 852.51, 0]]
    for t in d.tasks:
        rows.append([t.name, t.content, *(float(v / 10000) for v in (t.total, t.fiscal, t.other))])
    rows.append(["年度总体目标", d.goals[0]])
    rows.append(["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值"])
    l1 = l2 = None
    for ind in d.indicators:
        rows.append([None, ind.level1 if ind.level1 != l1 else None,
                     ind.level2 if (ind.level1, ind.level2) != (l1, l2) else None, ind.name or None,
                     ind.value_text or None])
        l1, l2 = ind.level1, ind.level2
    return rows


def test_urho_department_table_recovers_every_task_amount_and_indicator():
    result = read_workbook(workbook(("部门整体", urho_rows(), [])), FORMS)
    assert result.tables == []
    (found,) = result.departments
    d = found.department
    assert found.year == 2021 and d.form == "department-2021" and d.name == URHO.name
    assert d.tasks == URHO.tasks  # names, contents and every amount (万元 → 元, exact)
    assert d.totals()[0] == Decimal("8525100.00")
    assert d.goals == URHO.goals
    want = [(i.level1, i.level2, i.name, i.value_text) for i in URHO.indicators if i.name]
    assert [(i.level1, i.level2, i.name, i.value_text) for i in d.indicators] == want
    assert result.warnings == []


def test_bare_department_grid_with_split_values_and_numbers_in_level2():
    rows = [["部门整体支出绩效指标情况"],
            ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", None, None, "指标值确定依据"],
            [None, None, None, None, "符号", "值", "单位（文字描述）", None],
            ["产出指标", "数量指标", "保洁面积", "城区道路清扫保洁面积", "≥", 150000, "平方米", "保洁合同"],
            [None, "1", "培训次数", "全年培训", "=", 12, "次", "工作计划"],
            ["满意度指标", "服务对象满意度指标", "群众满意度", "问卷调查", "≥", 90, "%", "问卷"]]
    result = read_workbook(workbook(("指标", rows, [])), FORMS)
    (found,) = result.departments
    d = found.department
    assert d.form == "department-detail"
    assert [(i.level2, i.name, i.comparator, i.value, i.unit, i.basis) for i in d.indicators] == [
        ("数量指标", "保洁面积", "≥", "150000", "平方米", "保洁合同"),
        ("1", "培训次数", "=", "12", "次", "工作计划"),
        ("服务对象满意度指标", "群众满意度", "≥", "90", "%", "问卷")]
    assert any("二级指标写的是数字“1”" in str(w) for w in result.warnings)


def test_one_workbook_with_a_department_and_projects_imports_both(tmp_path):
    xlsx = tmp_path / "全部.xlsx"
    xlsx.write_bytes(workbook(("部门整体", urho_rows(), []), ("项目", table_rows(1, "社区工作经费", "P001"), [])))
    db = tmp_path / "a.db"
    Store.create(db, unit=Unit("439001", "玉田县无终街道办事处本级"), year=2021).close()
    plan = imports_ops.plan_xlsx_import(xlsx, imports_ops.Target.of_file(db))
    text = "\n".join(plan.summary_lines())
    assert "1 张项目绩效目标表、1 张部门整体支出绩效目标表" in text
    assert "部门整体：乌尔禾区柳树街街道办事处：9 项任务，合计 852.51万元" in text
    report = imports_ops.apply_xlsx_import(plan, db)
    assert report.added == 2
    with Store.open(db, readonly=True) as store:
        (d,) = store.departments()
        assert d.tasks == URHO.tasks and len(store.projects()) == 1
    # importing again updates the same department table
    again = imports_ops.plan_xlsx_import(xlsx, imports_ops.Target.of_file(db))
    assert again.department_actions == [imports_ops.UPDATE]


def test_the_window_imports_the_department_with_the_projects_as_one_undo_step(tmp_path, qtbot):
    from desk.ui.app import MainWindow

    xlsx = tmp_path / "全部.xlsx"
    xlsx.write_bytes(workbook(("部门整体", urho_rows(), []), ("项目", table_rows(1, "社区工作经费", "P001"), [])))
    db = tmp_path / "a.db"
    Store.create(db, unit=Unit("439001", "玉田县无终街道办事处本级"), year=2021).close()
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(db)
    assert window.import_xlsx(xlsx, ask=lambda plan: True) == 2
    document = window.session.document
    (d,) = document.departments()
    assert d.tasks == URHO.tasks and len(document.projects()) == 1
    window.session.undo()
    assert document.departments() == [] and document.projects() == []
    window.session.redo()
    assert len(document.departments()) == 1
    window.close()
    with Store.open(db, readonly=True) as store:  # autosaved
        assert len(store.departments()) == 1


def test_exported_department_sheet_imports_back(tmp_path):
    from desk.ops import exports as exports_ops

    db = tmp_path / "u.db"
    imports_ops.import_document(jsonio.loads((ROOT / "tests/data/urho-2021-department.json").read_text("utf-8")), db)
    out = tmp_path / "u.xlsx"
    exports_ops.export_xlsx(db, out)
    result = read_workbook(out.read_bytes(), FORMS)
    (found,) = result.departments
    d = found.department
    assert found.year == 2021 and d.name == URHO.name and d.tasks == URHO.tasks and d.goals == URHO.goals
    assert [(i.level1, i.level2, i.name, i.value_text) for i in d.indicators] == [
        (i.level1, i.level2, i.name, i.value_text) for i in URHO.indicators if i.name]


def test_a_finalised_received_or_foreign_department_is_not_replaced_from_excel(tmp_path, capsys):
    from dataclasses import replace

    from desk.cli import main

    xlsx = tmp_path / "urho.xlsx"
    xlsx.write_bytes(workbook(("部门整体", urho_rows(), [])))
    # a finalised department table of the same unit and year: refused, nothing written
    db = tmp_path / "fin.db"
    dept = replace(URHO, unit_code="000001", finalized_at="2026-11-22T09:00:00+08:00", finalized_by="张会计@PC")
    imports_ops.import_document(jsonio.Document(units=(Unit("000001", URHO.name),), projects=(), departments=(dept,)), db)
    before = db.read_bytes()
    assert main(["import-xlsx", str(xlsx), "--db", str(db), "--dry-run"]) == 0  # the dry run says so
    assert "不能" in capsys.readouterr().out
    assert main(["import-xlsx", str(xlsx), "--db", str(db)]) == 2
    assert "已定稿" in capsys.readouterr().err and db.read_bytes() == before
    # another year's table does not replace this year's
    other = tmp_path / "yutian.db"
    Store.create(other, unit=Unit("439001", "玉田县无终街道办事处本级"), year=2023).close()
    assert main(["import-xlsx", str(xlsx), "--db", str(other)]) == 2
    assert "2021 年" in capsys.readouterr().err
    with Store.open(other, readonly=True) as store:
        assert store.departments() == []
    # a new file takes the year from the (2021 年) line
    new = tmp_path / "new.db"
    assert main(["import-xlsx", str(xlsx), "--db", str(new), "--unit-code", "000001", "--unit-name", URHO.name]) == 0
    with Store.open(new, readonly=True) as store:
        (d,) = store.departments()
        assert d.year == 2021 and d.tasks == URHO.tasks

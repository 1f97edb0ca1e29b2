"""Regional table shapes (唐山, 承德) from Excel to paper: the form is recognised, and the PDF holds, cell by
cell, what the workbook wrote; an office's table prints the same from the supervisor's consolidated file."""

import io
import re
from openpyxl import Workbook

from desk.forms import default_forms
from desk.ops import checking, exports as exports_ops, imports as imports_ops, merge as merge_ops
from desk.render.pdf import page_count
from desk.store import Store
from desk.domain.model import Unit
from tests.render.pdfread import grid, pages_tables, pages_text

FORMS = default_forms()

# 指标值 as offices write them: the paper must show each exactly so
TANGSHAN_VALUES = ["85%以上", "不低于85%", "低于10%", "12", "≥95%社区工作人员服务意识增强", "按时完成",
                   "≤200万元", "1.5万元"]


def save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def tangshan_table(ws, top, n, name, code, goals, values):
    """One 唐山 table from row ``top``: no 预算数 row, 项目资金主要用途, quarterly plan, 目标1/目标2 rows."""
    rows = [
        [f"{n}. {name}项目绩效目标表"],
        ["130203001唐山市路北区某街道办事处", None, None, None, None, "单位：万元"],
        ["项目编码", code, "预算项目名称", name],
        ["项目资金主要用途", f"预算数 200 万元。其中：财政资金 200 万元。主要用于{name}支出"],
        ["资金支出计划（%）", "第一季度", "第二季度", "第三季度", "第四季度"],
        [None, "25%", "50%", "75%", "100%"],
    ]
    rows.append(["绩效目标", "目标1", goals[0]])
    rows.extend([None, f"目标{k}", g] for k, g in enumerate(goals[1:], 2))
    rows.append(["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"])
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
              ("效益指标", "社会效益指标"), ("效益指标", "可持续影响指标"), ("满意度指标", "服务对象满意度指标"),
              ("满意度指标", "服务对象满意度指标")]
    for k, value in enumerate(values):
        l1, l2 = levels[k % len(levels)]
        rows.append([l1, l2, f"{name}指标{k + 1}", f"第{k + 1}项的描述", value, f"依据{k + 1}"])
    rows.append(["填报单位（盖章）", None, None, "填报日期"])
    for r, row in enumerate(rows):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(top + r, c, value)
    return top + len(rows) + 2


def tangshan_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "项目表"
    top = tangshan_table(ws, 1, 1, "社区工作经费", "130203001001", ("保证社区工作正常运转", "提高居民满意度"),
                         TANGSHAN_VALUES)
    tangshan_table(ws, top, 2, "网格化管理经费", "130203001002", ("目标1：网格全覆盖", "2、及时处置事件"),
                   list(reversed(TANGSHAN_VALUES)))
    return save(wb)


# (符号, 值, 单位（文字描述）) as 承德 writes them: "=" before a bare number, words under 文字描述
CHENGDE_VALUES = [("=", "12", "次"), ("≥", "95", "%"), ("≤", "7", "天"), ("≤", "30", "万元"),
                  ("文字描述", None, "明显提升"), ("=", "365", "天"), ("≥", "90", "%")]


def chengde_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "1.社区服务经费"
    rows = [
        ["1.社区服务经费绩效目标表"],
        ["130802001承德市双桥区某街道办事处", None, None, None, None, None, None, "单位：元"],
        ["项目编码", "130802001003", None, "项目名称", "社区服务经费"],
        ["项目绩效模板", "社区服务类通用模板（2023版）"],
        ["预算规模及资金用途", "预算数", 300000, "其中：财政资金", 300000, "其他资金", 0],
        [None, "用于社区服务中心日常运转"],
        ["资金支出计划（%）", "3月底", "6月底", "10月底", "12月底"],
        [None, "20%", "50%", "80%", "100%"],
        ["绩效目标", "1.保障社区服务中心正常运转\n2.提升服务水平"],
        ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", None, None, "指标值确定依据"],
        [None, None, None, None, "符号", "值", "单位（文字描述）", None],
    ]
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
              ("效益指标", "社会效益指标"), ("效益指标", "可持续影响指标"), ("满意度指标", "服务对象满意度指标")]
    for k, ((l1, l2), (sym, val, unit)) in enumerate(zip(levels, CHENGDE_VALUES)):
        rows.append([l1, l2, f"指标{k + 1}", f"描述{k + 1}", sym, val, unit,
                     "依据《承德市双桥区社区服务中心管理办法》和上年度实际完成情况测算" * (2 if k == 4 else 1)])
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)
    return save(wb)


def import_into(tmp_path, name, data, unit, year=2023):
    xlsx = tmp_path / f"{name}.xlsx"
    xlsx.write_bytes(data)
    db = tmp_path / f"{name}.db"
    Store.create(db, unit=unit, year=year).close()
    plan = imports_ops.plan_xlsx_import(xlsx, imports_ops.Target.of_file(db))
    imports_ops.apply_xlsx_import(plan, db)
    return db, plan


def test_tangshan_tables_are_recognised_and_print_as_written(tmp_path):
    db, plan = import_into(tmp_path, "唐山", tangshan_workbook(), Unit("130203001", "唐山市路北区某街道办事处"))
    assert all("唐山项目表" in line for line in plan.summary_lines()[1:3]), plan.summary_lines()
    with Store.open(db, readonly=True) as store:
        projects = store.projects()
    assert [p.form for p in projects] == ["tangshan-project"] * 2
    assert [p.number for p in projects] == [1, 2]
    assert projects[1].goals == ("目标1：网格全覆盖", "2、及时处置事件")
    findings = checking.check_tables(projects)
    assert not [f for f in findings if f.code.startswith("MONEY_")]

    out = tmp_path / "唐山.pdf"
    exports_ops.export_pdf(db, out)
    data = out.read_bytes()
    texts = pages_text(data)
    titles = [t.splitlines()[0] for t in texts if not t.splitlines()[0].endswith("（续）")]
    assert titles == ["1. 社区工作经费项目绩效目标表", "2. 网格化管理经费项目绩效目标表"]
    tables = pages_tables(data)
    starts = [i for i, t in enumerate(texts) if not t.splitlines()[0].endswith("（续）")]
    for start, values, goals in ((starts[0], TANGSHAN_VALUES, ("保证社区工作正常运转", "提高居民满意度")),
                                 (starts[1], list(reversed(TANGSHAN_VALUES)), ("目标1：网格全覆盖", "2、及时处置事件"))):
        rows = tables[start]
        cells = [c for r in rows for c in r if c]
        assert "预算数" not in cells and "其中：财政资金" not in cells  # no money row
        assert "项目资金主要用途" in cells and "预算项目名称" in cells
        goal_rows = [[c for c in r if c] for r in rows if r and any(c and re.fullmatch(r"目标\d", c) for c in r)]
        assert [r[-2:] for r in goal_rows] == [[f"目标{k}", g] for k, g in enumerate(goals, 1)]  # numbered once
        names, body = grid(rows)
        assert names[4] == "指标值"
        assert [r[4] for r in body] == values  # every 指标值 exactly as written


def test_chengde_table_keeps_its_template_row_and_split_values(tmp_path):
    db, plan = import_into(tmp_path, "承德", chengde_workbook(), Unit("130802001", "承德市双桥区某街道办事处"))
    assert "承德项目表" in plan.summary_lines()[1]
    assert plan.warnings == []
    with Store.open(db, readonly=True) as store:
        (p,) = store.projects()
    assert p.form == "chengde-project" and p.extra == (("项目绩效模板", "社区服务类通用模板（2023版）"),)
    out = tmp_path / "承德.pdf"
    exports_ops.export_pdf(db, out)
    tables = pages_tables(out.read_bytes())
    rows = [r for page in tables for r in page]
    assert ["项目绩效模板", "社区服务类通用模板（2023版）"] == [c for c in rows[1] if c] or any(
        [c for c in r if c] == ["项目绩效模板", "社区服务类通用模板（2023版）"] for r in rows)
    names, body = grid(tables[0])
    assert names[4:7] == ["符号", "值", "单位（文字描述）"]
    printed = [tuple(r[4:7]) for r in body]
    for page in tables[1:]:
        if any(r and r[0] == "一级指标" for r in page):
            printed += [tuple(r[4:7]) for r in grid(page)[1]]
    assert printed == [(s, v or "", u) for s, v, u in CHENGDE_VALUES]


def test_an_offices_table_prints_the_same_from_the_consolidated_file(tmp_path):
    """Same number, same 校验码, same bytes, whoever prints it."""
    first, _ = import_into(tmp_path, "路北", tangshan_workbook(), Unit("130203001", "唐山市路北区某街道办事处"))
    second, _ = import_into(tmp_path, "双桥", chengde_workbook(), Unit("130802001", "承德市双桥区某街道办事处"))
    consolidated = tmp_path / "汇总.db"
    merge_ops.merge_files(consolidated, [second, first], unit=Unit("1302", "汇总单位"), year=2023)
    office_pdf, supervisor_pdf = tmp_path / "office.pdf", tmp_path / "supervisor.pdf"
    exports_ops.export_pdf(first, office_pdf)
    exports_ops.export_pdf(consolidated, supervisor_pdf, unit_code="130203001")
    office, supervisor = office_pdf.read_bytes(), supervisor_pdf.read_bytes()
    assert pages_text(office)[0].splitlines()[0] == "1. 社区工作经费项目绩效目标表"
    codes = [re.findall(r"校验码：(\S+)", t) for t in pages_text(office)]
    assert codes == [re.findall(r"校验码：(\S+)", t) for t in pages_text(supervisor)]
    assert office == supervisor
    # the whole consolidated print numbers each office's tables by that office's own numbering
    everything = tmp_path / "all.pdf"
    exports_ops.export_pdf(consolidated, everything)
    heads = [t.splitlines()[0] for t in pages_text(everything.read_bytes())]
    assert heads[0] == "1.社区服务经费绩效目标表" and "1. 社区工作经费项目绩效目标表" in heads
    alone = tmp_path / "双桥.pdf"
    exports_ops.export_pdf(second, alone)
    assert page_count(everything.read_bytes()) == page_count(office) + page_count(alone.read_bytes())

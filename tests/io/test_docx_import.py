"""Word import: last year's document, in the shapes offices publish, read back fact by fact; bad files refused."""

import io
import zipfile
from dataclasses import replace
from decimal import Decimal

import pytest
from docx import Document

from desk.cli import main
from desk.forms import default_forms
from desk.io.docx_import import DocumentError, read_document
from desk.io.xlsx_guard import WorkbookTooLargeError
from desk.ops import exports as exports_ops, imports as imports_ops
from desk.ops.document import OpenFile
from desk.store import Store

FORMS = default_forms()
UNIT_LINE = "439001玉田县无终街道办事处本级\t\t单位：万元"


def add_table(doc, rows, merges=()):
    """rows: lists of cell texts (None for empty); merges: ((r0, c0), (r1, c1)) 0-based, as Word merges cells."""
    ncols = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=ncols)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                lines = text.split("\n")
                cell = table.cell(r, c)
                cell.text = lines[0]
                for line in lines[1:]:
                    cell.add_paragraph(line)
    for (r0, c0), (r1, c1) in merges:
        for r in range(r0, r1 + 1):  # as in a real document, the text is in the merged cell's first part only
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    table.cell(r, c).text = ""
        table.cell(r0, c0).merge(table.cell(r1, c1))
    return table


def save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


LEVELS_ONE = [  # (一级, 二级, 三级, 描述, 指标值, 依据): 一级 and 二级 merged down in Word
    ("产出指标", "数量指标", "慰问困难群众人数", "走访慰问辖区困难群众", "≥120人", "上年度走访台账"),
    ("产出指标", "数量指标", "开展宣传活动次数", "组织政策宣传", "12次", "年度工作计划"),
    ("产出指标", "质量指标", "资金使用合规率", "按规定使用资金", "=100%", "财务制度"),
    ("产出指标", "时效指标", "资金拨付及时率", "按时拨付", "85%以上", "上级文件"),
    ("效益指标", "社会效益指标", "居民安全感", "辖区治安稳定", "明显提升", "平安建设要求"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "抽样调查", "≥90%", "满意度调查"),
]


def one_column_document(*, empty_row=True, usage="用于社区服务中心日常运转、慰问困难群众和政策宣传") -> bytes:
    """A 唐山-style table: 指标值 in one column, a quarterly plan, a 目标1…；目标2… goals cell, merged levels."""
    doc = Document()
    doc.add_heading("玉田县无终街道2024年部门预算绩效目标", level=1)
    doc.add_paragraph("3. 社区服务经费项目绩效目标表")
    doc.add_paragraph(UNIT_LINE)
    rows = [
        ["项目编码", "13022923P00JXC4150999", None, "项目名称", "社区服务经费", None],
        ["预算规模及资金用途", "预算数", "12.5", "其中：财政资金", "10", None],
        [None, "其他资金", "2.5", None, None, None],
        [None, usage, None, None, None, None],
        ["资金支出计划（%）", "第一季度", "第二季度", "第三季度", "第四季度", None],
        [None, "25%", "50%", "75%", "100%", None],
        ["绩效目标", "目标1：保障社区服务中心正常运转；目标2：困难群众应访尽访", None, None, None, None],
        ["一级指标", "二级指标", "三级指标", "指标描述", "指标值", "指标值确定依据"],
    ]
    top = len(rows)
    for k, (l1, l2, *rest) in enumerate(LEVELS_ONE):
        rows.append([l1, l2, *rest])
        if empty_row and k == 2:
            rows.append([None] * 6)  # an empty row left in the grid
    merges = [((1, 0), (3, 0)), ((3, 1), (3, 5)), ((4, 0), (5, 0)), ((6, 1), (6, 5)),
              ((0, 1), (0, 2)), ((0, 4), (0, 5))]
    # 产出指标 over the first four indicator rows (five with the empty row), 数量指标 over two
    last_output = top + 3 + (1 if empty_row else 0)
    merges += [((top, 0), (last_output, 0)), ((top, 1), (top + 1, 1))]
    add_table(doc, rows, merges)
    doc.add_paragraph("填报单位（盖章）：            填报日期：")
    return save(doc)


CHENGDE = [("=", "12", "次"), ("≥", "95", "%"), ("≤", "7", "天"), ("≤", "30", "万元"), ("文字描述", "", "明显提升"),
           ("≥", "90", "%")]


def split_document() -> bytes:
    """A 承德-style table: 指标值 split into 符号/值/单位 under one merged header, month-end plan, two tables."""
    doc = Document()
    doc.add_paragraph("1.社区服务经费绩效目标表")
    doc.add_paragraph("130802001承德市双桥区某街道办事处\t\t单位：元")
    rows = [
        ["项目编码", "130802001003", None, "项目名称", "社区服务经费", None, None, None],
        ["项目绩效模板", "社区服务类通用模板（2023版）", None, None, None, None, None, None],
        ["预算规模及资金用途", "预算数", "300000", "其中：财政资金", "300000", "其他资金", "0", None],
        [None, "用于社区服务中心日常运转", None, None, None, None, None, None],
        ["资金支出计划（%）", "3月底", "6月底", "10月底", "12月底", None, None, None],
        [None, "20%", "50%", "80%", "100%", None, None, None],
        ["绩效目标", "1.保障社区服务中心正常运转\n2.提升服务水平", None, None, None, None, None, None],
        ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", None, None, "指标值确定依据"],
        [None, None, None, None, "符号", "值", "单位（文字描述）", None],
    ]
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
              ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")]
    for k, ((l1, l2), (sym, val, unit)) in enumerate(zip(levels, CHENGDE)):
        rows.append([l1, l2, f"指标{k + 1}", f"描述{k + 1}", sym, val, unit, f"依据{k + 1}"])
    merges = [((2, 0), (3, 0)), ((3, 1), (3, 7)), ((4, 0), (5, 0)), ((6, 1), (6, 7)), ((7, 4), (7, 6)),
              ((7, 0), (8, 0)), ((7, 1), (8, 1)), ((7, 2), (8, 2)), ((7, 3), (8, 3)), ((7, 7), (8, 7)),
              ((9, 0), (12, 0))]
    add_table(doc, rows, merges)
    doc.add_paragraph()
    doc.add_paragraph("2.网格化管理经费绩效目标表")
    rows2 = [
        ["项目编码", "130802001004", "项目名称", "网格化管理经费"],
        ["预算规模及资金用途", "预算数", "80000", None],
        ["绩效目标", "网格全覆盖", None, None],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "网格员人数", "=20人"],
    ]
    add_table(doc, rows2, [((2, 1), (2, 3))])
    return save(doc)


def test_one_column_shape_with_merged_levels_and_a_quarterly_plan_is_read_fact_by_fact():
    result = read_document(one_column_document(), FORMS, name="去年.docx")
    assert len(result.tables) == 1 and not result.departments
    found = result.tables[0]
    p = found.project
    assert found.where == "第1个表格"
    assert (p.code, p.name, p.number) == ("13022923P00JXC4150999", "社区服务经费", 3)
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal("125000.00"), Decimal("100000.00"),
                                                                  Decimal("25000.00"))
    assert p.usage == "用于社区服务中心日常运转、慰问困难群众和政策宣传"
    assert p.plan.scheme == "quarter"
    assert p.plan.points == (Decimal("25"), Decimal("50"), Decimal("75"), Decimal("100"))
    assert "".join(p.goals) == "目标1：保障社区服务中心正常运转；目标2：困难群众应访尽访"
    got = [(i.level1, i.level2, i.name, i.description, i.text, i.basis) for i in p.indicators]
    assert got == [(l1, l2, name, desc, value, basis) for l1, l2, name, desc, value, basis in LEVELS_ONE]
    assert found.unit.code == "439001"
    assert result.year == 2024  # from the document's title


def test_split_value_columns_and_two_tables_are_read_fact_by_fact():
    result = read_document(split_document(), FORMS, name="承德.docx")
    assert [t.project.code for t in result.tables] == ["130802001003", "130802001004"]
    first, second = (t.project for t in result.tables)
    assert result.tables[0].layout == "split"
    assert first.form == "chengde-project"
    assert first.extra == (("项目绩效模板", "社区服务类通用模板（2023版）"),)
    assert first.budget.total == Decimal("300000.00") and first.budget.other == Decimal("0.00")
    assert first.plan.scheme == "month_end"
    assert first.plan.points == (Decimal("20"), Decimal("50"), Decimal("80"), Decimal("100"))
    assert first.goals == ("保障社区服务中心正常运转", "提升服务水平")
    assert [i.level1 for i in first.indicators] == ["产出指标"] * 4 + ["效益指标", "满意度指标"]
    for ind, (sym, val, unit) in zip(first.indicators, CHENGDE):
        if sym == "文字描述":  # words under 文字描述: the value is the words, with no symbol
            assert (ind.comparator, ind.value, ind.unit) == ("", unit, "")
        else:
            assert (ind.comparator, ind.value, ind.unit) == (sym, val, unit)
    assert [i.basis for i in first.indicators] == [f"依据{k}" for k in range(1, 7)]
    assert second.number == 2 and second.goals == ("网格全覆盖",)
    assert [(i.name, i.text) for i in second.indicators] == [("网格员人数", "=20人")]


def test_a_table_broken_over_a_page_is_read_as_one():
    doc = Document()
    doc.add_paragraph("1. 维稳经费项目绩效目标表")
    add_table(doc, [["项目编码", "P1", "项目名称", "维稳经费"], ["绩效目标", "维护社会稳定", None, None],
                    ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "排查次数", "≥12次"]],
              [((1, 1), (1, 3))])
    doc.add_paragraph()  # Word leaves an empty paragraph where the page broke
    add_table(doc, [["一级指标", "二级指标", "三级指标", "指标值"], ["效益指标", "社会效益指标", "矛盾化解率", "≥95%"],
                    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"]])
    result = read_document(save(doc), FORMS, name="x.docx")
    assert len(result.tables) == 1
    assert [i.name for i in result.tables[0].project.indicators] == ["排查次数", "矛盾化解率", "群众满意度"]


def test_the_narrative_is_read_from_headings_and_paragraphs():
    doc = Document()
    doc.add_heading("第一部分 部门整体绩效目标", level=1)
    doc.add_heading("一、总体绩效目标", level=2)
    doc.add_paragraph("加强城市社区建设，做好指导、协调工作。")
    doc.add_paragraph("将提升居民服务质效作为各项工作的落脚点。")
    doc.add_heading("二、分项绩效目标", level=2)
    doc.add_paragraph("（一）坚持党建工作主线，创新党员管理模式")
    doc.add_paragraph("绩效目标：继续开展党员走访慰问。")
    doc.add_paragraph("绩效指标：使党支部、党员的达优比率在 75%以上。")
    doc.add_paragraph("（二）提升辖区内的文明程度")
    doc.add_paragraph("绩效目标：开展“社区之星”评选活动。")
    doc.add_heading("三、目标规划及保障措施", level=2)
    doc.add_paragraph("（一）加强组织领导。单位一把手负总责。")
    doc.add_paragraph("（二）完善制度建设。")
    doc.add_paragraph("部门（单位）整体支出绩效目标表")  # the table that follows ends the part
    add_table(doc, [["部门（单位）名称", "某街道办事处"], ["年度总体目标", "目标1：保障运转"]])
    result = read_document(save(doc), FORMS, name="x.docx")
    n = result.narrative
    assert n.overall == "加强城市社区建设，做好指导、协调工作。\n将提升居民服务质效作为各项工作的落脚点。"
    assert [s.title for s in n.sub_goals] == ["坚持党建工作主线，创新党员管理模式", "提升辖区内的文明程度"]
    assert n.sub_goals[0].goal == "绩效目标：继续开展党员走访慰问。"
    assert n.sub_goals[0].indicators == "绩效指标：使党支部、党员的达优比率在 75%以上。"
    assert n.measures == ("（一）加强组织领导。单位一把手负总责。", "（二）完善制度建设。")
    assert result.departments[0].department.name == "某街道办事处"


def test_our_own_word_document_imports_back_whole(tmp_path):
    """The published document of the demo file, imported into a new file: every table and the narrative."""
    source = imports_ops.make_demo(tmp_path / "demo.db")
    docx = tmp_path / "公开文本.docx"
    exports_ops.export_published(source, docx)
    target = tmp_path / "new.db"
    plan = imports_ops.plan_docx_import(docx, imports_ops.Target.of_file(target))
    assert plan.include_narrative()
    imports_ops.apply_import(plan, target)
    fields = ("code", "name", "money_unit", "budget", "usage", "plan", "goals", "indicators", "extra", "number")
    with Store.open(source) as before, Store.open(target) as after:
        old = {p.code: p for p in before.projects()}
        new = {p.code: p for p in after.projects()}
        assert new.keys() == old.keys()
        for code, p in old.items():
            assert {f: getattr(new[code], f) for f in fields} == {f: getattr(p, f) for f in fields}, p.name
        (d0,), (d1,) = before.departments(), after.departments()
        for f in ("name", "money_unit", "tasks", "goals", "indicators", "narrative"):
            assert getattr(d1, f) == getattr(d0, f), f
        assert after.unit() == before.unit() and after.year() == before.year()


def test_cli_import_docx_dry_run_then_narrative(tmp_path, capsys):
    docx = tmp_path / "去年.docx"
    docx.write_bytes(one_column_document())
    db = tmp_path / "f.db"
    assert main(["import-docx", str(docx), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "第1个表格  社区服务经费（13022923P00JXC4150999）：6 条指标" in out and "试运行" in out
    assert not db.exists()
    assert main(["import-docx", str(docx), "--db", str(db)]) == 0
    with Store.open(db) as store:
        assert [p.name for p in store.projects()] == ["社区服务经费"] and store.year() == 2024


@pytest.mark.parametrize("name,data,words", [
    ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Word（.doc）"),
    ("旧.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "WPS 文字（.wps）"),
    ("坏.docx", None, "已损坏"),
    ("表.rtf", b"{\\rtf1\\ansi hello}", "RTF"),
    ("网页.docx", b"<html><body>x</body></html>", "网页"),
])
def test_files_that_are_not_readable_docx_get_a_message_and_write_nothing(tmp_path, capsys, name, data, words):
    if data is None:
        data = one_column_document()[:3000]  # cut off, as a broken copy from a USB stick
    path = tmp_path / name
    path.write_bytes(data)
    db = tmp_path / "f.db"
    code = main(["import-docx", str(path), "--db", str(db), "--unit-code", "1", "--year", "2024"])
    err = capsys.readouterr().err
    assert code == 2 and words in err and name in err and "Traceback" not in err
    assert not db.exists()


def test_an_excel_file_given_as_word_is_named(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(DocumentError, match="导入Excel"):
        read_document(buf.getvalue(), FORMS, name="表.docx")


def test_a_hostile_span_is_refused_before_parsing():
    data = one_column_document()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    body = parts["word/document.xml"].decode()
    parts["word/document.xml"] = body.replace("<w:gridSpan w:val=\"2\"/>", "<w:gridSpan w:val=\"1000000\"/>", 1).encode()
    assert parts["word/document.xml"] != body.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, blob in parts.items():
            z.writestr(part, blob)
    with pytest.raises(WorkbookTooLargeError, match="横跨"):
        read_document(out.getvalue(), FORMS, name="x.docx")


def test_word_import_into_a_finalised_table_is_refused_whole(tmp_path):
    docx = tmp_path / "去年.docx"
    docx.write_bytes(one_column_document())
    db = tmp_path / "f.db"
    assert main(["import-docx", str(docx), "--db", str(db)]) == 0
    doc = OpenFile.open(db)
    (p,) = doc.projects()
    doc.finalize(p.uid)
    doc._store.flush()
    doc.close()
    with Store.open(db) as store:
        before = store.project(p.uid)
        assert before.finalized
    docx.write_bytes(one_column_document(usage="改过的用途"))
    assert main(["import-docx", str(docx), "--db", str(db), "--narrative"]) == 2
    with Store.open(db) as store:
        assert store.project(p.uid) == before
        assert not store.departments()  # the narrative was not written either


# ---------------------------------------------------------------- documents as offices really lay them out

HEAD = [["项目编码", "C-1", "项目名称", "社区经费"], ["预算数", "12.5", "其中：财政资金", "12.5"]]
GRID = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "户数", "≥90%"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥95%"]]


def plain_table(doc, rows):
    return add_table(doc, rows)


def titled(doc, unit_line="439001某街道办事处\t单位：万元"):
    doc.add_paragraph("1.社区经费绩效目标表")
    if unit_line:
        doc.add_paragraph(unit_line)


def only_table(doc):
    (found,) = read_document(save(doc), FORMS, name="x.docx").tables
    return found


def test_a_page_break_just_before_the_indicator_header_keeps_every_indicator():
    doc = Document()
    titled(doc)
    plain_table(doc, HEAD)
    doc.add_paragraph()
    plain_table(doc, GRID)
    assert [i.name for i in only_table(doc).project.indicators] == ["户数", "群众满意度"]


def test_a_continued_table_after_a_xubiao_line_is_read_as_one():
    doc = Document()
    titled(doc)
    plain_table(doc, HEAD + GRID[:2])
    doc.add_paragraph("续表")
    plain_table(doc, [GRID[0], GRID[2]])
    assert [i.name for i in only_table(doc).project.indicators] == ["户数", "群众满意度"]


def test_a_unit_line_in_its_own_borderless_table_keeps_wan_yuan_and_the_number():
    doc = Document()
    doc.add_paragraph("3.社区经费绩效目标表")
    plain_table(doc, [["439001某街道办事处", "单位：万元"]])
    plain_table(doc, [[None, None]])  # and an empty table left behind
    plain_table(doc, HEAD + GRID)
    found = only_table(doc)
    p = found.project
    assert (p.number, p.money_unit, p.budget.total) == (3, "万元", Decimal("125000.00"))
    assert found.unit.code == "439001"


@pytest.mark.parametrize("line", ["439001某街道办事处  单位：万元", "439001某街道办事处\u3000单位：万元",
                                  "４３９００１某街道办事处\t单位：万元"])
def test_unit_lines_written_with_spaces_or_full_width_digits(line):
    found = only_table((lambda d: (titled(d, line), plain_table(d, HEAD + GRID), d)[2])(Document()))
    assert found.unit.code == "439001" and found.project.money_unit == "万元"


def test_a_digits_only_project_code_is_not_taken_for_the_unit():
    doc = Document()
    plain_table(doc, [["项目编码", "170001001", "项目名称", "社区经费"]] + GRID)
    assert only_table(doc).unit is None


def test_a_symbol_inserted_from_the_symbol_font_and_an_unfilled_prompt():
    from docx.oxml import parse_xml

    doc = Document()
    titled(doc)
    table = plain_table(doc, HEAD + GRID + [["效益指标", "社会效益指标", "居民安全感", "提升"]])
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    p = table.cell(3, 3).paragraphs[0]
    p.clear()
    p._p.append(parse_xml(f'<w:r {w}><w:sym w:font="Symbol" w:char="F0B3"/><w:t>90%</w:t></w:r>'))
    prompt = table.cell(5, 3).paragraphs[0]
    prompt._p.append(parse_xml(f'<w:sdt {w}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r>'
                               f'<w:t>单击或点击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt>'))
    inds = only_table(doc).project.indicators
    assert inds[0].text == "≥90%" and inds[2].text == "提升"


def test_a_table_with_labels_but_nothing_filled_in_is_not_a_project():
    doc = Document()
    titled(doc)
    plain_table(doc, HEAD + GRID)
    doc.add_paragraph()
    doc.add_paragraph()
    plain_table(doc, [["项目编码", "", "项目名称", ""]])
    assert [t.project.name for t in read_document(save(doc), FORMS).tables] == ["社区经费"]


def test_an_amount_beyond_any_budget_is_reported_not_a_crash():
    doc = Document()
    titled(doc)
    plain_table(doc, [["项目编码", "C-1", "项目名称", "社区经费"], ["预算数", "9" * 27, "其中：财政资金", "1e400"]] + GRID)
    found = only_table(doc)
    assert found.project.budget.total is None and found.project.budget.fiscal is None
    assert sum("大得不像预算金额" in w.message for w in found.warnings) == 2


def test_a_table_of_another_unit_is_named_in_the_report(tmp_path):
    doc = Document()
    titled(doc)
    plain_table(doc, HEAD + GRID)
    doc.add_paragraph("2.居委会经费绩效目标表")
    doc.add_paragraph("439002某社区居委会\t单位：万元")
    plain_table(doc, [["项目编码", "C-2", "项目名称", "居委会经费"]] + GRID)
    path = tmp_path / "x.docx"
    path.write_bytes(save(doc))
    plan = imports_ops.plan_docx_import(path, imports_ops.Target.of_file(tmp_path / "f.db"), year=2024)
    assert any("439002某社区居委会" in str(w) and "请核对" in str(w) for w in plan.warnings)


def test_narrative_subtitles_word_numbering_and_later_headings():
    doc = Document()
    doc.add_heading("总体绩效目标", level=1)  # 一、 by Word's numbering, not in the text
    doc.add_paragraph("加强城市社区建设。")
    doc.add_heading("分项绩效目标", level=1)
    doc.add_paragraph("部门职责分类绩效目标情况说明")
    doc.add_heading("坚持党建工作主线", level=2)  # （一） by Word's numbering
    doc.add_paragraph("绩效目标：继续开展党员走访慰问。")
    doc.add_paragraph("绩效指标：达优比率在 75%以上。")
    doc.add_paragraph("提升文明程度", style="List Number")
    doc.add_paragraph("绩效目标：开展评选活动。")
    doc.add_heading("工作保障措施", level=1)
    doc.add_paragraph("实现年度发展规划目标的保障措施")
    doc.add_paragraph("1、加强组织领导。")
    doc.add_paragraph("2、完善制度建设。")
    doc.add_paragraph("四、其他需要说明的情况")
    doc.add_paragraph("无。")
    doc.add_heading("名词解释", level=1)
    doc.add_paragraph("绩效目标：预期达到的产出和效果。")
    result = read_document(save(doc), FORMS)
    n = result.narrative
    assert n.overall == "加强城市社区建设。"
    assert [(s.title, s.goal, s.indicators) for s in n.sub_goals] == [
        ("坚持党建工作主线", "绩效目标：继续开展党员走访慰问。", "绩效指标：达优比率在 75%以上。"),
        ("提升文明程度", "绩效目标：开展评选活动。", "")]
    assert n.measures == ("1、加强组织领导。", "2、完善制度建设。")
    assert set(result.narrative_skipped) == {"部门职责分类绩效目标情况说明", "实现年度发展规划目标的保障措施"}


def test_last_years_document_starts_this_years_file(tmp_path):
    """The published 2023 document into the 2024 file: the tables come in as 2024's, the department table
    with a note that its contents are last year's; a document two years old is still refused."""
    demo = imports_ops.make_demo(tmp_path / "2023.db")
    docx = tmp_path / "2023公开文本.docx"
    exports_ops.export_published(demo, docx)
    db = tmp_path / "2024.db"
    with Store.open(demo) as store:
        unit = store.unit()
    Store.create(db, unit=unit, year=2024).close()
    plan = imports_ops.plan_docx_import(docx, imports_ops.Target.of_file(db))
    assert not plan.blocked and plan.department_actions == ["新增"]
    assert any("将作为 2024 年度的表导入" in str(w) for w in plan.warnings)
    imports_ops.apply_import(plan, db)
    with Store.open(db) as store:
        assert {p.year for p in store.projects()} == {2024} and len(store.projects()) == 7
        assert [d.year for d in store.departments()] == [2024]
    old = tmp_path / "2025.db"
    Store.create(old, unit=unit, year=2025).close()
    plan = imports_ops.plan_docx_import(docx, imports_ops.Target.of_file(old))
    assert plan.blocked and "请导入到 2023 年度的文件" in plan.blocked[0]


def test_narrative_only_leaves_every_table_as_it_is(tmp_path, capsys):
    demo = imports_ops.make_demo(tmp_path / "demo.db")
    docx = tmp_path / "公开文本.docx"
    exports_ops.export_published(demo, docx)
    doc = OpenFile.open(demo)
    p = doc.projects()[0]
    doc.put(p.uid, replace(p, usage="今年改过的用途"))
    (dept,) = doc.departments()
    doc.put_department(dept.uid, replace(dept, narrative=replace(dept.narrative, overall="今年改过的总体目标")))
    doc._store.flush()
    doc.close()
    assert main(["import-docx", str(docx), "--db", str(demo), "--narrative-only"]) == 0
    out = capsys.readouterr().out
    assert "文字部分：" in out and "导入到部门整体表，替换文件中已有的文字部分" in out
    with Store.open(demo) as store:
        assert store.project(p.uid).usage == "今年改过的用途"  # the tables were not touched
        (after,) = store.departments()
        assert after.narrative.overall != "今年改过的总体目标" and after.tasks == dept.tasks


def test_a_body_whose_compressed_bytes_are_broken_is_named_damaged():
    data = bytearray(one_column_document())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 64] = b"\xff" * 64  # not a deflate stream any more (zlib.error while streaming)
    with pytest.raises(DocumentError, match="已损坏"):
        read_document(bytes(data), FORMS, name="坏.docx")

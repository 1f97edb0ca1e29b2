"""The printed 绩效目标表: every cell in its place, pagination, fonts, 校验码, reproducibility."""

import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal

import pytest

from desk.ops import exports as exports_ops, imports as imports_ops
from desk.domain.model import Indicator, SpendingPlan
from desk.forms import get_form
from desk.io import jsonio
from desk.render import pdf
from desk.render.fonts import find_fonts
from desk.render.pdf import PrintError, PrintJob, checksum, render
from desk.domain.money import display_money
from desk.domain.values import split_columns
from tests.helpers import UNIT, good_project
from tests.render.pdfread import draft_marks, grid, pages_tables, pages_text


@pytest.fixture(scope="module")
def fonts():
    return find_fonts()


@pytest.fixture(scope="module")
def yutian():
    from tests.conftest import ROOT

    return jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))


def jobs_for(projects, form_name=None):
    return [PrintJob(p, i + 1, get_form(form_name or p.form), UNIT) for i, p in enumerate(projects)]


def find_row(rows, first):
    return next(r for r in rows if r and r[0] == first)


def non_empty(row):
    return [c for c in row if c is not None]


def check_header_blocks(rows, p, labels=("3月底", "6月底", "10月底", "12月底")):
    assert non_empty(find_row(rows, "项目编码")) == ["项目编码", p.code, "项目名称", p.name]
    money = non_empty(find_row(rows, "预算规模及资金用途"))
    assert money == ["预算规模及资金用途", "预算数", display_money(p.budget.total), "其中：财政资金",
                     display_money(p.budget.fiscal), "其他资金", display_money(p.budget.other)]
    i = rows.index(find_row(rows, "预算规模及资金用途"))
    assert non_empty(rows[i + 1]) == [p.usage]
    plan_i = rows.index(find_row(rows, "资金支出计划（%）"))
    assert non_empty(rows[plan_i]) == ["资金支出计划（%）", *labels]
    expected = ["" if x is None else f"{x}%" for x in p.plan.points]
    plan_values = [c for c in rows[plan_i + 1] if c is not None]
    assert plan_values == expected
    assert len(p.goals) == 1  # one goal prints exactly as written, with or without its own number
    assert non_empty(find_row(rows, "绩效目标")) == ["绩效目标", p.goals[0]]


@pytest.mark.parametrize("goals, printed", [
    (("保障社区工作正常开展",), "保障社区工作正常开展"),
    (("1.保障社区工作正常开展",), "1.保障社区工作正常开展"),
    (("保障社区工作", "服务居民"), "1.保障社区工作\n2.服务居民"),
    (("目标1保证社区工作", "目标2服务居民"), "目标1保证社区工作\n目标2服务居民"),
    (("1、保证社区工作", "2、服务居民"), "1、保证社区工作\n2、服务居民"),
    (("（一）保证社区工作", "服务居民"), "（一）保证社区工作\n2.服务居民"),
    (("一是保障社区正常运转；", "二是提升服务水平。"), "一是保障社区正常运转；\n二是提升服务水平。"),
    (("第一，保障运转", "第二，提升服务"), "第一，保障运转\n第二，提升服务"),
    (("⑴保障运转", "⑵提升服务"), "⑴保障运转\n⑵提升服务"),
    (("1.5万元用于网格员补贴", "提升满意度"), "1.5万元用于网格员补贴\n2.提升满意度"),
])
def test_goals_print_as_written_numbered_only_where_they_have_no_number(fonts, goals, printed):
    p = good_project(goals=goals)
    (rows,) = pages_tables(render(jobs_for([p]), fonts))
    assert non_empty(find_row(rows, "绩效目标")) == ["绩效目标", printed.replace("\n", "")]  # lines joined on read


@pytest.mark.parametrize("index", range(7))
def test_every_yutian_cell_lands_in_its_row_and_column(yutian, fonts, index):
    p = yutian.projects[index]
    data = render([PrintJob(p, index + 1, get_form(p.form), UNIT)], fonts)
    (rows,) = pages_tables(data)
    check_header_blocks(rows, p)
    names, body = grid(rows)
    assert names == ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
    assert body == [[i.level1, i.level2, i.name, i.description, i.value_text, i.basis] for i in p.indicators]
    text = pages_text(data)[0]
    assert text.splitlines()[0] == f"{index + 1}.{p.name}绩效目标表"
    assert "439001玉田县无终街道办事处本级 单位：元" in text


@pytest.mark.parametrize("index", [0, 1, 4])
def test_split_value_variant(yutian, fonts, index):
    p = yutian.projects[index]
    (rows,) = pages_tables(render(jobs_for([p], "hebei-project-split"), fonts))
    check_header_blocks(rows, p)
    names, body = grid(rows)
    assert names == ["一级指标", "二级指标", "三级指标", "绩效指标描述", "符号", "值", "单位（文字描述）", "指标值确定依据"]
    expected = []
    for i in p.indicators:
        comparator, number, unit = split_columns(i.target)
        expected.append([i.level1, i.level2, i.name, i.description, comparator, number, unit, i.basis])
    assert body == expected
    words = [i for i in p.indicators if i.comparator == "" and not re.fullmatch(r"\d+(\.\d+)?\D{0,3}", i.value)]
    assert any(r[4] == "文字描述" for r in body) == bool(words)
    for r, i in zip(body, p.indicators):  # a bare number goes in 值 with an empty 符号, never under 文字描述
        if i.comparator == "" and re.fullmatch(r"\d+", i.value_text):
            assert (r[4], r[5], r[6]) == ("", i.value_text, "")


def test_quarterly_plan(fonts):
    p = good_project(plan=SpendingPlan("quarter", (Decimal(25), None, Decimal("62.5"), Decimal(100))))
    (rows,) = pages_tables(render(jobs_for([p]), fonts))
    check_header_blocks(rows, replace(p, plan=SpendingPlan("quarter", ("25", None, "62.5", "100"))),
                        labels=("第一季度", "第二季度", "第三季度", "第四季度"))


def test_2021_form_with_goal_rows(fonts):
    p = good_project(form="project-2021", goals=("保障社区工作", "服务居民"), money_unit="万元")
    (rows,) = pages_tables(render(jobs_for([p]), fonts))
    assert non_empty(find_row(rows, "绩效目标")) == ["绩效目标", "目标1", "保障社区工作"]
    i = rows.index(find_row(rows, "绩效目标"))
    assert non_empty(rows[i + 1]) == ["目标2", "服务居民"]
    money = non_empty(find_row(rows, "预算规模及资金用途"))
    assert money[2] == "77.00"  # 770000 元 printed in 万元
    assert "单位：万元" in pages_text(render(jobs_for([p]), fonts))[0]


def many_indicators(n=60):
    base = good_project()
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("效益指标", "社会效益指标"),
              ("满意度指标", "服务对象满意度指标")]
    inds = []
    for k in range(n):
        l1, l2 = levels[k * len(levels) // n]
        inds.append(Indicator(l1, l2, f"指标{k + 1:02d}", f"第{k + 1}个指标的描述，说明统计口径和计算方法。" * 2,
                              "≥", str(k + 1), "个", "依据单位考核指标"))
    return replace(base, indicators=tuple(inds))


def test_sixty_indicators_repeat_the_header_on_every_page(fonts):
    p = many_indicators()
    data = render(jobs_for([p]), fonts)
    tables = pages_tables(data)
    assert len(tables) >= 3
    all_rows = []
    for n, rows in enumerate(tables):
        names, body = grid(rows)
        assert names[0] == "一级指标", f"page {n + 1} lacks the grid header"
        all_rows.extend(body)
    assert [r[2] for r in all_rows] == [f"指标{k + 1:02d}" for k in range(60)]
    texts = pages_text(data)
    for n, text in enumerate(texts, 1):
        assert f"第 {n} 页 共 {len(texts)} 页" in text
    # a category cut by a page break is labelled as continued on the next page
    first_on_page2 = grid(tables[1])[1][0]
    assert first_on_page2[0].endswith("（续）") or first_on_page2[1].endswith("（续）")
    assert "（续）" in texts[1].splitlines()[0]  # the title line of a continuation page


def test_a_table_not_finalised_prints_as_a_draft_on_every_page(fonts):
    draft = many_indicators()
    final = replace(draft, uid="final", finalized_at="2026-11-20T09:30:00+08:00", finalized_by="张会计")
    data = render(jobs_for([draft, final]), fonts)
    marks = draft_marks(data)
    draft_pages = len(pages_tables(render(jobs_for([draft]), fonts)))
    assert draft_pages >= 3 and marks == [True] * draft_pages + [False] * (len(marks) - draft_pages)
    # a table with errors (no money, no goals) still prints, as a draft
    broken = replace(good_project(), budget=replace(good_project().budget, total=None), goals=())
    assert draft_marks(render(jobs_for([broken]), fonts)) == [True]


def test_three_thousand_characters_print_whole(fonts):
    long = ("城镇社区工作经费主要用于社区办公、服务群众、开展活动，确保各项工作正常运转。" * 80)[:3000]
    p = replace(many_indicators(6), usage=long)
    inds = list(p.indicators)
    inds[2] = replace(inds[2], description=long)
    p = replace(p, indicators=tuple(inds))
    data = render(jobs_for([p]), fonts)
    cells = [c for rows in pages_tables(data) for row in rows for c in row if c]
    pieces = [c for c in cells if len(c) > 10 and c in long]
    assert "".join(pieces) == long + long, "both long texts must print whole, in order"
    assert pdf.page_count(data) >= 3
    first_page = pages_tables(data)[0]
    assert find_row(first_page, "预算规模及资金用途"), "a long block starts on the first page, it is not pushed off"


def test_no_line_starts_with_closing_punctuation(fonts):
    text = "，".join(["加强党组织建设和党员管理", "不断提高执政能力和领导水平", "加强社区居委会建设和管理"] * 8) + "。"
    p = good_project(usage=text)
    data = render(jobs_for([p]), fonts)
    lines = [ln.strip() for ln in pages_text(data)[0].splitlines()]
    assert not [ln for ln in lines if ln and ln[0] in "，。、；：！？）》"]


def test_fonts_are_embedded(fonts, tmp_path, yutian):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "t.pdf"
    path.write_bytes(render(jobs_for(yutian.projects), fonts))
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.strip().splitlines()[2:]
    assert rows, out
    for row in rows:
        assert re.search(r"TrueType\s+\S+\s+yes\s+yes", row), row


def test_same_content_same_bytes(fonts, yutian):
    assert render(jobs_for(yutian.projects), fonts) == render(jobs_for(yutian.projects), fonts)


def test_checksum_changes_with_content_of_that_table_only(yutian, fonts):
    before = [checksum(j) for j in jobs_for(yutian.projects)]
    assert all(re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", c) for c in before)
    changed = list(yutian.projects)
    inds = list(changed[3].indicators)
    inds[0] = inds[0].with_value_text("11")
    changed[3] = replace(changed[3], indicators=tuple(inds))
    after = [checksum(j) for j in jobs_for(changed)]
    assert [b != a for b, a in zip(before, after)] == [False, False, False, True, False, False, False]
    # the code is printed in the footer of that table
    text = pages_text(render(jobs_for(changed), fonts))[3]
    assert f"校验码：{after[3]}" in text


def test_each_table_starts_a_new_page_in_file_order(yutian, fonts):
    data = render(jobs_for(yutian.projects), fonts)
    texts = pages_text(data)
    titles = [t.splitlines()[0] for t in texts if not t.splitlines()[0].endswith("（续）")]
    assert titles == [f"{i + 1}.{p.name}绩效目标表" for i, p in enumerate(yutian.projects)]


def test_missing_glyphs_are_named_not_printed(fonts):
    p = good_project(name="㐀𠀀项目", indicators=good_project().indicators[:1] + (
        replace(good_project().indicators[1], basis="依据😀"),))
    missing = pdf.missing_glyphs(jobs_for([p]), fonts)
    fields = {m.field: m.chars for m in missing}
    assert fields == {"indicators[1].basis": ("😀",)}  # 㐀 and 𠀀 print through the fallback fonts
    with pytest.raises(PrintError, match="指标第2行的指标值确定依据"):
        render(jobs_for([p]), fonts)


RARE = "𠮷㐀"  # U+20BB7 (Extension B), U+3400 (Extension A): not in the main font


def test_rare_characters_print_through_the_embedded_fallback_font(fonts, tmp_path):
    assert all(not fonts.body.main.has(ch) for ch in RARE)
    p = good_project(name=f"{RARE}社区经费", usage=f"用于{RARE}社区", indicators=(
        replace(good_project().indicators[0], basis=f"依据{RARE}文件"),) + good_project().indicators[1:])
    assert pdf.missing_glyphs(jobs_for([p]), fonts) == []
    data = render(jobs_for([p]), fonts)
    text = pages_text(data)[0]
    assert f"1.{RARE}社区经费绩效目标表" in text and f"依据{RARE}文件" in text.replace("\n", "")
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "rare.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.strip().splitlines()[2:]
    assert any("HanaMinA" in r for r in rows) and any("HanaMinB" in r for r in rows), out
    for row in rows:
        assert re.search(r"TrueType\s+\S+\s+yes\s+yes", row), row


def test_font_with_face_index_and_title_font_checked(tmp_path):
    from desk.render import fonts as font_module
    from tests.conftest import ROOT

    chosen = font_module.find_fonts(f"{ROOT / 'resources/fonts/uming.ttc'}:1")
    assert chosen.body.main.subfont == 1 and chosen.body.has("𠮷")
    with pytest.raises(font_module.FontError, match="第 9 个"):
        font_module.find_fonts(f"{ROOT / 'resources/fonts/uming.ttc'}:9")
    # a title font that lacks a character falls back to the body face, then the fallbacks
    import shutil as sh

    sh.copy(ROOT / "resources/fonts/uming.ttc", tmp_path / "simsun.ttc")
    sh.copy(ROOT / "resources/fonts/uming.ttc", tmp_path / "simhei.ttf")
    original = font_module.windows_fonts_dir
    try:
        font_module.windows_fonts_dir = lambda: tmp_path
        chosen = font_module.find_fonts()
    finally:
        font_module.windows_fonts_dir = original
    assert not chosen.stroke_title and chosen.title.has("㐀") and chosen.missing("😀", title=True) == ["😀"]


def test_split_file_names_are_safe_and_unique():
    a = good_project(code="13022923P00JXC4150646", name="维稳经费")
    b = good_project(code="", name='社区/办公:经费?')
    c = good_project(code="13022923P00JXC4150646", name="维稳经费")
    assert pdf.split_file_names([a, b, c]) == [
        "13022923P00JXC4150646_维稳经费.pdf", "社区_办公_经费_.pdf", "13022923P00JXC4150646_维稳经费(2).pdf"]


def test_export_pdf_service(tmp_path, demo_json):
    db = tmp_path / "demo.db"
    imports_ops.import_document(jsonio.loads(demo_json.read_text("utf-8")), db)
    one = tmp_path / "a.pdf"
    exports_ops.export_pdf(db, one, selection=["13022923P00JXC4150646", "13022923P00JXC415060P"])
    titles = [t.splitlines()[0] for t in pages_text(one.read_bytes())]
    assert titles == ["1.城镇社区工作经费绩效目标表", "5.维稳经费绩效目标表"]
    written = exports_ops.export_pdf(db, split_dir=tmp_path / "split")
    assert len(written) == 7 and written[0].name == "13022923P00JXC415060P_城镇社区工作经费.pdf"
    with pytest.raises(Exception, match="没有 uid 或项目编码为“nope”"):
        exports_ops.export_pdf(db, tmp_path / "b.pdf", selection=["nope"])
    assert not (tmp_path / "b.pdf").exists()


def test_merged_cells_follow_the_indicator_order(fonts):
    """一级/二级 merge only consecutive equal rows; a repeated category later is a new cell."""
    base = good_project().indicators
    inds = (base[0], base[1], replace(base[1], name="质量2"), base[0].__class__(**{**base[0].__dict__, "name": "数量2"}),
            base[2], base[3])
    p = good_project(indicators=inds)
    (rows,) = pages_tables(render(jobs_for([p]), fonts))
    start = rows.index(find_row(rows, "一级指标"))
    body = rows[start + 1:]
    first_col = [r[0] for r in body]
    second_col = [r[1] for r in body]
    assert first_col == ["产出指标", None, None, None, "效益指标", "满意度指标"]
    assert second_col == ["数量指标", "质量指标", None, "数量指标", "社会效益指标", "服务对象满意度指标"]


def test_a_new_print_variant_needs_no_code(tmp_path, fonts):
    import shutil as sh

    from desk.forms import load_forms
    from tests.conftest import ROOT

    folder = tmp_path / "forms"
    sh.copytree(ROOT / "forms", folder)
    text = (folder / "hebei-project.toml").read_text("utf-8")
    text = (text.replace('name = "hebei-project"', 'name = "county-b"')
                .replace('title_template = "{index}.{name}绩效目标表"', 'title_template = "{year}年度{name}项目绩效目标表"')
                .replace('"grid", "signoff"]', '"grid"]')
                .replace('header_labels = ["项目编码", "项目名称"]', 'header_labels = ["项目代码", "名称"]'))
    (folder / "county-b.toml").write_text(text, "utf-8")
    form = load_forms(folder)["county-b"]
    data = render([PrintJob(good_project(), 1, form, UNIT)], fonts)
    page = pages_text(data)[0]
    assert page.splitlines()[0] == "2023年度城镇社区工作经费项目绩效目标表"
    assert "填报人" not in page
    (rows,) = pages_tables(data)
    assert non_empty(find_row(rows, "项目代码"))[2] == "名称"


def test_windows_fonts_are_preferred_when_present(tmp_path, monkeypatch):
    import shutil as sh

    from desk.render import fonts as font_module
    from tests.conftest import ROOT

    sh.copy(ROOT / "resources/fonts/uming.ttc", tmp_path / "simsun.ttc")
    monkeypatch.setattr(font_module, "windows_fonts_dir", lambda: tmp_path)
    chosen = font_module.find_fonts()
    assert chosen.body.main.path == tmp_path / "simsun.ttc"
    assert chosen.stroke_title  # no 黑体 here: titles are drawn stroked
    with pytest.raises(font_module.FontError, match="OpenType-CFF"):
        (tmp_path / "noto.otf").write_bytes(b"OTTO")
        font_module.find_fonts(tmp_path / "noto.otf")

"""Layout that respects the paper, over the real samples and the hard cases: the sign-off never stands alone,
nothing runs outside the margins, no row grows tall while a wider column would have kept it short, and no
line starts with closing punctuation."""

import io
from dataclasses import replace

import pdfplumber
import pytest

from desk.forms import get_form
from desk.io import jsonio
from desk.render.fonts import find_fonts
from desk.render.layout import NO_LINE_END, NO_LINE_START
from desk.render.pdf import _Layout, render
from desk.render.table import MM, PrintJob, build_rows
from tests.conftest import ROOT
from tests.helpers import UNIT, good_project

FORMS = ("hebei-project", "hebei-project-split", "chengde-project", "tangshan-project", "project-2021")
LONG_BASIS = ("依据《中华人民共和国预算法》《关于全面实施预算绩效管理的意见》（中发〔2018〕34号）、"
              "《项目支出绩效评价管理办法》（财预〔2020〕10号）和本街道办事处2023年度工作计划（第一批）；"
              "参考上年度实际完成情况（完成率98.5%）”。") * 2


@pytest.fixture(scope="module")
def fonts():
    return find_fonts()


def samples():
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    projects = list(doc.projects)
    base = good_project()
    long_title = replace(base, name="关于做好街道辖区内老旧小区改造配套基础设施建设及社区居家养老服务中心运营补助资金",
                         goals=("保障老旧小区改造顺利实施（含配套设施）；", "提升居家养老服务水平”。"))
    inds = list(base.indicators)
    inds[0] = replace(inds[0], basis=LONG_BASIS, description="按照（市级）“标准化”要求完成改造）；并通过验收”。")
    long_basis = replace(base, name="长依据", indicators=tuple(inds))
    levels = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("效益指标", "社会效益指标"),
              ("满意度指标", "服务对象满意度指标")]
    forty = []
    for k in range(40):
        l1, l2 = levels[k * len(levels) // 40]
        forty.append(replace(base.indicators[0], level1=l1, level2=l2, name=f"第{k + 1}项工作（按月统计）",
                             description=f"第{k + 1}项工作的完成情况，按“月报”口径统计）。" * (1 + k % 3),
                             basis="依据年度工作计划（第二版）；" * (1 + k % 4)).with_value_text(f"≥{k + 1}次"))
    forty_rows = replace(base, name="四十行", indicators=tuple(forty))
    return projects + [long_title, long_basis, forty_rows]


def cases():
    return [(form, i) for form in FORMS for i in range(len(samples()))]


@pytest.fixture(scope="module")
def all_samples():
    return samples()


def laid_out(project, form_name, fonts):
    form = get_form(form_name)
    job = PrintJob(replace(project, form=form_name), 1, form, UNIT)
    head, rows, tail = build_rows(job)
    layout = _Layout(form.print, fonts)
    title = next(b.texts[0] for b in head if b.kind == "title")
    return job, layout, layout.paginate(head, rows, tail, title)


@pytest.mark.parametrize("form_name", FORMS)
def test_signoff_never_stands_alone_and_lines_obey_punctuation(all_samples, fonts, form_name):
    for project in all_samples:
        job, layout, pages = laid_out(project, form_name, fonts)
        last = pages[-1]
        assert any(b.kind == "signoff" for b, _ in last.bands)
        body = [p for p in last.rows if p.row.block == "grid" and not p.row.header]
        total = sum(1 for pg in pages for p in pg.rows if p.row.block == "grid" and not p.row.header)
        assert len(body) >= min(2, total), (form_name, project.name, len(pages))
        for page in pages:
            for placed in page.rows:
                for cell in placed.row.cells:
                    for k, line in enumerate(cell.lines):
                        assert not (k > 0 and line and line[0] in NO_LINE_START), (project.name, cell.lines)
                        assert not (k < len(cell.lines) - 1 and line and line[-1] in NO_LINE_END), cell.lines


@pytest.mark.parametrize("form_name", FORMS)
def test_no_tall_row_where_a_wider_column_would_have_kept_it_short(all_samples, fonts, form_name):
    spec = get_form(form_name).print
    highs = [v * MM for v in spec.grid_max_mm]
    lows = [v * MM for v in spec.grid_min_mm]
    for project in all_samples:
        job, layout, pages = laid_out(project, form_name, fonts)
        for page in pages:
            for placed in page.rows:
                row = placed.row
                if row.block != "grid" or row.header:
                    continue
                widths = row.widths
                assert abs(sum(widths) - layout.body_w) < 0.5
                assert all(lo - 0.5 <= w <= hi + 0.5 for lo, w, hi in zip(lows, widths, highs))
                for cell in row.cells:
                    if len(cell.lines) > 6:
                        # only where the column is already as wide as the form allows, or every other is narrowest
                        others_min = all(abs(w - lo) < 0.5 for k, (w, lo) in enumerate(zip(widths, lows))
                                         if k != cell.col)
                        assert abs(widths[cell.col] - highs[cell.col]) < 1.0 or others_min, (
                            form_name, project.name, cell.text[:20], len(cell.lines))


def test_long_title_wraps_and_no_character_leaves_the_margins(all_samples, fonts):
    for form_name in FORMS:
        form = get_form(form_name)
        jobs = [PrintJob(replace(p, form=form_name), i + 1, form, UNIT) for i, p in enumerate(all_samples)]
        data = render(jobs, fonts, contents=True)
        top, right, bottom, left = (v * MM for v in form.print.margins_mm)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                for ch in page.chars:
                    assert ch["x0"] >= left - 1 and ch["x1"] <= page.width - right + 1, (form_name, ch["text"])
                    assert ch["top"] >= 0 and ch["bottom"] <= page.height - bottom / 3
            texts = [p.extract_text() for p in pdf.pages]
        # the long title is on two lines, whole
        name = all_samples[-3].name
        joined = [t.replace("\n", "") for t in texts]
        assert any(f"{len(all_samples) - 2}.{name}" in t or f"{len(all_samples) - 2}. {name}" in t for t in joined)


def test_contents_name_the_unit_and_entries_end_before_the_page_number(all_samples, fonts):
    form = get_form("hebei-project")
    jobs = [PrintJob(p, i + 1, form, UNIT) for i, p in enumerate(all_samples * 4)]
    data = render(jobs, fonts, title="某单位2023年度项目支出绩效目标表", contents=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0]
        text = first.extract_text()
        assert f"{UNIT.code} {UNIT.name}" in text
        numbers = [w for w in first.extract_words() if w["text"] == "页"]
        right_column = min(w["x0"] for w in first.extract_words() if w["text"].startswith("第")
                           and w["x0"] > first.width / 2)
        for word in first.extract_words():
            if word["top"] > 80 and word["x1"] > right_column - 2 and not word["text"].startswith(("第", "页")) \
                    and not word["text"].isdigit():
                pytest.fail(f"contents text runs into the page numbers: {word['text']}")
        assert numbers

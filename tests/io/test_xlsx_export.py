"""Excel export: the form layout, merged cells with borders, print setup, the flat sheet, round trips."""

import io
from dataclasses import replace
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from desk.domain.model import Budget, Indicator, Project, SpendingPlan
from desk.forms import default_forms, get_form
from desk.io import jsonio, xlsx_guard
from desk.io.xlsx_import import read_workbook
from desk.render import xlsx
from desk.render.table import PrintJob, checksum
from tests.conftest import ROOT
from tests.helpers import UNIT, good_project

FORMS = default_forms()
FIELDS = ("code", "name", "money_unit", "budget", "usage", "plan", "goals", "indicators")


@pytest.fixture(scope="module")
def yutian():
    return jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))


def read_back(p, form):
    """What an export in ``form`` gives back: a split form keeps only 符号 · 值 · 单位 (no one-cell text),
    a one-cell form reads back the text it printed."""
    split = get_form(form).value_layout == "split"
    return replace(p, indicators=tuple(replace(i, text="") if split else i.with_value_text(i.value_text)
                                       for i in p.indicators))


def export(projects, form="hebei-project"):
    return xlsx.render([PrintJob(p, i + 1, get_form(form), UNIT) for i, p in enumerate(projects)])


def test_sheet_names_are_valid_and_unique():
    names = xlsx.sheet_names(["1.社区/工作:经费?" + "很长" * 20, "1.社区/工作:经费?" + "很长" * 20, "指标明细"])
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names}) == 3 and names[2] != "指标明细"


def test_layout_merges_borders_and_print_setup(yutian):
    wb = load_workbook(io.BytesIO(export(yutian.projects)))
    assert wb.sheetnames[-2:] == ["指标明细", "按单位汇总"] and len(wb.sheetnames) == 9
    ws = wb.worksheets[0]
    assert ws["A1"].value == "1.城镇社区工作经费绩效目标表"
    merged = [str(r) for r in ws.merged_cells.ranges]
    header_row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "一级指标")
    assert any(m.startswith(f"A{header_row + 1}:") for m in merged), "产出指标 merged over its rows"
    for rng in ws.merged_cells.ranges:
        first = str(ws.cell(rng.min_row, rng.min_col).value or "")
        if rng.min_row <= 2 or first.startswith(("填报单位", "单位负责人", "填报人", "联系电话", "填报日期")):
            continue  # title, unit line and the sign-off labels have no borders
        for r in range(rng.min_row, rng.max_row + 1):
            assert ws.cell(r, rng.min_col).border.left.style == "thin", (str(rng), r)
            assert ws.cell(r, rng.max_col).border.right.style == "thin", (str(rng), r)
        for c in range(rng.min_col, rng.max_col + 1):
            assert ws.cell(rng.min_row, c).border.top.style == "thin", (str(rng), c)
            assert ws.cell(rng.max_row, c).border.bottom.style == "thin", (str(rng), c)
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.cell(header_row + 1, 5).alignment.wrap_text


def test_every_page_names_the_table_and_carries_page_numbers_and_checksum(yutian):
    jobs = [PrintJob(p, i + 1, get_form("hebei-project"), UNIT) for i, p in enumerate(yutian.projects)]
    wb = load_workbook(io.BytesIO(xlsx.render(jobs)))
    for ws, job in zip(wb.worksheets, jobs):
        assert ws.oddHeader.left.text == f"{job.index}.{job.project.name}绩效目标表"
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.oddFooter.right.text == f"校验码：{checksum(job)}"
        assert ws.page_setup.firstPageNumber == 1 and ws.page_setup.useFirstPageNumber
        # lines to sign on: cells with a bottom border on the sign-off rows
        sign = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("填报单位"))
        assert any(ws.cell(sign + 1, c).border.bottom.style == "thin" for c in range(2, ws.max_column + 1))
    flat = wb["指标明细"]
    assert flat.page_setup.orientation == "landscape" and flat.page_setup.fitToWidth == 1
    assert flat.sheet_properties.pageSetUpPr.fitToPage and flat.print_title_rows == "$1:$1"


def test_same_content_same_bytes_at_any_time(yutian, monkeypatch):
    import time as time_module

    first = export(yutian.projects)
    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + 86400 * 400)  # a year later
    monkeypatch.setattr(time_module, "localtime", lambda t=None: time_module.gmtime(real() + 86400 * 400))
    assert export(yutian.projects) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_a_draft_sheet_prints_the_draft_mark_on_every_page(yutian):
    first, second = yutian.projects[:2]
    final = replace(second, finalized_at="2026-11-20T09:30:00+08:00", finalized_by="张会计")
    wb = load_workbook(io.BytesIO(export([first, final])))
    assert wb.worksheets[0].oddHeader.right.text == "草稿（未定稿，不能作为签字稿）"
    assert not wb.worksheets[1].oddHeader.right.text


def test_flat_sheet_has_one_row_per_indicator(yutian):
    wb = load_workbook(io.BytesIO(export(yutian.projects)))
    ws = wb["指标明细"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == xlsx.FLAT_COLUMNS
    assert len(rows) - 1 == sum(len(p.indicators) for p in yutian.projects) == 49
    first = rows[1]
    assert first[:6] == ("439001", "玉田县无终街道办事处本级", 2023, "13022923P00JXC415060P", "城镇社区工作经费", 770000)
    assert first[10:13] == ("≥", "25", "个")
    assert ws.cell(2, 11).data_type == "s"
    assert ws.auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize("form", ["hebei-project", "hebei-project-split", "project-2021"])
def test_yutian_export_imports_back(yutian, form):
    result = read_workbook(export(yutian.projects, form), FORMS)
    assert result.warnings == []
    for table, p in zip(result.tables, yutian.projects):
        for field in FIELDS:
            assert getattr(table.project, field) == getattr(read_back(p, form), field), (form, table.where, field)


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <alias binding="same"><family>宋体</family><prefer><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>AR PL UMing CN</family></prefer></alias>
</fontconfig>
"""


def libreoffice_pdf(xlsx_bytes: bytes, tmp_path) -> bytes:
    """The workbook printed by LibreOffice, with the program's own font standing in for 宋体 and 黑体
    (this machine has no CJK fonts of its own)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(fonts=ROOT / "resources/fonts", cache=tmp_path / "fc-cache"), "utf-8")
    path = tmp_path / "out.xlsx"
    path.write_bytes(xlsx_bytes)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(conf)}
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300, env=env)
    return (tmp_path / "out.pdf").read_bytes()


def test_libreoffice_prints_every_cell_whole(tmp_path):
    """Rendered by LibreOffice, every cell's text is found whole inside its cell: no row is too short."""
    import pdfplumber

    from tests.render.test_paper_layout import samples

    projects = samples()
    jobs = [PrintJob(p, i + 1, get_form(form), UNIT) for i, p in enumerate(projects)
            for form in ("hebei-project", "chengde-project")][::3]
    data = libreoffice_pdf(xlsx.render(jobs), tmp_path)
    found: set[str] = set()
    page_text = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    found.update("".join(c.split()) for c in row if c)
                # a label merged over rows can come out cut at the rows' lines: join runs down each column
                for col in range(max((len(r) for r in table), default=0)):
                    column = ["".join((r[col] or "").split()) if col < len(r) else "" for r in table]
                    for start in range(len(column)):
                        for stop in range(start + 2, min(len(column), start + 6) + 1):
                            found.add("".join(column[start:stop]))
            page_text.append("".join((page.extract_text() or "").split()))
    from desk.render.table import build_rows

    missing = []
    for job in jobs:
        head, rows, tail = build_rows(job)
        title = "".join(head[0].texts[0].split())
        assert any(title in t for t in page_text), title
        for row in rows:
            texts = [c.text for c in row.cells] + [label for _, label, _ in row.groups.values()]
            for text in texts:
                key = "".join(text.split())
                if key and key not in found:
                    missing.append((job.project.name, text))
    assert not missing, missing[:5]


WORDS = "社区工作经费服务群众满意度稳定发展提高质量保障运转居民活动"
text = st.text(alphabet=WORDS + "ABCxyz0123456789（）、", min_size=1, max_size=14)
goal_text = st.text(alphabet=WORDS, min_size=1, max_size=14)
amount = st.one_of(st.none(), st.integers(min_value=0, max_value=10**12).map(lambda f: (Decimal(f) / 100).quantize(Decimal("0.01"))))
percent = st.one_of(st.none(), st.integers(min_value=0, max_value=10000).map(lambda x: (Decimal(x) / 100).normalize()))
tree = get_form("hebei-project").tree
levels = st.sampled_from([(l1.name, l2) for l1 in tree.level1 for l2 in l1.children])


@st.composite
def indicator(draw):
    l1, l2 = draw(levels)
    if draw(st.booleans()):
        comparator = draw(st.sampled_from(["≥", "≤", "=", ">", "<"]))
        value = draw(st.from_regex(r"\A[1-9][0-9]{0,5}(\.[0-9]{1,2})?\Z"))
        unit = draw(st.sampled_from(["%", "个", "万元", "人/元", "平方米"]))
    else:
        comparator, value, unit = "", draw(text), ""
    return Indicator(l1, l2, draw(text), draw(st.one_of(st.just(""), text)), comparator, value, unit,
                     draw(st.one_of(st.just(""), text)))


@st.composite
def project(draw):
    return Project(
        uid="x", unit_code=UNIT.code, year=2024, code=draw(st.from_regex(r"\A[A-Z0-9]{1,21}\Z")), name=draw(text),
        money_unit=draw(st.sampled_from(["元", "万元"])), budget=Budget(draw(amount), draw(amount), draw(amount)),
        usage=draw(st.one_of(st.just(""), text)),
        plan=SpendingPlan(draw(st.sampled_from(["month_end", "quarter"])), tuple(draw(st.lists(percent, min_size=4, max_size=4)))),
        goals=tuple(draw(st.lists(goal_text, max_size=3))),
        indicators=tuple(draw(st.lists(indicator(), min_size=1, max_size=6))),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(project(), min_size=1, max_size=3), st.sampled_from(["hebei-project", "hebei-project-split"]))
def test_random_projects_survive_export_and_import(projects, form):
    result = read_workbook(export(projects, form), FORMS)
    assert len(result.tables) == len(projects)
    for table, p in zip(result.tables, projects):
        for field in FIELDS:
            assert getattr(table.project, field) == getattr(read_back(p, form), field), field


def test_values_starting_with_equals_stay_text():
    from tests.helpers import good_project

    p = good_project()
    inds = (p.indicators[0].__class__(**{**p.indicators[0].__dict__, "comparator": "=", "value": "100", "unit": "%"}),)
    wb = load_workbook(io.BytesIO(export([p.__class__(**{**p.__dict__, "indicators": inds})], "hebei-project-split")))
    cells = [c for row in wb.worksheets[0].iter_rows() for c in row if c.value in ("=", "=100%")]
    assert cells and all(c.data_type == "s" for c in cells)
    flat = wb["指标明细"]
    assert flat.cell(2, 11).value == "=" and flat.cell(2, 11).data_type == "s"


def test_totals_sheet_by_unit(yutian, tmp_path):
    from desk.ops import exports as exports_ops, imports as imports_ops

    db = tmp_path / "x.db"
    imports_ops.import_document(yutian, db)
    out = tmp_path / "x.xlsx"
    exports_ops.export_xlsx(db, out)
    ws = load_workbook(out)["按单位汇总"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == xlsx.TOTALS_COLUMNS
    assert rows[1][:4] == ("439001", "玉田县无终街道办事处本级", 2023, 7)
    assert rows[1][4] == 770000 + 30720 + 20000 + 50000 + 100000 + 26000 + 8955000
    assert rows[1][7:] == (49, 2, 2)  # indicators, errors, warnings of the sample
    assert rows[2][0] == "合计" and rows[2][4] == "=SUM(E2:E2)"


def test_an_export_of_more_tables_than_sheets_were_allowed_imports_back():
    """A consolidated file's export, one sheet per table: 201 tables make 203 sheets, more than the 200 once
    allowed. Reading it back must not be refused by the size limits, nor drop a table."""
    base = good_project()
    projects = [replace(base, uid=f"t{i}", code=f"C{i:04d}", indicators=base.indicators[:1]) for i in range(201)]
    result = read_workbook(export(projects), FORMS)
    assert [t.project.code for t in result.tables] == [p.code for p in projects]
    assert all(t.project.indicators == read_back(p, "hebei-project").indicators for t, p in zip(result.tables, projects))


def _workbook(sheets: int, rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for s in range(sheets):
        ws = wb.create_sheet(f"表{s}")
        for r in range(rows if s == 0 else 1):
            ws.append(["产出指标", "数量指标", f"指标{r}", "≥", r, "个", "依据"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_size_limits_take_a_thousand_tables_and_their_indicator_rows():
    """What a consolidated file of up to 998 tables exports: as many sheets plus two, and a 指标明细 of one row
    per indicator (50 a table would be 49,900 rows). One more sheet or row is refused, named in Chinese."""
    assert xlsx_guard.check_workbook(_workbook(1_000, 20_000), "汇总.xlsx")
    with pytest.raises(xlsx_guard.WorkbookTooLargeError, match="1001 张工作表"):
        xlsx_guard.check_workbook(_workbook(1_001, 1), "汇总.xlsx")
    limits = replace(xlsx_guard.LIMITS, cells=10**7)
    with pytest.raises(xlsx_guard.WorkbookTooLargeError, match="50000 行"):
        xlsx_guard.check_workbook(_workbook(1, 50_001), "汇总.xlsx", limits)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_merged_ranges_are_written_byte_for_byte_as_openpyxl_merges_them(yutian, form, monkeypatch):
    """xlsx._merge does openpyxl's merge_cells without working out each merged cell's style again: the same
    workbook, byte for byte, as openpyxl's own merge_cells gives."""
    fast = export(yutian.projects, form)
    monkeypatch.setattr(xlsx, "_merge", lambda ws, r0, c0, r1, c1: ws.merge_cells(
        start_row=r0, start_column=c0, end_row=r1, end_column=c1))
    assert export(yutian.projects, form) == fast

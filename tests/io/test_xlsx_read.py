"""The package reader (desk.io.xlsx_read) sees every workbook as openpyxl's full load did, and the import reads
the same tables through it; what it does not reproduce exactly (dates, hyperlinks, damage) goes to openpyxl."""

import datetime
import io
import os
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.cell.text import InlineFont
from openpyxl.cell.rich_text import CellRichText, TextBlock

from desk.forms import default_forms, get_form
from desk.io import jsonio, xlsx_import
from desk.io.xlsx_import import Sheet, read_workbook
from desk.io.xlsx_read import Unsupported, read_sheets
from desk.render import xlsx
from desk.render.table import PrintJob
from tests.conftest import ROOT, SAMPLES
from tests.io.test_xlsx_import import table_rows, workbook
from tests.test_regional_forms import chengde_workbook, tangshan_workbook

FORMS = default_forms()


def sheet_of(rows):
    """A workbook whose first sheet holds ``rows`` from A1 (None leaves a cell empty)."""
    wb = Workbook()
    ws = wb.active
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(r, c, value)
    return wb, ws


def save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def repack(data: bytes, part: str, old: str, new: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    text = parts[part].decode("utf-8")
    assert old in text
    parts[part] = text.replace(old, new, 1).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def exported(form: str) -> bytes:
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    return xlsx.render([PrintJob(p, i + 1, get_form(form), doc.units[0]) for i, p in enumerate(doc.projects)])


def office_workbook() -> bytes:
    """What offices' workbooks hold beyond plain text: merged 一级/二级 cells, hidden rows and columns, percent and
    money formats, a boolean, rich text, an error value, formulas with the values Excel saved, an inline string,
    and a value left inside a merged range (openpyxl keeps the top-left one only)."""
    rows = table_rows(1, "社区工作经费", "P001", indicators=[
        ["产出指标", "数量指标", "服务人次", "全年服务人次", "≥1000人次", "工作计划"],
        [None, None, "活动场次", "全年活动", "≥12场", "工作计划"],
        [None, "时效指标", "完成时间", "按期完成", "2024年12月底前", "计划"],
        ["效益指标", "社会效益指标", "覆盖率", "社区覆盖率", 0.95, "要求"],
        ["满意度指标", "服务对象满意度指标", "满意度", "群众满意度", "≥90%", "问卷"],
    ])
    wb, ws = sheet_of(rows)
    ws.title = "表一"
    top = next(i for i, r in enumerate(rows, 1) if r and r[0] == "一级指标") + 1
    for m in (f"A{top}:A{top + 2}", f"B{top}:B{top + 1}", "A4:A5", "B5:G5"):
        ws.merge_cells(m)
    ws.cell(top + 3, 5).number_format = "0%"
    ws.cell(4, 3).number_format = "#,##0.00"
    ws.cell(7, 2, 0.3).number_format = "0.0%"
    ws.row_dimensions[top + 1].hidden = True
    ws.column_dimensions["F"].hidden = True
    ws.cell(40, 1, True)
    ws.cell(40, 2, "#N/A").data_type = "e"
    ws.cell(40, 3, CellRichText([TextBlock(InlineFont(b=True), "加粗"), "与普通"]))
    ws.cell(40, 4, "  前后空格  ")
    ws.cell(40, 5).font = Font(bold=True)  # a styled empty cell
    ws.cell(41, 1, 1e-7)
    ws.cell(41, 2, 12345678901234)
    hidden = wb.create_sheet("隐藏的表")
    hidden.sheet_state = "hidden"
    hidden.append(["项目编码", "P002", "项目名称", "维稳经费"])
    data = save(wb)
    sheet = "xl/worksheets/sheet1.xml"
    data = repack(data, sheet, '<c r="A41"', '<c r="G40" t="str"><f>A1&amp;"x"</f><v>公式的结果</v></c>'
                  '<c r="H40"><f>SUM(C4:C4)</f><v>50000</v></c><c r="I40" t="inlineStr"><is><t>行内</t></is></c>'
                  '<c r="J40"><f>1/0</f></c><c r="K40" t="b"><f>TRUE()</f><v>1</v></c></row><row r="41"><c r="A41"')
    return repack(data, sheet, "</sheetData>", '<row r="42"><c r="C5"><v>7</v></c></row></sheetData>')


WORKBOOKS = {
    "yutian sample": lambda: (SAMPLES / "yutian-2023-project-tables.xlsx").read_bytes(),
    "承德": chengde_workbook,
    "唐山": tangshan_workbook,
    "our export": lambda: exported("hebei-project"),
    "our export, split values": lambda: exported("hebei-project-split"),
    "tables stacked in one sheet": lambda: workbook(("S", table_rows(1, "甲", "P1") + [[]] * 2
                                                     + table_rows(2, "乙", "P2", money_unit="万元"), [])),
    "office workbook": office_workbook,
    # the same saved again by LibreOffice Calc 7.4 (shared strings, its own styles and row attributes)
    "office workbook saved by LibreOffice": lambda: (ROOT / "tests/data/office-workbook-libreoffice.xlsx").read_bytes(),
}


def openpyxl_sheets(data: bytes) -> list[Sheet]:
    return [Sheet.of_worksheet(ws) for ws in load_workbook(io.BytesIO(data), data_only=True).worksheets]


def package_sheets(data: bytes) -> list[Sheet]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [Sheet(s.title, s.values, s.formats, s.merges) for s in read_sheets(archive)]


def shape(sheets: list[Sheet]):
    return [(s.title, s.values, s.formats, set(s.span_end.items())) for s in sheets]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_package_reader_sees_what_openpyxl_loads(name):
    data = WORKBOOKS[name]()
    assert shape(package_sheets(data)) == shape(openpyxl_sheets(data))


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_table_imports_as_through_openpyxl(name, monkeypatch):
    data = WORKBOOKS[name]()
    fast = read_workbook(data, FORMS)

    def refuse(archive):
        raise Unsupported("as before this reader")

    monkeypatch.setattr(xlsx_import, "read_sheets", refuse)
    assert fast == read_workbook(data, FORMS)


def test_the_office_workbook_reads_its_merged_levels_formulas_and_formats():
    data = office_workbook()
    sheets = package_sheets(data)
    assert [s.title for s in sheets] == ["表一", "隐藏的表"]
    first = sheets[0]
    assert first.text(40, 7) == "公式的结果" and first.raw(40, 8) == 50000 and first.raw(40, 11) is True
    assert first.raw(40, 3) == "加粗与普通" and first.raw(40, 9) == "行内" and first.raw(40, 2) == "#N/A"
    assert first.raw(5, 3) is None  # inside the merged B5:G5: openpyxl drops it
    assert first.text(7, 2) == "30%"
    table = read_workbook(data, FORMS).tables[0]
    inds = table.project.indicators
    assert [(i.level1, i.level2) for i in inds[:3]] == [("产出指标", "数量指标")] * 2 + [("产出指标", "时效指标")]
    assert inds[3].text == "95%"


def with_date() -> bytes:
    wb, ws = sheet_of(table_rows(1, "社区工作经费", "P001"))
    ws.cell(30, 1, "填报日期")
    ws.cell(30, 2, datetime.datetime(2024, 3, 1))
    return save(wb)


def with_link() -> bytes:
    wb, ws = sheet_of(table_rows(1, "社区工作经费", "P001"))
    ws.cell(3, 8).hyperlink = "https://example.org/"  # openpyxl writes the target into the empty cell
    return save(wb)


@pytest.mark.parametrize("make, at, text", [(with_date, (30, 2), "2024年03月01日"),
                                            (with_link, (3, 8), "https://example.org/")], ids=["date", "hyperlink"])
def test_what_the_reader_does_not_reproduce_is_loaded_by_openpyxl(make, at, text):
    data = make()
    with pytest.raises(Unsupported):
        package_sheets(data)
    sheets = xlsx_import.load_sheets(data)
    assert shape(sheets) == shape(openpyxl_sheets(data))
    assert sheets[0].text(*at) == text
    assert read_workbook(data, FORMS).tables[0].project.code == "P001"


def test_an_excel_import_starts_without_loading_openpyxl_the_store_library_or_qt(tmp_path):
    book = tmp_path / "承德.xlsx"
    book.write_bytes(chengde_workbook())
    code = ("import sys\nfrom desk.cli import main\n"
            f"code = main(['import-xlsx', {str(book)!r}, '--db', {str(tmp_path / 'new.db')!r}, '--year', '2023', "
            "'--dry-run'])\n"
            "print(sorted(m for m in ('openpyxl', 'sqlite_utils', 'PySide6') if m in sys.modules), code)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), DESK_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert "找到 1 张项目绩效目标表" in out
    assert out.strip().splitlines()[-1] == "[] 0"
    assert not (tmp_path / "new.db").exists()

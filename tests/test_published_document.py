"""The published document (公开文本): PDF with a contents page and bookmarks, and a Word file LibreOffice opens."""

import shutil
import subprocess
from dataclasses import replace

import pypdfium2
import pytest

from desk.cli import main
from desk.domain.model import Narrative, SubGoal
from desk.io import jsonio
from desk.ops import exports as exports_ops, imports as imports_ops
from desk.store import StoreError
from tests.conftest import ROOT, SAMPLES
from tests.io.test_xlsx_export import FONTS_CONF
from tests.render.pdfread import pages_text


def yutian_narrative() -> Narrative:
    """The yutian 2023 第一部分, as the published sample wrote it."""
    lines = (SAMPLES / "yutian-2023-project-tables.txt").read_text("utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.endswith("一、总体绩效目标"))
    overall = lines[start + 1].strip()
    numbered = [line.strip() for line in lines[start:] if line.strip()[:2] in ("1、", "2、", "3、", "4、", "5、")]
    measures_at = next(i for i, line in enumerate(lines) if line.endswith("三、工作保障措施"))
    measures = [line.strip() for line in lines[measures_at:measures_at + 12] if line.strip()[:2] in ("1、", "2、", "3、", "4、")]
    subs = [line for line in numbered if line not in measures]
    return Narrative(overall=overall, sub_goals=tuple(SubGoal("", s, "") for s in subs), measures=tuple(measures))


@pytest.fixture(scope="module")
def document_db(tmp_path_factory):
    """玉田 2023: its 7 project tables, its narrative, and a department table (the urho table, for this unit)."""
    yutian = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    urho = jsonio.loads((ROOT / "tests/data/urho-2021-department.json").read_text("utf-8"))
    unit = yutian.units[0]
    dept = replace(urho.departments[0], uid="yutian-dept", unit_code=unit.code, year=2023, name=unit.name,
                   narrative=yutian_narrative())
    db = tmp_path_factory.mktemp("doc") / "doc.db"
    imports_ops.import_document(jsonio.Document(units=yutian.units, projects=yutian.projects, departments=(dept,)), db)
    return db, dept, yutian.projects


def test_pdf_has_title_contents_parts_and_a_bookmark_per_part_heading_and_table(document_db, tmp_path):
    db, dept, projects = document_db
    out = tmp_path / "公开文本.pdf"
    assert main(["export-document", str(db), "-o", str(out)]) == 0
    data = out.read_bytes()
    texts = pages_text(data)
    assert texts[0].replace("\n", "") == "玉田县无终街道办事处本级2023年部门预算绩效目标"
    assert texts[1].startswith("目 录") or texts[1].startswith("目　录")
    pdf = pypdfium2.PdfDocument(data)
    toc = [(item.level, item.get_title(), item.get_dest().get_index()) for item in pdf.get_toc()]
    titles = [t for _, t, _ in toc]
    assert len(toc) >= 9
    assert titles[:5] == ["第一部分 部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施",
                          "部门（单位）整体支出绩效目标表"]
    assert titles[5] == "第二部分 预算项目绩效目标"
    assert titles[6:] == [f"{i + 1}.{p.name}绩效目标表" for i, p in enumerate(projects)]
    for level, title, index in toc:  # each bookmark opens the page that holds it; the 目录 says the same page
        assert title.split(" ")[-1] in texts[index].replace("\n", "").replace(" ", "") or title in texts[index]
        assert f"{title}" in texts[1].replace("\n", "") or title.replace(" ", "") in texts[1].replace(" ", "")
    assert dept.narrative.overall[:30] in texts[2].replace("\n", "")
    for m in dept.narrative.measures:
        assert m[:20] in "".join(texts).replace("\n", "")


def test_docx_has_headings_and_every_tables_indicators_when_libreoffice_opens_it(document_db, tmp_path):
    from docx import Document

    db, dept, projects = document_db
    out = tmp_path / "公开文本.docx"
    exports_ops.export_published(db, out)
    word = Document(str(out))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["第一部分 部门整体绩效目标", "一、总体绩效目标", "二、分项绩效目标", "三、工作保障措施"]
    assert "第二部分 预算项目绩效目标" in headings and f"1.{projects[0].name}绩效目标表" in headings
    assert len(word.tables) == 1 + len(projects)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(fonts=ROOT / "resources/fonts", cache=tmp_path / "fc"), "utf-8")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(conf)}
    subprocess.run([soffice, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path),
                    str(out)], check=True, capture_output=True, timeout=300, env=env)
    text = "".join((tmp_path / "公开文本.txt").read_text("utf-8-sig").split())
    for table in (dept, *projects):
        for ind in table.indicators:
            assert "".join(ind.name.split()) in text and "".join(ind.value_text.split()) in text, (table.name, ind.name)
    for t in dept.tasks:
        assert "".join(t.content.split())[:20] in text


def test_a_consolidated_file_needs_the_unit(document_db, tmp_path):
    source, dept, projects = document_db
    db = tmp_path / "copy.db"
    shutil.copyfile(source, db)
    other = jsonio.Document(units=(jsonio.Unit("439002", "玉田镇"),), projects=(replace(
        projects[0], uid="other-1", unit_code="439002"),), departments=())
    imports_ops.import_document(other, db, take_over=True)
    with pytest.raises(StoreError, match="--unit"):
        exports_ops.export_published(db, tmp_path / "x.pdf")
    exports_ops.export_published(db, tmp_path / "x.pdf", unit_code="439002")
    assert "玉田镇2023年部门预算绩效目标" in pages_text((tmp_path / "x.pdf").read_bytes())[0].replace("\n", "")
    with pytest.raises(StoreError, match=".pdf 或 .docx"):
        exports_ops.export_published(db, tmp_path / "x.txt")


def test_file_menu_exports_the_document(document_db, tmp_path, qtbot):
    from desk.ui.app import MainWindow

    db, dept, projects = document_db
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(db)
    assert window.act_export_document.isEnabled()
    assert window.export_document(tmp_path / "文本.pdf") and window.export_document(tmp_path / "文本.docx")
    assert pages_text((tmp_path / "文本.pdf").read_bytes())[0].replace("\n", "").endswith("2023年部门预算绩效目标")
    assert (tmp_path / "文本.docx").read_bytes()[:2] == b"PK"
    window.close()

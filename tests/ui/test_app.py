"""The main window: opening files, the list with badges, read-only files, refused files, PDF."""

from dataclasses import replace

from PySide6.QtWidgets import QMessageBox

from desk.ops import exports as exports_ops, imports as imports_ops
from desk.store import Store
from desk.ui.app import MainWindow
from tests.helpers import UNIT, good_project


def open_window(qtbot, path):
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    return window


def test_main_window_shows_the_demo_file(qtbot, tmp_path):
    window = open_window(qtbot, imports_ops.make_demo(tmp_path / "demo.db"))
    assert "玉田县无终街道办事处本级（439001）" in window.header.text() and "2023" in window.header.text()
    model = window.list_panel.model
    assert model.rowCount() == 8  # the department table, then the 7 projects
    assert model.data(model.index(0)).startswith("部门整体支出绩效目标表（2023）")
    first = model.data(model.index(1))
    assert first == "1. 城镇社区工作经费\n770,000.00元  13022923P00JXC415060P"
    last = model.data(model.index(7))
    assert "错误 2" in last
    assert window.editor.name.text() == "城镇社区工作经费"
    assert window.check_panel.summary.text().startswith("✓")
    window.close()


def test_search_and_status_filter(qtbot, tmp_path):
    window = open_window(qtbot, imports_ops.make_demo(tmp_path / "demo.db"))
    panel = window.list_panel
    panel.search.setText("国有企业")
    assert panel.proxy.rowCount() == 2
    panel.search.setText("13022923P00JXC4150646")
    assert panel.proxy.rowCount() == 1
    panel.search.clear()
    panel.status.setCurrentIndex(panel.status.findData("errors"))
    assert panel.proxy.rowCount() == 2  # the department table (no indicators yet) and the last project
    panel.status.setCurrentIndex(panel.status.findData("warnings"))
    assert panel.proxy.rowCount() == 2
    assert "显示 2 / 共 8 张表" == panel.count.text()
    window.close()


def test_someone_elses_file_opens_read_only(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "office.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(good_project())
    before = path.read_bytes()
    monkeypatch.setenv("DESK_HOME", str(tmp_path / "supervisor"))
    window = open_window(qtbot, path)
    assert "只读" in window.header.text()
    assert window.editor.name.isReadOnly() and not window.act_new_project.isEnabled()
    assert "只读" in window.editor.locked_banner.text()
    assert window.act_take_over.isEnabled()
    window.close()
    assert path.read_bytes() == before
    # a clerk on a new laptop takes the file over and can edit it
    again = open_window(qtbot, path)
    assert again.take_over(confirm=False)
    assert not again.session.readonly and not again.editor.name.isReadOnly()
    assert not again.act_take_over.isEnabled()
    again.close()


def test_refused_file_is_explained(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库", "utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.open_file(path)
    assert shown and shown[0][0] == "无法打开文件" and "notes.db" in shown[0][1]
    assert path.read_text("utf-8") == "这不是数据库"
    window.close()


def test_export_pdf_from_the_window(qtbot, tmp_path):
    window = open_window(qtbot, imports_ops.make_demo(tmp_path / "demo.db"))
    target = tmp_path / "out.pdf"
    assert window.export_pdf(target)
    assert target.read_bytes().startswith(b"%PDF")
    assert "已导出PDF" in window.statusBar().currentMessage()
    window.close()


def test_missing_glyphs_are_named_in_the_window(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(replace(good_project(), name="维稳经费😀"))  # no font of the chain has it
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    window = open_window(qtbot, path)
    assert not window.export_pdf(tmp_path / "out.pdf")
    assert shown and "项目“维稳经费😀”的项目名称" in shown[0][1] and "U+1F600" in shown[0][1]
    assert not (tmp_path / "out.pdf").exists()
    window.close()


def test_recent_files_and_geometry_are_remembered(qtbot, tmp_path):
    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = open_window(qtbot, path)
    window.resize(700, 500)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.recent_files()[0] == str(path.resolve())
    assert again.size().width() == 700
    assert again.recent_menu.actions()[0].text().endswith(str(path.resolve()))
    again.close()


def test_print_preview_and_printing(qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from desk.ui.app import print_pdf

    window = open_window(qtbot, imports_ops.make_demo(tmp_path / "demo.db"))
    dialog = window.preview()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 1
    assert "城镇社区工作经费" in dialog.windowTitle()
    dialog.show()
    dialog.view.draw_visible()
    page = dialog.view.labels[0].pixmap()
    assert not page.isNull() and page.width() > 300
    image = page.toImage()
    dark = sum(1 for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
               if image.pixelColor(x, y).lightness() < 128)
    assert dark > 50  # the table's lines and text are drawn, not a blank page
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    assert print_pdf(dialog.document, printer)
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 10_000
    dialog.close()
    window.close()


def test_import_word_with_its_narrative_is_one_undo_step(qtbot, tmp_path):
    from desk.ui.dialogs import ImportPreviewDialog

    demo = imports_ops.make_demo(tmp_path / "demo.db")
    docx = tmp_path / "去年公开文本.docx"
    exports_ops.export_published(demo, docx)
    path = tmp_path / "new.db"
    Store.create(path, unit=UNIT, year=2023).close()
    window = open_window(qtbot, path)
    assert window.empty_panel.buttons[2].text() == "导入Word…"
    seen = []

    def ask(plan):
        dialog = ImportPreviewDialog(plan, window)
        seen.append((dialog.windowTitle(), dialog.narrative.isVisibleTo(dialog)))
        assert "不导入（可以选择同时导入）" in dialog.text.toPlainText()
        assert "写入部门整体表" in dialog.narrative.text()  # the new file has no narrative to replace
        dialog.narrative.setChecked(True)
        assert "→ 导入到部门整体表" in dialog.text.toPlainText()
        dialog.narrative_only.setChecked(True)
        assert "只导入文字部分" in dialog.text.toPlainText() and not dialog.narrative.isEnabled()
        dialog.deleteLater()
        return plan.include_narrative()

    count = window.import_docx(docx, ask=ask)
    assert seen == [("导入Word — 去年公开文本.docx", True)]
    assert count == 8 and window.list_panel.model.rowCount() >= 7
    (dept,) = window.session.departments()
    with Store.open(demo) as store:
        assert dept.narrative == store.departments()[0].narrative
    assert window.session.undo_stack.undoText() == "导入 去年公开文本.docx"
    window.act_undo.trigger()
    assert not window.session.departments() and window.list_panel.model.rowCount() == 0
    window.close()


def test_import_excel_into_the_open_file_is_one_undo_step(qtbot, tmp_path):
    from tests.conftest import SAMPLES

    path = tmp_path / "new.db"
    Store.create(path, unit=UNIT, year=2023).close()
    window = open_window(qtbot, path)
    seen = []
    count = window.import_xlsx(SAMPLES / "yutian-2023-project-tables.xlsx", ask=lambda plan: seen.append(plan) or True)
    assert count == 7 and seen[0].actions == ["新增"] * 7
    assert window.list_panel.model.rowCount() == 7
    assert window.session.undo_stack.undoText() == "导入 yutian-2023-project-tables.xlsx"
    window.act_undo.trigger()
    assert window.list_panel.model.rowCount() == 0
    window.act_redo.trigger()
    assert window.list_panel.model.rowCount() == 7
    # importing again updates the same projects (asked first)
    again = []
    window.import_xlsx(SAMPLES / "yutian-2023-project-tables.xlsx", ask=lambda plan: again.append(plan) or True)
    assert again[0].actions == ["更新"] * 7 and window.list_panel.model.rowCount() == 7
    target = tmp_path / "out.xlsx"
    window.session.wait_saved()
    exports_ops.export_xlsx(path, target)
    assert target.read_bytes()[:2] == b"PK"
    window.close()


def test_importing_into_the_open_file_updates_its_department_table_not_a_second_one(qtbot, tmp_path):
    demo = imports_ops.make_demo(tmp_path / "demo.db")
    docx = tmp_path / "公开文本.docx"
    exports_ops.export_published(demo, docx)
    window = open_window(qtbot, demo)
    (dept,) = window.session.departments()
    plans = []
    window.import_docx(docx, ask=lambda plan: plans.append(plan) or plan.include_narrative())
    assert plans[0].department_actions == ["更新"]
    assert [d.uid for d in window.session.departments()] == [dept.uid]
    window.close()

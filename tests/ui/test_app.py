"""The main window opens a file, lists its projects with their checks, explains refused files."""

from PySide6.QtWidgets import QMessageBox

from desk import services
from desk.store import Store
from desk.ui.app import MainWindow
from tests.helpers import UNIT


def test_main_window_shows_the_demo_file(qtbot, tmp_path):
    path = services.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    assert "439001 玉田县无终街道办事处本级" in window.header.text() and "2023" in window.header.text()
    assert window.table.rowCount() == 7
    names = [window.table.item(r, 1).text() for r in range(7)]
    assert names[0] == "城镇社区工作经费" and names[-1] == "招聘社区工作者工资保险"
    assert window.table.item(0, 2).text() == "770000.00元"
    last_errors = window.table.item(6, 4).text()
    assert last_errors == "2"
    assert window.banner.isHidden()
    window.close()


def test_someone_elses_file_shows_a_read_only_banner(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "office.db"
    Store.create(path, unit=UNIT, year=2023).close()
    monkeypatch.setenv("DESK_HOME", str(tmp_path / "supervisor"))
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    assert not window.banner.isHidden() and "只读" in window.banner.text()
    window.close()


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
    path = services.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    target = tmp_path / "out.pdf"
    assert window.export_pdf(target)
    assert target.read_bytes().startswith(b"%PDF")
    assert "已导出PDF" in window.statusBar().currentMessage()
    window.close()


def test_missing_glyphs_are_named_in_the_window(qtbot, tmp_path, monkeypatch):
    from dataclasses import replace

    from desk.store import Store
    from tests.helpers import good_project

    path = tmp_path / "x.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        store.save_project(replace(good_project(), name="维稳经费𠀀"))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    assert not window.export_pdf(tmp_path / "out.pdf")
    assert shown and "项目“维稳经费𠀀”的项目名称" in shown[0][1] and "U+20000" in shown[0][1]
    assert not (tmp_path / "out.pdf").exists()
    window.close()

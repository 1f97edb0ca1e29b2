"""The 指标库 window: search, add, remove, export, with the real widgets."""

from openpyxl import load_workbook

from desk.domain.library import OWN, SHIPPED, LibraryEntry
from desk.store import Store
from desk.ui.app import MainWindow
from tests.helpers import UNIT, good_project


def window_on_a_file(qtbot, tmp_path):
    """The main window on a new file holding one project."""
    path = tmp_path / "f.db"
    with Store.create(path, unit=UNIT, year=2024) as store:
        store.save_project(good_project())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(path)
    return window, path


def test_library_window_lists_searches_adds_removes_and_exports(qtbot, tmp_path, monkeypatch):
    window, path = window_on_a_file(qtbot, tmp_path)
    assert window.act_library.isEnabled()
    dialog = window.show_library(modal=False)
    total = dialog.model.rowCount()
    assert total >= 80 + len(good_project().indicators) - 1
    dialog.words.setText("满意度")
    names = [e.name for e in dialog.model.entries]
    assert names and all("满意度" in e.name + e.description + e.value + e.basis + e.level1 + e.level2
                         for e in dialog.model.entries)
    assert "共" in dialog.count.text() and f"指标库共 {total} 条" in dialog.count.text()
    dialog.level1.setCurrentText("产出指标")
    assert all(e.level1 == "产出指标" for e in dialog.model.entries)
    dialog.level1.setCurrentIndex(0)
    dialog.words.setText("困难家庭")
    before = dialog.model.rowCount()
    dialog.add_entry(LibraryEntry("产出指标", "数量指标", "慰问困难家庭户数", "", "≥50户", "民政台账", origin=OWN))
    assert dialog.model.rowCount() == before + 1
    ours = next(e for e in dialog.model.entries if e.name == "慰问困难家庭户数")
    assert ours.source == "本单位添加"
    dialog.words.setText("满意度")
    shipped = next(r for r, e in enumerate(dialog.model.entries) if e.origin == SHIPPED)
    gone = dialog.model.entries[shipped]
    dialog.table.selectRow(shipped)
    assert dialog.remove_selected(confirm=False) == 1
    assert gone.key not in {e.key for e in dialog.model.entries}
    out = dialog.export(tmp_path / "库.xlsx")
    rows = list(load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [e.name for e in dialog.model.entries]
    dialog.close()
    window.session.wait_saved()
    with Store.open(path) as store:
        own, hidden = store.library()
        assert [e.name for e in own] == ["慰问困难家庭户数"] and gone.key in hidden
    window.close()


def test_library_window_fills_the_current_table_and_takes_a_deletion_back(qtbot, tmp_path):
    window, _ = window_on_a_file(qtbot, tmp_path)
    p = window.session.projects()[0]
    window.list_panel.select(p.uid)
    dialog = window.show_library(modal=False)
    assert not any(b.isDefault() or b.autoDefault() for b in (dialog.add_button, dialog.remove_button,
                                                              dialog.fill_button, dialog.export_button))
    assert dialog.level1.findText("成本指标") > 0  # the 一级 the entries use, beyond the form's own
    dialog.words.setText("群众满意度")
    dialog.table.selectRow(0)
    chosen = dialog.model.entries[0]
    steps = window.session.undo_stack.count()
    assert dialog.fill_selected() == 1
    now = window.session.project(p.uid).indicators
    assert len(now) == len(p.indicators) + 1 and now[-1].name == chosen.name and now[-1].value_text == chosen.value
    assert window.session.undo_stack.count() == steps + 1
    window.act_undo.trigger()
    assert window.session.project(p.uid).indicators == p.indicators
    # Delete in the list removes; 撤销删除 lists it again as it was (not as the office's own)
    shipped = next(r for r, e in enumerate(dialog.model.entries) if e.origin == SHIPPED)
    gone = dialog.model.entries[shipped]
    dialog.table.setFocus()
    dialog.table.selectRow(shipped)
    dialog.remove_selected(confirm=False)
    assert gone.key not in {e.key for e in dialog.model.entries} and dialog.undo_button.isEnabled()
    assert dialog.undo_remove() == 1
    back = next(e for e in dialog.model.entries if e.key == gone.key)
    assert back.origin == SHIPPED and back.source == gone.source
    dialog.close()
    window.close()


def test_damaged_own_entries_leave_the_rest_of_the_library_working(qtbot, tmp_path):
    from desk.cli import main

    path = tmp_path / "f.db"
    with Store.create(path, unit=UNIT, year=2024) as store:
        store.save_project(good_project())
        with store.transaction():  # as a tool outside the program could leave it
            store._set_meta({"library": '{"own": [{"name": "x", "year": 1e400}]}'})
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_file(path)
    dialog = window.show_library(modal=False)
    assert dialog.model.rowCount() > 80 and "已损坏" in dialog.lead.text() and not dialog.add_button.isEnabled()
    dialog.close()
    window.close()
    assert main(["library", "search", "满意度", "--db", str(path)]) == 2

"""The 指标库 window: search, add, remove, export, with the real widgets."""

from openpyxl import load_workbook

from desk.domain.library import OWN, SHIPPED, LibraryEntry
from desk.store import Store
from desk.ui.app import MainWindow
from tests.helpers import UNIT, good_project


def test_library_window_lists_searches_adds_removes_and_exports(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "f.db"
    with Store.create(path, unit=UNIT, year=2024) as store:
        store.save_project(good_project())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(path)
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
    assert [r[2] for r in rows] == [e.name for e in dialog.model.entries]
    dialog.close()
    window.session.wait_saved()
    with Store.open(path) as store:
        own, hidden = store.library()
        assert [e.name for e in own] == ["慰问困难家庭户数"] and gone.key in hidden
    window.close()

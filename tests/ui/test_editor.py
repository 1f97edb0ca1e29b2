"""A clerk's whole session with the real widgets: create, fill, paste, reorder, undo/redo, reopen."""

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desk.domain.model import Unit
from desk.store import Store
from desk.ui.app import MainWindow

UNIT = Unit("439001", "玉田县无终街道办事处本级")
SPREADSHEET = (  # copied from Excel/WPS: 三级指标 · 描述 · 指标值 · 依据, one quoted cell with a newline
    "社区覆盖率\t城市社区综合设施覆盖达标率\t≥80%\t依据单位考核指标\r\n"
    "群众满意度\t\"群众满意数量\n占总数的比例\"\t85%以上\t群众满意度\r\n"
    "资金成本\t资金成本\t≤115万元\t资金使用情况\r\n"
)


def type_into(qtbot, widget, text):
    """Focus a line edit, replace its text and press Enter, as a clerk would."""
    widget.setFocus()
    widget.selectAll()
    widget.insert(text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_clerk_session_round_trip(qtbot, qtmodeltester, tmp_path):
    path = tmp_path / "无终街道_2024.db"
    Store.create(path, unit=UNIT, year=2024).close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.open_file(path)
    session = window.session

    window.act_new_project.trigger()
    editor = window.editor
    uid = editor.uid
    assert uid and session.project(uid).year == 2024

    # header and money
    type_into(qtbot, editor.code, "13022923P00JXC415060P")
    type_into(qtbot, editor.name, "城镇社区工作经费")
    type_into(qtbot, editor.total, "770,000")
    type_into(qtbot, editor.fiscal, "770000")
    type_into(qtbot, editor.other, "0")
    assert editor.total.text() == "770,000.00"
    assert editor.balance.text().startswith("✓")
    editor.usage.setPlainText("城镇社区工作经费")
    qtbot.waitUntil(lambda: session.project(uid).usage == "城镇社区工作经费")  # committed when typing pauses
    # spending plan
    for edit, value in zip(editor.plan_edits, ("30", "60%", "90", "100")):
        type_into(qtbot, edit, value)
    assert editor.plan_amounts[0].text() == "231,000.00元"
    assert editor.plan_check.text().startswith("✓")
    # goals
    qtbot.mouseClick(editor.goal_add, Qt.MouseButton.LeftButton)
    editor.goals.item(0).setText("城镇社区工作稳定开展")

    # indicators: one typed row, then a block pasted from a spreadsheet
    grid = editor.grid
    model = editor.model
    window.act_insert_row.trigger()
    assert model.rowCount() == 1
    model.setData(model.index(0, 0), "产出指标")
    model.setData(model.index(0, 1), "数量")
    grid.setCurrentIndex(model.index(0, 2))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    grid.focusWidget().setPlainText("城市社区综合服务设施数量")
    qtbot.keyClick(grid.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: model.indicators[0].name == "城市社区综合服务设施数量")
    model.setData(model.index(0, 3), "城市社区综合服务设施数量")
    model.setData(model.index(0, 4), "≥25个")
    model.setData(model.index(0, 5), "社区工作覆盖情况")
    QGuiApplication.clipboard().setText(SPREADSHEET)
    window.act_insert_row.trigger()  # a new row under the first, cursor on its 三级指标
    assert (grid.currentIndex().row(), grid.currentIndex().column()) == (1, 2)
    window.act_paste.trigger()
    assert model.rowCount() == 4
    for row, l1 in ((1, "效益指标"), (2, "满意度指标"), (3, "产出指标")):
        model.setData(model.index(row, 0), l1)
    model.setData(model.index(1, 1), "社会效益指标")
    model.setData(model.index(2, 1), "服务对象满意度指标")
    model.setData(model.index(3, 1), "成本指标")
    p = session.project(uid)
    assert p.indicators[2].description == "群众满意数量\n占总数的比例"
    assert (p.indicators[2].comparator, p.indicators[2].value, p.indicators[2].unit) == ("≥", "85", "%")
    # reorder: move the 成本 row up next to the other 产出 row
    grid.setCurrentIndex(model.index(3, 2))
    grid.selectRow(3)
    window.act_row_up.trigger()
    window.act_row_up.trigger()
    names = [i.name for i in session.project(uid).indicators]
    assert names == ["城市社区综合服务设施数量", "资金成本", "社区覆盖率", "群众满意度"]
    assert grid.merge_of(0, 0) == (0, 2) and grid.rowSpan(0, 0) == 1  # 产出指标 drawn merged; each row reachable
    qtmodeltester.check(model, force_py=True)  # stays attached through the undo/redo below

    final = session.project(uid)
    assert final.budget.total == Decimal("770000.00") and final.plan.points == (30, 60, 90, 100)
    assert final.goals == ("城镇社区工作稳定开展",)
    # a complete, clean table (a level typed the short way only gets a 建议)
    assert [f.code for f in session.findings(uid) if f.severity != "suggestion"] == []
    assert window.check_panel.summary.text().startswith("✓")

    # undo everything, back to the empty new project, then redo everything
    stack = session.undo_stack
    steps = stack.index()
    assert steps >= 15
    while stack.canUndo():
        window.act_undo.trigger()
    assert session.project(uid) is None  # even the new project is undone
    assert window.list_panel.model.rowCount() == 0
    while stack.canRedo():
        window.act_redo.trigger()
    assert stack.index() == steps
    assert session.project(uid).content_key() == final.content_key()
    window.list_panel.select(uid)
    assert editor.name.text() == "城镇社区工作经费" and model.rowCount() == 4
    # halfway and back again
    for _ in range(5):
        window.act_undo.trigger()
    assert session.project(uid).content_key() != final.content_key()
    for _ in range(5):
        window.act_redo.trigger()
    assert session.project(uid).content_key() == final.content_key()

    window.close()  # waits for the last save
    with Store.open(path) as store:
        (saved,) = store.projects()
        assert saved.content_key() == final.content_key()
        assert len(store.history(uid)) > 20


def test_typing_in_one_field_merges_into_one_undo_step(qtbot, tmp_path):
    path = tmp_path / "a.db"
    Store.create(path, unit=UNIT, year=2024).close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    window.act_new_project.trigger()
    editor = window.editor
    type_into(qtbot, editor.name, "城镇")
    type_into(qtbot, editor.name, "城镇社区")
    type_into(qtbot, editor.name, "城镇社区工作经费")
    stack = window.session.undo_stack
    assert stack.count() == 2  # 新建项目 + one merged 修改项目名称
    window.act_undo.trigger()
    assert editor.name.text() == ""
    window.close()


def test_finalize_locks_until_unfinalized(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desk.ops import imports as imports_ops

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    monkeypatch.setattr(window, "print_current", lambda: None)
    uid = window.editor.uid
    window.act_finalize.trigger()
    p = window.session.project(uid)
    assert p.finalized and p.finalized_by
    assert window.editor.name.isReadOnly() and "已定稿" in window.editor.locked_banner.text()
    assert "已定稿" in window.list_panel.model.data(window.list_panel.model.index(1))  # under the department
    window.editor.model.setData(window.editor.model.index(0, 2), "改不了")
    assert window.session.project(uid).indicators[0].name == "城市社区综合服务设施数量"
    window.act_unfinalize.trigger()
    assert not window.session.project(uid).finalized and not window.editor.name.isReadOnly()
    # the last table of the sample has errors: 定稿 lists them and refuses before asking anything
    last = window.session.projects()[-1].uid
    window.list_panel.select(last)
    errors = [f.message for f in window.session.findings(last) if f.severity == "error"]
    asked.clear()
    window.act_finalize.trigger()
    assert not window.session.project(last).finalized and asked == []
    assert "还有 2 处错误，不能定稿" in warnings[-1] and all(e in warnings[-1] for e in errors) and len(errors) == 2
    # it can still be printed, as a draft
    from tests.render.pdfread import draft_marks

    target = tmp_path / "draft.pdf"
    assert window.export_pdf(target, [last]) and draft_marks(target.read_bytes()) == [True]
    window.close()
    with Store.open(path) as store:
        actions = [h.action for h in store.history(uid)]
        assert actions[-2:] == ["finalize", "unfinalize"]
        assert "解除定稿" in store.history(uid)[-1].note


def test_check_panel_jumps_to_the_field(qtbot, tmp_path):
    from desk.ops import imports as imports_ops

    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_file(path)
    window.list_panel.select(window.session.projects()[1].uid)
    panel = window.check_panel
    assert panel.list.count() == 1 and "超过 100%" in panel.list.item(0).text()
    panel.list.itemActivated.emit(panel.list.item(0))
    editor = window.editor
    assert editor.tabs.currentWidget() is editor.grid_page
    assert (editor.grid.currentIndex().row(), editor.grid.currentIndex().column()) == (4, 4)
    assert "超过 100%" in editor.model.data(editor.grid.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    window.close()


def test_project_list_models_pass_qtmodeltester(qtbot, qtmodeltester, tmp_path):
    from desk.ops import imports as imports_ops

    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(imports_ops.make_demo(tmp_path / "demo.db"))
    qtmodeltester.check(window.list_panel.model, force_py=True)
    window.act_new_project.trigger()
    window.act_copy_project.trigger()
    window.act_undo.trigger()
    window.list_panel.search.setText("国有")
    window.close()


def test_project_filter_passes_qtmodeltester(qtbot, qtmodeltester, tmp_path):
    from desk.ops import imports as imports_ops

    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(imports_ops.make_demo(tmp_path / "demo.db"))
    qtmodeltester.check(window.list_panel.proxy, force_py=True)
    window.list_panel.search.setText("国有")
    window.list_panel.status.setCurrentIndex(2)
    window.act_new_project.trigger()
    window.close()


def test_a_failing_batch_writes_nothing(qtbot, tmp_path):
    from dataclasses import replace
    from decimal import Decimal

    import pytest

    from desk.ops import imports as imports_ops
    from tests.helpers import good_project

    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    session = window.session
    before = [p.content_key() for p in session.projects()]
    bad = replace(good_project(), budget=replace(good_project().budget, total=Decimal("1.001")))
    with pytest.raises(Exception, match="两位小数"):
        with session.batch("导入"):
            session.add_project(good_project(name="第一个", code="A1"))
            session.add_project(bad)
    assert [p.content_key() for p in session.projects()] == before
    assert not session.undo_stack.canUndo()
    window.close()
    with Store.open(path) as store:
        assert [p.content_key() for p in store.projects()] == before


def test_money_is_typed_as_clerks_type_it_and_a_refused_amount_leaves_no_undo_step(qtbot, tmp_path):
    from desk.ops import imports as imports_ops

    path = imports_ops.make_demo(tmp_path / "demo.db")
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(path)
    editor, session = window.editor, window.session
    uid = editor.uid
    stack = session.undo_stack
    for typed, total in (("12万", "120000.00"), ("￥1,234.50", "1234.50"), ("７７００００", "770000.00")):
        type_into(qtbot, editor.total, typed)
        assert str(session.project(uid).budget.total) == total, typed
    assert editor.total.text() == "770,000.00" and stack.count() == 1  # one merged step for one field
    window.session.wait_saved()
    before = (path.read_bytes(), stack.count(), stack.index(), stack.undoText())
    for typed in ("1234567890123456", "12.3.4", "1,2,3", "七十万"):
        type_into(qtbot, editor.total, typed)
        assert session.project(uid).budget.total == Decimal("770000.00"), typed
        assert editor.total.toolTip() and "background" in editor.total.styleSheet(), typed  # marked at the field
        assert editor.balance.text().startswith("✗") and typed in editor.balance.text(), typed  # not a green ✓
        assert (stack.count(), stack.index(), stack.undoText()) == before[1:], typed  # no undo step
        if typed == "1234567890123456":
            assert "过大" in editor.balance.text()
    window.session.wait_saved()
    assert path.read_bytes() == before[0]
    type_into(qtbot, editor.total, "770000")  # corrected: the mark goes, the balance is ✓ again
    assert not editor.total.toolTip() and editor.balance.text().startswith("✓")
    # a finalised table refuses edits below the window too, with no undo step
    window.session.finalize(uid)
    from dataclasses import replace

    import pytest

    from desk.domain.rules import ProtectedError

    with pytest.raises(ProtectedError, match="已定稿"):
        session.edit(replace(session.project(uid), name="改名"), "修改项目名称")
    assert stack.count() == 0 and session.project(uid).name == "城镇社区工作经费"
    window.close()


def test_a_step_that_cannot_be_undone_stays_and_is_explained(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desk.errors import DeskError
    from desk.ops import imports as imports_ops

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_file(imports_ops.make_demo(tmp_path / "demo.db"))
    session, editor = window.session, window.editor
    type_into(qtbot, editor.name, "改过的名称")
    stack = session.undo_stack
    state = (stack.count(), stack.index(), session.project(editor.uid).name)
    real_put = session.document.put

    def failing_put(*args, **kwargs):
        raise DeskError("磁盘出错，未能撤销")

    monkeypatch.setattr(session.document, "put", failing_put)
    window.act_undo.trigger()
    assert shown == ["磁盘出错，未能撤销"]
    assert (stack.count(), stack.index(), session.project(editor.uid).name) == state  # nothing moved
    monkeypatch.setattr(session.document, "put", real_put)
    window.act_undo.trigger()
    assert session.project(editor.uid).name == "城镇社区工作经费" and stack.index() == state[1] - 1
    window.close()

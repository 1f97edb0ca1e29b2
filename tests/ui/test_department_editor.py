"""The department's year through the real widgets: the 部门整体表, its indicator grid and the narrative; undo,
redo, close and reopen."""

from decimal import Decimal

from PySide6.QtCore import Qt

from desk.domain.model import Unit
from desk.store import Store
from desk.ui.app import MainWindow
from PySide6.QtWidgets import QStyledItemDelegate

from tests.ui.test_editor import type_into

UNIT = Unit("439001", "玉田县无终街道办事处本级")


def department_window(qtbot, tmp_path, *, show=False):
    """The main window on a new file, with a new department table open in its editor."""
    path = tmp_path / "x.db"
    Store.create(path, unit=UNIT, year=2023).close()
    window = MainWindow()
    qtbot.addWidget(window)
    if show:
        window.show()
    assert window.open_file(path)
    window.act_new_department.trigger()
    return window, window.dept_editor


def edit_cell(table, row, col, text):
    """Type into a table cell as a clerk does (the editor opens on the cell, Enter commits)."""
    table.setCurrentCell(row, col)
    table.item(row, col).setText(text)


def test_department_table_and_narrative_round_trip(qtbot, tmp_path):
    path = tmp_path / "无终街道_2023.db"
    Store.create(path, unit=UNIT, year=2023).close()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_file(path)
    session = window.session

    window.act_new_department.trigger()
    editor = window.dept_editor
    uid = editor.uid
    assert uid and window.right.currentWidget() is editor
    assert window.list_panel.model.data(window.list_panel.model.index(0)).startswith("部门整体支出绩效目标表（2023）")
    assert editor.name.text() == UNIT.name

    # tasks with a live 合计
    type_into(qtbot, editor.name, "玉田县无终街道办事处")
    qtbot.mouseClick(editor.task_add, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.task_add, Qt.MouseButton.LeftButton)
    assert editor.tasks.rowCount() == 2
    for row, (name, content, total, fiscal, other) in enumerate((
            ("基本支出保障部门正常运转", "保障在职人员的人员经费、公用经费", "545.14", "545.14", "0"),
            ("负责辖区社会稳定等管理工作", "创建双联户，平安创建率达100%", "32.3", "30", "2.3"))):
        for col, value in enumerate((name, content, total, fiscal, other)):
            edit_cell(editor.tasks, row, col, value)
    d = session.department(uid)
    assert d.totals() == (Decimal("5774400.00"), Decimal("5751400.00"), Decimal("23000.00"))
    assert editor.total.text().startswith("合计：总额 577.44 万元，财政拨款 575.14 万元，其他资金 2.30 万元")
    edit_cell(editor.tasks, 1, 3, "31")  # no longer balances: said under the table
    assert "不等于财政拨款与其他资金之和" in editor.total.text()
    edit_cell(editor.tasks, 1, 3, "30")
    # 年度总体目标
    qtbot.mouseClick(editor.goal_add, Qt.MouseButton.LeftButton)
    editor.goals.item(0).setText("保障在职人员工资、机构正常运转")
    qtbot.mouseClick(editor.goal_add, Qt.MouseButton.LeftButton)
    editor.goals.item(1).setText("确保平安创建率达100%")
    assert session.department(uid).goals == ("保障在职人员工资、机构正常运转", "确保平安创建率达100%")

    # the indicator grid, on the 2021 tree: 成本指标 as a first-level indicator with no 二级
    editor.tabs.setCurrentIndex(1)
    qtbot.mouseClick(editor.row_insert, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.row_insert, Qt.MouseButton.LeftButton)
    model = editor.model
    for col, value in enumerate(("产出指标", "数量指标", "城区道路清扫保洁面积", "≥150000平方米")):
        model.setData(model.index(0, col), value)
    for col, value in enumerate(("成本指标", "", "街道平安建设工作成本", "≤32.3万元")):
        if value:
            model.setData(model.index(1, col), value)
    inds = session.department(uid).indicators
    assert [(i.level1, i.level2, i.name, i.value_text) for i in inds] == [
        ("产出指标", "数量指标", "城区道路清扫保洁面积", "≥150000平方米"),
        ("成本指标", "", "街道平安建设工作成本", "≤32.3万元")]

    # the narrative
    editor.tabs.setCurrentIndex(2)
    editor.overall.setPlainText("2023年街道将认真贯彻落实党的二十大精神。\n加强基层领导班子建设。")
    qtbot.waitUntil(lambda: session.department(uid).narrative.overall.startswith("2023年"))
    qtbot.mouseClick(editor.sub_add, Qt.MouseButton.LeftButton)
    edit_cell(editor.subs, 0, 0, "社区工作者工资保险")
    edit_cell(editor.subs, 0, 1, "保证社区工作者对工作的积极性")
    edit_cell(editor.subs, 0, 2, "数量指标、质量指标，指标值为≥80%")
    qtbot.mouseClick(editor.measure_add, Qt.MouseButton.LeftButton)
    editor.measures.item(0).setText("加强党组织建设和党员管理")
    qtbot.mouseClick(editor.measure_add, Qt.MouseButton.LeftButton)
    editor.measures.item(1).setText("做好综合事务管理工作")
    filled = session.department(uid)
    assert filled.narrative.overall == "2023年街道将认真贯彻落实党的二十大精神。\n加强基层领导班子建设。"
    assert [(s.title, s.goal, s.indicators) for s in filled.narrative.sub_goals] == [
        ("社区工作者工资保险", "保证社区工作者对工作的积极性", "数量指标、质量指标，指标值为≥80%")]
    assert filled.narrative.measures == ("加强党组织建设和党员管理", "做好综合事务管理工作")

    # undo walks back through every step, redo brings all of it again
    steps = session.undo_stack.index()
    assert steps >= 20
    for _ in range(steps):
        session.undo()
    assert session.department(uid) is None and window.list_panel.model.rowCount() == 0
    for _ in range(steps):
        session.redo()
    assert session.department(uid).content_key() == filled.content_key()
    assert editor.tasks.item(1, 2).text() == "32.30" and editor.measures.count() == 2

    window.close()
    with Store.open(path, readonly=True) as store:
        (saved,) = store.departments()
    assert saved.content_key() == filled.content_key()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.open_file(path)
    assert again.list_panel.model.uids[0] == uid
    again.show_project(uid)
    assert again.dept_editor.name.text() == "玉田县无终街道办事处"
    assert again.dept_editor.subs.item(0, 1).text() == "保证社区工作者对工作的积极性"
    again.close()


def test_paste_from_word_keeps_paragraphs(qtbot, tmp_path):
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QGuiApplication

    window, editor = department_window(qtbot, tmp_path)
    mime = QMimeData()  # as Word puts a copied passage on the clipboard: HTML and plain text with CR LF
    mime.setHtml("<html><body><p>第一段：加强基层领导班子建设。</p><p>第二段：做好社区服务工作。</p></body></html>")
    mime.setText("第一段：加强基层领导班子建设。\r\n第二段：做好社区服务工作。\r\n")
    QGuiApplication.clipboard().setMimeData(mime)
    editor.tabs.setCurrentIndex(2)
    editor.overall.setFocus()
    editor.overall.paste()
    editor.overall.clearFocus()
    qtbot.waitUntil(lambda: window.session.department(editor.uid).narrative.overall != "")
    text = window.session.department(editor.uid).narrative.overall
    assert text.split("\n")[:2] == ["第一段：加强基层领导班子建设。", "第二段：做好社区服务工作。"]
    window.close()


def test_department_table_is_finalised_for_signature_and_released(qtbot, tmp_path):
    from dataclasses import replace

    from desk.domain.model import Indicator
    from desk.ops import exports as exports_ops
    from tests.render.pdfread import draft_marks

    window, editor = department_window(qtbot, tmp_path)
    uid = editor.uid
    assert not editor.finalize()  # errors (no tasks, goals, indicators): refused, said in the status bar
    d = window.session.department(uid)
    levels = [("产出指标", "数量指标"), ("成本指标", "经济成本指标"), ("效益指标", "社会效益指标"),
              ("满意度指标", "服务对象满意度指标")]
    inds = tuple(Indicator(l1, l2, f"指标{k}", "", "≥", "90", "%", "") for k, (l1, l2) in enumerate(levels))
    from desk.domain.model import DepartmentTask

    window.session.put_department(replace(d, tasks=(DepartmentTask("保障运转", "人员经费", Decimal("5451400.00"),
                                                                   Decimal("5451400.00"), Decimal(0)),),
                                          goals=("保障运转",), indicators=inds), "填写")
    assert editor.finalize()
    d = window.session.department(uid)
    assert d.finalized and editor.name.isReadOnly() and "已定稿" in editor.banner.text()
    assert not window.session.undo_stack.canUndo()
    window.session.wait_saved()
    out = tmp_path / "dept.pdf"
    exports_ops.export_pdf(window.document.path, out)
    assert draft_marks(out.read_bytes()) == [False]  # the signed paper carries no 草稿 mark
    assert editor.unfinalize()
    assert not window.session.department(uid).finalized and not editor.name.isReadOnly()
    window.close()


def test_sub_goal_cells_take_paragraphs_pasted_from_word(qtbot, tmp_path):
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QPlainTextEdit

    window, editor = department_window(qtbot, tmp_path, show=True)
    editor.tabs.setCurrentIndex(2)
    qtbot.mouseClick(editor.sub_add, Qt.MouseButton.LeftButton)
    mime = QMimeData()
    mime.setText("资金累计支出进度分别达到30%、60%、90%、100%。\r\n项目产出指标为：数量指标、质量指标。")
    QGuiApplication.clipboard().setMimeData(mime)
    editor.subs.setCurrentCell(0, 1)
    editor.subs.editItem(editor.subs.item(0, 1))
    box = editor.subs.findChild(QPlainTextEdit)
    assert box is not None  # a multi-line editor, not a one-line box that would drop the line break
    box.paste()
    editor.subs.commitData(box)
    editor.subs.closeEditor(box, QStyledItemDelegate.EndEditHint.NoHint)
    goal = window.session.department(editor.uid).narrative.sub_goals[0].goal
    assert goal.split("\n") == ["资金累计支出进度分别达到30%、60%、90%、100%。", "项目产出指标为：数量指标、质量指标。"]
    window.close()


def test_ctrl_v_on_the_measures_list_makes_one_measure_per_paragraph(qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication

    window, editor = department_window(qtbot, tmp_path, show=True)
    editor.tabs.setCurrentIndex(2)
    QGuiApplication.clipboard().setText("1、加强党组织建设。\r\n\r\n2、做好综合事务管理工作。\r\n")
    editor.measures.setFocus()
    qtbot.keyClick(editor.measures, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.session.department(editor.uid).narrative.measures == ("1、加强党组织建设。", "2、做好综合事务管理工作。")
    assert window.session.undo_stack.undoText() == "粘贴措施"
    window.close()

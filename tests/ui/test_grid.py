"""The indicator grid model and view: qtmodeltester, edits, spans, TSV copy/paste, keyboard."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desk.forms import get_form
from desk.ui.grid import IndicatorModel, IndicatorView, parse_tsv
from tests.helpers import good_project


def make(form="hebei-project", indicators=None):
    model = IndicatorModel(get_form(form))
    model.set_indicators(good_project().indicators if indicators is None else indicators)
    return model


def test_model_passes_qtmodeltester(qtmodeltester):
    model = make()
    qtmodeltester.check(model, force_py=True)
    model.insert_rows(1, 2)
    model.remove_rows([0, 3])
    model.move_rows([1], 1)
    qtmodeltester.check(model, force_py=True)


def test_split_model_passes_qtmodeltester(qtmodeltester):
    qtmodeltester.check(make("hebei-project-split"), force_py=True)


def test_cells_and_edits():
    model = make()
    assert [model.cell_text(0, c) for c in range(6)] == [
        "产出指标", "数量指标", "城市社区综合服务设施数量", "城市社区综合服务设施数量", "≥25个", "社区工作覆盖情况"]
    assert model.setData(model.index(0, 4), ">=30个")
    assert model.indicators[0].comparator == "≥" and model.indicators[0].value == "30"
    assert model.setData(model.index(0, 1), "质量")  # kept as typed; the checks offer 质量指标
    assert model.indicators[0].level2 == "质量"
    assert model.setData(model.index(0, 1), "质量指标")  # the 建议 taken by hand
    assert not model.setData(model.index(0, 1), "质量指标")  # no change, no step


def test_split_columns_edit_comparator_value_unit():
    model = make("hebei-project-split")
    keys = model.keys
    c, n, u = keys.index("comparator"), keys.index("number"), keys.index("unit")
    model.setData(model.index(0, n), "40")
    assert model.indicators[0].value_text == "≥40个"
    model.setData(model.index(0, c), "≤")
    assert model.indicators[0].value_text == "≤40个"
    model.setData(model.index(0, c), "文字描述")
    assert model.indicators[0].comparator == "" and model.indicators[0].value == "≤40个"
    model.setData(model.index(0, u), "逐步提高")
    assert model.cell_text(0, c) == "文字描述" and model.cell_text(0, u) == "逐步提高"


def test_spans_follow_the_rows():
    model = make()
    assert model.spans() == [(0, 0, 2)]
    model.insert_rows(1)
    assert (0, 0, 3) in model.spans()
    model.move_rows([3], -2)  # 效益 row moves between the 产出 rows: spans split
    assert (0, 0, 3) not in model.spans()


def test_tsv_parsing_like_excel():
    assert parse_tsv("a\tb\r\nc\td\r\n") == [["a", "b"], ["c", "d"]]
    assert parse_tsv('"多\n行"\tx\n') == [["多\n行", "x"]]
    assert parse_tsv('"说""明"\t\n') == [['说"明', ""]]
    assert parse_tsv("only") == [["only"]]


def test_paste_block_adds_rows_and_parses_values():
    model = make(indicators=good_project().indicators[:1])
    block = parse_tsv("产出指标\t时效\t完成率\t按时完成\t85%以上\t计划\r\n效果指标\t社会效益\t覆盖率\t覆盖\t≥90%\t考核\r\n")
    assert model.paste(1, 0, block) == (2, 6)
    assert len(model.indicators) == 3
    second = model.indicators[1]
    assert (second.level1, second.level2, second.comparator, second.value, second.unit) == (
        "产出指标", "时效", "≥", "85", "%")
    assert second.value_text == "85%以上"  # pasted text kept as written, its parts beside it
    assert model.indicators[2].level1 == "效果指标"  # as pasted


def test_copy_is_tsv():
    model = make()
    text = model.copy_text([(0, 2), (0, 4), (1, 2), (1, 4)])
    assert text.split("\r\n")[0] == "城市社区综合服务设施数量\t城市社区综合服务设施数量\t≥25个"


def test_view_keyboard_copy_paste_delete(qtbot):
    model = make()
    view = IndicatorView(model)
    qtbot.addWidget(view)
    view.show()
    view.setCurrentIndex(model.index(0, 2))
    view.selectionModel().select(model.index(0, 2), view.selectionModel().SelectionFlag.ClearAndSelect)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "城市社区综合服务设施数量\r\n"
    QGuiApplication.clipboard().setText("新指标\t新描述\r\n")
    view.setCurrentIndex(model.index(3, 2))
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert model.indicators[3].name == "新指标" and model.indicators[3].description == "新描述"
    view.setCurrentIndex(model.index(2, 5))
    view.selectionModel().select(model.index(2, 5), view.selectionModel().SelectionFlag.ClearAndSelect)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert model.indicators[2].basis == ""
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.currentIndex().row() == 3
    # typing starts editing; Enter commits and moves down
    view.setCurrentIndex(model.index(1, 2))
    qtbot.keyClick(view, Qt.Key.Key_Q)
    editor = view.focusWidget()
    qtbot.keyClicks(editor, "1")  # (QTest cannot type CJK; the editor takes any text)
    editor.insertPlainText("合格率")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)
    assert model.indicators[1].name == "q1合格率"
    assert view.currentIndex().row() == 2
    assert view.merge_of(0, 0) == (0, 2) and view.merge_of(1, 0) == (0, 2) and view.rowSpan(0, 0) == 1

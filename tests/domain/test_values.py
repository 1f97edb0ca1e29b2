"""指标值 parsing on every value string of the shared samples, and round trips."""

import re

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.domain.values import (
    COMPARATORS, TargetValue, format_value, make_value, parse_value, split_columns,
)
from tests.conftest import SAMPLES

# 指标值 cells of street-office-2022-hebei.txt (lines that the PDF text broke
# inside a cell are joined) and urho-2021-department-table.txt.
STREET_OFFICE_VALUES = [
    "≥90%发放到位", "≥95%社区工作人员服务意识增强,满意度提高", "≥90%到位率", "≥90%控制率",
    "≥90%发挥效益", "≥90%广大居民不断认可居委会的工作，并积极的投入到社区工作的建设中来",
    "≥90%服务满意度", "≥90%积极调动广大居民的积极性参与到社区的建设中来", "4", "合格",
    "2022年底", "100%", "长期性", "365天", "≥90%满意", "7",
]
URHO_VALUES = [
    "≥150000平方米", "≥239631平方米", "≥300册", "≥112人", "≥60场", "≥80人", "≥10次", "=1台",
    "≥18人", "=1处", "≥8种", "≥90%", "=100%", "≥95%", "≤230.07万元", "≤32.3万元", "≤15万元",
    "≤11.5万元", "≤1.5万元", "保障", "提升", "降低", "增强", "完善",
]
DESIGN_VALUES = [
    "≥90%", "≥25个", "≤100人", "115万元", "12", "85%以上", "低于10%", "2021年12月底前",
    "按照上级文件安排定级发放",
]


def yutian_values() -> list[str]:
    wb = openpyxl.load_workbook(SAMPLES / "yutian-2023-project-tables.xlsx")
    ws = wb.active
    values, in_grid = [], False
    for row in ws.iter_rows(values_only=True):
        if row[0] == "一级指标":
            in_grid = True
            continue
        if row[0] and str(row[0]).endswith("绩效目标表"):
            in_grid = False
        if in_grid and row[4] is not None:
            values.append(str(row[4]))
    return values


def all_sample_values() -> list[str]:
    return yutian_values() + STREET_OFFICE_VALUES + URHO_VALUES + DESIGN_VALUES


def test_yutian_workbook_has_its_values():
    values = yutian_values()
    assert len(values) == 49
    assert "≥25个" in values and "本单位共有社区工作者112人" in values


# Words and symbols that stand for a comparator in front of or behind the number.
_COMPARATOR_TEXT = re.compile(r"^(≥|≤|=|>|<|>=|<=|低于|以上)|(以上|以下|以内)$")


@pytest.mark.parametrize("text", all_sample_values())
def test_every_sample_value_is_read_without_losing_a_character(text):
    parsed = parse_value(text)
    if parsed.is_qualitative:
        assert parsed.value == text.strip()
        assert parsed.unit == ""
    else:
        assert parsed.comparator in COMPARATORS
        # Removing the comparator's own text leaves exactly value + unit.
        assert _COMPARATOR_TEXT.sub("", text.strip()) == parsed.value + parsed.unit
    assert parse_value(format_value(parsed)) == parsed


@pytest.mark.parametrize(
    "text, expected",
    [
        ("≥90%", ("≥", "90", "%")),
        ("≥25个", ("≥", "25", "个")),
        ("≤100人", ("≤", "100", "人")),
        ("85%以上", ("≥", "85", "%")),
        ("低于10%", ("<", "10", "%")),
        ("≤230.07万元", ("≤", "230.07", "万元")),
        ("=1台", ("=", "1", "台")),
        ("≥150000平方米", ("≥", "150000", "平方米")),
        (">=90%", ("≥", "90", "%")),
        ("＞＝90%", ("≥", "90", "%")),
        ("＞5个", (">", "5", "个")),
        ("＝100%", ("=", "100", "%")),
        ("不低于95%", ("≥", "95", "%")),
        ("不少于3次", ("≥", "3", "次")),
        ("至少2场", ("≥", "2", "场")),
        ("不超过5万元", ("≤", "5", "万元")),
        ("不高于3%", ("≤", "3", "%")),
        ("10%以下", ("≤", "10", "%")),
        ("10天以内", ("≤", "10", "天")),
        ("高于80%", (">", "80", "%")),
        ("大于1000人", (">", "1000", "人")),
        ("超过2个", (">", "2", "个")),
        ("小于5%", ("<", "5", "%")),
        ("≥９０％", ("≥", "90", "%")),
        ("≥1,000人次", ("≥", "1,000", "人次")),
        ("≥718.00人/元", ("≥", "718.00", "人/元")),
    ],
)
def test_quantitative_values(text, expected):
    assert parse_value(text) == TargetValue(*expected)


@pytest.mark.parametrize(
    "text",
    ["115万元", "12", "365天", "2021年12月底前", "按照上级文件安排定级发放", "≥90%发放到位",
     "≥90合法访数量占总访数的百分比", "≥90%以上", "", "合格", "≥", "≥较好"],
)
def test_qualitative_values_keep_the_text(text):
    parsed = parse_value(text)
    assert parsed == TargetValue("", text, "")
    assert format_value(parsed) == text


def test_three_column_form():
    assert make_value(">=", "718.00", "人/元") == TargetValue("≥", "718.00", "人/元")
    assert make_value("文字描述", "", "逐步提高") == TargetValue("", "逐步提高", "")
    assert make_value("", "", "提升") == TargetValue("", "提升", "")
    # an unknown comparator keeps every character as text
    assert make_value("约", "5", "个") == TargetValue("", "约5个", "")
    assert split_columns(TargetValue("", "逐步提高", "")) == ("文字描述", "", "逐步提高")
    assert split_columns(TargetValue("≥", "90", "%")) == ("≥", "90", "%")


@given(st.text(max_size=30))
def test_parse_of_format_is_identity_on_parser_outputs(text):
    parsed = parse_value(text)
    assert parse_value(format_value(parsed)) == parsed


numbers = st.from_regex(r"\A(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?\Z")
units = st.sampled_from(["%", "个", "人", "万元", "元", "次", "平方米", "人/元", "天", "台", "处", "户", ""])


@given(st.sampled_from(COMPARATORS), numbers, units)
def test_structured_values_round_trip(comparator, number, unit):
    target = TargetValue(comparator, number, unit)
    assert parse_value(format_value(target)) == target

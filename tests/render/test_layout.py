"""Chinese line breaking: rules for punctuation, whole Latin runs, no lost characters, no orphans."""

from hypothesis import given
from hypothesis import strategies as st

from desk.render.layout import NO_LINE_END, NO_LINE_START, wrap


def measure(ch: str) -> float:
    return 1.0 if ord(ch) > 0x2E7F else 0.5


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("一二三四五，六七八九十。", 5, measure)
    assert all(line[0] not in NO_LINE_START for line in lines[1:])


def test_opening_punctuation_never_ends_a_line():
    lines = wrap("一二三四（五六七）八九", 5, measure)
    assert all(line[-1] not in NO_LINE_END for line in lines)


def test_codes_and_numbers_stay_whole():
    assert wrap("预算数770000.00元", 6, measure) == ["预算数", "770000.00元"]


def test_no_single_character_last_line():
    assert wrap("城市社区综合服务设施数量", 11, measure) == ["城市社区综合服务设施", "数量"]


text = st.text(alphabet="城市社区综合服务设施数量，。、（）《》ABC123 ", max_size=60)


@given(text, st.integers(min_value=3, max_value=20))
def test_wrapping_loses_no_character(value, width):
    lines = wrap(value, width, measure)
    assert "".join(lines).replace(" ", "") == value.replace(" ", "")

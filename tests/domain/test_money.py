"""Money as clerks type it: accepted forms, refusals that name the field, and the on-screen form read back."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.domain.money import display_money, parse_typed_money
from desk.errors import InputError


@pytest.mark.parametrize("typed, unit, expected", [
    ("770000", "元", "770000.00"),
    ("770,000.00", "元", "770000.00"),
    ("77万", "元", "770000.00"),
    ("77万元", "元", "770000.00"),
    ("￥1,234.50", "元", "1234.50"),
    ("¥1234.5", "元", "1234.50"),
    ("７７００００", "元", "770000.00"),
    ("１，２３４．５０", "元", "1234.50"),  # full-width separators
    (" 12 ", "万元", "120000.00"),
    ("500元", "万元", "500.00"),  # an explicit unit wins over the field's
    ("", "元", None),
])
def test_accepted_forms(typed, unit, expected):
    value = parse_typed_money(typed, what="预算数", unit=unit)
    assert (None if value is None else str(value)) == expected


@pytest.mark.parametrize("typed", ["1,2,3", "12.3.4", "七十万", "abc", "万", "￥", "1,234,5", "12万万", "--5", "1e5"])
def test_anything_else_is_refused_naming_the_field(typed):
    with pytest.raises(InputError, match=f"预算数“{typed.strip()}”"):
        parse_typed_money(typed, what="预算数")


amounts = st.decimals(min_value=Decimal("-99999999999.99"), max_value=Decimal("99999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts, st.sampled_from(["元", "万元"]))
def test_what_the_field_shows_reads_back_as_the_same_amount(amount, unit):
    if unit == "万元":
        amount = amount.quantize(Decimal("0.01"))
    shown = display_money(amount, unit, grouped=True)
    assert parse_typed_money(shown, what="预算数", unit=unit) == amount


@given(st.text(max_size=30))
def test_any_text_gives_an_amount_or_a_chinese_refusal(text):
    try:
        value = parse_typed_money(text, what="预算数")
    except InputError as exc:
        assert str(exc).startswith("预算数")
    else:
        assert value is None or value == value.quantize(Decimal("0.01"))

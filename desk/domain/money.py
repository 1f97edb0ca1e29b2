"""Exact money and percentage handling (never float)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from desk.errors import InputError

CENT = Decimal("0.01")
WAN = Decimal("10000")

MONEY_UNITS = ("元", "万元")

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _clean_number_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace(",", "").replace(" ", "")
    return text


def parse_decimal(text: str | int | Decimal | None, *, what: str) -> Decimal | None:
    """Parse a number typed by a user; blank gives None.

    ``what`` names the field for the error message (e.g. "预算数").
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise InputError(f"{what}应为数字")
    if isinstance(text, (int, Decimal)):
        return Decimal(text)
    if isinstance(text, float):
        # Floats only reach here from spreadsheets; go through repr to keep
        # the digits the user saw.
        return Decimal(repr(text))
    cleaned = _clean_number_text(str(text))
    if cleaned == "":
        return None
    if not _NUMBER.match(cleaned):
        raise InputError(f"{what}“{text}”不是有效的数字")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - regex guards this
        raise InputError(f"{what}“{text}”不是有效的数字") from None


MAX_AMOUNT = Decimal(10) ** 15  # 1000 万亿元: any amount this large is a typing slip or a hostile file


def parse_money(text, *, what: str, unit: str = "元") -> Decimal | None:
    """Parse an amount given in ``unit`` (元 or 万元) into exact 元 (2 places)."""
    value = parse_decimal(text, what=what)
    if value is None:
        return None
    if not value.is_finite():
        raise InputError(f"{what}“{text}”不是有效的金额")
    if unit == "万元":
        value = value * WAN
    elif unit != "元":
        raise InputError(f"金额单位“{unit}”无效，只能是“元”或“万元”")
    if abs(value) >= MAX_AMOUNT:
        raise InputError(f"{what}“{text}”过大（不能达到 1000 万亿元），请核对位数")
    if value != value.quantize(CENT):
        raise InputError(f"{what}“{text}”精确到分以下，最多保留两位小数（以元计）")
    return value.quantize(CENT)


_TYPED = re.compile(r"^(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?P<fraction>\.\d+)?$")
_CURRENCY = ("¥", "￥", "RMB", "rmb")


def parse_typed_money(text: str, *, what: str, unit: str = "元") -> Decimal | None:
    """An amount as a clerk types it into a field shown in ``unit`` (元 or 万元); blank gives None.

    Accepts full-width digits, thousands separators in groups of three
    (1,234.50), a leading ¥/￥, and an explicit unit that overrides the
    field's: 12万 / 12万元 is 120000 元, 500元 is 500 元 even in a 万元 field.
    Anything else raises InputError naming the field.
    """
    raw = text
    text = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    for sign in _CURRENCY:
        if text.startswith(sign):
            text = text[len(sign):]
            break
    for suffix, given in (("万元", "万元"), ("万", "万元"), ("元", "元")):
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], given
            break
    if text == "":
        if raw.strip():
            raise InputError(f"{what}“{raw.strip()}”不是有效的金额：请写数字，如 770000、770,000.00 或 77万")
        return None
    m = _TYPED.match(text)
    if not m or not (m.group("whole") or m.group("fraction")):
        raise InputError(f"{what}“{raw.strip()}”不是有效的金额：请写数字，如 770000、770,000.00 或 77万")
    return parse_money(text, what=what, unit=unit)


def to_fen(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    return int((amount * 100).to_integral_exact())


def from_fen(fen: int | None) -> Decimal | None:
    if fen is None:
        return None
    return (Decimal(fen) / 100).quantize(CENT)


def money_text(amount: Decimal | None) -> str | None:
    """Canonical decimal string in 元 with two places, as in the JSON file."""
    if amount is None:
        return None
    return f"{amount.quantize(CENT):.2f}"


def display_money(amount: Decimal | None, unit: str = "元", *, grouped: bool = False) -> str:
    """Amount for display in the table's money unit, exact (no rounding away).

    ``grouped`` puts thousands separators in the whole part (on screen: 770,000.00).
    """
    if amount is None:
        return ""
    if unit == "万元":
        value = (amount / WAN).normalize()
        text = format(value, "f")
        # at least two decimals, as printed tables show them
        if "." not in text:
            text += ".00"
        elif len(text.split(".")[1]) < 2:
            text += "0"
    else:
        text = f"{amount:.2f}"
    if grouped:
        whole, _, fraction = text.partition(".")
        sign = "-" if whole.startswith("-") else ""
        text = f"{sign}{int(whole.lstrip('-')):,}.{fraction}"
    return text


def percent_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    normalized = value.normalize()
    text = format(normalized, "f")
    return text

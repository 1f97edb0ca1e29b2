"""The 指标值 (target value) parser and formatter.

A target is either quantitative — a comparator (≥ ≤ = > <), a number written
as the user wrote it, and a short unit — or qualitative text, kept whole.
Parsing never drops information: what cannot be read completely stays as
qualitative text, character for character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

COMPARATORS = ("≥", "≤", "=", ">", "<")
QUALITATIVE = ""

# Longest tokens first so that ">=" wins over ">".
_SYMBOL_TOKENS: tuple[tuple[str, str], ...] = (
    ("＞＝", "≥"), ("＜＝", "≤"), (">=", "≥"), ("<=", "≤"), ("=>", "≥"), ("=<", "≤"),
    ("==", "="), ("≥", "≥"), ("≧", "≥"), ("⩾", "≥"), ("≤", "≤"), ("≦", "≤"), ("⩽", "≤"),
    ("＝", "="), ("=", "="), ("＞", ">"), (">", ">"), ("＜", "<"), ("<", "<"),
)
_PREFIX_WORDS: tuple[tuple[str, str], ...] = (
    ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("至少", "≥"),
    ("不超过", "≤"), ("不高于", "≤"), ("不多于", "≤"), ("不大于", "≤"),
    ("低于", "<"), ("小于", "<"), ("少于", "<"),
    ("高于", ">"), ("大于", ">"), ("超过", ">"), ("多于", ">"),
    ("等于", "="),
)
_SUFFIX_WORDS: tuple[tuple[str, str], ...] = (
    ("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤"), ("以内", "≤"),
)

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NUMERIC_VALUE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# A unit is short: %, ‰, or up to 6 letters/CJK characters, optionally with "/".
_UNIT = re.compile(r"^(?:[%‰％]|[A-Za-z\u3400-\u9fff/·²³]{1,6})$")
_UNIT_MAX = 6


@dataclass(frozen=True)
class TargetValue:
    comparator: str  # one of COMPARATORS, or "" for qualitative text
    value: str  # the number as written; for qualitative text, the whole text
    unit: str  # "" for qualitative text

    @property
    def is_qualitative(self) -> bool:
        return self.comparator == QUALITATIVE

    @property
    def number(self):
        """The value as Decimal, or None when it is not a number."""
        from decimal import Decimal

        if not is_numeric(self.value):
            return None
        return Decimal(self.value.replace(",", ""))


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC_VALUE.match(text or ""))


def _strip_prefix(text: str) -> tuple[str, str]:
    for token, comparator in _SYMBOL_TOKENS + _PREFIX_WORDS:
        if text.startswith(token):
            return comparator, text[len(token):]
    return "", text


def _strip_suffix(text: str) -> tuple[str, str]:
    for token, comparator in _SUFFIX_WORDS:
        if text.endswith(token):
            return comparator, text[: -len(token)]
    return "", text


def parse_value(text: str | None) -> TargetValue:
    """Read one 指标值 cell such as ``≥90%``, ``85%以上``, ``低于10%``."""
    if isinstance(text, str) and len(text) <= 64:  # every check of a table reads its values again
        return _parse_short(text)
    return _parse(text)


@lru_cache(maxsize=8192)  # at most about 8192 × 64 characters; a TargetValue is immutable
def _parse_short(text: str) -> TargetValue:
    return _parse(text)


def _parse(text: str | None) -> TargetValue:
    if text is None:
        return TargetValue(QUALITATIVE, "", "")
    original = str(text).strip()
    work = original.translate(_FULLWIDTH_DIGITS)
    prefix_cmp, rest = _strip_prefix(work)
    rest = rest.strip()
    suffix_cmp, rest = _strip_suffix(rest)
    rest = rest.strip()
    comparator = prefix_cmp or suffix_cmp
    # Exactly one comparator source; a bare number stays text (it is printed
    # as the clerk wrote it, e.g. "365天" or "12").
    if not comparator or (prefix_cmp and suffix_cmp):
        return TargetValue(QUALITATIVE, original, "")
    match = _NUMBER.match(rest)
    if not match:
        return TargetValue(QUALITATIVE, original, "")
    number = match.group(0)
    unit = rest[match.end():].strip()
    if unit == "％":
        unit = "%"
    if unit and not _UNIT.match(unit):
        return TargetValue(QUALITATIVE, original, "")
    return TargetValue(comparator, number, unit)


def make_value(comparator: str, value: str, unit: str) -> TargetValue:
    """Build a target from the three columns 符号 · 值 · 单位（文字描述）.

    ``comparator`` may be any accepted spelling, or ``文字描述``/blank for
    qualitative text, in which case the text is taken from ``unit`` (the
    column real forms put it in) or from ``value``.
    """
    comparator = (comparator or "").strip()
    value = ("" if value is None else str(value)).strip()
    unit = ("" if unit is None else str(unit)).strip()
    if comparator in ("", "文字描述", "定性"):
        if value and unit and bare_quantity(value + unit) == (value, unit):
            return TargetValue(QUALITATIVE, value + unit, "")  # a bare quantity split into 值 and 单位: 115万元
        text = " ".join(part for part in (value, unit) if part)
        return TargetValue(QUALITATIVE, text, "")
    symbol, rest = _strip_prefix(comparator)
    if not symbol or rest.strip():
        # Unknown comparator: keep every character as text.
        return TargetValue(QUALITATIVE, f"{comparator}{value}{unit}", "")
    return TargetValue(symbol, value.translate(_FULLWIDTH_DIGITS), unit)


def format_value(target: TargetValue) -> str:
    """One-cell form: ``≥90%``; qualitative text as it is."""
    if target.is_qualitative:
        return target.value
    return f"{target.comparator}{target.value}{target.unit}"


_BARE = re.compile(r"^((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(.*)$")


def bare_quantity(text: str) -> tuple[str, str] | None:
    """A number with at most a short unit and no comparator (``12``, ``365天``): (number, unit), else None."""
    m = _BARE.match((text or "").strip().translate(_FULLWIDTH_DIGITS))
    if not m:
        return None
    unit = m.group(2).strip()
    if unit and not _UNIT.match(unit):
        return None
    return m.group(1), "%" if unit == "％" else unit


def split_columns(target: TargetValue, bare: str = "") -> tuple[str, str, str]:
    """Three-column form 符号 · 值 · 单位（文字描述）.

    A bare number (``12``, ``365天``) goes in 值 with ``bare`` (the form says:
    "" or "=") as its 符号; only real text goes under 文字描述.
    """
    if target.is_qualitative:
        quantity = bare_quantity(target.value)
        if quantity is not None:
            return (bare, quantity[0], quantity[1])
        return ("文字描述", "", target.value)
    return (target.comparator, target.value, target.unit)


def symbol_form(text: str) -> str:
    """The 符号 spelling of a value written in words (85%以上 → ≥85%), or "" when there is none to offer."""
    target = parse_value(text)
    if target.is_qualitative:
        return ""
    symbolic = format_value(target)
    return symbolic if symbolic != (text or "").strip() else ""

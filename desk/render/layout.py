"""Chinese line breaking and the table model the PDF renderer paginates.

Line breaking follows the usual Chinese rules (GB/T 15834 punctuation
placement): a line never begins with closing punctuation such as ，。、；：！？）》
and never ends with opening punctuation such as （《“; runs of Latin letters and
digits (codes, amounts, 90%) are kept whole unless longer than the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

NO_LINE_START = set("，。、；：！？）》」』】〕〉”’％‰·…—～,.;:!?)]}%｝〗〙︰︱︲︳")
NO_LINE_END = set("（《「『【〔〈“‘([{｛〖〘")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/%\-+_]*|.", re.S)

Measure = Callable[[str], float]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (explicit newlines kept)."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines or [""]


def _wrap_paragraph(text: str, width: float, measure: Measure) -> list[str]:
    if not text:
        return [""]
    tokens: list[str] = []
    for tok in _tokens(text):
        if len(tok) > 1 and sum(measure(c) for c in tok) > width:
            tokens.extend(tok)  # a run longer than a line: break it anywhere
        else:
            tokens.append(tok)
    widths = [sum(measure(c) for c in tok) for tok in tokens]
    lines: list[str] = []
    line: list[int] = []  # token indexes on the current line
    used = 0.0
    i = 0
    while i < len(tokens):
        w = widths[i]
        if not line or used + w <= width + 1e-6:
            line.append(i)
            used += w
            i += 1
            continue
        # tokens[i] starts the next line: apply the punctuation rules.
        if tokens[i][0] in NO_LINE_START and len(line) > 1:
            # pull the last token down with it (unless that breaks the rule again)
            moved = line.pop()
            i = moved
        while len(line) > 1 and tokens[line[-1]][-1] in NO_LINE_END:
            i = line.pop()
        if tokens[i][0] in NO_LINE_START and len(line) == 1 and used + w <= width * 1.15:
            # one token line: let the punctuation hang into the padding
            line.append(i)
            i += 1
        lines.append("".join(tokens[k] for k in line).rstrip(" "))
        line, used = [], 0.0
        # skip a space at the start of a line
        while i < len(tokens) and tokens[i] == " ":
            i += 1
    if line:
        lines.append("".join(tokens[k] for k in line).rstrip(" "))
    return _no_orphan(lines, measure)


def _no_orphan(lines: list[str], measure: Measure) -> list[str]:
    """Avoid a last line of one character (“…设施数 / 量”): take one more character down
    from the line above when that line keeps at least three."""
    if len(lines) < 2:
        return lines
    last, above = lines[-1], lines[-2]
    if len(last) != 1 or len(above) < 4 or last in NO_LINE_START and len(above) < 5:
        return lines
    moved = above[-1]
    if not ("\u3400" <= moved <= "\u9fff") or moved in NO_LINE_START or above[-2] in NO_LINE_END:
        return lines
    return lines[:-2] + [above[:-1], moved + last]


@dataclass
class Cell:
    """One printed cell; ``lines`` are filled in by the renderer's wrap pass."""

    col: int
    text: str
    span: int = 1
    align: str = "center"  # left, center, right
    size: float = 10.0
    label: bool = False  # a form label (shaded, centered)
    lines: list[str] = field(default_factory=list)


@dataclass
class Row:
    """A row of one block. ``groups`` are vertically merged cells by column:
    consecutive rows of the block with the same group key share one cell."""

    block: str
    widths: tuple[float, ...]  # column widths in points
    cells: list[Cell]
    groups: dict[int, tuple[str, str, float]] = field(default_factory=dict)  # col -> (key, label, size)
    height: float = 0.0
    header: bool = False  # a grid header row, repeated on every page
    keep: str = ""  # rows with the same non-empty keep key stay on one page if they can


@dataclass
class Band:
    """Free text outside the table (title, unit line, sign-off)."""

    kind: str  # title, unit_line, signoff
    texts: tuple[str, ...]
    height: float
    size: float

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


# A paragraph whose characters' widths add up to less than this below the line fits on one line whatever the
# order of the additions (the token by token sums below differ from it by far less).
_SURELY_FITS = 1e-9


def _wrap_paragraph(text: str, width: float, measure: Measure) -> list[str]:
    if not text:
        return [""]
    if sum(map(measure, text)) <= width + 1e-6 - _SURELY_FITS:
        return [text.rstrip(" ")]  # one line: what the token loop below gives when every token fits
    tokens: list[str] = []
    for tok in _tokens(text):
        if len(tok) > 1 and sum(map(measure, tok)) > width:
            tokens.extend(tok)  # a run longer than a line: break it anywhere
        else:
            tokens.append(tok)
    widths = [sum(map(measure, tok)) for tok in tokens]
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
        # tokens[i] starts the next line: apply the punctuation rules, also to runs of marks (）；  ”。  》）。)
        while len(line) > 1 and (tokens[i][0] in NO_LINE_START or tokens[line[-1]][-1] in NO_LINE_END):
            i = line.pop()  # pull the last token down with it until neither rule is broken
            used -= widths[i]
        if tokens[i][0] in NO_LINE_START and len(line) == 1:
            # a one-token line: the closing marks hang into the padding rather than start the next line
            while i < len(tokens) and tokens[i][0] in NO_LINE_START and used + widths[i] <= width * 1.2:
                line.append(i)
                used += widths[i]
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
    lines: list[str] = field(default_factory=list)  # a title's wrapped lines, filled in by the renderer


# ---------------------------------------------------------------- column widths

def _lines(paragraphs: list[float], width: float, pad: float) -> int:
    room = max(width - 2 * pad, 1.0)
    if len(paragraphs) == 1:  # most cells: the same count without the generator
        return max(1, -int(-(paragraphs[0] * 1.04) // room))
    return sum(max(1, -int(-(pw * 1.04) // room)) for pw in paragraphs)


def _width_for(paragraphs: list[float], lines: int, pad: float, low: float, high: float) -> float | None:
    """The least width in [low, high] at which the text takes at most ``lines`` lines (None: not even at high)."""
    if _lines(paragraphs, low, pad) <= lines:
        return low
    if _lines(paragraphs, high, pad) > lines:
        return None
    if len(paragraphs) == 1:
        return min(high, max(low, paragraphs[0] * 1.04 / lines + 2 * pad + 0.01))
    lo, hi = low, high
    while hi - lo > 0.5:
        mid = (lo + hi) / 2
        if _lines(paragraphs, mid, pad) <= lines:
            hi = mid
        else:
            lo = mid
    return hi


def fit_widths(cells: list[list[tuple[int, int, list[float]]]], widths: tuple[float, ...], lows: tuple[float, ...],
               highs: tuple[float, ...], pad: float, step: float = 0.0) -> tuple[float, ...]:
    """Column widths between ``lows`` and ``highs`` (summing to ``sum(widths)``) fitted to the text.

    ``cells`` holds, per row, (first column, span, widths of its paragraphs at
    the printed size); cells spanning columns keep their columns' widths.
    First the tallest row is made as short as the widths allow: the least
    number of lines T for which every column can be wide enough that none of
    its cells needs more than T lines. Then the spare width goes, step by
    step, where it saves the most lines in total, and what is left goes to the
    columns furthest below the form's own widths. Line counts are estimated
    from the paragraph widths, which is enough to choose widths; the real
    wrap happens afterwards.
    """
    n = len(widths)
    total = sum(widths)
    if not cells or sum(lows) > total + 1e-6:
        return tuple(widths)
    columns: list[list[tuple[int, list[float]]]] = [[] for _ in range(n)]  # per column: (row, paragraphs)
    for r, row in enumerate(cells):
        for col, span, paragraphs in row:
            if span == 1 and 0 <= col < n and any(paragraphs):
                columns[col].append((r, paragraphs))

    def need(c: int, lines: int) -> float:
        width = lows[c]
        for _, paragraphs in columns[c]:
            w = _width_for(paragraphs, lines, pad, lows[c], highs[c])
            width = max(width, highs[c] if w is None else w)
        return width

    tallest = max((_lines(p, lows[c], pad) for c in range(n) for _, p in columns[c]), default=1)
    current = list(lows)
    for lines in range(1, tallest + 1):
        trial = [need(c, lines) for c in range(n)]
        if sum(trial) <= total + 1e-6:
            current = trial
            break

    spare = total - sum(current)
    for _ in range(4 * n):  # fewer lines in total: the cheapest saving first
        lines_of = [{r: _lines(p, current[c], pad) for r, p in columns[c]} for c in range(n)]
        first = [1] * len(cells)  # per row: the tallest column's lines, which column, and the next tallest
        first_col = [-1] * len(cells)
        second = [1] * len(cells)
        for c in range(n):
            for r, k in lines_of[c].items():
                if k > first[r]:
                    first[r], second[r], first_col[r] = k, first[r], c
                elif k > second[r]:
                    second[r] = k
        best = None
        for c in range(n):
            others = {r: (second[r] if first_col[r] == c else first[r]) for r in lines_of[c]}
            candidates = set()
            for r, p in columns[c]:
                have = lines_of[c][r]
                if have > 1 and have > others[r]:  # this column alone makes the row this tall
                    w = _width_for(p, have - 1, pad, current[c], highs[c])
                    if w is not None and w - current[c] <= spare + 1e-6:
                        candidates.add(w)
            for w in candidates:
                saved = sum(first[r] - max(others[r], _lines(p, w, pad)) for r, p in columns[c])
                if saved > 0:
                    rate = saved / max(w - current[c], 1e-3)
                    if best is None or rate > best[0]:
                        best = (rate, c, w)
        if best is None:
            break
        _, c, w = best
        spare -= w - current[c]
        current[c] = w
    while spare > 1e-6:  # what is left: towards the form's own widths
        room = [c for c in range(n) if current[c] < highs[c] - 1e-6]
        if not room:
            break
        c = max(room, key=lambda k: (widths[k] - current[k]) / widths[k])
        give = min(spare, highs[c] - current[c], max(step, 1.0) if widths[c] <= current[c] else widths[c] - current[c])
        current[c] += give
        spare -= give
    return tuple(current)

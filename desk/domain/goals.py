"""绩效目标 as written: which goals carry their own number, how one cell of goals prints and reads back.

A goal is kept as the clerk wrote it (``目标1保证…``, ``1、…``, ``（一）…``).
Printed in one cell, goals are numbered ``1.`` ``2.`` … only where the text has
no number of its own and there is more than one goal. Reading such a cell back
undoes exactly that numbering and nothing else, so print → read → print gives
the same paper.
"""

from __future__ import annotations

import re

_CN = "一二三四五六七八九十"
# a goal that begins with its own number: 目标1, 1. 1、 1) （1） 一、 ① ⑴ Ⅰ. A. 一是 第一， 第1项 其一
_OWN_NUMBER = re.compile(
    rf"^\s*(?:目标\s*[0-9０-９{_CN}]+|[0-9０-９]+\s*[.．、，,)）]|[（(]\s*[0-9０-９{_CN}]+\s*[)）]"
    rf"|[{_CN}]+\s*[、.．，,]|[{_CN}]+是|第\s*[0-9０-９{_CN}]+\s*(?:项|条|点|个)?\s*[，,、:：.．]|其[{_CN}]+[，,、:：]"
    r"|[①-⑳⑴-⒇⒈-⒛Ⅰ-Ⅻⅰ-ⅻ]|[A-Za-zＡ-Ｚ]\s*[.．、)）]\s*(?![A-Za-z]))"
)
_OUR_NUMBER = re.compile(r"^(\d+)\.(?=[^\d\s])")  # our 1. (never the 1. of 1.5万元, a decimal)


def has_own_number(goal: str) -> bool:
    return _OWN_NUMBER.match(goal or "") is not None


def numbered(goals: tuple[str, ...], label: str = "{n}.") -> tuple[str, ...]:
    """Each goal as one printed line: numbered (``N.``, or the form's ``目标N：``) only when it has no number
    and there are several."""
    goals = tuple(g for g in goals if g.strip())
    if len(goals) < 2:
        return goals
    return tuple(g if has_own_number(g) else label.format(n=i) + g for i, g in enumerate(goals, 1))


def goals_cell(goals: tuple[str, ...], label: str = "{n}.") -> str:
    """The goals printed in one cell."""
    return "\n".join(numbered(goals, label))


def read_goals_cell(text: str) -> tuple[str, ...]:
    """One cell of goals back into goals: one per line, as written, except the ``N.`` that :func:`goals_cell`
    would add again (so the cell prints the same after reading)."""
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    if len(lines) < 2:
        return tuple(lines)
    goals = []
    for i, line in enumerate(lines, 1):
        m = _OUR_NUMBER.match(line)
        bare = line[m.end():] if m and int(m.group(1)) == i else None
        goals.append(bare if bare is not None and not has_own_number(bare) else line)
    return tuple(goals) if goals_cell(tuple(goals)) == "\n".join(lines) else tuple(lines)

"""绩效目标 as written: which goals carry their own number, how one cell of goals prints and reads back.

A goal is kept as the clerk wrote it (``目标1保证…``, ``1、…``, ``（一）…``).
Printed in one cell, goals are numbered ``1.`` ``2.`` … only where the text has
no number of its own and there is more than one goal. Reading such a cell back
undoes exactly that numbering and nothing else, so print → read → print gives
the same paper.
"""

from __future__ import annotations

import re

# a goal that begins with its own number: 目标1, 1. 1、 1) （1） 一、 ①
_OWN_NUMBER = re.compile(
    r"^\s*(?:目标\s*[0-9０-９一二三四五六七八九十]+|[0-9０-９]+\s*[.．、，,)）]|[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[)）]"
    r"|[一二三四五六七八九十]+\s*[、.．]|[①-⑳])"
)
_OUR_NUMBER = re.compile(r"^(\d+)\.(?=\S)")


def has_own_number(goal: str) -> bool:
    return _OWN_NUMBER.match(goal or "") is not None


def numbered(goals: tuple[str, ...]) -> tuple[str, ...]:
    """Each goal as one printed line: numbered ``N.`` only when it has no number and there are several."""
    goals = tuple(g for g in goals if g.strip())
    if len(goals) < 2:
        return goals
    return tuple(g if has_own_number(g) else f"{i}.{g}" for i, g in enumerate(goals, 1))


def goals_cell(goals: tuple[str, ...]) -> str:
    """The goals printed in one cell."""
    return "\n".join(numbered(goals))


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

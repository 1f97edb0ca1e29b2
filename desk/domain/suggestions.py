"""建议: fixes the checks offer (the tree's own level names, 符号 for words) and how one is applied.

Nothing here runs by itself: the program keeps what the clerk wrote, and a
suggestion changes a table only when someone adopts it (an undoable edit in
the window, or ``--apply-suggestions`` on an import, which the report lists).
"""

from __future__ import annotations

import re
from dataclasses import replace

from desk.domain.checks import SUGGESTION, Finding
from desk.domain.model import Project

_FIELD = re.compile(r"^indicators\[(\d+)\]\.(level1|level2|value)$")


def suggestions(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == SUGGESTION and f.fix]


def apply(project: Project, finding: Finding) -> Project:  # a DepartmentPlan works the same way
    """The project with one suggestion adopted (unchanged if it no longer applies)."""
    m = _FIELD.match(finding.field)
    if finding.severity != SUGGESTION or not finding.fix or m is None:
        return project
    i, key = int(m.group(1)), m.group(2)
    if i >= len(project.indicators):
        return project
    ind = project.indicators[i]
    if key == "value":
        changed = ind.with_value_text(finding.fix) if ind.text else ind
    else:
        changed = replace(ind, **{key: finding.fix})
    inds = list(project.indicators)
    inds[i] = changed
    return replace(project, indicators=tuple(inds))


def apply_all(project: Project, findings: list[Finding]) -> Project:
    for finding in suggestions(findings):
        if finding.project_uid == project.uid:
            project = apply(project, finding)
    return project

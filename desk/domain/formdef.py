"""The shape of a form definition, as the domain rules read it.

Form definitions are data (``forms/*.toml``, loaded by ``desk.forms``); this
module only describes them, so the domain layer does not depend on files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Level1:
    name: str
    children: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class IndicatorTree:
    """A generation of the indicator system (2015 or 2021)."""

    key: str
    title: str
    level1: tuple[Level1, ...]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """Map an alias (效果指标, 数量) to the tree's own name; unknown names pass through."""
        text = (name or "").strip()
        if text in self.aliases:
            return self.aliases[text]
        known = {l1.name for l1 in self.level1} | {c for l1 in self.level1 for c in l1.children}
        if text in known:
            return text
        if text + "指标" in known:
            return text + "指标"
        return text

    def level1_names(self) -> tuple[str, ...]:
        return tuple(l1.name for l1 in self.level1)

    def find_level1(self, name: str) -> Level1 | None:
        canonical = self.canonical(name)
        for l1 in self.level1:
            if l1.name == canonical:
                return l1
        return None

    def parent_of(self, level2: str) -> str | None:
        canonical = self.canonical(level2)
        for l1 in self.level1:
            if canonical in l1.children:
                return l1.name
        return None


@dataclass(frozen=True)
class GridColumn:
    key: str  # level1, level2, name, description, value, comparator, number, unit, basis
    label: str


@dataclass(frozen=True)
class FormDef:
    name: str
    title: str
    kind: str  # "project" or "department"
    tree: IndicatorTree
    plan_schemes: dict[str, tuple[str, ...]]  # scheme -> checkpoint labels
    default_scheme: str
    value_layout: str  # "single" (≥90%) or "split" (符号 · 值 · 单位)
    columns: tuple[GridColumn, ...]
    limits: dict[str, int]
    goals_layout: str = "single"  # "single" numbered cell, or "rows" 目标1…N
    money_unit: str = "元"
    raw: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def checkpoint_labels(self, scheme: str) -> tuple[str, ...]:
        return self.plan_schemes.get(scheme) or self.plan_schemes[self.default_scheme]

    def limit(self, key: str) -> int | None:
        return self.limits.get(key)

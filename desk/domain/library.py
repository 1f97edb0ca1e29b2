"""The indicator library (指标库): indicators used before, ranked, searched and offered while typing.

Entries come from three places: the tables of the open file (the office's own,
and every office's a supervisor has merged or an office imported), the
entries the office added itself, and a library shipped with the program, built
from public budget disclosures (each entry names its source). The same
indicator (一级 · 二级 · 三级 · 描述 · 指标值 · 依据, as written) from several
places is one entry: its uses are added up and its latest year kept.

Ranking: used more often and more recently first (uses ÷ (1 + years since the
last use)); the office's own file and entries before the shipped library at
equal weight. Pure: no files, no Qt.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from desk.domain.model import DepartmentPlan, Indicator, Project

FILE = "file"  # the tables of the open file
OWN = "own"  # added by the office in the 指标库 window
SHIPPED = "shipped"  # shipped with the program, from public disclosures
ORIGIN_LABELS = {FILE: "本文件", OWN: "本单位添加", SHIPPED: "公开资料"}
_ORIGIN_RANK = {FILE: 0, OWN: 1, SHIPPED: 2}
MAX_SOURCES = 3  # sources named on one entry; the rest are counted


@dataclass(frozen=True)
class LibraryEntry:
    level1: str = ""
    level2: str = ""
    name: str = ""  # 三级指标
    description: str = ""
    value: str = ""  # the 指标值 as written in one cell (≥90%, 85%以上, 按时完成)
    basis: str = ""
    count: int = 1  # how many tables used it
    year: int = 0  # the latest year it was used (0: unknown)
    source: str = ""  # where it comes from, in words
    origin: str = FILE

    @property
    def key(self) -> tuple[str, ...]:
        return entry_key(self.level1, self.level2, self.name, self.description, self.value, self.basis)

    def weight(self, this_year: int) -> float:
        years = max(0, this_year - self.year) if self.year else 5
        return self.count / (1 + years)

    def to_dict(self) -> dict:
        return {"level1": self.level1, "level2": self.level2, "name": self.name, "description": self.description,
                "value": self.value, "basis": self.basis, "count": self.count, "year": self.year,
                "source": self.source, "origin": self.origin}

    def fill(self, ind: Indicator, *, split: bool) -> Indicator:
        """The row filled from this entry: 三级, 描述, 指标值, 依据 (and 一级/二级 where the row has none); a 描述 or
        依据 the entry does not have stays as the row had it."""
        filled = replace(ind, name=self.name, description=self.description or ind.description,
                         basis=self.basis or ind.basis, level1=ind.level1 or self.level1,
                         level2=ind.level2 or self.level2)
        filled = filled.with_value_text(self.value)
        return filled.with_value_parts(filled.target) if split else filled


def entry_key(*parts: str) -> tuple[str, ...]:
    return tuple(" ".join((p or "").split()) for p in parts)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def entry_of(ind: Indicator, **extra) -> LibraryEntry:
    return LibraryEntry(ind.level1.strip(), ind.level2.strip(), ind.name.strip(), ind.description.strip(),
                        ind.value_text.strip(), ind.basis.strip(), **extra)


def from_tables(tables: Iterable[Project | DepartmentPlan], unit_names: dict[str, str] | None = None
                ) -> list[LibraryEntry]:
    """Every indicator with a 三级 name in the tables, one entry per distinct indicator."""
    unit_names = unit_names or {}
    first: dict[tuple, Indicator] = {}
    counts: dict[tuple, int] = {}
    years: dict[tuple, int] = {}
    places: dict[tuple, list[str]] = {}
    for table in tables:
        title = table.name or ("部门整体表" if isinstance(table, DepartmentPlan) else "未命名")
        unit = unit_names.get(table.unit_code, "")
        place = f"{unit}{table.year}年《{title}》" if table.year else f"{unit}《{title}》"
        for ind in table.indicators:
            if not ind.name.strip():
                continue
            key = entry_key(ind.level1, ind.level2, ind.name, ind.description, ind.value_text, ind.basis)
            if key not in first:
                first[key], counts[key], years[key], places[key] = ind, 1, table.year, [place]
            else:
                counts[key] += 1
                years[key] = max(years[key], table.year)
                if len(places[key]) <= MAX_SOURCES and place not in places[key]:
                    places[key].append(place)
    return [entry_of(first[k], count=counts[k], year=years[k], origin=FILE,
                     source=_sources(ORIGIN_LABELS[FILE], places[k], counts[k])) for k in first]


def _sources(head: str, places: list[str], uses: int) -> str:
    named = "、".join(places[:MAX_SOURCES])
    more = f"等 {uses} 张表" if len(places) > MAX_SOURCES else ""
    return f"{head}：{named}{more}"


def combine(*groups: Iterable[LibraryEntry], hidden: Iterable[tuple] = ()) -> list[LibraryEntry]:
    """One entry per indicator across the groups (uses added, latest year, sources joined), hidden ones left out."""
    hidden = {tuple(h) for h in hidden}
    out: dict[tuple, LibraryEntry] = {}
    for group in groups:
        for e in group:
            key = e.key
            if key in hidden or not e.name.strip():
                continue
            old = out.get(key)
            if old is None:
                out[key] = e
            else:
                first = old if _ORIGIN_RANK[old.origin] <= _ORIGIN_RANK[e.origin] else e
                sources = old.source if e.source in old.source else f"{old.source}；{e.source}"
                out[key] = replace(first, count=old.count + e.count, year=max(old.year, e.year), source=sources)
    return list(out.values())


def ranked(entries: Iterable[LibraryEntry], this_year: int) -> list[LibraryEntry]:
    return sorted(entries, key=lambda e: (-e.weight(this_year), _ORIGIN_RANK.get(e.origin, 3), -e.year, e.name,
                                          e.key))


def search(entries: Iterable[LibraryEntry], words: str | Iterable[str] = "", *, level1: str = "", level2: str = "",
           this_year: int = 0, limit: int | None = None) -> list[LibraryEntry]:
    """Entries whose text holds every word (in 三级, 描述, 指标值, 依据, 一级 or 二级), of the given 一级/二级,
    best first."""
    if isinstance(words, str):
        words = [words]
    folded = [_fold(w) for arg in words for w in arg.split()]  # "群众 满意" in one argument is two words
    level1, level2 = level1.strip(), level2.strip()
    hits = []
    for e in entries:
        if level1 and e.level1 not in (level1, level1 + "指标"):  # 满意度 for 满意度指标
            continue
        if level2 and e.level2 not in (level2, level2 + "指标"):
            continue
        hay = _fold(" ".join((e.name, e.description, e.value, e.basis, e.level1, e.level2)))
        if all(w in hay for w in folded):
            hits.append(e)
    best = ranked(hits, this_year)
    return best if limit is None else best[:limit]


def complete(entries: Iterable[LibraryEntry], typed: str, *, level1: str = "", level2: str = "",
             this_year: int = 0, limit: int = 12) -> list[LibraryEntry]:
    """What to offer in a 三级 cell: entries of the row's 一级/二级 whose 三级 holds what was typed, best first;
    those whose 三级 begins with it before the others; one per 三级 and 指标值."""
    typed = _fold(typed.strip())
    if not typed:
        return []
    entries = list(entries)
    hits = search(entries, (), level1=level1, level2=level2, this_year=this_year)
    if level2 and not any(typed in _fold(e.name) for e in hits):  # 二级 written another way (数量 for 数量指标)
        hits = search(entries, (), level1=level1, this_year=this_year)
    starts = [e for e in hits if _fold(e.name).startswith(typed)]
    inside = [e for e in hits if typed in _fold(e.name) and not _fold(e.name).startswith(typed)]
    offered, seen = [], set()
    for e in starts + inside:  # one line per 三级 · 指标值: the best of those differing only in 描述 or 依据
        if (e.name, e.value) not in seen:
            seen.add((e.name, e.value))
            offered.append(e)
    return offered[:limit]


__all__ = ["FILE", "LibraryEntry", "OWN", "SHIPPED", "combine", "complete", "entry_key", "entry_of", "from_tables",
           "ranked", "search"]

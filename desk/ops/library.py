"""The 指标库 of a file: its tables' indicators, the office's own entries and the shipped library.

The shipped library (resources/library/indicators.json) is built by
packaging/build_library.py from public disclosures; each entry names its
source. The office's own entries, and the entries it removed from its list,
are kept in the file by the store.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from desk import paths
from desk.domain.library import (OWN, SHIPPED, LibraryEntry, combine, from_tables, ranked, search)
from desk.errors import DeskError
from desk.store import Store

SHIPPED_FILE = "library/indicators.json"
JSON_FIELDS = ("level1", "level2", "name", "description", "value", "basis", "count", "source")
# (heading, field, Excel width): the 指标库 window shows the same columns in the same order
COLUMNS = (("三级指标", "name", 30), ("指标值", "value", 16), ("一级指标", "level1", 12), ("二级指标", "level2", 16),
           ("来源", "source", 40), ("次数", "count", 7), ("年度", "year", 7), ("指标描述", "description", 30),
           ("指标值确定依据", "basis", 30))


@lru_cache(maxsize=1)
def shipped() -> tuple[LibraryEntry, ...]:
    """The library shipped with the program."""
    path = paths.resources_dir() / SHIPPED_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        fields = ("level1", "level2", "name", "description", "value", "basis", "source")
        return tuple(LibraryEntry(**{k: str(e[k]) for k in fields}, count=int(e["count"]), year=int(e["year"]),
                                  origin=SHIPPED) for e in data["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        raise DeskError(f"程序自带的指标库（{path}）缺失或已损坏，请重新安装程序。") from None


def this_year() -> int:
    return datetime.date.today().year


def entries(projects=(), departments=(), units=(), own=(), hidden=()) -> list[LibraryEntry]:
    """The whole library of a file, best first."""
    names = {u.code: u.name for u in units}
    found = from_tables([*projects, *departments], names)
    return ranked(combine(found, own, shipped(), hidden=hidden), this_year())


def of_file(db: Path | None) -> list[LibraryEntry]:
    if db is None:
        return ranked(shipped(), this_year())
    with Store.open(Path(db), readonly=True) as store:
        own, hidden = store.library()
        return entries(store.projects(), store.departments(), store.units(), own, hidden)


def find(db: Path | None, words: list[str], *, level1: str = "", level2: str = "") -> list[LibraryEntry]:
    return search(of_file(db), words, level1=level1, level2=level2, this_year=this_year())


def as_json(found: list[LibraryEntry]) -> str:
    return json.dumps([{k: getattr(e, k) for k in JSON_FIELDS} | {"year": e.year} for e in found],
                      ensure_ascii=False, indent=1)


def added(own: list[LibraryEntry], hidden: set, entry: LibraryEntry) -> tuple[list[LibraryEntry], set]:
    """The office's entries with one more (shown again if it had been removed)."""
    entry = replace(entry, origin=OWN, count=1, year=entry.year or this_year())
    if not entry.name.strip():
        raise DeskError("三级指标不能为空。")
    keep = [e for e in own if e.key != entry.key]
    return keep + [entry], {h for h in hidden if h != entry.key}


def removed(own: list[LibraryEntry], hidden: set, entry: LibraryEntry) -> tuple[list[LibraryEntry], set]:
    """Without this entry: the office's own is deleted; one from the tables or the shipped library is not
    offered any more (the tables are not changed)."""
    keep = [e for e in own if e.key != entry.key]
    if entry.origin == OWN and len(keep) < len(own):
        return keep, set(hidden)
    return keep, set(hidden) | {entry.key}


def restored(own: list[LibraryEntry], hidden: set, entry: LibraryEntry) -> tuple[list[LibraryEntry], set]:
    """A removed entry back: the office's own added again, another listed again."""
    if entry.origin == OWN:
        return added(own, hidden, entry)
    return list(own), {h for h in hidden if h != entry.key}


__all__ = ["added", "as_json", "entries", "find", "of_file", "removed", "restored", "shipped"]

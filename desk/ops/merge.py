"""Supervisors: merging the files offices send into a consolidated file, and the unit overview."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from desk.domain import rules
from desk.domain.checks import ERROR, WARNING
from desk.domain.codec import descent_digest
from desk.domain.model import Unit, when_text
from desk.domain.money import display_money
from desk import logs
from desk.errors import DeskError
from desk.ops.document import OpenFile
from desk.ops.files import CONSOLIDATED
from desk.store import Store, StoreError, write_file_atomically

DEFAULT_UNIT = Unit("汇总", "汇总文件")


@dataclass
class MergeReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    locked: list = field(default_factory=list)  # finalised tables a received file would have changed
    not_owned: list = field(default_factory=list)  # 不属于该单位的内容: what a file carried of another office
    renamed: list = field(default_factory=list)  # unit names changed by their own office's file
    warnings: list = field(default_factory=list)  # e.g. a file for another year
    sources: list = field(default_factory=list)

    def add(self, part: "MergeReport") -> None:
        """Take in the report of one file merged on its own."""
        self.added += part.added
        self.updated += part.updated
        self.unchanged += part.unchanged
        for name in ("conflicts", "refused", "locked", "not_owned", "renamed", "warnings", "sources"):
            getattr(self, name).extend(getattr(part, name))

    @property
    def all_merged(self) -> bool:
        """Nothing refused, kept back or ignored (the CLI exits 0; otherwise 1)."""
        return not (self.refused or self.locked or self.not_owned)

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "conflicts": self.conflicts, "duplicates": self.duplicates, "refused": self.refused,
                "locked": self.locked, "not_owned": self.not_owned, "renamed": self.renamed,
                "warnings": self.warnings, "sources": self.sources}

    def summary(self) -> str:
        text = (f"合并完成：新增 {self.added} 张，更新 {self.updated} 张，未变 {self.unchanged} 张；"
                f"冲突 {len(self.conflicts)} 处，疑似重复 {len(self.duplicates)} 组，拒收文件 {len(self.refused)} 个")
        if self.locked:
            text += f"；已定稿未更新 {len(self.locked)} 张"
        if self.not_owned:
            text += f"；不属于该单位的内容 {len(self.not_owned)} 处（未写入）"
        return text

    def detail_lines(self) -> list[str]:
        """One line per thing the supervisor should look at, in people's words."""
        lines = []
        for w in self.warnings:
            lines.append(f"注意：{w}")
        for c in self.conflicts:
            lines.append(f"冲突：{c['project']}（{'、'.join(c['sources'])}），不同之处："
                         f"{'、'.join(FIELD_LABELS.get(f, f) for f in c['fields'])}——请用“汇总 → 处理冲突”逐项选择")
        for item in self.locked:
            lines.append(f"未更新：{item['reason']}（来自 {item['file']}）")
        for item in self.not_owned:
            lines.append(f"不属于该单位的内容：{item['what']}——{item['reason']}")
        for item in self.renamed:
            lines.append(f"单位名称已更新：{item['code']}“{item['old']}”改为“{item['new']}”（来自 {item['file']}）")
        for d in self.duplicates:
            names = "、".join(f"{p['project']}（{p['source'] or '本文件'}）" for p in d["projects"])
            lines.append(f"疑似重复（{d['match']}“{d['value']}”相同）：{names}")
        for r in self.refused:
            lines.append(f"拒收：{r['reason']}")
        return lines


FIELD_LABELS = {"code": "项目编码", "name": "项目名称", "money_unit": "金额单位", "budget": "预算数", "usage": "资金用途",
                "plan": "资金支出计划", "goals": "绩效目标", "indicators": "绩效指标", "form": "表样",
                "finalized_at": "定稿", "tasks": "年度主要任务", "narrative": "绩效目标说明"}


def write_report(report: MergeReport, path: Path) -> None:
    """The merge report as JSON (keys as in ``MergeReport.to_dict``)."""
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    write_file_atomically(Path(path), text.encode("utf-8"))


class MergeCancelled(DeskError):
    def __init__(self):
        super().__init__("已取消合并，汇总文件保持原样。")


def _differing_fields(a, b) -> list[str]:
    names = ("code", "name", "money_unit", "budget", "usage", "plan", "goals", "indicators", "tasks", "narrative",
             "finalized_at")
    return [n for n in names if hasattr(a, n) and getattr(a, n) != getattr(b, n)]


def merge_files(out_path: Path, sources: list[Path], *, progress=None, unit: Unit | None = None,
                year: int | None = None) -> MergeReport:
    """Copy the content of received files into a consolidated file, each file on its own.

    Every received file is hostile input: it is checked before use
    (``Store.open_received``) and merged in its own savepoint, so a file that
    fails anywhere is refused and named while the others merge. Sources are
    never written. Matching is by uid: a newer revision that descends from
    what we hold updates it; the same content is skipped; two contents where
    neither descends from the other are a conflict, kept aside and reported,
    never resolved silently. A file may change only the tables and the unit
    of the office they came from (their origin); anything else it carries is
    not written and is reported as 不属于该单位的内容. A finalised table is
    updated only when the office released it (解除定稿) after the version held
    here. ``unit``/``year`` name the supervisor's office when the
    consolidated file is new. ``progress(done, total)`` may return False to
    cancel (nothing is written).
    """
    out_path = Path(out_path)
    sources = [Path(src) for src in sources]
    report = MergeReport()
    created = False
    if out_path.exists():
        out = Store.open(out_path, readonly=False)
        if out.role() != CONSOLIDATED:
            out.close()
            raise StoreError(f"“{out_path.name}”是单位自己的填报文件，不是汇总文件，不能把别的文件合并进来。"
                             "请新建一个汇总文件（文件 → 新建汇总文件，或 desk merge 新文件名.db …）。", out_path)
    else:
        first = _first_readable(sources)
        if first is None:
            raise StoreError("没有可以合并的文件（收到的文件都无法读取），未新建汇总文件。")
        out = Store.create(out_path, unit=unit or DEFAULT_UNIT, year=year or first or 2000, role=CONSOLIDATED)
        created = True
    itself = out_path.resolve()
    try:
        out.attach_received()
        with out.transaction():
            held = _Held(out)
            for done, src in enumerate(sources, 1):
                if progress is not None and progress(done - 1, len(sources)) is False:
                    raise MergeCancelled()
                _merge_file(out, src, report, held, itself)
            if progress is not None and progress(len(sources), len(sources)) is False:
                raise MergeCancelled()
            report.duplicates = _find_duplicates(out)
        out.detach_received()
    except BaseException:
        out.close()
        if created:
            out_path.unlink(missing_ok=True)  # nothing of a failed or cancelled merge remains
        raise
    out.close()
    return report


def _first_readable(sources: list[Path]) -> int | None:
    """The year of the first source that can be read (for a new consolidated file), or None."""
    for src in sources:
        try:
            with Store.open_received(src) as store:
                return store.year() or 0
        except StoreError:
            continue
    return None


def _merge_file(out: Store, src: Path, report: MergeReport, held: "_Held", itself: Path) -> None:
    """One received file in its own savepoint: merged whole, or refused and named. ``itself``: the consolidated
    file's resolved path."""
    if src.resolve() == itself:
        report.refused.append({"file": str(src), "reason": f"“{src.name}”就是汇总文件本身，不能合并到自己。"})
        return
    try:
        store = Store.open_received(src)
    except StoreError as exc:
        report.refused.append({"file": str(src), "reason": str(exc)})
        return
    part = MergeReport()
    held.start_file()
    try:
        with out.savepoint():
            _merge_one(out, src, store, part, held)
    except DeskError as exc:
        held.reload()  # the file's writes were rolled back
        report.refused.append({"file": str(src), "reason": f"“{src.name}”未能合并：{exc}"})
        return
    except Exception:  # noqa: BLE001 - a file that fails anywhere is refused; the others still merge
        held.reload()
        logs.log_exception(f"merge of {src}")
        report.refused.append({"file": str(src), "reason": f"“{src.name}”的内容无法合并，已跳过，其他文件照常合并"
                                                           "（详情已写入日志）。"})
        return
    finally:
        store.close()
    report.add(part)


def _released_since(history: list[tuple[bytes, str]], held: bytes) -> bool:
    """The office's history shows a 解除定稿 after the version this file holds."""
    digests = [d for d, _ in history]
    if held not in digests:
        return False
    start = len(digests) - 1 - digests[::-1].index(held)
    return "unfinalize" in [a for _, a in history[start + 1:]]


def _merge_one(out: Store, src: Path, store: Store, report: MergeReport, state: "_Held") -> None:
    received = out.record_received(src.name, store.sha256)
    their_year, our_year = store.year(), out.year()
    if their_year and our_year and their_year != our_year:
        report.warnings.append(f"“{src.name}”是 {their_year} 年度的文件，本汇总文件是 {our_year} 年度；已照常合并，请核对。")
    entries = store.received_entries()
    report.sources.append({"file": str(src), "projects": sum(1 for e in entries if e[0] == "project"),
                           "departments": sum(1 for e in entries if e[0] == "department"), "year": their_year})
    claims = _Claims(out, store, src, state)
    for unit in store.units():
        claims.merge_unit(unit, report)
    held = state.uids
    # New projects the received file holds exactly as save_project would write them are copied in one pass
    # (Store.copy_received_projects); they wait in ``copies`` until another table is written, to keep the order.
    copyable = store.copyable - out.history_uids(store.copyable) if store.copyable else set()
    copies: list[tuple[str, str]] = []
    # Projects held here that the file holds row for row the same (a file sent again): no tables to read.
    same = out.same_as_received(store, [e[1] for e in entries if e[0] == "project" and e[1] in held])

    def flush() -> None:
        out.copy_received_projects(store, copies, received)
        copies.clear()

    for kind, uid, unit_code, name, code, revision in entries:
        label = name or code or "（未命名）"
        origin = claims.table_origin(uid, unit_code)
        current = None
        if uid in held and uid not in same:
            current = out.project(uid) if kind == "project" else out.department(uid)
        if origin is None:  # an office's file carrying a table of another office
            if current is not None:
                item = store.received_table(kind, uid)
                if current.content_key() != item.content_key():
                    flush()
                    out.add_conflict(item, src.name)  # a differing table: a person decides
                    report.conflicts.append(_conflict(out, item, current, kind, label, src))
            report.not_owned.append({"file": src.name, "what": f"表“{label}”",
                                     "reason": f"“{src.name}”不是这张表所属单位的文件，未写入"})
            continue
        if uid in same:  # held, and received the same again
            flush()
            out.note_received(uid, received, revision)
            state.received(uid)
            report.unchanged += 1
            continue
        if current is None:
            if not claims.may_add(unit_code):
                report.not_owned.append({"file": src.name, "what": f"表“{label}”",
                                         "reason": f"它属于的单位“{unit_code}”不是由“{src.name}”报来的，未写入"})
                continue
            if kind == "project" and uid in copyable and unit_code in state.unit_names:
                copies.append((uid, origin))
            else:
                flush()
                item = store.received_table(kind, uid)
                if kind == "project":
                    out.save_project(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True,
                                     history=store.history_rows(uid), origin=origin,
                                     digest=store.checked_digest(uid))
                else:
                    out.save_department(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True,
                                        origin=origin, digest=store.checked_digest(uid))
                    out.add_history_rows(store.history_rows(uid))
                out.note_received(uid, received, revision)
            state.added(uid, origin)
            state.received(uid)
            report.added += 1
            continue
        flush()
        item = store.received_table(kind, uid)
        if current.content_key() == item.content_key():
            out.note_received(uid, received, revision)
            state.received(uid)
            report.unchanged += 1
            continue
        held_origin = claims.held_origin(uid)
        if not claims.may_update(uid, origin) or current.unit_code != item.unit_code:
            # another office's table: a person decides, nothing is overwritten
            out.add_conflict(item, src.name)
            report.not_owned.append({"file": src.name, "what": f"表“{label}”",
                                     "reason": "这张表属于另一个单位（来源不同），未覆盖，已列为冲突"})
            report.conflicts.append(_conflict(out, item, current, kind, label, src))
            continue
        if not held_origin and origin:
            out.set_origin(uid, origin)  # a table held from before origins were recorded
            state.origins[uid] = origin
        their_history = store.history_digests(uid)
        theirs = {d for d, _ in their_history}
        ours = {d for d, _ in out.history_digests(uid)}
        held_digest, received_digest = descent_digest(current), descent_digest(item)
        save = out.save_project if kind == "project" else out.save_department
        if held_digest in theirs:  # the office's version descends from ours: an update
            released = rules.is_finalized(current) and _released_since(their_history, held_digest)
            problem = rules.change_problem(current, item, via=rules.MERGE, received=True, released=released)
            if problem:
                report.locked.append({"uid": uid, "project": label, "file": src.name, "reason": problem})
                continue
            save(item, action="merge", note=f"来自 {src.name}", keep_stamp=True, mirror=True,
                 digest=store.checked_digest(uid))
            out.add_history_rows(store.history_rows(uid))
            out.note_received(uid, received, revision)
            state.received(uid)
            report.updated += 1
        elif received_digest in ours:  # an older copy of what we hold
            report.unchanged += 1
        else:
            out.add_conflict(item, src.name)
            report.conflicts.append(_conflict(out, item, current, kind, label, src))
    flush()


def _conflict(out: Store, item, current, kind: str, label: str, src: Path) -> dict:
    held_from = out.received_from().get(item.uid, ("", ""))[0]
    return {"uid": item.uid, "project": label, "kind": kind,
            "sources": sorted({name for name in (held_from, src.name) if name}),
            "fields": _differing_fields(current, item),
            "held_revision": current.revision, "received_revision": item.revision}


class _Claims:
    """What a received file may speak for: its origins, against what the consolidated file holds.

    An office's own file speaks only for itself: the tables and the unit its
    installation created (or a predecessor it was taken over from). A
    supervisor's forwarded consolidated file carries each table's origin.
    A table or unit held from another origin is never written; one held
    from before origins were recorded takes the first origin that comes.
    """

    def __init__(self, out: Store, store: Store, src: Path, state: "_Held"):
        self.src = src
        self.forwarded = store.role() == CONSOLIDATED
        self.their_owners = store.owner_ids() - {""}
        self.their_unit = store.meta().get("unit_code", "")
        self.their_origins = store.origins()
        self.their_unit_origins = store.unit_origins()
        self.state = state
        self.own_unit = state.own_unit
        self.our_origins = state.origins
        self.our_unit_origins = state.unit_origins
        self.out = out

    def _origin(self, claimed: str, unit_code: str) -> str | None:
        if self.forwarded:
            return claimed
        if unit_code != self.their_unit or (claimed and claimed not in self.their_owners):
            return None  # an office's file carrying another office's content
        return claimed or min(self.their_owners, default="")

    def table_origin(self, uid: str, unit_code: str) -> str | None:
        """The origin the file claims for a table, or None when it may not speak for it."""
        return self._origin(self.their_origins.get(uid, ""), unit_code)

    def held_origin(self, uid: str) -> str:
        return self.our_origins.get(uid, "")

    def may_update(self, uid: str, claimed: str) -> bool:
        """The file speaks for the table held here: same origin (or one not known yet); never the
        supervisor's own tables."""
        if self.state.own_table(uid):
            return False
        held = self.held_origin(uid)
        return not held or not claimed or held == claimed

    def _may_speak_for_unit(self, code: str, claimed: str) -> bool:
        if code == self.own_unit:
            return False  # the supervisor's own unit
        held = self.our_unit_origins.get(code)
        return held is None or not held or not claimed or held == claimed

    def may_add(self, unit_code: str) -> bool:
        """A new table of a unit held here from another origin (or of the supervisor's own unit) is not added."""
        claimed = self._origin(self.their_unit_origins.get(unit_code, ""), unit_code) or ""
        return self._may_speak_for_unit(unit_code, claimed)

    def merge_unit(self, unit: Unit, report: MergeReport) -> None:
        """Add a unit new here; rename one only through its own office's file (reported); ignore the rest."""
        claimed = self._origin(self.their_unit_origins.get(unit.code, ""), unit.code)
        held = self.our_unit_origins.get(unit.code)
        if claimed is None:
            if held is not None and self._held_name(unit.code) != unit.name:
                report.not_owned.append({"file": self.src.name, "what": f"单位“{unit.code}”的名称",
                                         "reason": f"“{self.src.name}”不是该单位的文件，名称“{unit.name}”未采用"})
            return
        if held is None:
            self.out.add_unit(unit, rename=False, origin=claimed)
            self.our_unit_origins[unit.code] = claimed
            self.state.unit_names.setdefault(unit.code, unit.name)
            return
        old = self._held_name(unit.code)
        if old == unit.name:
            return
        if self._may_speak_for_unit(unit.code, claimed):
            self.out.set_unit_name(unit.code, unit.name)
            self.state.unit_names[unit.code] = unit.name
            report.renamed.append({"file": self.src.name, "code": unit.code, "old": old, "new": unit.name})
        else:
            report.not_owned.append({"file": self.src.name, "what": f"单位“{unit.code}”的名称",
                                     "reason": f"该单位不是由“{self.src.name}”报来的，名称“{unit.name}”未采用"})

    def _held_name(self, code: str) -> str:
        return self.state.unit_names.get(code, "")


class _Held:
    """What the consolidated file holds, read once per merge and kept up to date as files merge
    (not re-read for every file: that grew with the square of the number of files).

    A file refused half-way is rolled back in the database; ``reload`` then reads it all again.
    """

    def __init__(self, out: Store):
        self.out = out
        self.reload()

    def reload(self) -> None:
        out = self.out
        self.uids = out.uids()
        self._received = out.received_uids()
        self.origins = out.origins()
        self.unit_origins = out.unit_origins()
        self.unit_names = {u.code: u.name for u in out.units()}
        self.own_unit = out.meta().get("unit_code", "")
        self.start_file()

    def start_file(self) -> None:
        # what the current file added or brought: the tables made in the consolidated file itself are judged as
        # they stood when the file began
        self._added_now: set[str] = set()
        self._received_now: set[str] = set()

    def own_table(self, uid: str) -> bool:
        """Made in the consolidated file itself (held and never received, when the current file began)."""
        held_before = uid in self.uids and uid not in self._added_now
        received_before = uid in self._received and uid not in self._received_now
        return held_before and not received_before

    def added(self, uid: str, origin: str) -> None:
        if uid not in self.uids:
            self.uids.add(uid)
            self._added_now.add(uid)
        self.origins[uid] = origin

    def received(self, uid: str) -> None:
        if uid not in self._received:
            self._received.add(uid)
            self._received_now.add(uid)


def _find_duplicates(out: Store) -> list[dict]:
    """Different uids with the same unit, year and code (or name when there is no code)."""
    received = out.received_from()
    result = []
    for (unit, year, by, value), items in duplicate_groups(out.project_keys()).items():
        result.append({
            "unit_code": unit, "year": year, "match": "项目编码" if by == "code" else "项目名称", "value": value,
            "projects": [{"uid": p.uid, "project": p.name, "source": received.get(p.uid, ("", ""))[0]}
                         for p in items],
        })
    return result


def duplicate_groups(projects) -> dict[tuple, list]:
    groups: dict[tuple, list] = {}
    for p in projects:
        key = (p.unit_code, p.year, "code", p.code) if p.code else (p.unit_code, p.year, "name", p.name)
        groups.setdefault(key, []).append(p)
    return {k: v for k, v in groups.items() if len(v) > 1}


# ---------------------------------------------------------------- 单位概览

@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    year: int
    projects: int
    total: str  # 预算数合计, shown with its unit; each possible duplicate counted once
    errors: int
    warnings: int
    received_at: str  # people's words, e.g. 2026年11月22日 14:05
    source: str
    duplicates: int  # tables left out of the total as possible duplicates
    department: str = "缺"  # 部门整体: 有（合计 …）, or 缺 when the unit sent none for the year


def overview(document: OpenFile) -> list[UnitRow]:
    """One row per unit and year of the open file."""
    units = {u.code: u.name for u in document.units()}
    received = document.received_from()
    groups: dict[tuple[str, int], list] = {}
    for p in document.projects():
        groups.setdefault((p.unit_code, p.year), []).append(p)
    departments = {}
    for d in document.departments():
        departments.setdefault((d.unit_code, d.year), d)
        groups.setdefault((d.unit_code, d.year), [])
    rows = []
    for (code, year), items in sorted(groups.items()):
        doubles = set()
        for twins in duplicate_groups(items).values():
            latest = max(twins, key=lambda p: (received.get(p.uid, ("", ""))[1], p.updated_at))
            doubles.update(p.uid for p in twins if p is not latest)
        total = sum((p.budget.total or Decimal(0) for p in items if p.uid not in doubles), Decimal(0))
        found = [f for p in items for f in document.findings(p.uid)]
        errors = sum(1 for f in found if f.severity == ERROR)
        got = [received[p.uid] for p in items if p.uid in received]
        latest = max(got, key=lambda x: x[1]) if got else ("", "")
        dept = departments.get((code, year))
        dept_text = "缺" if dept is None else (
            f"有（合计 {display_money(dept.totals()[0], dept.money_unit, grouped=True)}{dept.money_unit}）")
        rows.append(UnitRow(code, units.get(code, ""), year, len(items), f"{display_money(total, grouped=True)}元",
                            errors, sum(1 for f in found if f.severity == WARNING), when_text(latest[1]), latest[0],
                            len(doubles), dept_text))
    return rows

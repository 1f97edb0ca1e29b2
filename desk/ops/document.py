"""An open ``.db`` file as the editor uses it.

``OpenFile`` holds the file's tables in the file's order with their findings,
the reviews and the conflicts, and is the only way the GUI changes a file:
every change is checked against the rules that protect a table
(``desk.domain.rules``) before the store writes it, so a refused change
leaves no trace. Commits go to the in-memory database at once; the caller
takes ``pending_write()`` to put them on disk (the GUI does that on a
background thread).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from desk.domain import rules
from desk.domain.checks import ERROR, Finding, damaged_finding, number_finding
from desk.domain.codec import content_digest
from desk.domain.formdef import FormDef
from desk.domain.library import LibraryEntry
from desk.domain.model import DepartmentPlan, Project, ProjectSummary, Review, Unit, now_iso, when_text
from desk.domain.money import from_fen
from desk.errors import DeskError
from desk.forms import default_forms, get_form
from desk.ops import library
from desk.ops.checking import check_table, earlier_in_file
from desk.ops.files import CONSOLIDATED, OFFICE, Target
from desk.store import FileChangedError, Store, StoreError
from desk.store.db import PendingWrite
from desk.store.lock import holder_name

__all__ = ["Conflict", "FileChangedError", "OpenFile", "PendingWrite"]

_NOT_STORED = object()


@dataclass(frozen=True)
class Conflict:
    """A received version of a table that could not be merged automatically."""

    id: int
    source: str  # the received file's name
    version: Project


class OpenFile:
    """One ``.db`` file opened for reading or editing.

    Opening reads what the list shows of each project (``summary``); a whole project is read when it is
    asked for (``project``) and kept. Each table's findings are worked out when first asked for
    (``findings``: always the true ones), or ahead of time by ``check_some``, which a window calls in
    slices while it is idle; ``known_findings`` says what is already known without working anything out.
    """

    def __init__(self, store: Store, forms: dict[str, FormDef] | None = None):
        self._store = store
        self.forms = forms if forms is not None else default_forms()
        self.reload()

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, *, readonly: bool | None = None, take_over: bool = False,
             forms: dict[str, FormDef] | None = None, check_later: bool = False) -> "OpenFile":
        """Open a file; someone else's file or one being edited elsewhere opens read-only.

        ``check_later``: a large file's integrity check runs after it opened (``Store.open``); nothing is
        written before it has passed, and a failure makes the file read-only (``checked``, ``when_checked``).
        """
        return cls(Store.open(Path(path), readonly=readonly, take_over=take_over, check_later=check_later), forms)

    @classmethod
    def create(cls, path: Path, *, unit: Unit, year: int, role: str = OFFICE,
               forms: dict[str, FormDef] | None = None) -> "OpenFile":
        return cls(Store.create(Path(path), unit=unit, year=year, role=role), forms)

    def reload(self) -> None:
        """Read every table, review and provenance again (after a rolled-back batch)."""
        store = self._store
        self._library: list[LibraryEntry] | None = None
        self.library_problem = ""  # why the office's own 指标库 entries could not be read
        self.unit: Unit | None = store.unit()
        self.year: int | None = store.year()
        self.role = store.role()
        self.reviews: dict[str, Review] = store.reviews()
        self._received = store.received_uids()
        self._projects: dict[str, Project] = {}  # the projects read whole so far
        self._all_read = False
        self._findings: dict[str, list[Finding]] = {}
        self._numbers: dict[tuple[str, int, int], int] = {}  # (unit, year, number) -> tables holding it
        self._departments: dict[str, DepartmentPlan] = {d.uid: d for d in store.departments()}
        self._summaries: dict[str, ProjectSummary] = {s.uid: s for s in store.project_summaries()}
        self._order: list[str] = list(self._summaries)
        self._budget_sums: list | None = None
        # The digest each table was saved with: compared with its content when it is first checked (a table
        # changed outside the program is damaged); a table saved here since is not compared again.
        self._stored_digests = store.stored_digests()
        self._damaged = {d.uid for d in self._departments.values()
                         if self._stored_digests.get(d.uid) != content_digest(d)}
        self._last_years: dict[str, Project | DepartmentPlan | None] = {}
        self._unchecked: list[str] = list(reversed(self._order))  # check_some takes them from the end: file order
        for p in self._summaries.values():
            self._count_number(p, 1)

    # ------------------------------------------------------------ the file

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def readonly(self) -> bool:
        return self._store.readonly

    @property
    def readonly_reason(self) -> str:
        return self._store.readonly_reason

    @property
    def created_elsewhere(self) -> bool:
        """Read-only because another computer created it: 接管此文件 applies."""
        return self.readonly and "另一台电脑" in self.readonly_reason

    @property
    def receives(self) -> bool:
        """A supervisor's consolidated file: merges offices' files (the 汇总 menu)."""
        return self.role == CONSOLIDATED

    @property
    def migrated_from(self) -> int | None:
        return getattr(self._store, "migrated_from", None)

    @property
    def backup_path(self) -> Path | None:
        return getattr(self._store, "backup_path", None)

    def units(self) -> list[Unit]:
        return self._store.units()

    def received_from(self) -> dict[str, tuple[str, str]]:
        return self._store.received_from()

    def import_target(self) -> Target:
        return Target(tuple(self.projects()), self.unit, self.year, frozenset(self._received),
                      tuple(self.departments()))

    # ------------------------------------------------------------ reading

    def projects(self) -> list[Project]:
        if not self._all_read:
            for p in self._store.projects():
                self._projects.setdefault(p.uid, p)  # one read already kept stays the same object
            self._all_read = True
        return [self._projects[u] for u in self._order]

    def project(self, uid: str) -> Project | None:
        p = self._projects.get(uid)
        if p is None and uid in self._summaries:
            p = self._projects[uid] = self._read(uid)
        return p

    def _read(self, uid: str) -> Project:
        p = self._store.project(uid)
        if p is None:
            raise StoreError("内部错误：项目表不在文件中。", self.path)
        return p

    def uids(self) -> list[str]:
        """The projects' uids in the file's order."""
        return list(self._order)

    def project_count(self) -> int:
        return len(self._order)

    def summary(self, uid: str) -> ProjectSummary | None:
        """What the list shows of a project (without reading it whole)."""
        return self._summaries.get(uid)

    def budget_sums(self) -> list[tuple[str, int, object]]:
        """(unit, year, 预算数) of every project with an amount: what a department table's 合计 is compared with
        (kept until a project changes)."""
        if self._budget_sums is None:
            sums: dict[tuple[str, int], int] = {}
            for s in self._summaries.values():
                if s.budget_fen is not None:
                    sums[(s.unit_code, s.year)] = sums.get((s.unit_code, s.year), 0) + s.budget_fen
            self._budget_sums = [(unit, year, from_fen(fen)) for (unit, year), fen in sums.items()]
        return self._budget_sums

    def position(self, uid: str) -> int:
        return self._order.index(uid)

    def findings(self, uid: str) -> list[Finding]:
        """The table's findings; worked out now when no check has reached it yet."""
        found = self._findings.get(uid)
        if found is None:
            if uid not in self._summaries:
                return []
            found = self._check_first(uid)
        return self._with_number(uid, found)

    def known_findings(self, uid: str) -> list[Finding] | None:
        """The findings when the table has been checked already, else None (nothing is worked out)."""
        found = self._findings.get(uid)
        return None if found is None else self._with_number(uid, found)

    def _with_number(self, uid: str, found: list[Finding]) -> list[Finding]:
        s = self._summaries.get(uid)
        if s is not None and s.number:
            others = self._numbers.get((s.unit_code, s.year, s.number), 1) - 1
            if others:
                return [*found, number_finding(s, others)]  # (uid, name and number: the summary has them)
        return found

    @property
    def unchecked(self) -> int:
        """How many projects have not been checked yet."""
        while self._unchecked and self._unchecked[-1] in self._findings:
            self._unchecked.pop()
        return len(self._unchecked)

    def check_some(self, seconds: float = 0.01, limit: int | None = None) -> list[str]:
        """Check projects not checked yet, in the file's order, for about ``seconds`` (or ``limit`` of them);
        returns their uids. A project read only for this is not kept."""
        done: list[str] = []
        deadline = time.perf_counter() + seconds
        while self.unchecked and (limit is None or len(done) < limit):
            uid = self._unchecked.pop()
            try:
                self._check_first(uid, keep=False)
            except StoreError:
                # A table that cannot be read: said when it is opened or printed (it is asked for again then);
                # the other tables' checks go on.
                continue
            done.append(uid)
            if limit is None and time.perf_counter() >= deadline:
                break
        return done

    def check_all(self) -> None:
        """Every project checked (a filter on the findings needs them all)."""
        while self.unchecked:
            self.check_some(seconds=1.0)

    def _check_first(self, uid: str, keep: bool = True) -> list[Finding]:
        """The first check of a project: its content against the digest it was saved with, and its findings."""
        p = self._projects.get(uid)
        if p is None:
            p = self._read(uid)
            if keep:
                self._projects[uid] = p
        stored = self._stored_digests.pop(uid, _NOT_STORED)
        if stored is not _NOT_STORED and stored != content_digest(p):
            self._damaged.add(uid)
        found = self._findings[uid] = self._check(p)
        return found

    def _count_number(self, p: Project | None, step: int) -> None:
        if p is not None and p.number:
            key = (p.unit_code, p.year, p.number)
            self._numbers[key] = self._numbers.get(key, 0) + step

    def errors(self, uid: str) -> list[Finding]:
        return [f for f in self.findings(uid) if f.severity == ERROR]

    def last_year(self, uid: str) -> Project | DepartmentPlan | None:
        """Last year's table a carried table came from, when known: in this file (复制到下一年度, also since it
        was opened), or as 新建下一年度文件 carried it in (read from the history once)."""
        last = self._last_years.get(uid)
        if last is not None:
            return last
        item = self._summaries.get(uid) or self._departments.get(uid)
        if item is None or not item.carried_from:
            return None
        source = earlier_in_file(item, self._table)
        if source is None and uid not in self._last_years:
            source = self._store.carried_version(uid)
        self._last_years[uid] = source
        return source

    def _table(self, uid: str) -> Project | DepartmentPlan | None:
        return self._departments.get(uid) or self._projects.get(uid) or (
            self._read(uid) if uid in self._summaries else None)

    def _check(self, p: Project) -> list[Finding]:
        found = check_table(p, self.forms, self.last_year(p.uid))
        return [damaged_finding(p), *found] if p.uid in self._damaged else found

    def form_for(self, project: Project) -> FormDef:
        try:
            return get_form(project.form, self.forms)
        except DeskError:
            return get_form("hebei-project", self.forms)

    def is_received(self, uid: str) -> bool:
        """The table came from an office's file: read-only in this consolidated file."""
        return uid in self._received

    # ------------------------------------------------------------ the rules

    def problem(self, uid: str, after: Project | None, *, via: str = rules.EDIT) -> str:
        """Why ``after`` may not replace the table ``uid`` ("" when it may); nothing is changed."""
        if self.readonly:
            return f"文件以只读方式打开（{self.readonly_reason}），不能修改。"
        return rules.change_problem(self.project(uid), after, via=via, received=self.is_received(uid))

    def check(self, uid: str, after: Project | None, *, via: str = rules.EDIT) -> None:
        """Raise (in Chinese) if the change may not be saved: protected table, read-only file, invalid value."""
        problem = self.problem(uid, after, via=via)
        if problem:
            raise rules.ProtectedError(problem)
        if after is not None:
            rules.validate(after)

    def editable(self, uid: str) -> bool:
        p = self._summaries.get(uid)
        return p is not None and not self.readonly and not rules.is_finalized(p) and not self.is_received(uid)

    # ------------------------------------------------------------ writing

    def put(self, uid: str, project: Project | None, *, via: str = rules.EDIT, position: int | None = None,
            action: str = "save", note: str = "") -> bool:
        """Save ``project`` as the table ``uid`` (None removes it), checked first.

        Returns True when the list of tables changed (added, removed, moved).
        """
        self.check(uid, project, via=via)
        self._library = None  # the tables' indicators are part of the 指标库
        store = self._store
        if project is None:
            if uid not in self._summaries:
                return False
            store.delete_project(uid)
            self._count_number(self._summaries.pop(uid), -1)
            self._budget_sums = None
            self._projects.pop(uid, None)
            self._findings.pop(uid, None)
            self._stored_digests.pop(uid, None)
            self._order.remove(uid)
            return True
        is_new = uid not in self._summaries
        with store.transaction():
            saved = store.save_project(project, action=action, note=note)
            if is_new:
                position = len(self._order) if position is None else max(0, min(position, len(self._order)))
                if position != len(self._order):
                    store.move_project(uid, position)
        self._damaged.discard(uid)  # saved again here: its digest is new
        self._stored_digests.pop(uid, None)
        self._count_number(self._summaries.get(uid), -1)
        self._count_number(saved, 1)
        self._projects[uid] = saved
        self._summaries[uid] = ProjectSummary.of(saved)
        self._budget_sums = None
        self._findings[uid] = self._check(saved)
        if is_new:
            self._order.insert(position, uid)
        return is_new

    # ------------------------------------------------------------ department tables

    def departments(self) -> list[DepartmentPlan]:
        return list(self._departments.values())

    def department(self, uid: str) -> DepartmentPlan | None:
        return self._departments.get(uid)

    def put_department(self, uid: str, dept: DepartmentPlan | None, *, via: str = rules.EDIT, action: str = "save",
                       note: str = "") -> None:
        """Save ``dept`` as the department table ``uid`` (None removes it), checked first."""
        if self.readonly:
            raise rules.ProtectedError(f"文件以只读方式打开（{self.readonly_reason}），不能修改。")
        problem = rules.change_problem(self._departments.get(uid), dept, via=via, received=self.is_received(uid))
        if problem:
            raise rules.ProtectedError(problem)
        self._library = None
        if dept is None:
            self._store.delete_department(uid)
            self._departments.pop(uid, None)
            return
        rules.validate(dept)
        with self._store.transaction():
            saved = self._store.save_department(dept, action=action, note=note)
        self._departments[uid] = saved

    def finalize_department(self, uid: str) -> DepartmentPlan:
        """定稿 of a department table, recorded with who and when (its errors are checked by the caller)."""
        d = self._departments[uid]
        self.put_department(uid, replace(d, finalized_at=now_iso(), finalized_by=holder_name()),
                            via=rules.FINALIZE, action="finalize", note="定稿")
        return self._departments[uid]

    def unfinalize_department(self, uid: str) -> DepartmentPlan:
        d = self._departments[uid]
        self.put_department(uid, replace(d, finalized_at="", finalized_by=""), via=rules.UNFINALIZE,
                            action="unfinalize", note=f"解除定稿（{holder_name()}，原定稿 {d.finalized_by}）")
        return self._departments[uid]

    def finalize_problem(self, uid: str) -> str:
        """Why 定稿 is refused, listing every error ("" when it may go ahead; the table is checked now when no
        check has reached it yet)."""
        p = self.project(uid)
        problem = self.problem(uid, replace(p, finalized_at="x"), via=rules.FINALIZE)
        if problem:
            return problem
        errors = self.errors(uid)
        if errors:
            listed = "\n".join(f"  {i}. {f.message}" for i, f in enumerate(errors, 1))
            return (f"{rules.table_label(p)}还有 {len(errors)} 处错误，不能定稿：\n{listed}\n"
                    "请先在审核结果中逐条改正（点击一条即跳到该栏）。")
        return ""

    def finalize(self, uid: str) -> Project:
        """定稿: lock for signature, recorded with who and when."""
        problem = self.finalize_problem(uid)
        if problem:
            raise rules.ProtectedError(problem)
        p = self.project(uid)
        self.put(uid, replace(p, finalized_at=now_iso(), finalized_by=holder_name()), via=rules.FINALIZE,
                 action="finalize", note="定稿")
        return self._projects[uid]

    def unfinalize(self, uid: str) -> Project:
        p = self.project(uid)
        self.put(uid, replace(p, finalized_at="", finalized_by=""), via=rules.UNFINALIZE, action="unfinalize",
                 note=f"解除定稿（{holder_name()}，原定稿 {p.finalized_by} {when_text(p.finalized_at)}）")
        return self._projects[uid]

    @contextlib.contextmanager
    def transaction(self) -> Iterator["OpenFile"]:
        """Several changes written together, or none (the tables are read again after a failure)."""
        if self.readonly:
            raise rules.ProtectedError(f"文件以只读方式打开（{self.readonly_reason}），不能修改。")
        try:
            with self._store.transaction():
                yield self
        except BaseException:
            self.reload()
            raise

    # ------------------------------------------------------------ 指标库

    def library(self) -> list[LibraryEntry]:
        """The file's 指标库: its tables' indicators, the office's own entries and the shipped library (kept
        until a table or the library changes)."""
        if self._library is None:
            try:
                own, hidden = self._store.library()
                self.library_problem = ""
            except StoreError as exc:  # the office's entries cannot be read: the rest of the library still can
                own, hidden = [], set()
                self.library_problem = str(exc)
            self._library = library.entries(self.projects(), self.departments(), self.units(), own, hidden)
        return self._library

    def add_library_entry(self, entry: LibraryEntry) -> None:
        if not entry.year and self.year:
            entry = replace(entry, year=self.year)  # used in the file's year
        self._change_library(library.added, entry)

    def remove_library_entry(self, entry: LibraryEntry) -> None:
        self._change_library(library.removed, entry)

    def restore_library_entry(self, entry: LibraryEntry) -> None:
        self._change_library(library.restored, entry)

    def _change_library(self, change, entry: LibraryEntry) -> None:
        if self.readonly:
            raise rules.ProtectedError(f"文件以只读方式打开（{self.readonly_reason}），不能修改指标库。")
        own, hidden = self._store.library()
        self._store.save_library(*change(own, hidden, entry))
        self._library = None

    # ------------------------------------------------------------ reviews and conflicts

    def set_review(self, uid: str, status: str, comment: str) -> Review:
        """审核意见 on a table: recorded at once, not an edit of the table."""
        if self.readonly:
            raise rules.ProtectedError(f"文件以只读方式打开（{self.readonly_reason}），不能修改。")
        p = self.project(uid) or self._departments[uid]  # a project or the department table
        review = Review(uid, status, comment, holder_name(), now_iso(), p.revision)
        self._store.save_review(review)
        self.reviews[uid] = review
        return review

    def take_reviews(self, items: list[tuple[Review, str]]) -> tuple[list[str], list[str]]:
        """导入审核意见: (uids taken in, names of reviewed tables this file does not have)."""
        if self.readonly:
            raise rules.ProtectedError(f"文件以只读方式打开（{self.readonly_reason}），不能修改。")
        taken, unknown = [], []
        with self._store.transaction():
            for review, name in items:
                if review.uid in self._summaries or review.uid in self._departments:
                    self._store.save_review(review)
                    taken.append(review.uid)
                else:
                    unknown.append(name or "（未命名）")
        self.reviews = self._store.reviews()
        return taken, unknown

    def conflicts(self) -> list[Conflict]:
        return [Conflict(cid, source, version) for cid, source, version in self._store.conflicts()
                if isinstance(version, Project)]

    def settle_conflict(self, conflict_id: int) -> tuple:
        """Mark a conflict settled; returns what ``reopen_conflict`` needs to bring it back."""
        return self._store.resolve_conflict(conflict_id)

    def reopen_conflict(self, token: tuple) -> None:
        self._store.reopen_conflict(token)

    # ------------------------------------------------------------ saving

    def defer_writes(self) -> None:
        """From now on commits only change the file in memory; the caller writes ``pending_write()``."""
        self._store.defer_writes = True

    def pending_write(self) -> PendingWrite | None:
        """The publish of the committed changes, for a worker thread to run (its run() raises FileChangedError
        when another program changed the file)."""
        return self._store.pending_write()

    def prepare_compaction(self, uid: str, seconds: float) -> bool:
        """Idle time: work out ahead what the next compactions of the table's history need (True: all done)."""
        return self._store.prepare_compaction(uid, seconds)

    def finish_write(self, pending: PendingWrite) -> None:
        self._store.finish_write(pending)

    @property
    def unsaved(self) -> bool:
        return self._store.unsaved

    @property
    def checked(self) -> bool | None:
        """True once the file's integrity check has passed, None while it runs after opening, False when it
        failed (the file is then read-only and nothing is ever written to it: ``check_failure`` says why)."""
        return self._store.checked

    @property
    def check_failure(self):
        return self._store.check_failure

    def when_checked(self, callback) -> None:
        """``callback()`` once the integrity check is over (on the check's thread when it is still running)."""
        self._store.when_checked(callback)

    def close(self) -> None:
        self._store.close()

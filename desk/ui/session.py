"""The open file as the editor sees it: undo, signals and autosave around ``desk.ops.document.OpenFile``.

Every edit is a QUndoCommand that replaces a whole (immutable) project, so
undo and redo are exact across every part of the editor. A change is checked
against the rules before its command is pushed, so a refused edit leaves no
undo step. Each applied change is committed at once (in memory,
milliseconds) and written to disk by a background thread, so a slow disk or
USB stick never freezes the window; the status says 正在保存… / 已保存.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from desk import logs
from desk.domain import rules
from desk.domain.checks import Finding, department_totals
from desk.domain.formdef import FormDef
from desk.domain.model import DepartmentPlan, Project, SpendingPlan, new_uid
from desk.errors import DeskError
from desk.forms import get_form
from desk.ops.checking import check_table
from desk.ops.newyear import carried
from desk.ops.document import Conflict, FileChangedError, OpenFile


class _Command(QUndoCommand):
    """An undo step whose change may be refused (rules, a full disk, a bug).

    Errors never escape into Qt: a refused first run makes the command
    obsolete, so the stack drops it; the session raises the error afterwards.
    """

    def __init__(self, session: "EditSession", text: str):
        super().__init__(text)
        self.session = session
        self._undo_failed = False

    def redo(self) -> None:
        if self._undo_failed:  # EditSession.undo putting the step back: its change is still in the file
            self._undo_failed = False
            return
        try:
            self.forward()
        except Exception as exc:  # noqa: BLE001 - re-raised by EditSession after the stack has settled
            self.session._failed = exc
            self.setObsolete(True)  # the stack drops a step that did not happen

    def undo(self) -> None:
        try:
            self.back()
        except Exception as exc:  # noqa: BLE001 - re-raised by EditSession.undo
            self.session._failed = exc
            self._undo_failed = True

    def forward(self) -> None:
        raise NotImplementedError

    def back(self) -> None:
        raise NotImplementedError


class SetProjectCommand(_Command):
    """Replace a project by an edited copy; consecutive edits of one field merge."""

    ID = 1

    def __init__(self, session: "EditSession", before: Project, after: Project, text: str, merge_key=None,
                 via: str = rules.EDIT):
        super().__init__(session, text)
        self.before = before
        self.after = after
        self.merge_key = merge_key
        self.via = via

    def id(self) -> int:  # noqa: A003 - Qt API
        return self.ID

    def field(self) -> str:
        """The field this step changed, as a finding names it (name, budget.total, indicators[2].value…)."""
        key = self.merge_key or ()
        if len(key) >= 2 and key[1] in ("code", "name", "usage"):
            return key[1]
        if len(key) >= 3 and key[1] == "budget":
            return f"budget.{key[2]}"
        if len(key) >= 3 and key[1] == "plan":
            return f"plan.points[{key[2]}]"
        if len(key) >= 5 and key[1] == "indicators" and key[2] == "cell":
            return f"indicators[{key[3]}]#{key[4]}"
        return ""

    def forward(self) -> None:
        self.session._apply(self.after.uid, self.after, via=self.via)

    def back(self) -> None:
        self.session._apply(self.before.uid, self.before, via=self.via)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if (not isinstance(other, SetProjectCommand) or other.isObsolete() or self.merge_key is None
                or other.merge_key != self.merge_key or other.before.uid != self.after.uid):
            return False
        self.after = other.after
        return True


class AddProjectCommand(_Command):
    def __init__(self, session: "EditSession", project: Project, position: int, text: str, via: str = rules.EDIT):
        super().__init__(session, text)
        self.project, self.position, self.via = project, position, via

    def forward(self) -> None:
        self.session._apply(self.project.uid, self.project, position=self.position, via=self.via)

    def back(self) -> None:
        self.session._apply(self.project.uid, None, via=self.via)


class DeleteProjectCommand(_Command):
    def __init__(self, session: "EditSession", project: Project, position: int):
        super().__init__(session, f"删除项目“{project.name or '（未命名）'}”")
        self.project, self.position = project, position

    def forward(self) -> None:
        self.session._apply(self.project.uid, None)

    def back(self) -> None:
        self.session._apply(self.project.uid, self.project, position=self.position)


class SetDepartmentCommand(_Command):
    """Put a department table (None: remove it); undo puts back what was there."""

    def __init__(self, session: "EditSession", uid: str, before, after, text: str, via: str = rules.EDIT):
        super().__init__(session, text)
        self.uid, self.before, self.after, self.via = uid, before, after, via

    def forward(self) -> None:
        self.session._apply_department(self.uid, self.before, self.after, self.via)

    def back(self) -> None:
        self.session._apply_department(self.uid, self.after, self.before, self.via)


class ResolveConflictCommand(_Command):
    """A supervisor settles a conflict (keep ours, take theirs, or some fields); undo brings the conflict back."""

    def __init__(self, session: "EditSession", conflict: Conflict, before: Project | None, after: Project | None,
                 text: str):
        super().__init__(session, text)
        self.conflict, self.before, self.after = conflict, before, after
        self._token: tuple | None = None

    def forward(self) -> None:
        session = self.session
        with session.document.transaction():
            if self.after is not None and (self.before is None or not rules.same_content(self.before, self.after)):
                session._apply(self.conflict.version.uid, self.after, via=rules.RESOLVE, write=False,
                               position=None if self.before is not None else session.project_count())
            self._token = session.document.settle_conflict(self.conflict.id)
        session._changed(self.conflict.version.uid)
        session.conflictsChanged.emit()
        session._schedule_write()

    def back(self) -> None:
        session = self.session
        with session.document.transaction():
            uid = self.conflict.version.uid
            if self.after is not None and (self.before is None or not rules.same_content(self.before, self.after)):
                session._apply(uid, self.before, via=rules.RESOLVE, write=False)
            session.document.reopen_conflict(self._token)
        session._changed(self.conflict.version.uid)
        session.conflictsChanged.emit()
        session._schedule_write()


class _WriteSignals(QObject):
    done = Signal(object, object)  # pending write, error (None when written)
    checked = Signal()  # the file's integrity check after opening is over (emitted on its thread)


class EditSession(QObject):
    projectChanged = Signal(str)  # uid: its content or findings changed
    projectsChanged = Signal()  # projects added, removed or reordered
    conflictsChanged = Signal()
    stepApplied = Signal(str, str, str)  # after 撤销/重做: uid of the table it changed, what was done, which field
    saveStateChanged = Signal(str)  # a short Chinese status for the status bar
    saveFailed = Signal(str)  # a message to show the user
    findingsChanged = Signal(object)  # uids of projects whose first check has finished (the list's badges)
    fileDamaged = Signal(str)  # the integrity check after opening failed: the file is read-only now (the message)

    FIRST_CHECKS = 12  # a file of up to this many projects is checked before the window shows (one screen)
    CHECK_SLICE = 0.008  # seconds of checking at a time while the window is idle
    PREPARE_SLICE = 0.002  # seconds of preparing a table's history for its compaction at a time

    RETRY_MS = 5000
    # After a publish, the next one waits this many times the processor time it took: with a large file edited
    # at a clerk's pace the worker would otherwise copy the file back to back, taking a processor (and the
    # interpreter) from the window's thread on a machine of two cores. About 0.25 s after a publish of 40 MB
    # (60 ms of processor time), 15 ms at 1 MB; on a slow USB stick the write itself takes far longer.
    PUBLISH_REST = 4.0
    UNDO_LIMIT = 1000  # steps kept for 撤销; memory stays bounded over a long day of editing

    def __init__(self, document: OpenFile, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        document.defer_writes()  # written by a background thread: a slow disk never freezes the window
        self.forms = document.forms
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(self.UNDO_LIMIT)
        self._writing = False
        self._saver = None  # the save worker: one thread, started at the first save
        self._signals = _WriteSignals()
        self._signals.done.connect(self._write_done)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._schedule_write)
        self._rest_until = 0.0  # time.monotonic() before which no publish starts (PUBLISH_REST)
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._schedule_write)
        self._stopped_by_change = False
        self._failed: BaseException | None = None  # what the last command could not do
        self._touched = ""  # uid of the table the last applied change touched
        self._dept_findings: dict[str, tuple] = {}  # uid -> (the department table checked, its findings)
        self.last_saved_at = ""
        # The projects' checks: the first screen now, the rest in slices while the window is idle.
        self._fresh: list[str] = []  # checked on demand since the last slice (their badges are told then)
        self._checker = QTimer(self)
        self._checker.setInterval(0)
        self._checker.timeout.connect(self._check_slice)
        # Tables edited lately whose history will be compacted soon: its digests worked out in idle time.
        self._compacting: dict[str, None] = {}
        self._preparer = QTimer(self)
        self._preparer.setInterval(0)
        self._preparer.timeout.connect(self._prepare_slice)
        if document.project_count() <= self.FIRST_CHECKS:
            document.check_all()  # a small file: its badges are there when the window shows
        if document.unchecked:
            QTimer.singleShot(0, self._kick_checks)  # once the window has shown
        if document.checked is None:  # a large file's integrity check is running: saves wait for it
            document.when_checked(self._signals.checked.emit)
            self._signals.checked.connect(self._file_checked)

    @property
    def readonly(self) -> bool:
        return self.document.readonly

    # ------------------------------------------------------------ checks in the background

    def _kick_checks(self) -> None:
        if (self.document.unchecked or self._fresh) and not self._checker.isActive():
            self._checker.start()

    def _check_slice(self) -> None:
        done, self._fresh = self._fresh, []
        try:
            done += self.document.check_some(self.CHECK_SLICE)
        except Exception as exc:  # noqa: BLE001 - a table that cannot be read is said when it is opened
            logs.setup().warning("background check stopped: %r", exc)
            self._checker.stop()
            return
        finally:
            if not self.document.unchecked and not self._fresh:
                self._checker.stop()
        if done:
            self.findingsChanged.emit(done)

    def _prepare_compaction(self, uid: str) -> None:
        self._compacting[uid] = None
        if not self._preparer.isActive():
            self._preparer.start()

    def _prepare_slice(self) -> None:
        """The history of an edited table: the digests its next compactions need, worked out now (an edit that
        compacts then does no decoding)."""
        if not self._compacting:
            self._preparer.stop()
            return
        uid = next(iter(self._compacting))
        try:
            done = self.document.prepare_compaction(uid, self.PREPARE_SLICE)
        except Exception as exc:  # noqa: BLE001 - only a head start: the compaction itself says what is wrong
            logs.setup().warning("history preparation stopped: %r", exc)
            done = True
        if done:
            self._compacting.pop(uid, None)

    @property
    def checks_pending(self) -> bool:
        """Projects still waiting for their first check, or the file's integrity check still running."""
        return bool(self.document.unchecked) or self.document.checked is None

    def check_all(self) -> None:
        """Every project checked now (a filter on the findings)."""
        if self.document.unchecked:
            self.document.check_all()
            self.findingsChanged.emit(self.document.uids())

    def _file_checked(self) -> None:
        """The integrity check after opening is over: saves go ahead, or the file becomes read-only."""
        if self.document.checked:
            self._schedule_write()
            return
        self.undo_stack.clear()  # nothing of it can be written
        self._retry.stop()
        self.saveStateChanged.emit("只读：文件已损坏，修改未写入")
        self.fileDamaged.emit(str(self.document.check_failure))

    # ------------------------------------------------------------ reading

    def projects(self) -> list[Project]:
        """Every project, read whole (the list needs only ``uids`` and ``summary``)."""
        return self.document.projects()

    def project(self, uid: str) -> Project | None:
        return self.document.project(uid)

    def uids(self) -> list[str]:
        return self.document.uids()

    def project_count(self) -> int:
        return self.document.project_count()

    def summary(self, uid: str):
        return self.document.summary(uid)

    def known_findings(self, uid: str) -> list[Finding] | None:
        """The findings when the project has been checked already (None: its check has not run yet)."""
        return self.document.known_findings(uid)

    def position(self, uid: str) -> int:
        return self.document.position(uid)

    def findings(self, uid: str) -> list[Finding]:
        if self.document.project(uid) is None:
            dept = self.document.department(uid)
            if dept is not None:  # a department table: its own checks, and its 合计 against the projects
                cached = self._dept_findings.get(uid)
                if cached is None or cached[0] is not dept:
                    cached = self._dept_findings[uid] = (dept, check_table(dept, self.forms,
                                                                           self.document.last_year(uid)))
                return cached[1] + department_totals([dept], self.document.budget_sums())
        if self.document.known_findings(uid) is None and self.document.summary(uid) is not None:
            self._fresh.append(uid)  # checked now, on demand: its badge is told in the next slice
            self._kick_checks()
        return self.document.findings(uid)

    @property
    def reviews(self):
        return self.document.reviews

    def form_for(self, project: Project) -> FormDef:
        return self.document.form_for(project)

    def is_received(self, project: Project) -> bool:
        return self.document.is_received(project.uid)

    def editable(self, uid: str) -> bool:
        return self.document.editable(uid)

    def editable_department(self, uid: str) -> bool:
        d = self.document.department(uid)
        return d is not None and not self.readonly and not self.document.is_received(uid) and not d.finalized

    # ------------------------------------------------------------ editing

    def _raise_failure(self) -> None:
        error, self._failed = self._failed, None
        if error is not None:
            raise error

    def _push(self, command: _Command) -> None:
        """Push and run a command; a refused one is dropped by the stack, and its error is raised."""
        self._failed = None
        self.undo_stack.push(command)
        self._raise_failure()

    def undo(self) -> None:
        """Undo one step; if it cannot be undone, the step stays where it was and the reason is raised.

        ``stepApplied`` says which table (and field) it changed, so the window can show it.
        """
        stack = self.undo_stack
        if not stack.canUndo():
            return
        text, field = stack.undoText(), self._field_of(stack.command(stack.index() - 1))
        self._failed = None
        self._touched = ""
        stack.undo()
        if self._failed is not None:
            error, self._failed = self._failed, None
            stack.redo()  # nothing changed: the step goes back on the undo side without running again
            self._failed = None
            raise error
        self.stepApplied.emit(self._touched, f"撤销 {text}", field)

    def redo(self) -> None:
        """Redo one step; one that cannot be done again is dropped (nothing changed) and the reason raised."""
        stack = self.undo_stack
        if not stack.canRedo():
            return
        text, field = stack.redoText(), self._field_of(stack.command(stack.index()))
        self._failed = None
        self._touched = ""
        stack.redo()
        self._raise_failure()
        self.stepApplied.emit(self._touched, f"重做 {text}", field)

    @staticmethod
    def _field_of(command) -> str:
        return command.field() if isinstance(command, SetProjectCommand) else ""

    def edit(self, after: Project, text: str, merge_key=None, *, via: str = rules.EDIT) -> bool:
        """Replace a project by an edited copy, as one undoable step (checked before anything happens)."""
        before = self.document.project(after.uid)
        if before is None or before.content_key() == after.content_key():
            return False
        self.document.check(after.uid, after, via=via)
        self._push(SetProjectCommand(self, before, after, text, merge_key, via))
        return True

    def departments(self):
        return self.document.departments()

    def department(self, uid: str):
        return self.document.department(uid)

    def _apply_department(self, uid: str, was, now, via: str) -> None:
        self.document.put_department(uid, now, via=via)
        self._touched = uid
        if now is not None:
            self._prepare_compaction(uid)
        if (was is None) != (now is None):
            self.projectsChanged.emit()  # the list shows department tables too
        self.projectChanged.emit(uid)
        self._schedule_write()

    def new_department(self):
        """The unit's 部门（单位）整体支出绩效目标表 for the file's year (one per unit and year)."""
        unit = self.document.unit
        year = self.document.year or time.localtime().tm_year
        code = unit.code if unit else ""
        if any(d.unit_code == code and d.year == year for d in self.departments()):
            raise DeskError("本单位本年度已经有部门整体支出绩效目标表（每个单位每年一张）。")
        form = "department-2021" if "department-2021" in self.forms else "department"
        dept = DepartmentPlan(uid=new_uid(), unit_code=code, year=year, form=form, name=unit.name if unit else "",
                              money_unit=get_form(form, self.forms).money_unit)
        self.put_department(dept, "新建部门整体表")
        return self.department(dept.uid)

    def put_department(self, dept, text: str, *, via: str = rules.EDIT) -> None:
        """Add or replace a department table as one undoable step."""
        before = self.document.department(dept.uid)
        if before is not None and before.content_key() == dept.content_key():
            return
        self._push(SetDepartmentCommand(self, dept.uid, before, dept, text, via))

    def check(self, after: Project) -> None:
        """Raise (in Chinese) if ``after`` may not replace the table; nothing happens either way."""
        self.document.check(after.uid, after)

    def resolve_conflict(self, conflict: Conflict, version: Project | None, text: str) -> None:
        """Settle a conflict with ``version`` (None keeps ours); one undoable step."""
        before = self.document.project(conflict.version.uid)
        if version is not None:
            self.document.check(version.uid, version, via=rules.RESOLVE)
        self._push(ResolveConflictCommand(self, conflict, before, version, text))

    def add_project(self, project: Project, position: int | None = None, text: str = "新建项目",
                    *, via: str = rules.EDIT) -> Project:
        self.document.check(project.uid, project, via=via)
        position = self.document.project_count() if position is None else position
        self._push(AddProjectCommand(self, project, position, text, via))
        return self.document.project(project.uid)

    def new_project(self, form_name: str = "hebei-project") -> Project:
        unit = self.document.unit
        year = self.document.year or time.localtime().tm_year
        form = get_form(form_name, self.forms)
        labels = form.checkpoint_labels(form.default_scheme)
        project = Project(
            unit_code=unit.code if unit else "", year=year, form=form.name, money_unit=form.money_unit,
            plan=SpendingPlan(form.default_scheme, (None,) * len(labels)), name="",
        )
        return self.add_project(project, text="新建项目")

    def copy_project(self, uid: str, *, next_year: bool = False) -> Project:
        source = self.document.project(uid)
        if next_year:  # as 新建下一年度文件 carries it: linked to this one, money and plan cleared
            copy = carried(source, source.unit_code, source.year + 1)
        else:
            copy = replace(source, uid=new_uid(), revision=0, updated_at="", finalized_at="", finalized_by="",
                           name=f"{source.name}（副本）", number=0)
        text = "复制到下一年度" if next_year else "复制项目"
        return self.add_project(copy, self.position(uid) + 1, text)

    def delete_project(self, uid: str) -> None:
        self.document.check(uid, None)
        self._push(DeleteProjectCommand(self, self.document.project(uid), self.position(uid)))

    def finalize_problem(self, uid: str) -> str:
        return self.document.finalize_problem(uid)

    def finalize(self, uid: str) -> Project:
        """定稿: lock for signature; recorded with who and when. Not undoable (解除定稿 is the way back)."""
        saved = self.document.finalize(uid)
        self._after_lock_change(uid)
        return saved

    def unfinalize(self, uid: str) -> Project:
        saved = self.document.unfinalize(uid)
        self._after_lock_change(uid)
        return saved

    def finalize_department(self, uid: str, findings: list[Finding]):
        """定稿 of the department table: refused while it has errors; not undoable (解除定稿 is the way back)."""
        errors = [f.message for f in findings if f.severity == "error"]
        if errors:
            raise rules.ProtectedError("部门整体表还有错误，不能定稿：\n" + "\n".join(errors[:10]))
        saved = self.document.finalize_department(uid)
        self._after_lock_change(uid)
        return saved

    def unfinalize_department(self, uid: str):
        saved = self.document.unfinalize_department(uid)
        self._after_lock_change(uid)
        return saved

    def _after_lock_change(self, uid: str) -> None:
        self.undo_stack.clear()  # earlier steps would reach past the lock
        self._changed(uid)
        self._schedule_write()

    @contextlib.contextmanager
    def batch(self, text: str):
        """Several changes as one undo step and one transaction: all are written, or none."""
        self.undo_stack.beginMacro(text)
        try:
            with self.document.transaction():
                yield
        except BaseException:
            self.undo_stack.endMacro()
            # The file rolled everything back: drop the half-made step and show the file as it is.
            self.undo_stack.clear()
            self.projectsChanged.emit()
            for uid in self.document.uids():
                self.projectChanged.emit(uid)
            self._kick_checks()  # the file was read again: its checks start over
            raise
        self.undo_stack.endMacro()
        self._schedule_write()

    # ------------------------------------------------------------ 指标库

    def library(self):
        """The file's 指标库 (its tables, the office's own entries, the shipped library), best first."""
        return self.document.library()

    def add_library_entry(self, entry) -> None:
        self.document.add_library_entry(entry)
        self._schedule_write()

    def remove_library_entry(self, entry) -> None:
        self.document.remove_library_entry(entry)
        self._schedule_write()

    def restore_library_entry(self, entry) -> None:
        self.document.restore_library_entry(entry)
        self._schedule_write()

    def set_review(self, uid: str, status: str, comment: str) -> None:
        """审核意见 on a table: recorded at once, not an edit of the table (not on the undo stack)."""
        self.document.set_review(uid, status, comment)
        self._changed(uid)
        self._schedule_write()

    def take_reviews(self, items) -> tuple[list[str], list[str]]:
        taken, unknown = self.document.take_reviews(items)
        for uid in taken:
            self.projectChanged.emit(uid)
        self._schedule_write()
        return taken, unknown

    def _changed(self, uid: str) -> None:
        self.projectChanged.emit(uid)

    def _apply(self, uid: str, project: Project | None, *, position: int | None = None, via: str = rules.EDIT,
               action: str = "save", note: str = "", write: bool = True) -> None:
        """Commit a change (checked by the document) and schedule the disk write."""
        listed = self.document.put(uid, project, via=via, position=position, action=action, note=note)
        self._touched = uid
        if listed:
            self.projectsChanged.emit()
        if project is not None:
            self.projectChanged.emit(uid)
            self._prepare_compaction(uid)
        if write:
            self._schedule_write()

    # ------------------------------------------------------------ saving

    def _schedule_write(self) -> None:
        if self._writing or self._stopped_by_change or self.readonly:
            return
        rest = self._rest_until - time.monotonic()
        if rest > 0:
            if not self._rest.isActive() and self.document.unsaved:
                self._rest.start(int(rest * 1000) + 1)
                self.saveStateChanged.emit("正在保存…")
            return
        pending = self.document.pending_write()
        if pending is None:
            if self.document.checked is None and self.document.unsaved:
                self.saveStateChanged.emit("正在检查文件，检查通过后保存…")
            return
        self._writing = True
        self.saveStateChanged.emit("正在保存…")
        signals = self._signals

        def work() -> None:
            try:
                pending.run()
            except Exception as exc:  # noqa: BLE001 - reported to the user by _write_done
                signals.done.emit(pending, exc)
            else:
                signals.done.emit(pending, None)

        if self._saver is None:
            from concurrent.futures import ThreadPoolExecutor  # (not on the window's start-up path: ~7 ms)

            self._saver = ThreadPoolExecutor(1, thread_name_prefix="desk-save")
        self._saver.submit(work)

    def _write_done(self, pending, error) -> None:
        self._writing = False
        self._rest_until = time.monotonic() + pending.work_seconds * self.PUBLISH_REST
        if error is None:
            self.document.finish_write(pending)
            self.last_saved_at = time.strftime("%H:%M:%S")
            self.saveStateChanged.emit(f"已保存 {self.last_saved_at}")
            if self.document.unsaved:
                self._schedule_write()
            return
        if isinstance(error, FileChangedError):
            self._stopped_by_change = True
            self.saveStateChanged.emit("未保存：文件被其他程序改动")
            self.saveFailed.emit(str(error))
            return
        message = str(error) if isinstance(error, DeskError) else f"保存失败：{error}"
        if not isinstance(error, DeskError):
            logs.setup().error("save failed: %r", error)
        self.saveStateChanged.emit("保存失败，稍后自动重试")
        self.saveFailed.emit(message)
        self._retry.start(self.RETRY_MS)

    def wait_saved(self, timeout: float = 30.0) -> bool:
        """Block until every change is on disk (closing, tests); False on failure."""
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if not self._writing:
                if not self.document.unsaved:
                    return True
                if self._stopped_by_change or self.document.checked is False:
                    return False
                self._rest_until = 0.0  # someone waits for the disk: the worker does not rest
                self._schedule_write()
            time.sleep(0.005)
        return False

    def close(self) -> bool:
        self._checker.stop()
        self._preparer.stop()
        saved = self.readonly or self.wait_saved()
        if self._saver is not None:
            self._saver.shutdown(wait=True)
        self.document.close()
        return saved

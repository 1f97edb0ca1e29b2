"""The open file as the editor sees it: projects, findings, undo and autosave.

Every edit is a QUndoCommand that replaces a whole (immutable) project, so
undo and redo are exact across every part of the editor. Each applied change
is committed to the store at once (in memory, milliseconds) and written to
disk by a background thread, so a slow disk or USB stick never freezes the
window; the status says 正在保存… / 已保存.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from desk import logs
from desk.domain.checks import Finding
from desk.domain.formdef import FormDef
from desk.domain.model import Project, new_uid, now_iso
from desk.errors import DeskError
from desk.forms import get_form
from desk.store import FileChangedError, Store
from desk.store.lock import holder_name


class LockedError(DeskError):
    pass


class SetProjectCommand(QUndoCommand):
    """Replace a project by an edited copy; consecutive edits of one field merge."""

    ID = 1

    def __init__(self, session: "EditSession", before: Project, after: Project, text: str, merge_key=None):
        super().__init__(text)
        self.session = session
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:  # noqa: A003 - Qt API
        return self.ID

    def redo(self) -> None:
        self.session._apply(self.after.uid, self.after)

    def undo(self) -> None:
        self.session._apply(self.before.uid, self.before)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if (not isinstance(other, SetProjectCommand) or self.merge_key is None
                or other.merge_key != self.merge_key or other.before.uid != self.after.uid):
            return False
        self.after = other.after
        return True


class AddProjectCommand(QUndoCommand):
    def __init__(self, session: "EditSession", project: Project, position: int, text: str):
        super().__init__(text)
        self.session, self.project, self.position = session, project, position

    def redo(self) -> None:
        self.session._apply(self.project.uid, self.project, position=self.position)

    def undo(self) -> None:
        self.session._apply(self.project.uid, None)


class DeleteProjectCommand(QUndoCommand):
    def __init__(self, session: "EditSession", project: Project, position: int):
        super().__init__(f"删除项目“{project.name}”")
        self.session, self.project, self.position = session, project, position

    def redo(self) -> None:
        self.session._apply(self.project.uid, None)

    def undo(self) -> None:
        self.session._apply(self.project.uid, self.project, position=self.position)


class _WriteSignals(QObject):
    done = Signal(object, object)  # pending write, error (None when written)


class EditSession(QObject):
    projectChanged = Signal(str)  # uid: its content or findings changed
    projectsChanged = Signal()  # projects added, removed or reordered
    saveStateChanged = Signal(str)  # a short Chinese status for the status bar
    saveFailed = Signal(str)  # a message to show the user

    RETRY_MS = 5000

    def __init__(self, store: Store, forms: dict[str, FormDef] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.forms = forms
        self.readonly = store.readonly
        store.defer_writes = True
        self.undo_stack = QUndoStack(self)
        self._projects: dict[str, Project] = {}
        self._order: list[str] = []
        self._findings: dict[str, list[Finding]] = {}
        for p in store.projects():
            self._projects[p.uid] = p
            self._order.append(p.uid)
            self._findings[p.uid] = self._check(p)
        self.reviews = store.reviews()
        unit = store.unit()
        self.own_unit_code = unit.code if unit else ""
        self._writing = False
        self._signals = _WriteSignals()
        self._signals.done.connect(self._write_done)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._schedule_write)
        self._stopped_by_change = False
        self.last_saved_at = ""

    # ------------------------------------------------------------ reading

    def projects(self) -> list[Project]:
        return [self._projects[u] for u in self._order]

    def project(self, uid: str) -> Project | None:
        return self._projects.get(uid)

    def position(self, uid: str) -> int:
        return self._order.index(uid)

    def findings(self, uid: str) -> list[Finding]:
        return self._findings.get(uid, [])

    def form_for(self, project: Project) -> FormDef:
        try:
            return get_form(project.form, self.forms)
        except DeskError:
            return get_form("hebei-project", self.forms)

    def _check(self, project: Project) -> list[Finding]:
        from desk.services import check_table

        return check_table(project, self.forms)

    # ------------------------------------------------------------ editing

    def _require_editable(self, uid: str | None = None) -> None:
        if self.readonly:
            raise LockedError(f"文件以只读方式打开（{self.store.readonly_reason}），不能修改。")
        if uid is not None:
            p = self._projects.get(uid)
            if p is not None and p.finalized:
                raise LockedError(f"项目“{p.name}”已定稿，如需修改请先“解除定稿”。")
            if p is not None and self.is_received(p):
                raise LockedError(f"项目“{p.name}”是单位报来的表，在汇总文件中只读；请通过审核意见退回单位修改。")

    def is_received(self, project: Project) -> bool:
        """In a supervisor's consolidated file, tables of the offices are read-only."""
        return self.own_unit_code == "汇总" and project.unit_code != "汇总"

    def edit(self, after: Project, text: str, merge_key=None) -> bool:
        """Replace a project by an edited copy, as one undoable step."""
        before = self._projects.get(after.uid)
        if before is None or before.content_key() == after.content_key():
            return False
        self._require_editable(after.uid)
        self.undo_stack.push(SetProjectCommand(self, before, after, text, merge_key))
        return True

    def accept_version(self, version: Project, text: str) -> None:
        """A supervisor settles a conflict by taking a received version (undoable; no read-only lock applies)."""
        if self.readonly:
            self._require_editable()
        before = self._projects.get(version.uid)
        if before is None:
            self.undo_stack.push(AddProjectCommand(self, version, len(self._order), text))
        elif before.content_key() != version.content_key():
            self.undo_stack.push(SetProjectCommand(self, before, version, text))

    def add_project(self, project: Project, position: int | None = None, text: str = "新建项目") -> Project:
        self._require_editable()
        position = len(self._order) if position is None else position
        self.undo_stack.push(AddProjectCommand(self, project, position, text))
        return self._projects[project.uid]

    def new_project(self, form_name: str = "hebei-project") -> Project:
        unit = self.store.unit()
        year = self.store.year() or time.localtime().tm_year
        form = get_form(form_name, self.forms)
        labels = form.checkpoint_labels(form.default_scheme)
        from desk.domain.model import SpendingPlan

        project = Project(
            unit_code=unit.code if unit else "", year=year, form=form.name, money_unit=form.money_unit,
            plan=SpendingPlan(form.default_scheme, (None,) * len(labels)), name="",
        )
        return self.add_project(project, text="新建项目")

    def copy_project(self, uid: str, *, next_year: bool = False) -> Project:
        source = self._projects[uid]
        copy = replace(source, uid=new_uid(), revision=0, updated_at="", finalized_at="", finalized_by="",
                       year=source.year + 1 if next_year else source.year,
                       name=source.name if next_year else f"{source.name}（副本）")
        text = "复制到下一年度" if next_year else "复制项目"
        return self.add_project(copy, self.position(uid) + 1, text)

    def delete_project(self, uid: str) -> None:
        self._require_editable(uid)
        self.undo_stack.push(DeleteProjectCommand(self, self._projects[uid], self.position(uid)))

    def finalize(self, uid: str) -> Project:
        """定稿: lock for signature; recorded with who and when. Not undoable (解除定稿 is the way back)."""
        self._require_editable(uid)
        p = self._projects[uid]
        if any(f.severity == "error" for f in self._findings.get(uid, [])):
            raise LockedError(f"项目“{p.name}”还有审核错误，不能定稿。请先改正检查面板中的“错误”。")
        self._apply(uid, replace(p, finalized_at=now_iso(), finalized_by=holder_name()), action="finalize",
                    note="定稿")
        self.undo_stack.clear()
        return self._projects[uid]

    def unfinalize(self, uid: str) -> Project:
        if self.readonly:
            self._require_editable()
        p = self._projects[uid]
        self._apply(uid, replace(p, finalized_at="", finalized_by=""), action="unfinalize",
                    note=f"解除定稿（{holder_name()}，原定稿 {p.finalized_by} {p.finalized_at}）")
        self.undo_stack.clear()
        return self._projects[uid]

    @contextlib.contextmanager
    def batch(self, text: str):
        """Several changes as one undo step and one store transaction: all are written, or none."""
        self._require_editable()
        self.undo_stack.beginMacro(text)
        try:
            with self.store.transaction():
                yield
        except BaseException:
            self.undo_stack.endMacro()
            # The store rolled everything back: drop the half-made step and show the file as it is.
            self.undo_stack.clear()
            self._reload()
            raise
        self.undo_stack.endMacro()
        self._schedule_write()

    def _reload(self) -> None:
        self.reviews = self.store.reviews()
        self._projects = {p.uid: p for p in self.store.projects()}
        self._order = list(self._projects)
        self._findings = {uid: self._check(p) for uid, p in self._projects.items()}
        self.projectsChanged.emit()
        for uid in self._order:
            self.projectChanged.emit(uid)

    def set_review(self, uid: str, status: str, comment: str) -> None:
        """审核意见 on a table: recorded at once, not an edit of the table (not on the undo stack)."""
        from desk.domain.model import Review

        self._require_editable()
        p = self._projects[uid]
        review = Review(uid, status, comment, holder_name(), now_iso(), p.revision)
        self.store.save_review(review)
        self.reviews[uid] = review
        self.projectChanged.emit(uid)
        self._schedule_write()

    def _apply(self, uid: str, project: Project | None, *, position: int | None = None,
               action: str = "save", note: str = "") -> None:
        """Commit a change to the store (memory) and schedule the disk write."""
        if project is None:
            self.store.delete_project(uid)
            self._projects.pop(uid, None)
            self._findings.pop(uid, None)
            if uid in self._order:
                self._order.remove(uid)
            self.projectsChanged.emit()
        else:
            is_new = uid not in self._projects
            saved = self.store.save_project(project, action=action, note=note)
            self._projects[uid] = saved
            self._findings[uid] = self._check(saved)
            if is_new:
                position = len(self._order) if position is None else max(0, min(position, len(self._order)))
                self._order.insert(position, uid)
                if position != len(self._order) - 1:
                    self.store.move_project(uid, position)
                self.projectsChanged.emit()
            self.projectChanged.emit(uid)
        self._schedule_write()

    # ------------------------------------------------------------ saving

    def _schedule_write(self) -> None:
        if self._writing or self._stopped_by_change or self.readonly:
            return
        try:
            pending = self.store.pending_write()
        except FileChangedError as exc:
            self._stopped_by_change = True
            self.saveStateChanged.emit("未保存：文件被其他程序改动")
            self.saveFailed.emit(str(exc))
            return
        if pending is None:
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

        threading.Thread(target=work, name="desk-save", daemon=False).start()

    def _write_done(self, pending, error) -> None:
        self._writing = False
        if error is None:
            self.store.finish_write(pending)
            self.last_saved_at = time.strftime("%H:%M:%S")
            self.saveStateChanged.emit(f"已保存 {self.last_saved_at}")
            if self.store.unsaved:
                self._schedule_write()
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
                if not self.store.unsaved:
                    return True
                if self._stopped_by_change:
                    return False
                self._schedule_write()
            time.sleep(0.005)
        return False

    def close(self) -> bool:
        saved = self.readonly or self.wait_saved()
        self.store.close()
        return saved

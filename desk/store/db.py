"""The ``.db`` file: open, check, migrate, load and save domain objects, history.

How a save reaches the disk
---------------------------
The file is read once into an in-memory SQLite database. Every committed
change is published by writing the whole database image to a temporary file
in the same folder, flushing it to the disk (fsync) and renaming it over the
file (an atomic replace). So the file on disk is at every instant a complete
database holding the last committed save: a clerk may copy it with Explorer
while the program is saving, and a crash or power cut leaves either the
previous or the new save, never a mix. The image is an ordinary SQLite file
in rollback-journal mode; any SQLite tool opens it.

In the window, commits only change the database in memory; a worker thread
publishes them (``pending_write``): it copies the last committed state with
SQLite's online backup, in small steps that never see an open transaction
and that wait while the window's thread is using the database, into a
scratch file on the local disk, then copies that into the temporary file
beside the target in large writes (USB sticks are slow at small ones) and
renames it as above. The window's thread does no work that grows with the
file; the session lets the worker rest between publishes (PUBLISH_REST).

Files that are not ours, from a newer version, or damaged are refused before
anything is written, so their bytes stay unchanged.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import operator
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from desk import __version__
from desk.domain.codec import (
    DIGEST_BYTES, content_digest, department_from_dict, department_to_dict, descent_digest, descent_digest_of,
    project_from_dict,
    project_to_dict,
)
from desk.domain.model import (
    REVIEW_STATUSES, Budget, DepartmentPlan, DepartmentTask, Indicator, Narrative, Project, ProjectSummary, Review,
    SpendingPlan, SubGoal, Unit, now_iso,
)
from desk.domain import rules
from desk.domain.library import OWN, ORIGIN_LABELS, LibraryEntry, entry_key
from desk.domain.money import from_fen, to_fen
from desk.errors import InputError
from desk.store import identity
from desk.store.errors import (
    DamagedFileError, DamagedOnCheckError, FileBusyError, FileChangedError, FileMissingError, ForeignFileError,
    ForeignOwnerError, MigrationError, NewerVersionError, NotSQLiteError, ReadOnlyError,
    SaveError, StoreError,
)
from desk.store.checks import LIMITS, HostileFileError, Limits, check_rows, check_schema
from desk.store.lock import WriterLock
from desk.store import schema
from desk.store.schema import APPLICATION_ID, current_version

# History kept whole for the recent revisions of each table (the last KEEP_FULL, the last of each day for
# KEEP_DAYS days, and every 定稿/解除定稿/带入); older ones are reduced to their descent digests, packed in one
# row per table (action DIGESTS), so the file grows with its tables, not with its edits.
KEEP_FULL = 50
KEEP_DAYS = 30
COMPACT_EVERY = 10  # reduce once this many revisions beyond KEEP_FULL have gathered
KEPT_ACTIONS = ("finalize", "unfinalize", "carry")
DIGESTS = "digests"
LIBRARY_KEY = "library"  # meta: the office's own 指标库 entries and the ones it removed, as JSON
LIBRARY_FIELDS = ("level1", "level2", "name", "description", "value", "basis")
LIBRARY_ENTRIES = 5_000
LIBRARY_TEXT = 2_000

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = {"meta", "units", "projects", "indicators", "departments", "history"}  # of version 1
ROLES = ("office", "consolidated")  # an office's own file; a supervisor's file that receives offices' files
# a project's columns that hold what its content_key covers
_CONTENT_COLUMNS = ("uid", "unit_code", "year", "form", "code", "name", "money_unit", "budget_total", "budget_fiscal",
                    "budget_other", "usage", "plan_scheme", "plan_points", "goals", "finalized_at", "finalized_by",
                    "extra", "carried_from", "number")
INDICATOR_COLUMNS = ("level1", "level2", "name", "description", "comparator", "value", "unit", "basis", "text")
_indicator_values = operator.attrgetter(*INDICATOR_COLUMNS)  # an indicator's column values, in that order


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    uid: str
    revision: int
    saved_at: str
    action: str  # save, import, restore, delete
    note: str


class ProjectKey(NamedTuple):
    uid: str
    unit_code: str
    year: int
    code: str
    name: str


@dataclass(frozen=True)
class FileHeader:
    application_id: int
    user_version: int
    change_counter: int


def read_header(path: Path) -> FileHeader:
    """Read the SQLite header without opening the file with SQLite."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    return parse_header(path, head)


def parse_header(path: Path, head: bytes) -> FileHeader:
    if not head.startswith(SQLITE_MAGIC):
        raise NotSQLiteError(path)
    if len(head) < 100:
        raise DamagedFileError(path, "文件头不完整")
    return FileHeader(
        application_id=int.from_bytes(head[68:72], "big"),
        user_version=int.from_bytes(head[60:64], "big"),
        change_counter=int.from_bytes(head[24:28], "big"),
    )


def suggest_copy_name(unit: Unit | None, year: int | None) -> str:
    """File name for 导出副本给上级, e.g. 439001_玉田县无终街道_2023.db."""
    if unit is None:
        return f"绩效目标表_{year or ''}.db"
    name = unit.name
    for suffix in ("办事处本级", "本级", "办事处"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    parts = [unit.code, name] + ([str(year)] if year else [])
    return "_".join(_safe_name(p) for p in parts if p) + ".db"


def _safe_name(text: str) -> str:
    bad = '<>:"/\\|?*\x00'
    cleaned = "".join("_" if ch in bad or ord(ch) < 32 else ch for ch in text).strip(" .")
    return cleaned or "_"


def _connect_memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync on Windows
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _os_error_text(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限（文件或文件夹可能是只读的，或正被其他程序占用）"
    if exc.errno == errno.EROFS:
        return "磁盘是只读的"
    if exc.errno == errno.ENOENT:
        return "文件夹不存在或已被移除（U盘是否已拔出？）"
    return exc.strerror or str(exc)


def write_file_atomically(path: Path, data: bytes | Path) -> None:
    """Write ``data`` (bytes, or the content of a file) to ``path`` so that ``path`` is always complete.

    Temp file in the same folder, fsync, rename over the target (retried for a
    while on Windows, where a reader such as a virus scanner may hold it).
    """
    why = _read_only_reason(path)
    if why:
        raise SaveError(f"保存“{path.name}”失败：{why}。上一次保存的内容仍完好。", path)
    if path.is_dir() or path.exists() and not path.is_file():
        raise SaveError(f"“{path}”是文件夹或设备，不是文件，没有写入。请另选一个文件名。", path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _require_space(path, len(data) if isinstance(data, bytes) else os.path.getsize(data))
        with open(tmp, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                # Large writes (a USB stick is slow at small ones), through one buffer: less churn in the
                # process's memory than a new 1 MB buffer per chunk (35 mapped and unmapped for a 35 MB file).
                buffer = bytearray(COPY_CHUNK)
                view = memoryview(buffer)
                with open(data, "rb", buffering=0) as source:
                    while count := source.readinto(buffer):
                        fh.write(view[:count])
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))  # the file keeps its permissions
        delay = 0.05
        for attempt in range(8):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                if attempt == 7:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        _fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SaveError(f"保存“{path.name}”失败：{_os_error_text(exc)}。上一次保存的内容仍完好。", path) from None


SPACE_MARGIN = 64 << 10  # room kept free beyond the file itself (file system blocks and metadata)


def _require_space(path: Path, size: int) -> None:
    """Say clearly, before writing anything, when the disk cannot hold the new file beside the old one."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return  # cannot tell: the write itself reports a full disk
    if free < size + SPACE_MARGIN:
        raise SaveError(
            f"磁盘空间不足：保存“{path.name}”需要约 {_mb(size + SPACE_MARGIN)}，所在磁盘只剩 {_mb(free)}。"
            "上一次保存的内容仍完好；请腾出空间（或换一个U盘）后再试。", path)


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


SNAPSHOT_PAGES = 32  # pages the background copy takes per step (0.1 ms); the window's SQL waits for one step at most
STEP_QUIET = 0.002  # a step of the copy starts once the window's thread has not touched the database for this long
STEP_WAIT = 0.006  # or when it has waited this long (the rate of the former 50 ms for steps of 256 pages)
COPY_CHUNK = 1 << 20


class PendingWrite:
    """A committed state of the open file, to be published by a worker thread (``run``).

    Taking one costs the window nothing: the worker copies the database itself.
    """

    def __init__(self, store: "Store", generation: int, expected: tuple | None):
        self.path = store.path
        self.generation = generation
        self._store = store
        self._expected = expected  # the file as we last wrote it; anything else means another program wrote it
        self.signature: tuple | None = None  # the file as this write left it
        self.size = 0  # bytes written
        self.work_seconds = 0.0  # processor time the publish took on its thread

    def run(self) -> None:
        start = time.thread_time()
        try:
            if _signature(self.path) != self._expected:
                raise FileChangedError(self.path)
            self.size = self._store._publish_snapshot()
            self.signature = _signature(self.path)
        finally:
            self.work_seconds = time.thread_time() - start


CHECK_LATER_BYTES = 1 << 20  # from this size on, Store.open(check_later=True) checks the file's integrity after opening


class _LaterCheck:
    """The integrity check of a file that opened without it (``Store.open(check_later=True)``).

    It runs on a thread of its own with a connection of its own, read-only, to the file on disk: the open
    file's in-memory connection (shared by the window and the save worker) is never touched, and no second
    copy of the file is made in memory. What it checks are the bytes that were loaded: the writer lock keeps
    other copies of this program out, nothing is published before the check is over, and the file's
    signature (size, modification time, SQLite change counter) must be the one taken when it was read, before
    and after the check (else it has not passed). Until it has passed the store publishes nothing
    (``_require_checked``); when it fails, nothing read from the file is ever written back.
    """

    def __init__(self, path: Path, signature: tuple | None):
        self.path = path
        self.done = threading.Event()
        self.error: DamagedOnCheckError | None = None
        self._signature = signature
        self._lock = threading.Lock()
        self._callbacks: list = []
        self._thread = threading.Thread(target=self._run, name="desk-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._check()
        except DamagedFileError as exc:
            self.error = DamagedOnCheckError(self.path, exc.detail)
        except sqlite3.DatabaseError as exc:
            self.error = DamagedOnCheckError(self.path, _sqlite_reason(exc))
        except ValueError:
            self.error = DamagedOnCheckError(self.path, "文件内容含有无效的文字编码")
        except BaseException as exc:  # noqa: BLE001 - a check that could not run has not passed
            self.error = DamagedOnCheckError(self.path, f"检查时遇到意外问题：{type(exc).__name__}")
        finally:
            with self._lock:
                self.done.set()
                callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                callback()

    def _check(self) -> None:
        changed = DamagedFileError(self.path, "文件在打开后被其他程序改动，无法确认它是完整的")
        if self._signature is None or _signature(self.path) != self._signature:
            raise changed
        conn = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA trusted_schema=OFF")
            conn.execute("PRAGMA cell_size_check=ON")
            conn.execute("PRAGMA cache_size=-256")  # 256 KiB: the check reads each page about once
            if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                raise DamagedFileError(self.path, "完整性检查未通过")
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise DamagedFileError(self.path, "数据之间的关联不完整")
            _check_row_shapes(conn, self.path)
        finally:
            conn.close()
        if _signature(self.path) != self._signature:
            raise changed

    def when_done(self, callback) -> None:
        """Call ``callback()`` once the check is over: at once when it is, else on the check's thread."""
        with self._lock:
            if not self.done.is_set():
                self._callbacks.append(callback)
                return
        callback()


class Store:
    """An open ``.db`` file. Only this class writes it."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool, readonly_reason: str = ""):
        self.path = Path(path)
        self._conn = conn
        self.readonly = readonly
        self.readonly_reason = readonly_reason
        self._lock: WriterLock | None = None
        self._depth = 0
        self._dirty = False
        self._signature: tuple | None = None
        self._closed = False
        # Committed changes so far; a write in flight knows which one it carries.
        self._generation = 0
        # When True, commits only mark the file dirty; the caller writes with
        # pending_write() (off the UI thread) and finish_write().
        self.defer_writes = False
        # Caches of what the database holds; dropped when a transaction rolls back.
        self._unit_codes: set[str] | None = None
        self._positions: dict[str, int] = {}
        self._owner: str | None = None  # the installation that owns the file: the origin of what it creates
        self._snapshot_lock = threading.Lock()  # held while a worker copies the database (close waits for it)
        self._scratch_swept = False
        self._digest_of_row: dict[int, bytes] = {}  # history rows written while open: their descent digests
        self._reading = 0  # reads of tables under way on the owning thread
        self._active_at = 0.0  # when the owning thread last ended a read or a transaction (time.monotonic)
        # A received file: (kind, uid) → its tables as check_rows read and checked them (it is read-only, so they
        # stay true); those it vouched for from their rows (checks.plain_projects) are read when asked for.
        self.checked_tables: dict[tuple[str, str], Project | DepartmentPlan] | None = None
        self.checked_digests: dict[str, str] = {}
        self.copyable: set[str] = set()  # projects stored exactly as save_project writes them, checked from their rows
        self.non_text = True  # whether a projects' or indicators' text column holds anything else (checks)
        self._image: bytes | None = None  # a received file: the bytes that were checked (None after a migration)
        self._receiving: Store | None = None  # a merge: the received file whose checked image is attached as recv

        self._later_check: _LaterCheck | None = None  # the integrity check still running after open

    # ------------------------------------------------------------ opening

    @classmethod
    def create(cls, path, *, unit: Unit, year: int, role: str = "office", overwrite: bool = False) -> "Store":
        """A new file for ``unit`` and ``year``; ``role`` "consolidated" for a supervisor's file that receives."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise StoreError(f"文件“{path}”已存在，未覆盖。", path)
        if not path.parent.is_dir():
            raise StoreError(f"文件夹“{path.parent}”不存在。", path)
        _validate_unit(unit)
        conn = _connect_memory()
        conn.execute("BEGIN")
        for version in sorted(schema.MIGRATIONS):
            schema.MIGRATIONS[version](conn)
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={current_version()}")
        me = identity.installation()
        meta = {
            "owner_id": me.id,
            "owner_name": me.name,
            "created_at": now_iso(),
            "created_by": f"desk {__version__}",
            "unit_code": unit.code,
            "year": str(int(year)),
            "role": role if role in ROLES else "office",
        }
        conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", list(meta.items()))
        conn.execute("INSERT INTO units(code, name) VALUES (?, ?)", (unit.code, unit.name))
        if current_version() >= 4:
            conn.execute("UPDATE units SET origin = ?", (me.id,))  # the file's own unit is its owner's
        conn.execute("COMMIT")
        store = cls(path, conn, readonly=False)
        store._lock = WriterLock(path)
        if not store._lock.acquire():
            conn.close()
            raise FileBusyError(path, store._lock.holder())
        try:
            store._dirty = True
            store._publish(new_file=True)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open(cls, path, *, readonly: bool | None = None, take_over: bool = False,
             check_later: bool = False) -> "Store":
        """Open a file. ``readonly=None`` decides: someone else's file, one being
        edited elsewhere, or a read-only file opens read-only (see ``readonly_reason``).

        The writer lock is taken before the file is read, so what is read is
        what no one else is writing; a read-only file is never written.

        ``check_later`` (the window): a file of CHECK_LATER_BYTES or more opens after its schema and tables are
        checked, and its integrity check (PRAGMA integrity_check, foreign keys) runs on a thread of its own;
        nothing is written until it has passed (``checked``, ``when_checked``), and a failure makes the store
        read-only (``check_failure``). A file that must be migrated or taken over is checked first, as always.
        """
        path = Path(path)
        if not path.exists():
            raise FileMissingError(path)
        lock, reason = None, ""
        if readonly is not True:
            lock, reason, holder = _writer_lock(path)
            if lock is None and readonly is False:
                if holder is not None:
                    raise FileBusyError(path, holder)
                raise ReadOnlyError(path, reason)
        try:
            data, header, conn, later = _read_ours(path, later=check_later and not take_over)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        supported = current_version()
        owner_id, owner_name = _owner(conn, path)
        me = identity.installation()
        foreign = owner_id != me.id
        if foreign and lock is not None and not take_over:
            lock.release()
            lock = None
            if readonly is False:
                conn.close()
                raise ForeignOwnerError(path, owner_name or "未知")
            reason = f"这是在另一台电脑上创建的文件（{owner_name or '未知'}）"
        elif readonly:
            reason = "按只读方式打开"
        signature = _signature(path)
        if later and (signature is None or signature[0] != len(data) or data[24:28] != signature[2]):
            later = False  # the file changed while it was read: check what was read, now
            try:
                conn.close()
                conn = _load_image(path, data)
            except BaseException:
                if lock is not None:
                    lock.release()
                raise
        if header.user_version == supported:
            del data  # (not kept while a large file's check runs; a migration needs them for its backup)
        store = cls(path, conn, readonly=lock is None, readonly_reason=reason)
        store._lock = lock
        if later:
            store._later_check = _LaterCheck(path, signature)
        elif header.user_version == supported:
            try:
                _check_row_shapes(conn, path)
            except BaseException:
                store.close()
                raise
        if lock is not None:
            _remove_orphan_temp_files(path)
        store._signature = signature
        try:
            if header.user_version < supported:
                store._migrate(data, header.user_version)
            if lock is not None and take_over and foreign:
                earlier = sorted(store.owner_ids() - {me.id, ""})
                with store.transaction():
                    store._set_meta({"owner_id": me.id, "owner_name": me.name, "taken_over_at": now_iso(),
                                     "previous_owners": json.dumps(earlier)})
                store._owner = me.id
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_received(cls, path, limits: Limits = LIMITS) -> "Store":
        """A file another installation sent (a supervisor merging it): hostile until checked.

        Opened read-only from a copy in memory; its schema is compared with the
        one its version declares before any row is read; every row is then
        read through bounded checks (sizes, counts, amounts, history, digests)
        within ``limits.seconds``. Nothing is ever written to it.
        """
        path = Path(path)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            raise FileMissingError(path) from None
        except OSError as exc:
            raise StoreError(f"无法读取文件“{path}”：{_os_error_text(exc)}", path) from None
        if size > limits.file_bytes:
            raise HostileFileError(path, f"文件有 {size / 2**20:.0f} MB，超过了 {limits.file_bytes // 2**20} MB 的上限")
        data, header, conn, _ = _read_ours(path, seconds=limits.seconds)
        supported = current_version()
        store = cls(path, conn, readonly=True, readonly_reason="收到的文件")
        store.sha256 = hashlib.sha256(data).hexdigest()  # of exactly the bytes that were checked
        store._image = data
        try:
            if header.user_version < supported:
                store._image = None
                store._migrate(data, header.user_version)
            check_rows(store, limits)
        except BaseException:
            store.close()
            raise
        return store

    def _migrate(self, original: bytes, from_version: int) -> None:
        target = current_version()
        backup = None
        if not self.readonly:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            backup = self.path.with_name(f"{self.path.stem}.备份-v{from_version}-{stamp}{self.path.suffix}")
            try:
                write_file_atomically(backup, original)
            except SaveError as exc:
                raise MigrationError(self.path, target, f"无法写入备份文件（{exc}）") from None
        conn = self._conn
        conn.execute("BEGIN")
        try:
            for version in range(from_version + 1, target + 1):
                schema.MIGRATIONS[version](conn)
            if from_version < 4 <= target:
                self._fill_origins()
            if from_version < 5 <= target:
                self._fill_numbers()
            self._fill_digests()  # what the digest covers may have grown with the schema
            conn.execute(f"PRAGMA user_version={target}")
            conn.execute("COMMIT")
        except Exception as exc:
            conn.execute("ROLLBACK")
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
            raise MigrationError(self.path, target, str(exc)) from None
        self.migrated_from = from_version
        self.backup_path = backup
        if not self.readonly:
            self._dirty = True
            self._publish()

    def _fill_numbers(self) -> None:
        """Schema 5: each table's number is its place among its unit's tables of the year, as the file orders them."""
        rows = self._conn.execute("SELECT uid, unit_code, year FROM projects ORDER BY position, rowid").fetchall()
        seen: dict[tuple[str, int], int] = {}
        for uid, unit_code, year in rows:
            seen[(unit_code, year)] = seen.get((unit_code, year), 0) + 1
            self._conn.execute("UPDATE projects SET number = ? WHERE uid = ?", (seen[(unit_code, year)], uid))

    def _fill_digests(self) -> None:
        for table, items in (("projects", self.projects()), ("departments", self.departments())):
            self._conn.executemany(f"UPDATE {table} SET digest = ? WHERE uid = ?",
                                   [(content_digest(item), item.uid) for item in items])

    def _fill_origins(self) -> None:
        """Schema 4 on a file from before: what this file's owner made is its own; what a consolidated file
        received has no known origin yet (its next received file records one)."""
        conn = self._conn
        meta = self.meta()
        owner = meta.get("owner_id", "")
        conn.execute("UPDATE units SET origin = ? WHERE code = ?", (owner, meta.get("unit_code", "")))
        if self.role() == "office":
            conn.execute("UPDATE units SET origin = ?", (owner,))
        conn.execute("UPDATE projects SET origin = ? WHERE uid NOT IN (SELECT uid FROM received_items)", (owner,))
        conn.execute("UPDATE departments SET origin = ? WHERE uid NOT IN (SELECT uid FROM received_items)", (owner,))

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            with self._snapshot_lock:
                self._conn.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _require_writable(self) -> None:
        if self._closed:
            raise StoreError("文件已关闭。", self.path)
        if self.readonly or self.checked is False:
            raise ReadOnlyError(self.path, self.readonly_reason)

    # ------------------------------------------------------------ the integrity check after open

    @property
    def checked(self) -> bool | None:
        """Whether the file passed its integrity check: True (also when it ran while opening), None while the
        check that runs after opening (``open(check_later=True)``) is not over, False when it failed — the
        store is then read-only and never writes the file."""
        check = self._later_check
        if check is None:
            return True
        if not check.done.is_set():
            return None
        if check.error is None:
            return True
        if not self.readonly or not self.readonly_reason.startswith("文件已损坏"):
            self.readonly = True
            self.readonly_reason = f"文件已损坏（{check.error.detail or '完整性检查未通过'}），打开后的修改没有写入文件"
        return False

    @property
    def check_failure(self) -> DamagedOnCheckError | None:
        """What the integrity check after opening found (None while it runs or when it passed)."""
        return self._later_check.error if self.checked is False else None

    def when_checked(self, callback) -> None:
        """``callback()`` once the integrity check is over: at once if it is, else on the check's own thread."""
        if self._later_check is None:
            callback()
        else:
            self._later_check.when_done(callback)

    def wait_checked(self, timeout: float | None = None) -> bool | None:
        if self._later_check is not None:
            self._later_check.done.wait(timeout)
        return self.checked

    def _require_checked(self) -> None:
        """Nothing reaches the disk before the file's integrity check has passed (waits for it)."""
        check = self._later_check
        if check is None:
            return
        check.done.wait()
        if check.error is not None:
            raise check.error

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Store"]:
        """All writes inside reach the disk together, or not at all."""
        self._require_writable()
        outer = self._depth == 0
        before = self._conn.total_changes
        self._depth += 1
        try:
            if outer:
                try:
                    with self._atomic():
                        yield self
                except sqlite3.DatabaseError as exc:
                    self._unit_codes = None
                    self._positions.clear()
                    self._digest_of_row.clear()
                    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                        raise DamagedFileError(self.path, _sqlite_reason(exc)) from None  # said, never a crash
                    raise
                except BaseException:
                    self._unit_codes = None
                    self._positions.clear()
                    self._digest_of_row.clear()
                    raise
            else:
                # Inside a transaction: an error propagates and rolls the outer one back whole.
                yield self
        finally:
            self._depth -= 1
            self._active_at = time.monotonic()
        if outer and self._conn.total_changes != before:
            self._dirty = True
            self._generation += 1
            if not self.defer_writes:
                self._publish()

    @property
    def db(self):
        """The open database as a ``sqlite_utils.Database`` (for scripts; imported only when asked for)."""
        import sqlite_utils

        return sqlite_utils.Database(self._conn, execute_plugins=False)

    @contextlib.contextmanager
    def _atomic(self) -> Iterator[None]:
        """BEGIN … COMMIT, rolled back on any error (a savepoint when a transaction is already open)."""
        conn = self._conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT desk_atomic")
            try:
                yield
            except BaseException:
                if conn.in_transaction:  # an error may have ended the transaction already
                    conn.execute("ROLLBACK TO desk_atomic")
                    conn.execute("RELEASE desk_atomic")
                raise
            conn.execute("RELEASE desk_atomic")
            return
        conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def savepoint(self) -> Iterator["Store"]:
        """Inside a transaction: the writes within are undone if it fails, the rest of the transaction stays
        (a merge takes each received file in one)."""
        if self._depth == 0:
            raise StoreError("内部错误：savepoint 只能在事务中使用。", self.path)
        name = f"sp{self._depth}"
        self._conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            self._unit_codes = None
            self._positions.clear()
            self._digest_of_row.clear()
            raise
        else:
            self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def _publish(self, *, new_file: bool = False) -> None:
        if not self._dirty:
            return
        self._require_checked()
        if not new_file and _signature(self.path) != self._signature:
            raise FileChangedError(self.path)
        data = self._conn.serialize()
        write_file_atomically(self.path, data)
        self._signature = _signature(self.path)
        self._dirty = False

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def pending_write(self) -> "PendingWrite | None":
        """The publish of the changes so far, for a worker thread; None when there is nothing to write.

        Only committed states ever reach the disk: the worker's copy waits for an open transaction to end.
        """
        if not self._dirty or self._closed or self._depth > 0 or not self.checked:
            return None  # (nothing is written before the integrity check has passed: when_checked)
        return PendingWrite(self, self._generation, self._signature)

    def _publish_snapshot(self) -> int:
        """On a worker thread: write the last committed state of the database over the file; returns its size."""
        self._require_checked()
        scratch = self._copy_to_scratch()
        if scratch is None:  # no room or no temp folder on the local disk: the copy is made in memory instead
            with self._snapshot_lock:
                self._require_open()
                data = self._conn.serialize()
            write_file_atomically(self.path, data)
            return len(data)
        try:
            write_file_atomically(self.path, scratch)
            return scratch.stat().st_size
        finally:
            with contextlib.suppress(OSError):
                scratch.unlink()

    def _copy_to_scratch(self) -> Path | None:
        """The last committed state, copied with SQLite's online backup into a file in the local temp folder."""
        if not self._scratch_swept:
            self._scratch_swept = True
            _remove_old_scratch_files()
        try:
            fd, name = tempfile.mkstemp(prefix="desk-save-", suffix=".db")
            os.close(fd)
        except OSError:
            return None
        scratch = Path(name)
        try:
            with self._snapshot_lock:
                self._require_open()
                dest = sqlite3.connect(scratch, isolation_level=None)
                try:
                    dest.execute("PRAGMA journal_mode=OFF")
                    dest.execute("PRAGMA synchronous=OFF")
                    # A small cache: each step writes its own pages out, instead of one step in 16 writing 2 MB
                    # while the window's SQL waits for it (1.4 ms against at most 0.3 ms, at 40 MB).
                    dest.execute("PRAGMA cache_size=64")
                    # Steps of a few pages: the window waits for one step at most. A step is refused while the
                    # window has a transaction open, and the window's commits reach the copy as they happen,
                    # so the copy always ends on a committed state.
                    self._conn.backup(dest, pages=SNAPSHOT_PAGES, sleep=0.002, progress=self._between_steps)
                finally:
                    dest.close()
        except (sqlite3.Error, OSError):
            with contextlib.suppress(OSError):
                scratch.unlink()
            return None
        return scratch

    def _between_steps(self, status: int, remaining: int, total: int) -> None:
        """The copy's next step waits while the owning thread reads or writes tables, and until it has been
        quiet for STEP_QUIET: one of its reads or edits makes many calls into SQLite, and a step between them
        makes each wait for the connection (a table's read took 20 ms instead of 0.3 ms at 40 MB with steps
        of 256 pages), and the step's thread competes with it for the processor and the interpreter.

        A step waits STEP_WAIT at most, then goes ahead anyway (it still waits for a transaction itself):
        a long run of reads (the checks of a large file) slows the copy down, but never stops it."""
        now = time.monotonic()
        deadline = now + STEP_WAIT
        while now < deadline:
            if self._reading or self._depth:
                pause = 0.001
            else:
                pause = self._active_at + STEP_QUIET - now
                if pause <= 0:
                    return
            time.sleep(min(pause, deadline - now))
            now = time.monotonic()

    def _require_open(self) -> None:
        if self._closed:
            raise StoreError("文件已关闭。", self.path)

    def finish_write(self, pending: "PendingWrite") -> None:
        """Record that ``pending`` reached the disk (on the thread that owns the store)."""
        self._signature = pending.signature
        if pending.generation == self._generation:
            self._dirty = False

    def flush(self) -> None:
        """Retry writing after a failed save (e.g. the USB stick is back)."""
        self._require_writable()
        self._publish()

    @property
    def unsaved(self) -> bool:
        return self._dirty

    def _set_meta(self, values: dict[str, str]) -> None:
        self._conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)"
                               " ON CONFLICT(key) DO UPDATE SET value = excluded.value", list(values.items()))

    # ------------------------------------------------------------ reading

    def meta(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self._conn.execute("SELECT key, value FROM meta")}

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def unit(self) -> Unit | None:
        """The unit the file was created for."""
        code = self.meta().get("unit_code")
        row = self._conn.execute("SELECT code, name FROM units WHERE code = ?", (code,)).fetchone()
        return Unit(*row) if row else None

    def owner_id(self) -> str:
        """The installation that owns this file (created it or took it over)."""
        if self._owner is None:
            self._owner = self.meta().get("owner_id", "")
        return self._owner

    def owner_ids(self) -> set[str]:
        """The installation that owns the file now and every one that owned it before a take-over."""
        meta = self.meta()
        try:
            earlier = [str(x) for x in json.loads(meta.get("previous_owners", "[]"))]
        except (ValueError, TypeError):
            earlier = []
        return {meta.get("owner_id", "")} | set(earlier)

    def origins(self) -> dict[str, str]:
        """uid → the installation that created the table ("" when not known: a file from before origins)."""
        return dict(self._conn.execute("SELECT uid, origin FROM projects UNION ALL SELECT uid, origin FROM departments"))

    def unit_origins(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT code, origin FROM units"))

    def set_unit_name(self, code: str, name: str) -> None:
        with self.transaction():
            self._conn.execute("UPDATE units SET name = ? WHERE code = ?", (name, code))

    def set_origin(self, uid: str, origin: str) -> None:
        """Record where a table held without a known origin came from (first received from there)."""
        with self.transaction():
            self._conn.execute("UPDATE projects SET origin = ? WHERE uid = ?", (origin, uid))
            self._conn.execute("UPDATE departments SET origin = ? WHERE uid = ?", (origin, uid))

    def damaged(self, items: list | None = None) -> list[tuple[str, str, str]]:
        """(kind, uid, name) of every table whose stored content does not match its digest:
        changed outside the program (a flipped byte, an edit in a SQLite tool). ``items``: the file's
        tables when the caller has them loaded already."""
        stored = self.stored_digests()
        if items is None:
            items = [*self.projects(), *self.departments()]
        return [("project" if isinstance(item, Project) else "department", item.uid,
                 item.name or getattr(item, "code", "") or "（未命名）")
                for item in items if stored.get(item.uid) != content_digest(item)]

    def role(self) -> str:
        """"consolidated" for a file that receives offices' files, else "office".

        Files made before the role was recorded: a consolidated file had the
        unit code 汇总 or has received files.
        """
        meta = self.meta()
        if meta.get("role") in ROLES:
            return meta["role"]
        received = self._conn.execute("SELECT 1 FROM received_files LIMIT 1").fetchone()
        return "consolidated" if meta.get("unit_code") == "汇总" or received else "office"

    def year(self) -> int | None:
        value = self.meta().get("year")
        return int(value) if value and value.isdigit() else None

    def units(self) -> list[Unit]:
        with self._readable("单位列表"):
            return [Unit(*row) for row in self._conn.execute("SELECT code, name FROM units ORDER BY code")]

    def project_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM projects").fetchone()[0]

    def checked_digest(self, uid: str) -> str | None:
        """The content digest of a received file's table, checked against its content by check_rows (else None)."""
        return self.checked_digests.get(uid) if self.checked_tables is not None else None

    def received_entries(self) -> list[tuple[str, str, str, str, str, int]]:
        """(kind, uid, unit code, name, 项目编码, revision) of every table of a received file, projects first, each
        in the file's order (without reading the tables; ``received_table`` reads one)."""
        with self._readable("项目表"):
            return [("project", *row) for row in self._conn.execute(
                "SELECT uid, unit_code, name, code, revision FROM projects ORDER BY position, rowid")] + [
                ("department", *row) for row in self._conn.execute(
                    "SELECT uid, unit_code, name, '', revision FROM departments ORDER BY position, rowid")]

    def received_table(self, kind: str, uid: str) -> Project | DepartmentPlan | None:
        """One table of a received file, as its checks read it (read now when they vouched for it at once)."""
        found = (self.checked_tables or {}).get((kind, uid))
        if found is not None:
            return found
        return self.project(uid) if kind == "project" else self.department(uid)

    def image(self) -> bytes:
        """A received file's content as checked: its bytes, or after a migration the migrated database."""
        return self._image if self._image is not None else self._conn.serialize()

    def project_keys(self) -> list["ProjectKey"]:
        """uid, unit, year, 项目编码 and name of every project, in the file's order (without loading the tables)."""
        with self._readable("项目表"):
            return [ProjectKey(*row) for row in self._conn.execute(
                "SELECT uid, unit_code, year, code, name FROM projects ORDER BY position, rowid")]

    def projects(self) -> list[Project]:
        return self._load_projects("", ())

    def projects_except(self, uids) -> list[Project]:
        """Every project but those of ``uids``, in the file's order."""
        if not uids:
            return self.projects()
        if len(uids) >= self.project_count():
            return []
        return self._load_projects("WHERE uid NOT IN (SELECT value FROM json_each(?))", (json.dumps(list(uids)),))

    def project(self, uid: str) -> Project | None:
        found = self._load_projects("WHERE uid = ?", (uid,))
        return found[0] if found else None

    def find_projects(self, key: str) -> list[Project]:
        """Projects whose uid or 项目编码 is ``key``."""
        return self._load_projects("WHERE uid = ? OR code = ?", (key, key))

    def project_summaries(self) -> list[ProjectSummary]:
        """What the list shows of every project, in the file's order, without reading their indicators."""
        make = ProjectSummary._make
        with self._readable("项目表"):
            # The columns shown are of the types the list expects (a file edited outside the program is damaged,
            # said now, as when the whole tables were read): checked by SQLite in one pass.
            if self._conn.execute(
                    "SELECT 1 FROM projects WHERE typeof(budget_total) NOT IN ('integer', 'null')"
                    " OR typeof(year) != 'integer' OR typeof(number) != 'integer' OR typeof(uid) != 'text'"
                    " OR typeof(unit_code) != 'text' OR typeof(form) != 'text' OR typeof(code) != 'text'"
                    " OR typeof(name) != 'text' OR typeof(money_unit) != 'text' OR typeof(finalized_at) != 'text'"
                    " OR typeof(finalized_by) != 'text' OR typeof(carried_from) != 'text' LIMIT 1").fetchone():
                raise ValueError("summary column types")
            return [make(row) for row in self._conn.execute(
                "SELECT uid, unit_code, year, form, code, name, money_unit, budget_total, finalized_at,"
                " finalized_by, number, carried_from FROM projects ORDER BY position, rowid")]

    def stored_digests(self) -> dict[str, str]:
        """uid → the content digest each table was saved with (``damaged`` compares them with the content)."""
        return dict(self._conn.execute("SELECT uid, digest FROM projects UNION ALL SELECT uid, digest FROM departments"))

    def _load_projects(self, where: str, params: tuple) -> list[Project]:
        with self._readable("项目表"):
            return self._read_projects(where, params)

    @contextlib.contextmanager
    def _readable(self, what: str) -> Iterator[None]:
        """Rows that cannot be turned into tables (a file edited outside the program) are a damaged file,
        said in Chinese, never a crash."""
        self._reading += 1  # the save worker's copy waits between its steps (see _copy_to_scratch)
        try:
            yield
        except (sqlite3.DataError, sqlite3.OperationalError, ValueError, TypeError, KeyError, ArithmeticError,
                RecursionError, zlib.error, InputError) as exc:
            detail = "含有无效的文字编码" if "decode" in str(exc) else "内容不符合本程序的格式"
            raise DamagedFileError(self.path, f"{what}{detail}") from None
        finally:
            self._reading -= 1
            self._active_at = time.monotonic()

    def _read_projects(self, where: str, params: tuple) -> list[Project]:
        rows = self._conn.execute(
            f"SELECT uid, unit_code, year, form, code, name, money_unit, budget_total, budget_fiscal,"
            f" budget_other, usage, plan_scheme, plan_points, goals, finalized_at, finalized_by, number, extra,"
            f" carried_from, revision, updated_at FROM projects {where} ORDER BY position, rowid",
            params,
        ).fetchall()
        if not rows:
            return []
        by_uid: dict[str, list[Indicator]] = {row[0]: [] for row in rows}
        if len(rows) == 1:
            ind_rows = self._conn.execute(
                f"SELECT project_uid, {', '.join(INDICATOR_COLUMNS)} FROM indicators"
                " WHERE project_uid = ? ORDER BY position", (rows[0][0],))
        elif where:  # the indicators of those projects only
            ind_rows = self._conn.execute(
                f"SELECT project_uid, {', '.join(INDICATOR_COLUMNS)} FROM indicators"
                f" WHERE project_uid IN (SELECT uid FROM projects {where}) ORDER BY project_uid, position", params)
        else:
            ind_rows = self._conn.execute(
                f"SELECT project_uid, {', '.join(INDICATOR_COLUMNS)} FROM indicators ORDER BY project_uid, position")
        for r in ind_rows:
            if r[0] in by_uid:
                by_uid[r[0]].append(Indicator(*r[1:]))
        result = []
        for (uid, unit_code, year, form, code, name, money_unit, total, fiscal, other, usage,
             scheme, points, goals, finalized_at, finalized_by, number, extra, carried_from, revision,
             updated_at) in rows:
            result.append(Project(
                uid=uid, unit_code=unit_code, year=year, form=form, code=code, name=name,
                money_unit=money_unit,
                budget=Budget(total=from_fen(total), fiscal=from_fen(fiscal), other=from_fen(other)),
                usage=usage,
                plan=SpendingPlan(scheme=scheme, points=tuple(
                    None if p is None else Decimal(p) for p in json.loads(points))),
                goals=tuple(json.loads(goals)),
                indicators=tuple(by_uid[uid]),
                finalized_at=finalized_at, finalized_by=finalized_by,
                number=number, extra=_extra_pairs(json.loads(extra)), carried_from=carried_from,
                revision=revision, updated_at=updated_at,
            ))
        return result

    def departments(self) -> list[DepartmentPlan]:
        return self._load_departments("", ())

    def department(self, uid: str) -> DepartmentPlan | None:
        found = self._load_departments("WHERE uid = ?", (uid,))
        return found[0] if found else None

    def _load_departments(self, where: str, params: tuple) -> list[DepartmentPlan]:
        with self._readable("部门整体表"):
            return self._read_departments(where, params)

    def _read_departments(self, where: str, params: tuple) -> list[DepartmentPlan]:
        rows = self._conn.execute(
            f"SELECT uid, unit_code, year, form, name, money_unit, goals, narrative, finalized_at, finalized_by,"
            f" carried_from, revision, updated_at FROM departments {where} ORDER BY position, rowid", params).fetchall()
        result = []
        for (uid, unit_code, year, form, name, money_unit, goals, narrative, finalized_at, finalized_by, carried_from,
             revision, updated_at) in rows:
            tasks = tuple(
                DepartmentTask(name=n, content=c, total=from_fen(t), fiscal=from_fen(f), other=from_fen(o))
                for n, c, t, f, o in self._conn.execute(
                    "SELECT name, content, total, fiscal, other FROM department_tasks"
                    " WHERE department_uid = ? ORDER BY position", (uid,))
            )
            indicators = tuple(
                Indicator(*r) for r in self._conn.execute(
                    f"SELECT {', '.join(INDICATOR_COLUMNS)} FROM department_indicators"
                    " WHERE department_uid = ? ORDER BY position", (uid,))
            )
            n = json.loads(narrative)
            result.append(DepartmentPlan(
                uid=uid, unit_code=unit_code, year=year, form=form, name=name, money_unit=money_unit,
                tasks=tasks, goals=tuple(json.loads(goals)), indicators=indicators,
                narrative=Narrative(
                    overall=n.get("overall", ""),
                    sub_goals=tuple(SubGoal(**s) for s in n.get("sub_goals", [])),
                    measures=tuple(n.get("measures", [])),
                ),
                finalized_at=finalized_at, finalized_by=finalized_by, carried_from=carried_from,
                revision=revision, updated_at=updated_at,
            ))
        return result

    # ------------------------------------------------------------ history

    def history(self, uid: str) -> list[HistoryEntry]:
        """The revisions kept whole, oldest first (older ones survive only as digests: history_digests)."""
        return [
            HistoryEntry(*row) for row in self._conn.execute(
                "SELECT kind, uid, revision, saved_at, action, note FROM history WHERE uid = ? AND action != ?"
                " ORDER BY id", (uid, DIGESTS))
        ]

    def history_digests(self, uid: str) -> list[tuple[bytes, str]]:
        """(descent digest, action) of every revision ever recorded for ``uid``, oldest first: the reduced ones
        (action "") and then those kept whole."""
        out: list[tuple[bytes, str]] = []
        with self._readable("历史记录"):
            for kind, action, blob in self._conn.execute(
                    "SELECT kind, action, snapshot FROM history WHERE uid = ? ORDER BY action != ?, id",
                    (uid, DIGESTS)):
                if action == DIGESTS:
                    out.extend((blob[i:i + DIGEST_BYTES], "") for i in range(0, len(blob), DIGEST_BYTES))
                else:
                    out.append((descent_digest(_snapshot(kind, blob)), action))
        return out

    def carried_version(self, uid: str) -> Project | DepartmentPlan | None:
        """The table as it was carried in from last year's file (its indicators as last year's), or None."""
        row = self._conn.execute(
            "SELECT kind, snapshot FROM history WHERE uid = ? AND action = 'carry' ORDER BY id LIMIT 1",
            (uid,)).fetchone()
        if row is None:
            return None
        with self._readable("历史记录"):
            return _snapshot(*row)

    def load_revision(self, uid: str, revision: int) -> Project | DepartmentPlan:
        row = self._conn.execute(
            "SELECT kind, snapshot FROM history WHERE uid = ? AND revision = ? AND action != ? ORDER BY id DESC"
            " LIMIT 1", (uid, revision, DIGESTS)).fetchone()
        if row is None:
            raise StoreError(f"找不到该表的第 {revision} 版历史记录（较早的版本只保留了校验值，不能恢复）。", self.path)
        with self._readable("历史记录"):
            return _snapshot(*row)

    def restore(self, uid: str, revision: int) -> Project | DepartmentPlan:
        """Make an earlier revision current again (as a new revision)."""
        old = self.load_revision(uid, revision)
        note = f"恢复到第 {revision} 版"
        if isinstance(old, Project):
            return self.save_project(old, action="restore", note=note)
        return self.save_department(old, action="restore", note=note)

    def _record(self, kind: str, item, action: str, note: str) -> None:
        snapshot = project_to_dict(item) if kind == "project" else department_to_dict(item)
        blob = zlib.compress(json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)
        hid = self._conn.execute(
            "INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot) VALUES (?,?,?,?,?,?,?)",
            (kind, item.uid, item.revision, item.updated_at, action, note, blob)).lastrowid
        # Its digest now, from the dict at hand: reducing it later then needs no decoding (that took 2 ms a row).
        self._digest_of_row[hid] = descent_digest_of(snapshot, kind)
        self._compact_if_due(item.uid)

    def _compact_if_due(self, uid: str) -> None:
        whole = self._conn.execute("SELECT count(*) FROM history WHERE uid = ? AND action != ?",
                                   (uid, DIGESTS)).fetchone()[0]
        if whole > KEEP_FULL + COMPACT_EVERY:
            self.compact_history(uid)

    def compact_history(self, uid: str, *, now: datetime.datetime | None = None) -> int:
        """Reduce the revisions of ``uid`` no longer kept whole to their digests; returns how many."""
        rows = self._conn.execute(
            "SELECT id, kind, saved_at, action FROM history WHERE uid = ? AND action != ? ORDER BY id",
            (uid, DIGESTS)).fetchall()
        keep = {r[0] for r in rows[-KEEP_FULL:]} | {r[0] for r in rows if r[3] in KEPT_ACTIONS}
        now = now or datetime.datetime.now(datetime.timezone.utc)
        last_of_day: dict[str, int] = {}
        for hid, _, saved_at, _ in rows:
            try:
                when = datetime.datetime.fromisoformat(saved_at)
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=datetime.timezone.utc)
            if (now - when).days <= KEEP_DAYS:
                last_of_day[saved_at[:10]] = hid
        keep |= set(last_of_day.values())
        reduce = [(hid, kind) for hid, kind, _, _ in rows if hid not in keep]
        if not reduce:
            return 0
        with self._readable("历史记录"):
            digests = b"".join(self._digest_of_row.pop(hid, None) or descent_digest(_snapshot(kind, self._conn.execute(
                "SELECT snapshot FROM history WHERE id = ?", (hid,)).fetchone()[0])) for hid, kind in reduce)
        self._add_digests(uid, reduce[0][1], digests)
        self._conn.executemany("DELETE FROM history WHERE id = ?", [(hid,) for hid, _ in reduce])
        return len(reduce)

    def prepare_compaction(self, uid: str, seconds: float = 0.002) -> bool:
        """In idle time: the descent digests of the revisions of ``uid`` that its next compactions will reduce,
        worked out ahead, so the edit that compacts finds them at hand. A revision written before the file was
        opened has to be decoded for it (0.3–0.5 ms each: an edit compacting 11 of them took 4 ms more).

        Works for about ``seconds``; returns True when nothing is left to do for ``uid``. Only committed rows
        are read (never inside a transaction): a history row's id is never used again for other content
        (AUTOINCREMENT; only compaction deletes rows, and it drops their digests), so a digest kept here stays
        the one compact_history would work out. A row that cannot be decoded is left to compact_history, which
        says so as before."""
        if self._depth or self._closed:
            return False
        rows = self._conn.execute("SELECT id, kind, action FROM history WHERE uid = ? AND action != ? ORDER BY id",
                                  (uid, DIGESTS)).fetchall()
        # The revisions leaving the last KEEP_FULL within the next COMPACT_EVERY + 1 edits.
        due = [(hid, kind) for hid, kind, action in rows[:max(0, len(rows) + COMPACT_EVERY + 1 - KEEP_FULL)]
               if action not in KEPT_ACTIONS and hid not in self._digest_of_row]
        deadline = time.perf_counter() + seconds
        for n, (hid, kind) in enumerate(due):
            if n and time.perf_counter() >= deadline:
                return False
            row = self._conn.execute("SELECT snapshot FROM history WHERE id = ?", (hid,)).fetchone()
            try:
                with self._readable("历史记录"):
                    self._digest_of_row[hid] = descent_digest(_snapshot(kind, row[0]))
            except DamagedFileError:
                return True
        return True

    def _add_digests(self, uid: str, kind: str, digests: bytes) -> None:
        """Append digests to the table's one packed row (made when there is none); known ones are not repeated."""
        row = self._conn.execute("SELECT id, snapshot FROM history WHERE uid = ? AND action = ?",
                                 (uid, DIGESTS)).fetchone()
        held = bytes(row[1]) if row else b""
        known = {held[i:i + DIGEST_BYTES] for i in range(0, len(held), DIGEST_BYTES)}
        fresh = b"".join(d for d in (digests[i:i + DIGEST_BYTES] for i in range(0, len(digests), DIGEST_BYTES))
                         if d not in known)
        packed = held + fresh
        note = f"{len(packed) // DIGEST_BYTES} 个较早的版本只保留了校验值"
        if row is None:
            self._conn.execute(
                "INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot) VALUES (?,?,?,?,?,?,?)",
                (kind, uid, 0, "", DIGESTS, note, packed))
        else:
            self._conn.execute("UPDATE history SET snapshot = ?, note = ? WHERE id = ?", (packed, note, row[0]))

    # ------------------------------------------------------------ writing

    def add_unit(self, unit: Unit, *, rename: bool = True, origin: str | None = None) -> None:
        """Add a unit (its origin: ``origin``, default this file's owner); ``rename`` a held one to its name."""
        _validate_unit(unit)
        with self.transaction():
            row = self._conn.execute("SELECT name FROM units WHERE code = ?", (unit.code,)).fetchone()
            if row is None:
                self._conn.execute("INSERT INTO units(code, name, origin) VALUES (?, ?, ?)",
                                   (unit.code, unit.name, origin if origin is not None else self.owner_id()))
                if self._unit_codes is not None:
                    self._unit_codes.add(unit.code)
            elif rename and row[0] != unit.name and unit.name:
                self._conn.execute("UPDATE units SET name = ? WHERE code = ?", (unit.name, unit.code))

    def _require_unit(self, code: str) -> None:
        if self._unit_codes is None:
            self._unit_codes = {r[0] for r in self._conn.execute("SELECT code FROM units")}
        if code not in self._unit_codes:
            raise InputError(f"单位编码“{code}”不在本文件的单位列表中")

    def _last_revision(self, table: str, uid: str) -> int:
        """The highest revision this file has seen for ``uid`` (live row or history)."""
        return self._conn.execute(
            f"SELECT max(coalesce((SELECT revision FROM {table} WHERE uid = ?), 0),"
            " coalesce((SELECT max(revision) FROM history WHERE uid = ?), 0))", (uid, uid)).fetchone()[0]

    def _stamped(self, table: str, item, keep_stamp: bool, mirror: bool = False, last: int | None = None):
        """``item`` with the revision and time it is saved under.

        ``mirror`` (merging an office's file): keep the office's revision and
        time when they are ahead of this file's.
        """
        if last is None:
            last = self._last_revision(table, item.uid)
        if mirror and item.revision > last:
            return item
        if last == 0:
            # First time this file sees it: keep the revision it brings.
            stamp = item.updated_at if keep_stamp and item.updated_at else now_iso()
            return replace(item, revision=max(item.revision, 1), updated_at=stamp)
        return replace(item, revision=last + 1, updated_at=now_iso())

    def save_project(self, project: Project, *, action: str = "save", note: str = "",
                     keep_stamp: bool = False, mirror: bool = False, history: list[tuple] | None = None,
                     origin: str | None = None, digest: str | None = None) -> Project:
        """Save a project; returns it with its new revision and time.

        Unchanged content makes no new revision. A new project keeps the
        revision it brings (at least 1); ``keep_stamp`` keeps its updated_at
        (import of a project this file has not seen). ``origin``: the
        installation that created a project new to this file (default: this
        file's owner); an existing project keeps its origin. ``digest``: the
        content digest of ``project`` as given, when the caller knows it
        (a received file's checked table).
        """
        self._require_writable()
        rules.validate_project(project)
        given = project
        with self.transaction():
            self._require_unit(project.unit_code)
            existing = self.project(project.uid)
            if existing is not None and existing.content_key() == project.content_key():
                return existing
            if not project.number:  # a table without a number keeps its own, or gets the next one of its unit and year
                number = existing.number if existing is not None and existing.number else self._next_number(project)
                project = replace(project, number=number)
                if existing is not None and existing.content_key() == project.content_key():
                    return existing
            last = self._last_revision("projects", project.uid)
            saved = self._stamped("projects", project, keep_stamp, mirror, last)
            row = {
                "uid": saved.uid, "unit_code": saved.unit_code, "year": saved.year, "form": saved.form,
                "code": saved.code, "name": saved.name, "money_unit": saved.money_unit,
                "budget_total": to_fen(saved.budget.total), "budget_fiscal": to_fen(saved.budget.fiscal),
                "budget_other": to_fen(saved.budget.other), "usage": saved.usage,
                "plan_scheme": saved.plan.scheme,
                "plan_points": json.dumps([None if p is None else str(p) for p in saved.plan.points]),
                "goals": json.dumps(list(saved.goals), ensure_ascii=False),
                "finalized_at": saved.finalized_at, "finalized_by": saved.finalized_by,
                "number": saved.number, "extra": json.dumps([list(pair) for pair in saved.extra], ensure_ascii=False),
                "carried_from": saved.carried_from,
                "revision": saved.revision, "updated_at": saved.updated_at,
                # saved differs from what was given at most in number, revision and time
                "digest": digest if digest is not None and (saved.number, saved.revision, saved.updated_at) == (
                    given.number, given.revision, given.updated_at) else content_digest(saved),
            }
            if existing is None:
                row["position"] = self._next_position("projects")
                row["origin"] = origin if origin is not None else self.owner_id()
                self._insert("projects", row)
            else:
                self._update("projects", saved.uid, row)
            if existing is not None:
                self._conn.execute("DELETE FROM indicators WHERE project_uid = ?", (saved.uid,))
            self._conn.executemany(
                f"INSERT INTO indicators(project_uid, position, {', '.join(INDICATOR_COLUMNS)})"
                f" VALUES (?, ?, {', '.join('?' for _ in INDICATOR_COLUMNS)})",
                [(saved.uid, i, *_indicator_values(ind))
                 for i, ind in enumerate(saved.indicators)])
            if history is not None and last == 0 and any(h[2] == saved.revision for h in history):
                # a project new to this file, with the history it brings (which holds this revision)
                self._insert_history(history)
            else:
                if history is not None:
                    self.add_history_rows(history)
                self._record("project", saved, action, note)
        return saved

    def attach_received(self) -> None:
        """Make room for received files' checked images beside this file (a merge; before its transaction)."""
        self._conn.execute("ATTACH ':memory:' AS recv")
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS desk_adds (k INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
                           " position INTEGER NOT NULL, origin TEXT NOT NULL)")
        self._receiving = None

    def detach_received(self) -> None:
        self._receiving = None
        self._conn.execute("DROP TABLE IF EXISTS temp.desk_adds")
        self._conn.execute("DETACH recv")

    def copy_received_projects(self, store: "Store", adds: list[tuple[str, str]], received_id: int) -> None:
        """Projects new to this file, copied row for row from a received file, with their history: what
        ``save_project(item, mirror=True, keep_stamp=True, history=theirs, origin=…, digest=…)`` and
        ``note_received`` write for each, in one pass. ``adds``: (uid, origin) in the order they are added.

        Only for tables ``store`` vouched for and holds exactly as save_project writes them (``store.copyable``),
        with a number and a revision, whose history holds that revision, of units held here, and with no
        history in this file (the caller sees to that).
        """
        self._require_writable()
        if not adds:
            return
        conn = self._conn
        with self.transaction():
            self._receive_image(store)
            conn.execute("DELETE FROM temp.desk_adds")
            conn.executemany("INSERT INTO temp.desk_adds(uid, position, origin) VALUES (?, ?, ?)",
                             [(uid, self._next_position("projects"), origin) for uid, origin in adds])
            copied = (*_CONTENT_COLUMNS, "revision", "updated_at", "digest")  # all but position and origin
            conn.execute(f"INSERT INTO projects({', '.join(copied)}, position, origin) SELECT"
                         f" {', '.join('p.' + c for c in copied)}, a.position, a.origin"
                         " FROM temp.desk_adds a JOIN recv.projects p ON p.uid = a.uid ORDER BY a.k")
            conn.execute(f"INSERT INTO indicators(project_uid, position, {', '.join(INDICATOR_COLUMNS)})"
                         f" SELECT i.project_uid, i.position, {', '.join('i.' + c for c in INDICATOR_COLUMNS)}"
                         " FROM temp.desk_adds a JOIN recv.indicators i ON i.project_uid = a.uid ORDER BY a.k, i.position")
            conn.execute("INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot)"
                         " SELECT h.kind, h.uid, h.revision, h.saved_at, h.action, h.note, h.snapshot"
                         " FROM temp.desk_adds a JOIN recv.history h ON h.uid = a.uid ORDER BY a.k, h.id")
            conn.execute("INSERT OR REPLACE INTO received_items(uid, received_id, revision)"
                         " SELECT p.uid, ?, p.revision FROM temp.desk_adds a JOIN recv.projects p ON p.uid = a.uid"
                         " ORDER BY a.k", (received_id,))

    def _receive_image(self, store: "Store") -> None:
        if self._receiving is not store:
            self._conn.deserialize(store.image(), name="recv")  # the bytes that were checked, not the file again
            self._receiving = store

    def same_as_received(self, store: "Store", uids) -> set[str]:
        """Those of ``uids`` (projects held here) whose content the received file holds row for row the same
        (every column a table's content_key covers, and its indicators): nothing to compare further."""
        if not uids:
            return set()
        self._receive_image(store)
        same = " AND ".join(f"a.{c} IS b.{c}" for c in _CONTENT_COLUMNS)
        indicator = f"position, {', '.join(INDICATOR_COLUMNS)}"
        return {r[0] for r in self._conn.execute(
            f"SELECT a.uid FROM recv.projects a JOIN main.projects b ON b.uid = a.uid"
            f" WHERE a.uid IN (SELECT value FROM json_each(?)) AND {same}"
            f" AND NOT EXISTS (SELECT {indicator} FROM recv.indicators WHERE project_uid = a.uid"
            f" EXCEPT SELECT {indicator} FROM main.indicators WHERE project_uid = a.uid)"
            f" AND NOT EXISTS (SELECT {indicator} FROM main.indicators WHERE project_uid = a.uid"
            f" EXCEPT SELECT {indicator} FROM recv.indicators WHERE project_uid = a.uid)", (json.dumps(list(uids)),))}

    def history_uids(self, uids) -> set[str]:
        """Those of ``uids`` that this file's history has revisions of."""
        return {r[0] for r in self._conn.execute(
            "SELECT DISTINCT uid FROM history WHERE uid IN (SELECT value FROM json_each(?))", (json.dumps(list(uids)),))}

    def _next_number(self, project: Project) -> int:
        top = self._conn.execute("SELECT max(number) FROM projects WHERE unit_code = ? AND year = ? AND uid != ?",
                                 (project.unit_code, project.year, project.uid)).fetchone()[0]
        return (top or 0) + 1

    def _insert_history(self, rows: list[tuple]) -> None:
        self._conn.executemany("INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot)"
                               " VALUES (?,?,?,?,?,?,?)", rows)

    def _insert(self, table: str, row: dict) -> None:
        names = ", ".join(row)
        self._conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))

    def _update(self, table: str, uid: str, row: dict) -> None:
        sets = ", ".join(f"{k} = ?" for k in row if k != "uid")
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE uid = ?", (*(v for k, v in row.items() if k != "uid"), uid))

    def _next_position(self, table: str) -> int:
        value = self._positions.get(table)
        if value is None:
            top = self._conn.execute(f"SELECT max(position) FROM {table}").fetchone()[0]
            value = 0 if top is None else top + 1
        self._positions[table] = value + 1
        return value

    def delete_project(self, uid: str, *, note: str = "") -> None:
        self._require_writable()
        with self.transaction():
            existing = self.project(uid)
            if existing is None:
                raise StoreError("要删除的项目不存在。", self.path)
            gone = self._stamped("projects", existing, keep_stamp=False)
            self._record("project", gone, "delete", note)
            self._conn.execute("DELETE FROM projects WHERE uid = ?", (uid,))

    def move_project(self, uid: str, index: int) -> None:
        """Put a project at ``index`` in the file's order."""
        self._require_writable()
        with self.transaction():
            order = [r[0] for r in self._conn.execute("SELECT uid FROM projects ORDER BY position, rowid")]
            if uid not in order:
                raise StoreError("要移动的项目不存在。", self.path)
            order.remove(uid)
            order.insert(max(0, min(index, len(order))), uid)
            self._conn.executemany("UPDATE projects SET position = ? WHERE uid = ?",
                                   [(i, u) for i, u in enumerate(order)])
            self._positions.pop("projects", None)

    def save_department(self, dept: DepartmentPlan, *, action: str = "save", note: str = "",
                        keep_stamp: bool = False, mirror: bool = False, origin: str | None = None,
                        digest: str | None = None) -> DepartmentPlan:
        """As save_project (``digest``: the content digest of ``dept`` as given, when known)."""
        self._require_writable()
        rules.validate_department(dept)
        with self.transaction():
            self._require_unit(dept.unit_code)
            existing = self.department(dept.uid)
            if existing is not None and existing.content_key() == dept.content_key():
                return existing
            saved = self._stamped("departments", dept, keep_stamp, mirror)
            n = saved.narrative
            row = {
                "uid": saved.uid, "unit_code": saved.unit_code, "year": saved.year, "form": saved.form,
                "name": saved.name, "money_unit": saved.money_unit,
                "goals": json.dumps(list(saved.goals), ensure_ascii=False),
                "narrative": json.dumps({
                    "overall": n.overall,
                    "sub_goals": [{"title": s.title, "goal": s.goal, "indicators": s.indicators}
                                  for s in n.sub_goals],
                    "measures": list(n.measures),
                }, ensure_ascii=False),
                "finalized_at": saved.finalized_at, "finalized_by": saved.finalized_by,
                "carried_from": saved.carried_from,
                "revision": saved.revision, "updated_at": saved.updated_at,
                "digest": digest if digest is not None and (saved.revision, saved.updated_at) == (
                    dept.revision, dept.updated_at) else content_digest(saved),
            }
            if existing is None:
                row["position"] = self._next_position("departments")
                row["origin"] = origin if origin is not None else self.owner_id()
                self._insert("departments", row)
            else:
                self._update("departments", saved.uid, row)
            self._conn.execute("DELETE FROM department_tasks WHERE department_uid = ?", (saved.uid,))
            self._conn.executemany(
                "INSERT INTO department_tasks(department_uid, position, name, content, total, fiscal, other)"
                " VALUES (?,?,?,?,?,?,?)",
                [(saved.uid, i, t.name, t.content, to_fen(t.total), to_fen(t.fiscal), to_fen(t.other))
                 for i, t in enumerate(saved.tasks)])
            self._conn.execute("DELETE FROM department_indicators WHERE department_uid = ?", (saved.uid,))
            self._conn.executemany(
                f"INSERT INTO department_indicators(department_uid, position, {', '.join(INDICATOR_COLUMNS)})"
                f" VALUES (?, ?, {', '.join('?' for _ in INDICATOR_COLUMNS)})",
                [(saved.uid, i, *_indicator_values(ind))
                 for i, ind in enumerate(saved.indicators)])
            self._record("department", saved, action, note)
        return saved

    # ------------------------------------------------------------ the office's own 指标库 entries

    def library(self) -> tuple[list[LibraryEntry], set[tuple[str, ...]]]:
        """The entries the office added to its 指标库, and the keys of entries it removed from the list."""
        raw = self.meta().get(LIBRARY_KEY)
        if not raw:
            return [], set()
        try:
            data = json.loads(raw)
            own = [LibraryEntry(**{k: str(e.get(k, ""))[:LIBRARY_TEXT] for k in LIBRARY_FIELDS}, count=1,
                                year=int(e.get("year", 0) or 0), source=ORIGIN_LABELS[OWN], origin=OWN)
                   for e in data.get("own", [])[:LIBRARY_ENTRIES] if isinstance(e, dict)]
            hidden = {entry_key(*(str(x) for x in h)) for h in data.get("hidden", [])[:LIBRARY_ENTRIES * 4]
                      if isinstance(h, list) and len(h) == len(LIBRARY_FIELDS)}
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
            raise StoreError("本文件中本单位添加的指标库条目已损坏，未能读出（表格内容不受影响）。", self.path) from None
        return own, hidden

    def save_library(self, own: list[LibraryEntry], hidden: set[tuple[str, ...]]) -> None:
        self._require_writable()
        if len(own) > LIBRARY_ENTRIES or len(hidden) > LIBRARY_ENTRIES * 4:
            raise InputError(f"指标库中本单位的条目不能超过 {LIBRARY_ENTRIES} 条。")
        data = {"own": [{k: getattr(e, k) for k in (*LIBRARY_FIELDS, "year")} for e in own],
                "hidden": sorted(list(h) for h in hidden)}
        with self.transaction():
            self._set_meta({LIBRARY_KEY: json.dumps(data, ensure_ascii=False, sort_keys=True)})

    def delete_department(self, uid: str, *, note: str = "") -> None:
        self._require_writable()
        with self.transaction():
            existing = self.department(uid)
            if existing is None:
                raise StoreError("要删除的部门整体绩效目标表不存在。", self.path)
            gone = self._stamped("departments", existing, keep_stamp=False)
            self._record("department", gone, "delete", note)
            self._conn.execute("DELETE FROM departments WHERE uid = ?", (uid,))

    # ------------------------------------------------------------ received files (supervisors)

    def reviews(self) -> dict[str, Review]:
        with self._readable("审核意见"):
            return {r[0]: Review(*r) for r in self._conn.execute(
                "SELECT uid, status, comment, reviewer, reviewed_at, revision FROM reviews")}

    def save_review(self, review: Review) -> None:
        """Record 审核意见; the table itself (content, revision) is not touched."""
        if review.status not in REVIEW_STATUSES:
            raise InputError(f"审核状态只能是：{'、'.join(REVIEW_STATUSES)}")
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO reviews(uid, status, comment, reviewer, reviewed_at, revision)"
                " VALUES (?,?,?,?,?,?)",
                (review.uid, review.status, review.comment, review.reviewer, review.reviewed_at, review.revision))

    def uids(self) -> set[str]:
        """The uids of every project and department table in the file."""
        return {r[0] for r in self._conn.execute("SELECT uid FROM projects UNION ALL SELECT uid FROM departments")}

    def history_rows(self, uid: str) -> list[tuple]:
        return self._conn.execute(
            "SELECT kind, uid, revision, saved_at, action, note, snapshot FROM history WHERE uid = ? ORDER BY id",
            (uid,)).fetchall()

    def add_history_rows(self, rows: list[tuple]) -> None:
        """Copy history rows from another file (revisions this file has not seen)."""
        with self.transaction():
            touched = set()
            for row in rows:
                if row[4] == DIGESTS:  # their reduced revisions join this file's packed row for the table
                    self._add_digests(row[1], row[0], bytes(row[6]))
                    continue
                seen = self._conn.execute("SELECT 1 FROM history WHERE uid = ? AND revision = ? AND snapshot = ?",
                                          (row[1], row[2], row[6])).fetchone()
                if seen is None:
                    self._conn.execute("INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot)"
                                       " VALUES (?,?,?,?,?,?,?)", row)
                    touched.add(row[1])
            for uid in touched:
                self._compact_if_due(uid)

    def record_received(self, name: str, sha256: str) -> int:
        with self.transaction():
            cur = self._conn.execute("INSERT INTO received_files(name, sha256, received_at) VALUES (?,?,?)",
                                     (name, sha256, now_iso()))
            return cur.lastrowid

    def note_received(self, uid: str, received_id: int, revision: int) -> None:
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO received_items(uid, received_id, revision) VALUES (?,?,?)",
                               (uid, received_id, revision))

    def received_uids(self) -> set[str]:
        """The tables that came to this file from an office's file (read-only here)."""
        return {r[0] for r in self._conn.execute("SELECT DISTINCT uid FROM received_items")}

    def received_from(self) -> dict[str, tuple[str, str]]:
        """uid → (file name, received at) of the latest received file that brought it."""
        rows = self._conn.execute(
            "SELECT i.uid, f.name, f.received_at FROM received_items i JOIN received_files f ON f.id = i.received_id"
            " ORDER BY f.id").fetchall()
        return {uid: (name, at) for uid, name, at in rows}

    def add_conflict(self, item, source: str) -> None:
        kind = "project" if isinstance(item, Project) else "department"
        snapshot = project_to_dict(item) if kind == "project" else department_to_dict(item)
        blob = zlib.compress(json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)
        with self.transaction():
            self._conn.execute("INSERT INTO conflicts(kind, uid, source, detected_at, snapshot) VALUES (?,?,?,?,?)",
                               (kind, item.uid, source, now_iso(), blob))

    def resolve_conflict(self, conflict_id: int) -> tuple | None:
        """Remove a settled conflict; returns its row, for ``reopen_conflict`` (undo)."""
        with self.transaction():
            row = self._conn.execute("SELECT id, kind, uid, source, detected_at, snapshot FROM conflicts WHERE id = ?",
                                     (conflict_id,)).fetchone()
            self._conn.execute("DELETE FROM conflicts WHERE id = ?", (conflict_id,))
        return row

    def reopen_conflict(self, row: tuple) -> None:
        """Put back a conflict that ``resolve_conflict`` removed (same id, same received version)."""
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO conflicts(id, kind, uid, source, detected_at, snapshot)"
                               " VALUES (?,?,?,?,?,?)", row)

    def conflicts(self) -> list[tuple[int, str, object]]:
        """(id, source file, the received version) of unresolved conflicts."""
        out = []
        with self._readable("冲突记录"):
            for cid, kind, source, blob in self._conn.execute(
                    "SELECT id, kind, source, snapshot FROM conflicts ORDER BY id"):
                out.append((cid, source, _snapshot(kind, blob)))
        return out

    # ------------------------------------------------------------ copies

    def export_copy(self, out) -> Path:
        """Write a compacted single-file copy (导出副本给上级), checked, renamed into place."""
        out = Path(out)
        if out.resolve() == self.path.resolve():
            raise StoreError("副本不能与原文件同名同位置。", out)
        if not out.parent.is_dir():
            raise StoreError(f"文件夹“{out.parent}”不存在。", out)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            self._conn.execute("VACUUM INTO ?", (str(tmp),))
            check = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
            try:
                result = check.execute("PRAGMA integrity_check").fetchall()
                app_id = check.execute("PRAGMA application_id").fetchone()[0]
            finally:
                check.close()
            if result != [("ok",)] or app_id != APPLICATION_ID:
                raise StoreError(f"副本检查未通过（{result[0][0] if result else '无结果'}），未生成副本。", out)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, out)
            _fsync_dir(out.parent)
        except OSError as exc:
            raise SaveError(f"导出副本“{out.name}”失败：{_os_error_text(exc)}", out) from None
        except sqlite3.Error as exc:
            raise SaveError(f"导出副本“{out.name}”失败：{exc}", out) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return out


# ---------------------------------------------------------------- helpers

def _read_ours(path: Path, seconds: float | None = None,
               later: bool = False) -> tuple[bytes, FileHeader, sqlite3.Connection, bool]:
    """Read a file and load it into memory, refusing what is not ours, from a newer version, or damaged.

    ``later``: a large file of the current version is loaded without its integrity check, which the caller
    runs afterwards (the last value returned says whether it must).
    """
    data = _read_file(path)
    header = parse_header(path, data[:100])
    if header.application_id != APPLICATION_ID:
        raise ForeignFileError(path)
    if header.user_version > current_version():
        raise NewerVersionError(path, header.user_version, current_version())
    later = later and len(data) >= CHECK_LATER_BYTES and header.user_version == current_version()
    return data, header, _load_image(path, data, seconds, thorough=not later), later


def _load_image(path: Path, data: bytes, seconds: float | None = None, *, thorough: bool = True) -> sqlite3.Connection:
    """Deserialize the file into memory and check it thoroughly.

    The schema is compared with the one its version declares before
    anything else runs on it (views, triggers, generated columns never do);
    ``seconds`` bounds the integrity check of a file from elsewhere.
    ``thorough=False`` leaves out the integrity and foreign-key checks (the caller runs them: _LaterCheck).
    """
    conn = _connect_memory()
    try:
        conn.deserialize(data)
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("PRAGMA cell_size_check=ON")
        check_schema(conn, parse_header(path, data[:100]).user_version, path)
        conn.execute("PRAGMA foreign_keys=ON")
        if seconds is not None:
            deadline = time.monotonic() + seconds
            conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall() if thorough else [("ok",)]
        finally:
            conn.set_progress_handler(None, 0)
        if result != [("ok",)]:
            raise DamagedFileError(path, "完整性检查未通过")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = REQUIRED_TABLES - tables
        if missing:
            raise DamagedFileError(path, "缺少数据表 " + "、".join(sorted(missing)))
        if thorough and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise DamagedFileError(path, "数据之间的关联不完整")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DamagedFileError(path, _sqlite_reason(exc)) from None
    except ValueError:  # text that is not UTF-8 where the file's structure is read
        conn.close()
        raise DamagedFileError(path, "文件内容含有无效的文字编码") from None
    except DamagedFileError:
        conn.close()
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _check_row_shapes(conn: sqlite3.Connection, path: Path) -> None:
    """The project rows the window reads only when a table is shown or checked are of the shape this program
    writes (JSON lists, amounts in 分, text columns), so a file edited outside the program is refused as
    damaged when it is opened (or by its check after opening), not when a table is clicked."""
    text = ("level1", "level2", "name", "description", "comparator", "value", "unit", "basis", "text")
    bad = conn.execute(
        "SELECT 1 FROM projects WHERE NOT (json_valid(plan_points) AND json_type(plan_points) = 'array'"
        " AND json_valid(goals) AND json_type(goals) = 'array' AND json_valid(extra) AND json_type(extra) = 'array')"
        " OR typeof(budget_fiscal) NOT IN ('integer', 'null') OR typeof(budget_other) NOT IN ('integer', 'null')"
        " OR typeof(usage) != 'text' OR typeof(revision) != 'integer' OR typeof(updated_at) != 'text' LIMIT 1"
    ).fetchone() or conn.execute(
        "SELECT 1 FROM indicators WHERE " + " OR ".join(f"typeof({c}) != 'text'" for c in text) + " LIMIT 1"
    ).fetchone()
    if bad:
        raise DamagedFileError(path, "项目表内容不符合本程序的格式")


def _read_only_reason(path: Path) -> str:
    """Why the program may not replace ``path`` ("" when it may): a read-only file or folder."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        return "文件是只读的（文件属性为只读，或没有写入权限）"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "文件所在的文件夹不能写入（可能是只读的U盘或网络文件夹）"
    return ""


def _writer_lock(path: Path) -> tuple[WriterLock | None, str, str | None]:
    """The writer lock of ``path``, taken before anything is read.

    Returns (lock, "", None), or (None, why not, who holds it when another writer does).
    """
    why = _read_only_reason(path)
    if why:
        return None, why, None
    lock = WriterLock(path)
    try:
        taken = lock.acquire()
    except OSError:
        return None, "文件所在的文件夹不能写入（可能是只读的U盘或网络文件夹）", None
    if not taken:
        holder = lock.holder()
        busy = "文件正在另一个窗口或另一台电脑上编辑"
        return None, f"{busy}（{holder}）" if holder else busy, holder
    return lock, "", None


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileMissingError(path) from None
    except IsADirectoryError:
        raise NotSQLiteError(path) from None
    except OSError as exc:
        raise StoreError(f"无法读取文件“{path}”：{_os_error_text(exc)}", path) from None


def _sqlite_reason(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "interrupted" in text:
        return "检查文件超过了时间限制（文件过大或结构异常）"
    if "malformed" in text:
        return "数据库结构损坏"
    if "not a database" in text:
        return "文件内容不是有效的数据库"
    return "数据库无法读取"


def _extra_pairs(value) -> tuple[tuple[str, str], ...]:
    """The extra header rows of a project as stored: a list of [label, text] pairs of text, nothing else."""
    if not isinstance(value, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in value):
        raise ValueError("extra")
    return tuple((label, text) for label, text in value)


def _snapshot(kind: str, blob: bytes) -> Project | DepartmentPlan:
    """A table as a history or conflict row holds it (compressed JSON)."""
    data = json.loads(zlib.decompress(blob).decode("utf-8"))
    return project_from_dict(data) if kind == "project" else department_from_dict(data)


def _owner(conn: sqlite3.Connection, path: Path) -> tuple[str, str]:
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('owner_id', 'owner_name')").fetchall())
    except sqlite3.DatabaseError:
        conn.close()
        raise DamagedFileError(path, "文件的基本信息无法读取") from None
    return str(rows.get("owner_id", "")), str(rows.get("owner_name", ""))


def _remove_orphan_temp_files(path: Path) -> None:
    """Temp files of a save that was cut off (crash, power cut); we hold the lock, so none is in use."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _remove_old_scratch_files() -> None:
    """Scratch copies left in the temp folder by a save that was cut off (or held by a virus scanner when it
    ended); an hour old, so no running save still uses them."""
    cutoff = time.time() - 3600
    with contextlib.suppress(OSError):
        for old in Path(tempfile.gettempdir()).glob("desk-save-*.db"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()


def _signature(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, head[24:28])


def _validate_unit(unit: Unit) -> None:
    if not unit.code.strip():
        raise InputError("单位编码不能为空")
    if not unit.name.strip():
        raise InputError("单位名称不能为空")

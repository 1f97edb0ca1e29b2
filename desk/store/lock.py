"""One writer per file: an OS lock on a hidden sidecar file.

The lock is released by the operating system when the process ends, so a
crash never leaves a file locked. The sidecar holds who has it open, for the
message a second opener sees.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def holder_name() -> str:
    import getpass  # only when writing: reading and printing start without it

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - any failure: fall back to a neutral name
        user = "用户"
    return f"{user}@{_host_name()}"


def _host_name() -> str:
    """The computer's name, as socket.gethostname() gives it (on Linux and macOS read from os.uname(), the same
    name, without importing socket: about 4 ms of the window's start-up)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def lock_path_for(path: Path) -> Path:
    return path.with_name(f".~{path.name}.lock")


class WriterLock:
    def __init__(self, path: Path):
        self.path = lock_path_for(path)
        self._fh = None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it."""
        for _ in range(5):
            fh = open(self.path, "a+b")
            try:
                if not _try_lock(fh):
                    fh.close()
                    return False
                # The file may have been unlinked by the previous holder
                # between our open and our lock: make sure we locked the one
                # that is on disk now.
                try:
                    same = os.path.samestat(os.fstat(fh.fileno()), os.stat(self.path))
                except FileNotFoundError:
                    same = False
                if not same:
                    _unlock(fh)
                    fh.close()
                    continue
                fh.seek(0)
                fh.truncate()
                fh.write(f"{holder_name()} pid={os.getpid()}\n".encode("utf-8"))
                fh.flush()
                self._fh = fh
                _hide(self.path)
                return True
            except OSError:
                fh.close()
                raise
        return False

    def holder(self) -> str:
        try:
            text = self.path.read_text("utf-8", errors="replace").strip()
        except OSError:
            return ""
        return text.split(" pid=")[0]

    def release(self) -> None:
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            if sys.platform != "win32":
                # Unlink while still holding the lock; see acquire().
                try:
                    self.path.unlink()
                except OSError:
                    pass
            _unlock(fh)
        finally:
            fh.close()
        if sys.platform == "win32":
            try:
                self.path.unlink()
            except OSError:
                pass

    @property
    def held(self) -> bool:
        return self._fh is not None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh) -> bool:
        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fh) -> None:
        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

    def _hide(path: Path) -> None:
        try:
            import ctypes

            ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)  # FILE_ATTRIBUTE_HIDDEN
        except Exception:  # noqa: BLE001 - cosmetic only
            pass

else:
    import fcntl

    def _try_lock(fh) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fh) -> None:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        except OSError:
            pass

    def _hide(path: Path) -> None:
        pass

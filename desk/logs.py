"""The log files in the user's data folder: details users never see on screen.

``desk.log`` holds errors with their tracebacks. ``crash.log`` receives the
Python stack of every thread when the process dies in native code (a Qt or
driver crash), through ``faulthandler``; it is a separate file because the
rotating log is renamed while the program runs, which Windows refuses for a
file that another handle keeps open.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import time
from pathlib import Path

from desk import __version__, paths
from desk.errors import shown

_configured: Path | None = None  # the log file the handler writes to
_crash_file = None  # kept open for the life of the process: faulthandler writes to its descriptor


class SafeFormatter(logging.Formatter):
    """Log lines never carry terminal escapes or bidi overrides from people's text (see desk.errors.shown)."""

    def format(self, record: logging.LogRecord) -> str:  # noqa: A003 - logging's name
        return shown(super().format(record))


def log_path() -> Path:
    return paths.user_data_dir() / "desk.log"


def crash_log_path() -> Path:
    return paths.user_data_dir() / "crash.log"


def setup() -> logging.Logger:
    """The "desk" logger, writing to desk.log in the user's data folder (followed if that folder changes)."""
    global _configured
    logger = logging.getLogger("desk")
    path = log_path()
    if _configured != path:
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        from logging.handlers import RotatingFileHandler  # (socket, pickle…: loaded when first logging)

        try:
            handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        _configured = path
    return logger


def enable_crash_trace() -> Path | None:
    """Write the stack of every thread to crash.log if the process dies in native code."""
    global _crash_file
    path = crash_log_path()
    if _crash_file is None:
        try:
            if path.exists() and path.stat().st_size > 1_000_000:
                path.replace(path.with_name("crash.old.log"))
            _crash_file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - must stay open
            _crash_file.write(f"--- desk {__version__} pid {os.getpid()} started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            _crash_file.flush()
        except OSError:
            return None
    faulthandler.enable(file=_crash_file, all_threads=True)
    return path


def log_exception(message: str) -> Path:
    setup().exception(message)
    return log_path()

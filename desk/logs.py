"""The log file in the user's data folder: details users never see on screen."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from desk import paths

_configured = False


def log_path() -> Path:
    return paths.user_data_dir() / "desk.log"


def setup() -> logging.Logger:
    global _configured
    logger = logging.getLogger("desk")
    if not _configured:
        try:
            handler = logging.handlers.RotatingFileHandler(
                log_path(), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        _configured = True
    return logger


def log_exception(message: str) -> Path:
    setup().exception(message)
    return log_path()

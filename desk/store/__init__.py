"""The store: the only code that reads and writes the ``.db`` file."""

from desk.store.db import HistoryEntry, Store, read_header, suggest_copy_name, write_file_atomically
from desk.store.errors import (
    DamagedFileError, FileBusyError, FileChangedError, FileMissingError, ForeignFileError,
    ForeignOwnerError, MigrationError, NewerVersionError, NotSQLiteError, ReadOnlyError,
    SaveError, StoreError,
)

__all__ = [
    "DamagedFileError", "FileBusyError", "FileChangedError", "FileMissingError", "ForeignFileError",
    "ForeignOwnerError", "HistoryEntry", "MigrationError", "NewerVersionError", "NotSQLiteError",
    "ReadOnlyError", "SaveError", "Store", "StoreError", "read_header", "suggest_copy_name",
    "write_file_atomically",
]

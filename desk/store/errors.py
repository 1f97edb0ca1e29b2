"""Typed errors for opening and saving ``.db`` files, with Chinese messages."""

from __future__ import annotations

from pathlib import Path

from desk.errors import DeskError


class StoreError(DeskError):
    """Base class for problems with a ``.db`` file."""

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class FileMissingError(StoreError):
    def __init__(self, path):
        super().__init__(f"找不到文件“{path}”。请确认文件位置，或从备份/U盘重新复制。", path)


class NotSQLiteError(StoreError):
    def __init__(self, path):
        super().__init__(
            f"“{Path(path).name}”不是绩效目标表数据文件（不是数据库文件）。"
            "请确认选择的是扩展名为 .db 的文件；Excel 表格请用“导入Excel”。",
            path,
        )


class ForeignFileError(StoreError):
    def __init__(self, path):
        super().__init__(
            f"“{Path(path).name}”是其他软件的数据库文件，不是本程序的绩效目标表文件，未做任何改动。",
            path,
        )


class DamagedFileError(StoreError):
    def __init__(self, path, detail: str = ""):
        extra = f"（{detail}）" if detail else ""
        super().__init__(
            f"文件“{Path(path).name}”已损坏，无法打开{extra}。文件未做任何改动。"
            "请用最近一次的备份或发给上级的副本代替；如需帮助，请保留此文件。",
            path,
        )
        self.detail = detail


class DamagedOnCheckError(DamagedFileError):
    """The integrity check that runs after a large file has opened found it damaged: nothing was written."""

    def __init__(self, path, detail: str = ""):
        StoreError.__init__(
            self,
            f"文件“{Path(path).name}”已损坏（{detail or '完整性检查未通过'}）：打开后的完整性检查没有通过。"
            "为防止损坏扩大，本程序已停止编辑，改为只读；打开以后所做的修改都没有写入文件，文件未做任何改动。"
            "请用最近一次的备份或发给上级的副本代替；如需帮助，请保留此文件。",
            path,
        )
        self.detail = detail


class NewerVersionError(StoreError):
    def __init__(self, path, file_version: int, supported: int):
        super().__init__(
            f"文件“{Path(path).name}”由较新版本的程序保存（数据格式第 {file_version} 版，"
            f"本程序只支持到第 {supported} 版）。请升级本程序后再打开；文件未做任何改动。",
            path,
        )
        self.file_version = file_version
        self.supported = supported


class MigrationError(StoreError):
    def __init__(self, path, version: int, detail: str):
        super().__init__(
            f"升级文件“{Path(path).name}”到数据格式第 {version} 版时出错：{detail}。文件未做任何改动。",
            path,
        )


class FileBusyError(StoreError):
    def __init__(self, path, holder: str = ""):
        who = f"（{holder}）" if holder else ""
        super().__init__(
            f"文件“{Path(path).name}”正在另一个窗口或另一台电脑上编辑{who}，只能只读打开。"
            "请先关闭那边的程序再试。",
            path,
        )
        self.holder = holder


class ForeignOwnerError(StoreError):
    def __init__(self, path, owner: str):
        super().__init__(
            f"文件“{Path(path).name}”是在另一台电脑上创建的（{owner}），为防止误改只能只读打开。"
            "如果这是您自己的文件（例如换了电脑），请用“文件 → 接管此文件”（命令行加 --take-over）。",
            path,
        )
        self.owner = owner


class ReadOnlyError(StoreError):
    def __init__(self, path, reason: str = ""):
        extra = f"：{reason}" if reason else ""
        super().__init__(f"文件“{Path(path).name}”以只读方式打开，不能修改{extra}", path)


class SaveError(StoreError):
    """Writing the file failed; the file on disk still holds the last good save."""


class FileChangedError(SaveError):
    def __init__(self, path):
        super().__init__(
            f"文件“{Path(path).name}”在本程序打开后被其他程序改动、移动或删除。"
            "为避免覆盖别人的修改，本次没有保存；请用“另存为”保存当前内容。",
            path,
        )

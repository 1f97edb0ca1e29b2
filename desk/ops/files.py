"""Files as a whole: create, take over, copy for the supervisor, reading a file the user names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desk.domain.model import Project, Unit
from desk.errors import DeskError
from desk.store import Store, suggest_copy_name
from desk.store.db import ROLES

OFFICE, CONSOLIDATED = ROLES  # an office's own file; a supervisor's file that receives offices' files


def read_input(path: Path) -> bytes:
    """The bytes of a file the user gave us, or one Chinese sentence saying why not."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DeskError(f"找不到文件“{path}”") from None
    except IsADirectoryError:
        raise DeskError(f"“{path}”是文件夹，不是文件") from None
    except OSError as exc:
        raise DeskError(f"无法读取“{path}”：{exc.strerror}") from None


def create_file(path: Path, unit: Unit, year: int, *, role: str = OFFICE) -> Path:
    """A new empty file; ``role`` CONSOLIDATED for a supervisor's 汇总文件."""
    Store.create(Path(path), unit=unit, year=year, role=role).close()
    return Path(path)


def take_over(path: Path) -> None:
    """接管此文件: a file created on another computer becomes this installation's own."""
    Store.open(Path(path), readonly=False, take_over=True).close()


def suggested_name(unit: Unit | None, year: int | None) -> str:
    """A file name for a unit and year, e.g. 439001_玉田县无终街道_2023.db."""
    return suggest_copy_name(unit, year)


def copy_name(path: Path) -> str:
    """The suggested name of 导出副本给上级 for a file, e.g. 439001_玉田县无终街道_2023.db."""
    with Store.open(Path(path), readonly=True) as store:
        return suggest_copy_name(store.unit(), store.year())


def export_copy(path: Path, out: Path | None = None) -> Path:
    """导出副本给上级: a compacted, checked single-file copy (default name beside the working folder)."""
    with Store.open(Path(path), readonly=True) as store:
        target = Path(out) if out else Path.cwd() / suggest_copy_name(store.unit(), store.year())
        return store.export_copy(target)


@dataclass(frozen=True)
class Target:
    """What an import needs to know of the file it goes into (empty for a new file)."""

    projects: tuple[Project, ...] = ()
    unit: Unit | None = None
    year: int | None = None
    received: frozenset[str] = frozenset()
    departments: tuple = ()

    @classmethod
    def of_file(cls, db_path: Path) -> "Target":
        if not Path(db_path).exists():
            return cls()
        with Store.open(db_path, readonly=True) as store:
            return cls(tuple(store.projects()), store.unit(), store.year(), frozenset(store.received_uids()),
                       tuple(store.departments()))

"""Run hostile inputs through the real commands and check what a user would notice.

Every case must end with: no exit 3 (内部错误) and no traceback; a Chinese
message when something was refused; the input's bytes unchanged; the
supervisor's file (for merges) opening cleanly and holding every table it
held before, unchanged; each case within a time budget.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from desk.cli import main
from desk.domain.model import Unit
from desk.io import jsonio
from desk.ops import merge as merge_ops
from desk.store import Store
from tests.helpers import good_project

CJK = re.compile("[\u4e00-\u9fff]")
SECONDS = 5.0
OFFICE_A, OFFICE_B = Unit("439001", "无终街道办事处"), Unit("439002", "玉田镇")
BUREAU = Unit("439000", "玉田县财政局")


@dataclass
class Outcome:
    kind: str
    name: str
    code: int
    seconds: float
    failures: list[str] = field(default_factory=list)


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> Outcome:
        self.outcomes.append(outcome)
        return outcome

    def by_class(self) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = {}
        for o in self.outcomes:
            tried_failed = table.setdefault(o.kind, [0, 0])
            tried_failed[0] += 1
            tried_failed[1] += bool(o.failures)
        return {k: (v[0], v[1]) for k, v in table.items()}

    def failures(self) -> list[str]:
        return [f"{o.kind} / {o.name}: {f}" for o in self.outcomes for f in o.failures]


def sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _common(kind: str, name: str, code: int, out: str, err: str, seconds: float, source: Path,
            source_sha: str | None) -> Outcome:
    outcome = Outcome(kind, name, code, seconds)
    if code == 3:
        outcome.failures.append(f"exit 3: {err.strip()[:200]}")
    if "Traceback" in out + err or "内部错误" in out + err:
        outcome.failures.append("a traceback or 内部错误 was shown")
    if code != 0 and not CJK.search(out + err):
        outcome.failures.append(f"refused without a Chinese message: {(out + err)[:200]!r}")
    if sha(source) != source_sha:
        outcome.failures.append("the input file was changed")
    if seconds > SECONDS:
        outcome.failures.append(f"took {seconds:.1f} s")
    return outcome


# ---------------------------------------------------------------- a supervisor's file and offices' files

def content(path: Path) -> dict[str, tuple]:
    with Store.open(path, readonly=True) as store:
        items = {p.uid: p.content_key() for p in store.projects()}
        items.update({d.uid: d.content_key() for d in store.departments()})
        items.update({f"unit:{u.code}": (u.name,) for u in store.units()})
        return items


def office_file(path: Path, unit: Unit, tables: int = 3) -> Path:
    with Store.create(path, unit=unit, year=2024) as store:
        for i in range(tables):
            p = store.save_project(good_project(unit_code=unit.code, year=2024, code=f"{unit.code}P{i}",
                                                name=f"{unit.name}项目{i}"))
            store.save_project(replace(p, usage=f"第二版用途{i}"))  # some history
    return path


def run_merge(case, supervisor: Path, work: Path, *, allowed_changes: set[str] = frozenset()) -> Outcome:
    """Merge one hostile file into a copy of the supervisor's file."""
    target = work / "汇总.db"
    shutil.copyfile(supervisor, target)
    before = content(target)
    source_sha = sha(case.path)
    start = time.perf_counter()
    code, out, err = cli(["merge", str(target), str(case.path)])
    seconds = time.perf_counter() - start
    outcome = _common(case.kind, case.name, code, out, err, seconds, case.path, source_sha)
    if code not in (0, 1):
        outcome.failures.append(f"merge exited {code}")
    try:
        after = content(target)
    except Exception as exc:  # noqa: BLE001 - a fuzz failure to report, whatever it is
        outcome.failures.append(f"the supervisor's file no longer opens: {exc}")
        return outcome
    for key, value in before.items():
        if key not in after:
            outcome.failures.append(f"the supervisor's file lost {key}")
        elif after[key] != value and key not in allowed_changes:
            outcome.failures.append(f"the supervisor's file changed {key}")
    return outcome


def run_import_xlsx(case, work: Path, command: str = "import-xlsx") -> Outcome:
    target = work / "new.db"
    target.unlink(missing_ok=True)
    source_sha = sha(case.path)
    start = time.perf_counter()
    code, out, err = cli([command, str(case.path), "--db", str(target), "--year", "2024", "--unit-code",
                          "439001", "--unit-name", "无终街道", "--dry-run"])
    outcome = _common(case.kind, case.name, code, out, err, time.perf_counter() - start, case.path, source_sha)
    if target.exists():
        outcome.failures.append("a dry run wrote a file")
    return outcome


def run_import_docx(case, work: Path) -> Outcome:
    return run_import_xlsx(case, work, "import-docx")


def run_import_json(case, work: Path) -> Outcome:
    target = work / "new.db"
    target.unlink(missing_ok=True)
    source_sha = sha(case.path)
    start = time.perf_counter()
    code, out, err = cli(["import-json", str(case.path), "--db", str(target)])
    outcome = _common(case.kind, case.name, code, out, err, time.perf_counter() - start, case.path, source_sha)
    if code != 0 and target.exists():
        outcome.failures.append("a refused import left a file behind")
    if code == 0:
        try:
            with Store.open(target, readonly=True) as store:
                store.projects()
        except Exception as exc:  # noqa: BLE001
            outcome.failures.append(f"the imported file does not open: {exc}")
    return outcome


def json_base() -> dict:
    doc = jsonio.Document(units=(Unit("439001", "玉田县无终街道办事处本级"),), projects=(good_project(),),
                          departments=())
    return json.loads(jsonio.dumps(doc))


def supervisor_file(work: Path) -> tuple[Path, Path, Path]:
    """(the supervisor's consolidated file, office A's file, office B's file); A and B merged in."""
    a = office_file(work / "A.db", OFFICE_A)
    b = office_file(work / "B.db", OFFICE_B)
    supervisor = work / "supervisor.db"
    merge_ops.merge_files(supervisor, [a, b], unit=BUREAU)
    return supervisor, a, b


# ---------------------------------------------------------------- a disk that fills up

@contextlib.contextmanager
def small_disk(folder: Path, kilobytes: int):
    """A tmpfs of ``kilobytes`` mounted at ``folder`` (root only); yields None where it cannot be mounted."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill_until_full(folder: Path, rng) -> Outcome:
    """Save ever more tables into a file on a small disk until it is full: the file stays whole and says so."""
    from desk.domain.model import Indicator
    from desk.store import SaveError

    path = folder / "office.db"
    outcome = Outcome("disk_full", f"{folder.name}", 0, 0.0)
    start = time.perf_counter()
    try:
        Store.create(path, unit=OFFICE_A, year=2024).close()
    except SaveError as exc:
        if "磁盘空间不足" not in str(exc) or path.exists():
            outcome.failures.append(f"creating a file on a full disk: {exc}")
        return outcome
    saved = []
    with Store.open(path) as store:
        for i in range(10_000):
            text = "满" * rng.randrange(500, 5000)
            p = good_project(code=f"F{i}", name=f"第{i}张表", usage=text,
                             indicators=tuple(Indicator("产出指标", "数量指标", f"指标{k}", text[:200], "≥", "1", "个", "依据")
                                              for k in range(rng.randrange(1, 30))))
            try:
                saved.append(store.save_project(p).uid)
            except SaveError as exc:
                if "磁盘空间不足" not in str(exc):
                    outcome.failures.append(f"a full disk was reported as: {exc}")
                break
            except Exception as exc:  # noqa: BLE001 - a fuzz failure to report
                outcome.failures.append(f"{type(exc).__name__}: {exc}")
                break
        else:
            outcome.failures.append("the disk never filled up")
    outcome.seconds = time.perf_counter() - start
    try:
        with Store.open(path, readonly=True) as again:
            held = [p.uid for p in again.projects()]
        if held != saved:
            outcome.failures.append(f"the file holds {len(held)} tables, {len(saved)} were reported saved")
    except Exception as exc:  # noqa: BLE001
        outcome.failures.append(f"the file no longer opens: {exc}")
    leftovers = [p.name for p in folder.iterdir() if p.suffix == ".tmp"]
    if leftovers:
        outcome.failures.append(f"temporary files left behind: {leftovers}")
    return outcome


# ---------------------------------------------------------------- the received file's short cuts, differentially

def verdict(path: Path) -> str:
    """What opening a received file says: "ok", or the refusal word for word."""
    from desk.store import StoreError

    try:
        Store.open_received(path).close()
    except StoreError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def refit_digests(path: Path) -> None:
    """Each table's digest made to fit its rows as they now read (a forger with our program at hand)."""
    from desk.domain.codec import content_digest
    from desk.store import StoreError

    try:
        with Store.open(path, readonly=True) as store:
            digests = [(content_digest(p), p.uid) for p in store.projects()]
    except (StoreError, TypeError, ValueError, ArithmeticError):
        return
    conn = sqlite3.connect(path)
    try:
        conn.executemany("UPDATE projects SET digest = ? WHERE uid = ?", digests)
        conn.commit()
    finally:
        conn.close()


@contextlib.contextmanager
def careful_only():
    """The received file's short cuts off: every table read into objects, every snapshot read back."""
    from desk.store import checks

    saved = checks._is_checked, checks._texts_within, checks.plain_projects
    checks._is_checked = lambda text, project: False
    checks._texts_within = lambda store, limit: False
    checks.plain_projects = lambda store, limits: {}
    try:
        yield
    finally:
        checks._is_checked, checks._texts_within, checks.plain_projects = saved


def run_short_cuts(case) -> list[Outcome]:
    """The hostile file as it is and with its digests refitted: the same verdict with the short cuts and without."""
    outcomes = []
    for refit in (False, True):
        if refit:
            refit_digests(case.path)
        start = time.perf_counter()
        quick = verdict(case.path)
        with careful_only():
            careful = verdict(case.path)
        outcome = Outcome("short_cuts", f"{case.kind}/{case.name}{' refitted' if refit else ''}", 0,
                          time.perf_counter() - start)
        if quick != careful:
            outcome.failures.append(f"short cuts say {quick!r}, the careful way {careful!r}")
        outcomes.append(outcome)
    return outcomes

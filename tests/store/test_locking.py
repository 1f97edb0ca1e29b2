"""Lock, then read: one writer at a time across processes, read-only files stay read-only, full disks are
said before anything is written, and nothing is left behind."""

import os
import stat
import subprocess
import sys
import time
from collections import namedtuple

import pytest

from desk.cli import main
from desk.io import jsonio
from desk.store import ReadOnlyError, SaveError, Store
from desk.store import db as store_db
from desk.store.lock import lock_path_for
from tests.conftest import ROOT
from tests.helpers import UNIT, good_project

DiskUsage = namedtuple("DiskUsage", "total used free")
RACER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
from desk.cli import main
raise SystemExit(main(["import-json", sys.argv[2], "--db", sys.argv[1]]))
"""


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "无终街道.db"
    Store.create(path, unit=UNIT, year=2023).close()
    return path


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_read_only_file_opens_read_only_and_stays_unchanged_and_read_only(db_path, capsys):
    with Store.open(db_path) as store:
        store.save_project(good_project())
    os.chmod(db_path, 0o444)
    before = db_path.read_bytes()
    try:
        with Store.open(db_path) as store:
            assert store.readonly and "只读" in store.readonly_reason
        with pytest.raises(ReadOnlyError, match="文件是只读的"):
            Store.open(db_path, readonly=False)
        doc = jsonio.Document(units=(UNIT,), projects=(good_project(code="NEW1", name="新项目"),), departments=())
        source = db_path.with_name("in.json")
        source.write_text(jsonio.dumps(doc), "utf-8")
        assert main(["import-json", str(source), "--db", str(db_path)]) == 2
        assert "文件是只读的" in capsys.readouterr().err
        assert db_path.read_bytes() == before
        assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o444
        assert leftovers(db_path.parent) == []
    finally:
        os.chmod(db_path, 0o644)


def test_a_file_made_read_only_while_open_is_not_replaced(db_path):
    store = Store.open(db_path)
    try:
        os.chmod(db_path, 0o444)
        before = db_path.read_bytes()
        with pytest.raises(SaveError, match="文件是只读的"):
            store.save_project(good_project())
        assert db_path.read_bytes() == before and stat.S_IMODE(os.stat(db_path).st_mode) == 0o444
    finally:
        os.chmod(db_path, 0o644)
        store.close()


def test_a_save_keeps_the_files_permissions(db_path):
    os.chmod(db_path, 0o600)
    with Store.open(db_path) as store:
        store.save_project(good_project())
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_a_full_disk_is_said_before_anything_is_written(db_path, monkeypatch):
    store = Store.open(db_path)
    try:
        before = db_path.read_bytes()
        monkeypatch.setattr(store_db.shutil, "disk_usage", lambda path: DiskUsage(1 << 30, (1 << 30) - 4096, 4096))
        with pytest.raises(SaveError, match="磁盘空间不足：保存“无终街道.db”需要约 .* KB，所在磁盘只剩 4 KB"):
            store.save_project(good_project())
        assert db_path.read_bytes() == before
        assert [p.name for p in db_path.parent.iterdir() if p.suffix == ".tmp"] == []
    finally:
        store.close()


def test_nothing_is_left_behind_after_a_refused_open(tmp_path):
    broken = tmp_path / "broken.db"
    good = tmp_path / "good.db"
    Store.create(good, unit=UNIT, year=2023).close()
    data = bytearray(good.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    broken.write_bytes(bytes(data))
    with pytest.raises(Exception):
        Store.open(broken, readonly=False)
    assert not lock_path_for(broken).exists() and leftovers(tmp_path) == []


def test_the_lock_is_taken_before_the_file_is_read(db_path, monkeypatch):
    seen = []
    real_read = store_db._read_file

    def read(path):
        seen.append(lock_path_for(path).exists())
        return real_read(path)

    monkeypatch.setattr(store_db, "_read_file", read)
    Store.open(db_path).close()
    assert seen == [True]


def test_two_writers_racing_never_both_succeed_with_one_update_lost(db_path, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for round_ in range(6):
        go = tmp_path / f"go{round_}"
        racers = []
        for k in range(2):
            doc = jsonio.Document(units=(UNIT,), projects=(good_project(code=f"R{round_}K{k}", name=f"第{round_}轮{k}"),),
                                  departments=())
            source = tmp_path / f"in{round_}{k}.json"
            source.write_text(jsonio.dumps(doc), "utf-8")
            racers.append((doc.projects[0].uid, subprocess.Popen(
                [sys.executable, "-c", RACER, str(db_path), str(source), str(go)], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        time.sleep(0.5)
        go.write_text("go")
        results = [(uid, proc.wait(timeout=60), proc.stderr.read()) for uid, proc in racers]
        with Store.open(db_path, readonly=True) as store:
            held = {p.uid for p in store.projects()}
        for uid, code, err in results:
            assert code in (0, 2), err
            if code == 0:
                assert uid in held  # what was reported done is in the file
            else:
                assert "正在另一个窗口或另一台电脑上编辑" in err and uid not in held
        assert any(code == 0 for _, code, _ in results)
    assert leftovers(tmp_path) == []


def test_an_import_while_the_window_opens_the_file_is_never_overwritten(db_path, monkeypatch):
    """The window opens the file; meanwhile a CLI import tries to write it. Before, the window read first and
    locked second, and its next save overwrote the import. Now one of them is told the file is busy."""
    from desk.store import FileBusyError

    real_read = store_db._read_file
    attempts = []

    def read_while_an_import_runs(path):
        data = real_read(path)
        try:
            with Store.open(db_path, readonly=False) as other:  # the CLI import, in the middle of the open
                other.save_project(good_project(code="CLI1", name="命令行导入的项目"))
                attempts.append("imported")
        except FileBusyError:
            attempts.append("busy")
        return data

    monkeypatch.setattr(store_db, "_read_file", read_while_an_import_runs)
    window = Store.open(db_path)
    monkeypatch.undo()
    try:
        window.save_project(good_project(code="GUI1", name="窗口里新建的项目"))
    finally:
        window.close()
    assert attempts == ["busy"]
    with Store.open(db_path, readonly=True) as store:
        assert [p.code for p in store.projects()] == ["GUI1"]


def test_the_lock_names_the_user_and_the_computer_as_before(db_path):
    """The name a second opener reads (and that 定稿 records) is user@host, the host as socket.gethostname()
    gives it, though the window no longer imports socket to find it."""
    import getpass
    import socket

    from desk.store.lock import holder_name

    assert holder_name() == f"{getpass.getuser()}@{socket.gethostname()}"
    store = Store.open(db_path)
    try:
        assert lock_path_for(db_path).read_text("utf-8").startswith(f"{getpass.getuser()}@{socket.gethostname()} pid=")
    finally:
        store.close()

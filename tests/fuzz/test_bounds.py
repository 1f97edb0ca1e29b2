"""The worst files found so far are refused within 5 s and 300 MB (each measured in its own process)."""

import os
import random
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fuzz import corpus, harness

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads a process's peak memory from /proc")


CHILD = """
import sys
from desk.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as fh:  # the peak of this process since it started (not of the parent it forked from)
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(f"PEAK {peak}", file=sys.stderr)
raise SystemExit(code)
"""


def measured(args, env):
    """(exit code, seconds, peak memory in MB, output) of one `desk` command in its own process."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    seconds = time.perf_counter() - start
    peak = int(result.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    return result.returncode, seconds, peak, result.stdout + result.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("bounds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESK_HOME", str(work))
        supervisor, a, b = harness.supervisor_file(work)
    env = dict(os.environ, DESK_HOME=str(work), PYTHONPATH=str(ROOT))
    return work, supervisor, a, env


@pytest.mark.parametrize("name", ["recursive view", "generated column", "generated column in a table of ours"])
def test_a_hostile_schema_is_refused_quickly(world, name):
    work, supervisor, a, env = world
    path = corpus._edit(a, work / f"{name}.db", *corpus.SCHEMA_EDITS[name])
    code, seconds, mb, output = measured(["merge", str(supervisor), str(path)], env)
    assert code == 1 and "数据结构与本程序第" in output, output
    assert seconds < 5 and mb < 300, (seconds, mb)


@pytest.mark.parametrize("name", ["history zip bomb", "history blob far too big", "history nested JSON"])
def test_an_oversized_history_blob_is_refused_quickly(world, name):
    work, supervisor, a, env = world
    sql, params = corpus.ROW_EDITS[name]
    path = corpus._edit(a, work / f"{name}.db", sql, params=[params(random.Random(1))])
    code, seconds, mb, output = measured(["merge", str(supervisor), str(path)], env)
    assert code == 1 and "历史记录第" in output, output
    assert seconds < 5 and mb < 300, (seconds, mb)


def test_an_eleven_kilobyte_workbook_bomb_is_refused_quickly(world):
    work, _, _, env = world
    (case,) = [c for c in corpus.xlsx_bombs(work, random.Random(0), 1)]
    assert case.path.stat().st_size < 11 * 1024
    code, seconds, mb, output = measured(["import-xlsx", str(case.path), "--db", str(work / "x.db"), "--year",
                                          "2024", "--unit-code", "1", "--unit-name", "单位", "--dry-run"], env)
    assert code == 2 and "合并单元格“A1:XFD1048576”超出了" in output, output
    assert seconds < 5 and mb < 300, (seconds, mb)

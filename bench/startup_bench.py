"""Start-up of the window, against a bare PySide6 window measured in the same run.

Spawns whole processes (offscreen) and measures the wall time from spawn to the line READY, which both print
once their event loop runs:
- the floor: ``bench/bare_window.py`` (imports PySide6, shows an empty QMainWindow);
- desk: ``python -m desk FILE --report-ready --quit-after 50`` on files of 500, 1,000 and 5,000 projects of
  10 indicators (the window shows the list at once; the checks run afterwards while it is idle).
And the peak RSS of the process: the bare window's, and desk's at 1,000 projects with every check after
opening finished (``--quit-when-checked``: the window closes once the last badge and the file's integrity
check are in).

Both run from compiled bytecode, as an installed program does (the installer compiles it): the bytecode
goes to a temporary PYTHONPYCACHEPREFIX, written by a first unmeasured run of each.

Reports (bench/common.report): "start-up, 500 projects" against the bare window (target ≤ 2.5×),
"start-up, 5,000 projects" against the 500-project figure (target ≤ 1.5×), "memory, 1,000 projects" against
the bare window's peak RSS (target ≤ 2×). Medians of --repeat N (default 5), the runs interleaved.
Run: python bench/startup_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402

SIZES = (500, 1000, 5000)
BARE = [str(ROOT / "bench" / "bare_window.py")]


def make_file(path: Path, n: int) -> None:
    """``n`` projects of 10 indicators, built in one transaction (the file is written once).

    Run in a process of its own (``--build``): a child's peak RSS as Linux reports it starts from its
    parent's RSS when it was spawned, so this process stays small (it never imports desk).
    """
    from desk.io import jsonio
    from desk.store import Store

    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    with Store.create(path, unit=doc.units[0], year=2023) as store:
        store.defer_writes = True
        with store.transaction():
            for i in range(n):
                p = base[i % len(base)]
                store.save_project(replace(p, uid=f"bench-{i}", name=f"{p.name}（{i + 1}）",
                                           indicators=(p.indicators + p.indicators)[:10]))
        store.defer_writes = False
        store.flush()


def spawn(args: list[str], env: dict, *, until: str = "READY", cwd: Path = ROOT) -> tuple[float, float]:
    """(seconds from spawn to the line READY, peak RSS of the whole process in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    if line.strip() != "READY":
        proc.kill()
        raise SystemExit(f"{' '.join(args)} did not start: {line!r}")
    rest = proc.stdout.read()  # until it quits
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} ended with {proc.returncode}")
    if until != "READY" and until not in rest:
        raise SystemExit(f"{' '.join(args)} did not say {until}: {rest!r}")
    return elapsed, usage.ru_maxrss / 1024  # KB on Linux


def desk_args(path: Path, *extra: str) -> list[str]:
    return ["-m", "desk", str(path), "--report-ready", *extra]


def all_checked(root: Path) -> tuple[str, ...]:
    """The options that keep desk running until every check after opening is over. A desk from before those
    checks (``--root`` of an earlier checkout) checks everything before its window shows: 50 ms suffice."""
    if "--quit-when-checked" in (root / "desk" / "cli.py").read_text("utf-8"):
        return ("--quit-when-checked",)
    return ("--quit-after", "50")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, the median is reported (default 5)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout whose desk is measured (default this one; e.g. an earlier commit "
                             "unpacked with git archive, for a before/after comparison)")
    parser.add_argument("--build", nargs=2, metavar=("FILE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        make_file(Path(args.build[0]), int(args.build[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK_HOME=str(Path(tmp) / "home"),
                   PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        desk_env = dict(env, PYTHONPATH=str(args.root.resolve()))
        until_checked = all_checked(args.root)
        files = {}
        for n in SIZES:
            files[n] = Path(tmp) / f"{n}.db"
            start = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--build", str(files[n]), str(n)], check=True, env=env)
            print(f"built {n} projects ({files[n].stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s",
                  flush=True)
        spawn([*BARE, "--quit-after", "50"], env)  # bytecode written, OS file cache warm
        root = args.root.resolve()  # (python -m desk imports the desk of its working folder first)
        spawn(desk_args(files[500], "--quit-after", "50"), desk_env, cwd=root)
        times: dict[str, list[float]] = {"bare": [], **{str(n): [] for n in SIZES}}
        memory: dict[str, list[float]] = {"bare": [], "1000": []}
        checked: list[float] = []
        for _ in range(args.repeat):
            t, rss = spawn([*BARE, "--quit-after", "50"], env)
            times["bare"].append(t)
            memory["bare"].append(rss)
            for n in SIZES:
                times[str(n)].append(spawn(desk_args(files[n], "--quit-after", "50"), desk_env, cwd=root)[0])
            start = time.perf_counter()
            memory["1000"].append(spawn(desk_args(files[1000], *until_checked), desk_env, cwd=root,
                                        until="CHECKED" if "--quit-when-checked" in until_checked else "READY")[1])
            checked.append(time.perf_counter() - start)
        med = {k: statistics.median(v) for k, v in times.items()}
        mem = {k: statistics.median(v) for k, v in memory.items()}
        print(f"desk at 1,000 projects: {med['1000'] * 1000:.0f} ms to the window, every check done and the window "
              f"closed after {statistics.median(checked):.2f} s", flush=True)
        ok = report("start-up, 500 projects", med["500"], med["bare"], "bare PySide6 window", target=2.5)
        ok &= report("start-up, 5,000 projects", med["5000"], med["500"], "start-up at 500 projects", target=1.5)
        ok &= report("memory, 1,000 projects", mem["1000"], mem["bare"], "bare PySide6 window", target=2.0, unit="MB")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

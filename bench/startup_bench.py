"""Startup to a usable window on a 500-project file (target ≤ 0.8 s).

Spawns `python -m desk FILE.db --report-ready` (offscreen) and measures the
wall time from spawn to the moment the event loop runs with the file open and
the first project shown. Prints the median of 7 runs, and the same for an
empty start for reference. Run: python bench/startup_bench.py
"""

from __future__ import annotations

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

from desk.io import jsonio  # noqa: E402
from desk.store import Store  # noqa: E402


def make_file(path: Path, n: int) -> None:
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    with Store.create(path, unit=doc.units[0], year=2023) as store, store.transaction():
        for i in range(n):
            p = base[i % len(base)]
            store.save_project(replace(p, uid=f"bench-{i}", name=f"{p.name}（{i + 1}）",
                                       indicators=(p.indicators + p.indicators)[:10]))


def time_start(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "desk", *args, "--report-ready", "--quit-after", "50"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait(timeout=60)
    if line.strip() != "READY":
        raise SystemExit(f"the program did not start: {line!r}")
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESK_HOME=tmp, PYTHONPATH=str(ROOT))
        path = Path(tmp) / "500.db"
        make_file(path, 500)
        time_start([], env)  # warm the OS file cache
        empty = statistics.median(time_start([], env) for _ in range(7))
        full = statistics.median(time_start([str(path)], env) for _ in range(7))
        print(f"startup, no file: {empty * 1000:.0f} ms (median of 7)")
        print(f"startup to a usable window, 500 projects × 10 indicators ({path.stat().st_size / 1e6:.1f} MB): "
              f"{full * 1000:.0f} ms (median of 7; target ≤ 800 ms)")


if __name__ == "__main__":
    main()

"""Merging 100 office files of 20 projects each (target < 3 s and ≤ 3× the plain-SQLite floor).

The floor, in the same run: one SQLite file, ATTACH each office file and
INSERT…SELECT the same rows (units, projects, indicators, history). desk's
merge also opens every file read-only with an integrity check, compares by
uid, keeps provenance and writes one atomic file at the end.
Run: python bench/merge_bench.py [--offices 100 --projects 20]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DESK_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from desk.ops import merge as merge_ops  # noqa: E402
from desk.domain.model import Unit  # noqa: E402
from desk.io import jsonio  # noqa: E402
from desk.store import Store  # noqa: E402


def make_offices(folder: Path, offices: int, per: int) -> list[Path]:
    doc = jsonio.loads((ROOT / "resources/demo/yutian-2023.json").read_text("utf-8"))
    base = [p for p in doc.projects if len(p.indicators) >= 7]
    files = []
    for o in range(offices):
        unit = Unit(f"{439100 + o}", f"第{o + 1}街道办事处")
        path = folder / f"{unit.code}.db"
        with Store.create(path, unit=unit, year=2023) as store, store.transaction():
            for i in range(per):
                p = base[i % len(base)]
                store.save_project(replace(p, uid=f"{unit.code}-{i}", unit_code=unit.code, code=f"{unit.code}P{i:03d}",
                                           indicators=(p.indicators + p.indicators)[:10]))
        files.append(path)
    return files


def floor(files: list[Path], target: Path) -> None:
    template = files[0]
    conn = sqlite3.connect(target)
    schema = sqlite3.connect(template).execute("SELECT sql FROM sqlite_master WHERE type='table' AND sql IS NOT NULL"
                                               " AND name NOT LIKE 'sqlite_%'").fetchall()
    for (sql,) in schema:
        conn.execute(sql)
    conn.commit()
    for f in files:
        conn.execute("ATTACH ? AS src", (str(f),))
        conn.execute("INSERT OR IGNORE INTO units SELECT * FROM src.units")
        conn.execute("INSERT INTO projects SELECT * FROM src.projects")
        conn.execute("INSERT INTO indicators SELECT * FROM src.indicators")
        conn.execute("INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot)"
                     " SELECT kind, uid, revision, saved_at, action, note, snapshot FROM src.history")
        conn.commit()
        conn.execute("DETACH src")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make_offices(folder, args.offices, args.projects)
        floors, ours = [], []
        for run in range(3):
            target = folder / f"floor{run}.db"
            start = time.perf_counter()
            floor(files, target)
            floors.append(time.perf_counter() - start)
            out = folder / f"merged{run}.db"
            start = time.perf_counter()
            report = merge_ops.merge_files(out, files)
            ours.append(time.perf_counter() - start)
        f, o = statistics.median(floors), statistics.median(ours)
        print(f"{args.offices} files × {args.projects} projects: plain SQLite ATTACH+INSERT…SELECT {f * 1000:.0f} ms, "
              f"desk merge {o * 1000:.0f} ms = {o / f:.2f}× the floor (targets: < 3 s, ≤ 3×); added {report.added}")


if __name__ == "__main__":
    main()

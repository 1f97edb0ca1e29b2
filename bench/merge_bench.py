"""Merging 100 and 400 office files of 20 tables each (targets: ≤ 3× the plain-SQLite floor; 400 under 3 s).

The floor, in the same run, does the copy and nothing else, the way desk
publishes: an in-memory SQLite database; ATTACH each office file and
INSERT…SELECT the rows desk copies (units, projects, indicators, department
tables, history, and the provenance rows: the received file and what it
brought); then the database written to disk once (serialized, written to a
temporary file, fsync, atomic rename). desk's merge also checks every file
as hostile input (integrity check, schema, limits, digests, history), compares
by uid, applies the ownership rules and finds possible duplicates.
Run: python bench/merge_bench.py [--offices N] [--projects 20] [--repeat 5]
(without --offices: 100 and then 400 offices).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile

from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DESK_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from bench.common import median_time, report  # noqa: E402
from desk.ops import merge as merge_ops  # noqa: E402
from desk.domain.model import Unit  # noqa: E402
from desk.io import jsonio  # noqa: E402
from desk.store import Store  # noqa: E402

SIZES = (100, 400)


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
    """The same rows copied by plain SQLite in memory, published once."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    template = sqlite3.connect(files[0])
    schema = template.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
                              " ORDER BY type = 'index'").fetchall()
    template.close()
    for (sql,) in schema:
        conn.execute(sql)
    for f in files:  # a commit per file costs nothing in memory (DETACH cannot run inside a transaction)
        conn.execute("ATTACH ? AS src", (str(f),))
        conn.execute("BEGIN")
        conn.execute("INSERT OR IGNORE INTO units SELECT * FROM src.units")
        for table in ("projects", "indicators", "departments", "department_tasks", "department_indicators"):
            conn.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
        conn.execute("INSERT INTO history(kind, uid, revision, saved_at, action, note, snapshot)"
                     " SELECT kind, uid, revision, saved_at, action, note, snapshot FROM src.history")
        received = conn.execute("INSERT INTO received_files(name, sha256, received_at) VALUES (?, '', '')",
                                (f.name,)).lastrowid
        conn.execute("INSERT INTO received_items(uid, received_id, revision)"
                     " SELECT uid, ?, revision FROM src.projects UNION ALL SELECT uid, ?, revision FROM src.departments",
                     (received, received))
        conn.execute("COMMIT")
        conn.execute("DETACH src")
    data = conn.serialize()
    conn.close()
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def measure(offices: int, projects: int, repeat: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make_offices(folder, offices, projects)
        runs = iter(range(10**6))
        results = []

        def run_floor():
            floor(files, folder / f"floor{next(runs)}.db")

        def run_desk():
            results.append(merge_ops.merge_files(folder / f"merged{next(runs)}.db", files))

        # alternated, so both see the same load of a shared machine
        floors, ours = [], []
        for _ in range(repeat):
            floors.append(median_time(run_floor, 1))
            ours.append(median_time(run_desk, 1))
        merged = results[-1]
        if merged.added != offices * projects or merged.refused or merged.conflicts or merged.duplicates:
            raise SystemExit(f"merge result unexpected: {merged.summary()}")
        return report(f"merge {offices} offices", statistics.median(ours), statistics.median(floors),
                      "SQLite in memory ATTACH+INSERT…SELECT, one publish", target=3.0,
                      absolute=(3.0, "s") if offices >= 400 else None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=None, help="one size only (default: 100 and 400)")
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = (args.offices,) if args.offices else SIZES
    for n in sizes:
        measure(n, args.projects, args.repeat)


if __name__ == "__main__":
    main()

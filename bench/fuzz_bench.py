"""The fuzz suite, large: thousands of hostile inputs through the real commands.

The same classes and checks as tests/fuzz/test_fuzz.py (tests/fuzz/corpus.py, tests/fuzz/harness.py),
each many times over with other seeds, plus two writers racing on one file and disks that fill up, and
the received file's short cuts checked against the careful way on hostile files (short_cuts).
Prints "N tried, M failed" per class and the slowest case; exits 1 on any failure.

Run: python bench/fuzz_bench.py [--scale 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = {"db_truncated": 30, "db_flipped": 50, "db_schema": 24, "db_rows": 28, "db_cross_office": 12,
        "xlsx_bombs": 18, "docx_bombs": 32, "json_bombs": 60, "racing_writers": 2, "disk_full": 2,
        "short_cuts": 39}  # db_rows and db_flipped files again, each as sent and with its digests refitted
RACER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
from desk.cli import main
raise SystemExit(main(["import-json", sys.argv[2], "--db", sys.argv[1]]))
"""


def race(work: Path, rounds: int, harness):
    """Two processes import into one file at the same moment: never both told it worked with one lost."""
    from desk.io import jsonio
    from desk.store import Store
    from tests.helpers import good_project

    db = work / "raced.db"
    Store.create(db, unit=harness.OFFICE_A, year=2024).close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for r in range(rounds):
        outcome = harness.Outcome("racing_writers", f"round {r}", 0, 0.0)
        go = work / f"go{r}"
        procs = []
        for k in range(2):
            doc = jsonio.Document(units=(harness.OFFICE_A,),
                                  projects=(good_project(code=f"R{r}K{k}", name=f"第{r}轮{k}", unit_code="439001"),),
                                  departments=())
            source = work / f"race{r}{k}.json"
            source.write_text(jsonio.dumps(doc), "utf-8")
            procs.append((doc.projects[0].uid, subprocess.Popen(
                [sys.executable, "-c", RACER, str(db), str(source), str(go)], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        time.sleep(0.3)
        start = time.perf_counter()
        go.write_text("go")
        done = [(uid, p.wait(timeout=120), p.stderr.read()) for uid, p in procs]
        outcome.seconds = time.perf_counter() - start
        with Store.open(db, readonly=True) as store:
            held = {p.uid for p in store.projects()}
        for uid, code, err in done:
            if code == 0 and uid not in held:
                outcome.failures.append("an import reported done is not in the file")
            if code not in (0, 2) or (code == 2 and "正在另一个窗口或另一台电脑上编辑" not in err):
                outcome.failures.append(f"exit {code}: {err.strip()[:200]}")
        if not any(code == 0 for _, code, _ in done):
            outcome.failures.append("neither import worked")
        yield outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="times the CI counts of each class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", choices=list(BASE), help="run these classes only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="desk-fuzz-"))
    os.environ["DESK_HOME"] = str(work)
    from tests.fuzz import corpus, harness

    supervisor, a, b = harness.supervisor_file(work)
    results = harness.Results()
    started = time.perf_counter()
    for kind, base in BASE.items():
        if args.only and kind not in args.only:
            continue
        count = base * args.scale
        rng = random.Random(f"{args.seed}{kind}")
        folder = work / kind
        folder.mkdir()
        kind_start = time.perf_counter()
        if kind in ("db_truncated", "db_flipped", "db_schema", "db_rows"):
            make = getattr(corpus, kind)
            for case in make(a, folder, rng, count):
                results.add(harness.run_merge(case, supervisor, work))
                case.path.unlink()
        elif kind == "short_cuts":  # the received file's short cuts against the careful way, on hostile files
            for make in (corpus.db_rows, corpus.db_flipped):
                for case in make(a, folder, rng, count // 2):
                    for outcome in harness.run_short_cuts(case):
                        results.add(outcome)
                    case.path.unlink()
        elif kind == "db_cross_office":
            for case, mine in corpus.db_cross_office(a, b, folder, rng, count):
                results.add(harness.run_merge(case, supervisor, work, allowed_changes=mine))
                case.path.unlink()
        elif kind == "xlsx_bombs":
            for case in corpus.xlsx_bombs(folder, rng, count):
                results.add(harness.run_import_xlsx(case, work))
                case.path.unlink()
        elif kind == "docx_bombs":
            for case in corpus.docx_bombs(folder, rng, count):
                results.add(harness.run_import_docx(case, work))
                case.path.unlink()
        elif kind == "json_bombs":
            for case in corpus.json_bombs(harness.json_base(), folder, rng, count):
                results.add(harness.run_import_json(case, work))
                case.path.unlink()
        elif kind == "racing_writers":
            for outcome in race(folder, count, harness):
                results.add(outcome)
        elif kind == "disk_full":
            for k in range(count):
                with harness.small_disk(folder / f"disk{k}", rng.choice([256, 384, 512, 1024, 2048])) as disk:
                    if disk is None:
                        print("disk_full: skipped (cannot mount a tmpfs here)")
                        break
                    results.add(harness.fill_until_full(disk, rng))
        tried, failed = results.by_class().get(kind, (0, 0))
        slowest = max((o.seconds for o in results.outcomes if o.kind == kind), default=0.0)
        print(f"{kind:<16} {tried:>6} tried, {failed} failed   (slowest {slowest:.2f} s, "
              f"{time.perf_counter() - kind_start:.0f} s in all)", flush=True)
    total = sum(t for t, _ in results.by_class().values())
    failed = sum(f for _, f in results.by_class().values())
    print(f"{'all':<16} {total:>6} tried, {failed} failed   ({time.perf_counter() - started:.0f} s)")
    shown = {}
    for line in results.failures():  # the first few of each class
        kind = line.split(" / ")[0]
        if shown.get(kind, 0) < 8:
            shown[kind] = shown.get(kind, 0) + 1
            print("  " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""File growth with edits: 10,000 saves of one project, against the same file after 50 saves (the anchor).

Old history revisions are reduced to 16-byte digests (desk/store/db.py, KEEP_FULL), so the file grows with
its tables, by 16 bytes per edit, not by a 0.7 KB snapshot per edit.

    python bench/history_bench.py [--edits 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="sizes do not vary between runs; accepted for run_all")
    args = parser.parse_args()
    from bench.common import report
    from desk.store import Store
    from tests.helpers import UNIT, good_project

    marks = sorted({1, 50, 2_000, args.edits})
    sizes: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.db"
        p = good_project()
        start = time.perf_counter()
        with Store.create(path, unit=UNIT, year=2024) as store:
            store.save_project(p)
            for k in range(1, args.edits + 1):
                store.save_project(replace(store.project(p.uid), usage=f"第 {k} 次修改"))
                if k in marks:
                    sizes[k] = path.stat().st_size
        seconds = time.perf_counter() - start
    anchor = sizes[50]
    print(f"{'edits':>8} {'file':>10} {'ratio to 50 edits':>18}")
    for k in marks:
        print(f"{k:>8} {sizes[k] / 1024:>8.0f} KB {sizes[k] / anchor:>17.2f}×")
    per_edit = (sizes[args.edits] - anchor) / (args.edits - 50)
    print(f"growth: {per_edit:.0f} bytes per edit after the first 50 (a whole snapshot is about 700 bytes); "
          f"{seconds:.1f} s for {args.edits} saves")
    met = report("file size, 2,000 edits of one table", sizes[2_000] / 1e6, anchor / 1e6, "after 50 edits",
                 target=1.5, unit="MB")
    whole = (anchor - sizes[1]) / 49  # the first 50 edits each keep a whole snapshot
    met &= report(f"bytes added per edit, edits 50–{args.edits:,}", per_edit, whole,
                  "a whole snapshot per edit (edits 1–50)", target=0.1, unit="B")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

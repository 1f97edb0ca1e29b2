"""Run every speed and size benchmark and print one table of desk's figures against their floors.

Each benchmark measures its own floor or anchor in the same run (the machine is shared and
noisy) and reports through bench/common.py; this script collects those reports.

    python bench/run_all.py [--repeat 5] [--only save merge ...]

Exits 1 when a target is not met or a benchmark fails. The long soak and the fuzz suite
are not speed ratios and are run on their own (bench/soak_bench.py, bench/fuzz_bench.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCHES = {  # name: the script and its arguments besides --repeat
    "save": ["bench/save_bench.py"],
    "history": ["bench/history_bench.py", "--edits", "10000"],
    "merge": ["bench/merge_bench.py"],
    "print": ["bench/pdf_bench.py"],
    "import": ["bench/xlsx_bench.py"],
    "startup": ["bench/startup_bench.py"],
}


def run(name: str, repeat: int) -> tuple[list[dict], str]:
    script, *extra = BENCHES[name]
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, script, *extra, "--repeat", str(repeat)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    results = [json.loads(line[len("RESULT "):]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    for line in proc.stdout.splitlines():
        if not line.startswith("RESULT "):
            print(f"  [{name}] {line}", file=sys.stderr)
    problem = ""
    if proc.returncode not in (0, 1) or not results:
        problem = f"{name}: exit {proc.returncode}, {len(results)} results\n{proc.stderr[-2000:]}"
    print(f"  [{name}] {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return results, problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="each benchmark takes the median of this many runs")
    parser.add_argument("--only", nargs="*", choices=list(BENCHES))
    args = parser.parse_args()
    rows, problems = [], []
    for name in args.only or BENCHES:
        results, problem = run(name, args.repeat)
        rows += results
        if problem:
            problems.append(problem)
    print("\n| work | desk | floor or anchor (same run) | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    from bench.common import figure
    for r in rows:
        print(f"| {r['work']} | {figure(r['desk'], r['unit'])} | {r['floor_name']}: {figure(r['floor'], r['unit'])} | "
              f"{r['ratio']:.2f}× | {r['target']} | {'yes' if r['met'] else '**no**'} |")
    for problem in problems:
        print(f"\nFAILED {problem}")
    met = all(r["met"] for r in rows) and not problems
    print(f"\n{sum(r['met'] for r in rows)} of {len(rows)} targets met (median of {args.repeat}).")
    return 0 if met else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

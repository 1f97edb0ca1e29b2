"""Measure the store at a realistic size: open, save, size (see bench/README.md)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.domain.model import Budget, Indicator, Project, SpendingPlan, Unit  # noqa: E402
from desk.store import Store  # noqa: E402

UNIT = Unit("439001", "玉田县无终街道办事处本级")


def project(i: int) -> Project:
    return Project(
        unit_code=UNIT.code, year=2023, code=f"13022923P00JXC{i:07d}", name=f"第{i}个项目：城镇社区工作经费",
        budget=Budget(Decimal("770000.00"), Decimal("770000.00"), None), usage="城镇社区工作经费" * 5,
        plan=SpendingPlan("month_end", (Decimal(30), Decimal(60), Decimal(90), Decimal(100))),
        goals=("城镇社区工作稳定开展，服务广大社区居民",),
        indicators=tuple(
            Indicator("产出指标", "数量指标", f"指标{j}", "城市社区综合服务设施数量" * 2, "≥", "25", "个", "社区工作覆盖情况")
            for j in range(10)),
    )


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(path: Path, label: str) -> None:
    def open_and_load():
        with Store.open(path, readonly=True) as s:
            return len(s.projects())

    t_open, count = timed(open_and_load)
    store = Store.open(path)
    first = store.projects()[0]
    n = [0]

    def save():
        n[0] += 1
        store.save_project(replace(first, usage=f"修改 {n[0]}"))

    t_save, _ = timed(save, repeat=20)
    store.close()
    size = os.path.getsize(path)
    print(f"{label}: {count} projects, file {size / 1e6:.2f} MB, "
          f"open+check+load {t_open * 1000:.0f} ms, one save {t_save * 1000:.1f} ms (median)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        with Store.create(path, unit=UNIT, year=2023) as store, store.transaction():
            for i in range(500):
                store.save_project(project(i))
        print(f"create 500 projects in one transaction: {(time.perf_counter() - start) * 1000:.0f} ms")
        measure(path, "fresh")
        with Store.open(path) as store:
            projects = store.projects()
            with store.transaction():
                for k in range(5000):
                    p = projects[k % 500]
                    projects[k % 500] = store.save_project(replace(p, usage=f"第{k}次修改"))
        measure(path, "after 5,000 revisions")


if __name__ == "__main__":
    main()

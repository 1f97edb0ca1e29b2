"""What every benchmark prints: desk's figure, the floor or anchor measured in the same run, their ratio and target.

A benchmark calls ``report`` once per ratio. Besides a line for people, it prints one
``RESULT {json}`` line that ``bench/run_all.py`` collects into its table.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(work: str, desk: float, floor: float, floor_name: str, *, target: float | None, unit: str = "s",
           absolute: tuple[float, str] | None = None) -> bool:
    """Print desk's figure against the floor; ``target`` is the highest ratio allowed.

    ``absolute`` is an extra limit on desk's own figure (value, same unit), e.g. "under 3 s"; with ``target``
    None it is the only one (the ratio is still shown).
    Returns whether the targets are met.
    """
    ratio = desk / floor if floor else float("inf")
    met = (target is None or ratio <= target) and (absolute is None or desk <= absolute[0])
    limits = ([f"≤ {target:g}×"] if target is not None else []) + ([f"≤ {absolute[0]:g} {unit}"] if absolute else [])
    limit = " and ".join(limits)
    print(f"{work}: desk {figure(desk, unit)}, {floor_name} {figure(floor, unit)} = {ratio:.2f}× "
          f"(target {limit}: {'met' if met else 'NOT met'})", flush=True)
    print("RESULT " + json.dumps({
        "work": work, "desk": desk, "floor": floor, "floor_name": floor_name, "unit": unit, "ratio": ratio,
        "target": limit, "met": met}, ensure_ascii=False), flush=True)
    return met


def figure(value: float, unit: str) -> str:
    """A measured value as the tables print it (ms below 10 s, MB with three places below 10 MB…)."""
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MB":
        return f"{value:.1f} MB" if value >= 10 else f"{value:.3f} MB"
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value:g} {unit}"

"""What the benches share: timing a piece of work the same way in every script."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def median_rate(fn: Callable[[], int], repeats: int) -> float:
    """Median items per second of ``fn`` over ``repeats`` runs (``fn`` returns how many
    items it did); the garbage collector runs before each run, not during it."""
    rates = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def p50_ms(action: Callable[[], object], repeat: int, warm: bool = True) -> float:
    """Median milliseconds of ``action`` over ``repeat`` runs (after one unmeasured run
    when ``warm``: the first of a kind builds caches)."""
    if warm:
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

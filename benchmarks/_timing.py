"""Timing helper shared by the benchmark scripts (imported as ``_timing``: the scripts run as
``python benchmarks/<name>.py``, which puts this directory on ``sys.path``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """(minimum wall-clock seconds over ``repeat`` calls of ``fn``, the last result)."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out

"""Helpers shared by the benchmark scripts: paths, timing, memory."""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
GOWALLA = SHARED / "gowalla"
RETAIL_SAMPLE = SHARED / "online-retail-ii" / "online_retail_II_sample.parquet"

# LightGCN's settings in the user's walkthrough of the retail workflow.
WALKTHROUGH = {
    "factors": 64,
    "k_layers": 3,
    "learning_rate": 1e-3,
    "lambda_": 1e-4,
    "iterations": 30,
    "random_state": 42,
}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measured(label: str, results: dict[str, Any]) -> Iterator[None]:
    """Record wall time and peak traced memory (NumPy arrays included) of a block."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[label] = {"seconds": seconds, "peak_mb": peak / 2**20}


def best_of(n: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)

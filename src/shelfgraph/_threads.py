"""One place that sets how many threads BLAS and Numba may use."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import numba
from threadpoolctl import ThreadpoolController, threadpool_limits


def resolve_threads(n_threads: int | None) -> int:
    """``None`` or 0 means every core Numba may use; negative counts from the top."""
    available: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    if n_threads is None or n_threads == 0:
        return available
    if not isinstance(n_threads, int):
        raise ValueError(f"`n_threads` must be an int or None, got {n_threads!r}.")
    if n_threads < 0:
        return max(1, available + 1 + n_threads)
    return min(n_threads, available)


@contextmanager
def thread_limits(n_threads: int | None) -> Iterator[int]:
    """Run the block with ``n_threads`` Numba threads and as many BLAS threads.

    Numba kernels and BLAS calls alternate rather than overlap in shelfgraph,
    so giving each the same count never oversubscribes the cores.
    """
    n = resolve_threads(n_threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield n
    finally:
        numba.set_num_threads(previous)


@functools.cache
def _controller() -> ThreadpoolController:
    # SciPy's BLAS is the one Numba's compiled matrix products call; load it
    # before the controller takes stock of the libraries in the process.
    import scipy.linalg.cython_blas  # noqa: F401

    return ThreadpoolController()


def single_blas_thread() -> AbstractContextManager[Any]:
    """Hold BLAS to one thread, for BLAS calls made inside Numba's threads.

    A kernel running on ``n`` Numba threads that each call BLAS would
    otherwise start ``n`` BLAS thread pools. Cheap to enter (tens of
    microseconds), so kernels can use it on every call.
    """
    return _controller().limit(limits=1, user_api="blas")


def cpu_count() -> int:
    return os.cpu_count() or 1

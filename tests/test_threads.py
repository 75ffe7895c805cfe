"""Thread settings: Numba and BLAS follow n_threads, BLAS inside kernels one."""

import numba
from threadpoolctl import threadpool_info

from shelfgraph._threads import single_blas_thread, thread_limits


def scipy_blas_threads():
    import scipy.linalg.cython_blas  # noqa: F401  (the BLAS Numba calls)

    return {
        lib["filepath"]: lib["num_threads"]
        for lib in threadpool_info()
        if lib["user_api"] == "blas"
    }


def test_thread_limits_set_numba_and_blas_together_and_restore():
    before_numba = numba.get_num_threads()
    before_blas = scipy_blas_threads()
    with thread_limits(1) as n:
        assert n == 1
        assert numba.get_num_threads() == 1
        assert set(scipy_blas_threads().values()) == {1}
    assert numba.get_num_threads() == before_numba
    assert scipy_blas_threads() == before_blas


def test_single_blas_thread_inside_and_restored_after():
    with thread_limits(2):
        outside = scipy_blas_threads()
        with single_blas_thread():
            assert set(scipy_blas_threads().values()) == {1}
            assert numba.get_num_threads() == min(2, numba.config.NUMBA_NUM_THREADS)
        assert scipy_blas_threads() == outside

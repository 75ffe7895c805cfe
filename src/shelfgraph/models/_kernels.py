"""Numba kernels behind the models: sparse products, losses, Adam, top-k.

Every kernel here is a plain function over NumPy arrays, so each can be checked
against a slow NumPy version in the tests. Kernels that add into shared
buffers split their work into a fixed number of blocks, so their sums run in
the same order whatever Numba's thread count (set by the caller).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numba import njit, prange

from .._threads import single_blas_thread


def spmm(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    x: np.ndarray,
    out: np.ndarray,
    total: np.ndarray,
) -> None:
    """Sparse (CSR) times dense: ``out[r] = sum_k data[k] * x[indices[k]]``.

    When ``total`` has rows, ``out`` is also added to it in the same pass;
    pass an array of shape ``(0, d)`` to skip that. ``x`` is float32.
    """
    _spmm_kernel(x.shape[1])(indptr, indices, data, x, out, total)


@functools.cache
def _spmm_kernel(width: int) -> Callable[..., None]:
    """The sparse product compiled for rows of exactly ``width`` columns.

    With the width a compile-time constant, each row's sum stays in
    registers instead of being read and written back for every nonzero,
    which makes the product 1.3-2x faster. Each width compiles once per
    machine (Numba caches it on disk).
    """

    @njit(cache=True, parallel=True, fastmath=True)
    def kernel(indptr, indices, data, x, out, total):
        accumulate = total.shape[0] > 0
        for r in prange(indptr.shape[0] - 1):
            acc = np.zeros(width, dtype=np.float32)
            for k in range(indptr[r], indptr[r + 1]):
                w = data[k]
                j = indices[k]
                for f in range(width):
                    acc[f] += w * x[j, f]
            for f in range(width):
                out[r, f] = acc[f]
            if accumulate:
                for f in range(width):
                    total[r, f] += acc[f]

    return kernel


@njit(cache=True, parallel=True)
def spgemm_dense(
    a_indptr: np.ndarray,
    a_indices: np.ndarray,
    a_data: np.ndarray,
    b_indptr: np.ndarray,
    b_indices: np.ndarray,
    b_data: np.ndarray,
    n_cols: int,
) -> np.ndarray:
    """Sparse times sparse (both CSR) into a dense float32 array.

    Row ``r`` of the result is ``sum_k a_data[k] * B[a_indices[k]]``, added
    up in a dense row: when the product is nearly dense, this skips building
    a sparse result only to densify it.
    """
    n_rows = a_indptr.shape[0] - 1
    out = np.zeros((n_rows, n_cols), dtype=np.float32)
    for r in prange(n_rows):
        for k in range(a_indptr[r], a_indptr[r + 1]):
            w = a_data[k]
            u = a_indices[k]
            for q in range(b_indptr[u], b_indptr[u + 1]):
                out[r, b_indices[q]] += w * b_data[q]
    return out


def sampled_loss_grad(
    fu: np.ndarray,
    fi: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    run_users: np.ndarray,
    run_ptr: np.ndarray,
    pos: np.ndarray,
    weights: np.ndarray,
    group_ptr: np.ndarray,
    neg: np.ndarray,
    loss_kind: int,
    temperature: float,
    bounds: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss over a batch of (user, bought item) pairs and its gradients.

    The batch is grouped by user: run ``r`` is user ``run_users[r]`` with
    bought items ``pos[run_ptr[r]:run_ptr[r + 1]]``. Runs are gathered in
    groups, and the runs ``group_ptr[g]:group_ptr[g + 1]`` all score their
    pairs against the same sampled items ``neg[g]``, leaving out any item the
    run's user bought (``indptr``/``indices``, the purchases in CSR form).
    Sharing makes the sampled items' embeddings a small, cache-resident table
    that many users are scored against, and their gradients are summed in
    that table before one scatter into the item gradient.

    ``loss_kind`` 0 is BPR (He et al. 2020, eq. 15), averaged over the sampled
    items: ``-mean_j log sigmoid(s_ui - s_uj)``. ``loss_kind`` 1 is sampled
    softmax: ``-log(exp(s_ui / t) / (exp(s_ui / t) + sum_j exp(s_uj / t)))``.
    Each pair's loss is multiplied by ``weights[b]``; the total is their sum.
    A run whose user bought every sampled item adds nothing.

    Returns the loss and the gradients with respect to the final user and
    item embeddings ``fu`` and ``fi``. Blocks of groups ``bounds[c]:bounds[c+1]``
    each add item gradients into their own buffer, summed in a fixed order,
    so the result does not depend on the thread count.
    """
    with single_blas_thread():
        return _loss_kernel(
            fu,
            fi,
            indptr,
            indices,
            run_users,
            run_ptr,
            pos,
            weights,
            group_ptr,
            neg,
            loss_kind,
            temperature,
            bounds,
        )


@njit(cache=True, parallel=True, fastmath=True)
def _loss_kernel(
    fu,
    fi,
    indptr,
    indices,
    run_users,
    run_ptr,
    pos,
    weights,
    group_ptr,
    neg,
    loss_kind,
    temperature,
    bounds,
):
    """:func:`sampled_loss_grad`'s work.

    The work that grows with the sampled items is three small matrix
    products per group: the group's user rows against the table of sampled
    items (the scores), and the resulting coefficients back against the
    table and the user rows (the gradients). They go to BLAS, which the
    caller must hold to one thread (each Numba thread makes its own calls);
    the per-pair terms stay in plain loops.
    """
    n_neg = neg.shape[1]
    d = fu.shape[1]
    n_blocks = bounds.shape[0] - 1
    inv_t = np.float32(1.0 / temperature)
    gu = np.zeros(fu.shape, dtype=np.float32)
    gi = np.zeros((n_blocks, fi.shape[0], d), dtype=np.float32)
    losses = np.zeros(n_blocks)
    max_runs = 1
    for grp in range(group_ptr.shape[0] - 1):
        max_runs = max(max_runs, group_ptr[grp + 1] - group_ptr[grp])
    for c in prange(n_blocks):
        table = np.empty((n_neg, d), dtype=np.float32)
        table_grad = np.empty((n_neg, d), dtype=np.float32)
        # Row q of rows, scores, coef and sampled belongs to the group's run
        # q: its user's embedding, its scores against the table, d loss /
        # d score, and its user gradient through the sampled items. own is
        # the current run's user gradient through its bought items.
        rows = np.empty((max_runs, d), dtype=np.float32)
        scores = np.empty((max_runs, n_neg), dtype=np.float32)
        coef = np.empty((max_runs, n_neg), dtype=np.float32)
        sampled = np.empty((max_runs, d), dtype=np.float32)
        own = np.empty(d, dtype=np.float32)
        valid = np.empty(n_neg, dtype=np.bool_)
        # in_table[j] is True while item j is among the group's sampled items.
        in_table = np.zeros(fi.shape[0], dtype=np.bool_)
        for grp in range(bounds[c], bounds[c + 1]):
            first = group_ptr[grp]
            n_runs = group_ptr[grp + 1] - first
            for t in range(n_neg):
                j = neg[grp, t]
                in_table[j] = True
                for f in range(d):
                    table[t, f] = fi[j, f]
            for q in range(n_runs):
                u = run_users[first + q]
                for f in range(d):
                    rows[q, f] = fu[u, f]
            np.dot(rows[:n_runs], table.T, scores[:n_runs])

            for q in range(n_runs):
                r = first + q
                u = run_users[r]
                cq = coef[q]
                sq = scores[q]
                # Leave out sampled items this user bought: a pass over the
                # user's purchases, then a scan of the table on each rare hit.
                valid[:] = True
                for k in range(indptr[u], indptr[u + 1]):
                    j = indices[k]
                    if in_table[j]:
                        for t in range(n_neg):
                            if neg[grp, t] == j:
                                valid[t] = False
                n_valid = 0
                for t in range(n_neg):
                    n_valid += valid[t]
                    cq[t] = 0.0
                for f in range(d):
                    own[f] = 0.0
                if n_valid == 0:
                    continue

                if loss_kind == 1:
                    # Softmax: the sampled items' terms are shared by the run's
                    # pairs, so exponentiate them once (in single precision),
                    # shifted by their maximum.
                    top = np.float32(-np.inf)
                    for t in range(n_neg):
                        sq[t] *= inv_t
                        if valid[t]:
                            top = max(top, sq[t])
                    shared = 0.0
                    for t in range(n_neg):
                        if valid[t]:
                            cq[t] = np.exp(sq[t] - top)
                            shared += cq[t]
                    run_scale = 0.0

                for b in range(run_ptr[r], run_ptr[r + 1]):
                    i = pos[b]
                    w = weights[b]
                    s_pos = np.float32(0.0)
                    for f in range(d):
                        s_pos += rows[q, f] * fi[i, f]

                    if loss_kind == 0:
                        # d loss / d s_uj per sampled item; the positive
                        # gets minus their sum.
                        g_pos = np.float32(0.0)
                        for t in range(n_neg):
                            if not valid[t]:
                                continue
                            x = s_pos - sq[t]
                            if x > 0:
                                e = np.exp(-x)
                                losses[c] += w * np.log1p(e) / n_valid
                                g = w * e / (1.0 + e) / n_valid
                            else:
                                e = np.exp(x)
                                losses[c] += w * (np.log1p(e) - x) / n_valid
                                g = w / (1.0 + e) / n_valid
                            cq[t] += g
                            g_pos -= g
                    else:
                        p = s_pos * inv_t
                        if p > top:
                            shift = np.exp(top - p)
                            total = 1.0 + shared * shift
                            log_z = p + np.log(total)
                            p_pos = 1.0 / total
                            run_scale += w * shift / total
                        else:
                            total = np.exp(p - top) + shared
                            log_z = top + np.log(total)
                            p_pos = np.exp(p - top) / total
                            run_scale += w / total
                        losses[c] += w * (log_z - p)
                        g_pos = np.float32(w * (p_pos - 1.0) * inv_t)

                    for f in range(d):
                        own[f] += g_pos * fi[i, f]
                        gi[c, i, f] += g_pos * rows[q, f]

                if loss_kind == 1:
                    scale = np.float32(run_scale * inv_t)
                    for t in range(n_neg):
                        cq[t] *= scale
                for f in range(d):
                    gu[u, f] += own[f]

            # Gradients through the sampled items, for the whole group.
            np.dot(coef[:n_runs], table, sampled[:n_runs])
            np.dot(coef[:n_runs].T, rows[:n_runs], table_grad)
            for q in range(n_runs):
                u = run_users[first + q]
                for f in range(d):
                    gu[u, f] += sampled[q, f]
            for t in range(n_neg):
                j = neg[grp, t]
                in_table[j] = False
                for f in range(d):
                    gi[c, j, f] += table_grad[t, f]

    grad_i = gi[0].copy()
    for c in range(1, n_blocks):
        grad_i += gi[c]
    return losses.sum(), gu, grad_i


def block_bounds(n: int, n_blocks: int) -> np.ndarray:
    """Cut ``n`` units of work into ``n_blocks`` near-equal contiguous blocks."""
    return (np.arange(n_blocks + 1, dtype=np.int64) * n) // n_blocks


@njit(cache=True, parallel=True)
def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    step: int,
    weight_decay: float,
) -> None:
    """One AdamW update (Loshchilov & Hutter 2019) of ``param`` in place.

    Adam (Kingma & Ba 2015) with the weight decay decoupled from the
    gradient: ``param -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay *
    param)``; ``weight_decay=0`` is plain Adam.
    """
    c1 = 1.0 - beta1**step
    c2 = 1.0 - beta2**step
    for r in prange(param.shape[0]):
        for f in range(param.shape[1]):
            g = grad[r, f]
            m[r, f] = beta1 * m[r, f] + (1.0 - beta1) * g
            v[r, f] = beta2 * v[r, f] + (1.0 - beta2) * g * g
            m_hat = m[r, f] / c1
            v_hat = v[r, f] / c2
            param[r, f] -= lr * (
                m_hat / (np.sqrt(v_hat) + eps) + weight_decay * param[r, f]
            )


@njit(cache=True, parallel=True)
def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest entries of each row, best first, ties to the lower index.

    Entries equal to ``-inf`` are never returned; a row with fewer than ``k``
    finite entries pads with index -1 and score ``-inf``.
    """
    n, m = scores.shape
    k = min(k, m)
    idx = np.full((n, k), -1, dtype=np.int64)
    val = np.full((n, k), -np.inf, dtype=scores.dtype)
    for r in prange(n):
        # A sorted insertion list: fine for the k <= a few hundred used here.
        filled = 0
        for j in range(m):
            s = scores[r, j]
            if s == -np.inf:
                continue
            if filled == k and s <= val[r, k - 1]:
                continue
            p = min(filled, k - 1)
            while p > 0 and val[r, p - 1] < s:
                val[r, p] = val[r, p - 1]
                idx[r, p] = idx[r, p - 1]
                p -= 1
            val[r, p] = s
            idx[r, p] = j
            if filled < k:
                filled += 1
    return idx, val


@njit(cache=True, parallel=True)
def mask_rows(
    scores: np.ndarray, indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray
) -> None:
    """Set ``scores[b, j] = -inf`` for every item ``j`` in CSR row ``rows[b]``."""
    for b in prange(rows.shape[0]):
        r = rows[b]
        for k in range(indptr[r], indptr[r + 1]):
            scores[b, indices[k]] = -np.inf

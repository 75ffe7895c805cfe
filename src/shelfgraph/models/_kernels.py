"""Numba kernels behind the models: sparse products, sampling, losses, Adam, top-k.

Every kernel here is a plain function over NumPy arrays, so each can be checked
against a slow NumPy version in the tests. Parallel kernels split their work
into ``n_chunks`` contiguous blocks; the caller sets Numba's thread count.

Random numbers come from a counter-based hash (SplitMix64) of
``(seed, step, index)`` rather than a stateful generator, so a sample does not
depend on which thread draws it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _splitmix64(x: np.uint64) -> np.uint64:
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform_int(seed: np.uint64, counter: np.uint64, n: int) -> np.int64:
    """A uniform integer in ``[0, n)`` from the hash of ``(seed, counter)``."""
    h = _splitmix64(seed ^ _splitmix64(counter))
    # The top 53 bits as a float in [0, 1) avoid the modulo bias of ``h % n``.
    u = np.float64(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return np.int64(u * n)


@njit(cache=True, inline="always")
def _in_sorted(values: np.ndarray, lo: np.int64, hi: np.int64, x: np.int64) -> bool:
    """Binary search for ``x`` in the sorted slice ``values[lo:hi]``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        v = values[mid]
        if v == x:
            return True
        if v < x:
            lo = mid + 1
        else:
            hi = mid
    return False


@njit(cache=True, parallel=True, fastmath=True)
def spmm(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """Sparse (CSR) times dense: ``out[r] = sum_k data[k] * x[indices[k]]``."""
    n_rows = indptr.shape[0] - 1
    d = x.shape[1]
    out = np.zeros((n_rows, d), dtype=x.dtype)
    for r in prange(n_rows):
        for k in range(indptr[r], indptr[r + 1]):
            w = data[k]
            j = indices[k]
            for f in range(d):
                out[r, f] += w * x[j, f]
    return out


@njit(cache=True, parallel=True)
def sample_negatives(
    indptr: np.ndarray,
    indices: np.ndarray,
    users: np.ndarray,
    n_items: int,
    n_negatives: int,
    seed: np.uint64,
    offset: np.uint64,
) -> np.ndarray:
    """Uniform items each user has not bought, ``n_negatives`` per row of ``users``.

    ``indices`` must be sorted within each CSR row. A user who bought every
    item would loop forever, so such users must be left out by the caller.
    Draw ``t`` of row ``b`` uses counter ``offset + b * n_negatives + t`` (plus
    a retry index), so the result does not depend on the thread count.
    """
    n = users.shape[0]
    out = np.empty((n, n_negatives), dtype=np.int32)
    for b in prange(n):
        u = users[b]
        lo = indptr[u]
        hi = indptr[u + 1]
        for t in range(n_negatives):
            base = (offset + np.uint64(b * n_negatives + t)) << np.uint64(8)
            attempt = np.uint64(0)
            while True:
                j = _uniform_int(seed, base + attempt, n_items)
                attempt += np.uint64(1)
                if not _in_sorted(indices, lo, hi, j):
                    break
            out[b, t] = j
    return out


@njit(cache=True, parallel=True, fastmath=True)
def sampled_loss_grad(
    fu: np.ndarray,
    fi: np.ndarray,
    run_users: np.ndarray,
    run_ptr: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    weights: np.ndarray,
    loss_kind: int,
    temperature: float,
    bounds: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss over a batch of (user, bought item) pairs and its gradients.

    The batch is grouped by user: run ``r`` is user ``run_users[r]`` with
    bought items ``pos[run_ptr[r]:run_ptr[r + 1]]``, and all of them are
    scored against the same sampled items ``neg[r]``, so each sampled item
    is scored once per user rather than once per pair.

    ``loss_kind`` 0 is BPR (He et al. 2020, eq. 15), averaged over the sampled
    items: ``-mean_j log sigmoid(s_ui - s_uj)``. ``loss_kind`` 1 is sampled
    softmax: ``-log(exp(s_ui / t) / (exp(s_ui / t) + sum_j exp(s_uj / t)))``.
    Each pair's loss is multiplied by ``weights[b]``; the total is their sum.

    Returns the loss and the gradients with respect to the final user and
    item embeddings ``fu`` and ``fi``. Blocks of runs ``bounds[c]:bounds[c+1]``
    each add item gradients into their own buffer, summed in a fixed order,
    so the result does not depend on the thread count.
    """
    n_neg = neg.shape[1]
    d = fu.shape[1]
    n_blocks = bounds.shape[0] - 1
    gu = np.zeros(fu.shape, dtype=np.float32)
    gi = np.zeros((n_blocks, fi.shape[0], d), dtype=np.float32)
    losses = np.zeros(n_blocks)
    for c in prange(n_blocks):
        scores = np.empty(n_neg, dtype=np.float32)
        coef = np.empty(n_neg, dtype=np.float32)
        total_coef = np.empty(n_neg, dtype=np.float32)
        for r in range(bounds[c], bounds[c + 1]):
            u = run_users[r]
            for t in range(n_neg):
                j = neg[r, t]
                s = np.float32(0.0)
                for f in range(d):
                    s += fu[u, f] * fi[j, f]
                scores[t] = s
                total_coef[t] = 0.0

            if loss_kind == 1:
                # Softmax: the sampled items' terms are shared by the run's
                # pairs, so exponentiate them once, shifted by their maximum.
                top = scores[0] / temperature
                for t in range(1, n_neg):
                    top = max(top, scores[t] / temperature)
                shared = 0.0
                for t in range(n_neg):
                    coef[t] = np.exp(scores[t] / temperature - top)
                    shared += coef[t]
                run_scale = 0.0

            for b in range(run_ptr[r], run_ptr[r + 1]):
                i = pos[b]
                w = weights[b]
                s_pos = np.float32(0.0)
                for f in range(d):
                    s_pos += fu[u, f] * fi[i, f]

                if loss_kind == 0:
                    # d loss / d s_uj per sampled item; the positive gets minus the sum.
                    g_pos = np.float32(0.0)
                    for t in range(n_neg):
                        x = s_pos - scores[t]
                        if x > 0:
                            e = np.exp(-x)
                            losses[c] += w * np.log1p(e) / n_neg
                            g = w * e / (1.0 + e) / n_neg
                        else:
                            e = np.exp(x)
                            losses[c] += w * (np.log1p(e) - x) / n_neg
                            g = w / (1.0 + e) / n_neg
                        total_coef[t] += g
                        g_pos -= g
                else:
                    p = s_pos / temperature
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
                    g_pos = np.float32(w * (p_pos - 1.0) / temperature)

                for f in range(d):
                    gu[u, f] += g_pos * fi[i, f]
                    gi[c, i, f] += g_pos * fu[u, f]

            if loss_kind == 1:
                for t in range(n_neg):
                    total_coef[t] = coef[t] * run_scale / temperature

            for t in range(n_neg):
                j = neg[r, t]
                ct = total_coef[t]
                for f in range(d):
                    gu[u, f] += ct * fi[j, f]
                    gi[c, j, f] += ct * fu[u, f]

    grad_i = gi[0].copy()
    for c in range(1, n_blocks):
        grad_i += gi[c]
    return losses.sum(), gu, grad_i


def block_bounds(n_runs: int, n_blocks: int) -> np.ndarray:
    """Cut ``n_runs`` runs into ``n_blocks`` near-equal contiguous blocks."""
    return (np.arange(n_blocks + 1, dtype=np.int64) * n_runs) // n_blocks


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

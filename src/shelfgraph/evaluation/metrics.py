"""Ranking metrics at k over the full catalogue, vectorised over users.

The protocol is the LightGCN paper's: every item is ranked, the user's
training items are masked, and for a user with ``T`` test items and ``h_r``
the hit (0 or 1) at rank ``r``:

- recall@k = sum_r h_r / T
- precision@k = sum_r h_r / k
- hit_rate@k = 1 if any h_r else 0
- ndcg@k = sum_r h_r / log2(r + 1), divided by the same sum for an ideal
  ranking with min(k, T) hits
- map@k = sum_r h_r * precision@r / min(k, T)
- mrr@k = 1 / (rank of the first hit), 0 without a hit

Each is averaged over the users with at least one test item.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

METRICS = ("recall", "ndcg", "precision", "hit_rate", "map", "mrr")


@njit(cache=True, parallel=True)
def hit_matrix(
    top: np.ndarray, rows: np.ndarray, indptr: np.ndarray, indices: np.ndarray
) -> np.ndarray:
    """``hits[b, r]`` is 1 where item ``top[b, r]`` is in CSR row ``rows[b]``.

    ``indices`` must be sorted within each row; ``-1`` in ``top`` never hits.
    """
    n, k = top.shape
    hits = np.zeros((n, k), dtype=np.float64)
    for b in prange(n):
        lo0 = indptr[rows[b]]
        hi0 = indptr[rows[b] + 1]
        for r in range(k):
            x = top[b, r]
            if x < 0:
                continue
            lo = lo0
            hi = hi0
            while lo < hi:
                mid = (lo + hi) >> 1
                if indices[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < hi0 and indices[lo] == x:
                hits[b, r] = 1.0
    return hits


def metrics_from_hits(
    hits: np.ndarray, n_relevant: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-user metrics from a ``(users, k)`` 0/1 hit matrix and test-set sizes."""
    _n, k = hits.shape
    n_relevant = np.asarray(n_relevant, dtype=np.float64)
    ranks = np.arange(1, k + 1, dtype=np.float64)
    discount = 1.0 / np.log2(ranks + 1.0)
    ideal = np.cumsum(discount)[np.minimum(n_relevant, k).astype(np.int64) - 1]
    n_hits = hits.sum(axis=1)
    precision_at = np.cumsum(hits, axis=1) / ranks
    first = np.where(n_hits > 0, hits.argmax(axis=1) + 1.0, np.inf)
    return {
        "recall": n_hits / n_relevant,
        "ndcg": (hits * discount).sum(axis=1) / ideal,
        "precision": n_hits / k,
        "hit_rate": (n_hits > 0).astype(np.float64),
        "map": (hits * precision_at).sum(axis=1) / np.minimum(n_relevant, k),
        "mrr": 1.0 / first,
    }

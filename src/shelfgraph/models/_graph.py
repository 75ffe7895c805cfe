"""The symmetrically normalised user-item graph shared by the graph models."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def degrees(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Number of items of each user and of users of each item (stored pairs)."""
    return (
        np.diff(matrix.indptr),
        np.bincount(matrix.indices, minlength=matrix.shape[1]),
    )


def normalized_adjacency(matrix: sp.csr_matrix, binary: bool = True) -> sp.csr_matrix:
    """``R~ = D_U^-1/2 R D_I^-1/2``, the user-item block of ``D^-1/2 A D^-1/2``.

    ``A = [[0, R], [R^T, 0]]`` is the bipartite adjacency matrix and ``D`` its
    degree matrix, here computed from the weights of ``R`` (all 1 when
    ``binary``). Users or items without edges keep zero rows or columns.
    """
    r = matrix.astype(np.float32, copy=True).tocsr()
    if binary:
        r.data[:] = 1.0
    du = np.asarray(r.sum(axis=1)).ravel()
    di = np.asarray(r.sum(axis=0)).ravel()
    inv_u = np.where(du > 0, 1.0 / np.sqrt(np.maximum(du, 1e-12)), 0.0)
    inv_i = np.where(di > 0, 1.0 / np.sqrt(np.maximum(di, 1e-12)), 0.0)
    out = sp.diags(inv_u.astype(np.float32)) @ r @ sp.diags(inv_i.astype(np.float32))
    out = sp.csr_matrix(out, dtype=np.float32)
    out.sort_indices()
    return out

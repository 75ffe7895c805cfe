"""LightGCN's propagation operator on the user-item graph.

With ``A~ = D^-1/2 A D^-1/2`` the normalised bipartite adjacency matrix, layer
``k + 1`` of the embeddings is ``E^(k+1) = A~ E^(k)`` and the final
embeddings are the mean of layers ``0..K`` (He et al. 2020, eqs. 7-8):

.. math::

    E = \\frac{1}{K + 1} \\sum_{k=0}^{K} \\tilde A^k E^{(0)}

``A~`` has the block form ``[[0, R~], [R~^T, 0]]``, so one layer is two
sparse products, ``E_u' = R~ E_i`` and ``E_i' = R~^T E_u``, and the graph is
never densified. The operator ``P = mean_k A~^k`` is symmetric, so the
gradient of a loss with respect to ``E^(0)`` is ``P`` applied to its gradient
with respect to ``E``: the backward pass is the same call.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._graph import normalized_adjacency


class Propagation:
    """The mean-of-layers operator ``P`` for one graph.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_users, n_items)
        The purchases; edge weights are ignored (the graph is binary).
    n_layers : int
        ``K``, the number of propagation layers.
    """

    def __init__(self, matrix: sp.csr_matrix, n_layers: int) -> None:
        norm = normalized_adjacency(matrix)
        norm_t = norm.T.tocsr()
        norm_t.sort_indices()
        self.n_layers = n_layers
        self.shape = norm.shape
        self.norm = norm
        self._users = (norm.indptr, norm.indices, norm.data)
        self._items = (norm_t.indptr, norm_t.indices, norm_t.data)

    def layers(
        self, eu: np.ndarray, ei: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer ``(E_u^(k), E_i^(k))`` for ``k = 0..K``, float32."""
        out = [(eu.astype(np.float32), ei.astype(np.float32))]
        for _ in range(self.n_layers):
            cur_u, cur_i = out[-1]
            out.append(
                (_kernels.spmm(*self._users, cur_i), _kernels.spmm(*self._items, cur_u))
            )
        return out

    def __call__(self, eu: np.ndarray, ei: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``P [E_u; E_i]`` as the pair ``(users, items)``, float32."""
        sum_u = eu.astype(np.float32, copy=True)
        sum_i = ei.astype(np.float32, copy=True)
        cur_u, cur_i = sum_u, sum_i
        for _ in range(self.n_layers):
            cur_u, cur_i = (
                _kernels.spmm(*self._users, cur_i),
                _kernels.spmm(*self._items, cur_u),
            )
            sum_u += cur_u
            sum_i += cur_i
        scale = np.float32(1.0 / (self.n_layers + 1))
        sum_u *= scale
        sum_i *= scale
        return sum_u, sum_i

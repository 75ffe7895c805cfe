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
        self._scratch: tuple[np.ndarray, ...] | None = None

    def layers(
        self, eu: np.ndarray, ei: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer ``(E_u^(k), E_i^(k))`` for ``k = 0..K``, float32."""
        out = [(eu.astype(np.float32), ei.astype(np.float32))]
        for _ in range(self.n_layers):
            cur_u, cur_i = out[-1]
            next_u = np.empty_like(cur_u)
            next_i = np.empty_like(cur_i)
            self._layer(cur_u, cur_i, next_u, next_i)
            out.append((next_u, next_i))
        return out

    def __call__(self, eu: np.ndarray, ei: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``P [E_u; E_i]`` as the pair ``(users, items)``, float32."""
        sum_u = np.array(eu, dtype=np.float32)
        sum_i = np.array(ei, dtype=np.float32)
        if self.n_layers == 0:
            return sum_u, sum_i
        # Layers alternate between two scratch buffers per side, kept across
        # calls: training calls this twice a step with the same shapes.
        if self._scratch is None or self._scratch[0].shape != sum_u.shape:
            self._scratch = tuple(
                np.empty_like(x) for x in (sum_u, sum_u, sum_i, sum_i)
            )
        a_u, b_u, a_i, b_i = self._scratch
        cur_u = np.asarray(eu, dtype=np.float32)
        cur_i = np.asarray(ei, dtype=np.float32)
        for _ in range(self.n_layers):
            self._layer(cur_u, cur_i, a_u, a_i, sum_u, sum_i)
            cur_u, cur_i, a_u, a_i, b_u, b_i = a_u, a_i, b_u, b_i, a_u, a_i
        scale = np.float32(1.0 / (self.n_layers + 1))
        sum_u *= scale
        sum_i *= scale
        return sum_u, sum_i

    def _layer(
        self,
        eu: np.ndarray,
        ei: np.ndarray,
        out_u: np.ndarray,
        out_i: np.ndarray,
        total_u: np.ndarray | None = None,
        total_i: np.ndarray | None = None,
    ) -> None:
        """One layer into ``out_*``, also added to ``total_*`` when given."""
        none = np.empty((0, eu.shape[1]), dtype=np.float32)
        _kernels.spmm(*self._users, ei, out_u, none if total_u is None else total_u)
        _kernels.spmm(*self._items, eu, out_i, none if total_i is None else total_i)

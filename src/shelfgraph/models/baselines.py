"""Baselines every honest comparison needs, behind the common interface."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..interactions import Interactions
from . import _kernels
from ._graph import degrees, normalized_adjacency
from .base import EmbeddingModel, Recommender, check_float, check_int

logger = logging.getLogger("shelfgraph")


class MostPopular(Recommender):
    """Every user gets the items bought by the most customers."""

    name = "most-popular"

    def _fit(self, data: Interactions) -> None:
        _, item_degree = degrees(data.matrix)
        self.item_popularity_ = item_degree.astype(np.float32)

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.item_popularity_, (len(rows), 1))

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        return self.item_popularity_.copy()

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_popularity_": self.item_popularity_}


class ItemKNN(Recommender):
    """Item-based k-nearest neighbours on cosine similarity of purchase columns.

    A user's score for item ``j`` is the sum of the similarities between ``j``
    and the items the user bought, keeping the ``neighbors`` most similar
    items of each item.

    Parameters
    ----------
    neighbors : int, default=100
        Similar items kept per item.
    shrink : float, default=0.0
        Added to the cosine's denominator; damps similarities built on few
        common customers.
    n_threads : int or None, default=None
    """

    name = "item-knn"

    def __init__(
        self, neighbors: int = 100, shrink: float = 0.0, n_threads: int | None = None
    ) -> None:
        super().__init__(n_threads)
        self.neighbors = neighbors
        self.shrink = shrink

    def _validate_params(self) -> None:
        check_int("neighbors", self.neighbors)
        check_float("shrink", self.shrink)

    def _fit(self, data: Interactions) -> None:
        r = data.matrix.astype(np.float32, copy=True).tocsc()
        r.data[:] = 1.0
        norms = np.sqrt(np.asarray(r.multiply(r).sum(axis=0)).ravel())
        rt = r.T.tocsr()
        n_items = r.shape[1]
        rows, cols, vals = [], [], []
        # Blocks of items keep the dense similarity slab small.
        block = max(1, min(n_items, 20_000_000 // max(n_items, 1)))
        for start in range(0, n_items, block):
            stop = min(n_items, start + block)
            sims = (rt[start:stop] @ r).toarray()
            denom = np.outer(norms[start:stop], norms) + self.shrink + 1e-12
            sims /= denom
            sims[np.arange(stop - start), np.arange(start, stop)] = 0.0
            k = min(self.neighbors, n_items - 1)
            if k <= 0:
                continue
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            top_vals = np.take_along_axis(sims, top, axis=1)
            keep = top_vals > 0
            rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
            cols.append(top[keep])
            vals.append(top_vals[keep])
        similarity = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_items, n_items),
            dtype=np.float32,
        )
        # score(u, j) = sum over bought i of sim(j, i): rows of R times S^T.
        self.similarity_ = similarity
        self._similarity_t = similarity.T.tocsr()

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        bought = self.interactions_.matrix[rows]
        bought.data[:] = 1.0
        return np.asarray((bought @ self._similarity_t).toarray(), dtype=np.float32)

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        return np.asarray(self.similarity_[cols].sum(axis=0), dtype=np.float32).ravel()

    _item_similarity = _basket_scores

    def _state(self) -> dict[str, np.ndarray]:
        return _csr_state("similarity_", self.similarity_)

    def _restore(self, data: Interactions, state: dict[str, np.ndarray]) -> None:
        self.interactions_ = data
        n = data.n_items
        self.similarity_ = _csr_from_state("similarity_", state, (n, n))
        self._similarity_t = self.similarity_.T.tocsr()


class GraphFilter(Recommender):
    """A training-free graph filter in the style of GF-CF (Shen et al., CIKM 2021).

    With ``R~ = D_U^-1/2 R D_I^-1/2`` and ``V`` its top ``n_components`` right
    singular vectors, a user with purchase row ``r`` scores

    .. math::

        s = r \\tilde R^T \\tilde R + \\alpha \\, r D_I^{-1/2} V V^T D_I^{1/2}

    a linear low-pass filter on the item-item graph plus an ideal low-pass
    filter. Nothing is learned by gradient descent.

    Parameters
    ----------
    n_components : int, default=256
        Singular vectors in the ideal low-pass filter.
    alpha : float, default=0.3
        Weight of the ideal low-pass filter.
    random_state : int, default=0
        Seed of the randomised SVD.
    n_threads : int or None, default=None
    """

    name = "graph-filter"

    def __init__(
        self,
        n_components: int = 256,
        alpha: float = 0.3,
        random_state: int = 0,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(n_threads)
        self.n_components = n_components
        self.alpha = alpha
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_int("n_components", self.n_components)
        check_float("alpha", self.alpha)

    def _fit(self, data: Interactions) -> None:
        from sklearn.utils.extmath import randomized_svd

        norm = normalized_adjacency(data.matrix)
        _, item_degree = degrees(data.matrix)
        k = min(self.n_components, min(norm.shape) - 1)
        self.norm_ = norm
        self._norm_t = norm.T.tocsr()
        if self.alpha > 0 and k >= 1:
            _, _, vt = randomized_svd(norm, k, n_iter=4, random_state=self.random_state)
            d = np.sqrt(np.maximum(item_degree, 1.0)).astype(np.float32)
            self._left = (vt.T / d[:, None]).astype(np.float32)  # D_I^-1/2 V
            self._right = (vt * d[None, :]).astype(np.float32)  # V^T D_I^1/2
        else:
            self._left = self._right = None

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        r = self.interactions_.matrix[rows].astype(np.float32)
        r.data[:] = 1.0
        return self._filter(r)

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        r = sp.csr_matrix(
            (
                np.ones(len(cols), dtype=np.float32),
                (np.zeros(len(cols), dtype=int), cols),
            ),
            shape=(1, self.interactions_.n_items),
        )
        return self._filter(r)[0]

    _item_similarity = _basket_scores

    def _state(self) -> dict[str, np.ndarray]:
        state = _csr_state("norm_", self.norm_)
        if self._left is not None and self._right is not None:
            state.update(left=self._left, right=self._right)
        return state

    def _restore(self, data: Interactions, state: dict[str, np.ndarray]) -> None:
        self.interactions_ = data
        self.norm_ = _csr_from_state("norm_", state, (data.n_users, data.n_items))
        self._norm_t = self.norm_.T.tocsr()
        self._left = state.get("left")
        self._right = state.get("right")

    def _filter(self, r: sp.csr_matrix) -> np.ndarray:
        """The filter applied to purchase rows ``r``."""
        # r R~^T R~ through the users: (r R~^T) is sparse, then times R~ into
        # dense rows, since two-hop scores reach most of the catalogue.
        via_users = (r @ self._norm_t).tocsr()
        norm = self.norm_
        scores = _kernels.spgemm_dense(
            via_users.indptr,
            via_users.indices,
            via_users.data.astype(np.float32),
            norm.indptr,
            norm.indices,
            norm.data.astype(np.float32),
            norm.shape[1],
        )
        if self._left is not None:
            scores += self.alpha * ((r @ self._left) @ self._right)
        return scores


class ALS(EmbeddingModel):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) from the ``implicit`` package.

    A thin wrapper: ``implicit`` does the training; scores are the dot products
    of its factors. Install with ``pip install 'shelfgraph[als]'``.

    Parameters
    ----------
    factors : int, default=64
    regularization : float, default=0.01
    alpha : float, default=1.0
        Confidence scale on the interaction weights.
    iterations : int, default=15
    random_state : int, default=0
    n_threads : int or None, default=None
    """

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int = 0,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(n_threads)
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_int("factors", self.factors)
        check_int("iterations", self.iterations)
        check_float("regularization", self.regularization)
        check_float("alpha", self.alpha, strict=True)

    def _fit(self, data: Interactions) -> None:
        try:
            from implicit.cpu.als import AlternatingLeastSquares
        except ImportError:
            raise ImportError(
                "ALS needs the implicit package: pip install 'shelfgraph[als]'"
            ) from None
        from threadpoolctl import threadpool_limits

        from .._threads import resolve_threads

        # implicit runs its own threads; BLAS inside them must stay single.
        with threadpool_limits(1, "blas"):
            model: Any = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=resolve_threads(self.n_threads),
            )
            model.fit(data.matrix.astype(np.float32), show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        # The ALS user update for a new row: a ridge regression on the items.
        v = self.item_factors
        gram = v.T @ v + self.regularization * np.eye(v.shape[1], dtype=np.float32)
        user = np.linalg.solve(gram, v[cols].sum(axis=0) * (1.0 + self.alpha))
        return v @ user.astype(np.float32)


def _csr_state(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{prefix}data": matrix.data,
        f"{prefix}indices": matrix.indices,
        f"{prefix}indptr": matrix.indptr,
    }


def _csr_from_state(
    prefix: str, state: dict[str, np.ndarray], shape: tuple[int, int]
) -> sp.csr_matrix:
    return sp.csr_matrix(
        (state[f"{prefix}data"], state[f"{prefix}indices"], state[f"{prefix}indptr"]),
        shape=shape,
    )

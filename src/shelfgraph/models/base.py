"""The interface every shelfgraph model shares.

A model learns from an :class:`~shelfgraph.Interactions` (or a bare user x
item sparse matrix) and scores every item for a user. Everything else, the
top-k ranking with seen items masked, original ids in and out, the batch
calls, is built here on one method that each model provides:
``_user_scores(rows)``, the dense scores of some users over all items.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._threads import thread_limits
from .._typing import Id, IdArray
from ..exceptions import DataError, NotFittedError
from ..interactions import IdMap, Interactions
from . import _kernels

logger = logging.getLogger("shelfgraph")

#: Users scored at once in batch calls; bounds memory to about
#: ``chunk * n_items * 4`` bytes.
DEFAULT_CHUNK = 1024


def as_interactions(data: Interactions | Any) -> Interactions:
    """Accept an :class:`Interactions` or anything ``scipy.sparse`` turns into CSR."""
    if isinstance(data, Interactions):
        return data
    if sp.issparse(data) or isinstance(data, np.ndarray):
        return Interactions.from_csr(data)
    raise TypeError(
        f"expected Interactions or a sparse user x item matrix, got {type(data).__name__}"
    )


def check_int(name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"`{name}` must be an int >= {low}, got {value!r}.")
    return int(value)


def check_float(name: str, value: Any, low: float = 0.0, strict: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(
        value, bool
    )
    if not ok or not np.isfinite(value) or value < low or (strict and value == low):
        op = ">" if strict else ">="
        raise ValueError(f"`{name}` must be a number {op} {low}, got {value!r}.")
    return float(value)


class Recommender(ABC):
    """Base class of all models: fit on interactions, rank items for users.

    Parameters common to every model
    --------------------------------
    n_threads : int or None, default=None
        Threads for Numba kernels and BLAS; ``None`` uses every core.
    """

    #: Short name used in tables and model files.
    name: str = "model"

    def __init__(self, n_threads: int | None = None) -> None:
        self.n_threads = n_threads

    # -- fitting ------------------------------------------------------------

    def fit(self, interactions: Interactions | Any) -> Recommender:
        """Learn from ``interactions``; returns the model itself."""
        data = as_interactions(interactions)
        if data.nnz == 0:
            raise DataError("cannot fit on interactions with no pairs")
        self._validate_params()
        start = time.perf_counter()
        with thread_limits(self.n_threads):
            self._fit(data)
        self.interactions_ = data
        self.fit_seconds_ = time.perf_counter() - start
        logger.debug("%s fitted in %.2f s", self.name, self.fit_seconds_)
        return self

    def _validate_params(self) -> None:  # noqa: B027 - optional hook
        """Check the constructor's parameters; called by ``fit``."""

    @abstractmethod
    def _fit(self, data: Interactions) -> None:
        """Learn from the interactions."""

    @abstractmethod
    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        """Scores of users ``rows`` (internal indices) over all items, float32."""

    # -- fitted state -------------------------------------------------------

    def _check_fitted(self) -> Interactions:
        data = getattr(self, "interactions_", None)
        if data is None:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit() first"
            )
        return data

    @property
    def user_ids(self) -> np.ndarray:
        """Original ids of the users, in row order."""
        return self._check_fitted().users.ids

    @property
    def item_ids(self) -> np.ndarray:
        """Original ids of the items, in row order."""
        return self._check_fitted().items.ids

    @property
    def users(self) -> IdMap:
        return self._check_fitted().users

    @property
    def items(self) -> IdMap:
        return self._check_fitted().items

    # -- ranking ------------------------------------------------------------

    def rank_rows(
        self,
        rows: np.ndarray,
        k: int,
        *,
        exclude: sp.csr_matrix | None = None,
        chunk: int = DEFAULT_CHUNK,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Top-``k`` item indices and scores for users ``rows``, chunk by chunk.

        ``exclude`` is a user x item CSR matrix whose entries in the users' rows
        are never returned (the training pairs, for seen items). Yields
        ``(rows_chunk, items, scores)`` with ``items`` of shape
        ``(len(rows_chunk), k)``; a row pads with -1 when fewer than ``k``
        items are left.
        """
        self._check_fitted()
        rows = np.asarray(rows, dtype=np.int64)
        with thread_limits(self.n_threads):
            for start in range(0, len(rows), chunk):
                block = rows[start : start + chunk]
                scores = np.ascontiguousarray(self._user_scores(block), dtype=np.float32)
                if exclude is not None:
                    _kernels.mask_rows(scores, exclude.indptr, exclude.indices, block)
                items, values = _kernels.topk_rows(scores, k)
                yield block, items, values

    def recommend_items(
        self, user_id: Id, n: int = 10, exclude_seen: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best items for one known user.

        Returns
        -------
        ids : ndarray
            Original item ids, best first.
        scores : ndarray of float32
            Their scores.
        """
        data = self._check_fitted()
        n = check_int("n", n)
        row = data.users.index_of(user_id, what="user")
        exclude = data.matrix if exclude_seen else None
        _, items, scores = next(self.rank_rows(row, n, exclude=exclude))
        keep = items[0] >= 0
        return data.items.id_of(items[0][keep]), scores[0][keep]

    def score(self, user_ids: IdArray, item_ids: IdArray) -> pd.DataFrame:
        """Scores of every given user for every given item: users x items frame."""
        data = self._check_fitted()
        rows = data.users.index_of(user_ids, what="user")
        cols = data.items.index_of(item_ids, what="item")
        with thread_limits(self.n_threads):
            values = self._user_scores(rows)[:, cols]
        return pd.DataFrame(
            values,
            index=pd.Index(data.users.id_of(rows), name="user_id"),
            columns=pd.Index(data.items.id_of(cols), name="item_id"),
        )

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, as given."""
        import inspect

        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind is not p.VAR_KEYWORD
        ]
        return {name: getattr(self, name) for name in names}

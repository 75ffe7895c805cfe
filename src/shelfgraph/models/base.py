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
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._threads import thread_limits
from .._typing import Id, IdArray
from ..exceptions import DataError, NotFittedError, ShelfgraphWarning, UnknownIdError
from ..interactions import IdMap, Interactions
from . import _kernels
from ._graph import degrees

logger = logging.getLogger("shelfgraph")

#: Model classes by name, for loading model files; filled as subclasses are made.
MODEL_CLASSES: dict[str, type[Recommender]] = {}

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
        "expected Interactions or a sparse user x item matrix, "
        f"got {type(data).__name__}"
    )


def check_int(name: str, value: Any, low: int = 1) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < low
    ):
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        MODEL_CLASSES[cls.__name__] = cls

    # -- model files ----------------------------------------------------------

    def save(self, path: str | Any) -> Any:
        """Write the fitted model to one ``.npz`` file with a JSON manifest.

        No pickle: :func:`shelfgraph.load` reads it back without running any
        code from the file. The write is atomic. Returns the path written.
        """
        from ._files import save

        return save(self, path)

    def _state(self) -> dict[str, np.ndarray]:
        """The fitted arrays a model file must keep (besides the interactions)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved")

    def _restore(self, data: Interactions, state: dict[str, np.ndarray]) -> None:
        """Set the fitted state from :meth:`_state`'s arrays."""
        self.interactions_ = data
        for key, value in state.items():
            setattr(self, key, value)

    # -- fitting ------------------------------------------------------------

    def fit(self, interactions: Interactions | Any) -> Self:
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
        item_mask: np.ndarray | None = None,
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Top-``k`` item indices and scores for users ``rows``, chunk by chunk.

        ``exclude`` is a user x item CSR matrix whose entries in the users' rows
        are never returned (the training pairs, for seen items). Yields
        ``(rows_chunk, items, scores)`` with ``items`` of shape
        ``(len(rows_chunk), k)``; a row pads with -1 when fewer than ``k``
        items are left. ``item_mask``, a boolean array over items, keeps
        only the items where it is True.
        """
        self._check_fitted()
        rows = np.asarray(rows, dtype=np.int64)
        with thread_limits(self.n_threads):
            for start in range(0, len(rows), chunk):
                block = rows[start : start + chunk]
                scores = np.ascontiguousarray(
                    self._user_scores(block), dtype=np.float32
                )
                if exclude is not None:
                    _kernels.mask_rows(scores, exclude.indptr, exclude.indices, block)
                if item_mask is not None:
                    scores[:, ~item_mask] = -np.inf
                items, values = _kernels.topk_rows(scores, k)
                yield block, items, values

    def recommend_items(
        self,
        user_id: Id,
        n: int = 10,
        exclude_seen: bool = True,
        *,
        exclude_items: IdArray | None = None,
        allowed_items: IdArray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best items for one known user.

        Parameters
        ----------
        user_id : int or str
            An original user id seen in training.
        n : int, default=10
        exclude_seen : bool, default=True
            Leave out items the user bought; ``False`` allows repeat purchases.
        exclude_items : sequence of item ids, optional
            Never recommend these (out of stock, say).
        allowed_items : sequence of item ids, optional
            Rank only these (this week's promoted items, say).

        Returns
        -------
        ids : ndarray
            Original item ids, best first; fewer than ``n`` when fewer items
            are left after the filters.
        scores : ndarray of float32
            Their scores.
        """
        frame = self.recommend(
            [user_id],
            n,
            exclude_seen=exclude_seen,
            exclude_items=exclude_items,
            allowed_items=allowed_items,
        )
        return frame["item_id"].to_numpy(), frame["score"].to_numpy(np.float32)

    def recommend(
        self,
        user_ids: IdArray | None = None,
        n: int = 10,
        *,
        exclude_seen: bool = True,
        exclude_items: IdArray | None = None,
        allowed_items: IdArray | None = None,
        unknown: str = "error",
        chunk: int = DEFAULT_CHUNK,
    ) -> pd.DataFrame:
        """Top-``n`` shelves for many users at once, as one long frame.

        Parameters
        ----------
        user_ids : sequence of user ids, optional
            Users to serve; ``None`` serves every training user.
        n, exclude_seen, exclude_items, allowed_items
            As in :meth:`recommend_items`.
        unknown : {"error", "skip", "popular"}, default="error"
            What to do with ids not seen in training: raise
            :class:`~shelfgraph.exceptions.UnknownIdError`, leave them out
            (with a warning that counts them, and their ids in
            ``frame.attrs["unknown_users"]``), or give them the most bought
            items (``source`` column ``"popular"``).
        chunk : int, default=1024
            Users scored at once; memory stays near ``chunk * n_items * 4``
            bytes whatever the number of users.

        Returns
        -------
        pandas.DataFrame
            Columns ``user_id``, ``rank`` (1 is best), ``item_id``, ``score``,
            ``item_name`` when names are known, and ``source`` with
            ``unknown="popular"``.
        """
        data = self._check_fitted()
        n = check_int("n", n)
        if unknown not in ("error", "skip", "popular"):
            raise ValueError(
                f"`unknown` must be 'error', 'skip' or 'popular', got {unknown!r}."
            )
        if user_ids is None:
            rows = np.arange(data.n_users)
            missing: np.ndarray = np.array([], dtype=object)
        else:
            asked = _as_id_list(user_ids)
            rows = data.users.index_of(asked, missing="ignore")
            missing = np.asarray(asked, dtype=object)[rows < 0]
            if len(missing) and unknown == "error":
                raise UnknownIdError(
                    "user",
                    list(missing),
                    "pass unknown='skip' or unknown='popular', "
                    "or recommend_for_basket() "
                    "for customers the model has not seen",
                )
            rows = rows[rows >= 0]
        mask = self._item_filter(exclude_items, allowed_items)
        exclude = data.matrix if exclude_seen else None

        parts = []
        for block, items, scores in self.rank_rows(
            rows, n, exclude=exclude, chunk=chunk, item_mask=mask
        ):
            keep = items >= 0
            parts.append(
                pd.DataFrame(
                    {
                        "user_id": np.repeat(data.users.id_of(block), keep.sum(axis=1)),
                        "rank": np.nonzero(keep)[1] + 1,
                        "item_id": data.items.id_of(items[keep]),
                        "score": scores[keep],
                    }
                )
            )
        frame = _concat(parts, ["user_id", "rank", "item_id", "score"])
        if len(missing) and unknown == "popular":
            frame["source"] = "model"
            frame = pd.concat(
                [frame, self._popular_shelves(missing, n, mask)], ignore_index=True
            )
        elif len(missing):
            warnings.warn(
                f"skipped {len(missing)} unknown user ids (first: {missing[0]!r}); "
                "their ids are in frame.attrs['unknown_users']",
                ShelfgraphWarning,
                stacklevel=2,
            )
        frame = self._with_names(frame)
        frame.attrs["unknown_users"] = list(missing)
        return frame

    def export_recommendations(
        self,
        path: str | Any,
        user_ids: IdArray | None = None,
        n: int = 10,
        **options: Any,
    ) -> int:
        """Write :meth:`recommend`'s frame to ``.parquet`` or ``.csv``, chunk by chunk.

        Returns the number of rows written. Other options are those of
        :meth:`recommend`.
        """
        from pathlib import Path

        path = Path(path)
        if path.suffix not in (".parquet", ".csv"):
            raise ValueError(
                f"write recommendations to a .parquet or .csv file, not {path.name!r}"
            )
        data = self._check_fitted()
        everyone = data.users.ids if user_ids is None else _as_id_list(user_ids)
        step = options.pop("chunk", DEFAULT_CHUNK) * 8
        tmp = path.with_name(path.name + ".partial")
        writer = None
        written = 0
        try:
            for start in range(0, len(everyone), step):
                part = self.recommend(everyone[start : start + step], n, **options)
                if path.suffix == ".csv":
                    part.to_csv(
                        tmp,
                        mode="a" if written else "w",
                        header=not written,
                        index=False,
                    )
                else:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(part, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table.cast(writer.schema))
                written += len(part)
        finally:
            if writer is not None:
                writer.close()
        tmp.replace(path)
        return written

    def recommend_for_basket(
        self,
        item_ids: IdArray | Id,
        n: int = 10,
        *,
        exclude_basket: bool = True,
        exclude_items: IdArray | None = None,
        allowed_items: IdArray | None = None,
    ) -> pd.DataFrame:
        """Recommendations for someone the model never saw, from a basket of items.

        A new customer, an anonymous session or a cart: the items are all the
        model needs. Unknown item ids in the basket are an error; an empty
        basket too.

        Returns
        -------
        pandas.DataFrame
            ``rank``, ``item_id``, ``score`` (and ``item_name``).
        """
        data = self._check_fitted()
        n = check_int("n", n)
        basket = _as_id_list(item_ids)
        if len(basket) == 0:
            raise ValueError("the basket is empty: give at least one item id")
        cols = np.unique(data.items.index_of(basket, what="item"))
        with thread_limits(self.n_threads):
            scores = np.asarray(self._basket_scores(cols), dtype=np.float32)[None, :]
        scores = np.ascontiguousarray(scores)
        if exclude_basket:
            scores[0, cols] = -np.inf
        return self._rank_one(
            scores, n, self._item_filter(exclude_items, allowed_items)
        )

    def similar_items(
        self,
        item_ids: IdArray | Id,
        n: int = 10,
        *,
        exclude_items: IdArray | None = None,
        allowed_items: IdArray | None = None,
    ) -> pd.DataFrame:
        """Items most like one item, or like a whole cart ("also bought").

        The given items themselves are never returned.

        Returns
        -------
        pandas.DataFrame
            ``rank``, ``item_id``, ``score`` (and ``item_name``); what the
            score means depends on the model (cosine similarity of item
            embeddings for LightGCN and ALS).
        """
        data = self._check_fitted()
        n = check_int("n", n)
        cart = _as_id_list(item_ids)
        if len(cart) == 0:
            raise ValueError("no item ids given")
        cols = np.unique(data.items.index_of(cart, what="item"))
        with thread_limits(self.n_threads):
            scores = np.asarray(self._item_similarity(cols), dtype=np.float32)[None, :]
        scores = np.ascontiguousarray(scores)
        scores[0, cols] = -np.inf
        return self._rank_one(
            scores, n, self._item_filter(exclude_items, allowed_items)
        )

    def recommend_users(
        self,
        item_ids: IdArray | Id,
        *,
        n: int | None = None,
        fraction: float | None = None,
        threshold: float | None = None,
        exclude_buyers: bool = True,
        combine: str = "mean",
        chunk: int = DEFAULT_CHUNK,
    ) -> pd.DataFrame:
        """The audience of a campaign: every customer scored for its items.

        Parameters
        ----------
        item_ids : item id or sequence of item ids
            The campaign items.
        n : int, optional
            Keep the ``n`` best customers.
        fraction : float in (0, 1], optional
            Keep the best ``ceil(fraction * eligible customers)``; 0.2 is the
            top 20%.
        threshold : float, optional
            Keep customers whose combined score is at least this.
        exclude_buyers : bool, default=True
            A customer's score for an item they already bought is left out
            (NaN); customers who bought every campaign item are left out.
        combine : {"mean", "max", "sum"}, default="mean"
            How per-item scores make the combined ``score``.

        Returns
        -------
        pandas.DataFrame
            ``user_id``, one ``score:<item id>`` column per item, ``score``,
            best first. At most one of ``n``, ``fraction``, ``threshold`` may
            be given; with none, every eligible customer is returned.
        """
        data = self._check_fitted()
        items = _as_id_list(item_ids)
        if len(items) == 0:
            raise ValueError("no campaign item ids given")
        cuts = [c for c in (n, fraction, threshold) if c is not None]
        if len(cuts) > 1:
            raise ValueError("give at most one of `n`, `fraction` and `threshold`")
        if n is not None:
            check_int("n", n)
        if fraction is not None and not 0.0 < fraction <= 1.0:
            raise ValueError(f"`fraction` must be in (0, 1], got {fraction!r}.")
        reducers: dict[str, Callable[..., Any]] = {
            "mean": np.nanmean,
            "max": np.nanmax,
            "sum": np.nansum,
        }
        if combine not in reducers:
            raise ValueError(
                f"`combine` must be one of {sorted(reducers)}, got {combine!r}."
            )
        cols = data.items.index_of(items, what="item")

        scores = np.empty((data.n_users, len(cols)), dtype=np.float32)
        with thread_limits(self.n_threads):
            for start in range(0, data.n_users, chunk):
                rows = np.arange(start, min(start + chunk, data.n_users))
                scores[rows] = self._user_item_scores(rows, cols)
        if exclude_buyers:
            bought = data.matrix[:, cols].toarray() > 0
            scores[bought] = np.nan
        eligible = ~np.isnan(scores).all(axis=1)
        with np.errstate(all="ignore"):
            combined = reducers[combine](scores[eligible], axis=1)
        frame = pd.DataFrame(
            scores[eligible],
            columns=[f"score:{i}" for i in data.items.id_of(cols)],
        )
        frame.insert(0, "user_id", data.users.ids[eligible])
        frame["score"] = combined
        frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(
            drop=True
        )
        if n is not None:
            frame = frame.head(n)
        elif fraction is not None:
            frame = frame.head(int(np.ceil(fraction * len(frame))))
        elif threshold is not None:
            frame = frame[frame["score"] >= threshold]
        return frame

    # -- hooks for the jobs above ------------------------------------------------

    def _user_item_scores(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Scores of users ``rows`` for items ``cols`` only."""
        return self._user_scores(rows)[:, cols]

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        """Scores over all items for an unseen user who bought items ``cols``."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot score a basket of a new customer"
        )

    def _item_similarity(self, cols: np.ndarray) -> np.ndarray:
        """Similarity of every item to the items ``cols`` together."""
        raise NotImplementedError(
            f"{type(self).__name__} has no item similarity; use LightGCN, ALS, "
            "ItemKNN or GraphFilter"
        )

    # -- helpers -----------------------------------------------------------------

    @property
    def item_names(self) -> pd.Series | None:
        """Product name of each item id, when the training data had names."""
        return self._check_fitted().item_names

    def _with_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        names = self.item_names
        if names is not None and len(frame):
            frame["item_name"] = frame["item_id"].map(names).to_numpy()
        return frame

    def _item_filter(
        self, exclude_items: IdArray | None, allowed_items: IdArray | None
    ) -> np.ndarray | None:
        """A boolean mask of items that may be recommended, or None for all."""
        if exclude_items is None and allowed_items is None:
            return None
        data = self._check_fitted()
        mask = np.ones(data.n_items, dtype=bool)
        if allowed_items is not None:
            allowed = _as_id_list(allowed_items)
            mask[:] = False
            mask[data.items.index_of(allowed, what="item")] = True
        if exclude_items is not None:
            # Excluding an item the model never saw is harmless: ignore it.
            cols = data.items.index_of(_as_id_list(exclude_items), missing="ignore")
            mask[cols[cols >= 0]] = False
        return mask

    def _rank_one(
        self, scores: np.ndarray, n: int, mask: np.ndarray | None
    ) -> pd.DataFrame:
        data = self._check_fitted()
        if mask is not None:
            scores[0, ~mask] = -np.inf
        items, values = _kernels.topk_rows(scores, n)
        keep = items[0] >= 0
        frame = pd.DataFrame(
            {
                "rank": np.arange(1, keep.sum() + 1),
                "item_id": data.items.id_of(items[0][keep]),
                "score": values[0][keep],
            }
        )
        return self._with_names(frame)

    def _popular_shelves(
        self, users: np.ndarray, n: int, mask: np.ndarray | None
    ) -> pd.DataFrame:
        data = self._check_fitted()
        counts = degrees(data.matrix)[1].astype(np.float32)[None, :]
        shelf = self._rank_one(np.ascontiguousarray(counts), n, mask)
        frame = pd.DataFrame(
            {
                "user_id": np.repeat(users, len(shelf)),
                "rank": np.tile(shelf["rank"].to_numpy(), len(users)),
                "item_id": np.tile(shelf["item_id"].to_numpy(), len(users)),
                "score": np.tile(shelf["score"].to_numpy(), len(users)),
                "source": "popular",
            }
        )
        return frame

    def score(self, user_ids: IdArray, item_ids: IdArray) -> pd.DataFrame:
        """Scores of every given user for every given item: users x items frame."""
        data = self._check_fitted()
        rows = data.users.index_of(user_ids, what="user")
        cols = data.items.index_of(item_ids, what="item")
        with thread_limits(self.n_threads):
            values = self._user_item_scores(rows, cols)
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


class EmbeddingModel(Recommender):
    """A model whose scores are dot products of user and item factors.

    Subclasses set ``user_factors`` and ``item_factors`` when fitted; item
    similarity is then the cosine of item factors.
    """

    user_factors: np.ndarray
    item_factors: np.ndarray

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors[rows] @ self.item_factors.T

    def _user_item_scores(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.user_factors[rows] @ self.item_factors[cols].T

    def _item_similarity(self, cols: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(self.item_factors, axis=1)
        unit = self.item_factors / np.maximum(norms, 1e-12)[:, None]
        # A cart is represented by the mean direction of its items.
        query = unit[cols].mean(axis=0)
        query /= max(float(np.linalg.norm(query)), 1e-12)
        return unit @ query


def _as_id_list(ids: Any) -> list[Any]:
    """One id or many as a list; a string is one id, not a sequence of letters."""
    if isinstance(ids, (str, bytes)) or np.ndim(ids) == 0:
        return [ids]
    return list(ids)


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(parts, ignore_index=True)

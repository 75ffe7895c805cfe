"""The customer x item interaction data that every model trains on."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._typing import FrameLike, Id, IdArray
from .datasets._columns import require_columns
from .exceptions import DataError, DataWarning, EmptyDataError, UnknownIdError

logger = logging.getLogger("shelfgraph")

_WEIGHTS = ("binary", "count", "quantity", "revenue")


class IdMap:
    """Original ids to contiguous indices ``0..n-1`` and back.

    Ids keep their type: ``"85123A"`` stays a string, ``536365`` stays an int,
    and a map may hold both kinds (``1`` and ``"1"`` are then different ids).

    Parameters
    ----------
    ids : array-like
        The distinct ids, in index order.
    """

    def __init__(self, ids: IdArray) -> None:
        values = _id_array(ids)
        index = pd.Index(values, dtype=values.dtype, tupleize_cols=False)
        if not index.is_unique:
            dup = index[index.duplicated()][0]
            raise DataError(f"ids must be distinct; {dup!r} appears more than once")
        self.ids = values
        self._index = index

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._index
        except TypeError:
            return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdMap) and self._index.equals(other._index)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdMap({len(self)} ids, kind={self.kind!r})"

    @property
    def kind(self) -> str:
        """``"int"``, ``"str"`` or ``"mixed"``."""
        if self.ids.dtype.kind in "iu":
            return "int"
        kinds = {type(v) for v in self.ids[:100_000]}
        if kinds <= {str}:
            return "str"
        return "mixed"

    def index_of(
        self, ids: IdArray | Id, *, missing: str = "raise", what: str = "id"
    ) -> np.ndarray:
        """Indices of ``ids``; unknown ids raise, or give -1 with missing="ignore"."""
        scalar = np.ndim(cast(Any, ids)) == 0 and not isinstance(ids, (list, tuple))
        values = _id_array([ids] if scalar else ids)
        if self.ids.dtype.kind in "iu" and values.dtype.kind == "O":
            # Ints among other ids (a guest's string id, say) still match.
            is_int = np.array([is_int_id(v) for v in values], dtype=bool)
            found = np.full(len(values), -1, dtype=np.int64)
            if is_int.any():
                found[is_int] = self._index.get_indexer(values[is_int].astype(np.int64))
        else:
            found = self._index.get_indexer(values).astype(np.int64)
        if missing == "raise" and (found < 0).any():
            raise UnknownIdError(what, list(values[found < 0]))
        return found

    def id_of(self, indices: Iterable[int] | np.ndarray) -> np.ndarray:
        """Original ids at ``indices``."""
        return self.ids[np.asarray(indices, dtype=np.int64)]


def is_int_id(value: object) -> bool:
    """Whether an id is an integer (Python or NumPy; ``True`` is not an id)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _id_array(ids: Any) -> np.ndarray:
    """Ids as an int64 array when they are all ints, else an object array."""
    if isinstance(ids, (pd.Series, pd.Index)):
        values = ids.to_numpy()
    elif isinstance(ids, np.ndarray):
        values = ids
    else:
        # An object array first: np.asarray would turn [1, "a"] into ["1", "a"].
        items = list(ids)
        values = np.empty(len(items), dtype=object)
        values[:] = items
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind in "OUST":
        out = values.astype(object)
        if len(out) and all(is_int_id(v) for v in out):
            return out.astype(np.int64)
        # NumPy scalars become plain Python values, so ids print and serialise
        # as the user wrote them.
        return np.array(
            [v.item() if isinstance(v, np.generic) else v for v in out], dtype=object
        )
    if values.dtype.kind == "f":
        raise DataError(
            "ids are floats; convert them to int or str first "
            "(Interactions.from_frame does this for whole-number floats)"
        )
    return values.astype(object)


@dataclass(frozen=True)
class Interactions:
    """Who bought what: one entry per (user, item) pair.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_users, n_items), float32
        The pair weights (1.0 unless a weight was asked for), indices sorted
        within each row.
    users, items : IdMap
        Original ids of the rows and columns.
    last_time : ndarray of int64, shape (nnz,), or None
        Last purchase time of each pair in nanoseconds since the epoch,
        aligned with ``matrix.data``.
    item_names : pandas.Series or None
        Product name of each item id, when known.
    """

    matrix: sp.csr_matrix
    users: IdMap
    items: IdMap
    last_time: np.ndarray | None = None
    item_names: pd.Series | None = None

    def __post_init__(self) -> None:
        m = self.matrix
        if m.shape != (len(self.users), len(self.items)):
            raise DataError(
                f"matrix shape {m.shape} does not match {len(self.users)} user ids "
                f"and {len(self.items)} item ids"
            )
        if self.last_time is not None and len(self.last_time) != m.nnz:
            raise DataError("last_time must have one entry per stored pair")

    # -- construction -------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        frame: FrameLike,
        user_col: str = "user_id",
        item_col: str = "item_id",
        *,
        weight: str | None = None,
        time_col: str | None = None,
        quantity_col: str = "Quantity",
        price_col: str = "Price",
        name_col: str | None = None,
    ) -> Interactions:
        """Build interactions from order lines or pairs in a pandas or Polars frame.

        Parameters
        ----------
        frame : pandas.DataFrame or polars.DataFrame
            One row per order line or per pair; repeated pairs are merged.
        user_col, item_col : str
            The customer and product columns.
        weight : {None, "binary", "count", "quantity", "revenue"} or str
            ``None`` or ``"binary"`` gives every pair weight 1; ``"count"``
            the number of lines; ``"quantity"`` the summed ``quantity_col``;
            ``"revenue"`` the summed ``quantity_col * price_col``; any other
            string names a column to sum.
        time_col : str, optional
            Timestamps; the last one of each pair is kept for time-based splits.
        quantity_col, price_col : str
            Columns read by the ``"quantity"`` and ``"revenue"`` weights.
        name_col : str, optional
            Product names; each item keeps its most frequent name.

        Rows with a missing user or item id are dropped with a
        :class:`~shelfgraph.exceptions.DataWarning` that counts them. Float
        ids that are whole numbers (``13085.0``, as spreadsheets store them)
        become ints, also with a warning.
        """
        frame = _to_pandas(frame, [user_col, item_col, time_col, name_col])
        require_columns(frame, (user_col, item_col, time_col, name_col))
        if frame.empty:
            raise EmptyDataError("no rows to build interactions from")

        users = _clean_ids(frame[user_col], user_col)
        items = _clean_ids(frame[item_col], item_col)
        present = users.notna().to_numpy() & items.notna().to_numpy()
        if not present.all():
            warnings.warn(
                f"dropped {int((~present).sum()):,} of {len(frame):,} rows with a "
                f"missing {user_col} or {item_col}",
                DataWarning,
                stacklevel=2,
            )
            frame, users, items = frame[present], users[present], items[present]
            if frame.empty:
                raise EmptyDataError(
                    f"every row has a missing {user_col} or {item_col}"
                )

        values = _weights(frame, weight, quantity_col, price_col)
        binary = weight is None or weight == "binary"
        times = None
        if time_col is not None:
            times = (
                pd.to_datetime(frame[time_col])
                .to_numpy("datetime64[ns]")
                .view(np.int64)
            )
        names = None
        if name_col is not None:
            names = _item_names(items, frame[name_col])
        return cls._build(users, items, values, times, names, binary=binary)

    @classmethod
    def from_pairs(
        cls,
        users: IdArray,
        items: IdArray,
        weights: np.ndarray | None = None,
        times: np.ndarray | None = None,
    ) -> Interactions:
        """Build interactions from parallel arrays of user ids and item ids."""
        u = pd.Series(_id_array(users))
        i = pd.Series(_id_array(items))
        if len(u) != len(i):
            raise DataError(f"got {len(u)} user ids but {len(i)} item ids")
        if len(u) == 0:
            raise EmptyDataError("no pairs to build interactions from")
        w = (
            np.ones(len(u))
            if weights is None
            else np.asarray(weights, dtype=np.float64)
        )
        t = (
            None
            if times is None
            else np.asarray(times).astype("datetime64[ns]").view(np.int64)
        )
        return cls._build(u, i, w, t, None)

    @classmethod
    def from_csr(
        cls,
        matrix: Any,
        user_ids: IdArray | None = None,
        item_ids: IdArray | None = None,
    ) -> Interactions:
        """Wrap a user x item sparse matrix; ids default to row and column numbers."""
        m = sp.csr_matrix(matrix, dtype=np.float32)
        m.sum_duplicates()
        m.eliminate_zeros()
        m.sort_indices()
        if m.nnz and (m.data < 0).any():
            raise DataError("interaction weights must be >= 0")
        n_users, n_items = m.shape
        users = IdMap(np.arange(n_users) if user_ids is None else user_ids)
        items = IdMap(np.arange(n_items) if item_ids is None else item_ids)
        return cls(m, users, items)

    @classmethod
    def _build(
        cls,
        users: pd.Series,
        items: pd.Series,
        values: np.ndarray,
        times: np.ndarray | None,
        names: pd.Series | None,
        *,
        binary: bool = False,
    ) -> Interactions:
        u_codes, u_ids = _factorize(users)
        i_codes, i_ids = _factorize(items)
        n_users, n_items = len(u_ids), len(i_ids)

        # Merge repeated pairs: sort by the pair key, then reduce each run.
        key = u_codes.astype(np.int64) * n_items + i_codes
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        pair = key[starts]
        if binary:
            data = np.ones(len(starts), dtype=np.float32)
        else:
            data = np.add.reduceat(values[order], starts).astype(np.float32)
        last = None if times is None else np.maximum.reduceat(times[order], starts)

        rows = pair // n_items
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_users))]
        matrix = sp.csr_matrix(
            (data, (pair % n_items).astype(np.int32), indptr), shape=(n_users, n_items)
        )
        logger.debug(
            "interactions: %d users, %d items, %d pairs from %d rows",
            n_users,
            n_items,
            len(pair),
            len(values),
        )
        return cls(matrix, IdMap(u_ids), IdMap(i_ids), last, names)

    # -- views --------------------------------------------------------------

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def __repr__(self) -> str:
        density = self.nnz / max(1, self.n_users * self.n_items)
        return (
            f"Interactions({self.n_users:,} users x {self.n_items:,} items, "
            f"{self.nnz:,} pairs, density {density:.4%})"
        )

    def items_of(self, user_id: Id) -> np.ndarray:
        """Original ids of the items ``user_id`` bought."""
        row = int(self.users.index_of(user_id, what="user")[0])
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        return self.items.id_of(self.matrix.indices[start:end])

    def to_frame(self) -> pd.DataFrame:
        """The pairs as a frame: user_id, item_id, weight (and last_time)."""
        coo = self.matrix.tocoo()
        out = pd.DataFrame(
            {
                "user_id": self.users.id_of(coo.row),
                "item_id": self.items.id_of(coo.col),
                "weight": coo.data,
            }
        )
        if self.last_time is not None:
            out["last_time"] = pd.to_datetime(self.last_time)
        return out

    def with_matrix(
        self, matrix: sp.csr_matrix, last_time: np.ndarray | None = None
    ) -> Interactions:
        """The same ids and names over another matrix of the same shape."""
        return Interactions(matrix, self.users, self.items, last_time, self.item_names)


def _to_pandas(frame: FrameLike, columns: list[str | None]) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame
    module = type(frame).__module__
    if module.startswith("polars"):
        return frame.to_pandas()
    raise TypeError(
        f"expected a pandas or Polars DataFrame, got {type(frame).__name__}"
    )


def _clean_ids(values: pd.Series, column: str) -> pd.Series:
    """Whole-number float ids become ints; other floats are an error."""
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if not np.all(np.mod(present.to_numpy(), 1.0) == 0.0):
            raise DataError(
                f"column {column!r} holds non-integer floats such as "
                f"{float(present[np.mod(present, 1.0) != 0].iloc[0])!r}; "
                "ids must be ints or strings"
            )
        warnings.warn(
            f"column {column!r} holds whole-number floats; using them as ints",
            DataWarning,
            stacklevel=3,
        )
        return values.astype("Int64")
    return values


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct ids: sorted when comparable, else in order of appearance."""
    if pd.api.types.is_extension_array_dtype(values.dtype):
        kind = values.dtype.kind if hasattr(values.dtype, "kind") else "O"
        values = values.astype(np.int64) if kind in "iu" else values.astype(object)
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64), _id_array(np.asarray(uniques))


def _weights(
    frame: pd.DataFrame, weight: str | None, qty: str, price: str
) -> np.ndarray:
    if weight is None or weight == "binary":
        return np.ones(len(frame))
    if weight == "count":
        return np.ones(len(frame))
    if weight == "quantity":
        require_columns(frame, [qty], hint="set quantity_col=")
        values = frame[qty].to_numpy(dtype=np.float64)
    elif weight == "revenue":
        require_columns(frame, [qty, price], hint="set quantity_col= and price_col=")
        values = frame[qty].to_numpy(dtype=np.float64) * frame[price].to_numpy(
            dtype=np.float64
        )
    else:
        require_columns(
            frame, [weight], hint=f"weight must be one of {_WEIGHTS} or a column"
        )
        values = pd.to_numeric(frame[weight], errors="coerce").to_numpy(
            dtype=np.float64
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise DataError(
            f"weight {weight!r} has {int(bad.sum())} negative or missing values; "
            "clean the order lines first (shelfgraph.clean_transactions)"
        )
    return values


def _item_names(items: pd.Series, names: pd.Series) -> pd.Series:
    """Each item's most frequent name."""
    pairs = pd.DataFrame(
        {"item": items.to_numpy(dtype=object), "name": names.to_numpy(dtype=object)}
    )
    pairs = pairs.dropna()
    counts = pairs.groupby(["item", "name"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(
        "item"
    )
    return pd.Series(
        counts["name"].to_numpy(),
        index=pd.Index(counts["item"].to_numpy(), dtype=object),
        name="name",
    )

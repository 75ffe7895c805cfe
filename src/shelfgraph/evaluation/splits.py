"""Train/test splits that never leak the future or a test pair into training.

Every split returns a :class:`Split`: training interactions, a test matrix
over the same user and item indices, and a report of what was left out of the
test set and why (pairs already seen in training, customers and items unseen
in training). Nothing is dropped without being counted.
"""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._typing import FrameLike, PathType
from ..datasets._columns import require_columns
from ..exceptions import DataError, EmptyDataError, LeakageError
from ..interactions import Interactions, _to_pandas

logger = logging.getLogger("shelfgraph")


@dataclass(frozen=True)
class Split:
    """Training interactions and held-out test pairs over the same indices.

    Attributes
    ----------
    train : Interactions
    test : scipy.sparse.csr_matrix of shape (train.n_users, train.n_items)
        Held-out pairs of known users and items, none of them in ``train``.
    report : dict
        ``test_pairs`` kept, ``seen_pairs_removed`` (test pairs already in
        training), ``cold_user_pairs`` and ``cold_item_pairs`` (test pairs of
        users or items unseen in training, not scored), ``cold_users``,
        ``cold_items``, ``test_users`` and the split's own details.
    """

    train: Interactions
    test: sp.csr_matrix
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def test_users(self) -> np.ndarray:
        """Internal indices of users with at least one test pair."""
        return np.flatnonzero(np.diff(self.test.indptr) > 0)

    def __repr__(self) -> str:
        r = self.report
        return (
            f"Split({self.train!r}, test pairs={self.test.nnz:,} of "
            f"{len(self.test_users):,} users, seen removed="
            f"{r.get('seen_pairs_removed', 0):,}, "
            f"cold users={r.get('cold_users', 0):,})"
        )


def split_from_interactions(
    train: Interactions, test: Interactions, *, drop_seen: bool = False
) -> Split:
    """Pair a given training set with a given test set.

    Test pairs of users or items unknown to ``train`` are counted and left
    out. A test pair that is also a training pair is an error (leakage)
    unless ``drop_seen``, which removes and counts such pairs instead.
    """
    users = train.users.index_of(test.users.ids, missing="ignore")
    items = train.items.index_of(test.items.ids, missing="ignore")
    coo = test.matrix.tocoo()
    return _assemble(
        train,
        users[coo.row],
        items[coo.col],
        drop_seen=drop_seen,
        cold_user_ids=test.users.ids[users < 0],
        cold_item_ids=test.items.ids[items < 0],
        extra={},
    )


def _assemble(
    train: Interactions,
    u: np.ndarray,
    i: np.ndarray,
    *,
    drop_seen: bool,
    cold_user_ids: np.ndarray,
    cold_item_ids: np.ndarray,
    extra: dict[str, Any],
) -> Split:
    cold_user = u < 0
    cold_item = (i < 0) & ~cold_user
    known = ~cold_user & ~cold_item
    test = sp.csr_matrix(
        (np.ones(int(known.sum()), dtype=np.float32), (u[known], i[known])),
        shape=train.shape,
    )
    test.sum_duplicates()
    test.data[:] = 1.0
    overlap = test.multiply(train.matrix > 0)
    n_seen = int(overlap.nnz)
    if n_seen and not drop_seen:
        raise LeakageError(
            f"{n_seen:,} test pairs are also training pairs; remove them from the "
            "test set (or pass drop_seen=True to remove and count them)"
        )
    if n_seen:
        test = (test - overlap.astype(bool).astype(np.float32)).tocsr()
        test.eliminate_zeros()
    test.sort_indices()
    report = {
        "train_pairs": train.nnz,
        "test_pairs": int(test.nnz),
        "test_users": int((np.diff(test.indptr) > 0).sum()),
        "seen_pairs_removed": n_seen,
        "cold_user_pairs": int(cold_user.sum()),
        "cold_item_pairs": int(cold_item.sum()),
        "cold_users": len(cold_user_ids),
        "cold_items": len(cold_item_ids),
        **extra,
    }
    if test.nnz == 0:
        raise EmptyDataError(f"the test set is empty after the split: {report}")
    logger.info("split: %s", report)
    return Split(train, test, report)


def temporal_split(
    orders: FrameLike,
    user_col: str = "Customer ID",
    item_col: str = "StockCode",
    time_col: str = "InvoiceDate",
    *,
    cutoff: str | pd.Timestamp | None = None,
    test_fraction: float = 0.2,
    weight: str | None = None,
    **frame_options: Any,
) -> Split:
    """Train on the lines before ``cutoff``, test on what was bought from it on.

    Parameters
    ----------
    orders : pandas.DataFrame or polars.DataFrame
        Cleaned order lines with a timestamp.
    user_col, item_col, time_col : str
    cutoff : str or Timestamp, optional
        First moment of the test period. By default the last
        ``test_fraction`` of the timeline (by time, not by rows).
    test_fraction : float, default=0.2
        Used when ``cutoff`` is not given.
    weight : str, optional
        Training weights, as in :meth:`Interactions.from_frame`.
    **frame_options
        Passed to :meth:`Interactions.from_frame` for the training part.

    Repeat purchases after the cutoff of items bought before it are removed
    from the test set and counted as ``seen_pairs_removed``; recommending
    only unseen items, a model could not be credited for them.
    """
    frame = _to_pandas(orders, [user_col, item_col, time_col])
    require_columns(frame, (user_col, item_col, time_col))
    times = pd.to_datetime(frame[time_col])
    if cutoff is None:
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(
                f"`test_fraction` must be in (0, 1), got {test_fraction!r}."
            )
        start, end = times.min(), times.max()
        cutoff = start + (end - start) * (1.0 - test_fraction)
    cutoff = pd.Timestamp(cutoff)
    before = (times < cutoff).to_numpy()
    if before.all() or not before.any():
        raise EmptyDataError(
            f"cutoff {cutoff} leaves no "
            f"{'test' if before.all() else 'training'} lines; "
            f"the data runs from {times.min()} to {times.max()}"
        )
    return _split_lines(
        frame,
        ~before,
        user_col,
        item_col,
        time_col,
        weight,
        frame_options,
        {"cutoff": str(cutoff), "kind": "temporal"},
    )


def last_basket_split(
    orders: FrameLike,
    user_col: str = "Customer ID",
    item_col: str = "StockCode",
    time_col: str = "InvoiceDate",
    invoice_col: str = "Invoice",
    *,
    weight: str | None = None,
    **frame_options: Any,
) -> Split:
    """Hold out each customer's last basket (invoice).

    Customers with a single basket stay in training only.
    """
    frame = _to_pandas(orders, [user_col, item_col, time_col, invoice_col])
    require_columns(frame, (user_col, item_col, time_col, invoice_col))
    baskets = frame[[user_col, invoice_col, time_col]].drop_duplicates(
        [user_col, invoice_col]
    )
    baskets = baskets.sort_values([user_col, time_col, invoice_col], kind="stable")
    last = baskets.groupby(user_col, sort=False).tail(1)
    counts = baskets.groupby(user_col, sort=False).size()
    last = last[last[user_col].map(counts).to_numpy() > 1]
    key = pd.MultiIndex.from_frame(frame[[user_col, invoice_col]])
    held = key.isin(pd.MultiIndex.from_frame(last[[user_col, invoice_col]]))
    if not held.any():
        raise EmptyDataError("no customer has two baskets: nothing to hold out")
    return _split_lines(
        frame,
        held,
        user_col,
        item_col,
        time_col,
        weight,
        frame_options,
        {"kind": "last_basket", "held_baskets": len(last)},
    )


def random_split(
    interactions: Interactions, test_fraction: float = 0.2, *, random_state: int = 0
) -> Split:
    """Hold out a seeded ``test_fraction`` of the pairs of each user with 2+ pairs."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"`test_fraction` must be in (0, 1), got {test_fraction!r}.")
    rng = np.random.default_rng(random_state)
    m = interactions.matrix
    counts = np.diff(m.indptr)
    n_test = np.where(
        counts > 1, np.floor(counts * test_fraction + rng.random(len(counts))), 0
    )
    n_test = np.minimum(n_test, counts - 1).astype(np.int64)
    # A random key per pair, ranked within its row: the n_test smallest go to test.
    key = rng.random(m.nnz)
    row = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((key, row))
    rank = np.empty(m.nnz, dtype=np.int64)
    rank[order] = np.arange(m.nnz) - np.repeat(m.indptr[:-1], counts)
    test_mask = rank < n_test[row]
    train_m = _mask_csr(m, ~test_mask)
    test_m = _mask_csr(m, test_mask)
    test_m.data[:] = 1.0
    last = (
        None if interactions.last_time is None else interactions.last_time[~test_mask]
    )
    train = interactions.with_matrix(train_m, last)
    coo = test_m.tocoo()
    return _assemble(
        train,
        coo.row.astype(np.int64),
        coo.col.astype(np.int64),
        drop_seen=False,
        cold_user_ids=np.array([]),
        cold_item_ids=np.array([]),
        extra={"kind": "random", "test_fraction": test_fraction},
    )


def paper_split(train_path: PathType, test_path: PathType) -> Split:
    """Read fixed train/test files in the LightGCN paper's layout.

    Each line is ``user item item ...`` (whitespace separated, ``.gz``
    allowed). Ids are kept as the integers in the files. Overlapping pairs
    are an error, as for any given split.
    """
    train = read_paper_file(train_path)
    test = read_paper_file(test_path)
    return split_from_interactions(train, test)


def read_paper_file(path: PathType) -> Interactions:
    """One ``user item item ...`` file as interactions."""
    path = Path(path)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    users: list[np.ndarray] = []
    items: list[np.ndarray] = []
    with opener(path, "rt") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) < 2:
                continue  # a user with no items in this file
            try:
                values = np.array(parts, dtype=np.int64)
            except ValueError:
                raise DataError(
                    f"{path}:{number}: expected integers 'user item item ...', "
                    f"got {line[:60]!r}"
                ) from None
            users.append(np.full(len(values) - 1, values[0]))
            items.append(values[1:])
    if not users:
        raise EmptyDataError(f"{path} has no 'user item ...' lines")
    return Interactions.from_pairs(np.concatenate(users), np.concatenate(items))


def _split_lines(
    frame: pd.DataFrame,
    test: np.ndarray,
    user_col: str,
    item_col: str,
    time_col: str,
    weight: str | None,
    frame_options: dict[str, Any],
    extra: dict[str, Any],
) -> Split:
    """Train on the lines where ``test`` is False, test on the others."""
    train = Interactions.from_frame(
        frame[~test],
        user_col,
        item_col,
        weight=weight,
        time_col=time_col,
        **frame_options,
    )
    return _split_rest(train, frame[test], user_col, item_col, extra)


def _split_rest(
    train: Interactions,
    rest: pd.DataFrame,
    user_col: str,
    item_col: str,
    extra: dict[str, Any],
) -> Split:
    """Map the test lines onto the training indices and assemble the split."""
    from ..interactions import _clean_ids

    users = _clean_ids(rest[user_col], user_col).to_numpy(dtype=object)
    items = _clean_ids(rest[item_col], item_col).to_numpy(dtype=object)
    ok = pd.notna(users) & pd.notna(items)
    if not ok.all():
        raise DataError(
            f"{int((~ok).sum())} test lines have a missing id; clean the lines first"
        )
    u = train.users.index_of(users, missing="ignore")
    i = train.items.index_of(items, missing="ignore")
    # Count pairs once, not lines, for the cold report.
    pairs = pd.DataFrame({"u": users, "i": items, "ui": u, "ii": i}).drop_duplicates(
        ["u", "i"]
    )
    return _assemble(
        train,
        pairs["ui"].to_numpy(),
        pairs["ii"].to_numpy(),
        drop_seen=True,
        cold_user_ids=np.asarray(pd.unique(pairs.loc[pairs["ui"] < 0, "u"])),
        cold_item_ids=np.asarray(pd.unique(pairs.loc[pairs["ii"] < 0, "i"])),
        extra=extra,
    )


def _mask_csr(m: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    out = sp.csr_matrix((m.data[keep], (row[keep], m.indices[keep])), shape=m.shape)
    out.sort_indices()
    return out

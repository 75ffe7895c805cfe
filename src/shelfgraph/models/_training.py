"""The training loop of LightGCN: batches of pairs, sampled softmax or BPR, AdamW.

Each step propagates the layer-0 embeddings over the whole graph once,
scores a batch of training pairs against sampled items, and propagates the
loss gradient back with the same operator (it is symmetric). Batches of
16,384 pairs (50 steps an epoch on Gowalla's 810k pairs) learn more per
epoch than larger ones; an epoch then takes about 5 s on 2 cores, most of
it in the 12 sparse products of the propagations. On dense shop graphs,
where such a batch already holds nearly every customer, the default batch
is larger (see :func:`auto_batch_size`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._propagation import Propagation

logger = logging.getLogger("shelfgraph")

LOSSES = {"bpr": 0, "softmax": 1}
# Gradient buffers are split into this many blocks whatever the thread count,
# so that sums happen in the same order and results do not depend on threads.
N_BLOCKS = 2
MIN_STEPS = 4
# Default batches: SMALL_BATCH pairs, or LARGE_BATCH where a small batch
# already holds more than SATURATION of the users (see auto_batch_size).
SMALL_BATCH = 16384
LARGE_BATCH = 65536
SATURATION = 0.8
# Consecutive users of a batch that share one draw of sampled items with the
# softmax loss. Sharing turns a group's scoring into one small matrix
# product against the drawn items; 32 users per draw trains as well as a
# draw per user on Gowalla. BPR, the paper's loss, draws for each user.
USERS_PER_DRAW = {"softmax": 32, "bpr": 1}


@dataclass
class TrainConfig:
    factors: int
    learning_rate: float
    lambda_: float
    weight_decay: float
    epochs: int
    loss: str
    n_negatives: int
    temperature: float
    batch_size: int | None
    init_std: float
    init: str
    schedule: str
    random_state: int


@dataclass
class TrainResult:
    user_embedding: np.ndarray
    item_embedding: np.ndarray
    batch_size: int = 0
    loss_history: list[float] = field(default_factory=list)


def train(
    matrix: sp.csr_matrix,
    propagation: Propagation,
    config: TrainConfig,
    pair_weights: np.ndarray | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Learn layer-0 embeddings for ``propagation``'s graph from ``matrix``'s pairs.

    Parameters
    ----------
    matrix : csr_matrix of shape (n_users, n_items)
        Training pairs, indices sorted within rows.
    propagation : Propagation
        The operator ``P`` for the same graph.
    config : TrainConfig
    pair_weights : ndarray of shape (nnz,), optional
        Weight of each pair's loss, aligned with ``matrix.data``; mean 1.
    progress : callable, optional
        Called as ``progress(epoch, mean_loss)`` after each epoch.
    """
    n_users, n_items = matrix.shape
    rng = np.random.default_rng(config.random_state)
    eu, ei = initial_embeddings(propagation, config, rng)
    state = [np.zeros_like(x) for x in (eu, eu, ei, ei)]

    user_degree = np.diff(matrix.indptr)
    pair_user = np.repeat(np.arange(n_users, dtype=np.int64), user_degree)
    pair_item = matrix.indices.astype(np.int64)
    weights = (
        np.ones(matrix.nnz, dtype=np.float32)
        if pair_weights is None
        else np.asarray(pair_weights, dtype=np.float32)
    )
    # Users who bought every item have nothing to be contrasted with.
    full = user_degree >= n_items
    usable = np.flatnonzero(~full[pair_user])
    n_pairs = len(usable)
    batch = config.batch_size
    if batch is None:
        batch = auto_batch_size(user_degree[~full], n_pairs)
    # Small data sets still take MIN_STEPS steps an epoch.
    batch = max(1, min(batch, -(-n_pairs // MIN_STEPS)))
    steps_per_epoch = -(-n_pairs // batch)
    logger.info(
        "LightGCN: %d pairs, batches of %d (%d steps an epoch)",
        n_pairs,
        batch,
        steps_per_epoch,
    )
    loss_kind = LOSSES[config.loss]
    users_per_draw = USERS_PER_DRAW[config.loss]
    result = TrainResult(eu, ei, batch_size=batch)

    total_steps = config.epochs * steps_per_epoch
    step = 0
    chosen = np.zeros(matrix.nnz, dtype=bool)
    for epoch in range(config.epochs):
        order = usable[rng.permutation(n_pairs)]
        total = 0.0
        for start in range(0, n_pairs, batch):
            # Sorted pair ids are sorted by user: each user's pairs form a
            # run, and consecutive runs form groups that share sampled items.
            # (Marking and collecting sorts in one linear pass.)
            chosen[order[start : start + batch]] = True
            pairs = np.flatnonzero(chosen)
            chosen[pairs] = False
            users = pair_user[pairs]
            items = pair_item[pairs]
            run_ptr = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
            run_users = users[run_ptr[:-1]]
            n_runs = len(run_users)
            group_ptr = np.r_[np.arange(0, n_runs, users_per_draw), n_runs]
            negatives = rng.integers(
                0, n_items, (len(group_ptr) - 1, config.n_negatives), dtype=np.int32
            )
            w = weights[pairs] / np.float32(len(pairs))

            fu, fi = propagation(eu, ei)
            loss, grad_fu, grad_fi = _kernels.sampled_loss_grad(
                fu,
                fi,
                matrix.indptr,
                matrix.indices,
                run_users,
                run_ptr,
                items,
                w,
                group_ptr,
                negatives,
                loss_kind,
                config.temperature,
                _kernels.block_bounds(len(group_ptr) - 1, N_BLOCKS),
            )
            grad_u, grad_i = propagation(grad_fu, grad_fi)

            # L2 on the layer-0 rows of this batch, as in the paper's BPR loss.
            if config.lambda_ > 0:
                _add_l2(grad_u, eu, users, None, config.lambda_ / len(pairs))
                # A group's sampled items serve all its pairs: weight them so.
                group_pairs = np.diff(run_ptr[group_ptr])
                per_neg = np.repeat(
                    group_pairs / config.n_negatives, config.n_negatives
                )
                _add_l2(
                    grad_i,
                    ei,
                    items,
                    (negatives.ravel(), per_neg),
                    config.lambda_ / len(pairs),
                )

            lr = learning_rate(config, step, total_steps)
            step += 1
            for param, grad, m, v in (
                (eu, grad_u, *state[:2]),
                (ei, grad_i, *state[2:]),
            ):
                _kernels.adam_step(
                    param, grad, m, v, lr, 0.9, 0.999, 1e-8, step, config.weight_decay
                )
            total += loss
        mean_loss = total / max(1, steps_per_epoch)
        result.loss_history.append(mean_loss)
        logger.debug("epoch %d: loss %.5f", epoch + 1, mean_loss)
        if progress is not None:
            progress(epoch, mean_loss)
    return result


def auto_batch_size(user_degree: np.ndarray, n_pairs: int) -> int:
    """The default batch: ``SMALL_BATCH`` pairs, or ``LARGE_BATCH`` on dense graphs.

    A step costs one propagation over the whole graph plus work for each
    distinct user in the batch (scoring the sampled items). Once a batch of
    ``SMALL_BATCH`` pairs already holds more than ``SATURATION`` of the
    users, a batch four times larger costs little more per step and an epoch
    takes a quarter of the steps. On Gowalla (30k users with 27 pairs each)
    a batch of 16,384 holds 35% of the users and stays; on a shop of the
    Online Retail II shape (4.5k customers with 55 pairs each) it holds 87%,
    and the batch is 65,536.
    """
    n_users = int(np.count_nonzero(user_degree))
    held = expected_users(user_degree, n_pairs, SMALL_BATCH) / max(n_users, 1)
    return LARGE_BATCH if held > SATURATION else SMALL_BATCH


def expected_users(user_degree: np.ndarray, n_pairs: int, batch: int) -> float:
    """Expected distinct users in ``batch`` pairs drawn from ``n_pairs``.

    A user with ``d`` pairs is missed with probability about
    ``(1 - batch / n_pairs) ** d``.
    """
    share = min(batch, n_pairs - 1) / max(n_pairs, 1)
    return float(-np.expm1(user_degree * np.log1p(-share)).sum())


def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    """Adam's step size at ``step``: constant, or a cosine decay to zero.

    The cosine schedule takes large steps while the embeddings are far from
    a good ranking and small ones at the end, which keeps the last epochs
    from overfitting the training pairs.
    """
    if config.schedule == "constant":
        return config.learning_rate
    return (
        config.learning_rate * 0.5 * (1.0 + np.cos(np.pi * step / max(1, total_steps)))
    )


def initial_embeddings(
    propagation: Propagation, config: TrainConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Layer-0 embeddings: normal, or the graph's leading singular vectors.

    ``"svd"`` starts users at ``U sqrt(S)`` and items at ``V sqrt(S)`` from
    the top singular triplets of ``R~``, the smoothest signals on the graph,
    rescaled to the root-mean-square ``init_std``; training then starts from
    a ranking that already follows the graph's structure instead of noise.
    """
    n_users, n_items = propagation.shape
    d = config.factors
    if config.init == "normal" or min(n_users, n_items) <= d:
        eu = rng.standard_normal((n_users, d)) * config.init_std
        ei = rng.standard_normal((n_items, d)) * config.init_std
        return eu.astype(np.float32), ei.astype(np.float32)

    from sklearn.utils.extmath import randomized_svd

    seed = int(rng.integers(0, 2**31 - 1))
    u, s, vt = randomized_svd(propagation.norm, d, n_iter=4, random_state=seed)
    root = np.sqrt(s)
    eu = u * root
    ei = vt.T * root
    rms = np.sqrt(
        (np.square(eu).sum() + np.square(ei).sum()) / ((n_users + n_items) * d)
    )
    scale = config.init_std / max(rms, 1e-12)
    return (eu * scale).astype(np.float32), (ei * scale).astype(np.float32)


def _add_l2(
    grad: np.ndarray,
    emb: np.ndarray,
    rows: np.ndarray,
    more_rows: tuple[np.ndarray, np.ndarray] | None,
    scale: float,
) -> None:
    """``grad[r] += scale * count(r) * emb[r]`` for each row used in the batch.

    ``more_rows`` adds weighted uses: ``(rows, weights)``.
    """
    counts = np.bincount(rows, minlength=len(emb)).astype(np.float32)
    if more_rows is not None:
        extra_rows, extra_weights = more_rows
        counts += np.bincount(
            extra_rows, weights=extra_weights, minlength=len(emb)
        ).astype(np.float32)
    # Dense over all rows (unused rows add zero): cheaper than fancy indexing.
    grad += (np.float32(scale) * counts)[:, None] * emb

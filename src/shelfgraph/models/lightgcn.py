"""LightGCN (He et al., SIGIR 2020) for implicit feedback, trained fast on a CPU."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .._typing import FrameLike
from ..interactions import Interactions
from ._graph import degrees
from ._propagation import Propagation
from ._training import LOSSES, TrainConfig, train
from .base import EmbeddingModel, check_float, check_int

logger = logging.getLogger("shelfgraph")


class LightGCN(EmbeddingModel):
    """LightGCN: embeddings smoothed over the customer-item purchase graph.

    Users and items get learnable layer-0 embeddings ``E^(0)``. ``K`` layers
    of propagation over the normalised graph ``D^-1/2 A D^-1/2`` mix each
    node's embedding with its neighbours', and the final embedding is the
    mean of layers ``0..K`` (see :mod:`shelfgraph.models._propagation`). A
    user's score for an item is the dot product of their final embeddings.
    So customers who bought candles and mugs are pulled towards the teapot
    that other candle-and-mug buyers bought, even without a direct link.

    Training differs from the paper's reference code, not the model: each
    step propagates once over the whole graph and scores a batch of training
    pairs against ``n_negatives`` items drawn uniformly (items the user
    bought are left out), with a sampled softmax loss by default, L2 on the
    layer-0 rows used, and AdamW. With the softmax, 32 users of a batch share
    one draw, which is cheaper and trains as well. ``loss="bpr"`` draws for
    each user, and with ``n_negatives=1`` it is the paper's BPR loss.

    Parameters
    ----------
    factors : int, default=64
        Embedding size.
    k_layers : int, default=3
        Propagation layers ``K``; 0 is plain matrix factorisation.
    learning_rate : float, default=0.01
        Adam's step size.
    lambda_ : float, default=1e-4
        L2 regularisation of the layer-0 embeddings, per the paper.
    weight_decay : float, default=0.5
        Decoupled weight decay of the layer-0 embeddings (AdamW): each step
        shrinks them by ``learning_rate * weight_decay``. Adam rescales the
        paper's L2 gradient away, so this is what keeps the embeddings from
        overfitting in later epochs.
    iterations : int, default=12
        Epochs: passes over all training pairs.
    loss : {"softmax", "bpr"}, default="softmax"
        Sampled softmax over the bought item and its sampled items, or BPR
        averaged over the sampled items.
    n_negatives : int, default=256
        Items drawn uniformly for each group of users in a batch (each user
        with BPR); each pair is contrasted with those its user has not bought.
    temperature : float, default=0.2
        Softmax temperature; ignored by BPR.
    batch_size : int or None, default=None
        Training pairs per optimiser step, at most a quarter of all pairs so
        that small data sets still take 4 steps an epoch. Each step costs one
        full-graph propagation forward and back; smaller batches take more
        steps for the same epochs, which on Gowalla pays for itself. ``None``
        takes 16,384 pairs, or 65,536 on dense graphs where a batch of
        16,384 already holds over 80% of the users: there a step costs about
        the same and an epoch takes a quarter of the steps (on the Online
        Retail II shape, 30 epochs train in about a third of the time, at
        the same quality). The batch used is ``batch_size_`` after fitting.
    schedule : {"constant", "cosine"}, default="constant"
        Learning rate over the steps: a cosine decay from ``learning_rate``
        to zero, or constant as in the paper.
    init : {"svd", "normal"}, default="svd"
        Layer-0 start: the normalised graph's leading singular vectors (a
        head start for training), or normal noise as in the paper.
    init_std : float, default=0.1
        Standard deviation of the normal start; the root-mean-square of the
        SVD start.
    use_weights : bool, default=False
        Weight each pair's loss by its interaction weight (counts, quantity or
        revenue, when the interactions carry them), scaled to mean 1.
    random_state : int, default=0
        Seed. The same seed gives bitwise identical factors whatever
        ``n_threads`` is: samples are drawn by one NumPy generator and
        gradients are summed in a fixed order.
    verbose : int, default=0
        1 shows a progress bar with the loss.
    n_threads : int or None, default=None
        Threads for the kernels; ``None`` uses every core.

    Attributes
    ----------
    user_factors : ndarray of float32, shape (n_users, factors)
        Final user embeddings, rows in the order of :attr:`user_ids`.
    item_factors : ndarray of float32, shape (n_items, factors)
        Final item embeddings, rows in the order of :attr:`item_ids`.
    loss_history_ : list of float
        Mean training loss of each epoch.
    batch_size_ : int
        Training pairs per step in the last fit.

    Examples
    --------
    >>> from shelfgraph import LightGCN
    >>> model = LightGCN.from_transactions(pairs, user_col="user_id",
    ...                                    item_col="item_id")  # doctest: +SKIP
    >>> ids, scores = model.recommend_items(user_id=12748, n=6)  # doctest: +SKIP
    """

    name = "lightgcn"

    def __init__(
        self,
        factors: int = 64,
        k_layers: int = 3,
        learning_rate: float = 0.01,
        lambda_: float = 1e-4,
        weight_decay: float = 0.5,
        iterations: int = 12,
        loss: str = "softmax",
        n_negatives: int = 256,
        temperature: float = 0.2,
        batch_size: int | None = None,
        schedule: str = "constant",
        init: str = "svd",
        init_std: float = 0.1,
        use_weights: bool = False,
        random_state: int = 0,
        verbose: int = 0,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(n_threads)
        self.factors = factors
        self.k_layers = k_layers
        self.learning_rate = learning_rate
        self.lambda_ = lambda_
        self.weight_decay = weight_decay
        self.iterations = iterations
        self.loss = loss
        self.n_negatives = n_negatives
        self.temperature = temperature
        self.batch_size = batch_size
        self.schedule = schedule
        self.init = init
        self.init_std = init_std
        self.use_weights = use_weights
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def from_transactions(
        cls,
        transactions: FrameLike,
        user_col: str = "user_id",
        item_col: str = "item_id",
        *,
        weight_col: str | None = None,
        time_col: str | None = None,
        item_name_col: str | None = None,
        **params: Any,
    ) -> LightGCN:
        """Build interactions from a frame of order lines or pairs and fit.

        ``weight_col`` names a column whose sum per pair weights the loss
        (``use_weights`` is then on); the other keyword arguments are the
        model's parameters. Returns the fitted model.
        """
        data = Interactions.from_frame(
            transactions,
            user_col,
            item_col,
            weight=weight_col,
            time_col=time_col,
            name_col=item_name_col,
        )
        if weight_col is not None:
            params.setdefault("use_weights", True)
        return cls(**params).fit(data)

    def _validate_params(self) -> None:
        check_int("factors", self.factors)
        check_int("k_layers", self.k_layers, low=0)
        check_float("learning_rate", self.learning_rate, strict=True)
        check_float("lambda_", self.lambda_)
        check_float("weight_decay", self.weight_decay)
        check_int("iterations", self.iterations, low=0)
        if self.loss not in LOSSES:
            raise ValueError(
                f"`loss` must be one of {sorted(LOSSES)}, got {self.loss!r}."
            )
        check_int("n_negatives", self.n_negatives)
        check_float("temperature", self.temperature, strict=True)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size)
        check_float("init_std", self.init_std, strict=True)
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(
                f"`schedule` must be 'cosine' or 'constant', got {self.schedule!r}."
            )
        if self.init not in ("svd", "normal"):
            raise ValueError(f"`init` must be 'svd' or 'normal', got {self.init!r}.")

    def _fit(self, data: Interactions) -> None:
        matrix = data.matrix
        if data.n_items < 2:
            raise ValueError("LightGCN needs at least 2 items to sample negatives from")
        propagation = Propagation(matrix, self.k_layers)
        weights = None
        if self.use_weights:
            weights = matrix.data / matrix.data.mean()
        config = TrainConfig(
            factors=self.factors,
            learning_rate=self.learning_rate,
            lambda_=self.lambda_,
            weight_decay=self.weight_decay,
            epochs=self.iterations,
            loss=self.loss,
            n_negatives=self.n_negatives,
            temperature=self.temperature,
            batch_size=self.batch_size,
            init_std=self.init_std,
            init=self.init,
            schedule=self.schedule,
            random_state=self.random_state,
        )
        bar = None
        callback = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.iterations, desc="LightGCN", unit="epoch")

            def callback(epoch: int, loss: float) -> None:
                bar.set_postfix(loss=f"{loss:.4f}")
                bar.update(1)

        try:
            result = train(matrix, propagation, config, weights, callback)
        finally:
            if bar is not None:
                bar.close()
        self.user_embedding_ = result.user_embedding
        self.item_embedding_ = result.item_embedding
        self.loss_history_ = result.loss_history
        self.batch_size_ = result.batch_size
        layers = propagation.layers(result.user_embedding, result.item_embedding)
        self.user_factors = np.asarray(
            np.mean([u for u, _ in layers], axis=0, dtype=np.float32)
        )
        self.item_factors = np.asarray(
            np.mean([i for _, i in layers], axis=0, dtype=np.float32)
        )
        # Item layers 0..K-1 and degrees are what fold-in of a new basket needs.
        self.item_layers_ = (
            np.stack([i for _, i in layers[:-1]]) if self.k_layers else None
        )
        self.item_degree_ = degrees(matrix)[1].astype(np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        state = {
            "user_embedding_": self.user_embedding_,
            "item_embedding_": self.item_embedding_,
            "user_factors": self.user_factors,
            "item_factors": self.item_factors,
            "item_degree_": self.item_degree_,
            "loss_history_": np.asarray(self.loss_history_, dtype=np.float64),
            "batch_size_": np.asarray(self.batch_size_, dtype=np.int64),
        }
        if self.item_layers_ is not None:
            state["item_layers_"] = self.item_layers_
        return state

    def _restore(self, data: Interactions, state: dict[str, np.ndarray]) -> None:
        super()._restore(data, state)
        self.item_layers_ = state.get("item_layers_")
        self.loss_history_ = [float(x) for x in state["loss_history_"]]
        self.batch_size_ = int(state["batch_size_"])

    def _basket_scores(self, cols: np.ndarray) -> np.ndarray:
        """Fold a new customer into the graph with LightGCN's own rule.

        The new user node links to the basket's items; its layer ``k + 1`` is
        ``sum_i e_i^(k) / sqrt(|basket| d_i)``, the propagation rule with
        the item layers of the trained model, and its missing layer 0 is
        taken to be its layer 1. The final embedding is the mean of layers
        ``0..K``, scored against the trained item embeddings.
        """
        if self.item_layers_ is None:  # K = 0: plain MF, no graph to fold into
            user = self.item_factors[cols].mean(axis=0)
        else:
            weights = 1.0 / np.sqrt(
                len(cols) * np.maximum(self.item_degree_[cols], 1.0)
            )
            hops = [
                (weights[:, None] * layer[cols]).sum(axis=0)
                for layer in self.item_layers_
            ]
            user = (hops[0] + sum(hops)) / (len(hops) + 1)
        return self.item_factors @ user.astype(np.float32)

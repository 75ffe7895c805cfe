"""Evaluating models on a split: one table of models x metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..models import GraphFilter, ItemKNN, LightGCN, MostPopular
from ..models._graph import degrees
from ..models.base import Recommender, check_int
from .metrics import METRICS, hit_matrix, metrics_from_hits
from .splits import Split

logger = logging.getLogger("shelfgraph")


def standard_models(**lightgcn_params: Any) -> dict[str, Recommender]:
    """LightGCN and the baselines every comparison should include, unfitted.

    Most-popular, item-kNN and the graph filter (64 components, sized for shop
    catalogues); ``lightgcn_params`` are passed to :class:`LightGCN`.
    """
    return {
        "most-popular": MostPopular(),
        "item-knn": ItemKNN(),
        "graph-filter": GraphFilter(n_components=64),
        "lightgcn": LightGCN(**lightgcn_params),
    }


def evaluate_model(
    model: Recommender, split: Split, k: int = 20, *, chunk: int = 2048
) -> dict[str, float]:
    """Metrics at ``k`` of a fitted model on ``split``'s test users.

    Every item is ranked and the user's training items are masked. Besides
    the metrics of :mod:`shelfgraph.evaluation.metrics`, returns
    ``coverage`` (share of the catalogue recommended to anyone) and
    ``popularity`` (mean share of training customers who bought a
    recommended item).
    """
    k = check_int("k", k)
    test = split.test
    users = split.test_users
    n_relevant = np.diff(test.indptr)
    _, item_degree = degrees(split.train.matrix)
    item_share = item_degree / max(1, split.train.n_users)

    sums = dict.fromkeys(METRICS, 0.0)
    recommended = np.zeros(split.train.n_items, dtype=bool)
    popularity = 0.0
    n_recs = 0
    for rows, top, _ in model.rank_rows(
        users, k, exclude=split.train.matrix, chunk=chunk
    ):
        hits = hit_matrix(top, rows, test.indptr, test.indices)
        for name, values in metrics_from_hits(hits, n_relevant[rows]).items():
            sums[name] += float(values.sum())
        valid = top[top >= 0]
        recommended[valid] = True
        popularity += float(item_share[valid].sum())
        n_recs += len(valid)
    out = {f"{name}@{k}": total / len(users) for name, total in sums.items()}
    out[f"coverage@{k}"] = float(recommended.mean())
    out[f"popularity@{k}"] = popularity / max(1, n_recs)
    return out


def evaluate(
    models: Mapping[str, Recommender] | Sequence[Recommender],
    split: Split,
    k: int = 20,
    *,
    fit: bool = True,
    chunk: int = 2048,
) -> pd.DataFrame:
    """Fit (unless ``fit=False``) and evaluate several models on one split.

    Parameters
    ----------
    models : mapping of name to model, or sequence of models
        Sequences are named by each model's ``name``.
    split : Split
    k : int, default=20
    fit : bool, default=True
        Fit each model on ``split.train`` first; ``False`` evaluates models as
        they are (they must have been fitted on the same training data).
    chunk : int, default=2048
        Users scored at once.

    Returns
    -------
    pandas.DataFrame
        One row per model: the metrics at ``k``, ``coverage``,
        ``popularity``, ``fit_s`` and ``eval_s`` (seconds).
    """
    named: dict[str, Recommender] = (
        dict(models) if isinstance(models, Mapping) else {m.name: m for m in models}
    )
    rows: dict[str, dict[str, Any]] = {}
    for name, model in named.items():
        if fit:
            model.fit(split.train)
        elif getattr(model, "interactions_", None) is None:
            raise ValueError(f"model {name!r} is not fitted; pass fit=True")
        elif model.interactions_.shape != split.train.shape:
            raise ValueError(
                f"model {name!r} was fitted on data of shape "
                f"{model.interactions_.shape}, "
                f"not on this split's training data {split.train.shape}"
            )
        start = time.perf_counter()
        row: dict[str, Any] = evaluate_model(model, split, k, chunk=chunk)
        row["eval_s"] = time.perf_counter() - start
        row["fit_s"] = getattr(model, "fit_seconds_", float("nan"))
        rows[name] = row
        logger.info("%s: %s", name, {key: round(v, 4) for key, v in row.items()})
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table

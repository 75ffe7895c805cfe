"""Leakage-safe splits, ranking metrics and side-by-side evaluation."""

from ._evaluate import evaluate, evaluate_model, standard_models
from .metrics import METRICS, hit_matrix, metrics_from_hits
from .splits import (
    Split,
    last_basket_split,
    paper_split,
    random_split,
    read_paper_file,
    split_from_interactions,
    temporal_split,
)

__all__ = [
    "METRICS",
    "Split",
    "evaluate",
    "evaluate_model",
    "hit_matrix",
    "last_basket_split",
    "metrics_from_hits",
    "paper_split",
    "random_split",
    "read_paper_file",
    "split_from_interactions",
    "standard_models",
    "temporal_split",
]

"""Models behind one interface: LightGCN and the baselines."""

from .base import EmbeddingModel, Recommender
from .baselines import ALS, GraphFilter, ItemKNN, MostPopular
from .lightgcn import LightGCN

__all__ = [
    "ALS",
    "EmbeddingModel",
    "GraphFilter",
    "ItemKNN",
    "LightGCN",
    "MostPopular",
    "Recommender",
]

"""Models behind one interface: LightGCN and the baselines."""

from .base import Recommender
from .baselines import ALS, GraphFilter, ItemKNN, MostPopular
from .lightgcn import LightGCN

__all__ = ["ALS", "GraphFilter", "ItemKNN", "LightGCN", "MostPopular", "Recommender"]

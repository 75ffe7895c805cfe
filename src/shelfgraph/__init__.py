"""shelfgraph: product recommendations from raw order lines with LightGCN."""

import logging

from .cleaning import CleaningReport, clean_transactions
from .interactions import IdMap, Interactions
from .models import ALS, GraphFilter, ItemKNN, LightGCN, MostPopular, Recommender
from .segments import Segments, segment_customers

__version__ = "0.1.0"

logging.getLogger("shelfgraph").addHandler(logging.NullHandler())

__all__ = [
    "ALS",
    "CleaningReport",
    "GraphFilter",
    "IdMap",
    "Interactions",
    "ItemKNN",
    "LightGCN",
    "MostPopular",
    "Recommender",
    "Segments",
    "__version__",
    "clean_transactions",
    "segment_customers",
]

"""shelfgraph: product recommendations from raw order lines with LightGCN."""

import logging

from ._version import __version__
from .cleaning import CleaningReport, clean_transactions
from .interactions import IdMap, Interactions
from .models import ALS, GraphFilter, ItemKNN, LightGCN, MostPopular, Recommender
from .models._files import ModelFileError, load
from .segments import Segments, segment_customers

logging.getLogger("shelfgraph").addHandler(logging.NullHandler())

__all__ = [
    "ALS",
    "CleaningReport",
    "GraphFilter",
    "IdMap",
    "Interactions",
    "ItemKNN",
    "LightGCN",
    "ModelFileError",
    "MostPopular",
    "Recommender",
    "Segments",
    "__version__",
    "clean_transactions",
    "load",
    "segment_customers",
]

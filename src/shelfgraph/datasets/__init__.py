"""Order-line data: the Online Retail II reader and a synthetic retail generator."""

from ._columns import ONLINE_RETAIL_COLUMNS, normalise_columns
from ._online_retail import (
    SHEETS,
    cache_dir,
    load_online_retail,
    normalise_order_lines,
)
from ._synthetic import make_retail_orders

__all__ = [
    "ONLINE_RETAIL_COLUMNS",
    "SHEETS",
    "cache_dir",
    "load_online_retail",
    "make_retail_orders",
    "normalise_columns",
    "normalise_order_lines",
]

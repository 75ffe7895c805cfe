"""The walkthrough's LightGCN call on synthetic orders of the Online Retail II shape.

Synthetic orders shaped like the full Online Retail II file are cleaned and
deduplicated to customer-item pairs, then trained with the walkthrough's
settings (64 factors, 3 layers, learning rate 1e-3, lambda 1e-4, 30 epochs).
The first fit in this fresh process includes loading the compiled kernels
from Numba's cache (run the script twice: the very first run also compiles
them); the second fit is warm. Item-kNN is fitted on the same pairs in the
same process as a peer for the ratio.

    python benchmarks/walkthrough_fit.py
"""

from __future__ import annotations

import time

import shelfgraph as sg
from _common import WALKTHROUGH
from shelfgraph.datasets import make_retail_orders


def main() -> None:
    orders = make_retail_orders(
        n_lines=500_000, n_customers=5_000, n_items=3_700, n_groups=20, random_state=0
    )
    lines, _ = sg.clean_transactions(orders)
    pairs = lines.drop_duplicates(["Customer ID", "StockCode"])[
        ["Customer ID", "StockCode"]
    ]
    times = []
    for _ in range(2):
        start = time.perf_counter()
        model = sg.LightGCN.from_transactions(
            pairs,
            user_col="Customer ID",
            item_col="StockCode",
            verbose=0,
            **WALKTHROUGH,
        )
        times.append(time.perf_counter() - start)
    knn = sg.ItemKNN()
    start = time.perf_counter()
    knn.fit(model.interactions_)
    knn_s = time.perf_counter() - start
    print(f"{model.interactions_}, batches of {model.batch_size_} pairs")
    print(f"LightGCN first call (kernels from cache): {times[0]:.2f} s")
    print(f"LightGCN second call (warm):              {times[1]:.2f} s")
    print(f"item-kNN fit, same pairs:                 {knn_s:.2f} s")
    print(f"ratio LightGCN (warm) / item-kNN:         {times[1] / knn_s:.1f}")


if __name__ == "__main__":
    main()

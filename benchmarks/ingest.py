"""Ingestion + cleaning + interactions on synthetic order lines (default 1M).

The peer is the walkthrough's plain pandas chain (dropna, query, value
counts, drop_duplicates) on the same frame, run in the same process; the
ratio says what the report, id maps and sparse matrix cost on top of it.

    python benchmarks/ingest.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from shelfgraph import Interactions, clean_transactions
from shelfgraph.datasets import load_online_retail, make_retail_orders


def plain_pandas(raw: pd.DataFrame) -> pd.DataFrame:
    df = raw.dropna(subset=["Customer ID", "StockCode", "Description"])
    df = df[(df["Quantity"] > 0) & (df["Price"] > 0)]
    df = df[~df["Invoice"].str.startswith("C")]
    counts = df["StockCode"].value_counts()
    df = df[df["StockCode"].isin(counts[counts >= 5].index)]
    return df.drop_duplicates(subset=["Customer ID", "StockCode"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    start = time.perf_counter()
    orders = make_retail_orders(
        n_lines=args.lines,
        n_customers=5_900,
        n_items=4_600,
        n_groups=20,
        random_state=0,
    )
    generate = time.perf_counter() - start
    print(f"generated {len(orders):,} order lines in {generate:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.parquet"
        orders.to_parquet(path)

        start = time.perf_counter()
        raw = load_online_retail(path)
        read = time.perf_counter() - start
        start = time.perf_counter()
        cleaned, report = clean_transactions(raw)
        clean = time.perf_counter() - start
        start = time.perf_counter()
        inter = Interactions.from_frame(
            cleaned,
            "Customer ID",
            "StockCode",
            time_col="InvoiceDate",
            name_col="Description",
        )
        build = time.perf_counter() - start
        ours = read + clean + build

        start = time.perf_counter()
        peer_raw = pd.read_parquet(path)
        pairs = plain_pandas(peer_raw)
        peer = time.perf_counter() - start

    print(report)
    print(inter)
    assert len(pairs) == inter.nnz, (len(pairs), inter.nnz)
    print(
        f"read {read:.2f} s + clean {clean:.2f} s + interactions {build:.2f} s "
        f"= {ours:.2f} s"
    )
    print(
        "plain pandas chain (read + clean + dedupe, no ids/matrix/report): "
        f"{peer:.2f} s"
    )
    print(f"ratio shelfgraph / plain pandas: {ours / peer:.2f}")


if __name__ == "__main__":
    main()

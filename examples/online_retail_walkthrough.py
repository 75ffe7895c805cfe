"""From Online Retail II order lines to the four retail jobs, public API only.

Runs on the Online Retail II sample in ../shared by default; pass the path of
the full UCI workbook (or a .csv/.parquet copy) to run on all of it:

    python examples/online_retail_walkthrough.py [online_retail_II.xlsx] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import shelfgraph as sg
from shelfgraph.datasets import load_online_retail

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "online-retail-ii"
    / "online_retail_II_sample.parquet"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default=str(SAMPLE))
    parser.add_argument("--out", default=".", help="folder for the segment plot")
    args = parser.parse_args(argv)

    # 1. Order lines in, cleaned, with a report of what went and why.
    orders = load_online_retail(args.path)
    lines, report = sg.clean_transactions(orders, min_item_count=5)
    print(f"Order lines read: {len(orders):,}")
    print(report)

    # 2. LightGCN with the walkthrough's settings; names come along.
    start = time.perf_counter()
    model = sg.LightGCN.from_transactions(
        lines,
        user_col="Customer ID",
        item_col="StockCode",
        item_name_col="Description",
        factors=64,
        k_layers=3,
        learning_rate=1e-3,
        lambda_=1e-4,
        iterations=30,
        random_state=42,
    )
    print(
        f"\nLightGCN trained in {time.perf_counter() - start:.1f} s "
        f"on {len(model.user_ids):,} customers x {len(model.item_ids):,} items"
    )

    # 3. Homepage shelves: unseen items, original ids, names, scores.
    regulars = lines["Customer ID"].value_counts().index[:3].tolist()
    shelves = model.recommend(regulars, n=6)
    for customer, shelf in shelves.groupby("user_id", sort=False):
        print(f"\nCustomer {customer}")
        print(
            shelf[["rank", "item_id", "item_name", "score"]]
            .round(4)
            .to_string(index=False)
        )

    # A visitor the model never saw, known only by a cart.
    cart = lines["StockCode"].value_counts().index[:2].tolist()
    print(f"\nVisitor with cart {cart}")
    print(model.recommend_for_basket(cart, n=5).round(4).to_string(index=False))

    # 4. Cross-sell for the most bought product.
    anchor = lines["StockCode"].value_counts().index[0]
    print(f"\nSimilar to {anchor} ({model.item_names[anchor]})")
    print(model.similar_items(anchor, n=5).round(4).to_string(index=False))

    # 5. Campaign audience: the top 20% of customers for three hero products.
    heroes = lines["StockCode"].value_counts().index[1:4].tolist()
    audience = model.recommend_users(heroes, fraction=0.2)
    print(
        f"\nCampaign {heroes}: {len(audience):,} customers in the top 20%, "
        f"scores {audience['score'].min():.3f} to {audience['score'].max():.3f}"
    )
    print(audience.head(5).round(4).to_string(index=False))

    # 6. Segments, described by their top items, and a plot.
    segments = sg.segment_customers(model, n_segments=4, top_n=3, random_state=42)
    print("\nSegments")
    print(segments.describe().to_string())
    plot = segments.plot(Path(args.out) / "segments.png")
    print(f"\nSegment plot written to {plot}")


if __name__ == "__main__":
    main()

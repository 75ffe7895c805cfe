"""The ``shelfgraph`` command line.

Three layers: argument parsing (:func:`build_parser`), one place that turns
exceptions into an exit code and a single stderr line (:func:`main`), and the
commands themselves, which only call the library and print.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .exceptions import ShelfgraphError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shelfgraph",
        description="Product recommendations from raw order lines with LightGCN.",
    )
    parser.add_argument(
        "--version", action="version", version=f"shelfgraph {__version__}"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="the whole workflow on synthetic retail orders",
        description=(
            "Generate synthetic Online Retail II order lines, clean them, evaluate "
            "LightGCN against baselines on a temporal split, then train on everything "
            "and run the four jobs: shelves, cross-sell, a campaign audience, segments."
        ),
    )
    demo.add_argument(
        "--lines",
        type=int,
        default=300_000,
        help="order lines to generate (default: 300000)",
    )
    demo.add_argument(
        "--iterations", type=int, default=30, help="LightGCN epochs (default: 30)"
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("shelfgraph-demo"),
        help="folder for shelves.csv and segments.png (default: shelfgraph-demo)",
    )
    demo.set_defaults(run=run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
    try:
        args.run(args)
    except (ShelfgraphError, ValueError, KeyError, OSError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"shelfgraph: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("shelfgraph: interrupted", file=sys.stderr)
        return 130
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> None:
    import shelfgraph as sg
    from shelfgraph.datasets import make_retail_orders
    from shelfgraph.evaluation import evaluate, temporal_split

    args.out.mkdir(parents=True, exist_ok=True)
    orders = make_retail_orders(
        n_lines=args.lines,
        n_customers=4_000,
        n_items=3_000,
        n_groups=20,
        random_state=args.seed,
    )
    print(f"Generated {len(orders):,} synthetic order lines")
    lines, report = sg.clean_transactions(orders)
    print(report)

    params = {
        "learning_rate": 1e-3,
        "iterations": args.iterations,
        "random_state": args.seed,
    }
    split = temporal_split(lines)
    print(f"\nTemporal split, last 20% of the timeline held out: {split}")
    table = evaluate(
        {
            "most-popular": sg.MostPopular(),
            "item-knn": sg.ItemKNN(),
            "graph-filter": sg.GraphFilter(n_components=64),
            "lightgcn": sg.LightGCN(**params),
        },
        split,
        k=20,
    )
    print(table[["recall@20", "ndcg@20", "coverage@20", "fit_s"]].round(4).to_string())

    start = time.perf_counter()
    model = sg.LightGCN.from_transactions(
        lines, "Customer ID", "StockCode", item_name_col="Description", **params
    )
    print(f"\nLightGCN trained on all lines in {time.perf_counter() - start:.1f} s")

    names = model.item_names
    if names is None:  # from_transactions was given the name column
        raise RuntimeError("the demo model lost its product names")
    customer = model.user_ids[0]
    ids, scores = model.recommend_items(customer, n=5)
    print(f"\nShelf of customer {customer}:")
    for item, score in zip(ids, scores):
        print(f"  {item:<8} {names[item]:<32} {score:.3f}")
    written = model.export_recommendations(args.out / "shelves.csv", n=10)
    print(f"All shelves ({written:,} rows) written to {args.out / 'shelves.csv'}")

    anchor = lines["StockCode"].value_counts().index[0]
    print(f"\nSimilar to {anchor} ({names[anchor]}):")
    print(model.similar_items(anchor, n=5).round(3).to_string(index=False))

    heroes = lines["StockCode"].value_counts().index[1:4].tolist()
    audience = model.recommend_users(heroes, fraction=0.2)
    print(f"\nCampaign {heroes}: {len(audience):,} customers in the top 20%")

    segments = sg.segment_customers(
        model, n_segments=4, top_n=3, random_state=args.seed
    )
    print("\nSegments:")
    print(segments.describe().to_string())
    plot = segments.plot(args.out / "segments.png")
    print(f"Segment plot written to {plot}")


if __name__ == "__main__":
    raise SystemExit(main())

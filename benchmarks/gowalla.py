"""LightGCN and the baselines on the LightGCN paper's Gowalla split.

The paper's protocol: every item ranked, training items masked, recall and
NDCG at 20 averaged over test users. The paper's own LightGCN row (3 layers,
64 factors, 1000 epochs of BPR) is printed for reference. LightGCN runs with
shelfgraph's defaults; its fit time and the process's peak resident memory
are reported, and each model's fit time is also given as a ratio to
LightGCN's.

    python benchmarks/gowalla.py [--skip-als] [--threads N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import shelfgraph as sg
from _common import GOWALLA, peak_rss_mb
from shelfgraph.evaluation import evaluate, paper_split

PAPER = {"recall@20": 0.1830, "ndcg@20": 0.1554}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-als", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument(
        "--seed", type=int, default=None, help="LightGCN's random_state"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    split = paper_split(GOWALLA / "train.txt.gz", GOWALLA / "test.txt.gz")
    print(f"read {split} in {time.perf_counter() - start:.1f} s")

    params = {"n_threads": args.threads}
    if args.iterations is not None:
        params["iterations"] = args.iterations
    if args.seed is not None:
        params["random_state"] = args.seed
    lightgcn = sg.LightGCN(**params)
    # Untraced, so that the time is the fit's own; the peak RSS of the whole
    # process bounds the fit's memory from above.
    rss_before = peak_rss_mb()
    lightgcn.fit(split.train)
    print(
        f"LightGCN fit: {lightgcn.fit_seconds_:.1f} s, peak RSS "
        f"{peak_rss_mb():.0f} MiB (before fit {rss_before:.0f} MiB)"
    )

    models: dict[str, sg.Recommender] = {
        "most-popular": sg.MostPopular(n_threads=args.threads),
        "graph-filter (GF-CF)": sg.GraphFilter(n_threads=args.threads),
    }
    if not args.skip_als:
        models["als (implicit)"] = sg.ALS(
            factors=64, iterations=15, n_threads=args.threads
        )
    table = evaluate(models, split, k=20)
    ours = evaluate({"lightgcn (shelfgraph)": lightgcn}, split, k=20, fit=False)
    table = pd.concat([ours, table])
    table["fit_ratio"] = table["fit_s"] / table.loc["lightgcn (shelfgraph)", "fit_s"]
    paper = pd.DataFrame([PAPER], index=["lightgcn (paper, 1000 epochs)"])
    table = pd.concat([table, paper])
    columns = [
        "recall@20",
        "ndcg@20",
        "precision@20",
        "coverage@20",
        "fit_s",
        "fit_ratio",
        "eval_s",
    ]
    with pd.option_context("display.width", 200):
        print(table[columns].round(4).to_string())
    print(
        f"test users: {len(split.test_users):,}; items ranked: {split.train.n_items:,}"
    )


if __name__ == "__main__":
    main()

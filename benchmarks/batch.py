"""Batch jobs on Gowalla-sized factors: every user's top-20 shelf, audiences.

The model is LightGCN trained for one epoch: the timing of the batch calls
depends on the shapes (29,858 users, 40,981 items, 64 factors), not on how
well the factors were trained. The peer is a plain NumPy version (matmul,
mask, argpartition, argsort) in the same process.

    python benchmarks/batch.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

import shelfgraph as sg
from _common import GOWALLA
from shelfgraph.evaluation import read_paper_file


def numpy_top20(model: sg.LightGCN, chunk: int = 1024) -> None:
    seen = model.interactions_.matrix
    for start in range(0, len(model.user_ids), chunk):
        rows = np.arange(start, min(start + chunk, len(model.user_ids)))
        scores = model.user_factors[rows] @ model.item_factors.T
        scores[seen[rows].nonzero()] = -np.inf
        top = np.argpartition(-scores, 20, axis=1)[:, :20]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        np.take_along_axis(top, order, axis=1)


def main() -> None:
    train = read_paper_file(GOWALLA / "train.txt.gz")
    model = sg.LightGCN(iterations=1).fit(train)
    model.recommend(model.user_ids[:10], n=20)  # compile the kernels first

    start = time.perf_counter()
    frame = model.recommend(n=20)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    numpy_top20(model)
    peer = time.perf_counter() - start
    print(
        f"top-20 for all {frame['user_id'].nunique():,} users "
        f"({len(frame):,} rows): {ours:.2f} s"
    )
    print(
        f"plain NumPy top-20 (no ids, no frame): {peer:.2f} s; ratio {ours / peer:.2f}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rows = model.export_recommendations(Path(tmp) / "shelves.parquet", n=20)
        print(f"export to Parquet ({rows:,} rows): {time.perf_counter() - start:.2f} s")

    items = list(model.item_ids[:3])
    start = time.perf_counter()
    audience = model.recommend_users(items, fraction=0.2)
    print(
        f"audience for 3 items over all users ({len(audience):,} kept): "
        f"{time.perf_counter() - start:.2f} s"
    )
    start = time.perf_counter()
    for item in model.item_ids[:100]:
        model.similar_items(item, n=10)
    print(f"similar_items, 100 calls: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()

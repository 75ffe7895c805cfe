"""Models side by side on temporal splits of retail order lines.

Two data sets: the Online Retail II sample in ../shared, and synthetic
orders shaped like the full Online Retail II file (about 4,300 customers,
3,700 items, 270,000 customer-item pairs after cleaning). Each is cleaned,
split in time (last 20% of the timeline held out) and every model is fitted
on the past. LightGCN runs twice: with the walkthrough's settings and with
shelfgraph's defaults. Fit times are also given as a ratio to item-kNN's,
run in the same process. On the synthetic orders a last row reads the
generator's truth: each customer's planted taste group, ranked by what the
group bought before the cut. It is the ceiling the models can approach.

    python benchmarks/online_retail.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

import shelfgraph as sg
from _common import RETAIL_SAMPLE, WALKTHROUGH
from shelfgraph.datasets import load_online_retail, make_retail_orders
from shelfgraph.evaluation import evaluate, temporal_split


class PlantedGroups(sg.Recommender):
    """Reference, not a model: scores from each customer's planted taste group.

    An item's score is the number of training customers of the user's group
    who bought it. The synthetic lines are drawn independently given the
    group, so no model can do much better than this.
    """

    name = "planted-groups"

    def __init__(self, customer_group: pd.Series) -> None:
        super().__init__()
        self.customer_group = customer_group

    def _fit(self, data: sg.Interactions) -> None:
        group = self.customer_group.reindex(data.users.ids).to_numpy(dtype=np.int64)
        bought = data.matrix.copy()
        bought.data[:] = 1.0
        members = sp.csr_matrix(
            (np.ones(data.n_users), (group, np.arange(data.n_users))),
            shape=(int(group.max()) + 1, data.n_users),
        )
        self.group_counts_ = (members @ bought).toarray().astype(np.float32)
        self.user_group_ = group

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.group_counts_[self.user_group_[rows]]


def models() -> dict[str, sg.Recommender]:
    out: dict[str, sg.Recommender] = {
        "most-popular": sg.MostPopular(),
        "item-knn": sg.ItemKNN(),
        "graph-filter": sg.GraphFilter(n_components=64),
        "lightgcn (walkthrough settings)": sg.LightGCN(**WALKTHROUGH),
        "lightgcn (defaults)": sg.LightGCN(),
    }
    try:
        import implicit  # noqa: F401

        out["als (implicit)"] = sg.ALS()
    except ImportError:
        pass
    return out


def run(
    name: str,
    orders: pd.DataFrame,
    reference: dict[str, sg.Recommender] | None = None,
) -> None:
    cleaned, _report = sg.clean_transactions(orders)
    split = temporal_split(cleaned)
    print(f"\n== {name}: {split}")
    print(f"   {split.report}")
    table = evaluate({**models(), **(reference or {})}, split, k=20)
    table["fit_ratio_vs_knn"] = table["fit_s"] / table.loc["item-knn", "fit_s"]
    columns = [
        "recall@20",
        "ndcg@20",
        "map@20",
        "coverage@20",
        "fit_s",
        "fit_ratio_vs_knn",
    ]
    with pd.option_context("display.width", 200):
        print(table[columns].round(4).to_string())


def main() -> None:
    run("Online Retail II sample", load_online_retail(RETAIL_SAMPLE))
    synthetic, customer_group, _ = make_retail_orders(
        n_lines=500_000,
        n_customers=5_000,
        n_items=3_700,
        n_groups=20,
        random_state=0,
        return_groups=True,
    )
    run(
        "synthetic retail, Online Retail II shape",
        synthetic,
        {"planted groups (reads the truth)": PlantedGroups(customer_group)},
    )

    # The walkthrough's training on all of the synthetic lines (no split).
    cleaned, _ = sg.clean_transactions(synthetic)
    data = sg.Interactions.from_frame(cleaned, "Customer ID", "StockCode")
    knn = sg.ItemKNN().fit(data)
    model = sg.LightGCN(**WALKTHROUGH).fit(data)
    print(
        f"\nwalkthrough settings on all synthetic lines ({data}): LightGCN fit "
        f"{model.fit_seconds_:.2f} s, item-kNN fit {knn.fit_seconds_:.2f} s, "
        f"ratio {model.fit_seconds_ / knn.fit_seconds_:.1f}"
    )


if __name__ == "__main__":
    main()

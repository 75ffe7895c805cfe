import numpy as np
import pandas as pd
import pytest

from shelfgraph import Interactions
from shelfgraph.evaluation import (
    last_basket_split,
    paper_split,
    random_split,
    split_from_interactions,
    temporal_split,
)
from shelfgraph.exceptions import EmptyDataError, LeakageError


def lines():
    return pd.DataFrame(
        {
            "cust": ["a", "a", "a", "b", "b", "c", "d", "b"],
            "item": ["x", "y", "x", "x", "z", "y", "w", "y"],
            "inv": [1, 1, 5, 2, 6, 3, 7, 6],
            "ts": pd.to_datetime(
                [
                    "2010-01-01",
                    "2010-01-01",
                    "2010-03-01",
                    "2010-01-05",
                    "2010-03-02",
                    "2010-01-09",
                    "2010-03-03",
                    "2010-03-02",
                ]
            ),
        }
    )


def pairs(split):
    m = split.test.tocoo()
    return {
        (split.train.users.ids[u], split.train.items.ids[i])
        for u, i in zip(m.row, m.col)
    }


def test_temporal_split_respects_the_cutoff_and_counts_what_it_removes():
    split = temporal_split(lines(), "cust", "item", "ts", cutoff="2010-02-01")
    # train: a-x, a-y, b-x, c-y ; after: a-x (seen), b-z, d-w (cold user), b-y
    assert split.report["seen_pairs_removed"] == 1
    assert split.report["cold_users"] == 1
    assert split.report["cold_user_pairs"] == 1
    # z and w are cold items: bought only after the cutoff; d-w counts as
    # a cold-user pair, so one pair is left out for a cold item alone
    assert split.report["cold_items"] == 2
    assert split.report["cold_item_pairs"] == 1
    assert pairs(split) == {("b", "y")}
    assert (split.train.last_time < pd.Timestamp("2010-02-01").value).all()
    assert split.test.multiply(split.train.matrix).nnz == 0


def test_temporal_split_by_fraction_of_the_timeline():
    split = temporal_split(lines(), "cust", "item", "ts", test_fraction=0.5)
    assert split.report["cutoff"] == str(pd.Timestamp("2010-01-31 12:00"))
    with pytest.raises(EmptyDataError, match="leaves no test lines"):
        temporal_split(lines(), "cust", "item", "ts", cutoff="2011-01-01")


def test_last_basket_split_holds_out_each_customers_last_invoice():
    split = last_basket_split(lines(), "cust", "item", "ts", "inv")
    # a's last basket (inv 5: x, seen) and b's (inv 6: z cold item, y);
    # c and d have one basket each
    assert split.report["held_baskets"] == 2
    assert pairs(split) == {("b", "y")}
    assert split.report["seen_pairs_removed"] == 1
    assert "d" in set(split.train.users.ids)  # one basket: trains, not tested
    assert split.report["cold_users"] == 0


def test_random_split_is_seeded_and_disjoint():
    rng = np.random.default_rng(0)
    users = rng.integers(0, 50, 2000)
    items = rng.integers(0, 80, 2000)
    inter = Interactions.from_pairs(users, items)
    a = random_split(inter, 0.2, random_state=1)
    b = random_split(inter, 0.2, random_state=1)
    assert (a.test != b.test).nnz == 0
    assert a.test.multiply(a.train.matrix).nnz == 0
    assert a.test.nnz + a.train.nnz == inter.nnz
    assert 0.15 < a.test.nnz / inter.nnz < 0.25
    # everyone keeps at least one training pair
    assert (np.diff(a.train.matrix.indptr) >= 1).all()


def test_user_given_overlap_is_an_error():
    train = Interactions.from_pairs([1, 1, 2], ["a", "b", "a"])
    test = Interactions.from_pairs([1, 2, 2], ["a", "c", "b"])
    with pytest.raises(LeakageError, match="1 test pairs are also training pairs"):
        split_from_interactions(train, test)
    ok = split_from_interactions(train, test, drop_seen=True)
    assert ok.report["seen_pairs_removed"] == 1
    assert ok.report["cold_items"] == 1


def test_paper_layout(tmp_path):
    (tmp_path / "train.txt").write_text("0 0 1 2\n1 1 2\n2 0\n")
    (tmp_path / "test.txt").write_text("0 3\n1 0\n2\n")
    split = paper_split(tmp_path / "train.txt", tmp_path / "test.txt")
    assert split.train.nnz == 6
    assert pairs(split) == {(1, 0)}
    assert split.report["cold_items"] == 1  # item 3 never in training
    (tmp_path / "leak.txt").write_text("0 1\n")
    with pytest.raises(LeakageError):
        paper_split(tmp_path / "train.txt", tmp_path / "leak.txt")

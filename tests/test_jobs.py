"""The business jobs: shelves, baskets, cross-sell, audiences, segments."""

import numpy as np
import pandas as pd
import pytest

import shelfgraph as sg
from shelfgraph import Interactions
from shelfgraph.exceptions import ShelfgraphWarning, UnknownIdError


@pytest.fixture(scope="module")
def retail(synthetic):
    orders, cust_group, item_group = synthetic
    clean, _ = sg.clean_transactions(orders)
    inter = Interactions.from_frame(
        clean, "Customer ID", "StockCode", name_col="Description"
    )
    model = sg.LightGCN(iterations=20, learning_rate=1e-3, random_state=0).fit(inter)
    return model, inter, cust_group, item_group


def test_filters_hold(retail):
    model, inter, _, _ = retail
    user = inter.users.ids[0]
    best, _ = model.recommend_items(user, n=5)
    ids, _ = model.recommend_items(user, n=20, exclude_items=list(best))
    assert not set(ids) & set(best)
    assert not set(ids) & set(inter.items_of(user))
    allowed = list(inter.items.ids[:40])
    ids, _ = model.recommend_items(user, n=100, allowed_items=allowed)
    assert set(ids) <= set(allowed) - set(inter.items_of(user))
    assert len(ids) == len(set(allowed) - set(inter.items_of(user)))
    with pytest.raises(UnknownIdError, match="unknown item id 'NOPE'"):
        model.recommend_items(user, allowed_items=["NOPE"])


def test_batch_equals_single_calls_and_carries_names(retail):
    model, inter, _, _ = retail
    users = list(inter.users.ids[:25])
    frame = model.recommend(users, n=7, chunk=8)
    assert list(frame.columns) == ["user_id", "rank", "item_id", "score", "item_name"]
    for user in users[:25:6]:
        ids, scores = model.recommend_items(user, n=7)
        part = frame[frame["user_id"] == user]
        assert part["item_id"].tolist() == list(ids)
        assert part["rank"].tolist() == list(range(1, 8))
        np.testing.assert_allclose(part["score"], scores, rtol=1e-5)
    assert frame["item_name"].tolist()[0] == inter.item_names[frame["item_id"].iloc[0]]
    everyone = model.recommend(n=3)
    assert everyone["user_id"].nunique() == inter.n_users


def test_unknown_users_follow_the_policy(retail):
    model, inter, _, _ = retail
    users = [inter.users.ids[0], "guest-1"]
    with pytest.raises(UnknownIdError, match="'guest-1'.*unknown='skip'"):
        model.recommend(users, n=3)
    with pytest.warns(ShelfgraphWarning, match="skipped 1 unknown user ids"):
        skipped = model.recommend(users, n=3, unknown="skip")
    assert set(skipped["user_id"]) == {inter.users.ids[0]}
    assert skipped.attrs["unknown_users"] == ["guest-1"]
    popular = model.recommend(users, n=3, unknown="popular")
    guest = popular[popular["user_id"] == "guest-1"]
    assert guest["source"].eq("popular").all() and len(guest) == 3
    top, _ = (
        sg.MostPopular()
        .fit(inter)
        .recommend_items(inter.users.ids[0], n=3, exclude_seen=False)
    )
    assert guest["item_id"].tolist() == list(top)


def test_export_writes_every_row(retail, tmp_path):
    model, inter, _, _ = retail
    n_rows = model.export_recommendations(tmp_path / "shelves.parquet", n=4, chunk=64)
    back = pd.read_parquet(tmp_path / "shelves.parquet")
    assert n_rows == len(back) == 4 * inter.n_users
    pd.testing.assert_frame_equal(
        back, model.recommend(n=4).reset_index(drop=True), check_dtype=False
    )
    model.export_recommendations(
        tmp_path / "shelves.csv", list(inter.users.ids[:10]), n=2
    )
    assert len(pd.read_csv(tmp_path / "shelves.csv")) == 20
    with pytest.raises(ValueError, match=r"\.parquet or \.csv"):
        model.export_recommendations(tmp_path / "x.json")


def test_fold_in_of_a_customers_own_basket_reproduces_their_shelf(retail):
    model, inter, _, _ = retail
    overlaps = []
    for user in inter.users.ids[:40]:
        shelf, _ = model.recommend_items(user, n=10)
        folded = model.recommend_for_basket(list(inter.items_of(user)), n=10)
        overlaps.append(len(set(shelf) & set(folded["item_id"])) / 10)
        assert not set(folded["item_id"]) & set(inter.items_of(user))
    assert np.mean(overlaps) > 0.6


def test_basket_bad_input(retail):
    model, *_ = retail
    with pytest.raises(ValueError, match="basket is empty"):
        model.recommend_for_basket([])
    with pytest.raises(UnknownIdError, match="unknown item id 'NOPE'"):
        model.recommend_for_basket(["NOPE"])
    with pytest.raises(ValueError, match="`n` must be an int >= 1"):
        model.recommend_for_basket([model.item_ids[0]], n=0)


def test_similar_items_come_from_the_same_group(retail):
    model, inter, _, item_group = retail
    item = inter.items.ids[0]
    similar = model.similar_items(item, n=10)
    assert item not in set(similar["item_id"])
    assert (similar["item_id"].map(item_group) == item_group[item]).mean() >= 0.8
    assert similar["score"].max() <= 1.0 + 1e-6
    cart = list(inter.items.ids[:3])
    also = model.similar_items(cart, n=5, exclude_items=[similar["item_id"].iloc[0]])
    assert not set(also["item_id"]) & set(cart)
    with pytest.raises(NotImplementedError, match="no item similarity"):
        sg.MostPopular().fit(inter).similar_items(item)


def test_audience_ranks_the_item_higher_than_the_rest(retail):
    model, inter, _, _ = retail
    item = inter.items.ids[5]
    everyone = model.recommend_users(item)
    buyers = set(inter.to_frame().query("item_id == @item")["user_id"])
    assert not buyers & set(everyone["user_id"])
    assert len(everyone) == inter.n_users - len(buyers)
    top = model.recommend_users(item, fraction=0.2)
    assert len(top) == int(np.ceil(0.2 * len(everyone)))
    assert top["score"].min() >= everyone["score"].iloc[len(top) :].max()
    # the chosen customers rank the item higher in their own shelves than the rest do
    table = model.score(everyone["user_id"], list(inter.items.ids))
    ranks = table.rank(axis=1, ascending=False)[item]
    chosen = everyone["user_id"].isin(top["user_id"]).to_numpy()
    assert ranks[chosen].mean() < ranks[~chosen].mean()
    cut = model.recommend_users(item, threshold=float(top["score"].iloc[9]))
    assert len(cut) >= 10 and (cut["score"] >= top["score"].iloc[9]).all()
    assert len(model.recommend_users(item, n=7)) == 7


def test_audience_for_several_items(retail):
    model, inter, _, _ = retail
    items = list(inter.items.ids[1:4])
    frame = model.recommend_users(items, n=50, combine="max")
    assert [c for c in frame.columns if c.startswith("score:")] == [
        f"score:{i}" for i in items
    ]
    np.testing.assert_allclose(
        frame["score"], frame[[f"score:{i}" for i in items]].max(axis=1)
    )
    with pytest.raises(UnknownIdError):
        model.recommend_users(["NOPE"])
    with pytest.raises(ValueError, match="at most one of"):
        model.recommend_users(items, n=3, fraction=0.1)
    with pytest.raises(ValueError, match=r"`fraction` must be in \(0, 1\]"):
        model.recommend_users(items, fraction=1.5)


def test_segments_are_seeded_and_plot_a_png(retail, tmp_path):
    pytest.importorskip("matplotlib")
    model, inter, cust_group, _ = retail
    a = sg.segment_customers(model, n_segments=6, random_state=3)
    b = sg.segment_customers(model, n_segments=6, random_state=3)
    assert a.labels.equals(b.labels)
    assert a.sizes.sum() == inter.n_users
    assert set(a.top_items.columns) >= {"segment", "rank", "item_id", "item_name"}
    # planted taste groups: segments align with them
    purity = (
        pd.crosstab(a.labels, a.labels.index.map(cust_group)).max(axis=1).sum()
        / inter.n_users
    )
    assert purity > 0.6
    path = a.plot(tmp_path / "segments.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
    assert len(a.describe()) == 6
    with pytest.raises(TypeError, match="need customer embeddings"):
        sg.segment_customers(sg.MostPopular().fit(inter))
    with pytest.raises(ValueError, match="`n_segments` must be an int >= 1"):
        sg.segment_customers(model, n_segments=0)

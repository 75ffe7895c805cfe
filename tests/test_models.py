"""One contract every model keeps, and each model's known answers."""

import numpy as np
import pytest
import scipy.sparse as sp

import shelfgraph as sg
from shelfgraph import Interactions
from shelfgraph.evaluation import evaluate, temporal_split
from shelfgraph.exceptions import NotFittedError, UnknownIdError

FAST_LIGHTGCN = {"iterations": 20, "factors": 16, "random_state": 0}


def make_models():
    models = [
        sg.MostPopular(),
        sg.ItemKNN(neighbors=20),
        sg.GraphFilter(n_components=8),
        sg.LightGCN(**FAST_LIGHTGCN),
    ]
    try:
        import implicit  # noqa: F401

        models.append(sg.ALS(factors=8, iterations=5))
    except ImportError:
        pass
    return models


MODEL_NAMES = [type(m).__name__ for m in make_models()]


@pytest.fixture(scope="module")
def shop():
    """Mixed-type ids: string stock codes and int customers."""
    rng = np.random.default_rng(0)
    users = rng.integers(10_000, 10_060, 900)
    items = np.array(
        [f"{85000 + i}{'A' if i % 3 == 0 else ''}" for i in rng.integers(0, 40, 900)]
    )
    return Interactions.from_pairs(users, items)


@pytest.fixture(scope="module", params=MODEL_NAMES)
def fitted(request, shop):
    model = next(m for m in make_models() if type(m).__name__ == request.param)
    return model.fit(shop)


def test_ids_come_back_as_given_and_seen_items_are_excluded(fitted, shop):
    user = shop.users.ids[3]
    ids, scores = fitted.recommend_items(user, n=10)
    assert len(ids) == 10
    assert all(isinstance(i, str) for i in ids)
    assert set(ids) <= set(shop.items.ids)
    assert not set(ids) & set(shop.items_of(user))
    assert np.all(np.diff(scores) <= 0)
    assert scores.dtype == np.float32


def test_exclude_seen_false_can_return_bought_items(fitted, shop):
    user = shop.users.ids[3]
    ids, _ = fitted.recommend_items(user, n=len(shop.items), exclude_seen=False)
    assert len(ids) == len(shop.items)
    assert set(shop.items_of(user)) <= set(ids)


def test_asking_for_more_than_is_left_returns_what_is_left(fitted, shop):
    user = shop.users.ids[0]
    ids, _ = fitted.recommend_items(user, n=10_000)
    assert len(ids) == shop.n_items - len(shop.items_of(user))


def test_unknown_user_and_bad_n(fitted):
    with pytest.raises(UnknownIdError, match="unknown user id 'nobody'"):
        fitted.recommend_items("nobody")
    with pytest.raises(ValueError, match=r"`n` must be an int >= 1, got 0"):
        fitted.recommend_items(fitted.user_ids[0], n=0)


def test_score_matches_recommendations(fitted, shop):
    user = shop.users.ids[5]
    ids, scores = fitted.recommend_items(user, n=5)
    table = fitted.score([user], ids)
    np.testing.assert_allclose(table.loc[user].to_numpy(), scores, rtol=1e-5)


def test_user_and_item_ids_are_the_original_ones(fitted, shop):
    assert list(fitted.user_ids) == list(shop.users.ids)
    assert list(fitted.item_ids) == list(shop.items.ids)


@pytest.mark.parametrize("model", make_models(), ids=MODEL_NAMES)
def test_not_fitted(model):
    with pytest.raises(NotFittedError, match="call fit"):
        model.recommend_items(1)


@pytest.mark.parametrize("model", make_models(), ids=MODEL_NAMES)
def test_fit_accepts_a_bare_sparse_matrix(model):
    m = sp.random(30, 25, density=0.2, random_state=1, format="csr")
    m.data[:] = 1
    model.fit(m)
    ids, _ = model.recommend_items(0, n=3)
    assert ids.dtype == np.int64


# -- known answers --------------------------------------------------------------


def planted_shop():
    """Candle-and-mug buyers all bought the teapot, except customer 0.

    Customer 0 bought candle and mug only: their graph neighbourhood says
    teapot. Lantern buyers are a separate crowd; a few customers buy one
    popular item (the bag) that nobody in the candle crowd bought.
    """
    rows = []
    for c in range(1, 30):
        rows += [(c, "CANDLE"), (c, "MUG"), (c, "TEAPOT")]
    rows += [(0, "CANDLE"), (0, "MUG")]
    for c in range(100, 160):
        rows += [(c, "LANTERN"), (c, "BAG"), (c, f"LIGHT{c % 5}")]
    for c in range(200, 240):
        rows += [(c, "BAG")]
    users, items = zip(*rows)
    return Interactions.from_pairs(list(users), list(items))


@pytest.mark.parametrize(
    "model",
    [
        sg.LightGCN(iterations=40, factors=16, random_state=1),
        sg.ItemKNN(),
        sg.GraphFilter(n_components=4),
    ],
    ids=["LightGCN", "ItemKNN", "GraphFilter"],
)
def test_the_neighbours_teapot_ranks_first(model):
    model.fit(planted_shop())
    ids, _ = model.recommend_items(0, n=1)
    assert ids[0] == "TEAPOT"


def test_most_popular_misses_the_planted_teapot():
    ids, _ = sg.MostPopular().fit(planted_shop()).recommend_items(0, n=1)
    assert ids[0] == "BAG"


def test_models_recover_taste_groups_and_beat_most_popular(synthetic):
    orders, cust_group, item_group = synthetic
    clean, _ = sg.clean_transactions(orders)
    split = temporal_split(clean)
    table = evaluate(
        {
            "pop": sg.MostPopular(),
            "knn": sg.ItemKNN(),
            "gf": sg.GraphFilter(n_components=16),
            "lightgcn": sg.LightGCN(iterations=30, learning_rate=1e-3, random_state=0),
        },
        split,
        k=10,
    )
    for name in ("knn", "gf", "lightgcn"):
        assert table.loc[name, "recall@10"] > 2 * table.loc["pop", "recall@10"], name
    # recommendations come from the customer's own taste group
    model = sg.LightGCN(iterations=30, learning_rate=1e-3, random_state=0).fit(
        split.train
    )
    popular = sg.MostPopular().fit(split.train)

    def own_group_share(m):
        return np.mean(
            [
                np.mean(
                    [
                        item_group[i] == cust_group[u]
                        for i in m.recommend_items(u, n=10)[0]
                    ]
                )
                for u in m.user_ids[:100]
            ]
        )

    # six groups: chance is 1/6, and most-popular ignores taste altogether
    assert own_group_share(model) > 0.6
    assert own_group_share(model) > 2 * own_group_share(popular)


def test_lightgcn_is_deterministic_and_independent_of_threads(shop):
    a = sg.LightGCN(iterations=3, factors=8, random_state=5, n_threads=1).fit(shop)
    b = sg.LightGCN(iterations=3, factors=8, random_state=5, n_threads=2).fit(shop)
    c = sg.LightGCN(iterations=3, factors=8, random_state=6, n_threads=1).fit(shop)
    assert np.array_equal(a.user_factors, b.user_factors)
    assert np.array_equal(a.item_factors, b.item_factors)
    assert not np.array_equal(a.item_factors, c.item_factors)
    assert a.user_factors.dtype == np.float32
    assert a.user_factors.shape == (shop.n_users, 8)


def test_lightgcn_training_lowers_the_loss():
    data = planted_shop()
    model = sg.LightGCN(iterations=15, factors=8, random_state=0).fit(data)
    assert model.loss_history_[-1] < 0.8 * model.loss_history_[0]
    bpr = sg.LightGCN(iterations=15, factors=8, loss="bpr", n_negatives=1).fit(data)
    assert bpr.loss_history_[-1] < bpr.loss_history_[0]


def test_walkthrough_call_with_string_ids():
    frame = planted_shop().to_frame()[["user_id", "item_id"]]
    model = sg.LightGCN.from_transactions(
        frame,
        user_col="user_id",
        item_col="item_id",
        factors=64,
        k_layers=3,
        learning_rate=1e-3,
        lambda_=1e-4,
        iterations=30,
        random_state=42,
        verbose=0,
    )
    ids, _scores = model.recommend_items(user_id=0, n=3)
    assert "TEAPOT" in ids
    assert model.user_factors.shape == (len(model.user_ids), 64)
    assert model.item_factors.dtype == np.float32


@pytest.mark.parametrize(
    "params, message",
    [
        ({"factors": 0}, r"`factors` must be an int >= 1, got 0"),
        ({"loss": "hinge"}, r"`loss` must be one of \['bpr', 'softmax'\], got 'hinge'"),
        ({"learning_rate": -1.0}, r"`learning_rate` must be a number > 0.0, got -1.0"),
        ({"k_layers": -1}, r"`k_layers` must be an int >= 0, got -1"),
    ],
)
def test_lightgcn_bad_parameters(params, message, shop):
    with pytest.raises(ValueError, match=message):
        sg.LightGCN(**params).fit(shop)


WALKTHROUGH = {
    "factors": 64,
    "k_layers": 3,
    "learning_rate": 1e-3,
    "lambda_": 1e-4,
    "iterations": 30,
    "random_state": 42,
}


def test_walkthrough_settings_beat_the_baselines_on_real_orders(sample_path):
    from shelfgraph.datasets import load_online_retail

    lines, _ = sg.clean_transactions(load_online_retail(sample_path))
    split = temporal_split(lines)
    table = evaluate(
        {
            "pop": sg.MostPopular(),
            "knn": sg.ItemKNN(),
            "lightgcn": sg.LightGCN(**WALKTHROUGH),
        },
        split,
        k=20,
    )
    for metric in ("recall@20", "ndcg@20"):
        ours = table.loc["lightgcn", metric]
        assert ours > 1.1 * table.loc["knn", metric], metric
        assert ours > 1.2 * table.loc["pop", metric], metric

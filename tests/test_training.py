"""How LightGCN's trainer sizes its batches."""

import numpy as np
import pytest
import scipy.sparse as sp

import shelfgraph as sg
from shelfgraph.models._training import auto_batch_size, expected_users


@pytest.mark.parametrize("degree, n_pairs", [(3, 40), (27, 5_000), (200, 9_000)])
def test_expected_users_matches_drawn_batches(degree, n_pairs):
    rng = np.random.default_rng(0)
    n_users = n_pairs // degree
    user_degree = np.full(n_users, degree)
    owner = np.repeat(np.arange(n_users), degree)
    for batch in (5, n_pairs // 10, n_pairs // 2):
        drawn = [
            len(np.unique(owner[rng.choice(len(owner), batch, replace=False)]))
            for _ in range(200)
        ]
        expected = expected_users(user_degree, len(owner), batch)
        assert expected == pytest.approx(np.mean(drawn), rel=0.03, abs=0.3)


def test_batch_stays_small_where_users_are_many_and_grows_where_few():
    # Gowalla's shape: 30k users with 27 pairs each; 16,384 pairs hold 42%
    assert auto_batch_size(np.full(30_000, 27), 30_000 * 27) == 16384
    # the Online Retail II shape: 4.5k customers with 55 pairs each (97%)
    assert auto_batch_size(np.full(4_500, 55), 4_500 * 55) == 65536
    # the switch: 16,384 pairs hold 80% of 10,180 users of equal degree
    assert auto_batch_size(np.full(9_900, 40), 9_900 * 40) == 65536
    assert auto_batch_size(np.full(10_500, 40), 10_500 * 40) == 16384
    # users without pairs do not count
    degree = np.r_[np.full(4_500, 55), np.zeros(50_000, dtype=int)]
    assert auto_batch_size(degree, 4_500 * 55) == 65536


def dense_shop(n_users=300, n_items=120, seed=0):
    rng = np.random.default_rng(seed)
    m = sp.random(n_users, n_items, density=0.3, random_state=rng, format="csr")
    m.data[:] = 1.0
    return m


def test_fitted_model_reports_its_batch():
    m = dense_shop()
    auto = sg.LightGCN(iterations=1, factors=8).fit(m)
    # small data: a quarter of the pairs, so that an epoch takes 4 steps
    assert auto.batch_size_ == -(-m.nnz // 4)
    fixed = sg.LightGCN(iterations=1, factors=8, batch_size=500).fit(m)
    assert fixed.batch_size_ == 500
    assert fixed.get_params()["batch_size"] == 500


def test_batch_size_survives_a_round_trip(tmp_path):
    model = sg.LightGCN(iterations=1, factors=8, batch_size=700).fit(dense_shop())
    loaded = sg.load(model.save(tmp_path / "m.npz"))
    assert loaded.batch_size_ == 700


def test_bad_batch_size():
    with pytest.raises(ValueError, match=r"`batch_size` must be an int >= 1, got 0"):
        sg.LightGCN(batch_size=0).fit(dense_shop())


def test_factors_do_not_depend_on_threads_with_full_groups():
    # 300 users fill groups of 32 users, so the matrix products run at size
    a = sg.LightGCN(iterations=2, factors=16, random_state=3, n_threads=1)
    b = sg.LightGCN(iterations=2, factors=16, random_state=3, n_threads=2)
    m = dense_shop(seed=1)
    assert np.array_equal(a.fit(m).item_factors, b.fit(m).item_factors)
    assert np.array_equal(a.user_factors, b.user_factors)

"""The Numba kernels against slow, obviously correct NumPy versions."""

import numpy as np
import pytest
import scipy.sparse as sp

from shelfgraph.models import _kernels
from shelfgraph.models._graph import normalized_adjacency
from shelfgraph.models._propagation import Propagation


def random_graph(n_users=30, n_items=20, density=0.2, seed=0):
    m = sp.random(n_users, n_items, density=density, random_state=seed, format="lil")
    m[m.nonzero()] = 1.0
    # everyone buys something, nobody buys everything
    for u in range(n_users):
        if m[u].nnz == 0:
            m[u, u % n_items] = 1.0
    m = sp.csr_matrix(m, dtype=np.float32)
    m.sort_indices()
    return m


def test_spmm_matches_scipy():
    m = random_graph().astype(np.float32)
    m.data = np.random.default_rng(0).random(m.nnz).astype(np.float32)
    x = np.random.default_rng(1).standard_normal((m.shape[1], 8)).astype(np.float32)
    out = np.full((m.shape[0], 8), np.nan, dtype=np.float32)
    _kernels.spmm(m.indptr, m.indices, m.data, x, out, np.empty((0, 8), np.float32))
    np.testing.assert_allclose(out, m @ x, rtol=1e-5, atol=1e-6)
    # the accumulating form adds the same product to ``total``
    total = np.ones_like(out)
    _kernels.spmm(m.indptr, m.indices, m.data, x, out, total)
    np.testing.assert_allclose(total, 1 + m @ x, rtol=1e-5, atol=1e-6)


def test_sparse_times_sparse_into_dense_matches_scipy():
    a = random_graph(n_users=12, n_items=30, density=0.3, seed=3)
    a.data = np.random.default_rng(6).random(a.nnz).astype(np.float32)
    b = random_graph(n_users=30, n_items=25, density=0.2, seed=4)
    b.data = np.random.default_rng(7).random(b.nnz).astype(np.float32)
    out = _kernels.spgemm_dense(
        a.indptr, a.indices, a.data, b.indptr, b.indices, b.data, b.shape[1]
    )
    np.testing.assert_allclose(out, (a @ b).toarray(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layers", [0, 1, 3])
def test_propagation_matches_the_dense_formula(layers):
    m = random_graph()
    n_u, n_i = m.shape
    a = np.zeros((n_u + n_i, n_u + n_i))
    a[:n_u, n_u:] = m.toarray()
    a[n_u:, :n_u] = m.toarray().T
    deg = a.sum(axis=1)
    d = np.where(deg > 0, deg**-0.5, 0.0)
    a_norm = d[:, None] * a * d[None, :]
    e0 = np.random.default_rng(2).standard_normal((n_u + n_i, 4))
    expected = sum(
        np.linalg.matrix_power(a_norm, k) @ e0 for k in range(layers + 1)
    ) / (layers + 1)

    fu, fi = Propagation(m, layers)(
        e0[:n_u].astype(np.float32), e0[n_u:].astype(np.float32)
    )
    np.testing.assert_allclose(np.vstack([fu, fi]), expected, rtol=1e-4, atol=1e-5)
    assert np.allclose(normalized_adjacency(m).toarray(), a_norm[:n_u, n_u:])


def test_propagation_calls_do_not_share_results():
    m = random_graph()
    prop = Propagation(m, 3)
    rng = np.random.default_rng(5)
    first_in = [rng.standard_normal((n, 4)).astype(np.float32) for n in m.shape]
    second_in = [rng.standard_normal((n, 4)).astype(np.float32) for n in m.shape]
    inputs_before = [x.copy() for x in first_in + second_in]
    first = prop(*first_in)
    kept = [x.copy() for x in first]
    second = prop(*second_in)
    # the second call reuses scratch buffers but leaves the first result alone
    for a, b in zip(first, kept):
        assert np.array_equal(a, b)
    # and it is computed from its own input, as a fresh operator would
    for a, b in zip(second, Propagation(m, 3)(*second_in)):
        assert np.array_equal(a, b)
    # inputs are never written to
    for a, b in zip(first_in + second_in, inputs_before):
        assert np.array_equal(a, b)


def loss_grad_numpy(fu, fi, users, pos, neg, w, kind, tau):
    """Loss and gradients pair by pair, from the closed-form derivatives.

    ``neg[b]`` lists pair b's sampled items, any length (repeats count).
    """
    fu = fu.astype(np.float64)
    fi = fi.astype(np.float64)
    gu = np.zeros_like(fu)
    gi = np.zeros_like(fi)
    total = 0.0
    for u, i, items, wb in zip(users, pos, neg, w):
        items = np.asarray(items, dtype=np.int64)
        if len(items) == 0:
            continue
        s_pos = fu[u] @ fi[i]
        s_neg = fi[items] @ fu[u]
        if kind == 0:
            total += wb * np.logaddexp(0, s_neg - s_pos).mean()
            d_neg = wb / (1 + np.exp(s_pos - s_neg)) / len(items)
            d_pos = -d_neg.sum()
        else:
            logits = np.r_[s_pos, s_neg] / tau
            log_z = np.logaddexp.reduce(logits)
            total += wb * (log_z - logits[0])
            p = np.exp(logits - log_z)
            d_pos = wb * (p[0] - 1) / tau
            d_neg = wb * p[1:] / tau
        gu[u] += d_pos * fi[i] + d_neg @ fi[items]
        gi[i] += d_pos * fu[u]
        np.add.at(gi, items, d_neg[:, None] * fu[u])
    return total, gu, gi


def loss_numpy(fu, fi, users, pos, neg, w, kind, tau):
    return loss_grad_numpy(fu, fi, users, pos, neg, w, kind, tau)[0]


@pytest.mark.parametrize("kind", [0, 1])
def test_loss_and_gradients_against_finite_differences(kind):
    rng = np.random.default_rng(kind)
    fu = rng.standard_normal((5, 3)).astype(np.float32)
    fi = rng.standard_normal((6, 3)).astype(np.float32)
    # purchases: user 1 bought items 0, 4 and 5; user 3 bought everything
    bought = sp.csr_matrix(
        (np.ones(9), ([0, 1, 1, 1, 3, 3, 3, 3, 4], [2, 0, 4, 5, 0, 1, 3, 5, 2])),
        shape=(5, 6),
    )
    # four runs: user 0 (one pair), user 1 (two pairs), user 3, user 4
    run_users = np.array([0, 1, 3, 4])
    run_ptr = np.array([0, 1, 3, 4, 5])
    pos = np.array([2, 0, 5, 0, 2])
    w = np.array([0.5, 1.0, 0.25, 3.0, 2.0], dtype=np.float32)
    # runs 0-1 share items 1, 4, 4 (user 1 bought 4); runs 2-3 share 0, 3, 5
    # (user 3 bought all three, so run 2 adds nothing)
    group_ptr = np.array([0, 2, 4])
    group_neg = np.array([[1, 4, 4], [0, 3, 5]], dtype=np.int32)
    tau = 0.7
    # the same batch, pair by pair, for the slow version
    users = np.repeat(run_users, np.diff(run_ptr))
    group_of_run = np.repeat(np.arange(2), np.diff(group_ptr))
    dense = bought.toarray() > 0
    neg = [
        [j for j in group_neg[group_of_run[r]] if not dense[run_users[r], j]]
        for r in range(4)
        for _ in range(run_ptr[r], run_ptr[r + 1])
    ]
    assert neg[1] == [1] and neg[3] == []

    bounds = _kernels.block_bounds(2, 2)
    assert bounds.tolist() == [0, 1, 2]
    loss, gu, gi = _kernels.sampled_loss_grad(
        fu,
        fi,
        bought.indptr,
        bought.indices,
        run_users,
        run_ptr,
        pos,
        w,
        group_ptr,
        group_neg,
        kind,
        tau,
        bounds,
    )
    assert loss == pytest.approx(
        loss_numpy(fu, fi, users, pos, neg, w, kind, tau), rel=1e-4
    )

    fu64, fi64, eps = fu.astype(np.float64), fi.astype(np.float64), 1e-6
    for table, grad in ((fu64, gu), (fi64, gi)):
        numeric = np.zeros_like(table)
        for idx in np.ndindex(table.shape):
            old = table[idx]
            table[idx] = old + eps
            up = loss_numpy(fu64, fi64, users, pos, neg, w, kind, tau)
            table[idx] = old - eps
            down = loss_numpy(fu64, fi64, users, pos, neg, w, kind, tau)
            table[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-4)
    # user 3's run contributes nothing
    assert not gu[3].any()


def test_topk_matches_argsort_with_ties_and_masks():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, (40, 30)).astype(np.float32)  # many ties
    scores[3, :] = -np.inf
    scores[4, 2:] = -np.inf
    idx, val = _kernels.topk_rows(scores, 7)
    for r in range(40):
        finite = np.flatnonzero(np.isfinite(scores[r]))
        order = finite[np.argsort(-scores[r, finite], kind="stable")][:7]
        expected = np.full(7, -1)
        expected[: len(order)] = order
        assert idx[r].tolist() == expected.tolist()
        assert np.array_equal(val[r][: len(order)], scores[r, order])


def test_mask_rows_hides_exactly_the_listed_items():
    m = random_graph()
    scores = np.zeros((3, m.shape[1]), dtype=np.float32)
    rows = np.array([5, 0, 7])
    _kernels.mask_rows(scores, m.indptr, m.indices, rows)
    assert np.array_equal(np.isinf(scores), m[rows].toarray() > 0)


@pytest.mark.parametrize("weight_decay", [0.0, 0.5])
def test_adam_step_matches_the_textbook_update(weight_decay):
    rng = np.random.default_rng(4)
    param = rng.standard_normal((5, 3)).astype(np.float32)
    expected = param.astype(np.float64)
    m = np.zeros_like(param)
    v = np.zeros_like(param)
    m_ref = np.zeros_like(expected)
    v_ref = np.zeros_like(expected)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    for step in range(1, 4):
        grad = rng.standard_normal(param.shape).astype(np.float32)
        _kernels.adam_step(param, grad, m, v, lr, b1, b2, eps, step, weight_decay)
        m_ref = b1 * m_ref + (1 - b1) * grad
        v_ref = b2 * v_ref + (1 - b2) * grad**2
        update = (m_ref / (1 - b1**step)) / (np.sqrt(v_ref / (1 - b2**step)) + eps)
        expected = expected - lr * (update + weight_decay * expected)
    np.testing.assert_allclose(param, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", [0, 1])
@pytest.mark.parametrize("width", [16, 64])
def test_loss_and_gradients_on_a_batch_of_full_groups(kind, width):
    """Groups of 32 users sharing 48 draws, a ragged last group, heavy users."""
    rng = np.random.default_rng(10 + kind)
    n_users, n_items = 150, 90
    dense = random_graph(n_users, n_items, density=0.08, seed=11).toarray() > 0
    dense[:3] = True  # three users bought every item but item 0
    dense[:3, 0] = False
    bought = sp.csr_matrix(dense.astype(np.float32))
    fu = (rng.standard_normal((n_users, width)) * 0.3).astype(np.float32)
    fi = (rng.standard_normal((n_items, width)) * 0.3).astype(np.float32)
    # each user's first and last purchase, as a batch sorted by user
    pairs = sorted(
        {
            (u, bought.indices[k])
            for u in range(n_users)
            for k in (bought.indptr[u], bought.indptr[u + 1] - 1)
        }
    )
    users, pos = (np.array(x) for x in zip(*pairs))
    run_ptr = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    run_users = users[run_ptr[:-1]]
    group_ptr = np.r_[np.arange(0, len(run_users), 32), len(run_users)]
    n_groups = len(group_ptr) - 1
    group_neg = rng.integers(1, n_items, (n_groups, 48), dtype=np.int32)
    w = rng.uniform(0.5, 2.0, len(pos)).astype(np.float32) / len(pos)
    tau = 0.3
    group_of_run = np.repeat(np.arange(n_groups), np.diff(group_ptr))
    neg = [
        [j for j in group_neg[group_of_run[r]] if not dense[run_users[r], j]]
        for r in range(len(run_users))
        for _ in range(run_ptr[r], run_ptr[r + 1])
    ]
    # the heavy users' draws are all bought (item 0 is never drawn)
    assert all(len(neg[b]) == 0 for b in np.flatnonzero(users < 3))
    assert n_groups == 5 and np.diff(group_ptr)[-1] < 32

    loss, gu, gi = _kernels.sampled_loss_grad(
        fu,
        fi,
        bought.indptr,
        bought.indices,
        run_users,
        run_ptr,
        pos,
        w,
        group_ptr,
        group_neg,
        kind,
        tau,
        _kernels.block_bounds(n_groups, 2),
    )
    ref_loss, ref_gu, ref_gi = loss_grad_numpy(fu, fi, users, pos, neg, w, kind, tau)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(gu, ref_gu, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(gi, ref_gi, rtol=1e-3, atol=1e-6)
    assert gu.dtype == gi.dtype == np.float32
    assert not gu[:3].any()

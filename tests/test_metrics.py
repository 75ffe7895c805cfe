import numpy as np
import pytest
import scipy.sparse as sp

from shelfgraph.evaluation import hit_matrix, metrics_from_hits


def slow_metrics(ranked, relevant, k):
    """Textbook definitions, one user at a time."""
    ranked = list(ranked[:k])
    rel = set(relevant)
    hits = [1.0 if item in rel else 0.0 for item in ranked]
    dcg = sum(h / np.log2(r + 2) for r, h in enumerate(hits))
    idcg = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(rel))))
    precisions = [sum(hits[: r + 1]) / (r + 1) for r in range(len(hits))]
    first = next((r + 1 for r, h in enumerate(hits) if h), None)
    return {
        "recall": sum(hits) / len(rel),
        "ndcg": dcg / idcg,
        "precision": sum(hits) / k,
        "hit_rate": float(any(hits)),
        "map": sum(p * h for p, h in zip(precisions, hits)) / min(k, len(rel)),
        "mrr": 0.0 if first is None else 1.0 / first,
    }


def test_hand_worked_case():
    # test items {1, 3, 9}; ranking 3, 5, 1 at k=3: hits at ranks 1 and 3
    top = np.array([[3, 5, 1]])
    test = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 0], [1, 3, 9])), shape=(1, 10))
    hits = hit_matrix(top, np.array([0]), test.indptr, test.indices)
    assert hits.tolist() == [[1.0, 0.0, 1.0]]
    m = {k: float(v[0]) for k, v in metrics_from_hits(hits, np.array([3])).items()}
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["hit_rate"] == 1.0
    assert m["mrr"] == 1.0
    idcg = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert m["ndcg"] == pytest.approx((1 + 1 / np.log2(4)) / idcg)
    assert m["map"] == pytest.approx((1 + 2 / 3) / 3)


def test_ideal_dcg_uses_min_of_k_and_test_items():
    # one test item ranked first at k=5: a perfect ndcg, not 1/idcg(5)
    hits = np.array([[1.0, 0, 0, 0, 0]])
    m = metrics_from_hits(hits, np.array([1]))
    assert m["ndcg"][0] == pytest.approx(1.0)
    assert m["recall"][0] == 1.0
    assert m["precision"][0] == pytest.approx(0.2)


def test_no_hit_gives_zeros():
    m = metrics_from_hits(np.zeros((1, 4)), np.array([2]))
    assert all(float(v[0]) == 0.0 for v in m.values())


@pytest.mark.parametrize("k", [1, 5, 20])
def test_fast_metrics_match_the_slow_ones_on_random_data(k):
    rng = np.random.default_rng(k)
    n_users, n_items = 60, 50
    test = sp.random(n_users, n_items, density=0.1, random_state=k, format="csr")
    test.data[:] = 1
    test.sort_indices()
    rows = np.flatnonzero(np.diff(test.indptr))
    top = np.stack([rng.permutation(n_items)[:k] for _ in rows])
    top[0, -1] = -1  # padding never hits
    hits = hit_matrix(top, rows, test.indptr, test.indices)
    fast = metrics_from_hits(hits, np.diff(test.indptr)[rows])
    for b, r in enumerate(rows):
        ranked = [i for i in top[b] if i >= 0] + [-2] * int((top[b] < 0).sum())
        slow = slow_metrics(
            ranked, test.indices[test.indptr[r] : test.indptr[r + 1]], k
        )
        for name, value in slow.items():
            assert fast[name][b] == pytest.approx(value), (name, b)

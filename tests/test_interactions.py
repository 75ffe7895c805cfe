import numpy as np
import pandas as pd
import pytest

from shelfgraph import IdMap, Interactions
from shelfgraph.exceptions import DataError, DataWarning, UnknownIdError


def orders():
    return pd.DataFrame(
        {
            "user": [536365, 536365, 7, 7, 7, 42],
            "item": ["85123A", "71053", "85123A", "85123A", "22423", "71053"],
            "qty": [6, 2, 1, 4, 3, 10],
            "price": [2.55, 3.39, 2.55, 2.55, 12.75, 3.39],
            "ts": pd.to_datetime(
                [
                    "2010-12-01",
                    "2010-12-02",
                    "2010-12-03",
                    "2010-12-09",
                    "2010-12-05",
                    "2010-12-07",
                ]
            ),
            "name": ["HEART", "LANTERN", "HEART", "HEART T-LIGHT", "TEAPOT", "LANTERN"],
        }
    )


def dense(inter):
    return pd.DataFrame(
        inter.matrix.toarray(), index=inter.users.ids, columns=inter.items.ids
    )


def test_pairs_are_merged_and_ids_keep_their_type():
    inter = Interactions.from_frame(orders(), "user", "item", time_col="ts")
    assert inter.shape == (3, 3)
    assert inter.nnz == 5
    assert list(inter.users.ids) == [7, 42, 536365]
    assert inter.users.ids.dtype == np.int64
    assert list(inter.items.ids) == ["22423", "71053", "85123A"]
    assert all(isinstance(i, str) for i in inter.items.ids)
    assert dense(inter).loc[7, "85123A"] == 1.0
    # last purchase of the repeated pair (7, 85123A) is the later one
    frame = inter.to_frame().set_index(["user_id", "item_id"])
    assert frame.loc[(7, "85123A"), "last_time"] == pd.Timestamp("2010-12-09")


@pytest.mark.parametrize(
    "weight, expected",
    [("count", 2.0), ("quantity", 5.0), ("revenue", 5 * 2.55), ("qty", 5.0)],
)
def test_weights(weight, expected):
    inter = Interactions.from_frame(
        orders(), "user", "item", weight=weight, quantity_col="qty", price_col="price"
    )
    assert dense(inter).loc[7, "85123A"] == pytest.approx(expected, rel=1e-6)
    assert dense(inter).loc[42, "71053"] == pytest.approx(
        {"count": 1, "quantity": 10, "revenue": 33.9, "qty": 10}[weight], rel=1e-6
    )


def test_item_names_take_the_most_frequent():
    inter = Interactions.from_frame(orders(), "user", "item", name_col="name")
    assert inter.item_names["85123A"] == "HEART"
    assert inter.item_names["22423"] == "TEAPOT"


def test_mixed_ids_are_not_coerced():
    frame = pd.DataFrame({"u": [1, "1", "a"], "i": ["x", 2, 2.5]})
    frame["i"] = frame["i"].astype(object)
    inter = Interactions.from_frame(frame, "u", "i")
    assert inter.n_users == 3  # 1 and "1" are different customers
    assert inter.users.kind == "mixed"
    assert set(inter.users.ids) == {1, "1", "a"}
    assert inter.users.index_of("1")[0] != inter.users.index_of(1)[0]


def test_whole_float_ids_become_ints_with_a_warning():
    frame = pd.DataFrame({"u": [13085.0, 13085.0, np.nan], "i": ["a", "b", "c"]})
    with pytest.warns(DataWarning) as caught:
        inter = Interactions.from_frame(frame, "u", "i")
    messages = " ".join(str(w.message) for w in caught)
    assert "whole-number floats" in messages
    assert "dropped 1 of 3 rows with a missing u" in messages
    assert list(inter.users.ids) == [13085]
    assert inter.users.ids.dtype == np.int64


def test_fractional_float_ids_are_an_error():
    frame = pd.DataFrame({"u": [1.5, 2.0], "i": ["a", "b"]})
    with pytest.raises(DataError, match="non-integer floats such as 1.5"):
        Interactions.from_frame(frame, "u", "i")


def test_negative_weights_are_an_error():
    with pytest.raises(DataError, match="negative or missing"):
        Interactions.from_frame(orders().assign(qty=-1), "user", "item", weight="qty")


def test_polars_input_gives_the_same_result():
    pl = pytest.importorskip("polars")
    frame = orders()
    a = Interactions.from_frame(frame, "user", "item", weight="qty")
    b = Interactions.from_frame(pl.from_pandas(frame), "user", "item", weight="qty")
    assert (a.matrix != b.matrix).nnz == 0
    assert a.users == b.users and a.items == b.items


def test_idmap_lookups():
    ids = IdMap(["85123A", "71053", "22423"])
    assert list(ids.index_of(["22423", "85123A"])) == [2, 0]
    assert list(ids.index_of(["nope", "71053"], missing="ignore")) == [-1, 1]
    with pytest.raises(UnknownIdError, match="unknown item id 'nope'"):
        ids.index_of("nope", what="item")
    assert list(ids.id_of([1])) == ["71053"]
    with pytest.raises(DataError, match="appears more than once"):
        IdMap(["a", "a"])


def test_items_of_and_from_pairs():
    inter = Interactions.from_pairs(["u1", "u1", "u2"], ["a", "b", "a"])
    assert sorted(inter.items_of("u1")) == ["a", "b"]
    with pytest.raises(UnknownIdError):
        inter.items_of("u9")


def test_from_csr_keeps_structure():
    import scipy.sparse as sp

    m = sp.random(20, 15, density=0.2, random_state=0, format="csr")
    inter = Interactions.from_csr(m)
    assert inter.shape == (20, 15)
    assert np.allclose(inter.matrix.toarray(), m.toarray())

"""Model files: round trips for every model, broken files, no code on load."""

import json
import zipfile

import numpy as np
import pytest

import shelfgraph as sg
from shelfgraph import Interactions, ModelFileError
from shelfgraph.models._files import FORMAT_VERSION
from test_models import MODEL_NAMES, make_models


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(3)
    users = [int(u) if u % 3 else f"guest-{u}" for u in rng.integers(0, 50, 700)]
    items = [
        f"{85000 + i}{'A' if i % 3 == 0 else ''}" for i in rng.integers(0, 40, 700)
    ]
    names = {i: f"PRODUCT {i}" for i in set(items)}
    import pandas as pd

    frame = pd.DataFrame({"u": pd.array(users, dtype=object), "i": items})
    frame["name"] = frame["i"].map(names)
    return Interactions.from_frame(frame, "u", "i", name_col="name")


@pytest.mark.parametrize("index", range(len(MODEL_NAMES)), ids=MODEL_NAMES)
def test_round_trip_answers_exactly_like_the_saved_model(index, shop, tmp_path):
    model = make_models()[index].fit(shop)
    path = model.save(tmp_path / "model")
    assert path.suffix == ".npz"
    loaded = sg.load(path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    assert list(loaded.user_ids) == list(model.user_ids)
    assert [type(u) for u in loaded.user_ids] == [type(u) for u in model.user_ids]
    a = model.recommend(n=5)
    b = loaded.recommend(n=5)
    assert a.equals(b)
    assert "item_name" in b.columns
    if hasattr(model, "item_factors") or hasattr(model, "similarity_"):
        item = model.item_ids[0]
        assert model.similar_items(item).equals(loaded.similar_items(item))
    basket = list(model.item_ids[:2])
    assert model.recommend_for_basket(basket).equals(
        loaded.recommend_for_basket(basket)
    )


def saved(tmp_path, shop):
    return sg.MostPopular().fit(shop).save(tmp_path / "m.npz")


def test_truncated_and_corrupt_files(tmp_path, shop):
    path = saved(tmp_path, shop)
    raw = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError, match="not a readable shelfgraph model"):
        sg.load(tmp_path / "cut.npz")
    (tmp_path / "junk.npz").write_bytes(b"hello")
    with pytest.raises(ModelFileError):
        sg.load(tmp_path / "junk.npz")


def test_tampered_arrays_fail_the_checksum(tmp_path, shop):
    path = saved(tmp_path, shop)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["state.item_popularity_"] = arrays["state.item_popularity_"] + 1
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFileError, match="checksum"):
        sg.load(tmp_path / "bad.npz")


def test_foreign_and_newer_files(tmp_path, shop):
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    with pytest.raises(ModelFileError, match="no manifest"):
        sg.load(tmp_path / "other.npz")
    path = saved(tmp_path, shop)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    manifest = json.loads(arrays["__manifest__"].tobytes())
    manifest["format_version"] = FORMAT_VERSION + 1
    arrays["__manifest__"] = np.frombuffer(
        json.dumps(manifest).encode(), dtype=np.uint8
    )
    np.savez(tmp_path / "newer.npz", **arrays)
    with pytest.raises(ModelFileError, match="newer than this shelfgraph"):
        sg.load(tmp_path / "newer.npz")
    with pytest.raises(FileNotFoundError):
        sg.load(tmp_path / "missing.npz")


def test_a_pickled_array_is_refused_not_run(tmp_path, shop):
    path = saved(tmp_path, shop)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    # An object array can only be stored by pickle; loading must not unpickle it.
    arrays["state.item_popularity_"] = np.array([object()], dtype=object)
    np.savez(tmp_path / "pickled.npz", **arrays)
    with pytest.raises(ModelFileError, match="not a readable"):
        sg.load(tmp_path / "pickled.npz")
    with zipfile.ZipFile(path) as z:
        assert all(n.endswith(".npy") for n in z.namelist())


def test_a_failed_write_keeps_the_old_model(tmp_path, shop, monkeypatch):
    path = saved(tmp_path, shop)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        sg.MostPopular().fit(shop).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_ids_that_cannot_round_trip_are_refused_at_save(tmp_path):
    data = Interactions.from_pairs([True, "a", "a"], ["x", "y", "x"])
    model = sg.MostPopular().fit(data)
    with pytest.raises(TypeError, match="only int and str ids can be saved, not bool"):
        model.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()

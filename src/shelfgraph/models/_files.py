"""Model files: NumPy arrays in one ``.npz`` plus a JSON manifest, never a pickle.

A model file is a single ``.npz`` archive. Its array ``__manifest__`` holds
UTF-8 JSON: the format version, the library version, the model class and its
parameters, how the ids were stored, and a SHA-256 checksum of every other
array. Loading reads arrays with ``allow_pickle=False`` and looks the class
up in a fixed table, so a file can never make the loader run code.

Writes go to a temporary file in the same folder that then replaces the
target in one rename: a crash leaves the old model or the new, never half.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._typing import PathType
from .._version import __version__
from ..exceptions import ShelfgraphError
from ..interactions import IdMap, Interactions, is_int_id
from .base import MODEL_CLASSES, Recommender

#: Version of the file layout this library writes; it reads this one and older.
FORMAT_VERSION = 1
_MANIFEST = "__manifest__"


class ModelFileError(ShelfgraphError, ValueError):
    """A model file is corrupt, truncated, foreign or of a newer format."""


def save(model: Recommender, path: PathType) -> Path:
    """Write a fitted model to ``path`` (``.npz`` is added when missing)."""
    name = type(model).__name__
    if MODEL_CLASSES.get(name) is not type(model):
        raise TypeError(
            f"cannot save a {name}; savable models: {sorted(MODEL_CLASSES)}"
        )
    data = model._check_fitted()
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")

    arrays: dict[str, np.ndarray] = {}
    ids = {
        "users": _put_ids(arrays, "users", data.users),
        "items": _put_ids(arrays, "items", data.items),
    }
    arrays["matrix.indptr"] = data.matrix.indptr
    arrays["matrix.indices"] = data.matrix.indices
    arrays["matrix.data"] = data.matrix.data
    if data.last_time is not None:
        arrays["matrix.last_time"] = data.last_time
    if data.item_names is not None:
        names = data.item_names
        arrays["names.items"] = data.items.index_of(names.index, missing="ignore")
        arrays["names.values"] = names.to_numpy(dtype=str)
    for key, value in model._state().items():
        arrays[f"state.{key}"] = np.asarray(value)

    manifest = {
        "format": "shelfgraph-model",
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "model_class": name,
        "params": model.get_params(),
        "shape": list(data.shape),
        "ids": ids,
        "checksum": _checksum(arrays),
    }
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: PathType) -> Recommender:
    """Read a model written by :func:`save`; it answers exactly like the saved one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError) as exc:
        raise ModelFileError(
            f"{path} is not a readable shelfgraph model file ({exc})"
        ) from exc
    if _MANIFEST not in arrays:
        raise ModelFileError(
            f"{path} is an .npz archive but not a shelfgraph model (no manifest)"
        )
    try:
        manifest = json.loads(arrays.pop(_MANIFEST).tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path} has a damaged manifest ({exc})") from exc
    if manifest.get("format") != "shelfgraph-model":
        raise ModelFileError(f"{path} is not a shelfgraph model file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format {version!r}, newer than this shelfgraph "
            f"{__version__} reads (up to {FORMAT_VERSION}); upgrade shelfgraph"
        )
    if manifest.get("checksum") != _checksum(arrays):
        raise ModelFileError(f"{path} failed its checksum: the file is damaged")
    cls = MODEL_CLASSES.get(manifest.get("model_class", ""))
    if cls is None:
        raise ModelFileError(
            f"{path} holds an unknown model class {manifest.get('model_class')!r}"
        )

    users = _get_ids(arrays, "users", manifest["ids"]["users"])
    items = _get_ids(arrays, "items", manifest["ids"]["items"])
    matrix = sp.csr_matrix(
        (arrays["matrix.data"], arrays["matrix.indices"], arrays["matrix.indptr"]),
        shape=tuple(manifest["shape"]),
    )
    names = None
    if "names.values" in arrays:
        idx = arrays["names.items"]
        keep = idx >= 0
        names = pd.Series(
            arrays["names.values"][keep].astype(object),
            index=pd.Index(items.id_of(idx[keep]), dtype=object),
            name="name",
        )
    data = Interactions(matrix, users, items, arrays.get("matrix.last_time"), names)
    model = cls(**manifest["params"])
    state = {k[len("state.") :]: v for k, v in arrays.items() if k.startswith("state.")}
    model._restore(data, state)
    return model


def _put_ids(arrays: dict[str, np.ndarray], name: str, ids: IdMap) -> str:
    """Store ids without pickle: ints as int64, others as text plus a type code."""
    if ids.kind == "int":
        arrays[f"{name}.ids"] = ids.ids.astype(np.int64)
        return "int"
    values = ids.ids
    kinds = np.array([0 if is_int_id(v) else 1 for v in values], dtype=np.uint8)
    bad_ids = [v for v in values if not (is_int_id(v) or isinstance(v, str))]
    if bad_ids:
        bad = bad_ids[0]
        raise TypeError(
            f"only int and str ids can be saved, not {type(bad).__name__} ({bad!r})"
        )
    arrays[f"{name}.ids"] = np.array([str(v) for v in values], dtype=str)
    arrays[f"{name}.kinds"] = kinds
    return "text"


def _get_ids(arrays: dict[str, np.ndarray], name: str, how: str) -> IdMap:
    values = arrays[f"{name}.ids"]
    if how == "int":
        return IdMap(values.astype(np.int64))
    kinds = arrays[f"{name}.kinds"]
    out = np.empty(len(values), dtype=object)
    for k, (text, kind) in enumerate(zip(values.tolist(), kinds.tolist())):
        out[k] = int(text) if kind == 0 else text
    return IdMap(out)


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(arrays):
        if key == _MANIFEST:
            continue
        value = np.ascontiguousarray(arrays[key])
        digest.update(key.encode())
        digest.update(str(value.dtype).encode())
        digest.update(str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()

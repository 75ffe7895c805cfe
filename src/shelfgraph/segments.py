"""Customer segments from a model's customer embeddings.

Customers are clustered with k-means on their final embeddings; each
segment is described by the items its centroid scores highest, as if the
centroid were a customer. A 2-D PCA projection shows the segments.
Needs the ``viz`` extra (scikit-learn and matplotlib).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ._typing import PathType
from .models.base import EmbeddingModel, check_int

logger = logging.getLogger("shelfgraph")

_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


@dataclass(frozen=True)
class Segments:
    """The result of :func:`segment_customers`.

    Attributes
    ----------
    labels : pandas.Series
        Segment number of each customer id.
    sizes : pandas.Series
        Customers per segment.
    top_items : pandas.DataFrame
        ``segment``, ``rank``, ``item_id``, ``score`` (and ``item_name``).
    centers : ndarray of shape (n_segments, factors)
    coordinates : ndarray of shape (n_customers, 2)
        The customers' 2-D PCA projection, rows in the order of ``labels``.
    explained_variance : ndarray of shape (2,)
        Share of the embeddings' variance each axis explains.
    """

    labels: pd.Series
    sizes: pd.Series
    top_items: pd.DataFrame
    centers: np.ndarray
    coordinates: np.ndarray
    explained_variance: np.ndarray

    def describe(self) -> pd.DataFrame:
        """One row per segment: size, share and its top items in one string."""
        label = "item_name" if "item_name" in self.top_items else "item_id"
        tops = self.top_items.groupby("segment")[label].agg(
            lambda s: " | ".join(map(str, s))
        )
        return pd.DataFrame(
            {
                "customers": self.sizes,
                "share": self.sizes / self.sizes.sum(),
                "top_items": tops,
            }
        )

    def plot(self, path: PathType | IO[bytes], title: str = "Customer segments") -> Any:
        """Save the segments in the PCA plane as a PNG; returns ``path``.

        ``path`` may also be a binary file object, for embedding the image.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        if isinstance(path, (str, Path)):
            path = Path(path)
        labels = self.labels.to_numpy()
        fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
        for seg in range(len(self.sizes)):
            mask = labels == seg
            ax.scatter(
                self.coordinates[mask, 0],
                self.coordinates[mask, 1],
                s=8,
                alpha=0.5,
                color=_COLOURS[seg % len(_COLOURS)],
                label=f"Segment {seg} ({int(mask.sum()):,} customers)",
            )
        ax.legend(markerscale=3, frameon=False, loc="best")
        ax.set_title(title)
        ax.set_xlabel(f"PC1 ({self.explained_variance[0]:.0%} of variance)")
        ax.set_ylabel(f"PC2 ({self.explained_variance[1]:.0%} of variance)")
        ax.grid(alpha=0.2)
        fig.tight_layout()
        fig.savefig(path, format="png")
        plt.close(fig)
        return path


def segment_customers(
    model: EmbeddingModel,
    n_segments: int = 4,
    *,
    top_n: int = 5,
    exclude_items: list[object] | None = None,
    random_state: int = 0,
    n_init: int = 10,
) -> Segments:
    """Cluster a fitted model's customers and describe each cluster.

    Parameters
    ----------
    model : LightGCN or ALS
        A fitted model with customer and item factors.
    n_segments : int, default=4
    top_n : int, default=5
        Items listed per segment.
    exclude_items : list of item ids, optional
        Items never listed (postage, carriage and similar non-products).
    random_state : int, default=0
        Seed of k-means and PCA: the same seed gives the same segments.
    n_init : int, default=10
        k-means restarts; the best is kept.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    if not isinstance(model, EmbeddingModel):
        raise TypeError(
            f"segments need customer embeddings; {type(model).__name__} has none "
            "(use LightGCN or ALS)"
        )
    data = model._check_fitted()
    n_segments = check_int("n_segments", n_segments)
    top_n = check_int("top_n", top_n)
    if n_segments > data.n_users:
        raise ValueError(
            f"`n_segments` ({n_segments}) exceeds the number of customers "
            f"({data.n_users})"
        )
    users = model.user_factors
    km = KMeans(n_clusters=n_segments, n_init=n_init, random_state=random_state)
    labels = km.fit_predict(users)

    scores = km.cluster_centers_.astype(np.float32) @ model.item_factors.T
    if exclude_items is not None:
        cols = data.items.index_of(exclude_items, missing="ignore")
        scores[:, cols[cols >= 0]] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :top_n]
    table = pd.DataFrame(
        {
            "segment": np.repeat(np.arange(n_segments), top.shape[1]),
            "rank": np.tile(np.arange(1, top.shape[1] + 1), n_segments),
            "item_id": data.items.id_of(top.ravel()),
            "score": np.take_along_axis(scores, top, axis=1).ravel(),
        }
    )
    if data.item_names is not None:
        table["item_name"] = table["item_id"].map(data.item_names).to_numpy()

    pca = PCA(n_components=2, random_state=random_state)
    coords = pca.fit_transform(users)
    sizes = pd.Series(np.bincount(labels, minlength=n_segments), name="customers")
    sizes.index.name = "segment"
    logger.info("segments: sizes %s", sizes.tolist())
    return Segments(
        labels=pd.Series(
            labels, index=pd.Index(data.users.ids, name="user_id"), name="segment"
        ),
        sizes=sizes,
        top_items=table,
        centers=km.cluster_centers_,
        coordinates=coords,
        explained_variance=pca.explained_variance_ratio_,
    )

"""A self-contained HTML report a manager can read: data, model, jobs.

Everything is in one file: tables as HTML, plots as embedded PNG images.
"""

from __future__ import annotations

import base64
import html
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._typing import PathType
from .cleaning import CleaningReport
from .evaluation import evaluate, standard_models, temporal_split
from .interactions import Interactions
from .models import LightGCN
from .segments import segment_customers


@dataclass
class ReportData:
    """What the report shows; :func:`build_report` fills it from order lines."""

    title: str
    cleaning: CleaningReport
    interactions: Interactions
    model: LightGCN
    evaluation: pd.DataFrame
    split_summary: dict[str, Any]
    shelves: pd.DataFrame
    audience_items: list[Any]
    audience: pd.DataFrame
    segments_png: bytes
    segments_table: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def build_report(
    lines: pd.DataFrame,
    cleaning: CleaningReport,
    *,
    user_col: str = "Customer ID",
    item_col: str = "StockCode",
    time_col: str = "InvoiceDate",
    name_col: str | None = "Description",
    model_params: dict[str, Any] | None = None,
    n_segments: int = 4,
    title: str = "shelfgraph report",
) -> ReportData:
    """Evaluate on a temporal split, train on all lines, run the jobs for the report."""
    params: dict[str, Any] = {
        "learning_rate": 1e-3,
        "iterations": 30,
        "random_state": 42,
    }
    params.update(model_params or {})
    timings: dict[str, float] = {}

    split = temporal_split(lines, user_col, item_col, time_col)
    table = evaluate(
        standard_models(**params),
        split,
        k=20,
    )

    start = time.perf_counter()
    data = Interactions.from_frame(
        lines, user_col, item_col, time_col=time_col, name_col=name_col
    )
    model = LightGCN(**params).fit(data)
    timings["train_s"] = time.perf_counter() - start

    regulars = lines[user_col].value_counts().index[:3].tolist()
    shelves = model.recommend(regulars, n=5)
    popular = lines[item_col].value_counts().index
    heroes = popular[1:4].tolist()
    audience = model.recommend_users(heroes, fraction=0.2)
    segments = segment_customers(
        model, n_segments=n_segments, top_n=3, random_state=params["random_state"]
    )
    buffer = io.BytesIO()
    segments.plot(buffer, title="Customer segments (PCA of LightGCN embeddings)")
    return ReportData(
        title=title,
        cleaning=cleaning,
        interactions=data,
        model=model,
        evaluation=table,
        split_summary=split.report,
        shelves=shelves,
        audience_items=heroes,
        audience=audience,
        segments_png=buffer.getvalue(),
        segments_table=segments.describe(),
        timings=timings,
    )


def write_report(report: ReportData, path: PathType) -> Path:
    """Write the report as one HTML file; returns its path."""
    path = Path(path)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def render_html(r: ReportData) -> str:
    inter = r.interactions
    density = inter.nnz / max(1, inter.n_users * inter.n_items)
    evaluation = r.evaluation[
        ["recall@20", "ndcg@20", "precision@20", "coverage@20", "fit_s"]
    ].round(4)
    audience = r.audience
    parts = [
        f"<h1>{_e(r.title)}</h1>",
        "<h2>1. What cleaning removed</h2>",
        f"<p>{r.cleaning.before.rows:,} order lines in, {r.cleaning.after.rows:,} kept "
        f"({r.cleaning.rows_removed:,} removed).</p>",
        _table(r.cleaning.to_frame()),
        "<h2>2. The data</h2>",
        f"<p>{inter.n_users:,} customers, {inter.n_items:,} products, "
        f"{inter.nnz:,} customer-product pairs (density {density:.2%}).</p>",
        "<h2>3. Training</h2>",
        f"<p>LightGCN ({r.model.k_layers} layers, {r.model.factors} factors, "
        f"{r.model.iterations} epochs) trained in "
        f"{r.timings.get('train_s', 0):.1f} s.</p>",
        _img(_loss_png(r.model.loss_history_), "Training loss per epoch"),
        "<h2>4. Quality against the baselines</h2>",
        "<p>Trained on the past, tested on the last 20% of the timeline; every "
        "product ranked, products a customer already bought left out. "
        f"Held-out pairs: {r.split_summary.get('test_pairs', 0):,} of "
        f"{r.split_summary.get('test_users', 0):,} customers "
        f"({r.split_summary.get('seen_pairs_removed', 0):,} repeat purchases and "
        f"{r.split_summary.get('cold_user_pairs', 0):,} pairs of new customers "
        "not scored).</p>",
        _table(evaluation, index=True),
        "<h2>5. Example homepage shelves</h2>",
        _table(r.shelves.round({"score": 3})),
        "<h2>6. Campaign audience</h2>",
        f"<p>Campaign products {', '.join(map(_e, map(str, r.audience_items)))}: "
        f"{len(audience):,} customers in the top 20%"
        + (
            f", combined scores {audience['score'].min():.3f} to "
            f"{audience['score'].max():.3f}.</p>"
            if len(audience)
            else ".</p>"
        ),
        "<p>Blank: the customer already bought that product.</p>",
        _table(audience.head(10).round(3), na_rep=""),
        "<h2>7. Customer segments</h2>",
        _table(r.segments_table.round({"share": 3}), index=True),
        _img(r.segments_png, "Customer segments"),
    ]
    style = (
        "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;"
        "color:#222}table{border-collapse:collapse;margin:1em 0;font-size:14px}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "th{background:#f3f3f3}img{max-width:100%}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{_e(r.title)}</title><style>{style}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


def _e(text: str) -> str:
    return html.escape(text)


def _table(frame: pd.DataFrame, index: bool = False, na_rep: str = "NaN") -> str:
    return frame.to_html(index=index, border=0, escape=True, na_rep=na_rep)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f"<img alt='{_e(alt)}' src='data:image/png;base64,{data}'>"


def _loss_png(history: list[float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.plot(range(1, len(history) + 1), history, marker="o", ms=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()

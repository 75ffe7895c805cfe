"""Shared fixtures: paths to the shared data and small seeded data sets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from shelfgraph.datasets import make_retail_orders

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE = SHARED / "online-retail-ii" / "online_retail_II_sample.parquet"
GOWALLA = SHARED / "gowalla"


def need(path: Path) -> Path:
    """Skip a test when a file of ../shared is absent (it is present in CI)."""
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return need(SAMPLE)


@pytest.fixture(scope="session")
def synthetic() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Small synthetic orders with their taste groups (customers, items)."""
    return make_retail_orders(
        n_lines=40_000,
        n_customers=600,
        n_items=300,
        n_groups=6,
        random_state=7,
        return_groups=True,
    )

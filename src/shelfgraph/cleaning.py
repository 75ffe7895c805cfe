"""Cleaning raw order lines into purchases, with a report of every row removed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .datasets._columns import (
    CUSTOMER_ID,
    DESCRIPTION,
    INVOICE,
    PRICE,
    QUANTITY,
    STOCK_CODE,
    require_columns,
)
from .exceptions import EmptyDataError

logger = logging.getLogger("shelfgraph")


@dataclass(frozen=True)
class RuleResult:
    """Rows one cleaning rule removed."""

    rule: str
    description: str
    rows_removed: int
    rows_left: int


@dataclass(frozen=True)
class Counts:
    """Size of a set of order lines."""

    rows: int
    customers: int
    items: int
    invoices: int | None


@dataclass(frozen=True)
class CleaningReport:
    """What :func:`clean_transactions` removed, rule by rule, in the order applied."""

    rules: list[RuleResult]
    before: Counts
    after: Counts
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rows_removed(self) -> int:
        return self.before.rows - self.after.rows

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: rule, description, rows_removed, rows_left."""
        return pd.DataFrame([r.__dict__ for r in self.rules])

    def to_dict(self) -> dict[str, object]:
        return {
            "rules": [r.__dict__ for r in self.rules],
            "before": self.before.__dict__,
            "after": self.after.__dict__,
        }

    def __str__(self) -> str:
        lines = [
            f"order lines: {self.before.rows:,} -> {self.after.rows:,}",
            f"customers:   {self.before.customers:,} -> {self.after.customers:,}",
            f"items:       {self.before.items:,} -> {self.after.items:,}",
        ]
        if self.before.invoices is not None and self.after.invoices is not None:
            lines.append(
                f"invoices:    {self.before.invoices:,} -> {self.after.invoices:,}"
            )
        for r in self.rules:
            lines.append(f"  - {r.rows_removed:>9,} rows: {r.description}")
        return "\n".join(lines)


def clean_transactions(
    orders: pd.DataFrame,
    *,
    user_col: str = CUSTOMER_ID,
    item_col: str = STOCK_CODE,
    invoice_col: str | None = INVOICE,
    quantity_col: str | None = QUANTITY,
    price_col: str | None = PRICE,
    description_col: str | None = DESCRIPTION,
    min_item_count: int = 5,
    drop_cancelled: bool = True,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Keep the order lines that are real purchases by known customers.

    The rules run in this order, each counted in the report:

    1. ``missing_customer``, ``missing_item``, ``missing_description``: lines
       with no customer id, stock code or description;
    2. ``non_positive_quantity``: lines with ``Quantity <= 0`` (returns and
       stock adjustments);
    3. ``non_positive_price``: lines with ``Price <= 0`` (samples, write-offs);
    4. ``cancelled``: lines of invoices whose number starts with ``"C"``;
    5. ``rare_items``: items on fewer than ``min_item_count`` of the lines
       left, so that every item has enough purchases to learn from.

    Parameters
    ----------
    orders : pandas.DataFrame
        Order lines, for instance from :func:`shelfgraph.datasets.load_online_retail`.
    user_col, item_col : str
        Customer and product columns. Default to the Online Retail II names.
    invoice_col, quantity_col, price_col, description_col : str or None
        The other columns the rules read; ``None`` skips the rules that need
        that column.
    min_item_count : int, default=5
        Lines an item needs to stay; 1 keeps every item.
    drop_cancelled : bool, default=True
        Whether to apply rule 4.

    Returns
    -------
    cleaned : pandas.DataFrame
        The kept lines, in their original order, with the original index.
    report : CleaningReport
        Rows removed by each rule and the counts before and after.

    Raises
    ------
    MissingColumnError
        A named column is not in ``orders``.
    EmptyDataError
        No lines are left; the message names the rule that removed the last.
    """
    if not isinstance(min_item_count, (int, np.integer)) or min_item_count < 1:
        raise ValueError(
            f"`min_item_count` must be an int >= 1, got {min_item_count!r}."
        )
    require_columns(
        orders,
        (user_col, item_col, invoice_col, quantity_col, price_col, description_col),
        hint="name the columns with user_col=, item_col=, ... "
        "or pass None to skip a rule",
    )
    if orders.empty:
        raise EmptyDataError("no order lines to clean: the frame has 0 rows")

    before = _counts(orders, user_col, item_col, invoice_col)
    keep = np.ones(len(orders), dtype=bool)
    results: list[RuleResult] = []

    def apply(rule: str, description: str, drop: np.ndarray) -> None:
        removed = keep & drop
        keep[removed] = False
        left = int(keep.sum())
        results.append(RuleResult(rule, description, int(removed.sum()), left))
        if left == 0:
            raise EmptyDataError(
                f"cleaning removed every order line: rule {rule!r} ({description}) "
                f"removed the last {int(removed.sum()):,}; check the column names "
                "and the rule's options"
            )

    apply("missing_customer", f"no {user_col}", orders[user_col].isna().to_numpy())
    apply("missing_item", f"no {item_col}", orders[item_col].isna().to_numpy())
    if description_col is not None:
        apply(
            "missing_description",
            f"no {description_col}",
            orders[description_col].isna().to_numpy(),
        )
    if quantity_col is not None:
        quantity = pd.to_numeric(orders[quantity_col], errors="coerce")
        apply(
            "non_positive_quantity",
            f"{quantity_col} <= 0 or missing",
            ~(quantity > 0).fillna(False).to_numpy(dtype=bool),
        )
    if price_col is not None:
        price = pd.to_numeric(orders[price_col], errors="coerce")
        apply(
            "non_positive_price",
            f"{price_col} <= 0 or missing",
            ~(price > 0).fillna(False).to_numpy(dtype=bool),
        )
    if drop_cancelled and invoice_col is not None:
        invoice = orders[invoice_col].astype("string")
        apply(
            "cancelled",
            f"cancelled invoice ({invoice_col} starts with 'C')",
            invoice.str.upper().str.startswith("C").fillna(False).to_numpy(dtype=bool),
        )
    if min_item_count > 1:
        items = orders[item_col].to_numpy()[keep]
        codes, uniques = pd.factorize(items)
        rare = np.bincount(codes, minlength=len(uniques)) < min_item_count
        drop = np.zeros(len(orders), dtype=bool)
        drop[np.flatnonzero(keep)[rare[codes]]] = True
        apply(
            "rare_items",
            f"item on fewer than {min_item_count} lines ({int(rare.sum()):,} items)",
            drop,
        )

    cleaned = orders[keep]
    report = CleaningReport(
        results, before, _counts(cleaned, user_col, item_col, invoice_col)
    )
    logger.info(
        "cleaning kept %d of %d order lines", report.after.rows, report.before.rows
    )
    return cleaned, report


def _counts(
    frame: pd.DataFrame, user_col: str, item_col: str, invoice_col: str | None
) -> Counts:
    return Counts(
        rows=len(frame),
        customers=int(frame[user_col].nunique()),
        items=int(frame[item_col].nunique()),
        invoices=None if invoice_col is None else int(frame[invoice_col].nunique()),
    )

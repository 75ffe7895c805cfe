"""Synthetic order lines in the Online Retail II schema, with a known structure.

Customers each have one taste group; most lines of their baskets come from
that group's items, the rest from the whole catalogue by popularity. So the
right recommendations for a customer are the unseen items of their own group,
which is what the tests and examples check models against.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import pandas as pd

from ._columns import (
    COUNTRY,
    CUSTOMER_ID,
    DESCRIPTION,
    INVOICE,
    INVOICE_DATE,
    PRICE,
    QUANTITY,
    STOCK_CODE,
)

_GROUP_NAMES = (
    "CANDLE",
    "MUG",
    "TEAPOT",
    "CUSHION",
    "LANTERN",
    "BUNTING",
    "NAPKIN",
    "CLOCK",
    "FRAME",
    "BASKET",
    "COASTER",
    "DOORSTOP",
    "GARLAND",
    "LUNCH BOX",
    "NOTEBOOK",
    "PURSE",
    "SIGN",
    "TIN",
    "UMBRELLA",
    "VASE",
)
_COLOURS = ("RED", "BLUE", "PINK", "WHITE", "GREEN", "IVORY", "VINTAGE", "RETRO")
_COUNTRIES = ("United Kingdom", "Germany", "France", "EIRE", "Netherlands", "Spain")
_COUNTRY_P = (0.88, 0.03, 0.03, 0.03, 0.02, 0.01)

#: Share of lines of each kind of mess, near the rates of the real export.
DEFAULT_MESS = {
    "missing_customer": 0.20,
    "missing_description": 0.004,
    "cancelled": 0.018,
    "negative_quantity": 0.002,
    "zero_price": 0.005,
    "duplicated": 0.01,
}


@overload
def make_retail_orders(
    n_lines: int = ...,
    n_customers: int = ...,
    n_items: int = ...,
    n_groups: int = ...,
    *,
    taste: float = ...,
    lines_per_invoice: float = ...,
    messy: bool = ...,
    start: str = ...,
    days: int = ...,
    random_state: int = ...,
    return_groups: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def make_retail_orders(
    n_lines: int = ...,
    n_customers: int = ...,
    n_items: int = ...,
    n_groups: int = ...,
    *,
    taste: float = ...,
    lines_per_invoice: float = ...,
    messy: bool = ...,
    start: str = ...,
    days: int = ...,
    random_state: int = ...,
    return_groups: Literal[True],
) -> tuple[pd.DataFrame, pd.Series, pd.Series]: ...


def make_retail_orders(
    n_lines: int = 100_000,
    n_customers: int = 2_000,
    n_items: int = 1_500,
    n_groups: int = 12,
    *,
    taste: float = 0.8,
    lines_per_invoice: float = 12.0,
    messy: bool = True,
    start: str = "2010-12-01",
    days: int = 365,
    random_state: int = 0,
    return_groups: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Generate seeded order lines shaped like the Online Retail II export.

    Parameters
    ----------
    n_lines : int, default=100_000
        Order lines of clean purchases; the messy rows come on top.
    n_customers : int, default=2_000
        Customers who buy; their activity is long-tailed.
    n_items : int, default=1_500
        Products, split evenly into ``n_groups`` taste groups, with Zipf-like
        popularity within each group.
    n_groups : int, default=12
        Taste groups. Each customer belongs to one.
    taste : float, default=0.8
        Probability that a line comes from the customer's own group; the rest
        are drawn from the whole catalogue by popularity.
    lines_per_invoice : float, default=12.0
        Mean basket size in lines.
    messy : bool, default=True
        Add the rows real exports have, at the rates of ``DEFAULT_MESS``:
        lines without customer id or description, cancellations (invoice
        ``"C..."`` with negative quantity), other negative quantities, zero
        prices and exact duplicate lines.
    start : str, default="2010-12-01"
        First day of the orders.
    days : int, default=365
        Days the orders are spread over.
    random_state : int, default=0
        Seed; the same seed gives the same frame.
    return_groups : bool, default=False
        Also return each customer's and each item's taste group.

    Returns
    -------
    orders : pandas.DataFrame
        Columns ``Invoice``, ``StockCode``, ``Description``, ``Quantity``,
        ``InvoiceDate``, ``Price``, ``Customer ID``, ``Country``, sorted by
        date. Stock codes are strings such as ``"21034"`` or ``"85123A"``.
    customer_group, item_group : pandas.Series
        Only with ``return_groups``: the taste group of each customer id and
        of each stock code.
    """
    for name, value, low in (
        ("n_lines", n_lines, 1),
        ("n_customers", n_customers, 1),
        ("n_groups", n_groups, 1),
        ("n_items", n_items, n_groups),
        ("days", days, 1),
    ):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"`{name}` must be an int >= {low}, got {value!r}.")
    if not 0.0 <= taste <= 1.0:
        raise ValueError(f"`taste` must be in [0, 1], got {taste!r}.")
    if lines_per_invoice < 1:
        raise ValueError(
            f"`lines_per_invoice` must be >= 1, got {lines_per_invoice!r}."
        )
    rng = np.random.default_rng(random_state)

    # Catalogue: contiguous item blocks per group, popularity Zipf-like with
    # exponent 1 within the group, shuffled so rank is not the item index.
    item_group = np.arange(n_items) % n_groups
    item_group.sort()
    rank = np.empty(n_items)
    for g in range(n_groups):
        members = np.flatnonzero(item_group == g)
        rank[members] = rng.permutation(len(members)) + 1
    popularity = 1.0 / (rank + 2.0)
    codes = _stock_codes(n_items, rng)
    names = _descriptions(item_group, rng)
    base_price = np.round(np.exp(rng.normal(0.8, 0.7, n_items)), 2) + 0.05

    # Within-group sampling: group g's cumulative weights shifted by g, so one
    # searchsorted draws from any group at once.
    order = np.argsort(item_group, kind="stable")
    group_total = np.bincount(item_group, weights=popularity, minlength=n_groups)
    shifted = _group_cumulative(
        popularity[order] / group_total[item_group[order]], item_group[order]
    )
    global_cum = np.cumsum(popularity) / popularity.sum()

    # Customers: a taste group each, long-tailed activity.
    customer_group = rng.integers(0, n_groups, n_customers)
    activity = rng.lognormal(0.0, 1.0, n_customers)
    customer_ids = rng.choice(
        np.arange(12346, 12346 + 10 * n_customers), n_customers, replace=False
    )

    # Invoices: a customer each, by activity; a size each; a time each.
    n_invoices = max(1, int(round(n_lines / lines_per_invoice)))
    inv_customer = rng.choice(n_customers, n_invoices, p=activity / activity.sum())
    sizes = 1 + rng.poisson(lines_per_invoice - 1, n_invoices)
    sizes = _fit_total(sizes, n_lines)
    n_invoices = len(sizes)
    inv_customer = inv_customer[:n_invoices]
    seconds = np.sort(rng.integers(0, days * 86_400, n_invoices))
    inv_time = pd.Timestamp(start) + pd.to_timedelta(_business_hours(seconds), unit="s")
    inv_number = 489_434 + np.arange(n_invoices)
    inv_country = rng.choice(len(_COUNTRIES), n_customers, p=_COUNTRY_P)[inv_customer]

    # Lines: from the own group with probability `taste`, else by popularity.
    line_inv = np.repeat(np.arange(n_invoices), sizes)
    line_cust = inv_customer[line_inv]
    own = rng.random(n_lines) < taste
    u = rng.random(n_lines)
    item = np.empty(n_lines, dtype=np.int64)
    line_group = customer_group[line_cust[own]]
    item[own] = order[
        np.minimum(
            np.searchsorted(shifted, line_group + u[own], side="right"), n_items - 1
        )
    ]
    item[~own] = np.minimum(
        np.searchsorted(global_cum, u[~own], side="right"), n_items - 1
    )
    quantity = rng.choice([1, 2, 3, 4, 6, 8, 12, 24, 48], n_lines, p=_QTY_P)

    orders = pd.DataFrame(
        {
            INVOICE: pd.array(inv_number[line_inv].astype(str), dtype="string"),
            STOCK_CODE: pd.array(codes[item], dtype="string"),
            DESCRIPTION: pd.array(names[item], dtype="string"),
            QUANTITY: quantity.astype(np.int64),
            INVOICE_DATE: inv_time[line_inv],
            PRICE: base_price[item],
            CUSTOMER_ID: pd.array(customer_ids[line_cust], dtype="Int64"),
            COUNTRY: np.asarray(_COUNTRIES, dtype=object)[inv_country[line_inv]],
        }
    )
    if messy:
        orders = _add_mess(orders, rng)
    orders = orders.sort_values(INVOICE_DATE, kind="stable").reset_index(drop=True)
    if not return_groups:
        return orders
    cust_series = pd.Series(
        customer_group, index=pd.Index(customer_ids, name=CUSTOMER_ID), name="group"
    )
    item_series = pd.Series(
        item_group, index=pd.Index(codes, name=STOCK_CODE, dtype="string"), name="group"
    )
    return orders, cust_series, item_series


_QTY_P = np.array([0.3, 0.15, 0.1, 0.1, 0.1, 0.05, 0.12, 0.06, 0.02])


def _group_cumulative(prob: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Cumulative probability within each (sorted) group, plus the group number."""
    out = np.empty_like(prob)
    bounds = np.flatnonzero(np.diff(groups)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(prob)]):
        out[lo:hi] = np.cumsum(prob[lo:hi])
        out[hi - 1] = 1.0
    return out + groups


def _fit_total(sizes: np.ndarray, total: int) -> np.ndarray:
    """Trim or extend basket sizes so that they add up to exactly ``total``."""
    cum = np.cumsum(sizes)
    if cum[-1] >= total:
        last = int(np.searchsorted(cum, total))
        sizes = sizes[: last + 1].copy()
        sizes[-1] -= int(cum[last] - total)
        return sizes[sizes > 0]
    sizes = sizes.copy()
    sizes[-1] += total - int(cum[-1])
    return sizes


def _business_hours(seconds: np.ndarray) -> np.ndarray:
    """Move times of day into shop hours (07:00 to 20:00), keeping the day."""
    day, second = np.divmod(seconds, 86_400)
    return day * 86_400 + 7 * 3_600 + second * 13 // 24


def _stock_codes(n_items: int, rng: np.random.Generator) -> np.ndarray:
    """Five-digit codes, about a fifth with a letter suffix such as ``85123A``."""
    base = rng.choice(np.arange(10_000, 90_000), n_items, replace=False)
    suffix = np.where(
        rng.random(n_items) < 0.2, rng.choice(list("ABCDEFGHJKLMNPRSTW"), n_items), ""
    )
    return np.char.add(base.astype(str), suffix).astype(object)


def _descriptions(item_group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    colour = rng.choice(len(_COLOURS), len(item_group))
    names = [
        f"{_COLOURS[c]} {_GROUP_NAMES[g % len(_GROUP_NAMES)]}"
        + (f" SET {g // len(_GROUP_NAMES) + 1}" if g >= len(_GROUP_NAMES) else "")
        + f" NO.{k}"
        for k, (c, g) in enumerate(zip(colour, item_group))
    ]
    return np.asarray(names, dtype=object)


def _add_mess(orders: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Blank, cancel, negate, zero-price and duplicate lines at realistic rates."""
    n = len(orders)
    rates = DEFAULT_MESS
    orders = orders.copy()
    # Guest checkouts: whole invoices without a customer id.
    invoices = orders[INVOICE].to_numpy()
    invoice_codes, uniques = pd.factorize(invoices)
    guest = rng.random(len(uniques)) < rates["missing_customer"]
    no_customer = guest[invoice_codes]
    orders.loc[no_customer, CUSTOMER_ID] = pd.NA
    no_description = rng.random(n) < rates["missing_description"]
    orders.loc[no_description, DESCRIPTION] = pd.NA
    orders.loc[no_description, PRICE] = 0.0
    zero_price = rng.random(n) < rates["zero_price"]
    orders.loc[zero_price, PRICE] = 0.0
    negative = rng.random(n) < rates["negative_quantity"]
    orders.loc[negative, QUANTITY] = -orders.loc[negative, QUANTITY]

    # Cancellations repeat a bought line later under a "C" invoice number.
    cancel = orders[rng.random(n) < rates["cancelled"]].copy()
    cancel[INVOICE] = "C" + cancel[INVOICE]
    cancel[QUANTITY] = -cancel[QUANTITY].abs()
    cancel[INVOICE_DATE] = cancel[INVOICE_DATE] + pd.to_timedelta(
        rng.integers(1, 14 * 86_400, len(cancel)), unit="s"
    )
    duplicated = orders[rng.random(n) < rates["duplicated"]]
    return pd.concat([orders, cancel, duplicated], ignore_index=True)

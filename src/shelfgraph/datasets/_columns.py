"""The Online Retail II schema and the normalisation of column names."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ..exceptions import MissingColumnError

#: Column names of the UCI Online Retail II file, as published.
INVOICE = "Invoice"
STOCK_CODE = "StockCode"
DESCRIPTION = "Description"
QUANTITY = "Quantity"
INVOICE_DATE = "InvoiceDate"
PRICE = "Price"
CUSTOMER_ID = "Customer ID"
COUNTRY = "Country"

ONLINE_RETAIL_COLUMNS = (
    INVOICE,
    STOCK_CODE,
    DESCRIPTION,
    QUANTITY,
    INVOICE_DATE,
    PRICE,
    CUSTOMER_ID,
    COUNTRY,
)

# Spellings seen in copies of the file (the older "Online Retail" release, CSV
# exports, Kaggle mirrors), keyed by the name reduced to lowercase letters and
# digits.
_ALIASES = {
    "invoice": INVOICE,
    "invoiceno": INVOICE,
    "stockcode": STOCK_CODE,
    "description": DESCRIPTION,
    "quantity": QUANTITY,
    "invoicedate": INVOICE_DATE,
    "price": PRICE,
    "unitprice": PRICE,
    "customerid": CUSTOMER_ID,
    "country": COUNTRY,
}


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename known spellings (``Customer_ID``, ``CustomerID``, ...) to the UCI names.

    Unknown columns are kept as they are. Two columns that mean the same thing
    are an error, since keeping either would drop the other silently.
    """
    renames: dict[object, str] = {}
    for column in frame.columns:
        target = _ALIASES.get(_key(column))
        if target is not None and column != target:
            renames[column] = target
    targets = [renames.get(c, c) for c in frame.columns]
    seen: set[object] = set()
    for original, target in zip(frame.columns, targets):
        if target in seen:
            raise ValueError(
                f"two columns both mean {target!r} (one of them is {original!r}); "
                "drop one before reading"
            )
        seen.add(target)
    return frame.rename(columns=renames)


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str | None], hint: str = ""
) -> None:
    """Raise :class:`MissingColumnError` for the first column not in ``frame``."""
    found = [str(c) for c in frame.columns]
    for column in columns:
        if column is not None and column not in frame.columns:
            raise MissingColumnError(column, found, hint)

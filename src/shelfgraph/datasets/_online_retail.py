"""Reading the UCI Online Retail II order lines from .xlsx, .csv or .parquet."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._typing import PathType
from ..exceptions import DataError, DatasetUnavailableError, EmptyDataError
from ._columns import (
    COUNTRY,
    CUSTOMER_ID,
    DESCRIPTION,
    INVOICE,
    INVOICE_DATE,
    ONLINE_RETAIL_COLUMNS,
    PRICE,
    QUANTITY,
    STOCK_CODE,
    normalise_columns,
    require_columns,
)

logger = logging.getLogger("shelfgraph")

#: The two sheets of the published workbook.
SHEETS = ("Year 2009-2010", "Year 2010-2011")
ONLINE_RETAIL_URL = "https://archive.ics.uci.edu/static/public/502/online+retail+ii.zip"
FILE_NAME = "online_retail_II.xlsx"
# Every column of the file but the country, which nothing downstream needs.
_REQUIRED = tuple(c for c in ONLINE_RETAIL_COLUMNS if c != COUNTRY)
_DOWNLOAD_TIMEOUT_S = 20


def cache_dir() -> Path:
    """The folder downloads go to: ``$SHELFGRAPH_CACHE``, else the user cache folder."""
    explicit = os.environ.get("SHELFGRAPH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "shelfgraph"


def load_online_retail(
    path: PathType | None = None,
    sheets: str | Sequence[str] | None = None,
    *,
    download: bool = True,
) -> pd.DataFrame:
    """Read the Online Retail II order lines with normalised columns and types.

    Parameters
    ----------
    path : str or path-like, default=None
        An ``.xlsx`` workbook as published by UCI, or the same lines as
        ``.csv`` or ``.parquet``. ``None`` reads ``online_retail_II.xlsx`` from
        :func:`cache_dir`, downloading it from the UCI archive the first time.
    sheets : str or sequence of str, default=None
        Workbook sheets to read, ``"Year 2009-2010"`` and/or
        ``"Year 2010-2011"``; ``None`` reads every sheet. Ignored for
        ``.csv`` and ``.parquet``.
    download : bool, default=True
        Whether a missing default file may be downloaded.

    Returns
    -------
    pandas.DataFrame
        One row per order line, columns named as in the UCI file
        (``Invoice``, ``StockCode``, ``Description``, ``Quantity``,
        ``InvoiceDate``, ``Price``, ``Customer ID``, ``Country``) whatever
        spelling the file used. ``Invoice`` and ``StockCode`` are strings
        (``"85123A"`` stays a string, ``536365`` never becomes
        ``"536365.0"``); ``Customer ID`` is a nullable integer when every
        present id is a whole number, as in the published file.
    """
    if path is None:
        path = _default_file(download)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"order-line file not found: {path}")
    if path.stat().st_size == 0:
        raise EmptyDataError(f"{path} is empty (0 bytes)")

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        frame = _read_workbook(path, sheets)
    elif suffix in (".csv", ".txt") or path.name.lower().endswith(".csv.gz"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=True)
        except pd.errors.EmptyDataError:
            raise EmptyDataError(f"{path} has no header and no rows") from None
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise DataError(
            f"cannot read {path.name!r}: expected a .xlsx, .csv or .parquet file"
        )
    if frame.empty:
        raise EmptyDataError(
            f"{path} has no order lines (columns: {list(frame.columns)})"
        )
    return normalise_order_lines(frame, source=str(path))


def normalise_order_lines(frame: pd.DataFrame, source: str = "frame") -> pd.DataFrame:
    """Give order lines the UCI column names and consistent types.

    Used by :func:`load_online_retail`; call it directly on a frame that was
    read some other way.
    """
    frame = normalise_columns(frame)
    require_columns(
        frame,
        _REQUIRED,
        hint=f"in {source}; Online Retail II order lines need {list(_REQUIRED)}",
    )
    frame = frame.copy()
    frame[INVOICE] = code_strings(frame[INVOICE])
    frame[STOCK_CODE] = code_strings(frame[STOCK_CODE])
    frame[DESCRIPTION] = frame[DESCRIPTION].astype("string").str.strip()
    frame[QUANTITY] = _numeric(frame[QUANTITY], QUANTITY, source)
    frame[PRICE] = _numeric(frame[PRICE], PRICE, source)
    frame[INVOICE_DATE] = pd.to_datetime(frame[INVOICE_DATE])
    frame[CUSTOMER_ID] = whole_number_ids(frame[CUSTOMER_ID])
    return frame.reset_index(drop=True)


def code_strings(values: pd.Series) -> pd.Series:
    """Codes as strings: ``85123`` and ``85123.0`` both become ``"85123"``.

    Spreadsheets store codes such as stock codes and invoice numbers as
    numbers when they look like numbers and as text otherwise; this gives one
    text form to both and keeps missing values missing.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    as_text = np.array([_code_text(v) for v in uniques], dtype=object)
    out = np.full(len(values), None, dtype=object)
    present = codes >= 0
    out[present] = as_text[codes[present]]
    return pd.Series(out, index=values.index, name=values.name, dtype="string")


def _code_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def whole_number_ids(values: pd.Series) -> pd.Series:
    """Customer ids as nullable integers when every present id is a whole number.

    The published workbook stores ``Customer ID`` as floats (``13085.0``)
    because of its missing values, and some exports write them as text
    (``"13085.0"``). Ids that are not all whole numbers are returned as text.
    """
    if pd.api.types.is_integer_dtype(values):
        return values.astype("Int64")
    numbers = pd.to_numeric(values, errors="coerce")
    present = values.notna()
    whole = numbers[present].notna().all() and bool(
        np.all(np.mod(numbers[present].to_numpy(dtype=float), 1.0) == 0.0)
    )
    if whole:
        return numbers.astype("Int64")
    return code_strings(values)


def _numeric(values: pd.Series, name: str, source: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        example = values[bad].iloc[0]
        raise DataError(
            f"column {name!r} in {source} has {int(bad.sum())} non-numeric values "
            f"(first: {example!r}); fix or drop those rows before reading"
        )
    return numbers


def _excel_engine() -> Literal["calamine", "openpyxl"]:
    try:
        import python_calamine  # noqa: F401

        return "calamine"
    except ImportError:
        pass
    try:
        import openpyxl  # noqa: F401

        logger.info(
            "python-calamine not installed; reading .xlsx with openpyxl (slower)"
        )
        return "openpyxl"
    except ImportError:
        raise ImportError(
            "reading .xlsx needs python-calamine or openpyxl: "
            "pip install 'shelfgraph[excel]'"
        ) from None


def _read_workbook(path: Path, sheets: str | Sequence[str] | None) -> pd.DataFrame:
    engine = _excel_engine()
    with pd.ExcelFile(path, engine=engine) as book:
        found = [str(s) for s in book.sheet_names]
        if sheets is None:
            wanted = found
        else:
            wanted = [sheets] if isinstance(sheets, str) else list(sheets)
            missing = [s for s in wanted if s not in found]
            if missing:
                raise DataError(
                    f"sheet {missing[0]!r} not in {path.name}; sheets found: {found}"
                )
        parts = [pd.read_excel(book, sheet_name=sheet) for sheet in wanted]
    logger.debug("read sheets %s of %s with %s", wanted, path, engine)
    parts = [normalise_columns(p) for p in parts if not p.empty]
    if not parts:
        raise EmptyDataError(f"sheets {wanted} of {path} have no rows")
    return pd.concat(parts, ignore_index=True)


def _default_file(download: bool) -> Path:
    target = cache_dir() / FILE_NAME
    if target.exists():
        return target
    where = (
        f"download {ONLINE_RETAIL_URL}, unzip it and put {FILE_NAME} at {target} "
        "(or pass its path)"
    )
    if not download:
        raise DatasetUnavailableError(f"{target} does not exist; {where}")
    logger.info("downloading Online Retail II to %s", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            archive = Path(tmp) / "online_retail_ii.zip"
            with (
                urllib.request.urlopen(
                    ONLINE_RETAIL_URL, timeout=_DOWNLOAD_TIMEOUT_S
                ) as response,
                archive.open("wb") as out,
            ):
                shutil.copyfileobj(response, out)
            with zipfile.ZipFile(archive) as zipped:
                member = next(n for n in zipped.namelist() if n.endswith(".xlsx"))
                zipped.extract(member, tmp)
            # A rename within one folder is atomic: no half-written cache file.
            os.replace(Path(tmp) / member, target)
    except (urllib.error.URLError, OSError, zipfile.BadZipFile, StopIteration) as exc:
        raise DatasetUnavailableError(
            f"could not download Online Retail II ({exc}); {where}"
        ) from exc
    return target

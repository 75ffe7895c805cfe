import numpy as np
import pandas as pd
import pytest

from shelfgraph import Interactions, clean_transactions
from shelfgraph.datasets import (
    SHEETS,
    _online_retail,
    load_online_retail,
    make_retail_orders,
)
from shelfgraph.exceptions import (
    DataError,
    DatasetUnavailableError,
    EmptyDataError,
    MissingColumnError,
)

RAW = {  # the raw UCI layout: numbers where the sheet has numbers
    "Invoice": [489434, 489434, "C489449", 489450],
    "StockCode": [85048, "79323P", 22087, "85123A"],
    "Description": [
        "15CM CHRISTMAS GLASS BALL",
        "PINK CHERRY LIGHTS",
        "PAPER BUNTING",
        None,
    ],
    "Quantity": [12, 12, -12, 6],
    "InvoiceDate": pd.to_datetime(
        ["2009-12-01 07:45", "2009-12-01 07:45", "2009-12-01 10:33", "2009-12-01 10:41"]
    ),
    "Price": [6.95, 6.75, 2.95, 2.55],
    "Customer ID": [13085.0, 13085.0, 16321.0, np.nan],
    "Country": ["United Kingdom"] * 4,
}


def workbook(path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for k, sheet in enumerate(SHEETS):
        ws = book.create_sheet(sheet)
        ws.append(list(RAW))
        for row in zip(*RAW.values()):
            ws.append(
                [
                    None
                    if isinstance(v, float) and np.isnan(v)
                    else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                    for v in row
                ][:3]
                + [row[3] + k]
                + list(row[4:])
            )
    book.save(path)
    return path


def test_xlsx_in_raw_layout_reads_both_sheets(tmp_path):
    path = workbook(tmp_path / "online_retail_II.xlsx")
    both = load_online_retail(path)
    assert len(both) == 8
    assert list(both.columns[:8]) == list(RAW)
    assert list(both["StockCode"][:4]) == ["85048", "79323P", "22087", "85123A"]
    assert list(both["Invoice"][:3]) == ["489434", "489434", "C489449"]
    assert both["Customer ID"].dtype == "Int64"
    assert both["Customer ID"].iloc[0] == 13085
    assert both["Customer ID"].isna().sum() == 2
    one = load_online_retail(path, sheets="Year 2010-2011")
    assert list(one["Quantity"]) == [13, 13, -11, 7]


def test_wrong_sheet_lists_the_sheets_found(tmp_path):
    path = workbook(tmp_path / "retail.xlsx")
    with pytest.raises(
        DataError,
        match=r"sheet 'Year 2011' not in retail.xlsx; "
        r"sheets found: \['Year 2009-2010', 'Year 2010-2011'\]",
    ):
        load_online_retail(path, sheets=["Year 2011"])


def test_openpyxl_fallback_reads_the_same(tmp_path, monkeypatch):
    path = workbook(tmp_path / "retail.xlsx")
    fast = load_online_retail(path)
    monkeypatch.setattr(_online_retail, "_excel_engine", lambda: "openpyxl")
    slow = load_online_retail(path)
    pd.testing.assert_frame_equal(fast, slow)


def test_csv_with_other_column_spellings(tmp_path):
    frame = pd.DataFrame(RAW).rename(
        columns={
            "Customer ID": "CustomerID",
            "Invoice": "InvoiceNo",
            "Price": "UnitPrice",
        }
    )
    frame.to_csv(tmp_path / "lines.csv", index=False)
    read = load_online_retail(tmp_path / "lines.csv")
    assert list(read["StockCode"]) == ["85048", "79323P", "22087", "85123A"]
    assert list(read["Invoice"]) == ["489434", "489434", "C489449", "489450"]
    assert read["Customer ID"].iloc[2] == 16321
    assert read["Price"].iloc[0] == pytest.approx(6.95)


def test_missing_column_and_empty_files(tmp_path):
    pd.DataFrame(RAW).drop(columns=["Price"]).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(
        MissingColumnError, match=r"'Price' not found; columns found: \['Invoice'"
    ):
        load_online_retail(tmp_path / "a.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(EmptyDataError, match="empty"):
        load_online_retail(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text(",".join(RAW) + "\n")
    with pytest.raises(EmptyDataError, match="no order lines"):
        load_online_retail(tmp_path / "header.csv")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_online_retail(tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match=r"expected a .xlsx, .csv or .parquet"):
        load_online_retail(tmp_path / "x.json")


def test_offline_download_fails_at_once_and_says_where_to_put_the_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SHELFGRAPH_CACHE", str(tmp_path))
    # A closed port on this machine: the connection is refused at once.
    monkeypatch.setattr(_online_retail, "ONLINE_RETAIL_URL", "http://127.0.0.1:9/x.zip")
    with pytest.raises(
        DatasetUnavailableError, match=str(tmp_path / "online_retail_II.xlsx")
    ):
        load_online_retail()
    with pytest.raises(DatasetUnavailableError, match="does not exist"):
        load_online_retail(download=False)


def test_cached_file_is_used_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("SHELFGRAPH_CACHE", str(tmp_path))
    workbook(tmp_path / "online_retail_II.xlsx")
    assert len(load_online_retail(download=False)) == 8


def test_real_sample_matches_a_plain_pandas_computation(sample_path):
    read = load_online_retail(sample_path)
    raw = pd.read_parquet(sample_path)
    assert len(read) == len(raw)
    assert read["StockCode"].tolist() == raw["StockCode"].astype(str).tolist()

    cleaned, report = clean_transactions(read)
    # The walkthrough's cleaning, written out in plain pandas.
    plain = raw.dropna(subset=["Customer_ID", "StockCode", "Description"])
    plain = plain[(plain["Quantity"] > 0) & (plain["Price"] > 0)]
    plain = plain[~plain["Invoice"].astype(str).str.startswith("C")]
    counts = plain["StockCode"].value_counts()
    plain = plain[plain["StockCode"].isin(counts[counts >= 5].index)]
    assert report.after.rows == len(plain)
    assert report.after.customers == plain["Customer_ID"].nunique()
    assert report.after.items == plain["StockCode"].nunique()
    assert report.after.invoices == plain["Invoice"].nunique()

    inter = Interactions.from_frame(
        cleaned, "Customer ID", "StockCode", time_col="InvoiceDate"
    )
    pairs = plain.drop_duplicates(["Customer_ID", "StockCode"])
    assert inter.nnz == len(pairs)
    assert inter.n_users == pairs["Customer_ID"].nunique()
    # '85123A'-style codes are strings, customer '13085.0' is the int 13085
    assert set(inter.items.ids) == set(pairs["StockCode"])
    assert set(inter.users.ids) == {int(float(c)) for c in pairs["Customer_ID"]}
    assert any(not code.isdigit() for code in inter.items.ids)
    user = int(float(pairs["Customer_ID"].iloc[0]))
    expected = set(
        pairs.loc[pairs["Customer_ID"] == pairs["Customer_ID"].iloc[0], "StockCode"]
    )
    assert set(inter.items_of(user)) == expected


def test_parquet_round_trip_keeps_string_codes(tmp_path, sample_path):
    read = load_online_retail(sample_path)
    read.to_parquet(tmp_path / "again.parquet")
    again = load_online_retail(tmp_path / "again.parquet")
    pd.testing.assert_series_equal(read["StockCode"], again["StockCode"])
    read.to_csv(tmp_path / "again.csv", index=False)
    again = load_online_retail(tmp_path / "again.csv")
    assert read["StockCode"].tolist() == again["StockCode"].tolist()


def test_synthetic_orders_are_seeded_and_messy():
    a = make_retail_orders(n_lines=20_000, random_state=3)
    b = make_retail_orders(n_lines=20_000, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(make_retail_orders(n_lines=20_000, random_state=4))
    assert a["InvoiceDate"].is_monotonic_increasing
    n = len(a)
    assert 0.1 < a["Customer ID"].isna().mean() < 0.3
    assert 0.005 < a["Invoice"].str.startswith("C").mean() < 0.04
    assert (a["Price"] == 0).any() and (a["Quantity"] < 0).any()
    assert a.duplicated().sum() > 0.005 * n
    assert a["StockCode"].str.contains("[A-Z]$").any()


def test_synthetic_customers_buy_mostly_from_their_own_group():
    orders, cust_group, item_group = make_retail_orders(
        n_lines=30_000, taste=0.8, random_state=1, return_groups=True
    )
    clean = orders.dropna(subset=["Customer ID"])
    own = (
        clean["Customer ID"].map(cust_group).to_numpy()
        == clean["StockCode"].map(item_group).to_numpy()
    )
    # 0.8 from the own group plus the popularity draws that land there
    assert 0.78 < own.mean() < 0.9
    _cleaned, report = clean_transactions(orders)
    assert report.after.rows > 0.7 * report.before.rows


def test_synthetic_bad_arguments():
    with pytest.raises(ValueError, match=r"`n_items` must be an int >= 12"):
        make_retail_orders(n_items=5)
    with pytest.raises(ValueError, match=r"`taste` must be in \[0, 1\]"):
        make_retail_orders(taste=1.5)

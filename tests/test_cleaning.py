import pandas as pd
import pytest

from shelfgraph import clean_transactions
from shelfgraph.exceptions import EmptyDataError, MissingColumnError


def lines(**overrides):
    """Ten good order lines of item 'A' (and two of 'B'), then the overrides."""
    base = pd.DataFrame(
        {
            "Invoice": [str(500 + k) for k in range(12)],
            "StockCode": ["A"] * 10 + ["B"] * 2,
            "Description": ["MUG"] * 10 + ["POT"] * 2,
            "Quantity": [1] * 12,
            "Price": [2.5] * 12,
            "Customer ID": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2],
        }
    )
    for column, (row, value) in overrides.items():
        base.loc[row, column] = value
    return base


def test_each_rule_counts_its_rows_in_order():
    frame = lines()
    frame.loc[0, "Customer ID"] = None
    frame.loc[1, "StockCode"] = None
    frame.loc[2, "Description"] = None
    frame.loc[3, "Quantity"] = -1
    frame.loc[4, "Price"] = 0.0
    frame.loc[5, "Invoice"] = "C505"
    frame.loc[6, "Quantity"] = 0  # zero also fails "Quantity > 0"

    cleaned, report = clean_transactions(frame, min_item_count=3)

    removed = {r.rule: r.rows_removed for r in report.rules}
    assert removed == {
        "missing_customer": 1,
        "missing_item": 1,
        "missing_description": 1,
        "non_positive_quantity": 2,
        "non_positive_price": 1,
        "cancelled": 1,
        # 'A' keeps lines 7, 8, 9; 'B' has only 2 lines < 3
        "rare_items": 2,
    }
    assert list(cleaned.index) == [7, 8, 9]
    assert report.before.rows == 12 and report.after.rows == 3
    assert report.rows_removed == 9
    assert report.before.items == 2 and report.after.items == 1
    assert report.before.invoices == 12 and report.after.invoices == 3
    assert [r.rows_left for r in report.rules] == [11, 10, 9, 7, 6, 5, 3]


def test_a_row_broken_twice_is_counted_once_by_the_first_rule():
    frame = lines()
    frame.loc[0, "Quantity"] = -3
    frame.loc[0, "Invoice"] = "C500"
    _, report = clean_transactions(frame, min_item_count=1)
    removed = {r.rule: r.rows_removed for r in report.rules}
    assert removed["non_positive_quantity"] == 1
    assert removed["cancelled"] == 0
    assert "rare_items" not in removed


def test_custom_column_names_and_skipped_rules():
    frame = lines().rename(columns={"Customer ID": "cust", "StockCode": "sku"})
    frame = frame.drop(columns=["Description", "Invoice"])
    cleaned, report = clean_transactions(
        frame,
        user_col="cust",
        item_col="sku",
        invoice_col=None,
        description_col=None,
        min_item_count=5,
    )
    assert [r.rule for r in report.rules] == [
        "missing_customer",
        "missing_item",
        "non_positive_quantity",
        "non_positive_price",
        "rare_items",
    ]
    assert set(cleaned["sku"]) == {"A"}
    assert report.after.invoices is None


def test_missing_column_names_it_and_the_columns_found():
    frame = lines().drop(columns=["Price"])
    with pytest.raises(
        MissingColumnError, match=r"'Price' not found; columns found: .*'Quantity'"
    ):
        clean_transactions(frame)


def test_cleaning_that_empties_the_frame_names_the_rule():
    frame = lines()
    frame["Price"] = 0.0
    with pytest.raises(EmptyDataError, match="non_positive_price"):
        clean_transactions(frame)


def test_empty_frame_and_bad_option():
    with pytest.raises(EmptyDataError, match="0 rows"):
        clean_transactions(lines().iloc[:0])
    with pytest.raises(
        ValueError, match=r"`min_item_count` must be an int >= 1, got 0"
    ):
        clean_transactions(lines(), min_item_count=0)


def test_report_renders_every_rule():
    _, report = clean_transactions(lines(), min_item_count=3)
    text = str(report)
    assert "12 -> 10" in text
    assert len(report.to_frame()) == len(report.rules)
    assert report.to_dict()["after"]["rows"] == 10

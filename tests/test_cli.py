"""The command line, called through its real entry point."""

import base64
import json
import re

import pandas as pd
import pytest

from conftest import SAMPLE, need
from shelfgraph import clean_transactions
from shelfgraph.cli import main
from shelfgraph.datasets import load_online_retail, make_retail_orders


@pytest.fixture(scope="module", params=["synthetic", "sample"])
def orders_csv(request, tmp_path_factory):
    """Order lines on disk: synthetic (.csv) and the real Online Retail II sample."""
    if request.param == "sample":
        return need(SAMPLE)
    path = tmp_path_factory.mktemp("cli") / "orders.csv"
    make_retail_orders(
        n_lines=30_000, n_customers=400, n_items=300, random_state=2
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def lines(orders_csv):
    return clean_transactions(load_online_retail(orders_csv))[0]


@pytest.fixture(scope="module")
def model_file(orders_csv, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    assert (
        main(
            [
                "train",
                str(orders_csv),
                "-o",
                str(path),
                "--iterations",
                "5",
                "--no-progress",
            ]
        )
        == 0
    )
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_prints_the_cleaning_report(orders_csv, tmp_path, capsys):
    code, out, _ = run(
        capsys, "train", orders_csv, "-o", tmp_path / "m.npz", "--model", "item-knn"
    )
    assert code == 0
    assert "Quantity <= 0" in out and "model written to" in out
    assert (tmp_path / "m.npz").exists()


def test_recommend_one_customer_as_json(model_file, lines, capsys):
    customer = lines["Customer ID"].iloc[0]
    code, out, _ = run(
        capsys,
        "recommend",
        "-m",
        model_file,
        "--user",
        customer,
        "-n",
        4,
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert {r["user_id"] for r in rows} == {int(customer)}
    assert all(isinstance(r["item_id"], str) and r["item_name"] for r in rows)


def test_recommend_basket_and_all_to_a_file(model_file, lines, tmp_path, capsys):
    items = lines["StockCode"].value_counts()
    basket = list(items.index[:2])
    code, out, _ = run(
        capsys,
        "recommend",
        "-m",
        model_file,
        "--basket",
        *basket,
        "-n",
        3,
        "--format",
        "csv",
    )
    assert code == 0
    frame = pd.read_csv(pd.io.common.StringIO(out), dtype={"item_id": str})
    assert len(frame) == 3 and not set(frame["item_id"]) & set(basket)
    code, _, err = run(
        capsys,
        "recommend",
        "-m",
        model_file,
        "--all",
        "-n",
        2,
        "-o",
        tmp_path / "all.parquet",
    )
    assert code == 0 and "wrote" in err
    assert pd.read_parquet(tmp_path / "all.parquet")["rank"].max() == 2


def test_similar_audience_segments(model_file, lines, tmp_path, capsys):
    items = lines["StockCode"].value_counts()
    code, out, _ = run(capsys, "similar", "-m", model_file, items.index[0], "-n", 3)
    assert code == 0 and len(out.strip().splitlines()) == 4
    code, out, _ = run(
        capsys,
        "audience",
        "-m",
        model_file,
        items.index[1],
        "--top",
        5,
        "--format",
        "json",
    )
    assert code == 0 and len(json.loads(out)) == 5
    code, out, _ = run(
        capsys, "segments", "-m", model_file, "-k", 3, "--plot", tmp_path / "seg.png"
    )
    assert code == 0 and "top_items" in out
    assert (tmp_path / "seg.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate(orders_csv, capsys):
    code, out, _ = run(
        capsys, "evaluate", orders_csv, "--iterations", 3, "--format", "json"
    )
    assert code == 0
    table = pd.DataFrame(json.loads(out)).set_index("model")
    assert set(table.index) == {"most-popular", "item-knn", "graph-filter", "lightgcn"}
    assert (table["recall@20"] > 0).all()


def test_report_has_every_section_and_valid_images(orders_csv, lines, tmp_path, capsys):
    out_file = tmp_path / "r.html"
    code, _, _ = run(capsys, "report", orders_csv, "-o", out_file, "--iterations", 3)
    assert code == 0
    page = out_file.read_text()
    for section in (
        "What cleaning removed",
        "The data",
        "Training",
        "Quality against",
        "homepage shelves",
        "Campaign audience",
        "Customer segments",
    ):
        assert section in page, section
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert len(images) == 2
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    # the campaign section names the second best seller
    hero = lines["StockCode"].value_counts().index[1]
    assert re.search(rf"Campaign products {re.escape(hero)}, ", page)


def test_demo_runs_the_whole_workflow(tmp_path, capsys):
    code, out, _ = run(
        capsys, "demo", "--lines", 20000, "--iterations", 3, "--out", tmp_path
    )
    assert code == 0
    for section in (
        "order lines:",
        "recall@20",
        "Shelf of customer",
        "Similar to",
        "Campaign",
        "Segments:",
        "Report written",
    ):
        assert section in out
    assert (tmp_path / "segments.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "report.html").stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "nope.csv", "-o", "x.npz"], "order-line file not found: nope.csv"),
        (["recommend", "-m", "nope.npz", "--user", "1"], "model file not found"),
        (["demo", "--lines", "0"], "`n_lines` must be an int >= 1, got 0."),
    ],
)
def test_errors_are_one_line_on_stderr(argv, message, capsys):
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith(f"shelfgraph: error: {message}")
    assert err.count("\n") == 1


def test_bad_column_and_unknown_ids(orders_csv, model_file, tmp_path, capsys):
    # the train command reads Customer ID unless told otherwise
    code, _, err = run(
        capsys, "train", orders_csv, "-o", tmp_path / "m.npz", "--user-col", "Client"
    )
    assert code == 1 and "'Client' not found" in err and err.count("\n") == 1
    code, _, err = run(capsys, "recommend", "-m", model_file, "--user", "nobody")
    assert code == 1 and "unknown user id 'nobody'" in err
    code, _, err = run(capsys, "similar", "-m", model_file, "NOPE")
    assert code == 1 and "unknown item id 'NOPE'" in err


def test_help_explains_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["recommend", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--user", "--basket", "--all", "--exclude", "--allowed", "--format"):
        assert option in out

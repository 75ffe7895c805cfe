"""The ``shelfgraph`` command line.

Three layers: argument parsing (:func:`build_parser`), one place that turns
exceptions into an exit code and a single stderr line (:func:`main`), and the
commands themselves, which only call the library and print.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .exceptions import ShelfgraphError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shelfgraph",
        description="Product recommendations from raw order lines with LightGCN.",
    )
    parser.add_argument(
        "--version", action="version", version=f"shelfgraph {__version__}"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="the whole workflow on synthetic retail orders",
        description=(
            "Generate synthetic Online Retail II order lines, clean them, evaluate "
            "LightGCN against baselines on a temporal split, then train on everything "
            "and run the four jobs: shelves, cross-sell, a campaign audience, segments."
        ),
    )
    demo.add_argument(
        "--lines",
        type=int,
        default=300_000,
        help="order lines to generate (default: 300000)",
    )
    demo.add_argument(
        "--iterations", type=int, default=30, help="LightGCN epochs (default: 30)"
    )
    demo.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("shelfgraph-demo"),
        help="folder for shelves.csv and segments.png (default: shelfgraph-demo)",
    )
    demo.set_defaults(run=run_demo)

    train = commands.add_parser(
        "train",
        help="clean order lines and train a model file",
        description="Read order lines (.xlsx, .csv or .parquet), clean them with a "
        "report, train a model and write it as one .npz model file.",
    )
    _add_input(train)
    train.add_argument(
        "--output", "-o", type=Path, required=True, help="model file to write (.npz)"
    )
    train.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="lightgcn",
        help="model to train (default: lightgcn)",
    )
    train.add_argument("--factors", type=int, default=64, help="embedding size (64)")
    train.add_argument("--layers", type=int, default=3, help="LightGCN layers (3)")
    train.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="LightGCN step size (1e-3, the walkthrough's)",
    )
    train.add_argument("--iterations", type=int, default=30, help="epochs (30)")
    train.add_argument("--seed", type=int, default=42, help="random seed (42)")
    train.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for the kernels (default: all cores)",
    )
    train.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar"
    )
    train.set_defaults(run=run_train)

    rec = commands.add_parser(
        "recommend",
        help="shelves for one customer, a basket, or everyone",
        description="Top-n items for one customer (--user), a visitor's basket "
        "(--basket) or all customers (--all, best with --output).",
    )
    _add_model(rec)
    who = rec.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a customer id from the training data")
    who.add_argument("--basket", nargs="+", metavar="ITEM", help="item ids of a basket")
    who.add_argument("--all", action="store_true", help="every customer")
    rec.add_argument("-n", type=int, default=10, help="items per shelf (10)")
    rec.add_argument(
        "--exclude",
        nargs="+",
        default=None,
        metavar="ITEM",
        help="items never to recommend",
    )
    rec.add_argument(
        "--allowed",
        nargs="+",
        default=None,
        metavar="ITEM",
        help="rank only these items",
    )
    rec.add_argument(
        "--repeat", action="store_true", help="allow items the customer already bought"
    )
    _add_output(rec)
    rec.set_defaults(run=run_recommend)

    sim = commands.add_parser("similar", help="items similar to an item or a cart")
    _add_model(sim)
    sim.add_argument("items", nargs="+", metavar="ITEM", help="one item id, or a cart")
    sim.add_argument("-n", type=int, default=10, help="items to return (10)")
    _add_output(sim)
    sim.set_defaults(run=run_similar)

    aud = commands.add_parser(
        "audience",
        help="customers to target for campaign items",
        description="Score every customer for the campaign items; keep the top n, "
        "a top fraction or those above a threshold. Buyers are left out.",
    )
    _add_model(aud)
    aud.add_argument("items", nargs="+", metavar="ITEM", help="campaign item ids")
    cut = aud.add_mutually_exclusive_group()
    cut.add_argument("--top", type=int, help="keep the best N customers")
    cut.add_argument("--fraction", type=float, help="keep the best fraction, e.g. 0.2")
    cut.add_argument("--threshold", type=float, help="keep scores >= this")
    aud.add_argument(
        "--combine",
        choices=["mean", "max", "sum"],
        default="mean",
        help="how per-item scores combine (mean)",
    )
    _add_output(aud)
    aud.set_defaults(run=run_audience)

    seg = commands.add_parser("segments", help="customer segments and their plot")
    _add_model(seg)
    seg.add_argument("-k", "--segments", type=int, default=4, help="segments (4)")
    seg.add_argument("--top", type=int, default=3, help="items listed per segment (3)")
    seg.add_argument("--plot", type=Path, default=None, help="write the PNG plot here")
    seg.add_argument("--seed", type=int, default=42, help="random seed (42)")
    _add_output(seg)
    seg.set_defaults(run=run_segments)

    ev = commands.add_parser(
        "evaluate",
        help="models against baselines on a temporal split",
        description="Clean the order lines, hold out the end of the timeline and "
        "compare LightGCN with most-popular, item-kNN and the graph filter.",
    )
    _add_input(ev)
    ev.add_argument("-k", type=int, default=20, help="cut-off of the metrics (20)")
    ev.add_argument(
        "--test-fraction",
        type=float,
        default=0.2,
        help="share of the timeline held out (0.2)",
    )
    ev.add_argument(
        "--cutoff", default=None, help="first test date instead, e.g. 2011-09-01"
    )
    ev.add_argument("--iterations", type=int, default=30, help="LightGCN epochs (30)")
    _add_output(ev)
    ev.set_defaults(run=run_evaluate)

    rep = commands.add_parser(
        "report",
        help="one self-contained HTML report",
        description="Clean, evaluate, train and run the jobs, then write an HTML "
        "report with tables and embedded plots.",
    )
    _add_input(rep)
    rep.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("shelfgraph-report.html"),
        help="HTML file to write (shelfgraph-report.html)",
    )
    rep.add_argument("--iterations", type=int, default=30, help="LightGCN epochs (30)")
    rep.set_defaults(run=run_report)
    return parser


MODELS = {
    "lightgcn": "LightGCN",
    "most-popular": "MostPopular",
    "item-knn": "ItemKNN",
    "graph-filter": "GraphFilter",
    "als": "ALS",
}


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="order lines: .xlsx, .csv or .parquet")
    p.add_argument(
        "--sheets",
        nargs="+",
        default=None,
        help="workbook sheets to read (default: all)",
    )
    p.add_argument("--user-col", default="Customer ID", help="customer column")
    p.add_argument("--item-col", default="StockCode", help="product column")
    p.add_argument("--time-col", default="InvoiceDate", help="timestamp column")
    p.add_argument("--name-col", default="Description", help="product name column")
    p.add_argument(
        "--min-item-count", type=int, default=5, help="drop items on fewer lines (5)"
    )
    p.add_argument(
        "--keep-cancelled", action="store_true", help="keep invoices starting with 'C'"
    )


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", type=Path, required=True, help="model file (.npz)")


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="how to print (table)",
    )
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write to a .csv or .parquet file instead of printing",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
    try:
        args.run(args)
    except (ShelfgraphError, ValueError, KeyError, OSError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"shelfgraph: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("shelfgraph: interrupted", file=sys.stderr)
        return 130
    return EXIT_OK


def _read_lines(args: argparse.Namespace) -> tuple[Any, Any]:
    import shelfgraph as sg
    from shelfgraph.datasets import load_online_retail

    orders = load_online_retail(args.input, sheets=args.sheets)
    lines, report = sg.clean_transactions(
        orders,
        user_col=args.user_col,
        item_col=args.item_col,
        min_item_count=args.min_item_count,
        drop_cancelled=not args.keep_cancelled,
    )
    return lines, report


def _emit(frame: Any, args: argparse.Namespace) -> None:
    """Print a frame as a table, JSON or CSV, or write it to --output."""
    if args.output is not None:
        if args.output.suffix == ".parquet":
            frame.to_parquet(args.output, index=False)
        elif args.output.suffix == ".csv":
            frame.to_csv(args.output, index=False)
        else:
            raise ValueError(
                f"--output must end in .csv or .parquet, not {args.output.name!r}"
            )
        print(f"wrote {len(frame):,} rows to {args.output}", file=sys.stderr)
    elif args.format == "json":
        print(frame.to_json(orient="records", date_format="iso"))
    elif args.format == "csv":
        print(frame.to_csv(index=False), end="")
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")


def _ids(model: Any, values: Sequence[str], kind: str) -> list[Any]:
    """Command-line strings as the model's ids: '12748' is the int 12748 if need be."""
    known = model.users if kind == "user" else model.items
    out: list[Any] = []
    for value in values:
        if value in known:
            out.append(value)
        elif value.lstrip("-").isdigit() and int(value) in known:
            out.append(int(value))
        else:
            out.append(value)  # unknown: the library raises a clear error
    return out


def _progress() -> int:
    """Progress bars (LightGCN's ``verbose``) when stderr is a terminal."""
    return int(sys.stderr.isatty())


def _load(args: argparse.Namespace) -> Any:
    import shelfgraph as sg

    return sg.load(args.model)


def run_train(args: argparse.Namespace) -> None:
    import shelfgraph as sg

    lines, report = _read_lines(args)
    print(report)
    data = sg.Interactions.from_frame(
        lines,
        args.user_col,
        args.item_col,
        time_col=args.time_col,
        name_col=args.name_col if args.name_col in lines.columns else None,
    )
    print(data)
    cls = getattr(sg, MODELS[args.model])
    params: dict[str, Any] = {"n_threads": args.threads}
    if args.model == "lightgcn":
        params.update(
            factors=args.factors,
            k_layers=args.layers,
            learning_rate=args.learning_rate,
            iterations=args.iterations,
            random_state=args.seed,
            verbose=0 if args.no_progress else 1,
        )
    elif args.model == "als":
        params.update(
            factors=args.factors, iterations=args.iterations, random_state=args.seed
        )
    model = cls(**params).fit(data)
    path = model.save(args.output)
    print(
        f"trained {args.model} in {model.fit_seconds_:.1f} s; model written to {path}"
    )


def run_recommend(args: argparse.Namespace) -> None:
    model = _load(args)
    exclude = _ids(model, args.exclude, "item") if args.exclude else None
    allowed = _ids(model, args.allowed, "item") if args.allowed else None
    if args.basket:
        frame = model.recommend_for_basket(
            _ids(model, args.basket, "item"),
            args.n,
            exclude_items=exclude,
            allowed_items=allowed,
        )
    else:
        users = None if args.all else _ids(model, [args.user], "user")
        frame = model.recommend(
            users,
            args.n,
            exclude_seen=not args.repeat,
            exclude_items=exclude,
            allowed_items=allowed,
        )
    _emit(frame, args)


def run_similar(args: argparse.Namespace) -> None:
    model = _load(args)
    _emit(model.similar_items(_ids(model, args.items, "item"), args.n), args)


def run_audience(args: argparse.Namespace) -> None:
    model = _load(args)
    frame = model.recommend_users(
        _ids(model, args.items, "item"),
        n=args.top,
        fraction=args.fraction,
        threshold=args.threshold,
        combine=args.combine,
    )
    _emit(frame, args)


def run_segments(args: argparse.Namespace) -> None:
    import shelfgraph as sg

    model = _load(args)
    segments = sg.segment_customers(
        model, n_segments=args.segments, top_n=args.top, random_state=args.seed
    )
    _emit(segments.describe().reset_index(), args)
    if args.plot is not None:
        segments.plot(args.plot)
        print(f"segment plot written to {args.plot}", file=sys.stderr)


def run_evaluate(args: argparse.Namespace) -> None:
    from shelfgraph.evaluation import evaluate, standard_models, temporal_split

    lines, _ = _read_lines(args)
    split = temporal_split(
        lines,
        args.user_col,
        args.item_col,
        args.time_col,
        cutoff=args.cutoff,
        test_fraction=args.test_fraction,
    )
    print(f"{split}", file=sys.stderr)
    table = evaluate(
        standard_models(
            learning_rate=1e-3,
            iterations=args.iterations,
            random_state=42,
            verbose=_progress(),
        ),
        split,
        k=args.k,
    )
    _emit(table.reset_index().round(4), args)


def run_report(args: argparse.Namespace) -> None:
    from shelfgraph.report import build_report, write_report

    lines, cleaning = _read_lines(args)
    report = build_report(
        lines,
        cleaning,
        user_col=args.user_col,
        item_col=args.item_col,
        time_col=args.time_col,
        name_col=args.name_col if args.name_col in lines.columns else None,
        model_params={"iterations": args.iterations, "verbose": _progress()},
        title=f"shelfgraph report: {args.input.name}",
    )
    path = write_report(report, args.output)
    print(f"report written to {path}")


def run_demo(args: argparse.Namespace) -> None:
    import shelfgraph as sg
    from shelfgraph.datasets import make_retail_orders
    from shelfgraph.report import build_report, write_report

    args.out.mkdir(parents=True, exist_ok=True)
    orders = make_retail_orders(
        n_lines=args.lines,
        n_customers=4_000,
        n_items=3_000,
        n_groups=20,
        random_state=args.seed,
    )
    print(f"Generated {len(orders):,} synthetic order lines")
    lines, report_clean = sg.clean_transactions(orders)
    print(report_clean)

    # The report evaluates on a temporal split, trains on every line and runs
    # the jobs; the demo prints those results and adds the file outputs.
    params = {
        "learning_rate": 1e-3,
        "iterations": args.iterations,
        "random_state": args.seed,
        "verbose": _progress(),
    }
    report = build_report(
        lines,
        report_clean,
        model_params=params,
        title="shelfgraph demo: synthetic retail orders",
    )
    split = report.split_summary
    print(
        f"\nTemporal split, last 20% of the timeline held out: {split['test_pairs']:,} "
        f"test pairs of {split['test_users']:,} customers"
    )
    columns = ["recall@20", "ndcg@20", "coverage@20", "fit_s"]
    print(report.evaluation[columns].round(4).to_string())

    model = report.model
    print(f"\nLightGCN trained on all lines in {report.timings['train_s']:.1f} s")
    names = model.item_names
    if names is None:  # the report trains with the name column
        raise RuntimeError("the demo model lost its product names")
    customer = model.user_ids[0]
    ids, scores = model.recommend_items(customer, n=5)
    print(f"\nShelf of customer {customer}:")
    for item, score in zip(ids, scores):
        print(f"  {item:<8} {names[item]:<32} {score:.3f}")
    written = model.export_recommendations(args.out / "shelves.csv", n=10)
    print(f"All shelves ({written:,} rows) written to {args.out / 'shelves.csv'}")

    anchor = lines["StockCode"].value_counts().index[0]
    print(f"\nSimilar to {anchor} ({names[anchor]}):")
    print(model.similar_items(anchor, n=5).round(3).to_string(index=False))

    print(
        f"\nCampaign {report.audience_items}: {len(report.audience):,} customers "
        "in the top 20%"
    )
    print("\nSegments:")
    print(report.segments_table.to_string())
    plot = args.out / "segments.png"
    plot.write_bytes(report.segments_png)
    print(f"Segment plot written to {plot}")

    path = write_report(report, args.out / "report.html")
    print(f"Report written to {path}")


if __name__ == "__main__":
    raise SystemExit(main())
